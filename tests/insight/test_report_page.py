"""The impact report's page in Debian's Chromium: no console error, no request to another
origin, no axe violation (WCAG 2.2 AA), in French and English, on a desktop and a phone.

The report of the hand-built November (``insight_scene``) is written to a temporary folder and
served on a loopback port; every request for anything else is aborted and recorded, so a chart
or a style that reached out would fail the test. Screenshots are kept under
``test-artifacts/report/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from insight_scene import NOW, project
from playwright.sync_api import Browser, ConsoleMessage, Route, sync_playwright

from syndication.cli.insight import run_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "report"
CHROMIUM = "/usr/bin/chromium"
# As tests/browser launches it: without the background flags Chromium calls Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
PAGES = {"fr": "index.html", "en": "en.html"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output for the test's own words."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The report of November, served on a free loopback port."""
    folder = tmp_path_factory.mktemp("report-site")
    assert run_report(project(folder, listening=True), month="2026-11", now=NOW) == 0
    handler = functools.partial(QuietHandler, directory=str(folder / "report" / "2026-11"))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (no browser is downloaded)."""
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make test`"
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with contextlib.closing(chromium):
            yield chromium


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", list(PAGES))
def test_the_report_page_is_self_contained_and_accessible(
    served: str, browser: Browser, lang: str, size: str
) -> None:
    foreign: list[str] = []
    errors: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            errors.append(f"{message.type}: {message.text}")

    context = browser.new_context(viewport=SIZES[size], java_script_enabled=True)
    try:
        page = context.new_page()
        page.route("**/*", only_loopback)
        page.on("console", console)
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(f"{served}/{PAGES[lang]}", wait_until="load")
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("svg[role=img]").count() == 3
        for title in page.locator("svg[role=img] > title").all_text_contents():
            assert title.strip()
        heading = "Rapport d'impact" if lang == "fr" else "Impact report"
        assert page.locator("h1").inner_text() == heading
        # Nothing runs: the page has no script, the charts none either.
        assert page.evaluate("document.scripts.length") == 0
        # Nothing wider than the screen but the tables' own scrolling regions.
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
        violations = Axe().run(page, options=options).response["violations"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"report-{lang}-{size}.png"), full_page=True)
    finally:
        context.close()
    assert foreign == [], f"requests to another origin: {foreign}"
    assert errors == [], errors
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    )
