"""Hostile replies that cannot run but could deceive or break the page, from the peer to Chromium.

Each case is a post of its own (written here, beside a copy of the site's scaffolding), published
on the local Mastodon peer and answered there: by local readers (a display name with an
unterminated right-to-left override, one that reads as the company's name through zero-width
characters, a chain of 50 replies each answering the last) and, through the peer's fault rule,
by what a remote instance could relay as raw HTML (links whose text names one domain and go to a
look-alike, 2,000 nested quotes, 100 KB without a space, a reply of 60 KB). The real backfeed
stores them, real Pelican builds the site, and Debian's Chromium loads each page at desktop and
phone width: the page is never wider than the screen, lays out in under a second, shows the real
host of each deceptive link, isolates every reader's name for direction and marks the impostor as
a reader.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from backfeed_support import backfeed, mastodon_account, publish_copies, the_post
from backfeed_support import workspace_with_settings as new_workspace
from bs4 import BeautifulSoup, Tag
from mastodon_support import Peer
from playwright.sync_api import Browser, sync_playwright
from site_build import COMPANY, build
from syndicate_support import peers_env, served

from sandbox.mastodon import MastodonServer
from syndication.store.state import StateStore

pytestmark = [pytest.mark.mastodon, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
WIDTHS = {"desktop": 1280, "phone": 375}
LAYOUT_SECONDS = 1.0  # the bound for a page's first layout

RLO = "\u202e"
# The company's name (the fixture blog's COMPANY_NAME) with zero-width characters inside.
IMPOSTOR = COMPANY.replace(" ", "\u200b ") + "\u2060"
# The blog's host with a Cyrillic "e" (U+0435) for the first "e", as a browser shows it.
LOOKALIKE_ACE = "blog.xn--vlos-boreal-okj.example"
# Every letter Cyrillic: a whole-script look-alike of apple.com.
CYRILLIC_APPLE = "\u0430\u0440\u0440\u04cf\u0435.com"
CYRILLIC_APPLE_ACE = "xn--80ak6aa92e.com"
MIXED_HOST = "v\u0435los-boreal.example"  # Latin with one Cyrillic "e"
MIXED_HOST_ACE = "xn--vlos-boreal-okj.example"
DEEP = 50
QUOTES = 2_000
NO_SPACE = 100_000


@dataclass(frozen=True)
class Case:
    """One hostile post: its slug, and the page it gets."""

    slug: str
    title: str

    @property
    def page(self) -> str:
        return f"{self.slug}/"


LINKS = Case("cas-liens-trompeurs", "Cas : liens trompeurs")
DIRECTION = Case("cas-noms-et-direction", "Cas : noms et direction")
DEPTH = Case("cas-fil-profond", "Cas : fil profond")
QUOTED = Case("cas-citations-imbriquees", "Cas : citations imbriquées")
WORD = Case("cas-mot-sans-fin", "Cas : mot sans fin")
LONG = Case("cas-reponse-longue", "Cas : réponse longue")
CASES = (LINKS, DIRECTION, DEPTH, QUOTED, WORD, LONG)

POST = """Title: {title}
Date: 2026-06-0{day} 09:00
Category: Communauté
Author: Camille Tremblay
Slug: {slug}
Lang: fr
Summary: Un billet qui reçoit des réponses hostiles.

