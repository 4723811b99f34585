"""HTTP answers become the project's errors, in a sentence a person can act on; retries end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from syndication.errors import AuthError, NotFound, RateLimited, Rejected, Unavailable
from syndication.networks.base import RetryPolicy, parse_retry_after, raise_for_status, send
from syndication.networks.linkedin.client import LinkedInClient
from syndication.networks.linkedin.settings import LinkedInSettings
from syndication.networks.meta_graph import GraphAccount, check_graph


def check(response: httpx.Response) -> None:
    raise_for_status(
        response,
        network="mastodon",
        label="Mastodon",
        account="@velosboreal",
        credential_variable="AGORA_MASTODON_ACCESS_TOKEN",
    )


def answer(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://127.0.0.1/x"), **kwargs)  # type: ignore[arg-type]


def test_401_names_network_account_and_variable() -> None:
    with pytest.raises(AuthError) as caught:
        check(answer(401, json={"error": "The access token is invalid"}))
    message = str(caught.value)
    assert message.startswith("Mastodon refused the credentials of @velosboreal")
    assert "AGORA_MASTODON_ACCESS_TOKEN" in message
    assert "The access token is invalid" in message


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, NotFound), (429, RateLimited), (500, Unavailable), (503, Unavailable), (422, Rejected)],
)
def test_statuses_map_to_errors(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        check(answer(status, json={"error": "nope"}))


def test_success_passes() -> None:
    check(answer(200, json={}))


def test_retry_after_seconds_date_and_reset() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after(answer(429, headers={"Retry-After": "7"}), now) == 7
    dated = answer(429, headers={"Retry-After": "Sun, 22 Nov 2026 12:00:30 GMT"})
    assert parse_retry_after(dated, now) == 30
    epoch = answer(429, headers={"ratelimit-reset": str(int(now.timestamp()) + 12)})
    assert parse_retry_after(epoch, now) == 12
    iso = answer(429, headers={"X-RateLimit-Reset": "2026-11-22T12:01:00.000Z"})
    assert parse_retry_after(iso, now) == 60
    assert parse_retry_after(answer(429), now) is None


def run_with(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy
) -> tuple[httpx.Response | Exception, list[float]]:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def go() -> httpx.Response | Exception:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            try:
                return await send(
                    client,
                    client.build_request("GET", "http://127.0.0.1/x"),
                    check=check,
                    policy=policy,
                    sleep=fake_sleep,
                )
            except Exception as error:  # noqa: BLE001 - the test inspects whatever was raised
                return error

    return asyncio.run(go()), waits


def test_5xx_then_success_is_retried_with_backoff() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(502 if len(calls) < 3 else 200, json={})

    result, waits = run_with(handler, RetryPolicy(attempts=4, base_delay=1, max_delay=10))
    assert isinstance(result, httpx.Response) and result.status_code == 200
    assert len(calls) == 3 and len(waits) == 2 and waits[1] > waits[0] * 0.9


def test_5xx_forever_gives_up() -> None:
    result, waits = run_with(lambda r: httpx.Response(500, json={}), RetryPolicy(attempts=3))
    assert isinstance(result, Unavailable) and len(waits) == 2


def test_short_retry_after_is_honoured_long_one_is_not() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "5"}, json={})
        return httpx.Response(200, json={})

    result, waits = run_with(handler, RetryPolicy(max_retry_after=60))
    assert isinstance(result, httpx.Response) and waits == [5.0]

    long_wait = lambda r: httpx.Response(429, headers={"Retry-After": "3600"}, json={})  # noqa: E731
    result, waits = run_with(long_wait, RetryPolicy(max_retry_after=60))
    assert isinstance(result, RateLimited) and result.retry_after == 3600 and waits == []


def test_timeouts_become_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    result, _ = run_with(handler, RetryPolicy(attempts=2))
    assert isinstance(result, Unavailable) and "did not answer" in str(result)


HOSTILE_WORDS = "Invalid token\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil" + " and more" * 60


def test_graph_error_words_reach_a_message_on_one_printable_line() -> None:
    """Meta's error message, whatever it carries, enters the sentence escaped, one line, cut."""
    body = {"error": {"message": HOSTILE_WORDS + "\nsecond line", "code": 190}}
    response = httpx.Response(400, json=body, request=httpx.Request("GET", "https://graph.test"))
    who = GraphAccount("facebook", "Facebook", "the Page 1", "AGORA_FACEBOOK_PAGE_TOKEN", "", "")
    with pytest.raises(AuthError) as raised:
        check_graph(response, who)
    message = str(raised.value)
    assert "\x1b" not in message and "\u202e" not in message and "\n" not in message
    assert "\\x1b]52" in message and message.count("and more") < 25


def test_linkedin_error_words_reach_a_message_on_one_printable_line() -> None:
    """LinkedIn's error message, likewise: escaped, one line, at most 200 characters of it."""
    settings = LinkedInSettings(
        api_url="https://api.linkedin.test",
        oauth_url="https://www.linkedin.test",
        organization="1",
        version="202611",
        access_token="token-value",
        client_id="",
        client_secret="",
        person="",
        token_variable="AGORA_LINKEDIN_ACCESS_TOKEN",
        author="",
    )
    client = LinkedInClient(settings, httpx.AsyncClient())
    request = httpx.Request("GET", "https://api.linkedin.test/rest/posts")
    response = httpx.Response(401, json={"message": HOSTILE_WORDS}, request=request)
    with pytest.raises(AuthError) as raised:
        client._check(response)
    message = str(raised.value)
    assert "\x1b" not in message and "\u202e" not in message and "\\x1b[2J" in message
    assert message.count("and more") < 25
