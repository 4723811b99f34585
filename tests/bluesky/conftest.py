"""Bluesky adapter tests: every test here is marked ``bluesky``; the fixtures they share.

Flows run against the real local network (``bluesky_network`` in ``tests/conftest.py``: Bluesky's
own PLC, PDS and AppView); converters run on responses recorded from it (``fixtures/``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bluesky_players import Player

from sandbox.bluesky import BlueskyNetwork


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.bluesky)


@pytest.fixture(scope="session")
def players(bluesky_network: BlueskyNetwork) -> dict[str, Player]:
    """Every demo account as a player, by the first part of its handle (``brand`` for the brand)."""
    found = {
        account.handle.split(".")[0]: Player(
            bluesky_network.pds_url, account.handle, account.app_password
        )
        for account in bluesky_network.accounts
    }
    found["brand"] = found[bluesky_network.brand.handle.split(".")[0]]
    return found
