"""Pure converters of the Bluesky adapter: text, facets, records, and AppView JSON -> the model.

No I/O here (``client`` beside it does it), so everything is tested on golden JSON.
References: posts and facets https://docs.bsky.app/docs/advanced-guides/post-richtext, records
https://docs.bsky.app/docs/advanced-guides/posts, record keys and TIDs
https://atproto.com/specs/tid and https://atproto.com/specs/record-key, threads
https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread, notifications
https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications, labels
https://docs.bsky.app/docs/advanced-guides/moderation.

Quirks recorded here:

- The limit is 300 *graphemes* (what a person sees as one character: an emoji with its skin tone,
  an ``e`` with a combining accent), not code points or bytes: ``count_graphemes``.
- Facet offsets count UTF-8 *bytes* of the text, so ``é`` moves every later facet by two.
- A like carries no id of its own in ``getLikes`` (only its author and time), and a repost has no
  time in ``getRepostedBy``: both get an id made of the subject and the author
  (``reaction_id``), and a repost is stamped with the copy's own time, so a refresh gives the same
  item every time and the state file does not churn.
- ``!no-unauthenticated`` is a self-label a person sets on their profile to stay out of sight of
  logged-out readers; the AppView shows it in ``author.labels``. Their content is never stored.
- Replies the thread's author hid are listed in the root's threadgate
  (``threadgate.record.hiddenReplies``); the AppView still returns them in the thread.
"""

from __future__ import annotations

import html
import io
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import regex

from syndication.model import Copy, Interaction, InteractionKind, Person, parse_time
from syndication.networks.base import Activity, Counts, LinkCard, Published

Json = Mapping[str, Any]

NETWORK = "bluesky"
MAX_GRAPHEMES = 300
MAX_THUMB_BYTES = 1_000_000  # app.bsky.embed.external#main thumb: maxSize
APP_URL = "https://bsky.app"
POST_COLLECTION = "app.bsky.feed.post"
NO_UNAUTHENTICATED = "!no-unauthenticated"
MAX_TAG_LENGTH = 64  # app.bsky.richtext.facet#tag: maxGraphemes

# -- text --------------------------------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")


def count_graphemes(text: str) -> int:
    """How many characters a person sees in ``text`` (Unicode extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


# Bluesky's own detection rules (packages/api/src/rich-text/detection.ts in bluesky-social/atproto)
_LINK = regex.compile(r"(?:^|\s|\()(https?://\S+)", regex.IGNORECASE)
_MENTION = regex.compile(r"(?:^|\s|\()@([a-zA-Z0-9.-]+)\b")
_INVISIBLE = r"\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2"
_TAG = regex.compile(
    rf"(?:^|\s)[#\uff03]((?!\ufe0f)[^{_INVISIBLE}]*[^\d\p{{P}}{_INVISIBLE}]+[^{_INVISIBLE}]*)"
)
_HANDLE = regex.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)


def _byte_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _span(text: str, start: int, end: int) -> dict[str, int]:
    return {"byteStart": _byte_index(text, start), "byteEnd": _byte_index(text, end)}


def _trim_link(url: str) -> str:
    """A URL without the sentence's punctuation after it (``(see https://x.test/a).``)."""
    url = regex.sub(r"[.,;:!?\"'»]+$", "", url)
    if url.endswith(")") and "(" not in url:
        url = url[:-1]
    return url


