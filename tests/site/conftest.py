"""Fixtures for the site tests: the fixture blog built once per session, with a conversation.

``site``: the real build (``Pelican(settings).run()``) of the fixture blog (``site_build``, from
``tests/content/fixture_site.py``, never the sample posts) into a temporary folder, with one
post's state file holding copies on both networks and a threaded conversation, and a moderation
file hiding one reply. ``rebuilt``: a second build of the same workspace into another folder, with
the card cache as the first build left it.
"""

from __future__ import annotations

import pytest
from site_build import (
    CONVERSATION_POST,
    BuiltSite,
    Rebuild,
    build,
    conversation_state,
    copy_content,
    source_posts,
    write_state,
)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The fixture blog, built once for the session with the project's settings and plugin."""
    workspace = tmp_path_factory.mktemp("site")
    content = copy_content(workspace)
    write_state(content, CONVERSATION_POST, conversation_state().to_dict())
    (content / "moderation.toml").write_text(
        'blocked_accounts = []\nblocked_domains = []\nhidden_items = ["mastodon:1300"]\n',
        encoding="utf-8",
    )
    output = workspace / "output"
    build(workspace, output)
    return BuiltSite(workspace, output, tuple(source_posts(content)))


@pytest.fixture(scope="session")
def rebuilt(site: BuiltSite) -> Rebuild:
    """The same site built a second time, into another folder, with the same card cache."""
    cache = site.workspace / "card-cache"
    before = {path.name: path.stat().st_ino for path in cache.glob("*.png")}
    output = site.workspace / "output-again"
    build(site.workspace, output)
    return Rebuild(BuiltSite(site.workspace, output, site.posts), before)