Un billet qui reçoit des réponses hostiles, pour les tests.
"""


def remote_status(number: int, content: str, parent: str) -> dict[str, object]:
    """A status of a remote instance as the peer relays it: raw HTML, a permalink of its own."""
    status_id = f"8{number:05d}"
    return {
        "id": status_id,
        "created_at": f"2026-06-1{number % 9}T10:00:00.000Z",
        "in_reply_to_id": parent,
        "visibility": "public",
        "language": "fr",
        "spoiler_text": "",
        "edited_at": None,
        "url": f"https://remote.example/@eve/{status_id}",
        "uri": f"https://remote.example/statuses/{status_id}",
        "content": content,
        "account": {
            "id": "777",
            "username": "eve",
            "acct": "eve@remote.example",
            "display_name": "Eve",
            "url": "https://remote.example/@eve",
            "avatar": "http://127.0.0.1:9/avatar.png",  # nothing listens: the placeholder shows
        },
    }


REMOTE: dict[Case, list[str]] = {
    LINKS: [
        f'<p>Le site officiel : <a href="https://{LOOKALIKE_ACE}/connexion">'
        "blog.velos-boreal.example</a></p>",
        f'<p>Voyez <a href="https://{CYRILLIC_APPLE}/">apple.com</a> et '
        f'<a href="https://{MIXED_HOST}/promo">notre boutique</a></p>',
    ],
    QUOTED: ["<blockquote>" * QUOTES + "<p>tout au fond</p>" + "</blockquote>" * QUOTES],
    WORD: ["<p>" + "a" * NO_SPACE + "</p>"],
    LONG: ["<p>" + " ".join(f"mot{n}" for n in range(10_000)) + " LA-FIN</p>"],
}


@dataclass
class Site:
    """The built site on loopback."""

    base: str
    output: Path

    def soup(self, case: Case) -> BeautifulSoup:
        html = (self.output / case.page / "index.html").read_text(encoding="utf-8")
        return BeautifulSoup(html, "html.parser")


@pytest.fixture(scope="module")
def site(
    mastodon_server: MastodonServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    workspace = tmp_path_factory.mktemp("hostile-layout")
    settings = new_workspace(workspace)
    for day, case in enumerate(CASES, start=1):
        text = POST.format(title=case.title, slug=case.slug, day=day)
        (workspace / "content" / "posts" / f"{case.slug}.md").write_text(text, encoding="utf-8")
    env = peers_env(None, mastodon_server)
    store = StateStore(workspace / "content" / "state")
    roots = {
        case: publish_copies(env, the_post(case.slug, "fr", case.title), store)["mastodon"].id
        for case in CASES
    }
    with httpx.Client(base_url=mastodon_server.base_url, timeout=30) as http:
        peer = Peer(mastodon_server.base_url, http)
        brand = mastodon_account(mastodon_server, http, "velosboreal")
        mallory = peer.person("mallory")
        mallory.call(
            "PATCH",
            "/api/v1/accounts/update_credentials",
            data={"display_name": f"Mallory {RLO}inversé"},
        )
        mallory.post(
            f"@velosboreal Bonjour {RLO}ceci serait à l'envers", in_reply_to_id=roots[DIRECTION]
        )
        impostor = peer.person("impostor")
        impostor.call(
            "PATCH", "/api/v1/accounts/update_credentials", data={"display_name": IMPOSTOR}
        )
        impostor.post("@velosboreal Écrivez-nous en privé", in_reply_to_id=roots[DIRECTION])
        parent = roots[DEPTH]
        for level in range(DEEP):
            parent = mallory.post(f"@velosboreal niveau {level + 1}", in_reply_to_id=parent)["id"]
        number = 0
        witness = peer.person("witness")
        for case, contents in REMOTE.items():
            # a local reply too: the peer counts it, so backfeed reads the thread
            witness.post("@velosboreal Merci!", in_reply_to_id=roots[case])
            context = brand.call("GET", f"/api/v1/statuses/{roots[case]}/context")
            for content in contents:
                context["descendants"].append(remote_status(number, content, roots[case]))
                number += 1
            peer.fault(
                f"/api/v1/statuses/{roots[case]}/context",
                {"type": "status", "status": 200, "body": context},
            )
        try:
            code, report, _ = backfeed(settings, env)
        finally:
            peer.clear_faults()
    assert code == 0, report
    stored = {case: store.load(f"{case.slug}.fr").interactions for case in CASES}
    assert len(stored[DEPTH]) == DEEP and len(stored[DIRECTION]) == 2, report
    counts = {case.slug: len(stored[case]) for case in CASES}
    assert all(len(stored[case]) == len(c) + 1 for case, c in REMOTE.items()), counts
    output = workspace / "output"
    with served(output) as base:
        build(workspace, output, SITEURL=base, FEED_DOMAIN=base)
        yield Site(base, output)


def _replies(site: Site, case: Case) -> list[Tag]:
    conversation = site.soup(case).select_one(".conversation")
    assert conversation is not None
    return conversation.select("article.u-comment")


def _eve(site: Site, case: Case) -> Tag:
    """The remote reply of ``case``."""
    (reply,) = [r for r in _replies(site, case) if r.select_one(".who").get_text() == "Eve"]  # type: ignore[union-attr]
    return reply


def test_a_link_naming_a_domain_shows_where_it_really_goes(site: Site) -> None:
    links = [link for reply in _replies(site, LINKS) for link in reply.select(".p-content a[href]")]
    by_href = {str(link["href"]): link for link in links}
    assert set(by_href) == {
        f"https://{LOOKALIKE_ACE}/connexion",
        f"https://{CYRILLIC_APPLE}/",
        f"https://{MIXED_HOST}/promo",
    }
    official = by_href[f"https://{LOOKALIKE_ACE}/connexion"].get_text()
    assert "blog.velos-boreal.example" not in official
    assert official == f"⚠\u00a0{LOOKALIKE_ACE}/connexion"
    assert by_href[f"https://{CYRILLIC_APPLE}/"].get_text() == f"⚠\u00a0{CYRILLIC_APPLE_ACE}"
    # a link to a mixed-script host keeps its words and gets its real host beside it
    shop = by_href[f"https://{MIXED_HOST}/promo"]
    assert shop.get_text() == "notre boutique"
    beside = shop.find_next_sibling("span")
    assert beside is not None and beside.get_text() == f" (⚠\u00a0{MIXED_HOST_ACE})"
    assert "lookalike" in beside.get_attribute_list("class")
    # stored cleaned, cleaned again at build: each mark once (two in links, one beside)
    marks = [mark for reply in _replies(site, LINKS) for mark in reply.select("span.lookalike")]
    assert len(marks) == 3, marks


def test_names_and_text_are_isolated_and_stripped_of_overrides(site: Site) -> None:
    replies = _replies(site, DIRECTION)
    names = [reply.select_one(".who") for reply in replies]
    assert all(name is not None for name in names)
    page = str(site.soup(DIRECTION))
    assert RLO not in page and "\u200b" not in page and "\u2060" not in page
    for name in names:
        assert name is not None
        bdi = name if name.name == "bdi" else name.find("bdi")
        assert bdi is not None, name  # the name is isolated for direction
    assert {name.get_text() for name in names if name} == {"Mallory inversé", COMPANY}
    for content in site.soup(DIRECTION).select(".conversation .p-content"):
        assert content.get("dir") == "auto"


def test_a_reader_named_like_the_company_is_marked_as_a_reader(site: Site) -> None:
    impostor = next(r for r in _replies(site, DIRECTION) if COMPANY in r.get_text())
    assert "company" not in impostor.get_attribute_list("class")
    assert impostor.select_one(".badge") is None
    mark = impostor.select_one(".reader-mark")
    assert mark is not None and mark.get_text() == f"lecteur ou lectrice, pas {COMPANY}"
    other = next(r for r in _replies(site, DIRECTION) if COMPANY not in r.get_text())
    assert other.select_one(".reader-mark") is None


def test_a_deep_thread_is_shown_flat_past_four_levels(site: Site) -> None:
    conversation = site.soup(DEPTH).select_one(".conversation .thread")
    assert conversation is not None
    depths = [len(reply.find_parents("ol")) for reply in conversation.select("article.u-comment")]
    assert len(depths) == DEEP and depths[:5] == [1, 2, 3, 4, 5] and max(depths) == 5
    replies = conversation.select("article.u-comment")
    flat = [reply for reply in replies if reply.select_one(".in-reply-to")]
    assert len(flat) == DEEP - 5  # levels 1-4 nested, 5 flat under 4 (answering it), then 6-50
    assert flat[0].select_one(".in-reply-to").get_text() == "en réponse à Mallory inversé"  # type: ignore[union-attr]
    texts = [reply.select_one(".p-content").get_text() for reply in replies]  # type: ignore[union-attr]
    assert [t.split()[-1] for t in texts] == [str(n) for n in range(1, DEEP + 1)]  # in order


def test_nested_quotes_are_capped(site: Site) -> None:
    reply = _eve(site, QUOTED)
    content = reply.select_one(".p-content")
    assert content is not None and "tout au fond" in content.get_text()
    deepest = max(len(q.find_parents("blockquote")) + 1 for q in content.find_all("blockquote"))
    assert deepest == 3


def test_a_long_reply_is_cut_at_a_word_with_a_link_to_the_rest(site: Site) -> None:
    reply = _eve(site, LONG)
    text = reply.select_one(".p-content").get_text()  # type: ignore[union-attr]
    assert "LA-FIN" not in text and text.endswith(" …")
    assert all(word.startswith("mot") for word in text.split()[:-1])  # no word cut in half
    more = reply.select_one(".read-more a")
    assert more is not None and more.get_text() == "Lire la suite sur Mastodon"
    assert str(more["href"]).startswith("https://remote.example/@eve/")
    word = _eve(site, WORD)
    assert len(word.select_one(".p-content").get_text()) < 5_000  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make test`"
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with contextlib.closing(chromium):
            yield chromium


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("case", CASES, ids=[case.slug for case in CASES])
def test_the_page_fits_the_screen_and_lays_out_in_under_a_second(
    site: Site, browser: Browser, case: Case, width: int
) -> None:
    """The best of three fresh loads counts: on a busy two-core machine another process can only
    add time, never take the page's own away."""
    timings: list[tuple[float, float]] = []
    for _ in range(3):
        page = browser.new_page(viewport={"width": width, "height": 800})
        with contextlib.closing(page):
            started = time.perf_counter()
            page.goto(f"{site.base}/{case.page}", wait_until="load")
            loaded = time.perf_counter() - started
            layout = page.evaluate(
                """() => ({
                    wide: document.scrollingElement.scrollWidth,
                    inner: window.innerWidth,
                    load: performance.getEntriesByType("navigation")[0].loadEventEnd,
                })"""
            )
        assert layout["wide"] <= layout["inner"], layout  # no horizontal overflow
        timings.append((loaded, layout["load"] / 1000))
    best = min(timings)
    assert best[0] < LAYOUT_SECONDS and best[1] < LAYOUT_SECONDS, timings


