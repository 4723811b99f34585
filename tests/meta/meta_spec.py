"""Check every Graph request an adapter sends, and every answer it reads, against Meta's own specs.

The descriptions are ``fixtures/*.json`` (Meta's Graph API object specs, see
``fixtures/README.md``) and, for objects those files lack (``Profile``), Meta's
``facebook-business`` SDK (``adobjects/*.py``: ``_field_types``; each edge method's
``param_types`` and enums, whose ``TypeChecker`` checks each parameter's value).
``ValidatingTransport`` wraps the transport the adapter talks through (the local double, or a
``MockTransport``) and records a sentence for every request or answer the descriptions refuse:

- a request: its path is a node (typed by Meta's id formats: the Page's id, ``{page}_{post}``
  for its posts, ``{post}_{comment}`` for comments) and an edge that type has for that method;
  every parameter is one the edge takes (or one every Graph request takes), of its type; every
  field asked (``fields``, field expansion included: each edge's modifiers are its parameters)
  is a field or an edge of the type it is asked of;
- an answer: every field is one the type has and was asked (``id`` always comes), of its type
  (``string``, ``bool``, ``int``, a Graph ``datetime``, an object of a known type checked in
  turn), an edge is ``{"data","paging","summary"}``, an error Graph's error object; a batch is
  checked part by part, each as the request it stands for.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from facebook_business.api import FacebookAdsApi, FacebookRequest, FacebookSession
from facebook_business.typechecker import TypeChecker

from sandbox.meta_api import FieldSpec, parse_fields

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Parameters every Graph request takes (fixtures/README.md says where each is documented).
GENERIC_PARAMS = frozenset(
    {"fields", "limit", "after", "before", "summary", "access_token", "include_headers"}
)
# Field expansion's own modifiers of an edge (the others are the edge's parameters).
EDGE_MODIFIERS = frozenset({"limit", "summary", "as", "after", "before"})
DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+0000$")
ERROR_FIELDS = {
    "message": str,
    "type": str,
    "code": int,
    "error_subcode": int,
    "fbtrace_id": str,
    "error_user_title": str,
    "error_user_msg": str,
    "is_transient": bool,
}
DEBUG_TOKEN_FIELDS = {
    "app_id": str,
    "type": str,
    "application": str,
    "data_access_expires_at": int,
    "expires_at": int,
    "is_valid": bool,
    "issued_at": int,
    "scopes": list,
    "granular_scopes": list,
    "profile_id": str,
    "user_id": str,
    "error": dict,
}


@dataclass(frozen=True)
class Edge:
    """One edge (or the node itself, ``name`` ""): what it returns and the parameters it takes."""

    name: str
    method: str
    returns: str
    params: dict[str, str]
    checker: TypeChecker | None


@dataclass(frozen=True)
class GraphType:
    """One Graph type: its fields by name and type, and its edges by (method, name)."""

    name: str
    fields: dict[str, str]
    edges: dict[tuple[str, str], Edge]


def _sdk_class(name: str) -> Any:
    try:
        module = importlib.import_module(f"facebook_business.adobjects.{name.lower()}")
    except ImportError:
        return None
    return getattr(module, name, None)


@lru_cache(maxsize=1)
def _api() -> FacebookAdsApi:
    # The SDK's type checker needs an API object; nothing is ever sent with it.
    return FacebookAdsApi(FacebookSession(access_token=secrets.token_hex(8)))


@cache
def _sdk_checkers(name: str) -> dict[tuple[str, str], TypeChecker]:
    """Each edge's ``TypeChecker`` in the SDK class of ``name``, by (method, edge)."""
    cls = _sdk_class(name)
    found: dict[tuple[str, str], TypeChecker] = {}
    if cls is None:
        return found
    try:
        instance = cls(fbid="1", api=_api())
    except TypeError:  # a result type, not a node (``ContentPublishingLimitResponse``): no edges
        return found
    for attribute, _member in inspect.getmembers(cls, inspect.isfunction):
        if not attribute.startswith(("get_", "create_", "api_get", "api_update")):
            continue
        try:
            request = getattr(instance, attribute)(pending=True)
        except Exception:  # noqa: BLE001 - a method that does not build a request is skipped
            continue
        if isinstance(request, FacebookRequest):
            edge = request._endpoint.strip("/")
            found[(request._method, edge)] = request._param_checker
    return found


