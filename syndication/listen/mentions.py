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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syndication.desk.inbox import complaint_words, is_question
from syndication.errors import StateError
from syndication.listen.store import FEED, ListenStore, Mention
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    format_time,
    interaction_key,
)
from syndication.store.state import StateStore

RECENT = timedelta(days=7)  # the default inbox shows the mentions of the last week
STATE_PREFIX = "mention."  # the key of a mention's state; a post key never starts so (no dot)


@dataclass(frozen=True)
class MentionItem:
    """One mention as the inbox lists it."""

    mention: Mention
    question: bool
    complaint: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """Whether ``invoke reply`` can answer it (a post on a network, not yet answered)."""
        return self.mention.network != FEED and self.mention.answer is None

    @property
    def answered(self) -> bool:
        """Whether the company answered it with ``invoke reply``."""
        answer = self.mention.answer
        return answer is not None and answer.status is CopyStatus.PUBLISHED

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
    """The mentions of the last week not yet answered: the default inbox shows these."""
    return [i for i in items if now - i.mention.published_at <= RECENT and not i.answered]


def as_state(mention: Mention) -> PostState:
    """A mention found by a network's search, as the reply engine reads a post's state."""
    item = Interaction(
        network=mention.network,
        kind=InteractionKind.MENTION,
        id=mention.native_id,
        author=Person(mention.network, mention.author_id, mention.handle, mention.author),
        published_at=mention.published_at,
        url=mention.url,
        content_text=mention.text,
        lang=mention.lang,
    )
    root = Copy(
        mention.network,
        CopyStatus.PUBLISHED,
        key="",
        intent_at=mention.published_at,
        id=mention.native_id,
        url=mention.url,
        published_at=mention.published_at,
    )
    state = PostState(
        key=f"{STATE_PREFIX}{mention.id}",
        copies={mention.network: root},
        interactions={interaction_key(item.network, item.id): item},
    )
    if mention.answer is not None:
        state.answers[interaction_key(item.network, item.id)] = mention.answer
    return state


class WithMentions(StateStore):
    """The state store with every answerable mention as one more state (see the module)."""

    def __init__(self, store: StateStore) -> None:
        super().__init__(store.root)
        self.posts = store
        self.listening = ListenStore(store.root)
        self._mentions: dict[str, Mention] = {}

    def all(self) -> Iterator[PostState]:
        """Every post's state, then every mention found by a network's search."""
        yield from self.posts.all()
        for mention in self.listening.mentions():
            if mention.network == FEED:
                continue
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
