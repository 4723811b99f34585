"""The site in a real browser: each visited page loads cleanly, is accessible and fits a phone.

Pages of the fixture blog (``browser_site.write_content``): the French home, a post leading with a
6000 px photo in French and its English translation, and an English page.
Each test opens its own browser context, so nothing (cache, focus, scroll) leaks between them.
Screenshots of every page, desktop and mobile, are kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_site import DESKTOP, MOBILE, PHOTO, Site, SitePage, visited_pages
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

pytestmark = pytest.mark.browser

# WCAG 2.2 level AA and everything below it, as axe-core tags them.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Enough Tab presses to leave the skip link and reach the header's links and the content.
TAB_STOPS = 6
PAGES = visited_pages()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes ``site_page`` once per visited page, named after it."""
    if "site_page" in metafunc.fixturenames:
        metafunc.parametrize("site_page", PAGES, ids=[p.name for p in PAGES])


@dataclass
class Visit:
    """What a page did while it loaded: every request, and everything that went wrong."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(self, page: Page) -> None:
        """Listen to ``page``'s requests, console and errors from now on."""
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def _failed(self, request: Request) -> None:
        self.failures.append(f"{request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.url}: HTTP {response.status}")


@pytest.fixture
def open_page(browser: Browser, site: Site) -> Iterator[Any]:
    """A function that opens a visited page at a viewport size, recording what it does."""
    contexts = []

    def opener(site_page: SitePage, viewport: dict[str, int]) -> tuple[Page, Visit]:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        visit = Visit()
        visit.record(page)
        response = page.goto(site.url(site_page), wait_until="load")
        assert response is not None and response.ok, f"{site_page.path} did not answer 200"
        # Lazy images load only when scrolled into view: scroll to the end and back so that
        # every request the page can make is made, then wait for the network to settle.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")
        return page, visit

    yield opener
    for context in contexts:
        context.close()


def _other_origins(requests: list[str], base_url: str) -> list[str]:
    """Requests that left the site's origin (inline ``data:`` and ``blob:`` URLs stay home)."""
    home = urlsplit(base_url)
    return [
        url
        for url in requests
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).scheme, urlsplit(url).netloc) != (home.scheme, home.netloc)
    ]


def _screenshot(page: Page, folder: Path, site_page: SitePage, size: str) -> None:
    """Keep a full-page screenshot of ``page`` as a test artifact."""
    page.screenshot(path=folder / f"{site_page.name}-{size}.png", full_page=True)


def test_page_loads_without_errors_or_foreign_requests(
    open_page: Any, site: Site, site_page: SitePage, screenshots: Path
) -> None:
    """No console error, no failed request, no request to any other origin."""
    page, visit = open_page(site_page, DESKTOP)
    _screenshot(page, screenshots, site_page, "desktop")
    assert page.evaluate("document.documentElement.lang").startswith(site_page.lang)
    # The site's one stylesheet, loaded under the page's CSP (style-src 'self'): its rules apply.
    sheets = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
    assert len(sheets) == 1 and sheets[0][0].endswith(".css") and sheets[0][1] > 20, sheets
    problems = [f"console error: {e}" for e in visit.console_errors]
    problems += [f"failed request: {f}" for f in visit.failures]
    problems += [
        f"request to another origin: {u}" for u in _other_origins(visit.requests, site.base_url)
    ]
    if problems:
        pytest.fail(f"{site_page.path}:\n" + "\n".join(problems), pytrace=False)


