"""The canonical model: a post, its copies on the networks, and the conversation around them.

Every network adapter converts its own JSON to and from these types, so the rest of the project
(state files, the Pelican plugin, the inbox, reports) knows one shape only. Each type converts to
and from plain ``dict`` for the state files with ``to_dict``/``from_dict``; keys are written in a
stable order by the state store so a change shows as a small diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC, to the second (state files need no more)."""
    return datetime.now(UTC).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """Render a timezone-aware time as ISO 8601 in UTC with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time as written by ``format_time`` or by the networks."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


class CopyStatus(StrEnum):
    """Where a copy of a post stands on a network."""

    PENDING = "pending"  # intent recorded, the network may or may not have it: reconcile first
    PUBLISHED = "published"
    DELETED = "deleted"  # the company deleted it on the network: no longer linked


class InteractionKind(StrEnum):
    """What a person did with a copy."""

    REPLY = "reply"
    LIKE = "like"
    REPOST = "repost"
    QUOTE = "quote"
    MENTION = "mention"


@dataclass(frozen=True)
class Post:
    """A published article as the syndication side sees it (built from Pelican's output)."""

    key: str  # "{slug}.{lang}": names the state file
    slug: str
    lang: str
    title: str
    summary: str  # plain text
    url: str  # absolute
    date: datetime
    author: str  # the author's key in AGORA_AUTHORS
    tags: tuple[str, ...] = ()
    image_url: str | None = None  # absolute URL of the OpenGraph image
    image_path: str | None = None  # local file of that image, for uploads
    image_alt: str = ""
    networks: tuple[str, ...] | None = None  # front matter choice; None means every configured one
    overrides: dict[str, str] = field(default_factory=dict)  # network name -> text


# Keys of a published answer's ``extra`` an adapter may fill (``Published.extra``): how the
# account that answered is named on its network, when its id is no name (a URN, a number).
AUTHOR_NAME = "author_name"
AUTHOR_HANDLE = "author_handle"


@dataclass
class Copy:
    """One copy of a post on one network."""

    network: str
    status: CopyStatus
    key: str  # the idempotency key or client-chosen record key, fixed when the intent is recorded
    intent_at: datetime
    id: str = ""  # the network's id (Bluesky at-uri, Mastodon status id)
    url: str = ""  # public permalink
    published_at: datetime | None = None
    account: str = ""  # the handle or acct that posted it
    extra: dict[str, str] = field(default_factory=dict)  # e.g. Bluesky cid
    # How many of a kind (InteractionKind's value) the network counts on the copy where it
    # lists nobody (reposts on some networks): shown as a number, without faces.
    counted: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the state file."""
        data: dict[str, Any] = {
            "network": self.network,
            "status": self.status.value,
            "key": self.key,
            "intent_at": format_time(self.intent_at),
        }
        if self.id:
            data["id"] = self.id
        if self.url:
            data["url"] = self.url
        if self.published_at:
            data["published_at"] = format_time(self.published_at)
        if self.account:
            data["account"] = self.account
        if self.extra:
            data["extra"] = dict(self.extra)
        if self.counted:
            data["counted"] = {kind: self.counted[kind] for kind in sorted(self.counted)}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Copy:
        """Read back what ``to_dict`` wrote."""
        published = data.get("published_at")
        return cls(
            network=data["network"],
            status=CopyStatus(data["status"]),
            key=data["key"],
            intent_at=parse_time(data["intent_at"]),
            id=data.get("id", ""),
            url=data.get("url", ""),
            published_at=parse_time(published) if published else None,
            account=data.get("account", ""),
            extra=dict(data.get("extra", {})),
            counted={str(k): int(v) for k, v in data.get("counted", {}).items()},
        )


@dataclass
class Person:
    """Someone on a network: a reader, or one of the company's accounts."""

    network: str
    id: str  # stable id (Bluesky DID, Mastodon account id or URI)
    handle: str  # @handle or acct
    name: str = ""
    url: str = ""
    avatar_url: str = ""  # remote; downloaded at backfeed, never linked from the site
    avatar: str = ""  # local path under the site, once downloaded

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the state file."""
        return {name: getattr(self, name) for name in _PERSON_FIELDS if getattr(self, name)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Person:
        """Read back what ``to_dict`` wrote."""
        get = data.get  # a build reads every stored person: kept plain and quick
        return cls(
            get("network", ""),
            get("id", ""),
            get("handle", ""),
            get("name", ""),
            get("url", ""),
            get("avatar_url", ""),
            get("avatar", ""),
        )


_PERSON_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Person))
_KINDS = {
    kind.value: kind for kind in InteractionKind
}  # a dict lookup costs less than the Enum call


@dataclass
class Interaction:
    """A reply, like, repost, quote or mention of one of the company's copies."""

    network: str
    kind: InteractionKind
    id: str  # the network's id of the reply/like/repost (unique per network)
    author: Person
    published_at: datetime
    url: str = ""  # permalink to the original
    content_html: str = ""  # already sanitised
    content_text: str = ""
    summary: str = ""  # content warning; shown folded
    lang: str = ""
    in_reply_to: str = ""  # id of the parent interaction or copy
    updated_at: datetime | None = None
    by_company: bool = False  # written by one of the company's accounts
    signed_by: str = ""  # author key of the employee who answered, for company replies

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the state file."""
        data: dict[str, Any] = {
            "network": self.network,
            "kind": self.kind.value,
            "id": self.id,
            "author": self.author.to_dict(),
            "published_at": format_time(self.published_at),
        }
        for name in ("url", "content_html", "content_text", "summary", "lang", "in_reply_to"):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.updated_at:
            data["updated_at"] = format_time(self.updated_at)
        if self.by_company:
            data["by_company"] = True
        if self.signed_by:
            data["signed_by"] = self.signed_by
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interaction:
        """Read back what ``to_dict`` wrote."""
        updated = data.get("updated_at")
        return cls(
            network=data["network"],
            kind=_KINDS.get(data["kind"]) or InteractionKind(data["kind"]),
            id=data["id"],
            author=Person.from_dict(data["author"]),
            published_at=parse_time(data["published_at"]),
            url=data.get("url", ""),
            content_html=data.get("content_html", ""),
            content_text=data.get("content_text", ""),
            summary=data.get("summary", ""),
            lang=data.get("lang", ""),
            in_reply_to=data.get("in_reply_to", ""),
            updated_at=parse_time(updated) if updated else None,
            by_company=bool(data.get("by_company", False)),
            signed_by=data.get("signed_by", ""),
        )


@dataclass
class PostState:
    """Everything recorded about one post: its copies and the conversation around them."""

    key: str
    copies: dict[str, Copy] = field(default_factory=dict)  # network name -> copy
    interactions: dict[str, Interaction] = field(default_factory=dict)  # "network:id" -> item
    refreshed_at: dict[str, datetime] = field(default_factory=dict)  # network -> last full refresh
    # The company's answers sent with `invoke reply`, keyed by the interaction they answer: the
    # intent is recorded here before the call, exactly like a copy (extra: text, signed_by).
    answers: dict[str, Copy] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the state file, in a stable order."""
        ordered = sorted(
            self.interactions.values(), key=lambda i: (i.published_at, i.network, i.id)
        )
        data: dict[str, Any] = {
            "post": self.key,
            "copies": {name: self.copies[name].to_dict() for name in sorted(self.copies)},
            "interactions": [item.to_dict() for item in ordered],
        }
        if self.refreshed_at:
            data["refreshed_at"] = {
                name: format_time(self.refreshed_at[name]) for name in sorted(self.refreshed_at)
            }
        if self.answers:
            data["answers"] = {key: self.answers[key].to_dict() for key in sorted(self.answers)}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PostState:
        """Read back what ``to_dict`` wrote."""
        state = cls(key=data["post"])
        for name, copy in data.get("copies", {}).items():
            state.copies[name] = Copy.from_dict(copy)
        for raw in data.get("interactions", []):
            item = Interaction.from_dict(raw)
            state.interactions[interaction_key(item.network, item.id)] = item
        for name, moment in data.get("refreshed_at", {}).items():
            state.refreshed_at[name] = parse_time(moment)
        for key, answer in data.get("answers", {}).items():
            state.answers[key] = Copy.from_dict(answer)
        return state


def interaction_key(network: str, item_id: str) -> str:
    """The key of an interaction in ``PostState.interactions``: ids are unique per network only."""
    return f"{network}:{item_id}"
