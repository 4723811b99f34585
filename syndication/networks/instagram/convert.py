"""Pure converters of the Instagram adapter: the caption, Instagram's JSON -> the model.

No I/O here (``client`` beside it does it). Followed pages:

- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media:
  ``caption`` is "Maximum 2200 characters, 30 hashtags, and 20 @ tags" (``MAX_CAPTION``,
  ``MAX_HASHTAGS``; counted here as characters, every ``#word`` a hashtag, repeats included).
- https://developers.facebook.com/docs/instagram-platform/content-publishing: a caption's
  links are not clickable, so the caption says where to read the post instead of its address.
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications:
  "JPEG is the only image format supported" (``image_url``): a social card is a PNG on the
  site, so Instagram is given its JPEG twin, ``<digest>.jpg`` beside it, which the build writes
  for the posts Instagram has no copy of yet (``plugins/agora/cards.py``); any other image that
  is not a JPEG is refused before anything is sent.
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment:
  ``text``, ``username``, ``from``, ``timestamp``, ``hidden``, ``parent_id``; comments nest
  once (a reply answers a top-level comment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from syndication.errors import Rejected
from syndication.model import Interaction, InteractionKind, Person, Post
from syndication.networks.base import Draft, Published
from syndication.networks.meta_graph import graph_time

NETWORK = "instagram"
WEB = "https://www.instagram.com"
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
# Room left in the limit the composer fits the text to, for the "where to read it" line that
# takes the place of the title (its words and the blog's name).
LEAD_ROOM = 100
ELLIPSIS = "…"
MEDIA_FIELDS = "id,caption,permalink,timestamp"
CONTAINER_FIELDS = "id,status_code,status"
COMMENT_FIELDS = "id,text,username,from,timestamp,hidden"
REPLY_FIELDS = "id,text,username,from,timestamp,hidden,parent_id"
TAGGED_FIELDS = "id,caption,permalink,timestamp,username"
LEADS = {
    "fr": "À lire sur le blogue de {blog} : {title}",
    "en": "Read it on the {blog} blog: {title}",
}

# The site's social cards (plugins/agora: CARDS_FOLDER, cards.CARD_SUFFIX and TWIN_SUFFIX).
CARDS_FOLDER = "/social-cards/"
CARD_SUFFIX, TWIN_SUFFIX = ".png", ".jpg"
JPEG_SUFFIXES = (".jpg", ".jpeg")

_URL = re.compile(r"https?://\S+")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")

Json = Mapping[str, Any]


def blog_of(post: Post, blog_name: str) -> str:
    """The blog's name: the setting, else the host of the post's address."""
    return blog_name or urlsplit(post.url).hostname or post.url


def lead(post: Post, blog_name: str) -> str:
    """The caption's first line: where to read the post, in its language (fr, else en)."""
    shape = LEADS["fr"] if post.lang.lower().startswith("fr") else LEADS["en"]
    return shape.format(blog=blog_of(post, blog_name), title=post.title.strip())


def image_url(draft: Draft, account: str) -> str | None:
    """The address Instagram fetches the post's image from: the page's (its own image, else its
    social card), else the post's own; None when there is none.

    A social card is a PNG: its JPEG twin beside it is given instead. Any other image that is
    not a JPEG is ``Rejected``, so Instagram is never sent an image it cannot publish.
    """
    image = (draft.card.image_url if draft.card else None) or draft.post.image_url
    if not image:
        return None
    parts = urlsplit(image)
    path = parts.path
    if CARDS_FOLDER in path and path.lower().endswith(CARD_SUFFIX):
        twin = path[: -len(CARD_SUFFIX)] + TWIN_SUFFIX
        return urlunsplit(parts._replace(path=twin))
    if not path.lower().endswith(JPEG_SUFFIXES):
        raise Rejected(
            f"Instagram publishes JPEG images only and the image of {draft.post.key} ({image}) "
            f"is not one, so nothing was posted to {account}; give the post a JPEG image of its "
            "own and run again.",
            network=NETWORK,
        )
    return image


def hashtag_count(text: str) -> int:
    """Hashtags as Instagram counts them: every ``#word``."""
    return len(_HASHTAG.findall(text))