@cache
def graph_type(name: str) -> GraphType | None:
    """The description of ``name``: its spec file, else the SDK's tables; None when unknown."""
    path = FIXTURES / f"{name}.json"
    checkers = _sdk_checkers(name)
    if path.exists():
        spec = json.loads(path.read_text(encoding="utf-8"))
        fields = {f["name"]: f.get("type", "string") for f in spec.get("fields", [])}
        edges = {}
        for api in spec.get("apis", []):
            edge_name = api.get("endpoint") or ""
            method = api["method"]
            params = {p["name"]: p.get("type", "string") for p in api.get("params", [])}
            checker = checkers.get((method, edge_name))
            edges[(method, edge_name)] = Edge(edge_name, method, api["return"], params, checker)
        return GraphType(name, fields, edges)
    cls = _sdk_class(name)
    types = getattr(cls, "_field_types", None)
    if not isinstance(types, dict):
        return None
    return GraphType(name, dict(types), {})


def _value_type_errors(where: str, kind: str, value: Any) -> list[str]:
    """Whether ``value`` is of the spec's ``kind`` (scalars; objects are checked by the caller)."""
    ok: bool
    if kind == "string":
        ok = isinstance(value, str)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind in ("int", "unsigned int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and (kind == "int" or value >= 0)
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "datetime":
        ok = isinstance(value, str) and bool(DATETIME_RE.match(value))
    elif kind.startswith("list"):
        ok = isinstance(value, list)
    elif kind in ("Object", "map") or kind.startswith("map"):
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, dict)
    return [] if ok else [f"{where} is {type(value).__name__} {value!r}, not {kind}"]


