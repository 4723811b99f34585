"""The post page with a conversation in Debian's Chromium: accessible, at home, fits a phone.

The fixture conversation (threads, a company answer, a folded warning, faces) is built into the
real site and served on loopback; axe-core checks WCAG 2.2 AA on desktop and phone sizes.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from theme_site import AUTHORS, ROOT, TALKED_ABOUT, build

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - class attribute of the standard library's handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".svg": "image/svg+xml",
    }

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture site built for, and served at, a loopback address."""
    workdir = tmp_path_factory.mktemp("conversation-site")
    output = workdir / "output"
    output.mkdir()
    handler = functools.partial(_Quiet, directory=str(output))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        server.daemon_threads = True
        base = f"http://127.0.0.1:{server.server_address[1]}"
        build(workdir, SITEURL=base, FEED_DOMAIN=base)
        # Backfeed would have copied Léa's avatar here; an author photo stands in for it.
        avatar = output / "avatars" / "bluesky" / "lea.png"
        avatar.parent.mkdir(parents=True)
        photo = next(details["photo"] for details in AUTHORS.values())
        shutil.copyfile(workdir / "content" / photo, avatar)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield base
        finally:
            server.shutdown()


@pytest.mark.parametrize("width", [1280, 360])
def test_conversation_page_is_accessible_local_and_fits(served: str, width: int) -> None:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make test`"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with contextlib.closing(browser):
            page = browser.new_page(viewport={"width": width, "height": 800})
            requests: list[str] = []
            failures: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("response", lambda r: failures.append(r.url) if r.status >= 400 else None)
            page.goto(f"{served}/{TALKED_ABOUT}/", wait_until="load")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            home = urlsplit(served).netloc
            foreign = [u for u in requests if urlsplit(u).scheme != "data"]
            foreign = [u for u in foreign if urlsplit(u).netloc != home]
            assert not foreign and not failures, (foreign, failures)
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
            violations = [
                f"{v['id']}: {[n['target'] for n in v['nodes']]}"
                for v in results.response["violations"]
            ]
            assert not violations, violations
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"
            page.screenshot(
                path=ROOT / "test-artifacts" / "screenshots" / f"conversation-{width}.png",
                full_page=True,
            )
