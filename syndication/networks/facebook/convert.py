"""Pure converters of the Facebook adapter: Graph's JSON -> the model, and the fields asked.

No I/O here (``client`` beside it does it), so everything is tested on fixtures. The objects are
Graph's ``PagePost``, ``Comment`` and, for reactions, ``Profile``
(https://developers.facebook.com/docs/graph-api/reference/page-post,
https://developers.facebook.com/docs/graph-api/reference/comment,
https://developers.facebook.com/docs/graph-api/reference/object/reactions).

- **Shares are counted, not listed.** A post's ``shares`` field is ``{"count": N}``
  (``PagePost.shares``, an ``Object`` in Meta's spec), left out when no one shared it; Graph
  lists only the shares public to the Page, so the count is read with the other counts, never
  the list, and the page shows it as a number (``Copy.counted``).
- **Reactions by kind.** A ``Profile`` of the reactions edge has no field saying which
  reaction it is, but the edge takes ``type``: the conversation asks for each kind under an
  alias (``reactions.type(LOVE).as(reactions_love)``) and keeps the kind as the like's text.
- **Comments threaded.** ``comments.filter(stream)`` gives every comment of a post, its
  answers too, in order, each answer naming its ``parent``: one list makes the whole thread.
  A comment the Page hid (``is_hidden``) is left out, with every answer under it; a deleted one
  is simply not there any more.
- **Mentions.** A post that tags the Page (the Page's ``tagged`` edge, a ``PagePost`` in Meta's
  spec, https://developers.facebook.com/docs/graph-api/reference/page/tagged) is a reader's
  words to the company outside our copies: ``mention_from_post`` makes it a mention, the post
  itself the root of its thread (its comments answer it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from syndication.model import Interaction, InteractionKind, Person
from syndication.networks.base import Counts, Published, count_field
from syndication.networks.meta_graph import edge_items, edge_total, graph_time

NETWORK = "facebook"
WEB = "https://www.facebook.com"
# Facebook counts a post's text up to 63,206 characters.
MAX_LENGTH = 63206
# Every kind of reaction Graph's reactions edge takes as ``type`` (but NONE).
REACTION_TYPES = (
    "LIKE",
    "LOVE",
    "CARE",
    "HAHA",
    "WOW",
    "SAD",
    "ANGRY",
    "THANKFUL",
    "PRIDE",
    "FIRE",
    "HUNDRED",
)
PAGE = 100  # items of an edge per page
COMMENT_FIELDS = "id,from,message,created_time,parent{id},is_hidden,permalink_url"
REACTION_FIELDS = "id,name,pic"
POST_FIELDS = "id,message,created_time,permalink_url"
TAGGED_FIELDS = "id,from,message,created_time,permalink_url"
COUNT_FIELDS = (
    "comments.filter(toplevel).limit(0).summary(total_count),"
    "reactions.limit(0).summary(total_count),"
    "shares"
)

Json = Mapping[str, Any]


def reaction_alias(kind: str) -> str:
    """The alias a kind of reaction is asked under (``reactions_love``)."""
    return f"reactions_{kind.lower()}"


def conversation_fields(replies: bool, likes: bool) -> str:
    """The ``fields`` of one request reading a post's thread and reactions by kind."""
    parts = ["id"]
    if replies:
        parts.append(
            f"comments.filter(stream).order(chronological).limit({PAGE}){{{COMMENT_FIELDS}}}"
        )
    if likes:
        parts += [
            f"reactions.type({kind}).limit({PAGE}){{{REACTION_FIELDS}}}.as({reaction_alias(kind)})"
            for kind in REACTION_TYPES
        ]
    return ",".join(parts)


def post_url(post_id: str) -> str:
    """A Page post's public address (``{page}_{post}`` opens it)."""
    page, _, post = post_id.partition("_")
    return f"{WEB}/{page}/posts/{post}" if post else f"{WEB}/{post_id}"


def comment_url(post_url_: str, comment_id: str) -> str:
    """A comment's public address: its post, opened at the comment."""
    return f"{post_url_}?comment_id={comment_id}"


def published(post_id: str, account: str, at: datetime) -> Published:
    """The copy Graph created (``{"id"}``) or found again."""
    return Published(id=post_id, url=post_url(post_id), published_at=at, account=account)


def links_to(post: Json, url: str) -> bool:
    """Whether a Page post carries ``url`` in its text (the composer always writes it)."""
    return bool(url) and url.rstrip("/") in str(post.get("message") or "")


