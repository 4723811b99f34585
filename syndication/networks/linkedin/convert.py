"""Pure converters of the LinkedIn adapter: little text, Rest.li 2.0 encoding, JSON -> the model.

No I/O here (``client`` beside it does it), so everything is tested on fixtures.

- **little text** (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format):
  a post's ``commentary`` and a comment's ``message.text`` are LinkedIn's own markup, where
  ``\\ | { } @ [ ] ( ) < > # * _ ~`` are reserved and must be escaped with a backslash to be read
  as written (unescaped, LinkedIn cuts the text at the first one, or reads a mention or a
  hashtag). ``little_text`` escapes every one of them, links included, and writes each
  ``#Tag`` of the text as the hashtag template ``{hashtag|\\#|Tag}``; ``plain_text`` reads one
  back as a reader sees it.
- **Length.** LinkedIn allows 3,000 characters of commentary (Posts API). Its composer counts
  what the member wrote, before any escaping, in JavaScript's string length (UTF-16 code units:
  an emoji outside the basic plane counts 2); ``text_length`` counts the same, and the double
  refuses a commentary whose text, once read, is longer.
- **Rest.li 2.0 encoding** (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version):
  URNs in paths and queries are percent-encoded (``:`` as ``%3A``), lists are ``List(a,b)`` and
  records ``(key:value)``; query parameters go in the order of their names. ``restli`` and
  ``query`` encode exactly as LinkedIn's own Python client does (the tests compare them).
- **Mentions** (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications):
  a ``SHARE_MENTION`` or ``COMMENT_MENTION`` notification names the post (``sourcePost``) and,
  for a comment, the comment (``generatedActivity``); ``mention_from_post`` and
  ``mention_from_comment`` make the post or comment read back a mention of the company.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from syndication.model import Interaction, InteractionKind, Person
from syndication.networks.base import Counts, Published, count_field

NETWORK = "linkedin"
MAX_LENGTH = 3000
WEB = "https://www.linkedin.com"
RESERVED = frozenset("\\|{}@[]()<>#*_~")
# The reaction types of the Reactions API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/reactions-api).
REACTION_TYPES = ("LIKE", "PRAISE", "EMPATHY", "INTEREST", "APPRECIATION", "ENTERTAINMENT")

Json = Mapping[str, Any]
_URL_RE = re.compile(r"https?://[^\s<>]+")
_HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)")
# The hashtag sign is "#" or the full-width U+FF03 (the template's definition).
_TEMPLATE_RE = re.compile(r"\{hashtag\|\\?[#\uff03]\|((?:\\.|[^\\}])*)\}")
_MENTION_RE = re.compile(r"@\[((?:\\.|[^\\\]])*)\]\((urn:li:[^)]*)\)")
_ESCAPED_RE = re.compile(r"\\(.)", re.DOTALL)


# -- little text ------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return "".join(f"\\{char}" if char in RESERVED else char for char in text)


def little_text(text: str) -> str:
    """``text`` as LinkedIn's little text: every reserved character escaped, ``#Tag`` a hashtag.

    A ``#`` inside a link stays a character of the link (escaped like the others).
    """
    out: list[str] = []
    last = 0
    for link in _URL_RE.finditer(text):
        out.append(_with_hashtags(text[last : link.start()]))
        out.append(_escape(link.group()))
        last = link.end()
    out.append(_with_hashtags(text[last:]))
    return "".join(out)


def _with_hashtags(text: str) -> str:
    out: list[str] = []
    last = 0
    for tag in _HASHTAG_RE.finditer(text):
        out.append(_escape(text[last : tag.start()]))
        out.append(f"{{hashtag|\\#|{_escape(tag.group(1))}}}")
        last = tag.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def plain_text(little: str) -> str:
    """A little text as a reader sees it: hashtags with their sign, mentions by name."""
    text = _TEMPLATE_RE.sub(lambda m: "\x00#" + m.group(1), little)
    text = _MENTION_RE.sub(lambda m: m.group(1), text)
    return _ESCAPED_RE.sub(r"\1", text).replace("\x00", "")


def text_length(text: str) -> int:
    """The length LinkedIn counts: the text as written, in UTF-16 code units (see above)."""
    return len(text.encode("utf-16-le")) // 2


def post_entity(urn: str) -> dict[str, str]:
    """A post as the union the statistics finders take: ``(share:…)`` or ``(ugcPost:…)``."""
    return {"ugcPost" if urn.startswith("urn:li:ugcPost:") else "share": urn}


def reposts_from_statistics(body: Json) -> dict[str, int]:
    """How many times each post was reposted, by URN, from an answer of the Organization Share
    Statistics finder (``totalShareStatistics.shareCount`` of each element naming its post).

    https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
    """
    found: dict[str, int] = {}
    for element in body.get("elements") or []:
        if not isinstance(element, Mapping):
            continue
        urn = element.get("share") or element.get("ugcPost")
        totals = element.get("totalShareStatistics")
        count = totals.get("shareCount") if isinstance(totals, Mapping) else None
        number = count_field(count)
        if isinstance(urn, str) and urn and number is not None:
            found[urn] = number
    return found


def reshares_from_analytics(body: Json) -> int | None:
    """The number of reposts in an answer of the Member Post Analytics finder (``RESHARE``,
    ``TOTAL``: one element with its ``count``); None when it says nothing.

    https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
    """
    counts = [
        element.get("count")
        for element in body.get("elements") or []
        if isinstance(element, Mapping)
    ]
    numbers = [number for c in counts if (number := count_field(c)) is not None]
    return sum(numbers) if numbers else None


# -- Rest.li 2.0 ------------------------------------------------------------------------------


def restli(value: object) -> str:
    """One value in Rest.li 2.0's URL encoding (strings percent-encoded, lists, records)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value, safe="")
    if isinstance(value, list | tuple):
        return f"List({','.join(restli(item) for item in value)})"
    if isinstance(value, Mapping):
        pairs = ",".join(f"{restli(k)}:{restli(v)}" for k, v in sorted(value.items()))
        return f"({pairs})"
    return str(value)