def mentions_in(text: str) -> list[str]:
    """The handles ``@handle.test`` mentioned in ``text``, lowercased, in order, once each."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".").lower()
        if _HANDLE.match(handle) and handle not in found:
            found.append(handle)
    return found


def facets_for(text: str, resolved_dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """Link, mention and hashtag facets of ``text`` with UTF-8 byte offsets, in text order.

    ``resolved_dids`` maps lowercased handles to DIDs; a mention not in it stays plain text.
    """
    facets: list[tuple[int, dict[str, Any]]] = []
    for match in _LINK.finditer(text):
        url = _trim_link(match.group(1))
        start = match.start(1)
        facets.append(
            (
                start,
                {
                    "index": _span(text, start, start + len(url)),
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                },
            )
        )
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".")
        did = resolved_dids.get(handle.lower())
        if not did:
            continue
        start = match.start(1) - 1  # the "@"
        facets.append(
            (
                start,
                {
                    "index": _span(text, start, match.start(1) + len(handle)),
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                },
            )
        )
    for match in _TAG.finditer(text):
        tag = regex.sub(r"\p{P}+$", "", match.group(1).strip())
        if not tag or count_graphemes(tag) > MAX_TAG_LENGTH:
            continue
        start = match.start(1) - 1  # the "#"
        facets.append(
            (
                start,
                {
                    "index": _span(text, start, match.start(1) + len(tag)),
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                },
            )
        )
    facets.sort(key=lambda pair: pair[0])
    kept: list[dict[str, Any]] = []
    end = -1
    for _, facet in facets:  # a hashtag inside a URL's fragment is part of the link
        if facet["index"]["byteStart"] >= end:
            kept.append(facet)
            end = facet["index"]["byteEnd"]
    return kept


# -- record keys (https://atproto.com/specs/tid) -------------------------------------------------

_S32 = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid(moment: datetime, clock_id: int | None = None) -> str:
    """A TID record key for ``moment``: 53 bits of microseconds since the epoch, 10-bit clock id.

    13 characters of base32-sortable, so keys sort as their times; the clock id is random unless
    given, so two keys made in the same microsecond by two runs still differ.
    """
    micros = int(moment.timestamp() * 1_000_000) if moment.tzinfo else None
    if micros is None:
        raise ValueError("new_tid needs a timezone-aware time")
    clock = random.getrandbits(10) if clock_id is None else clock_id
    if not 0 <= clock < 1024 or not 0 <= micros < 2**53:
        raise ValueError("TID out of range")
    value = (micros << 10) | clock
    chars = []
    for _ in range(13):
        chars.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def tid_time(tid: str) -> datetime:
    """The moment encoded in a TID (the inverse of ``new_tid`` to the microsecond)."""
    value = 0
    for char in tid:
        value = value * 32 + _S32.index(char)
    return datetime.fromtimestamp((value >> 10) / 1_000_000, UTC)


# -- identifiers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtUri:
    """``at://<repo>/<collection>/<rkey>``."""

    repo: str
    collection: str
    rkey: str

    @classmethod
    def parse(cls, uri: str) -> AtUri:
        """Split an at-uri; ValueError when it is not one of a record."""
        if not uri.startswith("at://"):
            raise ValueError(f"not an at-uri: {uri!r}")
        parts = uri[len("at://") :].split("/")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"not the at-uri of a record: {uri!r}")
        return cls(parts[0], parts[1], parts[2])

    def __str__(self) -> str:
        return f"at://{self.repo}/{self.collection}/{self.rkey}"


def post_url(author: str, uri: str) -> str:
    """The bsky.app permalink of a post (``author`` is a handle or a DID)."""
    return f"{APP_URL}/profile/{author}/post/{AtUri.parse(uri).rkey}"


def profile_url(handle_or_did: str) -> str:
    """The bsky.app page of a person."""
    return f"{APP_URL}/profile/{handle_or_did}"


def reaction_id(subject: str, kind: InteractionKind, did: str) -> str:
    """The id we give a like or repost: the AppView's lists do not name their records."""
    edge = "liked_by" if kind is InteractionKind.LIKE else "reposted_by"
    return f"{subject}/{edge}/{did}"


# -- records -----------------------------------------------------------------------------------


def strong_ref(uri: str, cid: str) -> dict[str, str]:
    """``com.atproto.repo.strongRef``: a record pinned to one version by its CID."""
    return {"uri": uri, "cid": cid}


def external_embed(card: LinkCard, thumb: Json | None) -> dict[str, Any]:
    """``app.bsky.embed.external``: the link card, with the uploaded thumbnail blob if any."""
    external: dict[str, Any] = {
        "uri": card.url,
        "title": card.title,
        "description": card.description,
    }
    if thumb:
        external["thumb"] = dict(thumb)
    return {"$type": "app.bsky.embed.external", "external": external}


def post_record(
    text: str,
    created_at: datetime,
    *,
    lang: str = "",
    facets: Sequence[Json] = (),
    embed: Json | None = None,
    reply: Json | None = None,
) -> dict[str, Any]:
    """An ``app.bsky.feed.post`` record."""
    record: dict[str, Any] = {
        "$type": POST_COLLECTION,
        "text": text,
        "createdAt": format_time_micro(created_at),
    }
    if lang:
        record["langs"] = [lang]
    if facets:
        record["facets"] = [dict(f) for f in facets]
    if embed:
        record["embed"] = dict(embed)
    if reply:
        record["reply"] = dict(reply)
    return record