def _axe_report(violations: list[dict[str, Any]]) -> str:
    """One paragraph per axe violation: rule, impact, help link, and each failing element."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"  - {target}: {summary}")
            lines.append(f"    {node['html'][:200]}")
    return "\n".join(lines)


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_page_has_no_axe_violations(open_page: Any, site_page: SitePage, size: str) -> None:
    """axe-core finds no WCAG 2.2 AA violation, on a desktop screen or a phone."""
    page, _ = open_page(site_page, DESKTOP if size == "desktop" else MOBILE)
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    violations = results.response["violations"]
    if violations:
        pytest.fail(
            f"axe-core on {site_page.path} ({size}):\n{_axe_report(violations)}", pytrace=False
        )


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || '').trim().slice(0, 60),
    href: el.getAttribute('href'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
    visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def _focus_is_visible(focused: dict[str, Any]) -> bool:
    """Whether a focused element shows a focus ring: an outline or a box shadow."""
    outline = focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0
    return bool(outline or focused["boxShadow"] != "none") and bool(focused["visible"])


def test_keyboard_focus_is_visible_and_starts_at_skip_link(
    open_page: Any, site_page: SitePage
) -> None:
    """The first Tab reaches a visible skip link; every tab stop shows where focus is."""
    page, _ = open_page(site_page, DESKTOP)
    page.keyboard.press("Tab")
    first = page.evaluate(_FOCUSED)
    href = (first or {}).get("href") or ""
    if first is None or first["tag"] != "a" or not href.startswith("#") or len(href) < 2:
        pytest.fail(f"the first Tab should reach a skip link, not {first}", pytrace=False)
    if page.locator(href).count() != 1:
        pytest.fail(f"the skip link points at {href}, which is not on the page", pytrace=False)
    unseen = [] if _focus_is_visible(first) else [first]
    for _ in range(TAB_STOPS - 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is not None and not _focus_is_visible(focused):
            unseen.append(focused)
    if unseen:
        pytest.fail("focus not visible on:\n" + "\n".join(str(f) for f in unseen), pytrace=False)


_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .slice(0, 10)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string'
         ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
      + ' right=' + Math.round(el.getBoundingClientRect().right));
}"""


def test_page_fits_a_360px_screen(open_page: Any, site_page: SitePage, screenshots: Path) -> None:
    """At 360 px wide the page scrolls only vertically."""
    page, _ = open_page(site_page, MOBILE)
    _screenshot(page, screenshots, site_page, "mobile")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    client_width = page.evaluate("document.documentElement.clientWidth")
    if scroll_width > client_width:
        too_wide = "\n".join(page.evaluate(_OVERFLOWING))
        pytest.fail(
            f"{site_page.path} is {scroll_width}px wide on a {client_width}px screen:\n{too_wide}",
            pytrace=False,
        )


def test_page_reads_without_javascript(browser: Browser, site: Site, site_page: SitePage) -> None:
    """With JavaScript off, the page's main content is there and visible."""
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(site.url(site_page), wait_until="load")
        main = page.locator("main")
        assert main.count() == 1, f"{site_page.path} has {main.count()} <main> elements, not one"
        assert main.is_visible(), f"the <main> of {site_page.path} is hidden without JavaScript"
        assert len(main.inner_text().split()) >= 3, f"the <main> of {site_page.path} is empty"
    finally:
        context.close()


# Every layout shift since the page started, as Chromium reports it (a PerformanceObserver with
# ``buffered``: https://developer.mozilla.org/en-US/docs/Web/API/LayoutShift), after the fonts
# and every image, lazy ones included, have arrived.
_LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  const shifts = [];
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      total += entry.value;
      shifts.push(entry.sources.map(s => s.node ? s.node.nodeName : '?').join(','));
    }
  }).observe({type: 'layout-shift', buffered: true});
  document.fonts.ready.then(() => setTimeout(() => resolve({total, shifts}), 300));
})"""


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_nothing_moves_while_the_page_loads(open_page: Any, site_page: SitePage, size: str) -> None:
    """The cumulative layout shift is 0: images say their size, fonts swap without moving."""
    page, _ = open_page(site_page, DESKTOP if size == "desktop" else MOBILE)
    shift = page.evaluate(_LAYOUT_SHIFT)
    assert shift["total"] == 0, f"{site_page.path} ({size}) moved: {shift}"


def test_a_phone_downloads_the_big_photo_resized(browser: Browser, site: Site, photo: Path) -> None:
    """On a phone the 3 MB, 6000 px lead photo arrives well under 200 KB, in a modern format."""
    context = browser.new_context(viewport=MOBILE, device_scale_factor=2)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        images: dict[str, int] = {}

        def record(response: Response) -> None:
            if response.request.resource_type == "image":
                images[response.url] = len(response.body())

        page.on("response", record)
        page.goto(site.url(site.page("post-fr")), wait_until="load")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        lead = page.locator(".hero img")
        assert lead.evaluate("img => img.complete && img.naturalWidth > 0"), "no lead image shown"
        chosen = str(lead.evaluate("img => img.currentSrc"))
    finally:
        context.close()
    assert photo.stat().st_size > 2_500_000, "the fixture photo should weigh ~3 MB"
    assert not (site.root / PHOTO).exists(), "the 3 MB original is published"
    assert not [url for url in images if url.endswith(PHOTO)], "the original was downloaded"
    assert chosen in images and chosen.endswith((".avif", ".webp")), chosen
    assert images[chosen] < 100_000, f"{chosen}: {images[chosen]} bytes"
    assert sum(images.values()) < 200_000, images
