"""Check the requests the adapter sends against the Mastodon OpenAPI description (openapi-core).

The description is ``fixtures/mastodon-openapi.json``: a copy of the project's
``shared/specs/mastodon-openapi.json`` (generated from the official docs by
abraham/mastodon-openapi; see ``fixtures/README.md``), kept in the repository so that a clone
tests on its own. Two adjustments, both about the spec's form
rather than the request's meaning:

- its only server is ``https://{hostname}``: requests to the loopback peer are checked as if sent
  to ``https://mastodon.example`` (method, path, query and body are what is checked);
- Mastodon (Rails) takes arrays as ``types[]=a&types[]=b`` while the description names the
  parameter ``types``: ``name[]`` is read as ``name``.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parent / "fixtures" / "mastodon-openapi.json"
SPEC_HOST = "https://mastodon.example"


class HttpxOpenAPIRequest:
    """An ``httpx.Request`` as openapi-core's ``Request`` protocol sees it."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        split = urlsplit(str(request.url))
        query = [(name.removesuffix("[]"), value) for name, value in parse_qsl(split.query)]
        self._path = split.path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
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
        content = self.request.content
        return content or None

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", "application/json"))


@lru_cache(maxsize=1)
def mastodon_openapi() -> OpenAPI:
    """The description, loaded once (its strict spec validation off, as the README says)."""
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def request_errors(request: httpx.Request) -> list[str]:
    """What is wrong with ``request`` by the description, as sentences; empty when it is valid."""
    with warnings.catch_warnings():
        # OAuth2 security is not checked by openapi-core ("Unsupported scheme type"): we know.
        warnings.simplefilter("ignore", UserWarning)
        result = mastodon_openapi().unmarshal_request(HttpxOpenAPIRequest(request))
    label = f"{request.method} {request.url.path}?{request.url.query.decode()}"
    errors = []
    for error in result.errors:
        detail = "; ".join(str(e) for e in getattr(error, "schema_errors", ()) or ())
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        errors.append(f"{label}: {error}{cause}{' ' + detail if detail else ''}")
    return errors
