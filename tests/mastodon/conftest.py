"""Mastodon adapter tests: every test here is marked ``mastodon``; helpers for both kinds of test.

Flows and errors run against the local peer (``mastodon_server`` in ``tests/conftest.py``);
shapes are checked on real recorded responses (``fixtures/``). Every request the adapter sends in
these tests goes through ``Recorder`` and is checked against the Mastodon OpenAPI description.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from openapi_check import request_errors


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.mastodon)


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
