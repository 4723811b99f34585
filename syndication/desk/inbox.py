"""The engagement desk: every public comment still waiting for the company, and how fast we answer.

Read from the state files only (run ``invoke backfeed`` first for fresh data). An item waits when it
is a reply, mention or quote by someone outside the company and no company account has answered
it: an answer is a company interaction whose ``in_reply_to`` is the item, whether it was sent with
``invoke reply`` (recorded in ``PostState.answers``) or written directly on the network and
backfed.

Comments heard outside our posts (a post naming the company's account, or quoting one of its
posts, that the network notified it of) come as states of their own, keyed ``HEARD_PREFIX`` and
the inbox ID (``syndication.listen.mentions.WithMentions.comments``): they wait like the others,
with the same flags, and say ``heard`` instead of a post.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syndication.errors import ConfigError
from syndication.model import CopyStatus, Interaction, InteractionKind, PostState, format_time

WAITING_KINDS = frozenset({InteractionKind.REPLY, InteractionKind.MENTION, InteractionKind.QUOTE})
# The key of the state of a comment heard outside our posts; a post's key never starts so.
HEARD_PREFIX = "mention."
LATE_AFTER = timedelta(hours=24)
QUESTION_OPENINGS = (
    "comment",
    "pourquoi",
    "quand",
    "où",
    "est-ce",
    "combien",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "pouvez-vous",
    "peut-on",
    "avez-vous",
    "how",
    "why",
    "when",
    "where",
    "what",
    "which",
    "can",
    "could",
    "do you",
    "does",
    "is it",
    "are you",
    "will",
)


def fold(text: str) -> str:
    """Lower case without accents, so « DÉÇU » matches « decu »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_word_list(path: Path) -> tuple[str, ...]:
    """The complaint words: one per line, ``#`` comments and blank lines ignored."""
    if not path.exists():
        raise ConfigError(f"{path} is missing; restore it from git (it lists complaint words).")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(fold(line) for line in lines if line and not line.startswith("#"))


def item_id(network: str, native_id: str) -> str:
    """The short, stable ID that people type in ``invoke reply``."""
    return f"{network}-{hashlib.sha1(f'{network}:{native_id}'.encode()).hexdigest()[:8]}"


def is_question(text: str) -> bool:
    """Whether a comment asks something (a question mark, or a question word opening a sentence)."""
    if "?" in text or "\uff1f" in text:  # also the full-width question mark
        return True
    sentences = re.split(r"[.!\n]+", fold(text))
    return any(s.strip().startswith(tuple(fold(w) for w in QUESTION_OPENINGS)) for s in sentences)


def complaint_words(text: str, words: Iterable[str]) -> list[str]:
    """The complaint words found in ``text`` as whole words."""
    folded = fold(text)
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded)]


@dataclass(frozen=True)
class WaitingItem:
    """One comment waiting for an answer."""

    id: str
    post: str
    item: Interaction
    question: bool
    complaint: tuple[str, ...]
    first_time: bool
    copy_url: str
    heard: bool = False  # outside our posts: it names or quotes the company (``post`` is "")

    def age(self, now: datetime) -> timedelta:
        """How long it has waited."""
        return now - self.item.published_at

    def to_json(self, now: datetime) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "id": self.id,
            "network": self.item.network,
            "post": self.post,
            "kind": self.item.kind.value,
            "author": {"handle": self.item.author.handle, "name": self.item.author.name},
            "published_at": format_time(self.item.published_at),
            "age_hours": round(self.age(now).total_seconds() / 3600, 1),
            "text": self.item.content_text,
            "url": self.item.url,
            "question": self.question,
            "complaint": list(self.complaint),
            "first_time": self.first_time,
            "heard": self.heard,
        }