def query(params: Mapping[str, object]) -> str:
    """A query string in Rest.li 2.0's encoding, parameters in the order of their names."""
    return "&".join(f"{restli(name)}={restli(params[name])}" for name in sorted(params))


# -- URNs and addresses -----------------------------------------------------------------------


def comment_urn(subject: str, comment_id: str) -> str:
    """``urn:li:comment:({post or activity urn},{id})``: how LinkedIn names a comment."""
    return f"urn:li:comment:({subject},{comment_id})"


def is_comment(urn: str) -> bool:
    """Whether ``urn`` names a comment (not a post)."""
    return urn.startswith("urn:li:comment:")


def comment_post(urn: str) -> str:
    """The post a comment is under (``urn:li:comment:({post},{id})`` -> ``{post}``); a post's
    URN is its own."""
    if not is_comment(urn):
        return urn
    inner = urn.removeprefix("urn:li:comment:").removeprefix("(").removesuffix(")")
    return inner.rsplit(",", 1)[0]


def post_url(urn: str) -> str:
    """A post's public address."""
    return f"{WEB}/feed/update/{urn}/"


def comment_url(post: str, comment: str) -> str:
    """A comment's public address (its post, opened at the comment)."""
    return f"{post_url(post)}?commentUrn={quote(comment, safe='')}"


def urn_id(urn: str) -> str:
    """The last part of a simple URN (``urn:li:person:abc`` -> ``abc``)."""
    return urn.rsplit(":", 1)[-1]


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, UTC).replace(microsecond=0)


def stamp_time(stamp: Any) -> datetime | None:
    """The time of an audit stamp (``{"time": epoch ms}``) or of epoch milliseconds."""
    if isinstance(stamp, Mapping):
        return _time(stamp.get("time"))
    return _time(stamp)


# -- posts ------------------------------------------------------------------------------------


