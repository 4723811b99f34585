"""Prove an app answers as X's OpenAPI document says: schemathesis, in-process, signed as the brand.

``Conformance.of(app, server)`` loads ``fixtures/x-api-v2-openapi.json`` (X's own document, see
``fixtures/README.md``; schemathesis loads it as it is, with no validation to switch off), keeps the
operations the client uses (by ``operationId``), sends every generated request to ``app`` signed
with OAuth 1.0a as the brand by Authlib's ``requests`` signer (schemathesis sends through
``requests``), and ``run(case)`` applies schemathesis's default checks, response schema
conformance among them. Like schemathesis's own engine, it confirms once per operation that
authentication is enforced (``ignored_auth`` re-sends a successful request without and with wrong
credentials) rather than for every case.

Two kinds of answer are X's documented behaviour that the document does not describe, and are
accepted, each only in the precise form below (``_keep``), and counted:

- X's generic problem ``{"type":"about:blank","title","detail","status"}`` whose ``status`` is the
  HTTP status: https://docs.x.com/x-api/fundamentals/response-codes-and-errors lists ``about:blank``
  among X's problem types, while the document's ``Problem`` names only the typed ones. X sends it
  for 401, 403 (duplicate content, replying to a post one cannot see, acting for another user) and
  429.
- a 400 invalid-request problem to a schema-valid request when it names only parameters X checks
  beyond the document: a recent-search query over 512 characters (self-serve; the document allows
  Enterprise's 4,096) or malformed, times outside the 7-day window or in the last 10 seconds, a
  ``since_id`` older than 7 days, page tokens the API did not give, an empty or over-long text,
  media never uploaded, an edit of a post that cannot be edited; and, for a like or a repost,
  exactly X's recorded "This tweet cannot be found." when ``tweet_id`` names no post.

Generated ids rarely name anything: the double is seeded with posts at the document's example ids
(which the examples and coverage phases use), and ``steer`` lets two generated positive cases in
three name the seeded posts, replies and the brand (where the path must be the acting user), so
that answers full of data are checked too.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from authlib.integrations.requests_client import OAuth1Auth as RequestsOAuth1
from hypothesis import strategies as st
from schemathesis.checks import ignored_auth
from schemathesis.openapi.checks import (
    DiscriminatorMismatch,
    JsonSchemaError,
    RejectedPositiveData,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from sandbox.x import XServer, new_server
from syndication.networks.x.oauth import OAuth1

SPEC_PATH = Path(__file__).resolve().parent / "fixtures" / "x-api-v2-openapi.json"
# Authlib signs plain-HTTP requests only for loopback hosts, as the sandbox's double is.
LOCAL = "http://localhost"
# The operations the client uses, by the document's operationId.
OPERATIONS = (
    "createPosts",
    "deletePosts",
    "getPostsById",
    "getPostsByIds",
    "getPostsLikingUsers",
    "getPostsQuotedPosts",
    "getPostsRepostedBy",
    "getUsersByUsername",
    "getUsersMe",
    "getUsersMentions",
    "getUsersPosts",
    "hidePostsReply",
    "likePost",
    "repostPost",
    "searchPostsRecent",
)
# Parameters X checks beyond the document, by operation (see the module's docstring).
CHECKED_BEYOND_DOCUMENT: dict[str, frozenset[str]] = {
    "searchPostsRecent": frozenset(
        {"query", "start_time", "end_time", "since_id", "next_token", "pagination_token"}
    ),
    "getUsersPosts": frozenset({"start_time", "end_time", "pagination_token"}),
    "getUsersMentions": frozenset({"start_time", "end_time", "pagination_token"}),
    "getPostsLikingUsers": frozenset({"pagination_token"}),
    "getPostsRepostedBy": frozenset({"pagination_token"}),
    "getPostsQuotedPosts": frozenset({"pagination_token"}),
    "createPosts": frozenset({"$.text", "$.media.media_ids", "$.edit_options.previous_post_id"}),
}
POST_NOT_FOUND = "This tweet cannot be found."
# The document's examples of ids (``components.schemas.UserId`` and ``PostId``).
EXAMPLE_USER_ID = "2244994945"
EXAMPLE_POST_ID = "1346889436626259968"
INVALID_REQUEST = "https://api.x.com/2/problems/invalid-request"


def httpx_auth(
    server: XServer, username: str, *, consumer_secret: str = "", token: str = ""
) -> OAuth1:
    """The adapter's own OAuth 1.0a signer for httpx (Authlib's), as ``username``; a wrong
    ``consumer_secret`` or ``token`` can be given to be refused."""
    account = server.account(username)
    return OAuth1(
        server.consumer_key,
        consumer_secret or server.consumer_secret,
        token or account.access_token,
        account.access_token_secret,
    )


def requests_auth(server: XServer, username: str) -> RequestsOAuth1:
    """Authlib's OAuth 1.0a signer for ``requests`` (how schemathesis sends) as ``username``."""
    account = server.account(username)
    return RequestsOAuth1(
        server.consumer_key,
        server.consumer_secret,
        token=account.access_token,
        token_secret=account.access_token_secret,
    )