def _within_hashtags(text: str) -> str:
    """``text`` with the hashtags after the 30th left out."""
    seen = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return match.group() if seen <= MAX_HASHTAGS else ""

    kept = _HASHTAG.sub(keep, text)
    return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()


def length(text: str) -> int:
    """A draft's length as it counts in the caption: without its links (left out)."""
    return len(" ".join(_URL.sub("", text).split()))


def caption(draft: Draft, blog_name: str) -> str:
    """The caption: where to read the post and its title, then the draft's text without its
    links or its title line, within 2,200 characters and 30 hashtags (the end cut first)."""
    post = draft.post
    blocks = []
    for block in draft.text.split("\n\n"):
        block = " ".join(_URL.sub("", block).split()) if _URL.search(block) else block.strip()
        if block and block != post.title.strip():
            blocks.append(block)
    text = _within_hashtags("\n\n".join([lead(post, blog_name), *blocks]))
    if len(text) > MAX_CAPTION:
        cut = text[: MAX_CAPTION - len(ELLIPSIS)]
        text = cut[: cut.rfind(" ")] if " " in cut else cut
        text = text.rstrip(" \n,;:.") + ELLIPSIS
    return text


def names_post(media: Json, post: Post) -> bool:
    """Whether a media's caption names the post's title on its first line (where the lead is)."""
    first = str(media.get("caption") or "").split("\n", 1)[0]
    title = post.title.strip()
    return bool(title) and first.endswith(title)


def published(media: Json, account: str, at: datetime) -> Published:
    """A copy from its media object (``MEDIA_FIELDS``) or a comment."""
    return Published(
        id=str(media.get("id") or ""),
        url=str(media.get("permalink") or ""),
        published_at=graph_time(media.get("timestamp")) or at,
        account=account,
    )


def person(comment: Json) -> Person:
    """The author of a comment: its username (``from`` adds its Instagram-scoped id)."""
    username = str(comment.get("username") or "")
    sender = comment.get("from")
    scoped = str(sender.get("id") or "") if isinstance(sender, Mapping) else ""
    return Person(
        network=NETWORK,
        id=scoped or username,
        handle=username,
        name=username or "Instagram user",
        url=f"{WEB}/{username}/" if username else "",
    )


def is_by(comment: Json, user_id: str) -> bool:
    """Whether the account itself wrote ``comment``."""
    sender = comment.get("from")
    return isinstance(sender, Mapping) and str(sender.get("id") or "") == user_id


def interaction(
    comment: Json, parent: str, permalink: str, user_id: str, company: frozenset[str]
) -> Interaction | None:
    """One comment or reply under ``parent``; None when it is hidden or incomplete."""
    comment_id = str(comment.get("id") or "")
    created = graph_time(comment.get("timestamp"))
    if not comment_id or created is None or comment.get("hidden") is True:
        return None
    author = person(comment)
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.REPLY,
        id=comment_id,
        author=author,
        published_at=created,
        # Instagram gives a comment no address of its own: the post's.
        url=permalink,
        content_text=str(comment.get("text") or ""),
        in_reply_to=parent,
        by_company=is_by(comment, user_id) or author.handle in company,
    )


def thread(items: Iterable[Interaction]) -> list[Interaction]:
    """Interactions in time order."""
    return sorted(items, key=lambda i: (i.published_at, i.id))


def same_text(comment: Json, text: str) -> bool:
    """Whether a comment says ``text`` (spaces aside)."""
    return " ".join(str(comment.get("text") or "").split()) == " ".join(text.split())


def mention_from_media(media: Json, company: frozenset[str]) -> Interaction | None:
    """A media of the account's ``tags`` edge (``TAGGED_FIELDS``: another account's media the
    company's is tagged in) as a mention; None when it is incomplete. One by the company's own
    accounts (``company`` usernames) is marked ``by_company`` (never heard)."""
    media_id = str(media.get("id") or "")
    created = graph_time(media.get("timestamp"))
    if not media_id or created is None:
        return None
    username = str(media.get("username") or "")
    return Interaction(
        network=NETWORK,
        kind=InteractionKind.MENTION,
        id=media_id,
        author=person(media),  # a tagged media names its author as a comment does
        published_at=created,
        url=str(media.get("permalink") or ""),
        content_text=str(media.get("caption") or ""),
        by_company=username in company,
    )
