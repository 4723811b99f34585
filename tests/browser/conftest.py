"""Fixtures for the browser tests: one real build of the site, served on loopback, and Chromium.

A fixture blog of its own (``browser_site.write_content``: a post leading with a 6000 px photo of
about 3 MB, its translation, a post by an author without a photo, a page), never the sample posts
of ``content/``, is built once per session with the project's settings, theme and plugin, into a
temporary folder,
with ``SITEURL`` set to the loopback address it is served from: canonical URLs, feeds and the
sitemap then point at the very server the browser talks to, as they would in production.
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; no browser is downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_site import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    QuietHandler,
    Site,
    build_site,
    check_built,
    visited_pages,
    write_photo,
)
from playwright.sync_api import Browser, Playwright, sync_playwright


@pytest.fixture(scope="session")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6000 px photo of about 3 MB, drawn once per session (it takes a second)."""
    return write_photo(tmp_path_factory.mktemp("photo") / "photo.jpg")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, photo: Path) -> Iterator[Site]:
    """The fixture blog, built once and served on a free loopback port for the whole session."""
    root = tmp_path_factory.mktemp("site")
    handler = functools.partial(QuietHandler, directory=str(root))
    # Bind first, build second: the port is known (and ours) before SITEURL is written anywhere.
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        server.daemon_threads = True
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        build_site(root, base_url, tmp_path_factory.mktemp("workspace"), photo)
        pages = visited_pages()
        check_built(root, pages)
        thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
        thread.start()
        try:
            yield Site(root=root, base_url=base_url, pages=pages)
        finally:
            server.shutdown()


# Module scope, not session: while Playwright's sync driver runs, its event loop is the thread's
# running loop, and every later test that calls ``asyncio.run`` (the network code) would fail.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, started once per test module and stopped after it."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; the test fails with one sentence if it is not installed."""
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium package)"
    )
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    with contextlib.closing(chromium):
        yield chromium


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Folder where screenshots are kept as test artifacts (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
