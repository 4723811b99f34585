"""`invoke demo` end to end: the blog's posts reach every local network, readers comment, the desk
lists them and the rebuilt site shows the conversation.

The demo runs in a copy of the project (its settings, theme and plugin) whose content is a fixture
blog (``tests/content/fixture_site.py``: three posts due, two of them translated, one scheduled
for next month, one internal note), never the sample posts of ``content/``, against the session's
real local networks, so the repository's own state and the user's sandbox are never touched.
"""

from __future__ import annotations

import html
import io
import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox import SandboxInfo, demo
from sandbox.bluesky import BlueskyNetwork
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.processes import free_port
from sandbox.readers import COMPLAINT, DEMO_POST
from sandbox.x import XServer
from syndication.model import CopyStatus
from syndication.posts import load_settings, read_posts, wants_syndication
from syndication.store.state import StateStore

ROOT = Path(__file__).resolve().parents[2]
# The fixture blog lives with the content tests; test folders are not packages.
if str(ROOT / "tests" / "content") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "content"))

from fixture_site import (  # noqa: E402
    NAMES,
    SPRING,
    TIMEZONE,
    WINTER,
    FixturePost,
    file_name,
    settings_lines,
    source,
    write_company_files,
    write_site,
)

# By Mathieu, Camille (the demo's employee) and Mathieu; each links to another one of them.
DUE = (replace(SPRING, link=NAMES.slug), NAMES, WINTER)


def project_copy(destination: Path) -> Path:
    """The files a fork runs the demo from, with the fixture blog as content: no state, no build
    output, no cache."""
    (destination / "pelicanconf.py").write_bytes((ROOT / "pelicanconf.py").read_bytes())
    # publishconf.py is read from its file by every step (pelicanconf.py is imported once per
    # process), so the fixture's company values (authors, name, house rules) go there.
    settings = (ROOT / "publishconf.py").read_text(encoding="utf-8")
    settings += "\n# The tests' fixture blog.\n" + "\n".join(settings_lines()) + "\n"
    (destination / "publishconf.py").write_text(settings, encoding="utf-8")
    for name in ("theme", "plugins"):
        (destination / name).symlink_to(ROOT / name)
    content = write_site(destination, DUE)
    (content / "state" / "posts").rmdir()  # no state: the demo keeps its own in .sandbox/
    (content / "state").rmdir()
    write_company_files(content)
    posts = content / "posts"
    # Two posts that wait: one scheduled for next month, one internal note kept off the networks.
    later = datetime.now(ZoneInfo(TIMEZONE)) + timedelta(days=30)
    scheduled = replace(WINTER, slug="atelier-ouvert", date=later.strftime("%Y-%m-%d %H:%M"))
    note = replace(WINTER, slug="note-a-l-equipe", extra={"Syndicate": "none"})
    for item in (scheduled, note):
        (posts / file_name(item)).write_text(source(item), encoding="utf-8")
    return destination


def due_keys(posts: tuple[FixturePost, ...]) -> set[str]:
    """The state keys of ``posts`` and of their translations."""
    return {
        f"{item.slug}.{lang}"
        for item in posts
        for lang in ("fr", "en")
        if lang == "fr" or item.english
    }


NETWORKS = ("bluesky", "mastodon", "x", "linkedin", "facebook", "threads", "instagram")


@pytest.mark.bluesky
@pytest.mark.mastodon
@pytest.mark.x
@pytest.mark.linkedin
@pytest.mark.meta
def test_demo_syndicates_gathers_comments_and_lists_them(
    tmp_path: Path,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    x_server: XServer,
    linkedin_server: LinkedInServer,
    meta_server: MetaServer,
) -> None:
    root = project_copy(tmp_path)
    info = SandboxInfo(
        bluesky=bluesky_network,
        mastodon=mastodon_server,
        x=x_server,
        linkedin=linkedin_server,
        meta=meta_server,
    )
    out = io.StringIO()
    port = free_port()

    site = demo.run(root, info, port=port, out=out, wait=False)

    assert site == f"http://localhost:{port}"
    store = StateStore(root / ".sandbox" / "state")
    states = {state.key: state for state in store.all()}
    # Every published post whose date has come and that did not opt out (the post dated in the
    # future and the internal note wait).
    posts = read_posts(load_settings(root / "publishconf.py"))
    expected = {post.key for post in posts if wants_syndication(post)}
    assert expected == due_keys(DUE) and set(states) == expected
    for state in states.values():
        for network in NETWORKS:
            assert state.copies[network].status is CopyStatus.PUBLISHED, (state.key, network)
    assert not (root / "content" / "state").exists()  # the repository's state is untouched

    commented = [s for s in states.values() if any(i.content_html for i in s.interactions.values())]
    # The readers comment on the demo's post when the blog has it, else on the first post.
    assert [s.key for s in commented] == [DEMO_POST if DEMO_POST in expected else min(expected)]
    readers = [i for i in commented[0].interactions.values() if not i.by_company]
    texts = {i.network: i.content_html for i in readers}
    assert "freins à disque" in texts["bluesky"] and "trois semaines" in texts["mastodon"]
    assert "vélos cargo" in texts["x"] and "vélos cargo" in texts["linkedin"]
    assert "rendez-vous en ligne" in texts["facebook"] and "vélo pliant" in texts["threads"]
    assert "assistance électrique" in texts["instagram"]

    slug = commented[0].key.removesuffix(".fr")
    page = (root / "output" / slug / "index.html").read_text(encoding="utf-8")
    assert "u-syndication" in page and "h-cite" in page
    assert "freins à disque" in page and "trois semaines" in page

    printed = out.getvalue()
    inbox = printed[printed.index("== The engagement desk") :]
    assert f"{len(NETWORKS)} comments waiting" in inbox
    assert "question" in inbox and "complaint" in inbox and "@lea.test" in inbox
    assert "Where to look" in printed and "invoke reply" in printed

    # People, not a logo: the sandbox's employee posts her own posts from her own accounts...
    handles = demo.employee_handles(info)
    hers = [post.key for post in posts if post.author == demo.EMPLOYEE and post.key in states]
    for key in hers:
        for network, handle in handles.items():
            account = states[key].copies[network].account
            assert handle.split(":")[-1] in account, (key, network, account)
    others = [post.key for post in posts if post.author != demo.EMPLOYEE and post.key in states]
    assert others and "camille" not in states[others[0]].copies["mastodon"].account
    # ... and answers a reader from her own Mastodon account, shown on the rebuilt page.
    answered = printed[printed.index(f"== {demo.EMPLOYEE} answers from her own account") :]
    assert "Answered on Mastodon from camille@" in answered, answered[:400]
    assert demo.ANSWER in html.unescape(page)
    # The links it prints to see each copy answer without logging in.
    where = printed[printed.index("Where to look") :]
    links = [line.split()[1] for line in where.splitlines() if line.startswith("    ")]
    assert len(links) == len(NETWORKS) * len(expected)
    for link in links[: len(NETWORKS)]:
        assert httpx.get(link, timeout=30).status_code == 200, link

    # A second demo on the same sandbox posts nothing again and leaves no second comment.
    before = {key: json.dumps(state.to_dict()["copies"]) for key, state in states.items()}
    demo.run(root, info, port=free_port(), out=io.StringIO(), wait=False)
    again = {state.key: state for state in store.all()}
    assert {key: json.dumps(state.to_dict()["copies"]) for key, state in again.items()} == before
    comments = [
        i
        for s in again.values()
        for i in s.interactions.values()
        if COMPLAINT[:20] in i.content_html
    ]
    assert len(comments) == 1