def signed_client(app: Starlette, server: XServer, username: str) -> TestClient:
    """A client of ``app`` in-process, signing as ``username``."""
    client = TestClient(app, base_url=LOCAL)
    client.auth = httpx_auth(server, username)
    return client


def post(client: TestClient | httpx.Client, body: dict[str, Any]) -> str:
    """Create a post (``POST /2/tweets``); its id."""
    response = client.post("/2/tweets", json=body)
    assert response.status_code == 201, response.text
    post_id: str = response.json()["data"]["id"]
    return post_id


def example_server(base_url: str) -> XServer:
    """Throw-away credentials, the brand holding the document's example user id (``UserId``).

    The document's examples name ids (a user, a post); the coverage phase uses them, so that with
    them naming seeded data, its cases are answered with data too.
    """
    server = new_server(base_url)
    brand = replace(server.brand, user_id=EXAMPLE_USER_ID)
    accounts = tuple(brand if a.username == brand.username else a for a in server.accounts)
    return replace(server, accounts=accounts)


def seed(app: Starlette, server: XServer) -> dict[str, list[str]]:
    """Posts, replies, likes, reposts and quotes the generated cases can name; ids by kind.

    The first post is Léa's question to the brand, at the document's example post id
    (``PostId``), answered by the brand; it is not the brand's, so the brand's deletions in the
    run refuse it and it stays. ``replies`` are those the brand may hide (under its own posts).
    """
    clients = {a.username: signed_client(app, server, a.username) for a in server.accounts}
    brand = clients["velosboreal"]
    question = post(clients["lea"], {"text": "@velosboreal Avez-vous des pneus à clous ?"})
    _rekey(app, question, EXAMPLE_POST_ID)
    answer = post(
        brand, {"text": "Oui, dès novembre.", "reply": {"in_reply_to_tweet_id": EXAMPLE_POST_ID}}
    )
    roots = [EXAMPLE_POST_ID]
    roots += [post(brand, {"text": f"Billet {n} : https://velosboreal.ca/b/{n}"}) for n in range(3)]
    ids: dict[str, list[str]] = {"posts": [*roots, answer], "replies": [], "disposable": []}
    for number, root in enumerate(roots):
        for username in ("lea", "samuel", "noor"):
            reader, user_id = clients[username], server.account(username).user_id
            text = f"@velosboreal {username} répond au billet {number}"
            reply = post(reader, {"text": text, "reply": {"in_reply_to_tweet_id": root}})
            ids["replies" if root != EXAMPLE_POST_ID else "posts"].append(reply)
            reader.post(f"/2/users/{user_id}/likes", json={"tweet_id": root})
            reader.post(f"/2/users/{user_id}/retweets", json={"tweet_id": root})
            quote = {"text": f"{username} cite le billet {number}", "quote_tweet_id": root}
            ids["posts"].append(post(reader, quote))
    # Enough for every deletion a run asks for, so that the other posts stay.
    ids["disposable"] = [post(brand, {"text": f"À effacer {n}"}) for n in range(40)]
    return ids


def _rekey(app: Starlette, post_id: str, new_id: str) -> None:
    """Give a fresh post of the double another id (the document's example ids are from 2021)."""
    state = app.state.double.state
    state.posts[new_id] = replace(state.posts.pop(post_id), id=new_id, conversation_id=new_id)