@dataclass
class MetaSpec:
    """The checks, for the Page ``page_id`` (Meta's ids tell a post from a comment by it)."""

    page_id: str
    # People whose own posts are read (those that tag the Page): Graph's post ids are
    # ``{author}_{post}``, which only the author's id tells from a comment's ``{post}_{comment}``.
    authors: frozenset[str] = field(default=frozenset(), kw_only=True)

    def node_type(self, node: str) -> str:
        """The type of a node from Meta's id formats."""
        if node == self.page_id:
            return "Page"
        if node.startswith(f"{self.page_id}_") or node.partition("_")[0] in self.authors:
            return "PagePost"
        if re.fullmatch(r"\d+_\d+", node):
            return "Comment"
        return ""

    # -- requests -------------------------------------------------------------------------------

    def request_errors(self, method: str, path: str, params: dict[str, str]) -> list[str]:
        """What Meta's descriptions refuse in a request (``path`` with its version)."""
        label = f"{method} {path}"
        parts = [p for p in path.split("/") if p]
        if not parts or not re.fullmatch(r"v\d+\.\d+", parts[0]):
            return [f"{label}: no Graph version in the path"]
        parts = parts[1:]
        if not parts:
            return self._root_errors(label, method, params)
        if parts == ["debug_token"]:
            unknown = set(params) - {"input_token", "access_token"}
            return [f"{label}: debug_token takes no {sorted(unknown)}"] if unknown else []
        kind = self.node_type(parts[0])
        described = graph_type(kind) if kind else None
        if described is None:
            return [f"{label}: {parts[0]!r} is no node of a type Meta describes"]
        edge_name = parts[1] if len(parts) > 1 else ""
        edge = described.edges.get((method, edge_name))
        if edge is None or len(parts) > 2:
            return [f"{label}: {kind} has no {method} edge {edge_name!r}"]
        problems = self._param_errors(label, edge, params)
        if method == "GET" and "fields" in params:
            returns = kind if not edge_name else edge.returns
            problems += self._fields_errors(label, returns, params["fields"])
        return problems

    def _root_errors(self, label: str, method: str, params: dict[str, str]) -> list[str]:
        if method == "POST" and "batch" in params:
            try:
                operations = json.loads(params["batch"])
            except ValueError:
                return [f"{label}: batch is not JSON"]
            problems = []
            if set(params) - {"batch", "include_headers", "access_token"}:
                problems.append(f"{label}: a batch takes batch and include_headers only")
            if not isinstance(operations, list) or not 0 < len(operations) <= 50:
                return [*problems, f"{label}: a batch has 1 to 50 operations"]
            for operation in operations:
                sub_path, _, query = str(operation.get("relative_url", "")).partition("?")
                version = next(p for p in urlsplit(label.split(" ", 1)[1]).path.split("/") if p)
                problems += self.request_errors(
                    str(operation.get("method", "GET")),
                    f"/{version}/{sub_path.lstrip('/')}",
                    dict(parse_qsl(query, keep_blank_values=True)),
                )
            return problems
        if method == "GET" and "ids" in params:
            ids = [i for i in params["ids"].split(",") if i]
            problems = [] if len(ids) <= 50 else [f"{label}: more than 50 ids"]
            for node in ids:
                kind = self.node_type(node)
                if not kind:
                    problems.append(f"{label}: {node!r} is no node Meta describes")
                elif "fields" in params:
                    problems += self._fields_errors(f"{label} [{node}]", kind, params["fields"])
            extra = set(params) - {"ids", "fields", "access_token"}
            return problems + ([f"{label}: unexpected {sorted(extra)}"] if extra else [])
        return [f"{label}: a root request is a batch (POST) or ids= (GET)"]

    def _param_errors(self, label: str, edge: Edge, params: dict[str, str]) -> list[str]:
        problems = []
        for name, value in params.items():
            if name in GENERIC_PARAMS:
                continue
            if name not in edge.params:
                problems.append(f"{label}: the edge takes no parameter {name!r}")
                continue
            checker = edge.checker
            if checker is not None and not checker.is_valid_pair(name, value):
                problems.append(
                    f"{label}: {name}={value!r} is not a {edge.params[name]} (Meta's SDK)"
                )
        return problems

    def _fields_errors(self, label: str, kind: str, fields: str) -> list[str]:
        try:
            specs = parse_fields(fields)
        except ValueError as error:
            return [f"{label}: fields is not field expansion ({error})"]
        return self._tree_errors(label, kind, specs)

    def _tree_errors(self, label: str, kind: str, specs: list[FieldSpec]) -> list[str]:
        described = graph_type(kind)
        if described is None:
            return [f"{label}: Meta describes no type {kind}"]
        problems = []
        for spec in specs:
            where = f"{label}: {kind}.{spec.name}"
            edge = described.edges.get(("GET", spec.name))
            if spec.name in described.fields and edge is None:
                if set(spec.modifiers) - {"as"}:
                    problems.append(f"{where} is a field: it takes no {sorted(spec.modifiers)}")
                if spec.children is not None:
                    field_kind = described.fields[spec.name]
                    if field_kind == "Object":
                        continue  # Meta says an object, not which: its fields are not described
                    problems += self._tree_errors(label, field_kind, spec.children)
                continue
            if edge is None:
                problems.append(f"{where} is neither a field nor an edge of {kind}")
                continue
            for name, value in spec.modifiers.items():
                if name in EDGE_MODIFIERS:
                    continue
                if name not in edge.params:
                    problems.append(f"{where} takes no parameter {name!r}")
                elif edge.checker is not None and not edge.checker.is_valid_pair(name, value):
                    problems.append(f"{where}: {name}({value}) is not a {edge.params[name]}")
            if spec.children is not None:
                problems += self._tree_errors(label, edge.returns, spec.children)
        return problems

    # -- answers --------------------------------------------------------------------------------

    def response_errors(
        self, method: str, path: str, params: dict[str, str], status: int, body: Any
    ) -> list[str]:
        """What Meta's descriptions refuse in the answer to a request."""
        label = f"{method} {path} -> {status}"
        if status >= 400 or (isinstance(body, dict) and "error" in body):
            return self._error_errors(label, body)
        parts = [p for p in path.split("/") if p][1:]
        if not parts:
            if method == "POST" and "batch" in params:
                return self._batch_errors(label, path, params, body)
            if not isinstance(body, dict):
                return [f"{label}: not an object"]
            specs = self._specs(params)
            problems = []
            for node, value in body.items():
                problems += self._object_errors(
                    f"{label} [{node}]", self.node_type(node), value, specs
                )
            return problems
        if parts == ["debug_token"]:
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                return [f"{label}: no data"]
            return [
                f"{label}: debug_token's {name} is {type(value).__name__}"
                for name, value in data.items()
                if name not in DEBUG_TOKEN_FIELDS or not isinstance(value, DEBUG_TOKEN_FIELDS[name])
            ]
        kind = self.node_type(parts[0])
        described = graph_type(kind)
        if described is None:
            return [f"{label}: unknown node type"]
        edge = described.edges.get((method, parts[1] if len(parts) > 1 else ""))
        if edge is None:
            return [f"{label}: no such edge"]
        if method == "POST":
            return self._object_errors(label, edge.returns, body, None)
        if len(parts) == 1:
            return self._object_errors(label, kind, body, self._specs(params))
        return self._edge_errors(label, edge.returns, body, self._specs(params))

    @staticmethod
    def _specs(params: dict[str, str]) -> list[FieldSpec] | None:
        return parse_fields(params["fields"]) if "fields" in params else None

    def _error_errors(self, label: str, body: Any) -> list[str]:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or set(body) != {"error"}:
            return [f"{label}: not Graph's error object"]
        problems = [
            f"{label}: the error has no {name}" for name in ("message", "code") if name not in error
        ]
        for name, value in error.items():
            wanted = ERROR_FIELDS.get(name)
            if (
                wanted is None
                or not isinstance(value, wanted)
                or isinstance(value, bool) != (wanted is bool)
            ):
                problems.append(f"{label}: the error's {name} is {value!r}")
        return problems

    def _batch_errors(self, label: str, path: str, params: dict[str, str], body: Any) -> list[str]:
        operations = json.loads(params["batch"])
        if not isinstance(body, list) or len(body) != len(operations):
            return [f"{label}: a batch answers one part per operation"]
        version = next(p for p in path.split("/") if p)
        problems = []
        for operation, part in zip(operations, body, strict=True):
            if not isinstance(part, dict) or not isinstance(part.get("code"), int):
                problems.append(f"{label}: a part is not {{code, body}}")
                continue
            if set(part) - {"code", "body", "headers"}:
                problems.append(f"{label}: a part has {sorted(set(part))}")
            sub_path, _, query = str(operation.get("relative_url", "")).partition("?")
            problems += self.response_errors(
                str(operation.get("method", "GET")),
                f"/{version}/{sub_path.lstrip('/')}",
                dict(parse_qsl(query, keep_blank_values=True)),
                part["code"],
                json.loads(part.get("body") or "null"),
            )
        return problems

    def _edge_errors(
        self, label: str, kind: str, value: Any, specs: list[FieldSpec] | None
    ) -> list[str]:
        if not isinstance(value, dict) or set(value) - {"data", "paging", "summary"}:
            return [f"{label}: an edge is {{data, paging, summary}}, not {value!r:.80}"]
        data = value.get("data")
        if not isinstance(data, list):
            return [f"{label}: an edge's data is a list"]
        problems = []
        paging = value.get("paging")
        if paging is not None and (
            not isinstance(paging, dict) or set(paging) - {"cursors", "next", "previous"}
        ):
            problems.append(f"{label}: paging is {{cursors, next, previous}}")
        for index, item in enumerate(data):
            problems += self._object_errors(f"{label}[{index}]", kind, item, specs)
        return problems

    def _object_errors(
        self, label: str, kind: str, value: Any, specs: list[FieldSpec] | None
    ) -> list[str]:
        described = graph_type(kind)
        if described is None:
            return [f"{label}: Meta describes no type {kind!r}"]
        if not isinstance(value, dict):
            return [f"{label}: a {kind} is an object"]
        asked = {spec.key: spec for spec in specs} if specs is not None else None
        problems = []
        for key, item in value.items():
            spec = asked.get(key) if asked is not None else None
            if asked is not None and spec is None and key != "id":
                problems.append(f"{label}: {key!r} was not asked")
                continue
            name = spec.name if spec else key
            children = spec.children if spec else None
            where = f"{label}: {kind}.{name}"
            edge = described.edges.get(("GET", name))
            if name in described.fields and edge is None:
                field_kind = described.fields[name]
                scalar = _value_type_errors(where, field_kind, item)
                if (
                    scalar
                    or field_kind in ("Object", "map")
                    or field_kind.startswith(("list", "map"))
                ):
                    problems += scalar
                elif graph_type(field_kind) is not None:
                    problems += self._object_errors(where, field_kind, item, children)
                continue
            if edge is not None:
                problems += self._edge_errors(where, edge.returns, item, children)
                continue
            problems.append(f"{where} is not a field of {kind} (Meta's spec)")
        return problems