def _answers_by_parent(states: Iterable[PostState]) -> dict[tuple[str, str], datetime]:
    """(network, answered id) -> time of the company's first answer."""
    first: dict[tuple[str, str], datetime] = {}
    for state in states:
        for item in state.interactions.values():
            if item.by_company and item.in_reply_to:
                key = (item.network, item.in_reply_to)
                if key not in first or item.published_at < first[key]:
                    first[key] = item.published_at
        for parent_key, answer in state.answers.items():
            if answer.status is CopyStatus.PUBLISHED and answer.published_at:
                network, _, parent = parent_key.partition(":")
                key = (network, parent)
                if key not in first or answer.published_at < first[key]:
                    first[key] = answer.published_at
    return first


def _waiting_candidates(states: list[PostState]) -> list[tuple[PostState, Interaction]]:
    return [
        (state, item)
        for state in states
        for item in state.interactions.values()
        if item.kind in WAITING_KINDS and not item.by_company
    ]


def waiting(
    states: list[PostState], words: Iterable[str], since: datetime | None = None
) -> list[WaitingItem]:
    """Every comment nobody from the company has answered yet, oldest first."""
    answered = _answers_by_parent(states)
    word_list = tuple(words)
    # When each person first spoke to us, across every post and network.
    first_seen: dict[tuple[str, str], datetime] = {}
    for state in states:
        for item in state.interactions.values():
            person = (item.network, item.author.id or item.author.handle)
            if person not in first_seen or item.published_at < first_seen[person]:
                first_seen[person] = item.published_at
    found = []
    for state, item in _waiting_candidates(states):
        if (item.network, item.id) in answered:
            continue
        if since and item.published_at < since:
            continue
        copy = state.copies.get(item.network)
        text = " ".join(filter(None, (item.summary, item.content_text)))
        person = (item.network, item.author.id or item.author.handle)
        heard = state.key.startswith(HEARD_PREFIX)
        found.append(
            WaitingItem(
                id=item_id(item.network, item.id),
                post="" if heard else state.key,
                item=item,
                question=is_question(text),
                complaint=tuple(complaint_words(text, word_list)),
                first_time=first_seen[person] >= item.published_at,
                copy_url=copy.url if copy else "",
                heard=heard,
            )
        )
    return sorted(found, key=lambda w: (w.item.published_at, w.id))


def find(states: list[PostState], wanted: str) -> tuple[PostState, Interaction]:
    """The interaction an inbox ID (or ``network:id``) names, with its post; ConfigError if none."""
    for state in states:
        for item in state.interactions.values():
            if wanted in (item_id(item.network, item.id), f"{item.network}:{item.id}"):
                return state, item
    raise ConfigError(f"no comment has the ID {wanted!r}; run `invoke inbox` to see the IDs.")


@dataclass(frozen=True)
class ResponseStats:
    """Time to first answer, for one network or overall."""

    answered: int
    median: timedelta | None
    p90: timedelta | None
    waiting: int
    waiting_late: int


def _percentile(values: list[timedelta], fraction: float) -> timedelta | None:
    """Nearest-rank percentile (no interpolation: every figure is a real answer time)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def response_stats(states: list[PostState], now: datetime) -> dict[str, ResponseStats]:
    """Per network and ``"overall"``: answer times (median, p90) and how many still wait."""
    answered = _answers_by_parent(states)
    delays: dict[str, list[timedelta]] = {}
    open_items: dict[str, list[timedelta]] = {}
    for _state, item in _waiting_candidates(states):
        at = answered.get((item.network, item.id))
        for bucket in (item.network, "overall"):
            if at is not None:
                delays.setdefault(bucket, []).append(max(timedelta(0), at - item.published_at))
            else:
                open_items.setdefault(bucket, []).append(now - item.published_at)
    result = {}
    for bucket in sorted(set(delays) | set(open_items), key=lambda b: (b == "overall", b)):
        times = delays.get(bucket, [])
        ages = open_items.get(bucket, [])
        result[bucket] = ResponseStats(
            answered=len(times),
            median=statistics.median_low(times) if times else None,
            p90=_percentile(times, 0.9),
            waiting=len(ages),
            waiting_late=sum(1 for age in ages if age > LATE_AFTER),
        )
    return result


def human_duration(span: timedelta | None) -> str:
    """``3 min``, ``5 h``, ``2 d``: short enough for a table."""
    if span is None:
        return "-"
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"
