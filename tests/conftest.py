"""Session fixtures every networked test shares: the real local peers, started once per session.

``bluesky_network``: Bluesky's own PLC, PDS and AppView (``@atproto/dev-env``) with demo accounts;
``.pds_url``, ``.appview_url``, ``.accounts`` (``.brand``, ``.readers``, ``.account("lea")``) and
``.process()`` to let the AppView index every write so far. ``mastodon_server``: the Mastodon peer
(mastodon-mock) with ``.base_url``, ``.brand_token`` and ``.tokens`` by username.
``linkedin_server``: our double of LinkedIn's REST API (``sandbox/linkedin_api.py``) with
``.base_url``, ``.organization``, ``.brand_token`` and control helpers (``.fault``, ``.comment``).
``x_server``: our double of X's API v2 (``sandbox/x_api.py``) with ``.base_url``, the app's
``.consumer_key`` and ``.consumer_secret``, ``.accounts`` (``.brand``, ``.readers``,
``.account("lea")``, each with its access token and secret) and control helpers (``.fault``,
``.protect``, ``.backdate``, ``.requests``, ``.reset_requests``).
``meta_server``: our double of Meta's Graph API (``sandbox/meta_api.py``) with ``.base_url``,
``.page_id``, ``.page_token``, ``.readers`` and control helpers (``.fault``, ``.comment``,
``.react``, ``.hide``, ``.delete``, ``.expire``, ``.count_posts_linking_to``, ``.requests``).

They listen on free loopback ports with their files in the session's temporary folder, so they
never meet a sandbox started by ``invoke sandbox``. When a peer cannot start (Node 22 missing, say)
the fixture fails with the reason: a networked test is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from sandbox import bluesky, linkedin, mastodon, meta, x
from sandbox.bluesky import BlueskyNetwork, Ports
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.processes import SandboxError, free_port
from sandbox.x import XServer

Peer = TypeVar("Peer")


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyNetwork]:
    """The real local Bluesky network, started once for the session and stopped after it."""
    home = tmp_path_factory.mktemp("bluesky-network")
    ports = Ports(plc=free_port(), pds=free_port(), appview=free_port(), control=free_port())
    try:
        network = bluesky.start(home, ports)
    except SandboxError as error:
        failure = f"The local Bluesky network could not start: {error}"
    else:
        failure = ""
    if failure:  # failed outside the except block, so the report is the sentence alone
        pytest.fail(failure, pytrace=False)
    try:
        yield network
    finally:
        bluesky.stop(home)


def _peer(
    factory: pytest.TempPathFactory,
    name: str,
    label: str,
    start: Callable[[Path, int], Peer],
    stop: Callable[[Path], None],
) -> Iterator[Peer]:
    """Start a peer on a free port in its own folder, yield it, stop it whatever happens."""
    home = factory.mktemp(name)
    try:
        peer = start(home, free_port())
    except SandboxError as error:
        failure = f"The local {label} could not start: {error}"
    else:
        failure = ""
    if failure:  # failed outside the except block, so the report is the sentence alone
        pytest.fail(failure, pytrace=False)
    try:
        yield peer
    finally:
        stop(home)


@pytest.fixture(scope="session")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastodonServer]:
    """The local Mastodon peer, started once for the session and stopped after it."""
    yield from _peer(
        tmp_path_factory, "mastodon-server", "Mastodon peer", mastodon.start, mastodon.stop
    )


@pytest.fixture(scope="session")
def linkedin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkedInServer]:
    """The local LinkedIn double, started once for the session and stopped after it."""
    yield from _peer(
        tmp_path_factory, "linkedin-server", "LinkedIn double", linkedin.start, linkedin.stop
    )


@pytest.fixture(scope="session")
def x_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServer]:
    """The local X double, started once for the session and stopped after it."""
    yield from _peer(tmp_path_factory, "x-server", "X double", x.start, x.stop)


@pytest.fixture(scope="session")
def meta_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetaServer]:
    """The local Meta Graph API double, started once for the session and stopped after it."""
    yield from _peer(tmp_path_factory, "meta-server", "Meta Graph double", meta.start, meta.stop)
