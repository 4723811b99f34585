"""`invoke demo` end to end: the sample posts reach every local network, readers comment, the desk
lists them and the rebuilt site shows the conversation.

The demo runs in a copy of the project (its settings, content, theme and plugin), against the
session's real local networks, so the repository's own state and the user's sandbox are never
touched.
"""

from __future__ import annotations

import html
import io
import json
import shutil
from pathlib import Path

import httpx
import pytest

from sandbox import SandboxInfo, demo
from sandbox.bluesky import BlueskyNetwork
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.processes import free_port
from sandbox.readers import COMPLAINT
from sandbox.x import XServer
from syndication.model import CopyStatus
from syndication.posts import load_settings, read_posts, wants_syndication
from syndication.store.state import StateStore

ROOT = Path(__file__).resolve().parents[2]


def project_copy(destination: Path) -> Path:
    """The files a fork runs the demo from, without state, build output or caches."""
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy2(ROOT / name, destination / name)
    for name in ("theme", "plugins"):
        (destination / name).symlink_to(ROOT / name)
    shutil.copytree(
        ROOT / "content", destination / "content", ignore=shutil.ignore_patterns("state")
    )
    return destination


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
    # Every published post whose date has come and that did not opt out (a draft, a post dated in
    # the future and an internal note wait).
    posts = read_posts(load_settings(root / "publishconf.py"))
    expected = {post.key for post in posts if wants_syndication(post)}
    assert len(expected) >= 8 and set(states) == expected
    for state in states.values():
        for network in NETWORKS:
            assert state.copies[network].status is CopyStatus.PUBLISHED, (state.key, network)
    assert not (root / "content" / "state").exists()  # the repository's state is untouched

    commented = [s for s in states.values() if any(i.content_html for i in s.interactions.values())]
    assert [s.key for s in commented] == ["mise-au-point-du-printemps.fr"]
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
