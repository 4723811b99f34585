"""One module per network (``bluesky``, ``mastodon``), their shared plumbing in ``base``.

``publisher_for`` is the one place that maps a network's settings to its adapter class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from syndication.config import NetworkSettings
    from syndication.networks.base import Publisher


def publisher_for(settings: NetworkSettings, client: httpx.AsyncClient) -> Publisher:
    """The adapter that publishes for the account ``settings`` through ``client``."""
    # Imported here: the adapters import ``syndication.networks.base``, which loads this package.
    from syndication.config import BlueskySettings
    from syndication.networks.bluesky import BlueskyClient
    from syndication.networks.mastodon import MastodonClient

    if isinstance(settings, BlueskySettings):
        return BlueskyClient(settings, client)
    return MastodonClient(settings, client)


__all__ = ["publisher_for"]
