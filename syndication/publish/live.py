"""Is a post live? Its URL answers 200 and its page carries its OpenGraph tags.

A network that fetches a link card caches what it saw (DESIGN.md, principle 2): nothing is
announced before its page is up. The card sent along is what the page itself says (``og:title``,
``og:description``, ``og:image``), so the preview matches the site exactly. Only GET requests to
the site itself, concurrently over posts, each with a short timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx

logger = logging.getLogger(__name__)

LIVE_TIMEOUT_SECONDS = 10.0
DEFAULT_CONCURRENCY = 8
REQUIRED_TAGS = ("og:title", "og:url")


class _OpenGraphParser(HTMLParser):
    """Collects ``<meta property="og:…" content="…">`` (first value of each wins)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {name: value or "" for name, value in attrs}
        name = values.get("property") or values.get("name") or ""
        if name.startswith("og:") and "content" in values and name not in self.tags:
            self.tags[name] = values["content"].strip()


def parse_opengraph(page: str) -> dict[str, str]:
    """Every ``og:*`` tag of an HTML page, by property name."""
    parser = _OpenGraphParser()
    parser.feed(page)
    parser.close()
    return parser.tags


@dataclass(frozen=True)
class PageCard:
    """What the live page says about itself: the link card a network should show."""

    url: str
    title: str
    description: str = ""
    image_url: str | None = None
    image_alt: str = ""


@dataclass(frozen=True)
class Liveness:
    """The answer to "is this post live?", with the reason when it is not."""

    url: str
    live: bool
    reason: str = ""  # one phrase when not live: "answers 404", "has no og:title"
    card: PageCard | None = None


def card_from_tags(tags: dict[str, str]) -> PageCard:
    """The card from a page's OpenGraph tags (``og:title`` and ``og:url`` are present)."""
    return PageCard(
        url=tags["og:url"],
        title=tags["og:title"],
        description=tags.get("og:description", ""),
        image_url=tags.get("og:image") or None,
        image_alt=tags.get("og:image:alt", ""),
    )


async def check_live(
    client: httpx.AsyncClient, url: str, timeout: float = LIVE_TIMEOUT_SECONDS
) -> Liveness:
    """Whether ``url`` answers 200 with ``og:title`` and ``og:url``; never raises for the site."""
    try:
        response = await client.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as error:
        return Liveness(url, False, f"does not answer ({type(error).__name__})")
    if response.status_code != 200:
        return Liveness(url, False, f"answers {response.status_code}")
    tags = parse_opengraph(response.text)
    missing = [name for name in REQUIRED_TAGS if not tags.get(name)]
    if missing:
        return Liveness(url, False, f"answers 200 but has no {' or '.join(missing)}")
    return Liveness(url, True, card=card_from_tags(tags))


async def check_all(
    client: httpx.AsyncClient,
    urls: Iterable[str],
    *,
    timeout: float = LIVE_TIMEOUT_SECONDS,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> dict[str, Liveness]:
    """``check_live`` for every URL, a bounded number in flight, by URL."""
    gate = asyncio.Semaphore(concurrency)

    async def one(url: str) -> Liveness:
        async with gate:
            result = await check_live(client, url, timeout)
        if not result.live:
            logger.info("%s is not live yet: it %s", url, result.reason)
        return result

    unique = list(dict.fromkeys(urls))
    results = await asyncio.gather(*(one(url) for url in unique))
    return dict(zip(unique, results, strict=True))
