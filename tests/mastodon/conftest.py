"""Mastodon adapter tests: every test here is marked ``mastodon``; the fixtures they share.

Flows and errors run against the local peer (``mastodon_server`` in ``tests/conftest.py``);
shapes are checked on real recorded responses (``fixtures/``). Every request the adapter sends in
these tests goes through ``Recorder`` and is checked against the Mastodon OpenAPI description.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mastodon_support import Peer, Recorder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.mastodon)


@pytest.fixture(scope="session")
def mastodon_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of the local Mastodon peer (mastodon-mock).

    ``mastodon_server`` (tests/conftest.py, the sandbox) is the peer when it is there; until it
    is, the same package is started here, on loopback, for this session only.
    """
    try:
        server = request.getfixturevalue("mastodon_server")
    except pytest.FixtureLookupError:
        from mastodon_mock.testing.server import MockServer

        with MockServer() as own:
            yield str(own.base_url).rstrip("/")
        return
    yield str(getattr(server, "base_url", server)).rstrip("/")


@pytest.fixture
def peer(mastodon_url: str) -> Iterator[Peer]:
    with httpx.Client(base_url=mastodon_url, timeout=10) as http:
        world = Peer(mastodon_url, http)
        yield world
        world.clear_faults()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """The transport of the adapter's client: every request it sends is checked at the end."""
    transport = Recorder(httpx.AsyncHTTPTransport())
    yield transport
    transport.assert_valid()
