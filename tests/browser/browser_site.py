"""The site under test: its real build, the loopback server for it, and the pages visited.

Shared by the browser tests and the Lighthouse test (``conftest.py`` holds the fixtures). Its
name is unique in the test tree because test folders have no ``__init__.py``.
"""

from __future__ import annotations

import http.server
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; they would show up as failed requests in every test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}

_META_LINE = re.compile(r"^(?P<key>[A-Za-z_]+):\s*(?P<value>.*)$")


@dataclass(frozen=True)
class SitePage:
    """A page of the built site the browser tests visit."""

    name: str
    path: str
    lang: str


@dataclass(frozen=True)
class Site:
    """The built site and the loopback server that serves it."""

    root: Path
    base_url: str
    pages: tuple[SitePage, ...]

    def url(self, page: SitePage) -> str:
        """Absolute URL of ``page`` on the loopback server."""
        return self.base_url + page.path

    def page(self, name: str) -> SitePage:
        """The visited page called ``name``."""
        return next(p for p in self.pages if p.name == name)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that knows web font types and keeps the test output clean."""

    extensions_map = {  # noqa: RUF012 - class attribute of the standard library's handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".svg": "image/svg+xml",
        ".webp": "image/webp",
        ".avif": "image/avif",
        ".xml": "application/xml",
        ".webmanifest": "application/manifest+json",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: request logs would drown the test report."""


def _front_matter(path: Path) -> dict[str, str]:
    """The Markdown metadata block at the top of ``path``, keys lower-cased."""
    meta: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        match = _META_LINE.match(line)
        if match:
            meta[match["key"].lower()] = match["value"].strip()
    return meta


def _published(meta: dict[str, str]) -> bool:
    """Whether a post or page with this metadata is published: not a draft, not dated later.

    Posts dated in the future stay drafts until their date (``WITH_FUTURE_DATES = False``).
    """
    if meta.get("status", "published").lower() != "published":
        return False
    # Dates are "YYYY-MM-DD HH:MM" (the front matter contract), so text order is time order.
    return meta.get("date", "")[:16] <= datetime.now().strftime("%Y-%m-%d %H:%M")


def visited_pages(content: Path = ROOT / "content") -> tuple[SitePage, ...]:
    """The pages to visit: home, a post in each language, and an English page if there is one.

    Read from the content's front matter, not from the build, so tests can be parametrized at
    collection time; the ``site`` fixture then checks that the build wrote each of them.
    """
    posts = [_front_matter(p) for p in sorted((content / "posts").rglob("*.md"))]
    posts = [m for m in posts if _published(m) and "slug" in m]
    english = {m["slug"] for m in posts if m.get("lang") == "en"}
    # The newest post translated both ways, so both visits read the same text in two languages.
    translated = sorted(
        (m for m in posts if m["slug"] in english and m.get("lang", "fr") == "fr"),
        key=lambda m: m.get("date", ""),
        reverse=True,
    )
    pages = [SitePage("home-fr", "/", "fr")]
    if translated:
        slug = translated[0]["slug"]
        pages += [SitePage("post-fr", f"/{slug}/", "fr"), SitePage("post-en", f"/en/{slug}/", "en")]
    english_pages = [_front_matter(p) for p in sorted((content / "pages").rglob("*.md"))]
    english_pages = [m for m in english_pages if m.get("lang") == "en" and _published(m)]
    if english_pages:
        pages.append(SitePage("page-en", f"/en/pages/{english_pages[0]['slug']}/", "en"))
    return tuple(pages)


def check_built(output: Path, pages: tuple[SitePage, ...]) -> None:
    """Fail with one sentence when the build did not write a page the tests visit."""
    assert any(p.name == "post-en" for p in pages), "no post has both a French and English version"
    for page in pages:
        index = output / page.path.strip("/") / "index.html"
        assert index.is_file(), f"the build wrote no {page.path} ({index} is missing)"


def build_site(output: Path, site_url: str, cache: Path) -> None:
    """Build the real site with the project's settings into ``output``, linked to ``site_url``."""
    from pelican import Pelican
    from pelican.settings import read_settings

    previous = Path.cwd()
    errors = _ErrorLog()
    # Pelican logs a broken plugin or template and goes on; a test of that output would be a lie.
    logging.getLogger("pelican").addHandler(errors)
    # The plugin reads the state under the repository root, as `invoke build` does.
    os.chdir(ROOT)
    try:
        settings = read_settings(
            str(ROOT / "pelicanconf.py"),
            override={
                "OUTPUT_PATH": str(output),
                "CACHE_PATH": str(cache),
                "SITEURL": site_url,
                "FEED_DOMAIN": site_url,
                "DELETE_OUTPUT_DIRECTORY": False,
            },
        )
        Pelican(settings).run()
    finally:
        os.chdir(previous)
        logging.getLogger("pelican").removeHandler(errors)
    assert not errors.messages, "the build logged errors:\n" + "\n".join(errors.messages)


class _ErrorLog(logging.Handler):
    """Keeps the messages of the errors logged during a build."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one error's message."""
        self.messages.append(f"{record.name}: {record.getMessage()}")
