"""One listening run: every feed and search of the listening file, into new mentions.

Feeds are read concurrently (``CONCURRENCY`` at a time), each on its own: a feed that fails is one
warning and the others go on; failing ``BROKEN_AFTER`` runs in a row, it is reported as broken with
its label until it answers again. What a feed or a search brings is kept when a term of the
listening file is in it (``match.Matcher``), classed as about us, a competitor or the industry,
and dropped when an earlier run (or another feed, this run) already brought it: a mention's
inbox ID comes from its canonical link or its post id, so the same article through two feeds, or
the same post through two searches, is one mention.

The run changes nothing on disk: ``Heard`` holds the new mentions and the sources' new state, which
``syndication.cli.listen`` writes under the store's lock, and only when something changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from syndication.config import Authors
from syndication.desk.inbox import item_id
from syndication.errors import AgoraError
from syndication.listen import feeds
from syndication.listen.match import Matcher, about
from syndication.listen.searches import searcher
from syndication.listen.sources import KINDS, Feed, Listening
from syndication.listen.store import FEED, Mention, SourceState
from syndication.model import Interaction
from syndication.networks.registry import label as network_label
from syndication.networks.spec import AccountSettings
from syndication.secrets import redact

logger = logging.getLogger(__name__)

CONCURRENCY = 4
BROKEN_AFTER = 3  # failed runs in a row before a source is reported as broken


@dataclass
class Heard:
    """What one run brought, before it is written."""

    mentions: list[Mention] = field(default_factory=list)
    sources: dict[str, SourceState] = field(default_factory=dict)
    read: int = 0  # feeds that sent a new body
    unchanged: int = 0  # feeds that answered 304
    searched: int = 0  # searches made
    warnings: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


class _Run:
    def __init__(
        self,
        listening: Listening,
        sources: Mapping[str, SourceState],
        seen: set[str],
        now: datetime,
    ) -> None:
        self.listening = listening
        self.matcher = Matcher(listening.terms)
        self.old = sources
        self.seen = set(seen)
        self.now = now
        self.heard = Heard()

    def source(self, key: str) -> SourceState:
        old = self.old.get(key) or SourceState()
        state = SourceState(**vars(old))
        self.heard.sources[key] = state
        return state

    def failed(self, state: SourceState, name: str, said: str) -> None:
        sentence = redact(said)  # it is kept in the state, which is committed
        state.failures += 1
        state.error = sentence
        self.heard.warnings.append(sentence)
        if state.failures >= BROKEN_AFTER:
            self.heard.broken.append(f"{name} has failed {state.failures} runs in a row")

    def keep(self, mention: Mention, text: str) -> None:
        """Keep ``mention`` when a term is in ``text`` and it is new."""
        if mention.id in self.seen or mention.native_id in self.seen:
            return
        found = self.matcher.find(text)
        kind = about(found, KINDS)
        if not kind:
            return
        mention.about = kind
        mention.matched = tuple(term for k in KINDS for term in found.get(k, ()))
        self.seen.update((mention.id, mention.native_id))
        self.heard.mentions.append(mention)

    async def feed(self, http: httpx.AsyncClient, feed: Feed, gate: asyncio.Semaphore) -> None:
        state = self.source(feed.url)
        async with gate:
            try:
                fetched = await feeds.fetch(http, feed, state)
                articles = [] if fetched.unchanged else feeds.parse(fetched, feed, self.now)
            except feeds.FeedFailure as failure:
                self.failed(state, repr(feed.label), str(failure))
                return
        state.failures, state.error = 0, ""
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
        if fetched.unchanged:
            self.heard.unchanged += 1
            return
        self.heard.read += 1
        for article in articles:
            mention = Mention(
                id=item_id(FEED, article.native_id),
                network=FEED,
                native_id=article.native_id,
                source=feed.label,
                published_at=article.published_at,
                url=article.url,
                title=article.title,
                text=article.text,
                author=article.author,
            )
            self.keep(mention, f"{article.title}\n{article.text}")

    def post(self, item: Interaction, source: str) -> None:
        text = " ".join(filter(None, (item.summary, item.content_text)))
        handle = item.author.handle
        mention = Mention(
            id=item_id(item.network, item.id),
            network=item.network,
            native_id=item.id,
            source=source,
            published_at=item.published_at,
            url=item.url,
            text=text,
            author=item.author.name,
            handle=handle,
            author_id=item.author.id,
            lang=item.lang,
        )
        self.keep(mention, text)

    async def searches(
        self, networks: Mapping[str, AccountSettings], client: httpx.AsyncClient, authors: Authors
    ) -> None:
        for name, queries in self.listening.searches.items():
            if not queries:
                continue
            settings = networks.get(name)
            found_client = searcher(settings, client, authors) if settings else None
            if found_client is None:
                for query in queries:  # kept for when it is configured again
                    self.source(f"{name}:{query}")
                self.heard.warnings.append(
                    f"searches.{name} is set but {network_label(name)} is not configured, so it "
                    "was not searched; set its account variables (see the README)."
                )
                continue
            for query in queries:
                key = f"{name}:{query}"
                state = self.source(key)
                where = f"{network_label(name)} search {query!r}"
                try:
                    found = await found_client.search(query, state.newest)
                except (AgoraError, httpx.HTTPError) as error:
                    said = str(error) if isinstance(error, AgoraError) else type(error).__name__
                    self.failed(state, where, f"the {where} failed: {said}")
                    continue
                self.heard.searched += 1
                state.failures, state.error, state.newest = 0, "", found.newest
                for item in found.posts:
                    self.post(item, f"{network_label(name)}: {query}")


async def listen(
    listening: Listening,
    *,
    sources: Mapping[str, SourceState],
    seen: set[str],
    now: datetime,
    feed_client: httpx.AsyncClient,
    networks: Mapping[str, AccountSettings] | None = None,
    network_client: httpx.AsyncClient | None = None,
    authors: Authors | None = None,
) -> Heard:
    """Read every feed and run every search of ``listening``; what was heard (nothing written)."""
    run = _Run(listening, sources, seen, now)
    gate = asyncio.Semaphore(CONCURRENCY)
    await asyncio.gather(*(run.feed(feed_client, feed, gate) for feed in listening.feeds))
    if networks and network_client is not None:
        await run.searches(networks, network_client, authors or {})
    elif any(listening.searches.values()):
        run.heard.warnings.append(
            "no network is configured, so the searches of the listening file were not run."
        )
    run.heard.mentions.sort(key=lambda m: (m.published_at, m.id))
    return run.heard