def format_time_micro(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as Bluesky's clients write ``createdAt``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def published_from_record(uri: str, cid: str, record: Json, handle: str) -> Published:
    """What a created (or found) post record means for the state file."""
    created = _time(record.get("createdAt"))
    if created is None:
        raise ValueError(f"the record {uri} has no createdAt")
    return Published(
        id=uri,
        url=post_url(handle, uri),
        published_at=created.replace(microsecond=0),
        account=handle,
        extra={"cid": cid},
    )


def record_links_to(record: Json, url: str) -> bool:
    """Whether a post record carries ``url``: as its link card, as a link facet or in its text."""
    if record.get("reply"):
        return False  # an answer in a thread is not a copy of a post
    embed = record.get("embed")
    external = embed.get("external") if isinstance(embed, Mapping) else None
    if isinstance(external, Mapping) and external.get("uri") == url:
        return True
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, Mapping) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, Mapping) and feature.get("uri") == url:
                return True
    return url in str(record.get("text") or "")


# -- rendering ---------------------------------------------------------------------------------


def _feature_link(feature: Json) -> str:
    kind = feature.get("$type")
    if kind == "app.bsky.richtext.facet#link":
        uri = str(feature.get("uri") or "")
        return uri if regex.match(r"^https?://", uri, regex.IGNORECASE) else ""
    if kind == "app.bsky.richtext.facet#mention" and feature.get("did"):
        return profile_url(str(feature["did"]))
    if kind == "app.bsky.richtext.facet#tag" and feature.get("tag"):
        return f"{APP_URL}/hashtag/{quote(str(feature['tag']), safe='')}"
    return ""


def _escape(text: str) -> str:
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def render_html(text: str, facets: object) -> str:
    """The post's text as HTML: facets become links, everything else escaped, newlines ``<br>``.

    Facets that overlap, fall outside the text or cut a character are ignored (the text stays).
    """
    data = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, Mapping) or not isinstance(facet.get("index"), Mapping):
            continue
        start, end = facet["index"].get("byteStart"), facet["index"].get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
            continue
        features = facet.get("features")
        link = next(
            (
                _feature_link(f)
                for f in (features if isinstance(features, list) else [])
                if isinstance(f, Mapping) and _feature_link(f)
            ),
            "",
        )
        if link and end <= len(data):
            spans.append((start, end, link))
    spans.sort()
    out: list[str] = []
    position = 0
    for start, end, link in spans:
        if start < position:
            continue
        try:
            before = data[position:start].decode("utf-8")
            inside = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(_escape(before))
        out.append(f'<a href="{html.escape(link, quote=True)}">{_escape(inside)}</a>')
        position = end
    out.append(_escape(data[position:].decode("utf-8", errors="replace")))
    return "".join(out)


# -- AppView JSON -> model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Viewpoint:
    """Who the company is on the network: its accounts' DIDs and handles (lowercased)."""

    company: frozenset[str]

    @classmethod
    def of(cls, accounts: Iterable[str]) -> Viewpoint:
        """From handles (with or without ``@``) and DIDs."""
        return cls(frozenset(a.strip().lstrip("@").lower() for a in accounts if a.strip()))

    def is_company(self, profile: Json) -> bool:
        """Whether ``profile`` is one of the company's accounts."""
        did = str(profile.get("did") or "").lower()
        handle = str(profile.get("handle") or "").lower()
        return bool(did and did in self.company) or bool(handle and handle in self.company)


def opted_out(profile: Json) -> bool:
    """Whether the person asked not to be shown to logged-out readers (``!no-unauthenticated``)."""
    labels = profile.get("labels")
    for label in labels if isinstance(labels, list) else []:
        if (
            isinstance(label, Mapping)
            and label.get("val") == NO_UNAUTHENTICATED
            and not label.get("neg")
        ):
            return True
    return False


def person_from_profile(profile: Json) -> Person:
    """A ``ProfileView``/``ProfileViewBasic`` as a Person."""
    did = str(profile["did"])
    handle = str(profile.get("handle") or did)
    shown = handle if handle != "handle.invalid" else did
    return Person(
        network=NETWORK,
        id=did,
        handle=f"@{handle}",
        name=str(profile.get("displayName") or "").strip(),
        url=profile_url(shown),
        avatar_url=str(profile.get("avatar") or ""),
    )


def _langs(record: Json) -> str:
    langs = record.get("langs")
    return str(langs[0]) if isinstance(langs, list) and langs else ""


def reply_parent(record: Json) -> str:
    """The at-uri a post record answers, or ``""``."""
    reply = record.get("reply")
    if isinstance(reply, Mapping) and isinstance(reply.get("parent"), Mapping):
        return str(reply["parent"].get("uri") or "")
    return ""


