"""A local, stateful double of the Meta Graph API subset Facebook Pages use (Starlette, in memory).

Meta's Graph API cannot run locally; this is our own code, written from Meta's reference pages
(each linked where it is followed), and the tests check every object it answers and every
parameter the adapter sends against Meta's own specification files (``tests/meta/meta_spec.py``):

- Graph basics, field expansion (``fields=a,b.limit(0).summary(total_count){c}.as(d)``) and
  cursor paging: https://developers.facebook.com/docs/graph-api/overview,
  https://developers.facebook.com/docs/graph-api/guides/field-expansion,
  https://developers.facebook.com/docs/graph-api/results. A field the node's type does not
  serve is error 100 "Tried accessing nonexisting field".
- Page posts: ``POST /{page-id}/feed`` (``message``, ``link``; the same text twice in a row is
  error 506), ``GET /{page-id}/published_posts`` (newest first):
  https://developers.facebook.com/docs/pages-api/posts,
  https://developers.facebook.com/docs/graph-api/reference/page/feed. These list the Page's own
  posts only.
- Mentions: ``GET /{page-id}/tagged`` (posts of people that tag the Page, newest first; Meta's
  spec gives the edge no parameter of its own): a reader's post id is ``{reader}_{post}``, as
  Graph's ``{author}_{post}``: https://developers.facebook.com/docs/graph-api/reference/page/tagged.
- Comments: ``GET /{object}/comments`` (``filter`` toplevel or stream, ``order``),
  ``POST /{object}/comments`` (``message``); hidden comments are shown to the Page with
  ``is_hidden``; comments nest one level:
  https://developers.facebook.com/docs/graph-api/reference/object/comments.
- Reactions: ``GET /{object}/reactions`` (``type``) of ``Profile`` items:
  https://developers.facebook.com/docs/graph-api/reference/object/reactions.
- Several nodes and batches: ``GET /?ids=`` (50 at most; an id that does not exist is error
  803 naming it) and ``POST /`` with ``batch`` (50 operations, each answered ``{"code","body"}``):
  https://developers.facebook.com/docs/graph-api/making-multiple-requests.
- Tokens: ``GET /debug_token?input_token=``:
  https://developers.facebook.com/docs/graph-api/reference/debug_token.
- Errors: ``{"error": {"message","type","code","error_subcode","fbtrace_id"}}``:
  https://developers.facebook.com/docs/graph-api/guides/error-handling.

Every request must carry a known token (``Authorization: Bearer``/``OAuth``, or
``access_token``): else 190. Writing on the Page needs the Page's own token with
``pages_manage_posts``; reading comments and reactions ``pages_read_engagement`` and
``pages_read_user_content``; answering ``pages_manage_engagement`` (else 200 or 10). The path
names a version (``/v26.0/``).

Control routes, outside Graph and without a token, under ``/_double/``: ``faults``
(``{"method","path","status","code","subcode","message","headers","times"}``, the path as sent
or its template such as ``/page/feed``), ``comment`` (``{"reader","on","text"}``: a reader
comments a post or answers a comment), ``react`` (``{"reader","on","type"}``), ``share``
(``{"on","count"}``: how many times people shared a post, its ``shares.count``), ``hide`` and
``delete`` (``{"id"}``), ``tag`` (``{"reader","text"}``: a reader posts ``text`` on their own
timeline tagging the Page; answers its id), ``expire`` (the Page token expires),
``GET posts?link=`` (the Page's live posts linking to an address), ``GET post?id=`` (a post
and its visible thread, as a reader sees it), ``GET comment?id=`` and ``requests`` (GET: Graph
requests by method and template; DELETE: start again).

Threads (``sandbox/threads_api.py``) is mounted under ``/threads``: its own host upstream.
Instagram (``sandbox/instagram_api.py``) is mounted under ``/instagram``, with a state of its own.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

Json = dict[str, Any]
VERSION_RE = re.compile(r"^v\d+\.\d+$")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
IDS_LIMIT = 50
BATCH_LIMIT = 50
REACTION_TYPES = (
    "LIKE",
    "LOVE",
    "CARE",
    "HAHA",
    "WOW",
    "SAD",
    "ANGRY",
    "THANKFUL",
    "PRIDE",
    "FIRE",
    "HUNDRED",
)
PAGE_SCOPES = (
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_show_list",
)
# The fields each type serves here (a subset of Meta's; the tests hold them to Meta's specs).
FIELDS: dict[str, frozenset[str]] = {
    "Page": frozenset({"id", "name", "link"}),
    "PagePost": frozenset(
        {
            "id",
            "message",
            "created_time",
            "updated_time",
            "permalink_url",
            "from",
            "is_hidden",
            "shares",
        }
    ),
    "Comment": frozenset(
        {
            "id",
            "from",
            "message",
            "created_time",
            "parent",
            "is_hidden",
            "permalink_url",
            "like_count",
            "comment_count",
        }
    ),
    "Profile": frozenset({"id", "name", "pic", "link"}),
}
EDGES: dict[str, frozenset[str]] = {
    "Page": frozenset({"published_posts", "feed", "tagged"}),
    "PagePost": frozenset({"comments", "reactions"}),
    "Comment": frozenset({"comments", "reactions"}),
    "Profile": frozenset(),
}
DEFAULT_FIELDS = {
    "Page": "id,name",
    "PagePost": "created_time,message,id",
    "Comment": "created_time,from,message,id",
    "Profile": "id,name",
}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class GraphRefusal(Exception):
    """An error answer of Graph's."""

    def __init__(
        self,
        message: str,
        code: int = 100,
        *,
        status: int = 400,
        subcode: int | None = None,
        kind: str = "OAuthException",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.subcode = subcode
        self.kind = kind
        self.headers = headers or {}

    def body(self) -> Json:
        """Graph's error object."""
        error: Json = {
            "message": self.message,
            "type": self.kind,
            "code": self.code,
            "fbtrace_id": base64.b32encode(str(time.time_ns()).encode()).decode()[:11],
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        return {"error": error}


# -- long-lived tokens ------------------------------------------------------------------------

DAY = 86400
LONG_LIVED = 60 * DAY


@dataclass
class LongLivedTokens:
    """The long-lived tokens of a Threads profile or an Instagram Login account, refreshed with
    ``GET /refresh_access_token?grant_type=…&access_token=…`` (no version in the address):
    a token at least 24 hours old and not expired gets a new one valid 60 days, answered as
    ``{"access_token","token_type":"bearer","expires_in"}``
    (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens,
    https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
    Meta does not say what it answers for a token too young: here error 100. The double keeps
    the old token valid too, since every test of a session shares one double.
    """

    seeded: str
    prefix: str  # how a new token starts (THAA, IGAA)
    grant_type: str
    expires_at: int = 0  # the seeded token's; 0: it never expires
    refreshed: dict[str, int] = field(default_factory=dict)  # new token -> when it was issued

    def valid(self, token: str) -> bool:
        """Whether ``token`` is the seeded one or one this double refreshed."""
        return bool(token) and (token == self.seeded or token in self.refreshed)

    def times(self, token: str) -> tuple[int, int]:
        """When ``token`` was issued and when it expires (0: never)."""
        if token in self.refreshed:
            issued = self.refreshed[token]
            return issued, issued + LONG_LIVED
        if not self.expires_at:
            return int(time.time()) - DAY, 0
        return self.expires_at - LONG_LIVED, self.expires_at

    def days_left(self, days: float | None) -> None:
        """The seeded token now expires in ``days`` (None: never)."""
        self.expires_at = int(time.time() + days * DAY) if days is not None else 0

    def refresh(self, params: dict[str, str]) -> dict[str, Any]:
        """``GET /refresh_access_token``: a new token, or Graph's refusal."""
        if params.get("grant_type") != self.grant_type:
            raise GraphRefusal(f"(#100) grant_type must be {self.grant_type}", 100)
        token = str(params.get("access_token") or "")
        if not self.valid(token):
            raise GraphRefusal("Invalid OAuth access token - Cannot parse access token", 190)
        issued, expires = self.times(token)
        now = int(time.time())
        if expires and expires <= now:
            raise GraphRefusal(
                "Error validating access token: Session has expired.", 190, subcode=463
            )
        if not expires or now - issued < DAY:
            raise GraphRefusal("(#100) This token cannot be refreshed yet.", 100)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        new = self.prefix + "".join(secrets.choice(alphabet) for _ in range(180))
        self.refreshed[new] = now
        return {"access_token": new, "token_type": "bearer", "expires_in": LONG_LIVED}


# -- field expansion --------------------------------------------------------------------------


@dataclass
class FieldSpec:
    """One requested field: its name, modifiers (``limit``, ``summary``, ``type``...), the
    fields asked of its items and the alias it is answered under."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    children: list[FieldSpec] | None = None
    children_text: str = ""

    @property
    def key(self) -> str:
        """The key of the answer (its alias, else its name)."""
        return self.modifiers.get("as", self.name)


def parse_fields(text: str) -> list[FieldSpec]:
    """``fields`` in Graph's field expansion syntax; ValueError where it is not."""
    specs, at = _field_list(text, 0)
    if at != len(text):
        raise ValueError(f"unexpected {text[at]!r} at {at}")
    return specs


def _field_list(text: str, at: int) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while True:
        spec, at = _field(text, at)
        specs.append(spec)
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        return specs, at


def _field(text: str, at: int) -> tuple[FieldSpec, int]:
    name = _WORD.match(text, at)
    if not name:
        raise ValueError(f"a field name is expected at {at}")
    spec = FieldSpec(name.group())
    at = name.end()
    while at < len(text) and text[at] in ".{":
        if text[at] == "{":
            start = at + 1
            spec.children, at = _field_list(text, start)
            if at >= len(text) or text[at] != "}":
                raise ValueError(f"a '{{' at {start - 1} is not closed")
            spec.children_text = text[start:at]
            at += 1
            continue
        modifier = _WORD.match(text, at + 1)
        if not modifier or not text.startswith("(", modifier.end()):
            raise ValueError(f"a modifier is expected at {at + 1}")
        end = text.find(")", modifier.end())
        if end < 0:
            raise ValueError(f"a modifier at {at + 1} is not closed")
        spec.modifiers[modifier.group()] = text[modifier.end() + 1 : end]
        at = end + 1
    return spec, at


# -- the state --------------------------------------------------------------------------------


def _graph_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Token:
    """An access token the double knows."""

    value: str
    kind: str  # PAGE or USER
    scopes: tuple[str, ...]
    profile_id: str  # the Page of a Page token
    user_id: str
    expires_at: int = 0  # 0: never
    issued_at: int = 0
    expired: bool = False


@dataclass
class Fault:
    """An answer a test asked for, ``times`` times."""

    path: str
    method: str | None
    status: int
    code: int
    subcode: int | None
    message: str
    headers: dict[str, str]
    times: int


@dataclass
class State:
    """Everything the double stores."""

    base_url: str
    app_id: str
    page_id: str
    page_name: str
    readers: dict[str, str]  # id -> name
    tokens: dict[str, Token]
    posts: dict[str, Json] = field(default_factory=dict)
    comments: dict[str, Json] = field(default_factory=dict)
    reactions: dict[tuple[str, str], str] = field(default_factory=dict)  # (object, who) -> type
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_number(self) -> str:
        """A fresh number for a post or a comment."""
        return str(100_000_000_000_000 + next(self.ids))

    def type_of(self, node: str) -> str:
        """The type of a node id, or "" when there is no such node."""
        if node == self.page_id:
            return "Page"
        if node in self.posts and not self.posts[node].get("_deleted"):
            return "PagePost"
        if node in self.comments and not self.comments[node].get("_deleted"):
            return "Comment"
        if node in self.readers:
            return "Profile"
        return ""


def _template(state: State, path: str) -> str:
    """``/{version}/{node}/{edge}`` as counted and named by faults: ``/page/feed``."""
    parts = [p for p in path.split("/") if p][1:]
    if not parts:
        return "/"
    if parts[0] == "debug_token":
        return "/debug_token"
    kind = {"Page": "page", "PagePost": "post", "Comment": "comment", "Profile": "person"}.get(
        state.type_of(parts[0]), "node"
    )
    return "/" + "/".join([kind, *parts[1:]])


class GraphDouble:
    """Graph's handlers over one ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- the gate -------------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        """Every Graph request: counted, faults applied, authenticated, dispatched."""
        path = request.url.path
        template = _template(self.state, path)
        self.state.requests[f"{request.method} {template}"] += 1
        for fault in self.state.faults:
            if fault.times > 0 and fault.path in (path, template):
                if fault.method and fault.method.upper() != request.method:
                    continue
                fault.times -= 1
                refusal = GraphRefusal(
                    fault.message,
                    fault.code,
                    status=fault.status,
                    subcode=fault.subcode,
                    headers=fault.headers,
                )
                return JSONResponse(refusal.body(), fault.status, headers=fault.headers)
        form: dict[str, str] = {}
        if request.method == "POST":
            form = dict(parse_qsl((await request.body()).decode()))
        query = dict(request.query_params)
        try:
            token = self._token(request, {**query, **form})
            status, body = self.dispatch(request.method, path, {**query, **form}, token)
        except GraphRefusal as refusal:
            return JSONResponse(refusal.body(), refusal.status, headers=refusal.headers)
        if "_batch" in body:
            return JSONResponse(body["_batch"], status)
        return JSONResponse(body, status)

    def _token(self, request: Request, params: Json) -> Token:
        header = request.headers.get("authorization", "")
        value = ""
        for scheme in ("Bearer ", "OAuth "):
            if header.startswith(scheme):
                value = header.removeprefix(scheme).strip()
        value = value or str(params.get("access_token") or "")
        if not value:
            raise GraphRefusal(
                "An active access token must be used to query information about the current user.",
                2500,
            )
        token = self.state.tokens.get(value)
        if token is None:
            raise GraphRefusal("Invalid OAuth access token - Cannot parse access token", 190)
        if token.expired:
            raise GraphRefusal(
                "Error validating access token: Session has expired. The current time is "
                f"{_graph_time(time.time())}.",
                190,
                subcode=463,
            )
        return token

    def dispatch(self, method: str, path: str, params: Json, token: Token) -> tuple[int, Json]:
        """One Graph operation (a request, or one of a batch): its status and body."""
        parts = [p for p in path.split("/") if p]
        if not parts or not VERSION_RE.match(parts[0]):
            raise GraphRefusal("Unknown path components: the version is missing", 2500)
        self.version = parts[0]
        parts = parts[1:]
        params = {k: v for k, v in params.items() if k != "access_token"}
        if not parts:
            if method == "POST" and "batch" in params:
                return 200, {"_batch": self.batch(params, token)}
            if method == "GET" and "ids" in params:
                return 200, self.by_ids(params, token)
            raise GraphRefusal("Unsupported request: give ids or batch", 100)
        if parts == ["debug_token"] and method == "GET":
            return 200, self.debug_token(params)
        node = parts[0]
        kind = self.state.type_of(node)
        if not kind:
            raise GraphRefusal(
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation. Please read the Graph API documentation at "
                "https://developers.facebook.com/docs/graph-api",
                100,
                subcode=33,
            )
        if len(parts) == 1 and method == "GET":
            self._may_read(token, kind)
            return 200, self.render(node, kind, self._fields(params, kind), token)
        if len(parts) == 2:
            edge = parts[1]
            if method == "GET" and edge in EDGES[kind]:
                self._may_read(token, kind)
                spec = FieldSpec(edge, self._edge_modifiers(params), None)
                if "fields" in params:
                    spec.children = self._parse(params["fields"])
                    spec.children_text = params["fields"]
                return 200, self.edge(node, kind, spec, token)
            if method == "POST" and (kind, edge) == ("Page", "feed"):
                return 200, self.create_post(params, token)
            if method == "POST" and edge == "comments" and kind in ("PagePost", "Comment"):
                return 200, self.create_comment(node, params, token)
        raise GraphRefusal(f"Unsupported {method.lower()} request.", 100, subcode=33)

    @staticmethod
    def _parse(text: str) -> list[FieldSpec]:
        try:
            return parse_fields(text)
        except ValueError as error:
            raise GraphRefusal(f"Syntax error in fields: {error}", 100) from None

    def _fields(self, params: Json, kind: str) -> list[FieldSpec]:
        return self._parse(str(params.get("fields") or DEFAULT_FIELDS[kind]))

    @staticmethod
    def _edge_modifiers(params: Json) -> dict[str, str]:
        return {k: str(v) for k, v in params.items() if k != "fields"}

    def _may_read(self, token: Token, kind: str) -> None:
        if kind in ("PagePost", "Comment") and not {
            "pages_read_engagement",
            "pages_read_user_content",
        } <= set(token.scopes):
            raise GraphRefusal(
                "(#10) This endpoint requires the 'pages_read_engagement' permission or the "
                "'Page Public Content Access' feature.",
                10,
                status=403,
            )

    def _page_token(self, token: Token, scope: str) -> None:
        if token.kind != "PAGE" or token.profile_id != self.state.page_id:
            raise GraphRefusal(
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts as an admin with sufficient administrative permission",
                200,
                status=403,
            )
        if scope not in token.scopes:
            raise GraphRefusal(f"(#200) Requires the {scope} permission", 200, status=403)

    # -- reading --------------------------------------------------------------------------------

    def _object(self, node: str, kind: str) -> Json:
        if kind == "Page":
            return {
                "id": self.state.page_id,
                "name": self.state.page_name,
                "link": f"https://www.facebook.com/{self.state.page_id}",
            }
        if kind == "PagePost":
            return self.state.posts[node]
        if kind == "Comment":
            return self.state.comments[node]
        return {
            "id": node,
            "name": self.state.readers[node],
            "pic": f"{self.state.base_url}/_double/picture/{node}",
            "link": "",
        }

    def render(self, node: str, kind: str, specs: list[FieldSpec], token: Token) -> Json:
        """A node with the fields asked (``id`` always)."""
        data = self._object(node, kind)
        out: Json = {}
        for spec in specs:
            if spec.name in EDGES[kind]:
                out[spec.key] = self.edge(node, kind, spec, token)
                continue
            if spec.name not in FIELDS[kind] or spec.modifiers.keys() - {"as"}:
                raise GraphRefusal(
                    f"(#100) Tried accessing nonexisting field ({spec.name}) on node type ({kind})",
                    100,
                )
            value = data.get(spec.name)
            if spec.name == "parent":
                if not value:
                    continue
                value = self.render(
                    str(value), "Comment", spec.children or [FieldSpec("id")], token
                )
            elif spec.name == "from" and isinstance(value, dict):
                value = dict(value)
            elif spec.name == "shares":
                # ``{"count": N}``, left out of a post never shared (as Graph answers it).
                value = {"count": data["_shares"]} if data.get("_shares") else None
            if value is None or value == "":
                continue
            out[spec.key] = value
        out.setdefault("id", node)
        return out

    def _items(self, node: str, kind: str, spec: FieldSpec) -> tuple[str, list[str]]:
        """The item type and ids of an edge, in order, filtered by its modifiers."""
        mods = spec.modifiers
        if spec.name in ("published_posts", "feed", "tagged"):
            # The Page's own posts, or (tagged) the readers' posts that tag it.
            own = spec.name != "tagged"
            posts = [
                p
                for p, v in self.state.posts.items()
                if not v.get("_deleted")
                and (v["from"]["id"] == self.state.page_id) == own
                and (own or self.state.page_id in v.get("_tags", ()))
            ]
            return "PagePost", sorted(posts, key=lambda p: self.state.posts[p]["_at"], reverse=True)
        if spec.name == "comments":
            wanted = mods.get("filter", "toplevel")
            if wanted not in ("toplevel", "stream"):
                raise GraphRefusal("(#100) filter must be one of: toplevel, stream", 100)
            live = [c for c, v in self.state.comments.items() if not v.get("_deleted")]
            if kind == "Comment":
                found = [c for c in live if self.state.comments[c].get("parent") == node]
            elif wanted == "stream":
                found = [c for c in live if self.state.comments[c]["_post"] == node]
            else:
                found = [
                    c
                    for c in live
                    if self.state.comments[c]["_post"] == node
                    and not self.state.comments[c].get("parent")
                ]
            order = mods.get("order", "chronological")
            if order not in ("chronological", "reverse_chronological"):
                raise GraphRefusal("(#100) order must be chronological or reverse_chronological")
            found.sort(key=lambda c: self.state.comments[c]["_at"])
            return "Comment", found[::-1] if order == "reverse_chronological" else found
        if spec.name == "reactions":
            wanted = mods.get("type", "")
            if wanted and wanted not in (*REACTION_TYPES, "NONE"):
                raise GraphRefusal(f"(#100) type must be one of {', '.join(REACTION_TYPES)}")
            return "Profile", [
                who
                for (target, who), kind_ in self.state.reactions.items()
                if target == node and (not wanted or kind_ == wanted)
            ]
        raise GraphRefusal(f"(#100) Unknown edge {spec.name}", 100)

    def edge(self, node: str, kind: str, spec: FieldSpec, token: Token) -> Json:
        """An edge with paging and its summary."""
        item_type, ids = self._items(node, kind, spec)
        mods = spec.modifiers
        known = {"limit", "summary", "as", "after", "filter", "order", "type"}
        if unknown := set(mods) - known:
            raise GraphRefusal(f"(#100) Unknown parameter {sorted(unknown)[0]}", 100)
        try:
            limit = min(MAX_LIMIT, int(mods.get("limit", DEFAULT_LIMIT)))
            start = int(base64.b64decode(mods["after"]).decode()) if "after" in mods else 0
        except ValueError:
            raise GraphRefusal("(#100) limit and after must be numbers and cursors") from None
        children = spec.children or self._parse(DEFAULT_FIELDS[item_type])
        chosen = ids[start : start + limit]
        out: Json = {"data": [self.render(i, item_type, children, token) for i in chosen]}
        if chosen:
            before = base64.b64encode(str(start).encode()).decode()
            after = base64.b64encode(str(start + len(chosen)).encode()).decode()
            paging: Json = {"cursors": {"before": before, "after": after}}
            if start + len(chosen) < len(ids):
                query = {k: v for k, v in mods.items() if k not in ("as", "summary", "after")} | {
                    "limit": str(limit),
                    "after": after,
                }
                if spec.children_text:
                    query["fields"] = spec.children_text
                paging["next"] = (
                    f"{self.state.base_url}/{self.version}/{node}/{spec.name}?{urlencode(query)}"
                )
            out["paging"] = paging
        if "summary" in mods:
            out["summary"] = {"total_count": len(ids)}
            if spec.name == "comments":
                out["summary"]["order"] = mods.get("order", "chronological")
        return out

    version = "v26.0"

    def by_ids(self, params: Json, token: Token) -> Json:
        """``GET /?ids=a,b``: each node with the fields asked; 803 for ids that do not exist."""
        ids = [i for i in str(params["ids"]).split(",") if i]
        if len(ids) > IDS_LIMIT:
            raise GraphRefusal(f"(#100) Too many IDs. Maximum: {IDS_LIMIT}.", 100)
        missing = [i for i in ids if not self.state.type_of(i)]
        if missing:
            raise GraphRefusal(
                f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}",
                803,
                status=404,
            )
        out: Json = {}
        for node in ids:
            kind = self.state.type_of(node)
            self._may_read(token, kind)
            out[node] = self.render(node, kind, self._fields(params, kind), token)
        return out

    def batch(self, params: Json, token: Token) -> list[Json]:
        """``POST /`` with ``batch``: each operation answered ``{"code","body"}``."""
        try:
            operations = json.loads(str(params["batch"]))
        except ValueError:
            raise GraphRefusal("(#100) The parameter batch must be JSON", 100) from None
        if not isinstance(operations, list) or len(operations) > BATCH_LIMIT:
            raise GraphRefusal(f"(#100) Batch requests take {BATCH_LIMIT} operations at most", 100)
        include = str(params.get("include_headers", "true")) != "false"
        answers: list[Json] = []
        for operation in operations:
            method = str(operation.get("method", "GET")).upper()
            relative = str(operation.get("relative_url", ""))
            path, _, raw = relative.partition("?")
            try:
                status, body = self.dispatch(
                    method, f"/{self.version}/{path.lstrip('/')}", dict(parse_qsl(raw)), token
                )
            except GraphRefusal as refusal:
                status, body = refusal.status, refusal.body()
            answer: Json = {"code": status, "body": json.dumps(body)}
            if include:
                answer["headers"] = [{"name": "Content-Type", "value": "application/json"}]
            answers.append(answer)
        return answers

    def debug_token(self, params: Json) -> Json:
        """``GET /debug_token``: what the double knows of ``input_token``."""
        token = self.state.tokens.get(str(params.get("input_token") or ""))
        if token is None:
            return {
                "data": {
                    "error": {"code": 190, "message": "Invalid OAuth access token."},
                    "is_valid": False,
                    "scopes": [],
                }
            }
        data: Json = {
            "app_id": self.state.app_id,
            "type": token.kind,
            "application": "Agora",
            "data_access_expires_at": int(time.time()) + 90 * 86400,
            "expires_at": token.expires_at,
            "is_valid": not token.expired,
            "issued_at": token.issued_at,
            "scopes": list(token.scopes),
            "user_id": token.user_id,
        }
        if token.kind == "PAGE":
            data["profile_id"] = token.profile_id
        if token.expired:
            data["error"] = {
                "code": 190,
                "message": "Error validating access token: Session has expired.",
                "subcode": 463,
            }
        return {"data": data}

    # -- writing --------------------------------------------------------------------------------

    def create_post(self, params: Json, token: Token) -> Json:
        """``POST /{page-id}/feed``."""
        self._page_token(token, "pages_manage_posts")
        if unknown := set(params) - {"message", "link"}:
            raise GraphRefusal(f"(#100) Param {sorted(unknown)[0]} is not supported here", 100)
        message = str(params.get("message") or "")
        link = str(params.get("link") or "")
        if not message and not link:
            raise GraphRefusal("(#100) Missing message or attachment", 100)
        if link and not re.match(r"^https?://\S+$", link):
            raise GraphRefusal("(#100) The link must be an http(s) URL", 100)
        live = [
            p
            for p in self.state.posts.values()
            if not p.get("_deleted") and p["from"]["id"] == self.state.page_id
        ]
        if live and max(live, key=lambda p: p["_at"])["message"] == message:
            raise GraphRefusal("Duplicate status message", 506)
        number = self.state.next_number()
        post_id = f"{self.state.page_id}_{number}"
        now = time.time()
        self.state.posts[post_id] = {
            "id": post_id,
            "message": message,
            "created_time": _graph_time(now),
            "updated_time": _graph_time(now),
            "permalink_url": f"https://www.facebook.com/{self.state.page_id}/posts/{number}",
            "from": {"id": self.state.page_id, "name": self.state.page_name},
            "is_hidden": False,
            "_shares": 0,
            "_link": link,
            "_at": now,
        }
        return {"id": post_id}

    def new_tagging_post(self, who: str, message: str) -> str:
        """A post of the reader ``who`` on their own timeline that tags the Page; its id."""
        if not message.strip():
            raise GraphRefusal("(#100) Missing message", 100)
        number = self.state.next_number()
        post_id = f"{who}_{number}"
        now = time.time() + next(self.state.ids) / 1e6  # strictly increasing
        self.state.posts[post_id] = {
            "id": post_id,
            "message": message,
            "created_time": _graph_time(now),
            "updated_time": _graph_time(now),
            "permalink_url": f"https://www.facebook.com/{who}/posts/{number}",
            "from": {"id": who, "name": self.state.readers[who]},
            "is_hidden": False,
            "_shares": 0,
            "_link": "",
            "_tags": [self.state.page_id],
            "_at": now,
        }
        return post_id

    def new_comment(self, on: str, who: str, name: str, message: str) -> str:
        """A comment of ``who`` on the post or top-level comment ``on``; its id."""
        kind = self.state.type_of(on)
        if kind == "Comment" and self.state.comments[on].get("parent"):
            raise GraphRefusal("(#100) Comments can only be nested one level", 100)
        if kind not in ("PagePost", "Comment"):
            raise GraphRefusal(f"(#100) Cannot comment on {on}", 100, subcode=33)
        if not message.strip():
            raise GraphRefusal("(#100) Missing message", 100)
        post = on if kind == "PagePost" else self.state.comments[on]["_post"]
        number = post.partition("_")[2]
        comment_id = f"{number}_{self.state.next_number()}"
        now = time.time() + next(self.state.ids) / 1e6  # strictly increasing
        self.state.comments[comment_id] = {
            "id": comment_id,
            "from": {"id": who, "name": name},
            "message": message,
            "created_time": _graph_time(now),
            "is_hidden": False,
            "permalink_url": f"{self.state.posts[post]['permalink_url']}?comment_id={comment_id}",
            "like_count": 0,
            "comment_count": 0,
            "_post": post,
            "_at": now,
            **({"parent": on} if kind == "Comment" else {}),
        }
        if kind == "Comment":
            self.state.comments[on]["comment_count"] += 1
        return comment_id

    def create_comment(self, on: str, params: Json, token: Token) -> Json:
        """``POST /{object}/comments``: the Page comments (its own post, or answers)."""
        self._page_token(token, "pages_manage_engagement")
        if unknown := set(params) - {"message"}:
            raise GraphRefusal(f"(#100) Param {sorted(unknown)[0]} is not supported here", 100)
        made = self.new_comment(
            on, self.state.page_id, self.state.page_name, str(params.get("message") or "")
        )
        return {"id": made}

    # -- control --------------------------------------------------------------------------------

    async def control(self, request: Request) -> Response:
        """The ``/_double/`` routes (see the module's docstring)."""
        name = request.path_params["name"]
        state = self.state
        try:
            if name == "requests":
                if request.method == "DELETE":
                    state.requests.clear()
                return JSONResponse({"requests": dict(state.requests)})
            if name == "posts" and request.method == "GET":
                link = request.query_params.get("link", "").rstrip("/")
                found = [
                    p["id"]
                    for p in state.posts.values()
                    if not p.get("_deleted")
                    and link
                    and (p["_link"].rstrip("/") == link or link in p["message"])
                ]
                return JSONResponse({"count": len(found), "posts": found})
            if name == "post" and request.method == "GET":
                post = state.posts.get(request.query_params.get("id", ""))
                if post is None or post.get("_deleted"):
                    return JSONResponse({"error": "no such post"}, 404)
                thread = [
                    {k: v for k, v in c.items() if not k.startswith("_")}
                    for c in sorted(state.comments.values(), key=lambda c: c["_at"])
                    if c["_post"] == post["id"] and not c.get("_deleted") and not c["is_hidden"]
                ]
                shown = {k: v for k, v in post.items() if not k.startswith("_")}
                return JSONResponse({**shown, "comments": thread})
            if name == "comment" and request.method == "GET":
                comment = state.comments.get(request.query_params.get("id", ""))
                if comment is None or comment.get("_deleted"):
                    return JSONResponse({"error": "no such comment"}, 404)
                return JSONResponse({k: v for k, v in comment.items() if not k.startswith("_")})
            body = json.loads(await request.body() or b"{}")
            if name == "faults":
                state.faults.append(
                    Fault(
                        path=str(body["path"]),
                        method=body.get("method"),
                        status=int(body.get("status", 400)),
                        code=int(body.get("code", 1)),
                        subcode=body.get("subcode"),
                        message=str(body.get("message") or "An unknown error occurred"),
                        headers=dict(body.get("headers") or {}),
                        times=int(body.get("times", 1)),
                    )
                )
                return JSONResponse({"ok": True})
            if name == "comment":
                reader = str(body["reader"])
                made = self.new_comment(
                    str(body["on"]), reader, state.readers[reader], str(body["text"])
                )
                return JSONResponse({"id": made})
            if name == "tag":
                made = self.new_tagging_post(str(body["reader"]), str(body["text"]))
                return JSONResponse({"id": made})
            if name == "react":
                kind = str(body.get("type", "LIKE"))
                on = str(body["on"])
                if kind not in REACTION_TYPES or not state.type_of(on):
                    raise GraphRefusal(f"cannot react {kind} on {on}")
                state.reactions[(on, str(body["reader"]))] = kind
                return JSONResponse({"ok": True})
            if name == "share":
                post = state.posts[str(body["on"])]
                post["_shares"] = int(body.get("count", post["_shares"] + 1))
                return JSONResponse({"ok": True})
            if name in ("hide", "delete"):
                node = str(body["id"])
                target = state.comments.get(node) or state.posts.get(node)
                if target is None:
                    raise GraphRefusal(f"no such object {node}")
                target["is_hidden" if name == "hide" else "_deleted"] = True
                return JSONResponse({"ok": True})
            if name == "expire":
                for token in state.tokens.values():
                    if token.kind == str(body.get("kind", "PAGE")):
                        token.expired = True
                return JSONResponse({"ok": True})
        except (GraphRefusal, KeyError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"error": f"no control route {request.method} {name}"}, 404)


def create_app(config: dict[str, Any]) -> Starlette:
    """The double, seeded from ``config`` (``sandbox.meta.MetaServer.to_json``)."""
    now = int(time.time())
    tokens = {
        config["page_token"]: Token(
            config["page_token"],
            "PAGE",
            PAGE_SCOPES,
            config["page_id"],
            config["system_user_id"],
            expires_at=0,
            issued_at=now,
        ),
        config["user_token"]: Token(
            config["user_token"],
            "USER",
            PAGE_SCOPES,
            "",
            config["system_user_id"],
            expires_at=now + 60 * 86400,
            issued_at=now,
        ),
    }
    state = State(
        base_url=config["base_url"],
        app_id=config["app_id"],
        page_id=config["page_id"],
        page_name=config["page_name"],
        readers={r["id"]: r["name"] for r in config["readers"]},
        tokens=tokens,
    )
    double = GraphDouble(state)
    methods = ["GET", "POST", "DELETE"]
    routes: list[Route | Mount] = [Route("/_double/{name}", double.control, methods=methods)]
    if config.get("threads_user_id"):
        # Threads answers at its own host (graph.threads.net): here, under a path prefix.
        from sandbox.threads_api import create_threads_app

        routes.append(Mount("/threads", app=create_threads_app(config)))
    if config.get("instagram_user_id"):
        # Instagram is graph.facebook.com upstream; here a state of its own, under a prefix.
        from sandbox.instagram_api import create_instagram_app

        routes.append(Mount("/instagram", app=create_instagram_app(config)))
    routes.append(Route("/{path:path}", double.api, methods=methods))
    return Starlette(routes=routes)
