"""The networks' own post searches, asked only for what is newer than the last run.

- **Bluesky**: ``app.bsky.feed.searchPosts`` (https://docs.bsky.app/docs/api/app-bsky-feed-search-posts),
  called logged in through the brand's PDS, which forwards it to its AppView: Bluesky's public
  AppView refuses search to logged-out callers since 2025. ``sort=latest`` and ``since`` (the
  newest post of the last run) keep it to new posts.
- **Mastodon**: ``GET /api/v2/search?type=statuses`` (https://docs.joinmastodon.org/methods/search/),
  with the brand's token and ``min_id`` (the newest status of the last run). A full-text search
  of statuses exists only where the instance runs its search engine; elsewhere it finds nothing,
  or only the account's own posts, which is why a search that found nothing is not an error.

Both reuse the adapters' clients (login, session renewal, retries and ``Retry-After``, errors as
one sentence) by subclassing them, and their pure converters, so a post found by a search is the
same ``Interaction`` (kind ``mention``) the backfeed would make, and can be answered with
``invoke reply`` like any comment. The company's own posts are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from syndication.config import Authors
from syndication.listen.feeds import plain_text
from syndication.model import Interaction, InteractionKind
from syndication.networks.bluesky import convert as bluesky_convert
from syndication.networks.bluesky.client import BlueskyClient
from syndication.networks.bluesky.settings import BlueskySettings
from syndication.networks.mastodon import convert as mastodon_convert
from syndication.networks.mastodon.client import MastodonClient
from syndication.networks.mastodon.settings import MastodonSettings
from syndication.networks.registry import company_accounts
from syndication.networks.spec import AccountSettings

BLUESKY_LIMIT = 50  # posts per search and run (searchPosts allows up to 100)
MASTODON_LIMIT = 40  # statuses per search and run (Mastodon's maximum)


@dataclass(frozen=True)
class Found:
    """What one search found, and the cursor to give the next run (newest post seen)."""

    posts: list[Interaction]
    newest: str


class BlueskySearch(BlueskyClient):
    """The brand's Bluesky client, with the post search."""

    async def search(self, query: str, newest: str) -> Found:
        """Posts matching ``query`` created after ``newest`` (an ISO time; "" on a first run)."""
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": BLUESKY_LIMIT}
        if newest:
            params["since"] = newest
        body = await self._object("GET", "app.bsky.feed.searchPosts", params=params)
        posts = []
        raw = body.get("posts")
        for view in raw if isinstance(raw, list) else []:
            if not isinstance(view, dict):
                continue
            item = bluesky_convert.interaction_from_post_view(
                view, InteractionKind.MENTION, "", self.view
            )
            if item is None or item.by_company:
                continue
            moment = bluesky_convert.format_time_micro(item.published_at)
            if newest and moment < newest:  # a server that ignores ``since``
                continue
            posts.append(item)
        latest = max((bluesky_convert.format_time_micro(p.published_at) for p in posts), default="")
        return Found(posts, max(latest, newest))


def _status_number(status_id: str) -> int:
    return int(status_id) if status_id.isdigit() else -1


class MastodonSearch(MastodonClient):
    """The brand's Mastodon client, with the status search."""

    async def search(self, query: str, newest: str) -> Found:
        """Public statuses matching ``query`` newer than the status id ``newest``."""
        await self._know_self()  # the brand's own statuses are recognised and left out
        params: dict[str, Any] = {"q": query, "type": "statuses", "limit": MASTODON_LIMIT}
        if newest:
            params["min_id"] = newest
        body = await self._object("GET", "/api/v2/search", params=params)
        posts = []
        raw = body.get("statuses")
        for status in raw if isinstance(raw, list) else []:
            if not isinstance(status, dict) or not status.get("id"):
                continue
            if newest and _status_number(str(status["id"])) <= _status_number(newest):
                continue  # an instance that ignores ``min_id``
            item = mastodon_convert.interaction_from_status(
                status, InteractionKind.MENTION, self.view
            )
            if item is None or item.by_company:
                continue
            text = plain_text(item.content_html)  # Mastodon's HTML, as readable text
            posts.append(
                Interaction(
                    network=item.network,
                    kind=item.kind,
                    id=item.id,
                    author=item.author,
                    published_at=item.published_at,
                    url=item.url,
                    content_text=text,
                    summary=item.summary,
                    lang=item.lang,
                )
            )
        latest = max((p.id for p in posts), key=_status_number, default="")
        return Found(posts, max(latest, newest, key=_status_number) if latest else newest)


Searcher = BlueskySearch | MastodonSearch


def searcher(
    settings: AccountSettings, client: httpx.AsyncClient, authors: Authors
) -> Searcher | None:
    """The search client of a configured network; None for a network Agora cannot search."""
    if isinstance(settings, BlueskySettings):
        return BlueskySearch(
            settings, client, company_handles=company_accounts(settings.network, authors)
        )
    if isinstance(settings, MastodonSettings):
        return MastodonSearch(
            settings, client, company_accounts=company_accounts(settings.network, authors)
        )
    return None
