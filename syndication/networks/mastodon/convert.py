"""Pure converters between Mastodon's JSON and ``syndication.model`` (no I/O here).

Upstream reference: https://docs.joinmastodon.org/entities/Status,
https://docs.joinmastodon.org/entities/Account, https://docs.joinmastodon.org/entities/Notification,
https://docs.joinmastodon.org/entities/Instance.

Quirks of the network recorded here:

- Visibility: only ``public`` and ``unlisted`` statuses may ever be kept. ``private``
  (followers-only) and ``direct`` ones are dropped by ``interaction_from_status`` itself, so no
  caller can store them by mistake; a reply whose parent was dropped is dropped too, since showing
  it would reveal that the hidden message exists and half of what it said.
- ``acct`` is ``user`` for accounts of the instance itself and ``user@domain`` for remote ones;
  handles are stored fully qualified (``user@domain``) so they mean the same thing off the instance.
- Likes (``favourited_by``) and boosts (``reblogged_by``) are lists of accounts without a time.
  A like or boost read from them is stamped with the time of the status it is about; one that
  arrives in a notification carries the notification's time, when it happened. The backfeed
  keeps the time a reaction was first seen with, so a refresh never rewrites it. Its id is
  ``{status id}/favourited_by/{account id}`` (or ``reblogged_by``): Mastodon gives it none.
- Custom emoji arrive as ``:shortcode:`` text in ``content`` and ``display_name`` (clients swap in
  images from ``emojis``); the text is what we keep, since the images live on other servers.
  Some servers put ``<img alt=":shortcode:">`` in the HTML instead: those become the text too.
- Status length (``mastodon_length``): Mastodon counts grapheme clusters after replacing every
  URL by ``characters_reserved_per_url`` characters and every ``@user@domain`` by ``@user``
  (``app/validators/status_length_validator.rb`` upstream).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from syndication.model import Interaction, InteractionKind, Person, parse_time
from syndication.networks.base import Activity, Counts, Published, TextLimits

NETWORK = "mastodon"
DEFAULT_MAX_CHARACTERS = 500  # Mastodon's default when the instance does not say
DEFAULT_URL_WEIGHT = 23  # characters_reserved_per_url's default
PUBLIC_VISIBILITIES = frozenset({"public", "unlisted"})
NOTIFICATION_TYPES: tuple[str, ...] = ("mention", "favourite", "reblog", "quote")

Json = Mapping[str, Any]

# Like twitter-text's URL extraction as Mastodon uses it: only links with a scheme count, and
# closing punctuation right after a link is not part of it.
_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\")]}"
# Mastodon's Account::MENTION_RE: not after a word character, "/" or "=".
_MENTION_RE = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w.-]+\w)?", re.IGNORECASE
)
_TAG_RE = re.compile(r"<[^>]*>")
_BREAK_RE = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_EMOJI_IMG_RE = re.compile(r"<img\b[^>]*\balt=\"(:[\w+-]+:)\"[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Viewpoint:
    """What the converters need to know about where they read from: the instance and the company."""

    domain: str  # the instance's host, to qualify local accts
    company: frozenset[str] = frozenset()  # the company's accts, fully qualified, lower case

    @classmethod
    def of(cls, base_url: str, company_accounts: Iterable[str] = ()) -> Viewpoint:
        """The viewpoint of an instance at ``base_url`` for a company with these accounts."""
        domain = urlsplit(base_url).netloc.lower()
        return cls(domain, frozenset(qualify(acct, domain) for acct in company_accounts))


def qualify(acct: str, domain: str) -> str:
    """``user`` or ``@user@domain`` -> ``user@domain`` in lower case."""
    plain = acct.strip().lstrip("@").lower()
    return plain if "@" in plain else f"{plain}@{domain}"


# -- lengths ----------------------------------------------------------------------------------


def text_limits_from_instance(instance: Json) -> TextLimits:
    """The limits announced by ``GET /api/v2/instance``, with Mastodon's defaults when absent."""
    configuration = instance.get("configuration")
    statuses = configuration.get("statuses") if isinstance(configuration, Mapping) else None
    statuses = statuses if isinstance(statuses, Mapping) else {}
    maximum = statuses.get("max_characters")
    weight = statuses.get("characters_reserved_per_url")
    if not isinstance(maximum, int) or maximum <= 0:
        maximum = DEFAULT_MAX_CHARACTERS
    return TextLimits(
        max_characters=maximum,
        url_weight=weight if isinstance(weight, int) and weight >= 0 else DEFAULT_URL_WEIGHT,
    )


def _extends_cluster(char: str, previous: str) -> bool:
    """Whether ``char`` belongs to the grapheme cluster ``previous`` ends (UAX #29, simplified)."""
    code = ord(char)
    if previous == "\u200d":  # zero-width joiner: emoji ZWJ sequences are one cluster
        return True
    if unicodedata.category(char) in ("Mn", "Me", "Mc") or char == "\u200d":
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, flag tags
        return True
    return previous == "\r" and char == "\n"


