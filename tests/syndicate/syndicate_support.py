"""Helpers of the syndication tests: a small Pelican project built for real and served on loopback.

The project is written into a temporary folder (its own ``settings.py``, posts, images and a
template override that adds the OpenGraph tags to Pelican's default theme), built with Pelican,
and served by a loopback HTTP server whose address is the project's ``SITEURL``. Named uniquely
so that another test folder's helpers never shadow it.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image
from pelican import Pelican
from pelican.settings import read_settings

AUTHORS: dict[str, dict[str, str]] = {
    "Camille Tremblay": {"first_name": "Camille", "bluesky": "camille.test"},
    "Mathieu Gagnon": {"first_name": "Mathieu"},
}

# Pelican's default theme, with the OpenGraph tags our theme carries added to every article.
ARTICLE_OVERRIDE = """{% extends "!theme/article.html" %}
{% block head %}{{ super() }}
<meta property="og:title" content="{{ article.title | striptags }}">
<meta property="og:url" content="{{ SITEURL }}/{{ article.url }}">
<meta property="og:description" content="{{ article.summary | striptags }}">
{% if article.image %}<meta property="og:image" content="{{ SITEURL }}/{{ article.image }}">
<meta property="og:image:alt" content="{{ article.image_alt }}">{% endif %}
{% endblock %}
"""

SETTINGS = """
SITEURL = {siteurl!r}
SITENAME = "Vélos Boréal"
AUTHOR = "Vélos Boréal"
PATH = "content"
OUTPUT_PATH = "output"
TIMEZONE = "America/Toronto"
DEFAULT_LANG = "fr"
WITH_FUTURE_DATES = False
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
ARTICLE_EXCLUDES = ["state"]
PAGE_EXCLUDES = ["state"]
STATIC_PATHS = ["images"]
ARTICLE_TRANSLATION_ID = "slug"
ARTICLE_URL = "{{slug}}/"
ARTICLE_SAVE_AS = "{{slug}}/index.html"
ARTICLE_LANG_URL = "{{lang}}/{{slug}}/"
ARTICLE_LANG_SAVE_AS = "{{lang}}/{{slug}}/index.html"
PAGE_URL = "pages/{{slug}}/"
PAGE_SAVE_AS = "pages/{{slug}}/index.html"
THEME_TEMPLATES_OVERRIDES = [{overrides!r}]
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
AGORA_STATE_PATH = "content/state"
AGORA_AUTHORS = {authors!r}
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""


def post_file(
    slug: str,
    *,
    title: str = "Rouler l'hiver sans y laisser sa chaîne",
    date: str = "2025-11-12 09:00",
    lang: str = "fr",
    author: str = "Mathieu Gagnon",
    tags: str = "hiver, entretien, chaîne",
    summary: str = "Trois gestes simples avant la première neige, et pourquoi ils comptent.",
    extra: Mapping[str, str] | None = None,
    body: str = "Le sel de nos rues mange les chaînes. Voici quoi faire.",
) -> str:
    """The Markdown source of a post following the project's front matter schema."""
    meta = {
        "Title": title,
        "Date": date,
        "Category": "Conseils",
        "Tags": tags,
        "Author": author,
        "Slug": slug,
        "Lang": lang,
        "Summary": summary,
        **(extra or {}),
    }
    if lang != "fr":
        meta["Translation"] = "true"
    head = "\n".join(f"{name}: {value}" for name, value in meta.items())
    return f"{head}\n\n{body}\n"


@dataclass
class Site:
    """A served Pelican project: its folder, settings file, address and state folder."""

    root: Path
    url: str

    @property
    def settings_file(self) -> Path:
        """The project's Pelican settings."""
        return self.root / "settings.py"

    @property
    def content(self) -> Path:
        """The project's content folder."""
        return self.root / "content"

    @property
    def output(self) -> Path:
        """Where Pelican writes the site (served on loopback)."""
        return self.root / "output"

    @property
    def state(self) -> Path:
        """The state folder (``AGORA_STATE_PATH``)."""
        return self.content / "state"

    def add_post(self, name: str, source: str) -> None:
        """Write a post's Markdown file."""
        (self.content / "posts" / name).write_text(source, encoding="utf-8")

    def add_image(self, name: str) -> str:
        """Write a small JPEG under ``images/posts``; its path as front matter writes it."""
        path = self.content / "images" / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (120, 63), (30, 90, 160)).save(path, "JPEG")
        return f"images/posts/{name}"

    def build(self) -> None:
        """Build the site with Pelican itself into ``output/``."""
        settings = read_settings(str(self.settings_file))
        Pelican(settings).run()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yields its base URL (no trailing slash)."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_project(root: Path, siteurl: str) -> Site:
    """A Pelican project in ``root`` whose ``SITEURL`` is ``siteurl``; no posts yet."""
    for folder in ("content/posts", "content/pages", "overrides"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "overrides" / "article.html").write_text(ARTICLE_OVERRIDE, encoding="utf-8")
    (root / "settings.py").write_text(
        SETTINGS.format(siteurl=siteurl, authors=AUTHORS, overrides=str(root / "overrides")), encoding="utf-8"
    )
    (root / "content" / "pages" / "about.md").write_text(
        "Title: À propos\nSlug: about\n\nUne page sans balises OpenGraph.\n", encoding="utf-8"
    )
    return Site(root=root, url=siteurl)


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) with a hash of its bytes."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
