"""Mentions as the desk shows them: flagged like comments, and answerable where they are posts.

**Flags.** A mention is flagged as a question or a complaint exactly as a comment of the inbox
is: ``desk.inbox.is_question`` and ``desk.inbox.complaint_words`` with the same word list.

**Answers.** A mention that is a post found by a network's search (Bluesky, Mastodon) can be
answered in its thread with ``invoke reply``, exactly once, by the same engine as comments
(``desk.reply.ReplyEngine``: intent saved before the call, reconciled on a rerun,
``store.once``). The engine reads and writes ``PostState``s through a ``StateStore``;
``WithMentions`` is that store with every answerable mention shown as one more state: the
mention as its only interaction (kind ``mention``), the mention itself as the published root of
its thread, and its answer, if any, under ``answers``. Saving such a state writes the answer back
into the mention's month file (``listen.store``), under the same lock. Mentions read from feeds
are articles on other sites: there is no thread to answer in, so they are not shown to the engine.

**Comments heard outside our posts.** A mention a backfeed heard from a network's notifications
(``Mention.addressed``: a post naming one of the company's accounts, or quoting one of its posts,
not under one of our copies) is a comment like those under our posts: ``WithMentions.comments``
gives the posts' states and these mentions' states together, so ``desk.inbox.waiting`` lists
them among what waits, with the same flags, until the company answers (``invoke reply``, ``invoke
answers``, or in the network's app: the next backfeed sees its answer in the thread,
``Mention.reply``, shown in the state as the company's interaction, which also makes ``invoke
reply`` refuse a second answer). The section of the week's mentions leaves them out: they are
listed once, as comments. A mention whose post a backfeed later finds under one of our copies
is that comment, not a second one: it is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syndication.desk.inbox import HEARD_PREFIX, complaint_words, is_question, item_id
from syndication.errors import StateError
from syndication.listen.store import FEED, ListenStore, Mention
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    Person,
    PostState,
    format_time,
    interaction_key,
)
from syndication.store.state import StateStore

RECENT = timedelta(days=7)  # the default inbox shows the mentions of the last week
STATE_PREFIX = HEARD_PREFIX  # the key of a mention's state; a post key never starts so (no dot)


@dataclass(frozen=True)
class MentionItem:
    """One mention as the inbox lists it."""

    mention: Mention
    question: bool
    complaint: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """Whether ``invoke reply`` can answer it (a post on a network, not yet answered)."""
        m = self.mention
        return m.network != FEED and m.answer is None and m.reply is None

    @property
    def answered(self) -> bool:
        """Whether the company answered it (``invoke reply``, or seen in its thread)."""
        return self.mention.answered

    def to_json(self, now: datetime) -> dict[str, Any]:
        """Plain data for ``--json``."""
        m = self.mention
        return {
            "id": m.id,
            "network": m.network,
            "source": m.source,
            "about": m.about,
            "matched": list(m.matched),
            "author": {"name": m.author, "handle": m.handle},
            "published_at": format_time(m.published_at),
            "age_hours": round((now - m.published_at).total_seconds() / 3600, 1),
            "title": m.title,
            "text": m.text,
            "url": m.url,
            "question": self.question,
            "complaint": list(self.complaint),
            "answerable": self.answerable,
            "answered": self.answered,
        }


def listed(
    mentions: Iterable[Mention], words: Iterable[str], since: datetime | None = None
) -> list[MentionItem]:
    """The mentions flagged as the inbox flags comments, newest first."""
    word_list = tuple(words)
    items = []
    for mention in mentions:
        if since and mention.published_at < since:
            continue
        text = " ".join(filter(None, (mention.title, mention.text)))
        items.append(
            MentionItem(mention, is_question(text), tuple(complaint_words(text, word_list)))
        )
    return sorted(items, key=lambda i: (i.mention.published_at, i.mention.id), reverse=True)


def recent(items: list[MentionItem], now: datetime) -> list[MentionItem]:
    """The mentions of the last week not yet answered: the default inbox shows these.

    Those addressed to the company are left out: the inbox lists them among the comments.
    """
    return [
        i
        for i in items
        if now - i.mention.published_at <= RECENT and not i.answered and not i.mention.addressed
    ]


def heard(item: Interaction, source: str) -> Mention:
    """A post a network notified the company of, outside our copies, as a mention to keep.

    ``item`` is already sanitised and moderated (``backfeed.engine.prepare``); its words are
    kept as plain text, like a search's.
    """
    return Mention(
        id=item_id(item.network, item.id),
        network=item.network,
        native_id=item.id,
        source=source,
        published_at=item.published_at,
        url=item.url,
        text=" ".join(filter(None, (item.summary, item.content_text))),
        author=item.author.name,
        handle=item.author.handle,
        author_id=item.author.id,
        lang=item.lang,
        about="us",
        addressed=True,
        kind=item.kind,
    )


def root_copy(mention: Mention) -> Copy:
    """The mention itself as the published root of its thread (where its answers go)."""
    return Copy(
        mention.network,
        CopyStatus.PUBLISHED,
        key="",
        intent_at=mention.published_at,
        id=mention.native_id,
        url=mention.url,
        published_at=mention.published_at,
    )


def as_state(mention: Mention) -> PostState:
    """A mention found by a network's search or heard by a backfeed, as the reply engine (and,
    for those addressed to the company, the inbox) reads a post's state."""
    item = Interaction(
        network=mention.network,
        kind=mention.kind,
        id=mention.native_id,
        author=Person(mention.network, mention.author_id, mention.handle, mention.author),
        published_at=mention.published_at,
        url=mention.url,
        content_text=mention.text,
        lang=mention.lang,
    )
    state = PostState(
        key=f"{STATE_PREFIX}{mention.id}",
        copies={mention.network: root_copy(mention)},
        interactions={interaction_key(item.network, item.id): item},
    )
    if mention.answer is not None:
        state.answers[interaction_key(item.network, item.id)] = mention.answer
    if mention.reply is not None:
        # The company's answer seen in the thread: the inbox counts the mention as answered,
        # and the reply engine refuses a second answer, naming who answered.
        answer = mention.reply
        state.interactions[interaction_key(answer.network, answer.id)] = answer
    return state