@dataclass
class Conformance:
    """One schemathesis run of X's document against one app, and what it accepted."""

    schema: Any
    accepted: Counter[str] = field(default_factory=Counter)
    confirmed: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls, app: Starlette, server: XServer, operations: Iterable[str] = OPERATIONS
    ) -> Conformance:
        """The document, restricted to ``operations``, sent to ``app`` signed as the brand."""
        raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
        schema = schemathesis.openapi.from_dict(raw).include(operation_id=list(operations))
        schema.app = app
        # The document's server is https://api.x.com; the app answers as a loopback host.
        schema.config.update(base_url=LOCAL)
        schema.auth.set_from_requests(requests_auth(server, "velosboreal"))
        run = cls(schema)
        state = app.state.double.state

        @schema.hook
        def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
            return run._keep(failure, case, response, state)

        return run

    def run(self, case: Any) -> None:
        """Send one case and fail on any violation; authentication checked once per operation."""
        label = case.operation.label
        excluded = [ignored_auth] if label in self.confirmed else []
        response = case.call_and_validate(excluded_checks=excluded)
        if 200 <= response.status_code < 300:
            self.confirmed.add(label)

    def _keep(self, failure: Any, case: Any, response: Any, state: Any) -> bool:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            return True
        if not isinstance(body, dict):
            return True
        schema_failure = isinstance(failure, JsonSchemaError | DiscriminatorMismatch)
        if schema_failure and is_generic_problem(body, response.status_code):
            self.accepted[f"about:blank {response.status_code}"] += 1
            return False
        if isinstance(failure, RejectedPositiveData) and response.status_code == 400:
            operation = case.operation.definition.raw.get("operationId", "")
            if checked_beyond_document(operation, body, case, state):
                self.accepted[f"{operation} 400"] += 1
                return False
        return True

    def steer(self, server: XServer, ids: dict[str, list[str]]) -> None:
        """Let two positive cases in three name the seeded posts, replies and the brand.

        A new post is then one X can accept: no media (none was uploaded), no edit, no
        community, a text of its own, answering or quoting a post that summons the brand.
        """
        brand = server.brand.user_id
        acting = {"getUsersPosts", "getUsersMentions", "likePost", "repostPost"}
        unknown = ("media", "edit_options", "community_id")

        @self.schema.hook
        def flatmap_case(context: Any, case: Any) -> Any:
            if case.meta is None or not case.meta.generation.mode.is_positive:
                return st.just(case)
            operation = case.operation.definition.raw.get("operationId")
            params = dict(case.path_parameters or {})
            pools: dict[str, list[str]] = {}
            if "id" in params:
                posts = ids["disposable"] if operation == "deletePosts" else ids["posts"]
                pools["id"] = [brand] if operation in acting else posts
            if "tweet_id" in params:
                pools["tweet_id"] = ids["replies"]
            if operation in ("likePost", "repostPost") and isinstance(case.body, dict):
                pools["tweet_id in body"] = ids["posts"]
            if operation == "createPosts" and isinstance(case.body, dict):
                pools["post"] = ids["replies"]

            def apply(picks: dict[str, str | None]) -> Any:
                for name, value in picks.items():
                    if value is None:
                        continue
                    if name == "tweet_id in body":
                        case.body = {**case.body, "tweet_id": value}
                    elif name == "post":
                        body = {k: v for k, v in case.body.items() if k not in unknown}
                        body["text"] = f"{body.get('text', '')[:200]} {uuid.uuid4()}"
                        if "reply" in body:
                            body["reply"] = {**body["reply"], "in_reply_to_tweet_id": value}
                        if "quote_tweet_id" in body:
                            body["quote_tweet_id"] = ids["replies"][0]
                        case.body = body
                    else:
                        params[name] = value
                case.path_parameters = params
                return case

            # Two cases in three name seeded data; the third keeps what was generated.
            choices = {
                k: st.one_of(st.none(), st.sampled_from(v), st.sampled_from(v))
                for k, v in pools.items()
            }
            return st.fixed_dictionaries(choices).map(apply)


def is_generic_problem(body: dict[str, Any], status: int) -> bool:
    """Whether ``body`` is exactly X's ``about:blank`` problem for ``status``."""
    return (
        set(body) == {"type", "title", "detail", "status"}
        and body["type"] == "about:blank"
        and body["status"] == status
        and isinstance(body["title"], str)
        and isinstance(body["detail"], str)
    )


def checked_beyond_document(operation: str, body: dict[str, Any], case: Any, state: Any) -> bool:
    """Whether a 400 names only parameters X checks beyond the document for ``operation``."""
    if body.get("type") != INVALID_REQUEST:
        return False
    errors = body.get("errors") or []
    if operation in ("likePost", "repostPost"):
        missing = isinstance(case.body, dict) and case.body.get("tweet_id") not in state.posts
        return missing and [e.get("message") for e in errors] == [POST_NOT_FOUND]
    named = {name for error in errors for name in (error.get("parameters") or {})}
    return bool(named) and named <= CHECKED_BEYOND_DOCUMENT.get(operation, frozenset())


def with_numeric_user_id(app: Starlette) -> Starlette:
    """``app``, except that ``GET /2/users/me`` answers the user's id as a number.

    X's document (and X) give ids as strings: a deliberately wrong shape, for proving that the
    same run reports it.
    """
    [real] = [
        r.endpoint for r in app.router.routes if isinstance(r, Route) and r.path == "/2/users/me"
    ]

    async def me(request: Request) -> Response:
        response: Response = await real(request)
        body = json.loads(bytes(response.body))
        if "data" not in body:
            return response
        body["data"]["id"] = int(body["data"]["id"])
        headers = {k: v for k, v in response.headers.items() if k.startswith("x-rate-limit")}
        content = json.dumps(body).encode("utf-8")
        return Response(content, response.status_code, headers, "application/json")

    app.router.routes.insert(0, Route("/2/users/me", me, methods=["GET"]))
    return app
