"""Where listening keeps what it heard: plain, diffable JSON in the state folder, no secrets.

Layout under the state folder (``content/state``, committed by the workflows with the rest)::

    listening/mentions/{YYYY-MM}.json   the mentions published that month, oldest first
    listening/sources.json              per feed: its cache validators and failures in a row;
                                        per search: the newest post seen (the next run asks
                                        only for newer ones)

Written like the post state (``syndication.store.state.write_json_atomically``: a temporary file
renamed over the old one, stable key order), and only when something changed: a run over feeds
that did not change writes nothing, so it leaves no diff to commit. A month's file holds a few
dozen mentions at most, so adding one rewrites one small file, and the archive is never reread
except to know what was seen (ids only).

Two commands write mentions: ``invoke listen`` (what its feeds and searches heard) and ``invoke
backfeed`` (what a network notified the company of outside our copies: a post naming one of its
accounts, or quoting one of its posts, ``addressed``; see ``syndication.backfeed.engine``). Both
write under the state store's lock, and a post both heard is one mention (the same inbox ID).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from syndication.errors import StateError
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    format_time,
    parse_time,
)
from syndication.store.state import read_json, write_json_atomically

FOLDER = "listening"
FEED = "feed"  # the ``network`` of a mention read from a feed (not answerable)


@dataclass
class Mention:
    """One thing said elsewhere that names us, a competitor or the industry."""

    id: str  # the inbox ID (``desk.inbox.item_id``), stable across runs
    network: str  # FEED, or the network whose search found it
    native_id: str  # the canonical link of an article, the post's id on a network
    source: str  # the feed's label, or "Bluesky search: term"
    published_at: datetime
    url: str = ""
    title: str = ""
    text: str = ""  # plain text, never HTML: it is shown in a terminal, never rendered
    author: str = ""  # the author's name where the source gives one
    handle: str = ""  # their handle on the network (a post found by a search)
    author_id: str = ""  # the network's id of the author (a DID, an account id)
    lang: str = ""
    about: str = ""  # "us", "competitors" or "industry" (sources.KINDS)
    matched: tuple[str, ...] = ()
    answer: Copy | None = None  # the company's answer with `invoke reply`, exactly once
    # A post the network notified the company of (it names one of its accounts, or quotes one of
    # its posts), outside our copies: a comment that waits in the inbox until it is answered.
    addressed: bool = False
    kind: InteractionKind = InteractionKind.MENTION  # a mention, a reply elsewhere, or a quote
    # The company's answer seen in the post's thread by a backfeed (written in the network's own
    # app, say): the mention is answered, and `invoke reply` sends nothing more.
    reply: Interaction | None = None
    checked_at: datetime | None = None  # when a backfeed last read its thread for that answer

    @property
    def answered(self) -> bool:
        """Whether the company answered it: with `invoke reply`, or seen in its thread."""
        sent = self.answer is not None and self.answer.status is CopyStatus.PUBLISHED
        return sent or self.reply is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in a stable order, empty fields left out."""
        data: dict[str, Any] = {
            "id": self.id,
            "network": self.network,
            "native_id": self.native_id,
            "source": self.source,
            "published_at": format_time(self.published_at),
        }
        for name in (
            "url",
            "title",
            "text",
            "author",
            "handle",
            "author_id",
            "lang",
            "about",
        ):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.matched:
            data["matched"] = list(self.matched)
        if self.answer is not None:
            data["answer"] = self.answer.to_dict()
        if self.addressed:
            data["addressed"] = True
        if self.kind is not InteractionKind.MENTION:
            data["kind"] = self.kind.value
        if self.reply is not None:
            data["reply"] = self.reply.to_dict()
        if self.checked_at is not None:
            data["checked_at"] = format_time(self.checked_at)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        """Read back what ``to_dict`` wrote."""
        answer, reply, checked = data.get("answer"), data.get("reply"), data.get("checked_at")
        return cls(
            id=str(data["id"]),
            network=str(data["network"]),
            native_id=str(data["native_id"]),
            source=str(data.get("source", "")),
            published_at=parse_time(str(data["published_at"])),
            url=str(data.get("url", "")),
            title=str(data.get("title", "")),
            text=str(data.get("text", "")),
            author=str(data.get("author", "")),
            handle=str(data.get("handle", "")),
            author_id=str(data.get("author_id", "")),
            lang=str(data.get("lang", "")),
            about=str(data.get("about", "")),
            matched=tuple(str(term) for term in data.get("matched", [])),
            answer=Copy.from_dict(answer) if isinstance(answer, dict) else None,
            addressed=bool(data.get("addressed", False)),
            kind=InteractionKind(str(data.get("kind", InteractionKind.MENTION.value))),
            reply=Interaction.from_dict(reply) if isinstance(reply, dict) else None,
            checked_at=parse_time(str(checked)) if checked else None,
        )


