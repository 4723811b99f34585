"""The retry path only, through ``httpx.MockTransport``: 429 with Retry-After, 500 then 200, and
an expired session renewed once. Everything else runs against the real local network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from syndication.errors import RateLimited
from syndication.model import Copy, CopyStatus, utc_now
from syndication.networks.base import RetryPolicy
from syndication.networks.bluesky import BlueskySettings
from syndication.networks.bluesky.client import BlueskyClient

SERVICE = "https://pds.example.test"
DID = "did:plc:brand"
POST = f"at://{DID}/app.bsky.feed.post/3kabcdefghi22"
SESSION = {"did": DID, "handle": "brand.test", "accessJwt": "access-1", "refreshJwt": "refresh-1"}
THREAD = {
    "thread": {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": {"uri": POST, "cid": "bafy", "author": {"did": DID, "handle": "brand.test"}},
        "replies": [],
    }
}
EMPTY = {"likes": [], "repostedBy": [], "posts": []}
Handler = Callable[[httpx.Request], httpx.Response]


def serve(answers: dict[str, list[httpx.Response]], seen: list[str]) -> Handler:
    """Answer each XRPC method from its queue (the last answer repeats)."""

    def handle(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[1]
        seen.append(f"{method} {request.headers.get('authorization', '')}")
        queue = answers[method]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handle


def conversation(handler: Handler, sleeps: list[float]) -> int:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = BlueskyClient(
                BlueskySettings(SERVICE, "brand.test", "app-pass-word"),
                http,
                policy=RetryPolicy(attempts=3, max_retry_after=30),
                sleep=fake_sleep,
            )
            copy = Copy("bluesky", CopyStatus.PUBLISHED, "k", utc_now(), id=POST)
            return len(await client.conversation(copy))

    return asyncio.run(main())


def answers(thread: list[httpx.Response]) -> dict[str, list[httpx.Response]]:
    return {
        "com.atproto.server.createSession": [httpx.Response(200, json=SESSION)],
        "com.atproto.server.refreshSession": [
            httpx.Response(200, json={**SESSION, "accessJwt": "access-2"})
        ],
        "app.bsky.feed.getPostThread": thread,
        "app.bsky.feed.getLikes": [httpx.Response(200, json=EMPTY)],
        "app.bsky.feed.getRepostedBy": [httpx.Response(200, json=EMPTY)],
        "app.bsky.feed.getQuotes": [httpx.Response(200, json=EMPTY)],
    }


def test_429_waits_as_asked_then_succeeds() -> None:
    seen: list[str] = []
    sleeps: list[float] = []
    limited = httpx.Response(429, headers={"retry-after": "7"}, json={"error": "RateLimitExceeded"})
    handler = serve(answers([limited, httpx.Response(200, json=THREAD)]), seen)
    assert conversation(handler, sleeps) == 0
    assert sleeps == [7.0]
    assert [s for s in seen if "getPostThread" in s] == [
        "app.bsky.feed.getPostThread Bearer access-1"
    ] * 2


def test_429_beyond_the_bound_is_reported() -> None:
    reset = str(int(utc_now().timestamp()) + 3600)  # Bluesky's ratelimit-reset: epoch seconds
    limited = httpx.Response(
        429, headers={"ratelimit-reset": reset}, json={"error": "RateLimitExceeded"}
    )
    sleeps: list[float] = []
    with pytest.raises(RateLimited) as caught:
        conversation(serve(answers([limited]), []), sleeps)
    assert caught.value.retry_after is not None and caught.value.retry_after > 3000
    assert sleeps == []


def test_500_then_200_is_retried_with_backoff() -> None:
    seen: list[str] = []
    sleeps: list[float] = []
    failing = httpx.Response(500, json={"error": "InternalServerError"})
    handler = serve(answers([failing, httpx.Response(200, json=THREAD)]), seen)
    assert conversation(handler, sleeps) == 0
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.5


def test_an_expired_session_is_refreshed_once() -> None:
    seen: list[str] = []
    expired = httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
    handler = serve(answers([expired, httpx.Response(200, json=THREAD)]), seen)
    assert conversation(handler, []) == 0
    calls = [s.split(" ", 1)[0] for s in seen]
    assert calls.count("com.atproto.server.createSession") == 1  # no second password login
    assert calls.count("com.atproto.server.refreshSession") == 1
    assert seen[calls.index("com.atproto.server.refreshSession")].endswith("refresh-1")
    assert "app.bsky.feed.getLikes Bearer access-2" in seen
    assert json.dumps(seen).count("app-pass-word") == 0