def counts_from_node(node: Json) -> Counts:
    """The counts of a post read with ``COUNT_FIELDS``: top-level comments, every reaction,
    and its shares (``shares.count``, which Graph leaves out of a post never shared: 0)."""
    shares = node.get("shares")
    return Counts(
        replies=edge_total(node, "comments"),
        likes=edge_total(node, "reactions"),
        reposts=count_field(shares.get("count")) if isinstance(shares, Mapping) else 0,
    )


def person(data: Any, page_id: str, page_name: str = "") -> Person:
    """The author of a comment or a reaction (``from``, or a ``Profile``).

    Graph shows people who comment a Page by a Page-scoped id and their name (with
    ``pages_read_user_content``); it gives no address of their profile.
    """
    data = data if isinstance(data, Mapping) else {}
    person_id = str(data.get("id") or "")
    name = str(data.get("name") or "") or (page_name if person_id == page_id else "")
    return Person(
        network=NETWORK,
        id=person_id,
        handle="",
        name=name or "Facebook user",
        url=f"{WEB}/{page_id}" if person_id and person_id == page_id else "",
        avatar_url=str(data.get("pic") or ""),
    )


def replies_from_comments(
    comments: Iterable[Json], post_id: str, post_address: str, page_id: str
) -> list[Interaction]:
    """The thread of a post from its comments in stream order: hidden ones and every answer
    under them left out, each answer ``in_reply_to`` its parent."""
    kept = {post_id}
    items: list[Interaction] = []
    for comment in comments:
        comment_id = str(comment.get("id") or "")
        created = graph_time(comment.get("created_time"))
        parent = comment.get("parent")
        parent_id = str(parent.get("id") or "") if isinstance(parent, Mapping) else ""
        in_reply_to = parent_id or post_id
        if not comment_id or created is None or comment.get("is_hidden") is True:
            continue
        if in_reply_to not in kept:
            continue  # under a hidden comment
        kept.add(comment_id)
        author = person(comment.get("from"), page_id)
        items.append(
            Interaction(
                network=NETWORK,
                kind=InteractionKind.REPLY,
                id=comment_id,
                author=author,
                published_at=created,
                url=str(comment.get("permalink_url") or comment_url(post_address, comment_id)),
                content_text=str(comment.get("message") or ""),
                in_reply_to=in_reply_to,
                by_company=author.id == page_id,
            )
        )
    return items


def likes_from_reactions(
    kind: str, reactions: Iterable[Json], post_id: str, published_at: datetime, page_id: str
) -> list[Interaction]:
    """The reactions of one kind as likes, the kind kept as their text.

    Graph gives no time of a reaction: the post's own stands for it.
    """
    items = []
    for reaction in reactions:
        who = person(reaction, page_id)
        if not who.id:
            continue
        items.append(
            Interaction(
                network=NETWORK,
                kind=InteractionKind.LIKE,
                id=f"{post_id}:reaction:{who.id}",
                author=who,
                published_at=published_at,
                content_text=kind,
                in_reply_to=post_id,
                by_company=who.id == page_id,
            )
        )
    return items


def conversation_from_node(
    comments: Iterable[Json],
    reactions: Mapping[str, Iterable[Json]],
    *,
    post_id: str,
    post_address: str,
    published_at: datetime,
    page_id: str,
) -> list[Interaction]:
    """Everything read of one post: its thread, then its reactions by kind."""
    items = replies_from_comments(comments, post_id, post_address, page_id)
    for kind in REACTION_TYPES:
        found = reactions.get(kind)
        if found is not None:
            items += likes_from_reactions(kind, found, post_id, published_at, page_id)
    return items


def node_reactions(node: Json) -> dict[str, list[Json]]:
    """The reactions of each kind a node was read with (``conversation_fields``)."""
    return {
        kind: edge_items(node, reaction_alias(kind))
        for kind in REACTION_TYPES
        if reaction_alias(kind) in node
    }


def same_text(comment: Json, text: str) -> bool:
    """Whether a comment says ``text`` (spaces aside)."""
    return " ".join(str(comment.get("message") or "").split()) == " ".join(text.split())


def mention_from_post(post: Json, page_id: str) -> Interaction | None:
    """A post of the Page's ``tagged`` edge (``TAGGED_FIELDS``) as a mention of the company;
    None when it is incomplete. The Page's own posts are marked ``by_company`` (never heard)."""
    post_id = str(post.get("id") or "")
    created = graph_time(post.get("created_time"))
    if not post_id or created is None:
        return None
    author = person(post.get("from"), page_id)
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.MENTION,
        id=post_id,
        author=author,
        published_at=created,
        url=str(post.get("permalink_url") or "") or post_url(post_id),
        content_text=str(post.get("message") or ""),
        by_company=author.id == page_id,
    )