def reply_root(record: Json) -> str:
    """The at-uri at the root of the thread a post record answers in, or ``""``."""
    reply = record.get("reply")
    if isinstance(reply, Mapping) and isinstance(reply.get("root"), Mapping):
        return str(reply["root"].get("uri") or "")
    return ""


def interaction_from_post(
    uri: str,
    author: Json,
    record: Json,
    kind: InteractionKind,
    in_reply_to: str,
    view: Viewpoint,
) -> Interaction | None:
    """A reply, quote or mention from a post's parts; None when it must not be stored."""
    if opted_out(author):
        return None
    created = _time(record.get("createdAt"))
    if created is None:
        return None
    text = str(record.get("text") or "")
    person = person_from_profile(author)
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=uri,
        author=person,
        published_at=created.replace(microsecond=0),
        url=post_url(person.handle.lstrip("@") or person.id, uri),
        content_html=render_html(text, record.get("facets")),
        content_text=text,
        lang=_langs(record),
        in_reply_to=in_reply_to,
        by_company=view.is_company(author),
    )


def interaction_from_post_view(
    post: Json, kind: InteractionKind, in_reply_to: str, view: Viewpoint
) -> Interaction | None:
    """An ``app.bsky.feed.defs#postView`` as an interaction."""
    author, record = post.get("author"), post.get("record")
    if not isinstance(author, Mapping) or not isinstance(record, Mapping):
        return None
    return interaction_from_post(str(post["uri"]), author, record, kind, in_reply_to, view)


def hidden_replies(thread_answer: Json) -> frozenset[str]:
    """The replies the root's author hid with its threadgate, from ``getPostThread``'s answer."""
    gates: list[object] = [thread_answer.get("threadgate")]
    thread = thread_answer.get("thread")
    if isinstance(thread, Mapping) and isinstance(thread.get("post"), Mapping):
        gates.append(thread["post"].get("threadgate"))
    hidden: set[str] = set()
    for gate in gates:
        if isinstance(gate, Mapping) and isinstance(gate.get("record"), Mapping):
            uris = gate["record"].get("hiddenReplies")
            hidden.update(str(u) for u in (uris if isinstance(uris, list) else []))
    return frozenset(hidden)


def _is_thread_post(node: object) -> bool:
    # blockedPost and notFoundPost placeholders have no "post"; skip them and what is under them.
    return (
        isinstance(node, Mapping)
        and node.get("$type", "app.bsky.feed.defs#threadViewPost")
        == "app.bsky.feed.defs#threadViewPost"
        and isinstance(node.get("post"), Mapping)
    )


def replies_from_thread(thread_answer: Json, copy_id: str, view: Viewpoint) -> list[Interaction]:
    """Every reply under the copy, parents before children, each pointing at its parent.

    A reply left out (hidden by the threadgate, by an opted-out author, blocked, deleted) is left
    out with everything under it: an answer to something not shown would make no sense alone.
    """
    hidden = hidden_replies(thread_answer)
    items: list[Interaction] = []
    root = thread_answer.get("thread")
    if not _is_thread_post(root):
        return items
    assert isinstance(root, Mapping)
    stack: list[tuple[Json, str]] = []
    replies = root.get("replies")
    for node in reversed(replies if isinstance(replies, list) else []):
        stack.append((node, copy_id))
    while stack:
        node, parent = stack.pop()
        if not _is_thread_post(node):
            continue
        post = node["post"]
        uri = str(post.get("uri") or "")
        if not uri or uri in hidden:
            continue
        record = post.get("record")
        declared = reply_parent(record) if isinstance(record, Mapping) else ""
        item = interaction_from_post_view(post, InteractionKind.REPLY, declared or parent, view)
        if item is None:
            continue
        items.append(item)
        children = node.get("replies")
        for child in reversed(children if isinstance(children, list) else []):
            stack.append((child, uri))
    return items


def reaction(
    actor: Json, kind: InteractionKind, subject: str, at: datetime, view: Viewpoint
) -> Interaction | None:
    """A like or repost of ``subject`` by ``actor``; None for an opted-out person."""
    if opted_out(actor):
        return None
    person = person_from_profile(actor)
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=reaction_id(subject, kind, person.id),
        author=person,
        published_at=at.replace(microsecond=0),
        url=person.url,
        in_reply_to=subject,
        by_company=view.is_company(actor),
    )


