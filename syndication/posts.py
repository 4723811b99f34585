"""Which posts exist, read with Pelican's own readers: the syndication side sees what the site does.

Only published posts whose date has come are returned: a post dated in the future waits for its
date (``WITH_FUTURE_DATES = False``), so staff schedule posts by date alone and the first run after
that date syndicates it. URLs are computed by Pelican itself (``ARTICLE_URL`` /
``ARTICLE_LANG_URL``) and made absolute with ``SITEURL``, exactly as the templates do.
"""

from __future__ import annotations

import fnmatch
import html
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican.contents import Article
from pelican.readers import Readers
from pelican.settings import read_settings

from syndication.errors import ContentError
from syndication.model import Post, utc_now
from syndication.networks.registry import NETWORKS
from syndication.taxonomy import Taxonomy, from_settings

logger = logging.getLogger(__name__)

Settings = Mapping[str, Any]
# Pelican lowercases front-matter keys: ``Bluesky_text`` is read as ``bluesky_text``.
OVERRIDE_FIELDS: dict[str, str] = {
    network.name: network.override_field().lower() for network in NETWORKS
}
NAMES: tuple[str, ...] = tuple(network.name for network in NETWORKS)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def load_settings(settings_file: str | Path) -> dict[str, Any]:
    """Pelican's settings from ``settings_file`` (paths in it resolved against its folder)."""
    path = Path(settings_file)
    if not path.is_file():
        raise ContentError(f"{path}: no such settings file; pass --settings with an existing one.")
    return dict(read_settings(str(path)))


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment (Pelican renders ``Summary`` as Markdown), on one line."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def parse_networks(value: str, source: str) -> tuple[str, ...] | None:
    """The ``Syndicate`` front matter: None (every configured network), () for none, or names."""
    text = value.strip().lower()
    if not text:
        return None
    if text == "none":
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise ContentError(
            f"{source}: Syndicate names {', '.join(unknown)}, which is not a network Agora knows; "
            f"use {', '.join(NAMES)} or none."
        )
    return names


def post_from_article(
    article: Article, settings: Settings, source: str, names: Taxonomy | None = None
) -> Post:
    """The model's view of one Pelican article; an English post's tags get their English names
    from ``names`` (``content/taxonomy.toml``), so its copies' hashtags are English."""
    metadata = article.metadata
    siteurl = str(settings.get("SITEURL", "")).rstrip("/")
    image = str(metadata.get("image", "") or "").strip().lstrip("/")
    content_root = Path(str(settings["PATH"]))
    overrides = {
        network: str(metadata[field]).strip()
        for network, field in OVERRIDE_FIELDS.items()
        if str(metadata.get(field, "") or "").strip()
    }
    author = getattr(article, "author", None)
    return Post(
        key=f"{article.slug}.{article.lang}",
        slug=article.slug,
        lang=article.lang,
        title=plain_text(str(article.title)),
        summary=plain_text(str(metadata.get("summary", "") or "")),
        url=f"{siteurl}/{article.url}",
        date=article.date,
        author=author.name if author is not None else "",
        tags=(names or Taxonomy()).tag_names(
            (str(tag) for tag in getattr(article, "tags", []) or []), article.lang
        ),
        image_url=f"{siteurl}/{image}" if image else None,
        image_path=str(content_root / image) if image else None,
        image_alt=str(metadata.get("image_alt", "") or "").strip(),
        networks=parse_networks(str(metadata.get("syndicate", "") or ""), source),
        overrides=overrides,
    )


def article_files(settings: Settings, readers: Readers) -> list[Path]:
    """Every file under the article folders that a Pelican reader reads, sorted."""
    root = Path(str(settings["PATH"]))
    excluded = {root / name for name in settings.get("ARTICLE_EXCLUDES", [])}
    extensions = {ext for ext in readers.extensions if ext != "static"}
    # What Pelican skips (IGNORE_FILES, matched on the name: "_modele.md", a template) is no post.
    ignored = [str(pattern) for pattern in settings.get("IGNORE_FILES", [])]
    found: list[Path] = []
    for folder in settings.get("ARTICLE_PATHS", ["posts"]):
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if any(parent in excluded for parent in path.parents):
                continue
            if any(fnmatch.fnmatch(path.name, pattern) for pattern in ignored):
                continue
            if path.is_file() and path.suffix.lstrip(".") in extensions:
                found.append(path)
    return sorted(found)


def read_posts(settings: Settings, now: datetime | None = None) -> list[Post]:
    """Every published post whose date has come, oldest first.

    A file Pelican cannot read is a ContentError naming it (the build refuses it as well).
    """
    moment = now or utc_now()
    # Pelican turns future posts into drafts against its own clock; the date is compared with
    # ``now`` here instead: the first run after a post's date picks it up (tests say when).
    readers = Readers({**settings, "WITH_FUTURE_DATES": True})
    root = Path(str(settings["PATH"]))
    authors: Mapping[str, Any] = settings.get("AGORA_AUTHORS", {}) or {}
    names = from_settings(settings)
    posts: list[Post] = []
    for path in article_files(settings, readers):
        source = str(path)
        try:
            article = readers.read_file(
                str(root), str(path.relative_to(root)), content_class=Article, context={}
            )
        except (ValueError, TypeError, KeyError, AttributeError, OSError) as error:
            # What Pelican's readers raise on a bad file (a date, a meta line): name the file.
            raise ContentError(f"{source}: Pelican cannot read this post ({error}).") from error
        if not str(getattr(article, "title", "") or "").strip():
            raise ContentError(f"{source}: the post has no Title; add one to its front matter.")
        if getattr(article, "status", "published") != "published":
            continue
        if article.date > moment:
            logger.info("%s is dated %s: it waits for its date", source, article.date)
            continue
        post = post_from_article(article, settings, source, names)
        if authors and post.author not in authors:
            raise ContentError(
                f"{source}: the author {post.author!r} is not in AGORA_AUTHORS; "
                "use one of " + ", ".join(sorted(authors)) + "."
            )
        posts.append(post)
    return sorted(posts, key=lambda p: (p.date, p.key))


def wants_syndication(post: Post) -> bool:
    """Whether the post's front matter lets it go to any network at all."""
    return post.networks != ()