# -- Threads -------------------------------------------------------------------------------------
#
# Threads publishes no spec file but ``ThreadsUser.json`` (its fields, no edges): the rest is
# written here from its reference pages, each linked, and checked the same way.
# https://developers.facebook.com/docs/threads/threads-media (a media object's fields),
# https://developers.facebook.com/docs/threads/posts (``POST /threads``, ``/threads_publish``),
# https://developers.facebook.com/docs/threads/troubleshooting (a container's ``status``),
# https://developers.facebook.com/docs/threads/reference/reply-management (``/replies``,
# ``/conversation`` and ``reverse``),
# https://developers.facebook.com/docs/threads/reference/user (``GET /{user}/threads``).
THREADS_ENUMS = {
    "media_type": {
        "TEXT",
        "IMAGE",
        "VIDEO",
        "CAROUSEL",
        "TEXT_POST",
        "CAROUSEL_ALBUM",
        "AUDIO",
        "REPOST_FACADE",
    },
    "status": {"IN_PROGRESS", "FINISHED", "PUBLISHED", "ERROR", "EXPIRED"},
    "hide_status": {"NOT_HUSHED", "UNHUSHED", "HIDDEN", "COVERED", "BLOCKED", "RESTRICTED"},
    "reverse": {"true", "false"},
}
THREADS_MEDIA_FIELDS = {
    **{
        name: "string"
        for name in (
            "id",
            "media_product_type",
            "media_type",
            "media_url",
            "permalink",
            "username",
            "text",
            "shortcode",
            "thumbnail_url",
            "reply_audience",
            "gif_url",
            "topic_tag",
            "link_attachment_url",
            "hide_status",
            # a container's (https://developers.facebook.com/docs/threads/troubleshooting)
            "status",
            "error_message",
        )
    },
    **{
        name: "bool"
        for name in (
            "is_quote_post",
            "has_replies",
            "is_reply",
            "is_reply_owned_by_me",
            "is_verified",
        )
    },
    **{
        name: "Object"
        for name in ("owner", "children", "root_post", "replied_to", "quoted_post", "reposted_post")
    },
    "timestamp": "datetime",
}
THREADS_PAGING = frozenset({"fields", "limit", "before", "after", "access_token"})
# ``GET /{threads-user-id}/mentions``: ``ThreadsUser.json`` lists no edge, so this one is held
# to Meta's documentation page, https://developers.facebook.com/docs/threads/threads-mentions
# ("Threads Mentions"), as it reads: the public Threads media objects in which the profile was
# tagged by another profile, with the media fields (``THREADS_MEDIA_FIELDS``), paged with
# cursors like the other Threads list edges; permission ``threads_manage_mentions``.
THREADS_MENTIONS_PARAMETERS = {
    "fields": "the Threads media fields to include (id, text, username, permalink, timestamp, "
    "media_type, is_reply, ...)",
    "since": "Unix timestamp, at least 1688540400 and less than until",
    "until": "Unix timestamp, at most now and greater than since",
    "limit": "items of a page",
    "before": "paging cursor",
    "after": "paging cursor",
    "access_token": "the profile's token",
}
THREADS_MENTIONS_EARLIEST = 1688540400  # the lowest ``since`` the page allows
THREADS_EDGES: dict[tuple[str, str, str], tuple[frozenset[str], str]] = {
    ("ThreadsUser", "GET", "threads"): (THREADS_PAGING | {"since", "until"}, "ThreadsMedia"),
    ("ThreadsUser", "POST", "threads"): (
        frozenset(
            {
                "media_type",
                "text",
                "link_attachment",
                "reply_to_id",
                "image_url",
                "video_url",
                "is_carousel_item",
                "children",
                "reply_control",
                "quote_post_id",
                "topic_tag",
                "access_token",
            }
        ),
        "ThreadsMedia",
    ),
    ("ThreadsUser", "POST", "threads_publish"): (
        frozenset({"creation_id", "access_token"}),
        "ThreadsMedia",
    ),
    # Checked against Meta's documentation page, not a spec file (``THREADS_MENTIONS_*``).
    ("ThreadsUser", "GET", "mentions"): (frozenset(THREADS_MENTIONS_PARAMETERS), "ThreadsMedia"),
    ("ThreadsMedia", "GET", "replies"): (THREADS_PAGING | {"reverse"}, "ThreadsMedia"),
    ("ThreadsMedia", "GET", "conversation"): (THREADS_PAGING | {"reverse"}, "ThreadsMedia"),
    ("ThreadsMedia", "GET", ""): (frozenset({"fields", "access_token"}), "ThreadsMedia"),
    ("ThreadsUser", "GET", ""): (frozenset({"fields", "access_token"}), "ThreadsUser"),
}