def grapheme_count(text: str) -> int:
    """Grapheme clusters in ``text``, as Ruby's ``each_grapheme_cluster`` counts the usual ones."""
    count = 0
    previous = ""
    pending_flag = False  # regional indicators pair up into one flag
    for char in text:
        is_indicator = 0x1F1E6 <= ord(char) <= 0x1F1FF
        if previous and _extends_cluster(char, previous):
            pass
        elif is_indicator and pending_flag:
            pending_flag = False
        else:
            count += 1
            pending_flag = is_indicator
        previous = char
    return count


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL_RE.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        spans.append((match.start(), end))
    return spans


def mastodon_length(text: str, url_weight: int = DEFAULT_URL_WEIGHT) -> int:
    """The length Mastodon counts: each URL weighs ``url_weight``, ``@user@domain`` is ``@user``."""
    pieces: list[str] = []
    position = 0
    urls = 0
    for start, end in _url_spans(text):
        pieces.append(text[position:start])
        urls += 1
        position = end
    pieces.append(text[position:])
    rest = "".join(pieces)
    rest = _MENTION_RE.sub(lambda m: f"@{m.group(1)}", rest)
    return grapheme_count(rest) + urls * url_weight


# -- people and statuses ---------------------------------------------------------------------


def person_from_account(account: Json, view: Viewpoint) -> Person:
    """A Mastodon Account as a Person (remote avatar URL; backfeed copies it locally)."""
    acct = qualify(str(account.get("acct") or account.get("username") or ""), view.domain)
    return Person(
        network=NETWORK,
        id=str(account["id"]),
        handle=acct,
        name=str(account.get("display_name") or account.get("username") or ""),
        url=str(account.get("url") or account.get("uri") or ""),
        avatar_url=str(account.get("avatar_static") or account.get("avatar") or ""),
    )


def is_company(account: Json, view: Viewpoint) -> bool:
    """Whether the account is one of the company's."""
    return qualify(str(account.get("acct") or ""), view.domain) in view.company


def emoji_to_text(content: str) -> str:
    """Custom emoji images some servers inline become their ``:shortcode:`` text."""
    return _EMOJI_IMG_RE.sub(lambda m: m.group(1), content)


def is_public(status: Json) -> bool:
    """Whether a status may be shown to anyone (``public`` or ``unlisted``)."""
    return status.get("visibility") in PUBLIC_VISIBILITIES


def _time(value: Any) -> datetime | None:
    return parse_time(value) if isinstance(value, str) and value else None


def quoted_id(status: Json) -> str:
    """The id of the status this one quotes (Mastodon 4.5 ``quote``), or ""."""
    quote = status.get("quote")
    if not isinstance(quote, Mapping) or quote.get("state") not in (None, "accepted"):
        return ""
    inner = quote.get("quoted_status")
    if isinstance(inner, Mapping) and inner.get("id"):
        return str(inner["id"])
    return str(quote.get("quoted_status_id") or "")


def interaction_from_status(
    status: Json, kind: InteractionKind, view: Viewpoint
) -> Interaction | None:
    """A reply, mention or quote; None for anything not public (never stored, not even briefly)."""
    if not is_public(status) or status.get("reblog"):
        return None
    created = _time(status.get("created_at"))
    if created is None:
        return None
    if kind is InteractionKind.QUOTE:
        parent = quoted_id(status)
    else:
        parent = str(status.get("in_reply_to_id") or "")
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=str(status["id"]),
        author=person_from_account(status["account"], view),
        published_at=created,
        url=str(status.get("url") or status.get("uri") or ""),
        content_html=emoji_to_text(str(status.get("content") or "")),
        summary=str(status.get("spoiler_text") or ""),
        lang=str(status.get("language") or ""),
        in_reply_to=parent,
        updated_at=_time(status.get("edited_at")),
        by_company=is_company(status["account"], view),
    )


def reaction_id(status_id: str, kind: InteractionKind, account_id: str) -> str:
    """The id we give a like or boost, which Mastodon does not identify by itself."""
    edge = "favourited_by" if kind is InteractionKind.LIKE else "reblogged_by"
    return f"{status_id}/{edge}/{account_id}"


def reaction(
    account: Json, kind: InteractionKind, status_id: str, at: datetime, view: Viewpoint
) -> Interaction:
    """A like or boost of ``status_id`` by ``account``, stamped ``at`` (see the module's quirks)."""
    person = person_from_account(account, view)
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=reaction_id(status_id, kind, person.id),
        author=person,
        published_at=at,
        in_reply_to=status_id,
        by_company=is_company(account, view),
    )


def counts_from_status(status: Json) -> Counts:
    """What the instance counts on a status; ``quotes_count`` exists from Mastodon 4.5 only."""
    return Counts.read(
        status,
        replies="replies_count",
        likes="favourites_count",
        reposts="reblogs_count",
        quotes="quotes_count",
    )


