"""The networks' own post searches, asked only for what is newer than the last run.

A network whose declaration says ``searchable`` has an adapter that is a ``base.Searcher``
(Bluesky's ``app.bsky.feed.searchPosts``, Mastodon's ``/api/v2/search``: each client's
``search`` links its reference page). The search reuses the adapter (login, session renewal,
retries and ``Retry-After``, errors as one sentence) and its converters, so a post found by a
search is the same ``Interaction`` (kind ``mention``) the backfeed would make, and can be answered
with ``invoke reply`` like any comment. The company's own posts are left out. A search that found
nothing is not an error: some servers search only where their search engine runs.
"""

from __future__ import annotations

import httpx

from syndication.config import Authors
from syndication.networks.base import Found, Searcher
from syndication.networks.registry import adapter_for, network
from syndication.networks.spec import AccountSettings

__all__ = ["Found", "Searcher", "searcher"]


def searcher(
    settings: AccountSettings, client: httpx.AsyncClient, authors: Authors
) -> Searcher | None:
    """The search client of a configured network; None for a network Agora cannot search."""
    if not network(settings.network).searchable:
        return None
    adapter = adapter_for(settings, client, authors)
    return adapter if isinstance(adapter, Searcher) else None