@dataclass
class SourceState:
    """What one feed or search left for the next run."""

    etag: str = ""
    last_modified: str = ""
    failures: int = 0  # failed runs in a row; reset by the first success
    error: str = ""  # the last failure's sentence, while it fails
    newest: str = ""  # a search's newest post (a time on Bluesky, a status id on Mastodon)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, empty fields left out."""
        data: dict[str, Any] = {}
        for name in ("etag", "last_modified", "error", "newest"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.failures:
            data["failures"] = self.failures
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceState:
        """Read back what ``to_dict`` wrote."""
        return cls(
            etag=str(data.get("etag", "")),
            last_modified=str(data.get("last_modified", "")),
            failures=int(data.get("failures", 0)),
            error=str(data.get("error", "")),
            newest=str(data.get("newest", "")),
        )


@dataclass
class ListenStore:
    """The listening files under the state folder ``root``."""

    root: Path
    _months: dict[str, list[Mention]] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        """``{root}/listening``."""
        return self.root / FOLDER

    def _month_path(self, month: str) -> Path:
        return self.folder / "mentions" / f"{month}.json"

    def _month(self, month: str) -> list[Mention]:
        if month not in self._months:
            path = self._month_path(month)
            raw = read_json(path) if path.exists() else []
            if not isinstance(raw, list):
                raise StateError(f"{path}: expected a list of mentions; restore it from git.")
            try:
                self._months[month] = [Mention.from_dict(item) for item in raw]
            except (KeyError, TypeError, ValueError) as error:
                raise StateError(
                    f"{path}: a mention has an unexpected shape ({error}); restore it from git."
                ) from error
        return self._months[month]

    def months(self) -> list[str]:
        """Every month with mentions, oldest first."""
        folder = self.folder / "mentions"
        if not folder.is_dir():
            return []
        return sorted(path.stem for path in folder.glob("*.json"))

    def mentions(self) -> list[Mention]:
        """Every mention kept, newest first."""
        found = [mention for month in self.months() for mention in self._month(month)]
        return sorted(found, key=lambda m: (m.published_at, m.id), reverse=True)

    def seen(self) -> set[str]:
        """The ids and native ids of every mention kept (what a run must not add again)."""
        return {key for m in self.mentions() for key in (m.id, m.native_id)}

    def add(self, mentions: list[Mention]) -> None:
        """Write ``mentions`` into their months' files (each file written once)."""
        touched: set[str] = set()
        for mention in mentions:
            month = mention.published_at.strftime("%Y-%m")
            self._month(month).append(mention)
            touched.add(month)
        for month in sorted(touched):
            self._write(month)

    def put(self, mentions: Iterable[Mention], gone: Iterable[Mention] = ()) -> None:
        """Write ``mentions`` over the kept ones with the same ids, or add them, and take the
        ``gone`` ones out (deleted by their authors): each month's file written once."""
        touched: set[str] = set()
        for mention in mentions:
            month = mention.published_at.strftime("%Y-%m")
            kept = self._month(month)
            places = [index for index, known in enumerate(kept) if known.id == mention.id]
            if places:
                kept[places[0]] = mention
            else:
                kept.append(mention)
            touched.add(month)
        for mention in gone:
            month = mention.published_at.strftime("%Y-%m")
            self._months[month] = [m for m in self._month(month) if m.id != mention.id]
            touched.add(month)
        for month in sorted(touched):
            self._write(month)

    def replace(self, mention: Mention) -> None:
        """Write ``mention`` over the kept one with the same id (an answer recorded)."""
        month = mention.published_at.strftime("%Y-%m")
        kept = self._month(month)
        for index, known in enumerate(kept):
            if known.id == mention.id:
                kept[index] = mention
                self._write(month)
                return
        raise StateError(f"the mention {mention.id} is not in {self._month_path(month)}.")

    def _write(self, month: str) -> None:
        ordered = sorted(self._month(month), key=lambda m: (m.published_at, m.id))
        write_json_atomically(self._month_path(month), [m.to_dict() for m in ordered])

    def load_sources(self) -> dict[str, SourceState]:
        """Per source (a feed's URL, ``network:query`` for a search): what the last run left."""
        path = self.folder / "sources.json"
        if not path.exists():
            return {}
        data = read_json(path)
        if not isinstance(data, dict):
            raise StateError(f"{path}: expected an object of sources; restore it from git.")
        return {str(key): SourceState.from_dict(value) for key, value in data.items()}

    def save_sources(self, sources: dict[str, SourceState]) -> bool:
        """Write the sources' state, sorted, when it changed; True when written."""
        path = self.folder / "sources.json"
        data = {key: sources[key].to_dict() for key in sorted(sources) if sources[key].to_dict()}
        old = read_json(path) if path.exists() else {}
        if old == data:
            return False
        write_json_atomically(path, data)
        return True