def post_body(
    author: str,
    commentary: str,
    *,
    source: str,
    title: str,
    description: str,
    thumbnail: str = "",
) -> dict[str, Any]:
    """A public post of ``author`` with an article card (``POST /rest/posts``)."""
    article: dict[str, Any] = {"source": source, "title": title}
    if description:
        article["description"] = description
    if thumbnail:
        article["thumbnail"] = thumbnail
    return {
        "author": author,
        "commentary": little_text(commentary),
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "content": {"article": article},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def _same_address(a: str, b: str) -> bool:
    return bool(a) and a.rstrip("/") == b.rstrip("/")


def links_to(post: Json, url: str) -> bool:
    """Whether a post of the Posts API carries ``url`` (its article card, or its text)."""
    content = post.get("content")
    article = content.get("article") if isinstance(content, Mapping) else None
    if isinstance(article, Mapping) and _same_address(str(article.get("source") or ""), url):
        return True
    return url in plain_text(str(post.get("commentary") or ""))


def published(urn: str, account: str, at: datetime) -> Published:
    """The copy LinkedIn created (``x-restli-id``), or found again."""
    return Published(id=urn, url=post_url(urn), published_at=at, account=account)


def published_from_post(post: Json, account: str, at: datetime) -> Published:
    """A post of the Posts API as a copy."""
    created = stamp_time(post.get("publishedAt")) or stamp_time(post.get("createdAt"))
    return published(str(post["id"]), account, created or at)


def counts_from_metadata(metadata: Json) -> Counts:
    """What the Social Metadata API counts on a post: top-level comments, reactions of any type.

    LinkedIn gives no count of reposts there (nor a list of who reposted): left unsaid, for
    ``reposts_from_statistics`` or ``reshares_from_analytics`` to fill in.
    """
    comments = metadata.get("commentSummary")
    replies = None
    if isinstance(comments, Mapping):
        replies = comments.get("topLevelCount", comments.get("count"))
    reactions = metadata.get("reactionSummaries")
    likes: int | None = None
    if isinstance(reactions, Mapping):
        likes = sum(
            int(summary.get("count") or 0)
            for summary in reactions.values()
            if isinstance(summary, Mapping)
        )
    return Counts.read(
        {"replies": replies, "likes": likes},
        replies="replies",
        likes="likes",
        reposts="reposts",
        quotes="quotes",
    )


# -- people and the conversation --------------------------------------------------------------


@dataclass(frozen=True)
class Viewpoint:
    """Who the company is on LinkedIn: its organization and its employees' person URNs."""

    company: frozenset[str]

    @classmethod
    def of(cls, organization: str, people: Iterable[str]) -> Viewpoint:
        """The organization and the employees (person ids or URNs) as URNs."""
        urns = {f"urn:li:organization:{organization}"}
        urns |= {p if p.startswith("urn:") else f"urn:li:person:{p}" for p in people if p}
        return cls(frozenset(urns))


def person_from_profile(urn: str, profile: Json | None, avatar_url: str = "") -> Person:
    """A member (People API) as a Person: their name and headline, their picture's URL.

    LinkedIn has no handles: the handle stays empty (the site would show it after an ``@``),
    and the headline follows the name, as LinkedIn shows it under a comment.
    """
    profile = profile or {}
    first = str(profile.get("localizedFirstName") or "")
    last = str(profile.get("localizedLastName") or "")
    headline = str(profile.get("localizedHeadline") or "")
    vanity = str(profile.get("vanityName") or "")
    name = " ".join(part for part in (first, last) if part) or "LinkedIn member"
    return Person(
        network=NETWORK,
        id=urn,
        handle="",
        name=f"{name} · {headline}" if headline else name,
        url=f"{WEB}/in/{vanity}/" if vanity else "",
        avatar_url=avatar_url,
    )


def person_from_organization(urn: str, organization: Json | None, avatar_url: str = "") -> Person:
    """An organization (Organizations API) as a Person."""
    organization = organization or {}
    vanity = str(organization.get("vanityName") or "")
    return Person(
        network=NETWORK,
        id=urn,
        handle="",
        name=str(organization.get("localizedName") or vanity or "LinkedIn page"),
        url=f"{WEB}/company/{vanity}/" if vanity else "",
        avatar_url=avatar_url,
    )


def profile_picture(profile: Json) -> str:
    """The image URN of a member's picture (People API) or an organization's logo, or ""."""
    for name in ("profilePicture", "logoV2"):
        picture = profile.get(name)
        if isinstance(picture, Mapping):
            image = picture.get("displayImage") or picture.get("original")
            if isinstance(image, str):
                return image
    return ""


def comment_actor(comment: Json) -> str:
    """Who wrote a comment (a person or an organization URN)."""
    return str(comment.get("actor") or "")


def interaction_from_comment(
    comment: Json, post: str, people: Mapping[str, Person], view: Viewpoint
) -> Interaction | None:
    """A comment under ``post`` as a reply (nested through ``parentComment``); None without
    what it takes to show it."""
    urn = str(comment.get("commentUrn") or "")
    actor = comment_actor(comment)
    created = stamp_time(comment.get("created"))
    if not urn or not actor or created is None:
        return None
    message = comment.get("message")
    text = str(message.get("text") or "") if isinstance(message, Mapping) else ""
    modified = stamp_time(comment.get("lastModified"))
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.REPLY,
        id=urn,
        author=people.get(actor) or Person(network=NETWORK, id=actor, handle="", name=""),
        published_at=created,
        url=comment_url(post, urn),
        content_text=plain_text(text),
        in_reply_to=str(comment.get("parentComment") or post),
        updated_at=modified if modified and modified > created else None,
        by_company=actor in view.company,
    )


