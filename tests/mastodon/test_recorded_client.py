"""The adapter's paths that mastodon-mock 0.6.1 cannot show, replayed from real recorded answers.

mastodon-mock sends no ``Link`` header on ``favourited_by``/``reblogged_by``, raises no ``quote``
notification, has no server older than 4.5 (``/quotes`` answering 404) and never fails on
``/api/v2/instance``: those paths are driven here through ``httpx.MockTransport`` with the
responses Mastodon.py recorded from a real server (``fixtures/``). Requests are checked against
the OpenAPI description as on the peer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from mastodon_recorded import RECORDED_BASE, body, recorded
from mastodon_support import Recorder, draft

from syndication.model import Copy, CopyStatus, InteractionKind
from syndication.networks.base import RetryPolicy
from syndication.networks.mastodon import MastodonSettings
from syndication.networks.mastodon.client import MastodonClient

T = TypeVar("T")
Routes = dict[str, Callable[[httpx.Request], httpx.Response]]


def serve(routes: Routes) -> Recorder:
    """A recording transport answering ``METHOD /path`` from ``routes`` (404 otherwise)."""

    def handler(request: httpx.Request) -> httpx.Response:
        route = routes.get(f"{request.method} {request.url.path}")
        if route is None:
            return httpx.Response(404, json={"error": "Record not found"})
        return route(request)

    return Recorder(httpx.MockTransport(handler))


def run(transport: Recorder, job: Callable[[MastodonClient], Awaitable[T]]) -> T:
    async def no_sleep(seconds: float) -> None:
        return None

    async def go() -> T:
        # The account is named (AGORA_MASTODON_ACCOUNT), as the recorded server's own user.
        acct = str(body("verify_credentials")["acct"])
        settings = MastodonSettings(
            base_url=RECORDED_BASE, access_token="recorded-token", acct=acct
        )
        async with httpx.AsyncClient(transport=transport) as client:
            adapter = MastodonClient(
                settings, client, policy=RetryPolicy(attempts=2), sleep=no_sleep
            )
            return await job(adapter)

    result = asyncio.run(go())
    transport.assert_valid()
    return result


def answer(data: Any, link: str = "") -> Callable[[httpx.Request], httpx.Response]:
    headers = {"Link": link} if link else {}
    return lambda request: httpx.Response(200, json=data, headers=headers)


ROOT = body("status_root")
COPY = Copy(
    network="mastodon",
    status=CopyStatus.PUBLISHED,
    key="k",
    intent_at=datetime(2026, 10, 14, tzinfo=UTC),
    id=ROOT["id"],
    published_at=datetime(2026, 10, 14, 19, 6, 41, tzinfo=UTC),
)


def test_likes_and_boosts_follow_link_pages_on_the_same_instance_only() -> None:
    base = f"{RECORDED_BASE}/api/v1/statuses/{ROOT['id']}"
    second_page = {"count": 0}

    def favourited(request: httpx.Request) -> httpx.Response:
        if "max_id" in request.url.params:
            second_page["count"] += 1
            return httpx.Response(200, json=body("reblogged_by"))  # another real account
        link = f'<{base}/favourited_by?max_id=3>; rel="next", ' + recorded("favourited_by")["link"]
        return httpx.Response(200, json=body("favourited_by"), headers={"Link": link})

    transport = serve(
        {
            f"GET /api/v1/statuses/{ROOT['id']}/context": answer(
                {"ancestors": [], "descendants": [body("status_reply")]}
            ),
            f"GET /api/v1/statuses/{ROOT['id']}/favourited_by": favourited,
            f"GET /api/v1/statuses/{ROOT['id']}/reblogged_by": answer(
                body("reblogged_by"),
                link='<https://elsewhere.example/steal?max_id=1>; rel="next"',
            ),
        }
    )
    items = run(transport, lambda adapter: adapter.conversation(COPY))
    likes = [item.author.name for item in items if item.kind is InteractionKind.LIKE]
    assert likes == ["John Lennon", "mastodonpy_test_2"]
    assert second_page["count"] == 1
    assert all(r.url.host == "localhost" for r in transport.requests)  # the token stays home
    # /quotes answered 404 (a server before 4.5): no quotes, and no failure.
    assert "GET " + f"/api/v1/statuses/{ROOT['id']}/quotes" in transport.calls()
    assert [item.kind for item in items].count(InteractionKind.REPLY) == 1


def test_an_older_server_is_asked_for_counts_and_quotes_once_per_run() -> None:
    thread = f"/api/v1/statuses/{ROOT['id']}"
    transport = serve(
        {
            f"GET {thread}/context": answer({"ancestors": [], "descendants": []}),
            f"GET {thread}/favourited_by": answer(body("favourited_by")),
            f"GET {thread}/reblogged_by": answer([]),
        }
    )

    async def job(adapter: MastodonClient) -> list[object]:
        counted = [await adapter.counts([COPY]), await adapter.counts([COPY])]
        await adapter.conversation(COPY)
        items = await adapter.conversation(COPY)
        return [*counted, len(items)]

    # Before 4.3 there is no batch read (404): every list is read, as before; before 4.5 there
    # is no /quotes (404): no quotes, and it is not asked again.
    assert run(transport, job) == [None, None, len(body("favourited_by"))]
    calls = transport.calls()
    assert calls.count("GET /api/v1/statuses") == 1
    assert calls.count(f"GET {thread}/quotes") == 1
    assert calls.count(f"GET {thread}/context") == 2


def test_a_quote_notification_from_a_45_server() -> None:
    [mention] = body("notifications_mention")
    quote = mention | {"id": "22", "type": "quote", "status": body("status_quote")}
    transport = serve({"GET /api/v1/notifications": answer([quote, mention])})
    activities, cursor = run(transport, lambda adapter: adapter.notifications("20"))
    assert [a.kind for a in activities] == [InteractionKind.MENTION, InteractionKind.QUOTE]
    assert activities[1].subject_id == "117440826455183695"
    assert cursor == "22"


def test_notification_pages_stop_at_the_cursor() -> None:
    [mention] = body("notifications_mention")
    newest = [mention | {"id": str(n)} for n in (45, 44)]
    older = [mention | {"id": str(n)} for n in (43, 42, 41)]
    pages = {"count": 0}

    def notifications(request: httpx.Request) -> httpx.Response:
        pages["count"] += 1
        if "max_id" not in request.url.params:
            link = f'<{RECORDED_BASE}/api/v1/notifications?max_id=44&since_id=42>; rel="next"'
            return httpx.Response(200, json=newest, headers={"Link": link})
        return httpx.Response(200, json=older)  # a server that ignores since_id on page 2

    transport = serve({"GET /api/v1/notifications": notifications})
    activities, cursor = run(transport, lambda adapter: adapter.notifications("42"))
    assert [a.item_id for a in activities] == [mention["status"]["id"]] * 3  # 43, 44, 45
    assert cursor == "45"
    assert pages["count"] == 2


def test_limits_fall_back_when_the_instance_fails() -> None:
    transport = serve(
        {"GET /api/v2/instance": lambda request: httpx.Response(503, json={"error": "down"})}
    )
    limits = run(transport, lambda adapter: adapter.text_limits())
    assert (limits.max_characters, limits.url_weight) == (500, 23)


def test_limits_read_from_the_recorded_instance() -> None:
    transport = serve({"GET /api/v2/instance": answer(body("instance_v2"))})
    limits = run(transport, lambda adapter: adapter.text_limits())
    assert (limits.max_characters, limits.url_weight) == (500, 23)


def test_reconcile_on_the_recorded_account_statuses() -> None:
    statuses = body("account_statuses")
    statuses[0]["card"] = {"url": "https://blog.example.com/fr/velo-hiver/"}
    transport = serve(
        {
            "GET /api/v1/accounts/verify_credentials": answer(body("verify_credentials")),
            f"GET /api/v1/accounts/{body('verify_credentials')['id']}/statuses": answer(statuses),
        }
    )
    found = run(transport, lambda adapter: adapter.find_published("k", draft("x")))
    assert found is not None and found.id == statuses[0]["id"]
