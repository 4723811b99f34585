"""OAuth 1.0a user context for X, signed by Authlib, as an ``httpx.Auth``.

Authlib's RFC 5849 signer (``authlib.oauth1.ClientAuth``) is the maintained implementation; this
module only hands it each request. Authlib's own httpx integration (``OAuth1Auth``) is not used:
for a JSON body it signs without the body (as RFC 5849 says: only form bodies are parameters)
but also sends the request without it, so ``POST /2/tweets`` would reach X empty; and it now
warns that it wants the ``httpx2`` fork. Here the body is left out of the signature and kept in
the request, as X expects (https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a).
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
from authlib.oauth1 import ClientAuth


class OAuth1(httpx.Auth):
    """Signs each request (a fresh nonce and timestamp at every attempt) with the four keys."""

    def __init__(
        self, consumer_key: str, consumer_secret: str, token: str, token_secret: str
    ) -> None:
        self._signer = ClientAuth(
            consumer_key, consumer_secret, token=token, token_secret=token_secret
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the ``Authorization: OAuth ...`` header; the body is sent as it is."""
        _uri, headers, _body = self._signer.sign(request.method, str(request.url), {}, b"")
        request.headers["Authorization"] = headers["Authorization"]
        yield request
