"""What X answers when something is wrong becomes one sentence, and nothing is posted twice.

X is scripted here with ``httpx.MockTransport`` answering X's own problem documents, and every
exchange (the adapter's requests and these answers) is checked against X's OpenAPI description
(``x_openapi.ValidatingTransport``), so the script cannot drift from what X sends.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from secrets import token_hex

import httpx
import pytest
from x_openapi import ValidatingTransport, response_errors

from syndication import secrets
from syndication.errors import AuthError, RateLimited, Rejected, Unavailable
from syndication.model import Post
from syndication.networks.base import Draft, RetryPolicy
from syndication.networks.x import XSettings
from syndication.networks.x.client import XClient

Handler = Callable[[httpx.Request], httpx.Response]
SETTINGS = XSettings(
    api_url="https://api.x.com",
    handle="velosboreal",
    # Throw-away values made at each run: the key and token travel in the header, never the
    # two secrets.
    consumer_key=f"ck{token_hex(6)}",
    consumer_secret=f"never-shown-{token_hex(6)}",
    access_token=f"1-{token_hex(6)}",
    access_token_secret=f"never-shown-{token_hex(6)}",
)
PAGE_URL = "https://blogue.velosboreal.com/freins/"
POST = Post(
    key="freins.fr",
    slug="freins",
    lang="fr",
    title="Freins",
    summary="",
    url=PAGE_URL,
    date=datetime(2026, 11, 30, tzinfo=UTC),
    author="Camille Tremblay",
)
DRAFT = Draft(
    network="x",
    post=POST,
    text=f"Freins — Camille\n\n{PAGE_URL}",
    length=42,
    limit=280,
    truncated=False,
    card=None,
    lang="fr",
    signed_by="Camille Tremblay",
    account="@velosboreal",
)
ME = {"data": {"id": "1", "name": "Vélos Boréal", "username": "velosboreal"}}


def problem(
    status: int, title: str, detail: str, kind: str = "about:blank", **extra: object
) -> httpx.Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return httpx.Response(
        status, content=json.dumps(body), headers={"content-type": "application/problem+json"}
    )


def run(handler: Handler, action: Callable[[XClient], object]) -> tuple[object, list[str]]:
    """Run ``action`` on an adapter talking to ``handler``; its result and the spec's objections."""
    transport = ValidatingTransport(httpx.MockTransport(handler))
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> object:
        async with httpx.AsyncClient(transport=transport) as http:
            adapter = XClient(SETTINGS, http, policy=RetryPolicy(attempts=3), sleep=fake_sleep)
            return await action(adapter)  # type: ignore[misc]

    try:
        return asyncio.run(go()), transport.problems
    finally:
        assert transport.problems == [], "\n".join(transport.problems)


def test_every_request_is_signed_with_oauth_1_and_no_secret_travels() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"data": {"id": "1900", "text": DRAFT.text}})

    published, _ = run(handler, lambda x: x.publish(DRAFT, "key"))
    header = seen[0].headers["authorization"]
    assert header.startswith("OAuth ") and 'oauth_signature_method="HMAC-SHA1"' in header
    assert f'oauth_consumer_key="{SETTINGS.consumer_key}"' in header
    assert f'oauth_token="{SETTINGS.access_token}"' in header
    assert SETTINGS.consumer_secret not in header and SETTINGS.access_token_secret not in header
    assert json.loads(seen[0].content) == {"text": DRAFT.text}  # no language: X has no field
    assert getattr(published, "url", "") == "https://x.com/velosboreal/status/1900"


def test_bad_keys_are_one_sentence_naming_the_account_and_variables() -> None:
    secrets.register(SETTINGS.consumer_secret)

    def handler(request: httpx.Request) -> httpx.Response:
        return problem(401, "Unauthorized", "Unauthorized")

    with pytest.raises(AuthError) as caught:
        run(handler, lambda x: x.publish(DRAFT, "key"))
    message = str(caught.value)
    assert message.startswith("X refused the credentials of @velosboreal (401")
    assert "AGORA_X_ACCESS_TOKEN" in message and "AGORA_X_CONSUMER_KEY" in message
    assert SETTINGS.consumer_secret not in message and SETTINGS.access_token_secret not in message


def test_an_app_without_access_is_told_where_to_fix_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return problem(
            403,
            "Client Forbidden",
            "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
            "and tokens from a Twitter developer App that is attached to a Project.",
            "https://api.twitter.com/2/problems/client-forbidden",
            reason="client-not-enrolled",
            registration_url="https://developer.twitter.com/en/docs/projects/overview",
            required_enrollment="Appropriate Level of API Access",
        )

    with pytest.raises(AuthError, match="attach the app to a project"):
        run(handler, lambda x: x.publish(DRAFT, "key"))


