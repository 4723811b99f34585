"""Hostile replies, from the Mastodon peer to a real Chromium: nothing of theirs runs or calls out.

Mallory, a reader on the local peer, answers the English post with every trick: ``<script>``,
``onerror=`` handlers, ``javascript:`` links, SVG and CSS, entity-encoded variants, in the text,
the content warning and her display name. The peer escapes a local user's text, so the context
it answers also carries what a careless remote instance would relay as raw HTML (the peer's fault
rule sends the real thread plus those statuses). Backfeed stores it, the site is built and served
on loopback, and the page is loaded in Debian's Chromium, once as served and once with its
Content-Security-Policy removed, so the proof rests on the sanitiser and the templates, not only
on the CSP. Every payload tries to set ``window.__pwned`` or the document's title.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from backfeed_support import backfeed, mastodon_account, publish_copies, the_post
from backfeed_support import workspace_with_settings as new_workspace
from bs4 import BeautifulSoup
from mastodon_support import Peer
from playwright.sync_api import Dialog, Route, sync_playwright
from site_build import MEASURE, build
from syndicate_support import peers_env, served

from sandbox.mastodon import MastodonServer
from syndication.store.state import StateStore

pytestmark = [pytest.mark.mastodon, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
PAGE = f"en/{MEASURE.slug}/"  # the English copy of a post of the fixture blog
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')

# What Mallory types on the peer: it escapes her text, so the page must show it as text.
LOCAL_PAYLOADS = (
    '<script>window.__pwned = "local-script"</script>',
    "<img src=x onerror=\"window.__pwned='local-img'\">",
    "<a href=\"javascript:window.__pwned='local-link'\">click</a>",
    "<svg onload=\"window.__pwned='local-svg'\"></svg>",
    "&lt;script&gt;window.__pwned='entity'&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
)
WARNING = "<img src=x onerror=\"document.title='pwned-warning'\">"
DISPLAY_NAME = "Mallory <img src=x onerror=\"window.__pwned='name'\">"
# What a remote instance could relay as the status's HTML.
REMOTE_PAYLOADS = (
    "<p>Hello<script>window.__pwned='remote-script'</script></p>",
    '<p><img src="x" onerror="window.__pwned=\'remote-img\'"></p>',
    "<p><a href=\"javascript:window.__pwned='remote-link'\">one</a> "
    '<a href="JaVaScRiPt:alert(1)">two</a> <a href="&#106;avascript:alert(1)">three</a> '
    '<a href="java&#x09;script:alert(1)">four</a> '
    '<a href="data:text/html,<script>alert(1)</script>">five</a></p>',
    "<svg><script>window.__pwned='svg'</script><foreignObject>"
    "<img src=x onerror=\"window.__pwned='foreign'\"></foreignObject></svg><p>svg</p>",
    '<p style="background:url(https://evil.example/style.png)">styled</p>'
    "<style>@import url(https://evil.example/import.css); body{display:none}</style>",
    '<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/o">'
    '</object><img src="https://evil.example/tracker.png"><p>embeds</p>',
    '<link rel="stylesheet" href="https://evil.example/s.css"><base href="https://evil.example/">'
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>head tags</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mxss'\">",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned='noscript'>\"></noscript>",
    '<p><a href="https://evil.example/" onmouseover="window.__pwned=\'hover\'">hover me</a></p>',
    '<form action="https://evil.example/"><input type="image" src="https://evil.example/i.png">'
    "<button formaction=\"javascript:window.__pwned='form'\">go</button></form><p>form</p>",
    "<p>&lt;script&gt;window.__pwned='remote-entity'&lt;/script&gt;</p>",
)


def remote_status(number: int, content: str, parent: str) -> dict[str, object]:
    """A status of a remote instance as the peer relays it: raw HTML, a hostile author."""
    status_id = f"9{number:05d}"
    return {
        "id": status_id,
        "created_at": f"2026-01-0{1 + number % 9}T10:00:00.000Z",
        "in_reply_to_id": parent,
        "visibility": "public",
        "language": "en",
        "spoiler_text": "",
        "edited_at": None,
        "url": "javascript:window.__pwned='permalink'",
        "uri": f"https://evil.example/statuses/{status_id}",
        "content": content,
        "account": {
            "id": "666",
            "username": "mallory",
            "acct": "mallory@evil.example",
            "display_name": "<script>window.__pwned='remote-name'</script>Remote Mallory",
            "url": "javascript:window.__pwned='profile'",
            "avatar": "http://127.0.0.1:9/avatar.png",  # nothing listens: the placeholder shows
        },
    }


@dataclass
class Served:
    """The built site on loopback, and the page's own title."""

    base: str
    output: Path
    title: str