def conversation_from(
    copy: Copy,
    thread_answer: Json,
    likes: Iterable[Json],
    reposted_by: Iterable[Json],
    quotes: Iterable[Json],
    view: Viewpoint,
) -> list[Interaction]:
    """The public conversation around ``copy`` from getPostThread/getLikes/getRepostedBy/getQuotes.

    Reposts carry no time in ``getRepostedBy``: they are stamped with the copy's publication
    (a repost first seen in a notification keeps that one's time, see ``backfeed.engine``).
    """
    items = replies_from_thread(thread_answer, copy.id, view)
    stamp = copy.published_at or copy.intent_at
    for like in likes:
        actor = like.get("actor")
        at = _time(like.get("createdAt")) or _time(like.get("indexedAt")) or stamp
        if isinstance(actor, Mapping):
            item = reaction(actor, InteractionKind.LIKE, copy.id, at, view)
            if item is not None:
                items.append(item)
    for actor in reposted_by:
        item = reaction(actor, InteractionKind.REPOST, copy.id, stamp, view)
        if item is not None:
            items.append(item)
    for post in quotes:
        item = interaction_from_post_view(post, InteractionKind.QUOTE, copy.id, view)
        if item is not None:
            items.append(item)
    return items


def counts_from_post_view(post: Json) -> Counts:
    """What the AppView counts on a post (``app.bsky.feed.defs#postView``)."""
    return Counts.read(
        post, replies="replyCount", likes="likeCount", reposts="repostCount", quotes="quoteCount"
    )


NOTIFICATION_REASONS = ("reply", "like", "repost", "quote", "mention")


def activity_from_notification(notification: Json, view: Viewpoint) -> Activity | None:
    """A notification as an Activity; None for reasons we do not follow or people not shown.

    Every one carries its interaction, so a refresh need not read the list it belongs to. A
    reply the company hides later is removed by the scheduled refresh of its thread.
    """
    reason = notification.get("reason")
    author, record = notification.get("author"), notification.get("record")
    if reason not in NOTIFICATION_REASONS:
        return None
    if not isinstance(author, Mapping) or not isinstance(record, Mapping) or opted_out(author):
        return None
    uri = str(notification.get("uri") or "")
    subject = str(notification.get("reasonSubject") or "")
    if reason in ("reply", "mention"):
        parent = reply_parent(record)
        kind = InteractionKind.REPLY if parent else InteractionKind.MENTION
        item = interaction_from_post(uri, author, record, kind, parent, view)
        if item is None:
            return None
        return Activity(kind, uri, parent, root_id=reply_root(record), item=item)
    if reason == "quote":
        item = interaction_from_post(uri, author, record, InteractionKind.QUOTE, subject, view)
        if item is None:
            return None
        return Activity(InteractionKind.QUOTE, uri, subject, item=item)
    verb = InteractionKind.LIKE if reason == "like" else InteractionKind.REPOST
    if not subject:
        return None
    item_id = reaction_id(subject, verb, str(author.get("did") or ""))
    at = _time(record.get("createdAt")) or _time(notification.get("indexedAt"))
    item = reaction(author, verb, subject, at, view) if at else None
    return Activity(verb, item_id, subject, item=item)


def notification_time(notification: Json) -> datetime | None:
    """When the AppView indexed a notification (the order of the stream)."""
    return _time(notification.get("indexedAt"))


__all__ = [
    "MAX_GRAPHEMES",
    "MAX_THUMB_BYTES",
    "NETWORK",
    "AtUri",
    "Viewpoint",
    "activity_from_notification",
    "conversation_from",
    "count_graphemes",
    "counts_from_post_view",
    "external_embed",
    "facets_for",
    "mentions_in",
    "new_tid",
    "post_record",
    "published_from_record",
    "render_html",
    "replies_from_thread",
    "tid_time",
]


# -- images ------------------------------------------------------------------------------------

_MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


def fit_image(data: bytes, limit: int = MAX_THUMB_BYTES) -> tuple[bytes, str]:
    """The image and its MIME type, re-encoded as a smaller JPEG when over ``limit`` bytes.

    ValueError when ``data`` is not an image Pillow can read.
    """
    from PIL import Image, UnidentifiedImageError  # only publishing needs Pillow

    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = _MIME_BY_FORMAT.get(image.format or "")
            if mime and len(data) <= limit:
                return data, mime
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"not a readable image ({error})") from error
    side = max(picture.size)
    for quality in (85, 75, 65, 55):
        for scale in (1.0, 0.75, 0.5, 0.35, 0.25):
            if side * scale > 2000 and scale == 1.0:
                continue  # no card needs more than 2000 px
            resized = picture.copy()
            edge = max(1, int(min(side * scale, 2000)))
            resized.thumbnail((edge, edge))
            out = io.BytesIO()
            resized.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= limit:
                return out.getvalue(), "image/jpeg"
    raise ValueError(f"could not bring the image under {limit} bytes")