def threads_fields(kind: str) -> dict[str, str]:
    """The fields of a Threads type: ``ThreadsUser.json`` with the user reference page's, or
    the media object's."""
    if kind == "ThreadsMedia":
        return THREADS_MEDIA_FIELDS
    spec = json.loads((FIXTURES / "ThreadsUser.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f.get("type", "string") for f in spec.get("fields", [])}
    return fields | {
        name: "string"
        for name in ("id", "username", "name", "threads_profile_picture_url", "threads_biography")
    }


def _mentions_window_errors(where: str, params: dict[str, str]) -> list[str]:
    """What the Threads Mentions page refuses of ``since`` and ``until``."""
    try:
        since = int(params["since"]) if "since" in params else None
        until = int(params["until"]) if "until" in params else None
    except ValueError:
        return [f"{where}: since and until are Unix timestamps"]
    problems = []
    if since is not None and since < THREADS_MENTIONS_EARLIEST:
        problems.append(f"{where}: since={since} is before 1688540400")
    if until is not None and until > time.time():
        problems.append(f"{where}: until={until} is in the future")
    if since is not None and until is not None and since >= until:
        problems.append(f"{where}: since={since} is not before until={until}")
    return problems


@dataclass
class ThreadsSpec:
    """The checks of Threads' exchanges, for the profile ``user_id`` (any other id is media)."""

    user_id: str

    def node_type(self, node: str) -> str:
        return "ThreadsUser" if node in (self.user_id, "me") else "ThreadsMedia"

    def _edge(self, method: str, path: str) -> tuple[str, str, str] | str:
        parts = [p for p in path.split("/") if p]
        if not parts or not re.fullmatch(r"v\d+\.\d+", parts[0]):
            return f"{method} {path}: no Threads version in the path"
        parts = parts[1:]
        if parts == ["debug_token"]:
            return ("debug_token", method, "")
        if not parts or len(parts) > 2 or (not parts[0].isdigit() and parts[0] != "me"):
            return f"{method} {path}: no node of Threads"
        key = (self.node_type(parts[0]), method, parts[1] if len(parts) > 1 else "")
        if key not in THREADS_EDGES:
            return f"{method} {path}: {key[0]} has no {method} edge {key[2]!r}"
        return key

    def request_errors(self, method: str, path: str, params: dict[str, str]) -> list[str]:
        """What Threads' reference pages refuse in a request."""
        key = self._edge(method, path)
        if isinstance(key, str):
            return [key]
        if key[0] == "debug_token":
            extra = set(params) - {"input_token", "access_token"}
            return [f"{method} {path}: debug_token takes no {sorted(extra)}"] if extra else []
        allowed, returns = THREADS_EDGES[key]
        problems = [f"{method} {path}: no parameter {n!r}" for n in params if n not in allowed]
        for name, values in THREADS_ENUMS.items():
            if name in params and params[name] not in values:
                problems.append(f"{method} {path}: {name}={params[name]!r} is not one of Meta's")
        if key[2] == "mentions":
            problems += _mentions_window_errors(f"{method} {path}", params)
        if "fields" in params:
            kind = returns if key[2] else key[0]
            known = threads_fields(kind)
            problems += [
                f"{method} {path}: {kind} has no field {name!r}"
                for name in params["fields"].split(",")
                if name not in known
            ]
        return problems

    def response_errors(
        self, method: str, path: str, params: dict[str, str], status: int, body: Any
    ) -> list[str]:
        """What Threads' reference pages refuse in an answer."""
        label = f"{method} {path} -> {status}"
        if status >= 400 or (isinstance(body, dict) and "error" in body):
            return MetaSpec("")._error_errors(label, body)
        key = self._edge(method, path)
        if isinstance(key, str):
            return [key]
        if key[0] == "debug_token":
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                return [f"{label}: no data"]
            return [
                f"{label}: debug_token's {name} is {type(value).__name__}"
                for name, value in data.items()
                if name not in DEBUG_TOKEN_FIELDS or not isinstance(value, DEBUG_TOKEN_FIELDS[name])
            ]
        asked = set(params.get("fields", "id").split(","))
        if method == "POST":
            return self._object(label, "ThreadsMedia", body, {"id"})
        if key[2]:
            if not isinstance(body, dict) or set(body) - {"data", "paging"}:
                return [f"{label}: an edge is {{data, paging}}"]
            problems: list[str] = []
            for index, item in enumerate(body.get("data") or []):
                problems += self._object(f"{label}[{index}]", "ThreadsMedia", item, asked)
            return problems
        return self._object(label, key[0], body, asked)

    def _object(self, label: str, kind: str, value: Any, asked: set[str]) -> list[str]:
        if not isinstance(value, dict):
            return [f"{label}: a {kind} is an object"]
        known = threads_fields(kind)
        problems = []
        for name, item in value.items():
            if name != "id" and name not in asked:
                problems.append(f"{label}: {name!r} was not asked")
            elif name not in known:
                problems.append(f"{label}: {name!r} is not a field of {kind}")
            else:
                problems += _value_type_errors(f"{label}: {kind}.{name}", known[name], item)
                if name in THREADS_ENUMS and item not in THREADS_ENUMS[name]:
                    problems.append(f"{label}: {kind}.{name} is {item!r}, not one of Meta's")
                if name in ("root_post", "replied_to", "owner") and set(item) != {"id"}:
                    problems.append(f"{label}: {kind}.{name} is {{id}}")
        return problems


# -- Instagram -----------------------------------------------------------------------------------
#
# Instagram with Facebook Login is Graph itself: ``IGUser.json``, ``IGMedia.json`` and
# ``IGComment.json`` describe its nodes and edges, the SDK the types they return
# (``ContentPublishingLimitResponse``, ``IGCommentFromUser``) and the container
# (``ShadowIGMediaBuilder``: ``status_code``, ``status``; no spec file, no edges).
# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
# lists the container's ``status_code`` values.
IG_CONTAINER = "ShadowIGMediaBuilder"
IG_STATUS_CODES = frozenset({"EXPIRED", "ERROR", "FINISHED", "IN_PROGRESS", "PUBLISHED"})
# The double's id prefixes (``sandbox/instagram_api.py``): Meta's ids are all digits.
IG_PREFIXES = (("1789", IG_CONTAINER), ("1785", "IGComment"), ("1790", "IGMedia"))


@dataclass
class InstagramSpec(MetaSpec):
    """The checks of Instagram's exchanges, for the professional account ``user_id``."""

    user_id: str = ""

    def node_type(self, node: str) -> str:
        """The type of a node: the account, else by the double's id prefixes."""
        if node == self.user_id:
            return "IGUser"
        return next((kind for prefix, kind in IG_PREFIXES if node.startswith(prefix)), "")

    def _container(self, path: str) -> bool:
        parts = [p for p in path.split("/") if p][1:]
        return bool(parts) and self.node_type(parts[0]) == IG_CONTAINER

    def request_errors(self, method: str, path: str, params: dict[str, str]) -> list[str]:
        """What Meta's descriptions refuse in a request (a container: read with fields only)."""
        if not self._container(path):
            return super().request_errors(method, path, params)
        label = f"{method} {path}"
        parts = [p for p in path.split("/") if p]
        if method != "GET" or len(parts) != 2:
            return [f"{label}: a container is only read"]
        problems = [f"{label}: no parameter {n!r}" for n in params if n not in GENERIC_PARAMS]
        if "fields" in params:
            problems += self._fields_errors(label, IG_CONTAINER, params["fields"])
        return problems

    def response_errors(
        self, method: str, path: str, params: dict[str, str], status: int, body: Any
    ) -> list[str]:
        """What Meta's descriptions refuse in an answer (and a ``status_code`` not Meta's)."""
        if status >= 400 or not self._container(path):
            return super().response_errors(method, path, params, status, body)
        label = f"{method} {path} -> {status}"
        problems = self._object_errors(label, IG_CONTAINER, body, self._specs(params))
        code = body.get("status_code") if isinstance(body, dict) else None
        if code is not None and code not in IG_STATUS_CODES:
            problems.append(f"{label}: status_code {code!r} is not one of Meta's")
        return problems


# -- refreshing a long-lived token ----------------------------------------------------------------
#
# ``GET /refresh_access_token`` (no version in the address) of Threads
# (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens) and Instagram Login
# (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token): the
# query is ``grant_type`` and ``access_token``; the answer ``access_token``, ``token_type``
# (``bearer``) and ``expires_in`` (seconds).
REFRESH_GRANTS = frozenset({"th_refresh_token", "ig_refresh_token"})
REFRESH_QUERY = frozenset({"grant_type", "access_token"})
REFRESH_ANSWER: dict[str, type] = {"access_token": str, "token_type": str, "expires_in": int}


def refresh_errors(params: dict[str, str], status: int, body: Any) -> list[str]:
    """What the refresh pages refuse in a refresh's request or answer."""
    label = f"GET /refresh_access_token -> {status}"
    problems = [f"{label}: no parameter {n!r}" for n in params if n not in REFRESH_QUERY]
    problems += [f"{label}: {n} is missing" for n in sorted(REFRESH_QUERY - set(params))]
    if params.get("grant_type") not in REFRESH_GRANTS:
        problems.append(f"{label}: grant_type {params.get('grant_type')!r} is not Meta's")
    if status >= 400 or (isinstance(body, dict) and "error" in body):
        return problems + MetaSpec("")._error_errors(label, body)
    if not isinstance(body, dict) or set(body) != set(REFRESH_ANSWER):
        return [*problems, f"{label}: the answer is {{access_token, token_type, expires_in}}"]
    for name, kind in REFRESH_ANSWER.items():
        if not isinstance(body[name], kind) or isinstance(body[name], bool):
            problems.append(f"{label}: {name} is {type(body[name]).__name__}")
    if body.get("token_type") != "bearer":
        problems.append(f"{label}: token_type is {body.get('token_type')!r}, not bearer")
    return problems


@dataclass
class ValidatingTransport(httpx.AsyncBaseTransport):
    """Passes every exchange to ``inner`` and records what Meta's descriptions refuse in it.

    Only Graph's own paths are checked (``/v{N}.{M}/...``, after ``prefix``); the double's
    control routes are not Graph's.
    """

    inner: httpx.AsyncBaseTransport
    spec: MetaSpec | ThreadsSpec  # InstagramSpec is a MetaSpec
    problems: list[str] = field(default_factory=list)
    exchanges: list[tuple[str, str, int]] = field(default_factory=list)
    prefix: str = ""  # where the API is mounted on the double (``/threads``, ``/instagram``)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if self.prefix:
            if not path.startswith(f"{self.prefix}/"):
                return response
            path = path.removeprefix(self.prefix)
        refresh = path == "/refresh_access_token"  # the one Meta path without a version
        if not refresh and not re.match(r"^/v\d+\.\d+(/|$)", path):
            return response
        content = await response.aread()
        checked = httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )
        params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        if request.method == "POST":
            params |= dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        if refresh:
            try:
                answer = json.loads(content)
            except ValueError:
                answer = None
            self.problems += refresh_errors(params, response.status_code, answer)
            self.exchanges.append((request.method, path, response.status_code))
            return checked
        self.problems += self.spec.request_errors(request.method, path, params)
        try:
            body = json.loads(content)
        except ValueError:
            self.problems.append(f"{request.method} {path}: the answer is not JSON")
        else:
            self.problems += self.spec.response_errors(
                request.method, path, params, response.status_code, body
            )
        self.exchanges.append((request.method, path, response.status_code))
        return checked

    async def aclose(self) -> None:
        await self.inner.aclose()
