"""One module per network (``bluesky``, ``mastodon``), their shared plumbing in ``base``.

``adapter_for`` is the one place that maps a network's settings to its adapter class; each adapter
is at once ``Publisher``, ``Replier`` and ``Reader`` (``syndication.networks.base``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from syndication.config import NetworkSettings
    from syndication.networks.base import Publisher
    from syndication.networks.bluesky import BlueskyClient
    from syndication.networks.mastodon import MastodonClient

    Adapter = BlueskyClient | MastodonClient


def company_accounts(network: str, authors: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The employees' own handles on ``network`` (``AGORA_AUTHORS``), in a stable order.

    Their answers count as the company's, even when made by hand on the network.
    """
    handles = (str(profile.get(network, "")).strip().lstrip("@") for profile in authors.values())
    return sorted({handle for handle in handles if handle})


def adapter_for(
    settings: NetworkSettings,
    client: httpx.AsyncClient,
    authors: Mapping[str, Mapping[str, str]] | None = None,
) -> Adapter:
    """The adapter for ``settings``; ``authors`` say whose answers are the company's."""
    # Imported here: the adapters import ``syndication.networks.base``, which loads this package.
    from syndication.config import BlueskySettings
    from syndication.networks.bluesky import BlueskyClient
    from syndication.networks.mastodon import MastodonClient

    company = company_accounts(settings.network, authors or {})
    if isinstance(settings, BlueskySettings):
        return BlueskyClient(settings, client, company_handles=company)
    return MastodonClient(settings, client, company_accounts=company)


def publisher_for(settings: NetworkSettings, client: httpx.AsyncClient) -> Publisher:
    """The adapter that publishes for the account ``settings`` through ``client``."""
    return adapter_for(settings, client)


__all__ = ["adapter_for", "company_accounts", "publisher_for"]
