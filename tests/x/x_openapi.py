"""Check every request the X adapter sends, and every answer it reads, against X's own OpenAPI.

The description is ``fixtures/x-api-v2-openapi.json``: X's vendor document of API v2 (see
``fixtures/README.md`` for its source), kept in the repository so that a clone tests on its own.
``ValidatingTransport`` wraps the transport the adapter talks through (the local double, or a
``MockTransport``) and records a sentence for each request or response the document refuses;
tests assert that none was recorded. Requests to the double are checked as if sent to X's server
(``https://api.x.com``): method, path, query, headers and body are what is checked.

One gap of the description, filled here: its ``Problem`` maps only some problem types
(``resource-not-found``, ``invalid-request``, ...). The ones X answers for a refused key (401,
``about:blank``), an app without access (403, ``client-forbidden``), a usage cap
(``usage-capped``) or a duplicate (403, ``about:blank``), documented on
https://docs.x.com/x-api/fundamentals/response-codes-and-errors, are not in it: such an answer is
checked for the problem shape every type shares (``type``, ``title``, ``status``, ``detail``).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parent / "fixtures" / "x-api-v2-openapi.json"
SPEC_HOST = "https://api.x.com"


class OpenAPIRequest:
    """An ``httpx.Request`` as openapi-core's ``Request`` protocol sees it."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        split = urlsplit(str(request.url))
        self._path = split.path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(split.query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return SPEC_HOST

    @property
    def path(self) -> str:
        return self._path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", "application/json"))


class OpenAPIResponse:
    """An ``httpx.Response`` as openapi-core's ``Response`` protocol sees it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    @property
    def data(self) -> bytes:
        return self.response.content

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("content-type", "application/json")).split(";")[0]

    @property
    def headers(self) -> Headers:
        return Headers(dict(self.response.headers))


@lru_cache(maxsize=1)
def x_openapi() -> OpenAPI:
    """The description, loaded once (its strict spec validation off: it fails it on details)."""
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    # X answers errors as application/problem+json, JSON that openapi-core does not know by name.
    problem_json = {"application/problem+json": json.loads}
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=problem_json)
    return OpenAPI.from_dict(spec, config=config)


def _sentences(label: str, errors: list[Exception]) -> list[str]:
    found = []
    for error in errors:
        detail = "; ".join(str(e) for e in getattr(error, "schema_errors", ()) or ())
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        found.append(f"{label}: {error}{cause}{' ' + detail if detail else ''}")
    return found


def request_errors(request: httpx.Request) -> list[str]:
    """What X's description refuses in ``request``; empty when it is valid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # OAuth security schemes are not checked
        result = x_openapi().unmarshal_request(OpenAPIRequest(request))
    return _sentences(f"{request.method} {request.url.path}", list(result.errors))


def _mapped_problem_types() -> set[str]:
    schemas = x_openapi().spec / "components" / "schemas"
    mapping = (schemas / "Problem" / "discriminator" / "mapping").read_value()
    return set(mapping)


def _generic_problem_errors(label: str, response: httpx.Response) -> list[str] | None:
    """The objections to a problem of a type the description does not map; None: it maps it."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return [f"{label}: the error is not JSON"]
    if not isinstance(body, dict) or body.get("type") in _mapped_problem_types():
        return None
    wanted = {"type": str, "title": str, "status": int, "detail": str}
    wrong = [name for name, kind in wanted.items() if not isinstance(body.get(name), kind)]
    if body.get("status") != response.status_code:
        wrong.append("status (not the answer's)")
    return [f"{label}: a problem without a good {name}" for name in wrong]


def response_errors(request: httpx.Request, response: httpx.Response) -> list[str]:
    """What X's description refuses in ``response`` to ``request``; empty when it is valid."""
    if response.status_code >= 400:
        label = f"{request.method} {request.url.path} -> {response.status_code}"
        generic = _generic_problem_errors(label, response)
        if generic is not None:
            return generic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = x_openapi().unmarshal_response(OpenAPIRequest(request), OpenAPIResponse(response))
    label = f"{request.method} {request.url.path} -> {response.status_code}"
    return _sentences(label, list(result.errors))


@dataclass
class ValidatingTransport(httpx.AsyncBaseTransport):
    """Passes every exchange to ``inner`` and records what X's description refuses in it.

    Only X's own API is checked (``/2/``); the double's control routes are not X's.
    """

    inner: httpx.AsyncBaseTransport
    problems: list[str] = field(default_factory=list)
    exchanges: list[tuple[str, str, int]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await self.inner.handle_async_request(request)
        if not request.url.path.startswith("/2/"):
            return response
        body = await response.aread()
        checked = httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )
        self.problems += request_errors(request)
        self.problems += response_errors(request, checked)
        self.exchanges.append((request.method, request.url.path, response.status_code))
        return checked

    async def aclose(self) -> None:
        await self.inner.aclose()