class WithMentions(StateStore):
    """The state store with every answerable mention as one more state (see the module)."""

    def __init__(self, store: StateStore) -> None:
        super().__init__(store.root)
        self.posts = store
        self.listening = ListenStore(store.root)
        self._mentions: dict[str, Mention] = {}

    def all(self) -> Iterator[PostState]:
        """Every post's state, then every mention that is a post on a network (found by a
        search or heard by a backfeed) and not already a comment under one of our posts."""
        yield from self._states(addressed_only=False)

    def comments(self) -> Iterator[PostState]:
        """Every post's state, then the mentions addressed to the company (comments heard
        outside our posts): what the inbox lists as waiting."""
        yield from self._states(addressed_only=True)

    def _states(self, *, addressed_only: bool) -> Iterator[PostState]:
        under_posts: set[tuple[str, str]] = set()
        for state in self.posts.all():
            under_posts.update((item.network, item.id) for item in state.interactions.values())
            yield state
        for mention in self.listening.mentions():
            if mention.network == FEED or (addressed_only and not mention.addressed):
                continue
            if (mention.network, mention.native_id) in under_posts:
                continue  # the same post, found under one of our copies since: one comment
            self._mentions[f"{STATE_PREFIX}{mention.id}"] = mention
            yield as_state(mention)

    def save(self, state: PostState) -> None:
        """A post's state as the store saves it; a mention's answer into its month file."""
        mention = self._mentions.get(state.key)
        if mention is None:
            if state.key.startswith(STATE_PREFIX):
                raise StateError(f"{state.key} is not a mention this run has read.")
            self.posts.save(state)
            return
        mention.answer = state.answers.get(interaction_key(mention.network, mention.native_id))
        self.listening.replace(mention)
