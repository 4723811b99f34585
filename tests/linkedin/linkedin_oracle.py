"""LinkedIn's own client (``linkedin-api-client``, a test dependency) as the oracle of Rest.li 2.0.

LinkedIn publishes no machine-readable description of its API; its official Python client
encodes URNs, lists and query parameters for Rest.li 2.0 itself. ``expected`` asks that client to
prepare the same request (its ``RestliClient`` methods, with the session's ``send`` replaced so
that nothing leaves the machine) and returns the URL and headers it would send; ``Recorder`` keeps
what the adapter sent, so a test compares the two, character for character.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
from linkedin_api.clients.restli.client import RestliClient

VERSION = "202611"
TOKEN = "AQ-oracle-token-never-shown"
API = "https://api.linkedin.com"


class _Prepared(Exception):
    def __init__(self, request: requests.PreparedRequest) -> None:
        super().__init__(request.url)
        self.request = request


@dataclass(frozen=True)
class Expected:
    """What LinkedIn's client would send."""

    method: str
    url: str
    headers: dict[str, str]


def expected(call: Callable[[RestliClient], Any]) -> Expected:
    """The request LinkedIn's client prepares for ``call`` (e.g. ``lambda c: c.get(...)``)."""
    client = RestliClient()

    def capture(prepared: requests.PreparedRequest, **_: Any) -> requests.Response:
        raise _Prepared(prepared)

    client.session.send = capture  # type: ignore[method-assign]
    try:
        call(client)
    except _Prepared as prepared:
        request = prepared.request
        return Expected(str(request.method), str(request.url), dict(request.headers))
    raise AssertionError("LinkedIn's client sent nothing")


def common(client: RestliClient) -> dict[str, Any]:
    """The arguments every oracle call shares."""
    return {"access_token": TOKEN, "version_string": VERSION}


@dataclass
class Recorder:
    """An httpx transport answering from ``answer`` and keeping every request."""

    answer: Callable[[httpx.Request], httpx.Response]
    sent: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        """The transport to give the adapter's client."""

        def handle(request: httpx.Request) -> httpx.Response:
            self.sent.append(request)
            return self.answer(request)

        return httpx.MockTransport(handle)

    def urls(self) -> list[str]:
        """The URLs sent, as sent (percent-encoding kept)."""
        return [str(request.url) for request in self.sent]
