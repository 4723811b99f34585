"""Pure converters of the Threads adapter: Threads' JSON -> the model, its length, the fields.

No I/O here (``client`` beside it does it). The objects are Threads' media (a post or a reply)
and its user, as the reference pages describe them (Threads publishes no machine-readable spec
but ``ThreadsUser``):

- https://developers.facebook.com/docs/threads/posts: "Text posts are limited to 500
  characters" and "Emojis are counted as the number of UTF-8 bytes" (``length``).
- https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/replies-and-conversations:
  ``/conversation`` is every reply at any depth, flattened, each with ``replied_to`` and
  ``root_post``; ``hide_status`` tells a reply the profile hid (``HIDDEN``, also ``COVERED``,
  ``BLOCKED``, ``RESTRICTED``) from a shown one (``NOT_HUSHED``, ``UNHUSHED``).
- https://developers.facebook.com/docs/threads/threads-media: ``link_attachment_url``,
  ``permalink``, ``timestamp``, ``username``.
- https://developers.facebook.com/docs/threads/threads-mentions: ``/{threads-user-id}/mentions``
  lists the public media in which another profile tagged the profile (``mention_from_media``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import regex

from syndication.model import Interaction, InteractionKind, Person
from syndication.networks.base import Published
from syndication.networks.meta_graph import graph_time

NETWORK = "threads"
WEB = "https://www.threads.com"
MAX_LENGTH = 500
PAGE = 100  # items of a conversation page
MEDIA_FIELDS = "id,text,permalink,timestamp,username,link_attachment_url"
REPLY_FIELDS = (
    "id,text,username,permalink,timestamp,replied_to,root_post,hide_status,is_reply_owned_by_me"
)
CONTAINER_FIELDS = "id,status,error_message"
MENTION_FIELDS = "id,text,username,permalink,timestamp"
SHOWN = frozenset({"NOT_HUSHED", "UNHUSHED"})

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")

Json = Mapping[str, Any]


def length(text: str) -> int:
    """A text's length as Threads counts it: one per character, an emoji its UTF-8 bytes (a
    whole emoji sequence, joiners and modifiers included, as one grapheme)."""
    return sum(
        len(grapheme.encode()) if _EMOJI.search(grapheme) else len(grapheme)
        for grapheme in _GRAPHEME.findall(text)
    )


def profile_url(username: str) -> str:
    """A Threads profile's public address."""
    return f"{WEB}/@{username}" if username else ""


def published(media: Json, account: str, at: datetime) -> Published:
    """A copy from its media object (``MEDIA_FIELDS``): its id, permalink and time."""
    media_id = str(media.get("id") or "")
    return Published(
        id=media_id,
        url=str(media.get("permalink") or ""),
        published_at=graph_time(media.get("timestamp")) or at,
        account=account,
    )


def links_to(media: Json, url: str) -> bool:
    """Whether a post links to ``url``: its link attachment, or its text."""
    if not url:
        return False
    wanted = url.rstrip("/")
    attached = str(media.get("link_attachment_url") or "").rstrip("/")
    return attached == wanted or wanted in str(media.get("text") or "")


def _id_of(value: Any) -> str:
    return str(value.get("id") or "") if isinstance(value, Mapping) else ""


def person(username: str) -> Person:
    """The author of a reply: Threads gives its username only (public profiles)."""
    return Person(
        network=NETWORK,
        id=username,
        handle=username,
        name=username or "Threads user",
        url=profile_url(username),
    )


def replies_from_conversation(
    replies: Iterable[Json], root_id: str, company: frozenset[str] = frozenset()
) -> list[Interaction]:
    """The thread of a copy from its conversation (any order): hidden replies and every reply
    under them left out, each reply ``in_reply_to`` what it answers, in time order."""
    items = [r for r in replies if r.get("id")]
    items.sort(key=lambda r: str(r.get("timestamp") or ""))
    kept = {root_id}
    found: list[Interaction] = []
    for reply in items:
        reply_id = str(reply.get("id") or "")
        created = graph_time(reply.get("timestamp"))
        parent = _id_of(reply.get("replied_to")) or root_id
        status = str(reply.get("hide_status") or "NOT_HUSHED")
        if not reply_id or created is None or status not in SHOWN or parent not in kept:
            continue
        kept.add(reply_id)
        username = str(reply.get("username") or "")
        found.append(
            Interaction(
                network=NETWORK,
                kind=InteractionKind.REPLY,
                id=reply_id,
                author=person(username),
                published_at=created,
                url=str(reply.get("permalink") or ""),
                content_text=str(reply.get("text") or ""),
                in_reply_to=parent,
                # Threads says which replies are the profile's own; employees' are the company's.
                by_company=reply.get("is_reply_owned_by_me") is True or username in company,
            )
        )
    return found


def same_text(media: Json, text: str) -> bool:
    """Whether a post or reply says ``text`` (spaces aside)."""
    return " ".join(str(media.get("text") or "").split()) == " ".join(text.split())


def mention_from_media(media: Json, company: frozenset[str] = frozenset()) -> Interaction | None:
    """A media object of the profile's ``mentions`` edge (``MENTION_FIELDS``) as a mention of
    the company; None when it is incomplete. An employee's post (``company``) is marked
    ``by_company`` (never heard)."""
    media_id = str(media.get("id") or "")
    created = graph_time(media.get("timestamp"))
    if not media_id or created is None:
        return None
    username = str(media.get("username") or "")
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.MENTION,
        id=media_id,
        author=person(username),
        published_at=created,
        url=str(media.get("permalink") or ""),
        content_text=str(media.get("text") or ""),
        by_company=username in company,
    )
