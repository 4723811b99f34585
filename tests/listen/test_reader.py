"""The feed reader's bounds, through httpx's transport seam: what a hostile or broken host sends
never gets further than one sentence."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from syndication.listen import feeds
from syndication.listen.sources import Feed
from syndication.listen.store import SourceState

FEED = Feed("Hostile", "http://hostile.test/feed.xml")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class Endless(httpx.AsyncByteStream):
    """A body with no Content-Length that never ends (a chunked answer)."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.sent += 65536
            yield b"<rss>" + b" " * 65531


def read(handler: httpx.MockTransport) -> feeds.Fetched:
    async def main() -> feeds.Fetched:
        async with feeds.client(handler) as client:
            return await feeds.fetch(client, FEED, SourceState())

    return asyncio.run(main())


def test_a_chunked_body_is_dropped_once_over_the_limit() -> None:
    body = Endless()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    with pytest.raises(feeds.FeedFailure, match=r"is over 4 MB, so it was not read\.$"):
        read(transport)
    assert body.sent <= feeds.MAX_BYTES + 65536  # it stopped reading, it did not drain it


def test_a_body_that_names_a_local_file_is_not_read_as_one(tmp_path: object) -> None:
    # Given bytes, feedparser would try them as a file name first: the reader gives it a stream.
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"/etc/passwd"))
    fetched = read(transport)
    with pytest.raises(feeds.FeedFailure, match="sent something that is not a feed"):
        feeds.parse(fetched, FEED, NOW)


def test_an_entrys_markup_is_plain_text_and_its_link_canonical() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-11-30T10:00:00Z</updated>
<entry><title type="html">&lt;b&gt;V&#xE9;los&lt;/b&gt; Bor&#xE9;al</title><id>urn:1</id>
<link href="HTTPS://Journal.Example/a?b=2&amp;utm_source=x&amp;a=1&amp;fbclid=y#haut"/>
<updated>2026-11-30T10:00:00Z</updated>
<content type="html">&lt;p&gt;Un&lt;/p&gt;&lt;p&gt;texte&lt;script&gt;alert(1)&lt;/script&gt;
&lt;img src=x onerror=alert(1)&gt;&lt;/p&gt;</content>
</entry></feed>"""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=atom, headers={"ETag": '"v1"'})
    )
    fetched = read(transport)
    assert fetched.etag == '"v1"'
    [article] = feeds.parse(fetched, FEED, NOW)
    assert article.title == "Vélos Boréal"
    assert article.text == "Un texte"
    assert article.url == article.native_id == "https://journal.example/a?a=1&b=2"
    assert article.published_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_validators_go_back_and_a_304_is_unchanged() -> None:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(304)

    async def main() -> feeds.Fetched:
        async with feeds.client(httpx.MockTransport(answer)) as client:
            state = SourceState(etag='"v1"', last_modified="Mon, 30 Nov 2026 10:00:00 GMT")
            return await feeds.fetch(client, FEED, state)

    fetched = asyncio.run(main())
    assert fetched.unchanged and fetched.etag == '"v1"'
    assert seen[0]["If-None-Match"] == '"v1"'
    assert seen[0]["If-Modified-Since"] == "Mon, 30 Nov 2026 10:00:00 GMT"
