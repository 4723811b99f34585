"""The syndication engine: carry each live post to each configured network, exactly once.

For every published post that is not opted out and every configured network without a copy of it
(DESIGN.md, principles 2 and 3):

1. the post's page must be live (``syndication.publish.live``): 200 with its OpenGraph tags;
2. the text is composed for the network (``syndication.publish.compose``);
3. under the store's lock, held for the whole run so two runs never post twice, the network is
   read first under a new key (``find_published``: a copy whose state was lost is found there),
   then the intent is recorded: a pending copy with the key its network's declaration chooses
   (``syndication.store.once``) is saved before the call that posts;
4. the network is called with that key, and the copy is recorded as published.

A refused login, a wrong token, a server that cannot be reached or a service that is not the
network all fail on the first read, before anything is written; and when the call that posts fails
without one request having left this machine (connection refused, a name that does not resolve:
``networks.base.watch_delivery``), the state file is put back byte for byte. A pending intent is
only left where the network may have received the post: a timeout or a 5xx after sending keeps it,
and the next run reconciles.

A pending copy found at the start (a crash, a timeout) is first looked up on the network with
``find_published``; only when the network does not have it is it published again, with the same
key. The kill switch (``config.posting_paused``) stops everything before any call.

Failures are per network: refused credentials, a network down or rate-limiting stop that network
for this run and the others go on; a post whose override is too long fails alone. Nothing is lost:
a pending intent stays in the state for the next run. The dry run (``dry_run=True``) composes the
same drafts but takes no lock, writes no file and makes no call other than GETs to the site and the
instance's limits.

``checkpoint`` is the fault-injection seam of the tests (``syndication.store.once``): it is
called around each publication, so a test can stop the process at each step and run again.

A publisher that publishes in several calls (``Resumable``: a media container, then its
publication) is handed the pending intent's progress note and a callback that saves a new one
in the state, so what it made before a crash is taken up, not made again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import httpx

from syndication.config import Authors, posting_paused
from syndication.errors import AgoraError, AuthError, ContentError, RateLimited, Unavailable
from syndication.model import Copy, CopyStatus, Post, PostState, format_time
from syndication.networks.base import (
    Draft,
    ProgressNote,
    Publisher,
    Resumable,
    TextLimits,
    watch_delivery,
)
from syndication.networks.registry import adapter_for, label, posting_account, setup_hint
from syndication.networks.registry import network as network_spec
from syndication.networks.spec import AccountSettings
from syndication.publish.compose import compose
from syndication.publish.live import Liveness, PageCard, check_all
from syndication.store.once import (
    AFTER_PROGRESS,
    CHECKPOINTS,
    Checkpoint,
    Snapshot,
    new_intent,
    no_checkpoint,
    note_progress,
    posted,
    record_published,
)
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

PublisherFactory = Callable[[AccountSettings], Publisher]
__all__ = [
    "AFTER_PROGRESS",
    "CHECKPOINTS",
    "Action",
    "Checkpoint",
    "Outcome",
    "Report",
    "Syndicator",
    "syndicate",
]


class Action(StrEnum):
    """What happened (or, in a dry run, would happen) for one post on one network."""

    POSTED = "posted"
    RECONCILED = "found already posted"  # a pending intent the network had: recorded, not re-posted
    WOULD_POST = "would post"
    WOULD_RECONCILE = "would look for the pending copy, then post it if missing"
    ALREADY = "already posted"
    NOT_LIVE = "waiting: not live"
    OPTED_OUT = "opted out"
    PAUSED = "paused"
    PENDING = "left pending"
    FAILED = "failed"


@dataclass
class Outcome:
    """One post on one network: the action, a sentence when needed, the draft and the copy."""

    post: Post
    network: str
    action: Action
    message: str = ""
    draft: Draft | None = None
    copy: Copy | None = None

    @property
    def label(self) -> str:
        """The network's name as people write it."""
        return label(self.network)