def conversation_from(
    root_id: str,
    root_time: datetime,
    descendants: Iterable[Json],
    favourited_by: Iterable[Json],
    reblogged_by: Iterable[Json],
    quotes: Iterable[Json],
    view: Viewpoint,
) -> list[Interaction]:
    """The public conversation around the status ``root_id`` from the API's lists.

    Replies are nested by ``in_reply_to``; one whose parent is not kept (not public, or gone)
    is left out with it. ``descendants`` come in thread order, parents before children.
    """
    items: list[Interaction] = []
    kept = {root_id}
    for status in descendants:
        reply = interaction_from_status(status, InteractionKind.REPLY, view)
        if reply is None or reply.in_reply_to not in kept:
            continue
        kept.add(reply.id)
        items.append(reply)
    for account in favourited_by:
        items.append(reaction(account, InteractionKind.LIKE, root_id, root_time, view))
    for account in reblogged_by:
        items.append(reaction(account, InteractionKind.REPOST, root_id, root_time, view))
    for status in quotes:
        quote = interaction_from_status(status, InteractionKind.QUOTE, view)
        if quote is not None:
            items.append(quote)
    return items


def activity_from_notification(notification: Json, view: Viewpoint) -> Activity | None:
    """A notification as an Activity carrying its interaction; None when it must not be kept."""
    kind = notification.get("type")
    status = notification.get("status")
    if not isinstance(status, Mapping):
        return None
    if kind == "mention":
        replying = bool(status.get("in_reply_to_id"))
        item = interaction_from_status(
            status, InteractionKind.REPLY if replying else InteractionKind.MENTION, view
        )
        if item is None:
            return None
        return Activity(item.kind, item.id, item.in_reply_to, item=item)
    if kind in ("favourite", "reblog"):
        if not is_public(status):
            return None  # a boost or like of something not public is no one else's business
        # The notification's time is the like's own; a list read later knows none.
        created = _time(notification.get("created_at")) or _time(status.get("created_at"))
        if created is None or not isinstance(notification.get("account"), Mapping):
            return None
        verb = InteractionKind.LIKE if kind == "favourite" else InteractionKind.REPOST
        item = reaction(notification["account"], verb, str(status["id"]), created, view)
        return Activity(verb, item.id, item.in_reply_to, item=item)
    if kind == "quote":
        item = interaction_from_status(status, InteractionKind.QUOTE, view)
        if item is None or not item.in_reply_to:
            return None
        return Activity(InteractionKind.QUOTE, item.id, item.in_reply_to, item=item)
    return None


# -- publishing -------------------------------------------------------------------------------


def status_request(text: str, lang: str, in_reply_to_id: str = "") -> dict[str, str]:
    """The JSON body of ``POST /api/v1/statuses`` for a public status."""
    body = {"status": text, "visibility": "public"}
    if lang:
        body["language"] = lang
    if in_reply_to_id:
        body["in_reply_to_id"] = in_reply_to_id
    return body


def published_from_status(status: Json, view: Viewpoint) -> Published:
    """What the network answered for a status we posted."""
    created = _time(status.get("created_at"))
    if created is None:
        raise ValueError("the status has no created_at")
    return Published(
        id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        published_at=created,
        account=qualify(str(status["account"]["acct"]), view.domain),
    )


def plain_text(content: str) -> str:
    """The visible text of a status's HTML, whitespace removed, for comparisons only."""
    text = html.unescape(_TAG_RE.sub("", _BREAK_RE.sub(" ", content)))
    return "".join(text.split())


def _comparable(text: str) -> str:
    # Mastodon renders "@user@domain" as "@user": compare on that form.
    return "".join(_MENTION_RE.sub(lambda m: f"@{m.group(1)}", text).split())


def links_to(status: Json, url: str) -> bool:
    """Whether the status carries ``url`` (in its text or as its link card)."""
    content = html.unescape(str(status.get("content") or ""))
    card = status.get("card")
    card_url = card.get("url") if isinstance(card, Mapping) else None
    return url in content or card_url == url


def same_text(status: Json, text: str) -> bool:
    """Whether the status says ``text`` (as Mastodon renders it)."""
    return plain_text(str(status.get("content") or "")) == _comparable(text)


def reply_text(parent: Interaction, text: str, view: Viewpoint) -> str:
    """The answer as sent: it starts with the parent's author, who is only notified if mentioned."""
    handle = parent.author.handle.lstrip("@").lower()
    user, _, domain = handle.partition("@")
    if not user or parent.by_company:
        return text
    mentioned = {m.group(0).lower().lstrip("@") for m in _MENTION_RE.finditer(text)}
    if handle in mentioned or (domain == view.domain and user in mentioned):
        return text
    # Local accounts are mentioned by name alone: the instance's host may carry a port.
    return f"@{user if domain == view.domain else handle} {text}"