def test_a_usage_cap_says_when_it_lifts_and_keeps_the_post_pending() -> None:
    reset = int(time.time()) + 3600

    def handler(request: httpx.Request) -> httpx.Response:
        answer = problem(
            429,
            "UsageCapExceeded",
            "Usage cap exceeded: Monthly product cap",
            "https://api.twitter.com/2/problems/usage-capped",
        )
        answer.headers["x-rate-limit-reset"] = str(reset)
        return answer

    with pytest.raises(RateLimited) as caught:
        run(handler, lambda x: x.publish(DRAFT, "key"))
    assert "usage cap is reached for @velosboreal" in str(caught.value)
    assert caught.value.retry_after is not None and 3500 < caught.value.retry_after <= 3600


def test_a_short_rate_limit_is_waited_out_then_the_post_goes() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            answer = problem(429, "Too Many Requests", "Too Many Requests")
            answer.headers["x-rate-limit-reset"] = str(int(time.time()) + 20)
            return answer
        return httpx.Response(201, json={"data": {"id": "1901", "text": DRAFT.text}})

    published, _ = run(handler, lambda x: x.publish(DRAFT, "key"))
    assert len(calls) == 2 and getattr(published, "id", "") == "1901"


def test_x_failing_is_retried_then_said() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return problem(503, "Service Unavailable", "Service Unavailable")

    with pytest.raises(Unavailable, match="X is failing"):
        run(handler, lambda x: x.publish(DRAFT, "key"))


def test_a_duplicate_refused_by_x_is_the_earlier_copy_found_not_a_failure() -> None:
    """The answer of a first attempt was lost: X refuses the same text, the copy is found."""
    posted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            posted.append(path)
            return problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        if path == "/2/users/me":
            return httpx.Response(200, json=ME)
        assert path == "/2/users/1/tweets"
        assert "start_time" in request.url.params  # only the posts since the post's date
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "id": "1902",
                        "text": "Freins — Camille https://t.co/Ab12Cd34Ef",
                        "created_at": "2026-11-30T10:00:00.000Z",
                        "entities": {
                            "urls": [
                                {
                                    "start": 17,
                                    "end": 40,
                                    "url": "https://t.co/Ab12Cd34Ef",
                                    "expanded_url": PAGE_URL,
                                }
                            ]
                        },
                    }
                ],
                "meta": {"result_count": 1, "newest_id": "1902", "oldest_id": "1902"},
            },
        )

    published, _ = run(handler, lambda x: x.publish(DRAFT, "key"))
    assert posted == ["/2/tweets"]  # one attempt, never a second
    assert getattr(published, "url", "") == "https://x.com/velosboreal/status/1902"


def test_a_duplicate_without_an_earlier_copy_is_refused_for_this_post() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        if request.url.path == "/2/users/me":
            return httpx.Response(200, json=ME)
        return httpx.Response(200, json={"meta": {"result_count": 0}})

    with pytest.raises(Rejected, match="already has a post of @velosboreal"):
        run(handler, lambda x: x.publish(DRAFT, "key"))


def test_the_check_against_x_s_description_can_fail() -> None:
    """An answer X would never give, and a request X would refuse, are both reported."""
    transport = ValidatingTransport(
        httpx.MockTransport(lambda request: httpx.Response(201, json={"data": {"id": "abc"}}))
    )

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport) as http:
            await http.post("https://api.x.com/2/tweets", json={"text": 5})
            await http.get("https://api.x.com/2/tweets", params={"ids": "1", "post.fields": "x"})

    asyncio.run(go())
    joined = "\n".join(transport.problems)
    assert "'text' is a required property" in joined  # the answer
    assert "5 is not of type 'string'" in joined  # the request's body
    assert "post.fields" in joined  # the request's query
    bad_problem = httpx.Response(401, json={"title": "Unauthorized", "type": "about:blank"})
    request = httpx.Request("GET", "https://api.x.com/2/users/me")
    assert any("detail" in p for p in response_errors(request, bad_problem))


def test_an_answer_x_refuses_to_an_account_not_mentioned_is_one_sentence() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return problem(
            403,
            "Forbidden",
            "You can only reply to or quote posts where you are mentioned or are the author.",
        )

    with pytest.raises(Rejected, match="answer only posts that mention it") as caught:
        run(handler, lambda x: x.publish(DRAFT, "key"))
    assert "nothing was posted" in str(caught.value)
