"""What Graph answers when something is wrong becomes one sentence, and nothing is posted twice.

Graph is scripted here with ``httpx.MockTransport`` answering its own error object
(https://developers.facebook.com/docs/graph-api/guides/error-handling), itself checked against
Meta's description by ``ValidatingTransport``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from meta_spec import MetaSpec, ValidatingTransport

from syndication.errors import AuthError, NotFound, RateLimited, Rejected, Unavailable
from syndication.model import Post
from syndication.networks.base import Draft, RetryPolicy
from syndication.networks.facebook.client import FacebookClient
from syndication.networks.facebook.settings import FacebookSettings

Handler = Callable[[httpx.Request], httpx.Response]
PAGE = "104857600123456"
TOKEN = "EAAG-page-token-never-shown"
SETTINGS = FacebookSettings("https://graph.facebook.com", "v26.0", PAGE, TOKEN)
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
DRAFT = Draft("facebook", POST, f"Freins {PAGE_URL}", 30, 63206, False, None, "fr", "", "")
CREATED = httpx.Response(200, json={"id": f"{PAGE}_900"})


def graph_error(
    code: int,
    message: str,
    *,
    status: int = 400,
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)


def run(handler: Handler, action: Callable[[FacebookClient], Any]) -> tuple[Any, list[float]]:
    sleeps: list[float] = []
    transport = ValidatingTransport(httpx.MockTransport(handler), MetaSpec(PAGE))

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=transport) as http:
            adapter = FacebookClient(
                SETTINGS, http, policy=RetryPolicy(attempts=3), sleep=fake_sleep
            )
            return await action(adapter)

    try:
        return asyncio.run(go()), sleeps
    finally:
        assert transport.problems == [], transport.problems


def fails(handler: Handler, action: Callable[[FacebookClient], Any], kind: type[Exception]) -> str:
    with pytest.raises(kind) as raised:
        run(handler, action)
    message = str(raised.value)
    assert TOKEN not in message
    assert message.count(". ") == 0, f"one sentence: {message}"
    assert ("Facebook" in message and PAGE in message) or kind is NotFound, message
    return message


def publish(adapter: FacebookClient) -> Any:
    return adapter.publish(DRAFT, "k")


def test_190_an_expired_token_says_how_to_get_a_new_one() -> None:
    said = f"Error validating access token: Session has expired on Tuesday. Token {TOKEN} is bad."
    message = fails(lambda r: graph_error(190, said, subcode=463), publish, AuthError)
    assert "expired or was revoked" in message and "System users" in message
    assert "AGORA_FACEBOOK_PAGE_TOKEN" in message


@pytest.mark.parametrize("code", [10, 200])
def test_10_and_200_a_missing_permission_names_them(code: int) -> None:
    said = f"(#{code}) Requires the pages_manage_posts permission"
    message = fails(lambda r: graph_error(code, said, status=403), publish, AuthError)
    assert "pages_manage_posts, pages_read_engagement" in message
    assert "AGORA_FACEBOOK_PAGE_TOKEN" in message


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_say_the_usage_and_when_access_comes_back(code: int) -> None:
    usage = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 30,
                "estimated_time_to_regain_access": 17,
            }
        ]
    }
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(usage),
        "X-App-Usage": json.dumps({"call_count": 95, "total_cputime": 10, "total_time": 20}),
    }
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return graph_error(code, "(#32) Page request limit reached", headers=headers)

    with pytest.raises(RateLimited) as raised:
        run(handler, publish)
    message = str(raised.value)
    assert "usage at 100% of the limit" in message and "about 17 min" in message
    assert "stays pending for the next run" in message and message.count(". ") == 0
    assert raised.value.retry_after == 17 * 60
    assert calls == [1]  # 17 minutes is too long to wait in a run: no retry


def test_368_a_blocked_page_says_so() -> None:
    said = "It looks like you were misusing this feature by going too fast."
    message = fails(lambda r: graph_error(368, said), publish, Rejected)
    assert "temporarily blocked" in message and "Meta Business Suite" in message


def test_500_is_retried_then_succeeds_and_posts_once() -> None:
    answers = [graph_error(2, "An unexpected error has occurred.", status=500), CREATED]
    posted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(request.url.path)
        return answers.pop(0)

    published, sleeps = run(handler, publish)
    assert published.id == f"{PAGE}_900" and len(sleeps) == 1 and len(posted) == 2


def test_500_every_time_is_unavailable() -> None:
    fails(lambda r: graph_error(1, "An unknown error occurred", status=500), publish, Unavailable)


def test_a_missing_object_is_not_found() -> None:
    said = "Unsupported get request. Object with ID 'x' does not exist"
    with pytest.raises(NotFound):
        run(lambda r: graph_error(100, said, subcode=33), lambda a: a.find_reply("k", _i(), "x"))


def test_a_duplicate_is_looked_up_instead_of_sent_again() -> None:
    listed = {
        "data": [
            {
                "id": f"{PAGE}_900",
                "message": f"Freins {PAGE_URL}",
                "created_time": "2026-11-30T12:00:00+0000",
            }
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return graph_error(506, "Duplicate status message")
        return httpx.Response(200, json=listed)

    published, _ = run(handler, publish)
    assert published.id == f"{PAGE}_900"


def test_the_token_never_appears_in_a_message() -> None:
    message = fails(
        lambda r: graph_error(100, f"Invalid parameter with access_token={TOKEN}"),
        publish,
        Rejected,
    )
    assert "***" in message


def _i() -> Any:
    from syndication.model import Interaction, InteractionKind, Person

    return Interaction(
        "facebook",
        InteractionKind.REPLY,
        "900_1",
        Person("facebook", "2", ""),
        datetime(2026, 11, 30, tzinfo=UTC),
        in_reply_to=f"{PAGE}_900",
    )