@dataclass
class Report:
    """Everything one run did or would do, in the order of posts and networks."""

    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    paused: str = ""  # the kill switch's reason, when it is on
    notices: list[str] = field(default_factory=list)  # run-level sentences (no network set, ...)
    writes: int = 0  # state files saved: intents and copies (the pipeline rebuilds when any)

    @property
    def changed_state(self) -> bool:
        """Whether the run wrote anything to the state (an intent, a copy)."""
        return self.writes > 0

    @property
    def failed(self) -> list[Outcome]:
        """The outcomes that are failures (they make the exit code non-zero)."""
        return [o for o in self.outcomes if o.action is Action.FAILED]

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, 1 otherwise."""
        return 1 if self.failed else 0

    def count(self, network: str, action: Action) -> int:
        """How many outcomes on ``network`` ended in ``action``."""
        return sum(1 for o in self.outcomes if o.network == network and o.action is action)

    @property
    def networks(self) -> list[str]:
        """The networks this run was about, in a stable order."""
        return list(dict.fromkeys(o.network for o in self.outcomes))


def targets(post: Post, networks: Mapping[str, AccountSettings]) -> list[str]:
    """The configured networks the post goes to (its ``Syndicate`` choice, else all of them)."""
    if post.networks is None:
        return list(networks)
    return [name for name in networks if name in post.networks]


def still_to_post(
    post: Post, networks: Mapping[str, AccountSettings], state: PostState
) -> list[str]:
    """The networks the post goes to that have no copy of it yet, or only a pending intent."""
    return [name for name in targets(post, networks) if not posted(state.copies.get(name))]


def expected_card(post: Post) -> PageCard:
    """The card a page not live yet is expected to show (the dry run of a pull request)."""
    return PageCard(
        url=post.url,
        title=post.title,
        description=post.summary,
        image_url=post.image_url,
        image_alt=post.image_alt,
    )


@dataclass
class _Work:
    """One post to carry to one network: its draft and the publisher for its account."""

    draft: Draft
    settings: AccountSettings
    publisher: Publisher


class Syndicator:
    """One run of the engine (see the module's docstring)."""

    def __init__(
        self,
        networks: Mapping[str, AccountSettings],
        *,
        store: StateStore,
        authors: Authors,
        env: Mapping[str, str],
        client: httpx.AsyncClient,
        publisher_factory: PublisherFactory | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.networks = dict(networks)
        self.store = store
        self.authors = authors
        self.env = env
        self.client = client
        self.factory = publisher_factory or (lambda settings: adapter_for(settings, client))
        self.checkpoint = checkpoint or no_checkpoint
        self._publishers: dict[tuple[str, str], Publisher] = {}
        self._limits: dict[tuple[str, str], TextLimits] = {}
        self._stopped: dict[tuple[str, str], str] = {}  # account -> why it is not tried again
        self._writes = 0

    def _save(self, state: PostState) -> None:
        """Save ``state`` atomically, and count it for the report."""
        self.store.save(state)
        self._writes += 1

    # -- accounts ---------------------------------------------------------------------------

    def account_for(self, post: Post, network: str) -> tuple[AccountSettings, bool]:
        """The account the post goes out from, and whether it is the author's own."""
        return posting_account(self.networks[network], post.author, self.authors, self.env)

    @staticmethod
    def _account_key(settings: AccountSettings) -> tuple[str, str]:
        return (settings.network, settings.credential_variable)

    def publisher(self, settings: AccountSettings) -> Publisher:
        """One adapter per account for the whole run (a Bluesky login costs the PDS a scrypt)."""
        key = self._account_key(settings)
        if key not in self._publishers:
            self._publishers[key] = self.factory(settings)
        return self._publishers[key]

    async def limits(self, settings: AccountSettings) -> TextLimits:
        """The account's text limits, read once per run."""
        key = self._account_key(settings)
        if key not in self._limits:
            self._limits[key] = await self.publisher(settings).text_limits()
        return self._limits[key]

    # -- planning -----------------------------------------------------------------------------

    async def run(self, posts: Sequence[Post], *, dry_run: bool = False) -> Report:
        """Syndicate ``posts`` (or, with ``dry_run``, say what would be sent) and report."""
        report = Report(dry_run=dry_run)
        if not self.networks:
            report.notices.append(
                f"No network is configured, so nothing is syndicated: set {setup_hint()} "
                "(see the README)."
            )
            return report
        report.paused = posting_paused(self.env, self.store.root)
        todo: list[tuple[Post, str]] = []
        for post in posts:
            state = self.store.load(post.key)
            chosen = targets(post, self.networks)
            for network in self.networks:
                if network not in chosen:
                    why = (
                        "Syndicate: none"
                        if post.networks == ()
                        else f"Syndicate: {', '.join(post.networks or ())}"
                    )
                    report.outcomes.append(Outcome(post, network, Action.OPTED_OUT, why))
                    continue
                copy = state.copies.get(network)
                if posted(copy):
                    report.outcomes.append(
                        Outcome(post, network, Action.ALREADY, copy.url, copy=copy)
                    )
                    continue
                todo.append((post, network))
        if report.paused and not dry_run:
            # The kill switch: not one call, not one write; say what is held back.
            for post, network in todo:
                report.outcomes.append(Outcome(post, network, Action.PAUSED, report.paused))
            logger.warning("posting is paused: %s", report.paused)
            return report
        pages = await check_all(self.client, [post.url for post, _ in todo])
        work: list[_Work] = []
        for post, network in todo:
            outcome_or_work = await self._prepare(post, network, pages[post.url], report, dry_run)
            if isinstance(outcome_or_work, _Work):
                work.append(outcome_or_work)
            else:
                report.outcomes.append(outcome_or_work)
        if dry_run:
            return report
        if work:
            with self.store.locked():
                for item in work:
                    report.outcomes.append(await self._deliver(item))
        report.writes = self._writes
        return report

    async def _prepare(
        self, post: Post, network: str, live: Liveness, report: Report, dry_run: bool
    ) -> Outcome | _Work:
        """Compose the draft; in a dry run, the outcome that would be (nothing is sent)."""
        settings, own = self.account_for(post, network)
        try:
            limits = await self.limits(settings)
        except AgoraError as error:
            return Outcome(post, network, Action.FAILED, str(error))
        page = live.card if live.live else (expected_card(post) if dry_run else None)
        try:
            draft = compose(
                post,
                network,
                limits,
                authors=self.authors,
                account=settings.account,
                own_account=own,
                page=page,
            )
        except ContentError as error:
            return Outcome(post, network, Action.FAILED, str(error))
        if dry_run:
            # What the network adds to a preview (X: what the run would cost).
            notes = network_spec(network).dry_run_notes(draft, settings)
            draft = replace(draft, notes=tuple(notes))
        if not live.live:
            message = f"{post.url} {live.reason}; it goes out once its page is up"
            return Outcome(post, network, Action.NOT_LIVE, message, draft=draft)
        if not dry_run:
            return _Work(draft, settings, self.publisher(settings))
        copy = self.store.load(post.key).copies.get(network)
        if report.paused:
            return Outcome(post, network, Action.PAUSED, report.paused, draft=draft, copy=copy)
        if copy is not None:
            since = format_time(copy.intent_at)
            message = f"an intent from {since} is pending under the key {copy.key}"
            return Outcome(post, network, Action.WOULD_RECONCILE, message, draft=draft, copy=copy)
        return Outcome(post, network, Action.WOULD_POST, draft=draft)

    # -- delivering ---------------------------------------------------------------------------

    async def _deliver(self, item: _Work) -> Outcome:
        """Publish one draft exactly once (the store's lock is held by ``run``)."""
        draft = item.draft
        post, network = draft.post, draft.network
        account = self._account_key(item.settings)
        if account in self._stopped:
            return Outcome(post, network, Action.PENDING, self._stopped[account])
        # Read again under the lock: a run that held it before us may have posted meanwhile.
        state = self.store.load(post.key)
        copy = state.copies.get(network)
        if copy is not None and copy.status is not CopyStatus.PENDING:
            return Outcome(post, network, Action.ALREADY, copy.url, copy=copy)
        try:
            return await self._publish_once(state, network, draft, item.publisher, copy)
        except AuthError as error:
            self._stopped[account] = f"not tried after: {error}"
            return Outcome(post, network, Action.FAILED, str(error))
        except RateLimited as error:
            self._stopped[account] = str(error)
            return Outcome(
                post, network, Action.PENDING, str(error), copy=state.copies.get(network)
            )
        except (Unavailable, httpx.HTTPError) as error:
            message = (
                str(error)
                if isinstance(error, Unavailable)
                else (f"{label(network)} did not answer ({type(error).__name__}); try again later.")
            )
            self._stopped[account] = f"not tried after: {message}"
            return Outcome(post, network, Action.FAILED, message, copy=state.copies.get(network))
        except AgoraError as error:  # NotFound, Rejected: this post only
            return Outcome(post, network, Action.FAILED, str(error), copy=state.copies.get(network))

    def _noter(self, state: PostState, copy: Copy) -> ProgressNote:
        """The callback a ``Resumable`` publisher saves its progress with, in the intent."""

        def note(progress: Mapping[str, str]) -> None:
            note_progress(copy, progress)
            self._save(state)  # before the next call, as the intent was
            self.checkpoint(AFTER_PROGRESS)

        return note

    async def _publish_once(
        self,
        state: PostState,
        network: str,
        draft: Draft,
        publisher: Publisher,
        copy: Copy | None,
    ) -> Outcome:
        post = draft.post
        pending = copy is not None
        if copy is None:
            # The key is chosen now, saved once the network has been read (below).
            copy = new_intent(network)
        if isinstance(publisher, Resumable):
            publisher.resume(copy.key, dict(copy.extra), self._noter(state, copy))
        # Even without a pending intent: a state commit that never reached the repository (a
        # failed push in CI) must not make the next run post a second copy.
        found = await publisher.find_published(copy.key, draft)
        if found is not None:
            record_published(copy, found)
            state.copies[network] = copy
            self._save(state)
            logger.info("%s on %s: the copy was already there: %s", post.key, network, found.url)
            return Outcome(post, network, Action.RECONCILED, found.url, draft=draft, copy=copy)
        if pending:
            logger.info(
                "%s on %s: pending copy not found; publishing again under key %s",
                post.key,
                network,
                copy.key,
            )
        before: Snapshot | None = None
        writes = self._writes
        if not pending:
            before = Snapshot.of(self.store.path_for(post.key))
            state.copies[network] = copy
            self._save(state)  # the intent, before the call that posts
            logger.info("%s on %s: intent recorded under key %s", post.key, network, copy.key)
        self.checkpoint("before-call")
        with watch_delivery(self.client) as delivery:
            try:
                published = await publisher.publish(draft, copy.key)
            except (AgoraError, httpx.HTTPError):
                if before is not None and delivery.nothing_left:
                    # Not one request left this machine: the network cannot have the post.
                    before.restore()
                    state.copies.pop(network, None)
                    self._writes = writes
                    logger.info("%s on %s: nothing was sent; intent taken back", post.key, network)
                raise
        self.checkpoint("after-call")
        record_published(copy, published)
        self._save(state)
        self.checkpoint("after-record")
        logger.info("%s on %s: posted %s", post.key, network, published.url)
        return Outcome(post, network, Action.POSTED, published.url, draft=draft, copy=copy)


async def syndicate(
    posts: Sequence[Post],
    networks: Mapping[str, AccountSettings],
    *,
    store: StateStore,
    authors: Authors,
    env: Mapping[str, str],
    client: httpx.AsyncClient,
    dry_run: bool = False,
    publisher_factory: PublisherFactory | None = None,
    checkpoint: Checkpoint | None = None,
) -> Report:
    """Run the engine once over ``posts`` (see the module's docstring)."""
    engine = Syndicator(
        networks,
        store=store,
        authors=authors,
        env=env,
        client=client,
        publisher_factory=publisher_factory,
        checkpoint=checkpoint,
    )
    return await engine.run(posts, dry_run=dry_run)