def test_in_chromium_the_real_host_shows_and_the_override_turns_nothing(
    site: Site, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    with contextlib.closing(page):
        page.goto(f"{site.base}/{LINKS.page}", wait_until="load")
        shown = page.locator(".conversation .p-content").all_inner_texts()
        page.goto(f"{site.base}/{DIRECTION.page}", wait_until="load")
        isolated = page.evaluate(
            """() => [...document.querySelectorAll('.conversation .who')].map(who => {
                const bdi = who.tagName === 'BDI' ? who : who.querySelector('bdi');
                return bdi ? getComputedStyle(bdi).unicodeBidi : null;
            })"""
        )
        # the words after the name run left to right: each letter of "sur" right of the last
        order = page.evaluate(
            """() => [...document.querySelectorAll('.conversation .meta')].map(meta => {
                const text = meta.firstChild;
                const at = i => { const r = document.createRange(); r.setStart(text, i);
                                  r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
                const start = text.data.indexOf('sur');
                return at(start) < at(start + 1) && at(start + 1) < at(start + 2);
            })"""
        )
        marks = page.locator(".conversation .reader-mark").all_inner_texts()
    joined = "\n".join(shown)
    assert LOOKALIKE_ACE in joined and CYRILLIC_APPLE_ACE in joined and MIXED_HOST_ACE in joined
    assert "blog.velos-boreal.example" not in joined
    assert isolated == ["isolate", "isolate"], isolated
    assert order == [True, True], order
    assert marks == [f"lecteur ou lectrice, pas {COMPANY}"]