def reaction_actor(reaction: Json) -> str:
    """Who reacted."""
    created = reaction.get("created")
    actor = created.get("actor") if isinstance(created, Mapping) else None
    return str(actor or reaction.get("actor") or "")


def interaction_from_reaction(
    reaction: Json, post: str, people: Mapping[str, Person], view: Viewpoint
) -> Interaction | None:
    """A reaction as a like; its type (``PRAISE``, ``EMPATHY``...) is kept as its text."""
    actor = reaction_actor(reaction)
    created = stamp_time(reaction.get("created"))
    kind = str(reaction.get("reactionType") or "LIKE")
    if not actor or created is None:
        return None
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.LIKE,
        id=str(reaction.get("id") or f"urn:li:reaction:({actor},{post})"),
        author=people.get(actor) or Person(network=NETWORK, id=actor, handle="", name=""),
        published_at=created,
        content_text=kind,
        in_reply_to=post,
        by_company=actor in view.company,
    )


def same_text(comment: Json, text: str) -> bool:
    """Whether a comment says ``text`` (as a reader reads both)."""
    message = comment.get("message")
    said = str(message.get("text") or "") if isinstance(message, Mapping) else ""
    return " ".join(plain_text(said).split()) == " ".join(text.split())


MENTION_ACTIONS = ("SHARE_MENTION", "COMMENT_MENTION")


def mention_subject(notification: Json) -> str:
    """What a mention notification is about: the comment (``generatedActivity``) of a
    ``COMMENT_MENTION``, the post (``sourcePost``) of a ``SHARE_MENTION``; "" for another action."""
    action = notification.get("action")
    activity = str(notification.get("generatedActivity") or "")
    post = str(notification.get("sourcePost") or "")
    if action == "COMMENT_MENTION":
        return activity if is_comment(activity) else ""
    if action == "SHARE_MENTION":
        return post or activity
    return ""


def mention_from_post(
    post: Json, people: Mapping[str, Person], view: Viewpoint
) -> Interaction | None:
    """A post that mentions the organization (Posts API) as a mention; None when incomplete."""
    urn = str(post.get("id") or "")
    author = str(post.get("author") or "")
    created = stamp_time(post.get("publishedAt")) or stamp_time(post.get("createdAt"))
    if not urn or not author or created is None:
        return None
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.MENTION,
        id=urn,
        author=people.get(author) or Person(network=NETWORK, id=author, handle="", name=""),
        published_at=created,
        url=post_url(urn),
        content_text=plain_text(str(post.get("commentary") or "")),
        by_company=author in view.company,
    )


def mention_from_comment(
    comment: Json, people: Mapping[str, Person], view: Viewpoint
) -> Interaction | None:
    """A comment that mentions the organization as a mention (the comment the root of its own
    thread); None when incomplete."""
    item = interaction_from_comment(
        comment, comment_post(str(comment.get("commentUrn") or "")), people, view
    )
    if item is None:
        return None
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.MENTION,
        id=item.id,
        author=item.author,
        published_at=item.published_at,
        url=item.url,
        content_text=item.content_text,
        by_company=item.by_company,
    )
