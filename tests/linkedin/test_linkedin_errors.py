"""What LinkedIn answers when something is wrong becomes one sentence, and nothing is posted twice.

LinkedIn is scripted here with ``httpx.MockTransport`` answering its own error bodies
(``{"message", "status", "serviceErrorCode"}``,
https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from syndication.errors import AuthError, RateLimited, Rejected, Unavailable
from syndication.model import Post
from syndication.networks.base import Draft, RetryPolicy
from syndication.networks.linkedin.client import LinkedInClient
from syndication.networks.linkedin.settings import LinkedInSettings

Handler = Callable[[httpx.Request], httpx.Response]
TOKEN = "AQ-secret-token-never-shown"
CLIENT_SECRET = "WPL_AP1.secret-never-shown"
SETTINGS = LinkedInSettings(
    api_url="https://api.linkedin.com",
    oauth_url="https://www.linkedin.com",
    organization="2414183",
    version="202611",
    access_token=TOKEN,
    client_id="86abcdefghijkl",
    client_secret=CLIENT_SECRET,
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
DRAFT = Draft("linkedin", POST, f"Freins {PAGE_URL}", 30, 3000, False, None, "fr", "", "")
CREATED = httpx.Response(201, headers={"x-restli-id": "urn:li:share:7400000000000000001"})


def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"message": message, "status": status, "serviceErrorCode": 65600}
    return httpx.Response(status, json=body, headers=headers)


def run(handler: Handler, action: Callable[[LinkedInClient], Any]) -> tuple[Any, list[float]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            policy = RetryPolicy(attempts=3)
            adapter = LinkedInClient(SETTINGS, http, policy=policy, sleep=fake_sleep)
            return await action(adapter)

    return asyncio.run(go()), sleeps


def fails(handler: Handler, action: Callable[[LinkedInClient], Any], kind: type[Exception]) -> str:
    with pytest.raises(kind) as raised:
        run(handler, action)
    message = str(raised.value)
    assert TOKEN not in message and CLIENT_SECRET not in message
    assert message.count(". ") == 0, f"one sentence: {message}"
    return message


def publish(adapter: LinkedInClient) -> Any:
    return adapter.publish(DRAFT, "k")


def test_401_an_expired_token_says_how_to_renew_it() -> None:
    said = fails(
        lambda r: error(401, f"The token {TOKEN} used in the request has expired"),
        publish,
        AuthError,
    )
    assert "urn:li:organization:2414183" in said and "***" in said
    assert "60 days" in said and "AGORA_LINKEDIN_ACCESS_TOKEN" in said


def test_403_names_the_permissions_the_token_lacks() -> None:
    said = fails(
        lambda r: error(403, "Not enough permissions to access: partnerApiPostsExternal.CREATE"),
        publish,
        AuthError,
    )
    assert "w_organization_social and r_organization_social" in said
    assert "AGORA_LINKEDIN_ACCESS_TOKEN" in said


def test_422_a_duplicate_returns_the_post_already_there_without_posting_twice() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        if request.method == "POST":
            return error(422, "Content is a duplicate of urn:li:share:7400000000000000001")
        post = {
            "id": "urn:li:share:7400000000000000001",
            "createdAt": 1764600000000,
            "lifecycleState": "PUBLISHED",
            "content": {"article": {"source": PAGE_URL}},
        }
        return httpx.Response(200, json={"elements": [post], "paging": {"total": 1}})

    published, _ = run(handler, publish)
    assert published.id == "urn:li:share:7400000000000000001"
    assert sent == ["POST", "GET"]


def test_422_an_invalid_post_is_one_sentence() -> None:
    said = fails(lambda r: error(422, "/commentary: invalid little text"), publish, Rejected)
    assert "invalid little text" in said and "urn:li:organization:2414183" in said


def test_429_with_a_long_wait_stays_pending() -> None:
    fails_with = fails(
        lambda r: error(429, "Resource level throttle DAY limit", {"Retry-After": "3600"}),
        publish,
        RateLimited,
    )
    assert "3600 s" in fails_with and "midnight UTC" in fails_with


def test_429_with_a_short_wait_is_waited_for() -> None:
    answers = iter([error(429, "throttled", {"Retry-After": "2"}), CREATED])
    published, sleeps = run(lambda r: next(answers), publish)
    assert published.id.startswith("urn:li:share:") and sleeps == [2.0]


def test_500_is_retried() -> None:
    answers = iter([error(500, "Internal Server Error"), error(503, "Unavailable"), CREATED])
    published, sleeps = run(lambda r: next(answers), publish)
    assert published.id.startswith("urn:li:share:") and len(sleeps) == 2
    said = fails(lambda r: error(500, "Internal Server Error"), publish, Unavailable)
    assert "try again later" in said


def test_token_introspection_reads_the_expiry_and_refuses_an_expired_token() -> None:
    def active(request: httpx.Request) -> httpx.Response:
        assert request.url == "https://www.linkedin.com/oauth/v2/introspectToken"
        assert f"token={TOKEN}" in request.content.decode()
        return httpx.Response(
            200, json={"active": True, "status": "active", "expires_at": 1790000000}
        )

    status, _ = run(active, lambda a: a.credential_status())
    assert status.expires_at == datetime.fromtimestamp(1790000000, UTC)
    assert "Create token" in status.renew
    said = fails(
        lambda r: httpx.Response(200, json={"active": False, "status": "expired"}),
        lambda a: a.credential_status(),
        AuthError,
    )
    assert "expired" in said and "Create token" in said
    said = fails(
        lambda r: httpx.Response(
            401,
            json={"error": "invalid_client", "error_description": "Client authentication failed"},
        ),
        lambda a: a.credential_status(),
        AuthError,
    )
    assert "AGORA_LINKEDIN_CLIENT_ID" in said and "AGORA_LINKEDIN_CLIENT_SECRET" in said
