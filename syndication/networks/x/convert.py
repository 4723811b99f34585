"""Pure converters of the X adapter: weighted length, posts and users -> the model, search queries.

No I/O here (``client`` beside it does it), so everything is tested on fixtures. Field names follow
X's own OpenAPI description of API v2 (``post.fields``, ``referenced_posts``, ``repost_count``,
https://docs.x.com/x-api/posts/lookup/introduction); the older spellings the live API still
answers with (``referenced_tweets``, ``retweet_count``) are read too.

Lengths: X counts a post in weighted characters (https://docs.x.com/resources/fundamentals/
counting-characters): 280 at most, every URL 23 whatever its length, CJK and emoji weigh 2.
``twitter-text-parser`` is X's own twitter-text rules ported to Python and kept current; a
home-made counter would drift from what X refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twitter_text import parse_tweet

from syndication.model import Interaction, InteractionKind, Person, parse_time
from syndication.networks.base import Activity, Counts, Published

NETWORK = "x"
MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
WEB = "https://x.com"
# Recent search covers the last 7 days only (https://docs.x.com/x-api/posts/search/introduction);
# its query is at most 512 characters on self-serve access.
SEARCH_WINDOW_DAYS = 7
MAX_QUERY_LENGTH = 512

# What every read asks for: the post's own fields, its author and what it refers to.
POST_FIELDS = "created_at,conversation_id,entities,lang,public_metrics"
EXPANSIONS = "author_id,referenced_posts,in_reply_to_user_id"
USER_FIELDS = "name,username,profile_image_url,protected,url"

Json = Mapping[str, Any]
_URL_RE = re.compile(r"https?://\S+")


def weighted_length(text: str) -> int:
    """The length X counts (``twitter-text``'s weighted length, URLs 23)."""
    return int(parse_tweet(text).weightedLength)


@dataclass(frozen=True)
class Viewpoint:
    """Who the company is on X: its usernames, lowercased (their answers are the company's)."""

    company: frozenset[str]

    @classmethod
    def of(cls, usernames: Iterable[str]) -> Viewpoint:
        """The viewpoint of these accounts (``@`` and case ignored)."""
        return cls(frozenset(name.lstrip("@").lower() for name in usernames if name))


def post_url(username: str, post_id: str) -> str:
    """The post's public address."""
    return f"{WEB}/{username}/status/{post_id}"


def users_by_id(body: Json) -> dict[str, Json]:
    """The users an answer's ``includes`` carries, by id."""
    includes = body.get("includes")
    users = includes.get("users") if isinstance(includes, Mapping) else None
    return {str(u["id"]): u for u in users or [] if isinstance(u, Mapping) and u.get("id")}


def posts_of(body: Json) -> list[Json]:
    """The posts of an answer's ``data`` (one object or a list)."""
    data = body.get("data")
    if isinstance(data, Mapping):
        return [data]
    return [post for post in data or [] if isinstance(post, Mapping) and post.get("id")]


def references(post: Json) -> dict[str, str]:
    """What the post refers to, by type (``replied_to``, ``quoted``, ``retweeted``) -> id."""
    found = post.get("referenced_posts") or post.get("referenced_tweets") or []
    return {
        str(ref["type"]): str(ref["id"])
        for ref in found
        if isinstance(ref, Mapping) and ref.get("type") and ref.get("id")
    }


def url_entities(post: Json) -> list[Json]:
    """The post's URL entities (t.co link, expanded URL)."""
    entities = post.get("entities")
    urls = entities.get("urls") if isinstance(entities, Mapping) else None
    return [url for url in urls or [] if isinstance(url, Mapping)]


def expanded_text(post: Json) -> str:
    """The post's text with each t.co link replaced by the address it stands for."""
    text = str(post.get("text") or "")
    for url in url_entities(post):
        short, full = url.get("url"), url.get("expanded_url")
        if isinstance(short, str) and isinstance(full, str) and short and full:
            text = text.replace(short, full)
    return text


def _same_address(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def links_to(post: Json, url: str) -> bool:
    """Whether the post carries a link to ``url`` (X shortens it: its entities say where)."""
    return any(
        _same_address(str(entity.get("expanded_url") or ""), url) for entity in url_entities(post)
    ) or url in str(post.get("text") or "")


def comparable(text: str) -> str:
    """A text as X may give it back: links shortened, spaces folded."""
    return " ".join(_URL_RE.sub("<link>", text).split())


def same_text(post: Json, text: str) -> bool:
    """Whether the post says ``text`` (its links compared as links, whatever X made of them)."""
    return comparable(expanded_text(post)) == comparable(text)


def person_from_user(user: Json) -> Person:
    """An X user as a Person (remote avatar URL; backfeed copies it locally)."""
    username = str(user.get("username") or "")
    return Person(
        network=NETWORK,
        id=str(user.get("id") or ""),
        handle=username,
        name=str(user.get("name") or username),
        url=f"{WEB}/{username}" if username else "",
        avatar_url=str(user.get("profile_image_url") or ""),
    )


def _time(value: Any) -> datetime | None:
    return parse_time(value) if isinstance(value, str) and value else None


def interaction_from_post(
    post: Json, users: Mapping[str, Json], kind: InteractionKind, view: Viewpoint
) -> Interaction | None:
    """A reply, quote or mention; None when it must not be stored.

    Posts of protected accounts are never kept: only their followers may read them. A post
    whose author or time X did not give is left out too (nothing to show it with).
    """
    author = users.get(str(post.get("author_id") or ""))
    created = _time(post.get("created_at"))
    if author is None or created is None or author.get("protected") is True:
        return None
    refs = references(post)
    parent = refs.get("quoted", "") if kind is InteractionKind.QUOTE else refs.get("replied_to", "")
    person = person_from_user(author)
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=str(post["id"]),
        author=person,
        published_at=created,
        url=post_url(person.handle, str(post["id"])),
        content_text=expanded_text(post),
        lang=str(post.get("lang") or ""),
        in_reply_to=parent,
        by_company=person.handle.lower() in view.company,
    )


def reaction_id(post_id: str, kind: InteractionKind, user_id: str) -> str:
    """The id we give a like or repost, which X does not identify by itself."""
    edge = "liking_users" if kind is InteractionKind.LIKE else "retweeted_by"
    return f"{post_id}/{edge}/{user_id}"


def reaction(
    user: Json, kind: InteractionKind, post_id: str, at: datetime, view: Viewpoint
) -> Interaction | None:
    """A like or repost of ``post_id`` by ``user``, stamped ``at`` (X gives no time for them)."""
    if user.get("protected") is True or not user.get("id"):
        return None
    person = person_from_user(user)
    return Interaction(
        network=NETWORK,
        kind=kind,
        id=reaction_id(post_id, kind, person.id),
        author=person,
        published_at=at,
        in_reply_to=post_id,
        by_company=person.handle.lower() in view.company,
    )


def counts_from_post(post: Json) -> Counts:
    """What X counts on a post (``public_metrics``); direct replies only."""
    metrics = post.get("public_metrics")
    if not isinstance(metrics, Mapping):
        return Counts()
    reposts = "repost_count" if "repost_count" in metrics else "retweet_count"
    return Counts.read(
        metrics, replies="reply_count", likes="like_count", reposts=reposts, quotes="quote_count"
    )


def thread(
    root_id: str, posts: Iterable[Json], users: Mapping[str, Json], view: Viewpoint
) -> list[Interaction]:
    """The replies under ``root_id`` among a conversation's posts, nested by ``in_reply_to``.

    A reply whose parent is not kept (a protected account's, or gone) is left out with it.
    """
    kept = {root_id}
    items: list[Interaction] = []
    # Ids grow with time: a parent always comes before its replies.
    for post in sorted(posts, key=lambda p: (len(str(p["id"])), str(p["id"]))):
        reply = interaction_from_post(post, users, InteractionKind.REPLY, view)
        if reply is None or reply.in_reply_to not in kept:
            continue
        kept.add(reply.id)
        items.append(reply)
    return items


def activity_from_post(post: Json, users: Mapping[str, Json], view: Viewpoint) -> Activity | None:
    """A mention of the brand as an Activity carrying the whole interaction (no refresh needed)."""
    refs = references(post)
    if "retweeted" in refs:
        return None
    if "replied_to" in refs:
        kind, subject = InteractionKind.REPLY, refs["replied_to"]
        root = str(post.get("conversation_id") or subject)
    elif "quoted" in refs:
        kind, subject = InteractionKind.QUOTE, refs["quoted"]
        root = subject
    else:
        kind, subject = InteractionKind.MENTION, str(post.get("conversation_id") or post["id"])
        root = subject
    item = interaction_from_post(post, users, kind, view)
    if item is None:
        return None
    return Activity(kind=kind, item_id=item.id, subject_id=subject, root_id=root, item=item)


def conversation_queries(conversation_ids: Sequence[str]) -> list[list[str]]:
    """The ids grouped into as few recent-search queries as the query length allows."""
    groups: list[list[str]] = []
    for conversation_id in conversation_ids:
        if groups and len(conversation_query([*groups[-1], conversation_id])) <= MAX_QUERY_LENGTH:
            groups[-1].append(conversation_id)
        else:
            groups.append([conversation_id])
    return groups


def conversation_query(conversation_ids: Sequence[str]) -> str:
    """``conversation_id:1 OR conversation_id:2``: every post of these conversations."""
    return " OR ".join(f"conversation_id:{cid}" for cid in conversation_ids)


def published_from_post(post: Json, username: str, at: datetime) -> Published:
    """The copy X created (its answer carries id and text only: ``at`` is when it was sent)."""
    post_id = str(post["id"])
    return Published(
        id=post_id,
        url=post_url(username, post_id),
        published_at=_time(post.get("created_at")) or at,
        account=username,
    )
