"""Compose what each network receives for a post: text, length against the limit, link card.

The default text is the title, the summary signed by the post's author (people answer people),
the link, and hashtags from the post's tags, in the post's language: each language is a post of
its own, and an English one carries the English names of ``content/taxonomy.toml``
(``syndication.taxonomy``, applied when posts are read), so its copies say ``#Maintenance`` where
the French ones say ``#Entretien``::

    Rouler l'hiver sans y laisser sa chaîne

    Trois gestes simples avant la première neige. — Mathieu

    https://blogue.example/rouler-l-hiver/

    #Hiver #Entretien #Chaîne

When the author posts from their own account (``registry.author_account``) the signature is left
out: the account already says who speaks. A front-matter override (``Bluesky_text``, one key per
network, ``Network.override_field``) is used as written, with the link appended when it is
missing; an override that does not fit is an error for that post and network, because only a
person may shorten it. A default text that does not fit loses the end of its summary first (cut
at a word, with an ellipsis), then its hashtags, then the end of its title: the link and the
signature always stay.

Lengths are counted as each network counts them (``Network.counter``): Bluesky in graphemes,
Mastodon with every link weighing the instance's ``characters_reserved_per_url``, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from syndication.errors import ContentError
from syndication.model import Post
from syndication.networks.base import Draft, LinkCard, TextLimits
from syndication.networks.registry import network as declared
from syndication.publish.live import PageCard

ELLIPSIS = "…"
SIGNATURE_DASH = "—"
# Cut words end without these before the ellipsis ("route, …" reads badly).
_TRAILING = " \t\n,;:.!?-\u2013\u2014"
_WORD_SPLIT = re.compile(r"[^\w]+")

Counter = Callable[[str], int]


def hashtag(tag: str) -> str:
    """``#`` and the tag in CamelCase, accents kept: ``service à la clientèle`` gives
    ``#ServiceÀLaClientèle``; empty when nothing would be a hashtag (digits or punctuation only).
    """
    words = [word for word in _WORD_SPLIT.split(tag.replace("_", " ")) if word]
    camel = "".join(word[:1].upper() + word[1:] for word in words)
    if not camel or camel.isdigit():
        return ""
    return f"#{camel}"


def hashtags(tags: Sequence[str]) -> list[str]:
    """The post's tags as hashtags, in order, without duplicates (compared case-insensitively)."""
    seen: set[str] = set()
    found: list[str] = []
    for tag in tags:
        text = hashtag(tag)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            found.append(text)
    return found


def first_name(author: str, authors: Mapping[str, Mapping[str, str]]) -> str:
    """The author's first name from ``AGORA_AUTHORS``, or the first word of their name."""
    profile = authors.get(author, {})
    return str(profile.get("first_name") or author.split(" ")[0]).strip()


def signature(author: str, authors: Mapping[str, Mapping[str, str]]) -> str:
    """``— Camille``: how the brand account signs a post by one of its people."""
    name = first_name(author, authors)
    return f"{SIGNATURE_DASH} {name}" if name else ""


def cut_words(text: str, words: int) -> str:
    """The first ``words`` words of ``text`` followed by an ellipsis ("" for none)."""
    if words <= 0:
        return ""
    kept = " ".join(text.split()[:words]).rstrip(_TRAILING)
    return f"{kept}{ELLIPSIS}" if kept else ""


def layout(title: str, summary: str, sign: str, url: str, tags: Sequence[str]) -> str:
    """The default text from its parts; empty parts leave no blank lines."""
    body = " ".join(part for part in (summary, sign) if part)
    blocks = [title, body, url, " ".join(tags)]
    if not summary and sign:  # no summary left: sign the title itself
        blocks = [f"{title} {sign}".strip(), url, " ".join(tags)]
    return "\n\n".join(block for block in blocks if block)


@dataclass(frozen=True)
class Fitted:
    """A text that fits, and whether something had to be cut to make it fit."""

    text: str
    truncated: bool


def fit_default(
    post: Post, sign: str, tags: Sequence[str], count: Counter, limit: int
) -> Fitted | None:
    """The default text within ``limit``: summary cut first, then hashtags, then the title."""

    def fits(text: str) -> bool:
        return count(text) <= limit

    full = layout(post.title, post.summary, sign, post.url, tags)
    if fits(full):
        return Fitted(full, False)
    summary_words = len(post.summary.split())
    for words in range(summary_words - 1, -1, -1):
        text = layout(post.title, cut_words(post.summary, words), sign, post.url, tags)
        if fits(text):
            return Fitted(text, True)
    for kept in range(len(tags) - 1, -1, -1):
        text = layout(post.title, "", sign, post.url, tags[:kept])
        if fits(text):
            return Fitted(text, True)
    for words in range(len(post.title.split()) - 1, -1, -1):
        text = layout(cut_words(post.title, words), "", sign, post.url, ())
        if fits(text):
            return Fitted(text, True)
    return None


def with_link(text: str, url: str) -> str:
    """An override as written, with the post's link appended when it does not carry it."""
    text = text.strip()
    return text if url in text else f"{text}\n\n{url}"


def link_card(post: Post, page: PageCard | None) -> LinkCard | None:
    """The card from what the live page says; the local image file when it is the page's image."""
    if page is None:
        return None
    same_image = bool(post.image_path and page.image_url and page.image_url == post.image_url)
    return LinkCard(
        url=page.url or post.url,
        title=page.title,
        description=page.description,
        image_url=page.image_url,
        image_path=post.image_path if same_image else None,
        image_alt=page.image_alt or (post.image_alt if same_image else ""),
    )


def compose(
    post: Post,
    network: str,
    limits: TextLimits,
    *,
    authors: Mapping[str, Mapping[str, str]],
    account: str,
    own_account: bool = False,
    page: PageCard | None = None,
) -> Draft:
    """Exactly what ``network`` receives for ``post``; ContentError when an override is too long.

    ``account`` is the handle the post goes out from; ``own_account`` says it is the author's own
    (no signature then). ``page`` is the live page's card (None in a dry run of a post not live).
    """
    spec = declared(network)
    label, unit, field = spec.label, spec.unit, spec.override_field()
    count = spec.counter(limits)
    limit = limits.max_characters
    warnings: list[str] = []
    override = post.overrides.get(network, "")
    if override:
        text = with_link(override, post.url)
        length = count(text)
        if length > limit:
            raise ContentError(
                f"{post.key}: {field} is {length} {unit} with the link, over {label}'s {limit}; "
                f"shorten it by {length - limit} (nothing was posted to {label})."
            )
        truncated = False
    else:
        sign = "" if own_account else signature(post.author, authors)
        fitted = fit_default(post, sign, hashtags(post.tags), count, limit)
        if fitted is None:
            raise ContentError(
                f"{post.key}: even the link and signature alone are over {label}'s {limit} "
                f"{unit}; write a {field} override."
            )
        text, truncated = fitted.text, fitted.truncated
        length = count(text)
        if truncated:
            warnings.append(
                f"the default text was cut to fit {label}'s {limit} {unit}; "
                f"write a {field} override to choose the words"
            )
    return Draft(
        network=network,
        post=post,
        text=text,
        length=length,
        limit=limit,
        truncated=truncated,
        card=link_card(post, page),
        lang=post.lang,
        signed_by=post.author,
        account=account,
        warnings=tuple(warnings),
    )
