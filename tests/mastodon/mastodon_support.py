"""Helpers of the Mastodon adapter tests: the recording transport, the peer as a world, drafts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from mastodon_openapi import request_errors

from syndication.model import Post
from syndication.networks.base import Draft

POST_URL = "https://blog.example.com/fr/velo-hiver/"


class Recorder(httpx.AsyncBaseTransport):
    """A transport that keeps every request it carries, then hands it to the real one."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def assert_valid(self) -> None:
        """Every request sent so far is valid by the Mastodon OpenAPI description."""
        errors = [error for request in self.requests for error in request_errors(request)]
        assert not errors, "\n".join(errors)

    def calls(self) -> list[str]:
        """``METHOD /path`` of every request, in order (query left out)."""
        return [f"{r.method} {r.url.path}" for r in self.requests]


@dataclass
class Account:
    """A fresh account on the peer, and a client acting as its owner (not the adapter)."""

    username: str
    id: str
    token: str
    http: httpx.Client

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = self.http.request(method, path, headers=headers, **kwargs)
        response.raise_for_status()
        return response.json()

    def post(self, text: str, **fields: str) -> dict[str, Any]:
        status: dict[str, Any] = self.call(
            "POST", "/api/v1/statuses", json={"status": text, **fields}
        )
        return status


class Peer:
    """The local Mastodon as the test's world: people, and fault rules for error paths."""

    def __init__(self, base_url: str, http: httpx.Client) -> None:
        self.base_url = base_url
        self.http = http

    def person(self, prefix: str) -> Account:
        """A new account (a unique name per test, so tests never see each other's data)."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        response = self.http.post(
            "/api/v1/_mock/dev_user", json={"username": name, "display_name": prefix.title()}
        )
        response.raise_for_status()
        data = response.json()
        return Account(name, str(data["id"]), data["access_token"], self.http)

    def fault(self, path: str, effect: dict[str, Any], count: int = 1) -> None:
        """Make the peer answer ``path`` with ``effect`` the next ``count`` times."""
        rule = {"match": {"path": path}, "effect": effect, "count": count}
        self.http.post("/api/v1/_mock/faults", json=rule).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/api/v1/_mock/faults").raise_for_status()


def draft(text: str, url: str = POST_URL) -> Draft:
    post = Post(
        key="velo-hiver.fr",
        slug="velo-hiver",
        lang="fr",
        title="Le vélo en hiver",
        summary="Rouler quand il gèle.",
        url=url,
        date=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        author="Camille Tremblay",
    )
    return Draft("mastodon", post, text, len(text), 500, False, None, "fr", "Camille Tremblay", "")