@pytest.fixture(scope="module")
def site(
    mastodon_server: MastodonServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    workspace = tmp_path_factory.mktemp("hostile-site")
    settings = new_workspace(workspace)
    env = peers_env(None, mastodon_server)
    post = the_post(MEASURE.slug, "en", MEASURE.english["title"])
    store = StateStore(workspace / "content" / "state")
    root = publish_copies(env, post, store)["mastodon"].id
    with httpx.Client(base_url=mastodon_server.base_url, timeout=30) as http:
        peer = Peer(mastodon_server.base_url, http)
        mallory = peer.person("mallory")
        mallory.call(
            "PATCH", "/api/v1/accounts/update_credentials", data={"display_name": DISPLAY_NAME}
        )
        for text in LOCAL_PAYLOADS:
            mallory.post(f"@velosboreal {text}", in_reply_to_id=root, language="en")
        mallory.post("Open me", in_reply_to_id=root, spoiler_text=WARNING)
        brand = mastodon_account(mastodon_server, http, "velosboreal")
        context = brand.call("GET", f"/api/v1/statuses/{root}/context")
        context["descendants"] += [
            remote_status(number, content, root) for number, content in enumerate(REMOTE_PAYLOADS)
        ]
        peer.fault(
            f"/api/v1/statuses/{root}/context", {"type": "status", "status": 200, "body": context}
        )
        try:
            code, report, _ = backfeed(settings, env)
        finally:
            peer.clear_faults()
    assert code == 0, report
    stored = store.load(post.key).interactions
    assert len(stored) == len(LOCAL_PAYLOADS) + 1 + len(REMOTE_PAYLOADS), report
    output = workspace / "output"
    with served(output) as base:
        build(workspace, output, SITEURL=base, FEED_DOMAIN=base)
        page = BeautifulSoup(
            (output / PAGE / "index.html").read_text(encoding="utf-8"), "html.parser"
        )
        assert page.title is not None
        yield Served(base, output, page.title.get_text())


def test_the_built_page_holds_nothing_active_from_the_replies(site: Served) -> None:
    page = BeautifulSoup(
        (site.output / PAGE / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    conversation = page.select_one(".conversation")
    assert conversation is not None
    replies = conversation.select("article.u-comment")
    assert len(replies) == len(LOCAL_PAYLOADS) + 1 + len(REMOTE_PAYLOADS)
    allowed = {"a", "p", "br", "span", "em", "strong", "b", "i", "u", "s", "del", "code", "pre"}
    for content in conversation.select(".p-content"):
        tags = {tag.name for tag in content.find_all(True)}
        assert tags <= allowed | {"blockquote", "ul", "ol", "li"}, tags
    for element in conversation.find_all(True):
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        assert not handlers, element
        for name in ("href", "src", "action", "formaction", "style"):
            value = str(element.get(name, ""))
            if name == "style":
                assert not value, element
            elif value:
                # A web address, or one of the site's own from the host's root (no scheme, no
                # host: never "javascript:" or "//elsewhere").
                parts = urlsplit(value)
                own = not parts.scheme and not parts.netloc and value.startswith("/")
                assert own or parts.scheme in {"http", "https", "mailto"}, element
    for element in conversation.find_all(src=True):
        assert urljoin(site.base + "/", str(element["src"])).startswith(site.base + "/"), element
    # what the peer escaped is shown as the text Mallory typed, not dropped
    text = conversation.get_text()
    assert LOCAL_PAYLOADS[0] in text and "&lt;script&gt;window.__pwned='entity'" in text
    assert "Mallory <img src=x" in text  # her display name, as text


def strip_csp(route: Route) -> None:
    """Serve the page without its CSP meta, and with one script of ours that must run."""
    response = route.fetch()
    body = response.text()
    assert CSP_META.search(body), "the page has no CSP to remove"
    body = CSP_META.sub("", body).replace("</head>", "<script>window.__control = 1</script></head>")
    route.fulfill(response=response, body=body)


@pytest.mark.parametrize("csp", ["as served", "without its CSP"])
def test_no_script_of_theirs_runs_and_nothing_leaves_the_site(site: Served, csp: str) -> None:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make test`"
    url = f"{site.base}/{PAGE}"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with contextlib.closing(browser):
            page = browser.new_page()
            requests: list[str] = []
            dialogs: list[str] = []
            page.on("request", lambda request: requests.append(request.url))

            def dismiss(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", dismiss)
            if csp == "without its CSP":
                page.route(url, strip_csp)
            page.goto(url, wait_until="load")
            for summary in page.locator(".conversation details > summary").all():
                summary.click()  # the content warning's reply, opened
            for link in page.locator(".conversation a").all():
                link.hover()
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            pwned = page.evaluate("window.__pwned === undefined ? null : String(window.__pwned)")
            control = page.evaluate("window.__control === undefined ? null : window.__control")
            title = page.title()
            shown = page.locator(".conversation").inner_text()
    assert pwned is None and dialogs == [] and title == site.title, (pwned, dialogs, title)
    assert control == (1 if csp == "without its CSP" else None)  # scripts run when present
    home = urlsplit(site.base).netloc
    foreign = [u for u in requests if urlsplit(u).scheme != "data" and urlsplit(u).netloc != home]
    assert not foreign, foreign
    assert LOCAL_PAYLOADS[0] in shown and "Open me" in shown
