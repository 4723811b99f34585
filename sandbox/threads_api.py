"""A local, stateful double of the Threads API subset Agora uses (Starlette, in memory).

Threads is Meta's Graph conventions at its own host (``https://graph.threads.net/v1.0``); here it
is mounted under ``/threads`` of the Graph double (``sandbox/meta_api.py``), so
``AGORA_THREADS_GRAPH_URL`` is ``{double}/threads``. Threads publishes no machine-readable spec
(only ``ThreadsUser``): this follows the reference pages, and ``tests/meta/meta_spec.py`` holds
every exchange to the same pages.

- Containers and publishing: ``POST /{threads-user-id}/threads`` (``media_type``, ``text``,
  ``link_attachment``, ``reply_to_id``; text of 500 characters at most, an emoji counting its
  UTF-8 bytes; 5 links at most), ``GET /{container-id}?fields=status,error_message``
  (``IN_PROGRESS``, ``FINISHED``, ``PUBLISHED``, ``ERROR``, ``EXPIRED``),
  ``POST /{threads-user-id}/threads_publish`` (``creation_id``; a container publishes once):
  https://developers.facebook.com/docs/threads/posts,
  https://developers.facebook.com/docs/threads/troubleshooting.
- The profile's posts: ``GET /{threads-user-id}/threads`` (``since``, ``until``, ``limit``,
  newest first), a post ``GET /{media-id}``:
  https://developers.facebook.com/docs/threads/threads-media.
- Mentions: ``GET /{threads-user-id}/mentions`` (``since``, ``until``, ``limit``, newest
  first): the public posts of other profiles that tag the profile; ``since`` must be at least
  1688540400 and below ``until``, ``until`` at most now:
  https://developers.facebook.com/docs/threads/threads-mentions.
- Replies: ``GET /{media-id}/replies`` (direct), ``/conversation`` (all, flattened; ``reverse``
  defaults to true): https://developers.facebook.com/docs/threads/reference/reply-management.
- ``GET /debug_token?input_token=``:
  https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token;
  ``GET /refresh_access_token?grant_type=th_refresh_token`` (``meta_api.LongLivedTokens``):
  https://developers.facebook.com/docs/threads/get-started/long-lived-tokens.

Every request needs the profile's token (else 190); publishing needs
``threads_content_publish``, reading replies ``threads_read_replies``, answering
``threads_manage_replies``, reading mentions ``threads_manage_mentions`` (else 10). Control
routes under ``/threads/_double/``: ``reply`` (``{"reader","on","text"}``), ``mention``
(``{"reader","text"}``: a reader's post tagging the profile), ``hide`` (``{"id"}``),
``container`` (``{"polls","status","message"}``: the next containers answer ``IN_PROGRESS``
that many times, then ``status``),
``container_status`` (``{"id","status"}``: a container made earlier now in that status, as one
left 24 hours is ``EXPIRED``), ``faults`` (as the Graph double's), ``expire``, ``token``
(``{"days_left"}``: the profile's token now expires then),
``GET posts?link=``, ``GET post?id=``, ``GET replies?on=`` (the direct replies to a post),
``requests`` (GET, DELETE).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import regex
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.meta_api import Fault, GraphRefusal, LongLivedTokens

Json = dict[str, Any]
VERSION_RE = re.compile(r"^v\d+\.\d+$")
MAX_TEXT = 500
MAX_LINKS = 5
DEFAULT_LIMIT = 25
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_mentions",
)
MENTIONS_EARLIEST = 1688540400  # Meta's Threads Mentions page: the lowest ``since``
MEDIA_FIELDS = frozenset(
    {
        "id",
        "media_product_type",
        "media_type",
        "permalink",
        "owner",
        "username",
        "text",
        "timestamp",
        "shortcode",
        "is_quote_post",
        "has_replies",
        "root_post",
        "replied_to",
        "is_reply",
        "is_reply_owned_by_me",
        "hide_status",
        "reply_audience",
        "link_attachment_url",
    }
)
CONTAINER_FIELDS = frozenset({"id", "status", "error_message"})
USER_FIELDS = frozenset({"id", "username", "name", "threads_profile_picture_url"})
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_URL = re.compile(r"https?://\S+")


def threads_length(text: str) -> int:
    """Threads' count: one per character, an emoji its UTF-8 bytes."""
    return sum(len(g.encode()) if _EMOJI.search(g) else len(g) for g in _GRAPHEME.findall(text))


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class ThreadsState:
    """Everything the Threads double stores."""

    base_url: str  # where the double answers, ``/threads`` included
    app_name: str
    user_id: str
    username: str
    token: str
    readers: dict[str, str]  # id -> username
    tokens: LongLivedTokens  # the profile's token and those refreshed from it
    expired: bool = False
    containers: dict[str, Json] = field(default_factory=dict)
    media: dict[str, Json] = field(default_factory=dict)
    plan: Json = field(default_factory=lambda: {"polls": 0, "status": "FINISHED", "message": ""})
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        """A fresh id, in Threads' 17-digit form."""
        return str(17_900_000_000_000_000 + next(self.ids))


class ThreadsDouble:
    """Threads' handlers over one ``ThreadsState``."""

    def __init__(self, state: ThreadsState) -> None:
        self.state = state

    def kind(self, node: str) -> str:
        """``user``, ``container``, ``media`` or "" for an id the double does not know."""
        if node in (self.state.user_id, "me"):
            return "user"
        if node in self.state.containers:
            return "container"
        if node in self.state.media:
            return "media"
        return ""

    def template(self, path: str) -> str:
        """``/{version}/{node}/{edge}`` as counted and named by faults: ``/user/threads``."""
        if path.strip("/") == "refresh_access_token":  # no version in its address
            return "/refresh_access_token"
        parts = [p for p in path.split("/") if p][1:]
        if not parts:
            return "/"
        if parts[0] == "debug_token":
            return "/debug_token"
        return "/" + "/".join([self.kind(parts[0]) or "node", *parts[1:]])

    async def api(self, request: Request) -> Response:
        """Every Threads request: counted, faults applied, authenticated, dispatched."""
        path = request.url.path.removeprefix("/threads")
        template = self.template(path)
        self.state.requests[f"{request.method} {template}"] += 1
        for fault in self.state.faults:
            if fault.times > 0 and fault.path in (path, template):
                if fault.method and fault.method.upper() != request.method:
                    continue
                fault.times -= 1
                refusal = GraphRefusal(
                    fault.message, fault.code, status=fault.status, subcode=fault.subcode
                )
                return JSONResponse(refusal.body(), fault.status, headers=fault.headers)
        params = dict(request.query_params)
        if request.method == "POST":
            params |= dict(parse_qsl((await request.body()).decode()))
        try:
            if template == "/refresh_access_token" and request.method == "GET":
                return JSONResponse(self.state.tokens.refresh(params))
            self._authenticate(request, params)
            params.pop("access_token", None)
            body = self.dispatch(request.method, path, params)
        except GraphRefusal as refusal:
            return JSONResponse(refusal.body(), refusal.status)
        return JSONResponse(body)

    def _authenticate(self, request: Request, params: Json) -> None:
        header = request.headers.get("authorization", "")
        value = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        value = value or str(params.get("access_token") or "")
        if not self.state.tokens.valid(value):
            raise GraphRefusal("Invalid OAuth access token - Cannot parse access token", 190)
        if self.state.expired:
            raise GraphRefusal(
                "Error validating access token: Session has expired.", 190, subcode=463
            )

    def dispatch(self, method: str, path: str, params: Json) -> Json:
        """One Threads operation: its answer."""
        parts = [p for p in path.split("/") if p]
        if not parts or not VERSION_RE.match(parts[0]):
            raise GraphRefusal("Unknown path components: the version is missing", 2500)
        self.version = parts[0]
        parts = parts[1:]
        if parts == ["debug_token"] and method == "GET":
            return self.debug_token(params)
        if not parts:
            raise GraphRefusal("Unsupported request.", 100)
        node, kind = parts[0], self.kind(parts[0])
        if not kind:
            raise GraphRefusal(
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation.",
                100,
                subcode=33,
            )
        edge = parts[1] if len(parts) > 1 else ""
        if method == "GET" and not edge:
            return self.read(node, kind, params)
        if kind == "user" and method == "POST" and edge == "threads":
            return self.create_container(params)
        if kind == "user" and method == "POST" and edge == "threads_publish":
            return self.publish(params)
        if kind == "user" and method == "GET" and edge == "threads":
            self._needs("threads_basic")
            posts = [
                m
                for m in self.state.media.values()
                if not m.get("_reply") and m["_owner"] == self.state.user_id  # not readers'
            ]
            since = float(params.get("since") or 0)
            posts = [m for m in posts if m["_at"] >= since]
            posts.sort(key=lambda m: m["_at"], reverse=True)
            return self.page(node, edge, posts, params, newest_first=True)
        if kind == "user" and method == "GET" and edge == "mentions":
            self._needs("threads_manage_mentions")
            return self.mentions(node, edge, params)
        if kind == "media" and method == "GET" and edge in ("replies", "conversation"):
            self._needs("threads_read_replies")
            return self.replies(node, edge, params)
        raise GraphRefusal(f"Unsupported {method.lower()} request.", 100, subcode=33)

    def _needs(self, scope: str) -> None:
        if scope not in SCOPES:  # the seeded token has them all; a test removes none
            raise GraphRefusal(
                f"(#10) Application does not have permission: {scope}", 10, status=403
            )

    # -- reading --------------------------------------------------------------------------------

    def _fields(self, params: Json, allowed: frozenset[str], default: str) -> list[str]:
        wanted = [f for f in str(params.get("fields") or default).split(",") if f]
        for name in wanted:
            if name not in allowed:
                raise GraphRefusal(f"(#100) Tried accessing nonexisting field ({name})", 100)
        return wanted

    def render(self, media: Json, wanted: list[str]) -> Json:
        """A media object with the fields asked (``id`` always)."""
        out: Json = {"id": media["id"]}
        for name in wanted:
            if name == "is_reply_owned_by_me":
                if media.get("_reply"):
                    out[name] = media["_owner"] == self.state.user_id
                continue
            value = media.get(name)
            if value is not None and value != "":
                out[name] = value
        return out

    def read(self, node: str, kind: str, params: Json) -> Json:
        """A user, a container or a post with the fields asked."""
        if kind == "user":
            wanted = self._fields(params, USER_FIELDS, "id")
            user = {
                "id": self.state.user_id,
                "username": self.state.username,
                "name": "Vélos Boréal",
                "threads_profile_picture_url": "",
            }
            return {k: user[k] for k in ["id", *wanted] if user.get(k) != ""}
        if kind == "container":
            wanted = self._fields(params, CONTAINER_FIELDS, "id")
            container = self.state.containers[node]
            answer = {
                k: container[k] for k in ["id", *wanted] if container.get(k) not in (None, "")
            }
            if container["status"] == "IN_PROGRESS":
                container["_polls"] -= 1
                if container["_polls"] <= 0:  # answered IN_PROGRESS ``polls`` times
                    container["status"] = container["_then"]
            return answer
        wanted = self._fields(params, MEDIA_FIELDS, "id")
        return self.render(self.state.media[node], wanted)

    def page(
        self, node: str, edge: str, items: list[Json], params: Json, *, newest_first: bool
    ) -> Json:
        """An edge's page of ``items`` with its cursors and ``next``."""
        wanted = self._fields(params, MEDIA_FIELDS, "id")
        try:
            limit = min(100, int(params.get("limit") or DEFAULT_LIMIT))
            start = int(base64.b64decode(params["after"]).decode()) if "after" in params else 0
        except ValueError:
            raise GraphRefusal("(#100) limit and after must be numbers and cursors") from None
        chosen = items[start : start + limit]
        out: Json = {"data": [self.render(m, wanted) for m in chosen]}
        if chosen:
            after = base64.b64encode(str(start + len(chosen)).encode()).decode()
            before = base64.b64encode(str(start).encode()).decode()
            paging: Json = {"cursors": {"before": before, "after": after}}
            if start + len(chosen) < len(items):
                query = {k: v for k, v in params.items() if k != "after"} | {"after": after}
                paging["next"] = (
                    f"{self.state.base_url}/{self.version}/{node}/{edge}?{urlencode(query)}"
                )
            out["paging"] = paging
        return out

    def mentions(self, node: str, edge: str, params: Json) -> Json:
        """``/{threads-user-id}/mentions``: other profiles' posts tagging the profile, newest
        first, from ``since`` to ``until`` (Meta's bounds refused with its error 100)."""
        now = time.time()
        try:
            since = int(params["since"]) if "since" in params else None
            until = int(params["until"]) if "until" in params else None
        except ValueError:
            raise GraphRefusal("(#100) since and until must be Unix timestamps", 100) from None
        if since is not None and since < MENTIONS_EARLIEST:
            raise GraphRefusal(
                f"(#100) The since parameter must be greater than or equal to {MENTIONS_EARLIEST}",
                100,
            )
        if until is not None and until > now:
            raise GraphRefusal("(#100) The until parameter must not be in the future", 100)
        if since is not None and until is not None and since >= until:
            raise GraphRefusal("(#100) The since parameter must be less than until", 100)
        found = [
            m
            for m in self.state.media.values()
            if self.state.user_id in m.get("_tags", ())
            and m["_owner"] != self.state.user_id
            and (since is None or m["_at"] >= since)
            and (until is None or m["_at"] <= until)
        ]
        found.sort(key=lambda m: m["_at"], reverse=True)
        return self.page(node, edge, found, params, newest_first=True)

    def replies(self, node: str, edge: str, params: Json) -> Json:
        """``/replies`` (direct) or ``/conversation`` (every depth) of a post or a reply."""
        reverse = str(params.get("reverse", "true"))
        if reverse not in ("true", "false"):
            raise GraphRefusal("(#100) reverse must be a boolean", 100)
        live = [m for m in self.state.media.values() if m.get("_reply")]
        if edge == "replies":
            found = [m for m in live if m["replied_to"]["id"] == node]
        else:
            found = [m for m in live if m["root_post"]["id"] == node]
        found.sort(key=lambda m: m["_at"], reverse=reverse == "true")
        return self.page(node, edge, found, params, newest_first=reverse == "true")

    def debug_token(self, params: Json) -> Json:
        """What the double knows of ``input_token`` (the profile's own, or nothing)."""
        token = str(params.get("input_token") or "")
        if not self.state.tokens.valid(token):
            return {
                "data": {
                    "is_valid": False,
                    "scopes": [],
                    "error": {"code": 190, "message": "Invalid OAuth access token."},
                }
            }
        issued, expires = self.state.tokens.times(token)
        data: Json = {
            "type": "USER",
            "application": self.state.app_name,
            "data_access_expires_at": expires + 30 * 86400,
            "expires_at": expires,
            "is_valid": not self.state.expired,
            "issued_at": issued,
            "scopes": list(SCOPES),
            "user_id": self.state.user_id,
        }
        return {"data": data}

    # -- writing --------------------------------------------------------------------------------

    def create_container(self, params: Json) -> Json:
        """``POST /{threads-user-id}/threads``: a TEXT container (a post, or a reply)."""
        self._needs("threads_content_publish")
        allowed = {"media_type", "text", "link_attachment", "reply_to_id"}
        if unknown := set(params) - allowed:
            raise GraphRefusal(f"(#100) Param {sorted(unknown)[0]} is not supported here", 100)
        if params.get("media_type") != "TEXT":
            raise GraphRefusal("(#100) media_type must be TEXT here (IMAGE, VIDEO: not served)")
        text = str(params.get("text") or "")
        if not text.strip():
            raise GraphRefusal("(#100) The parameter text is required for media_type=TEXT", 100)
        if threads_length(text) > MAX_TEXT:
            raise GraphRefusal(
                f"(#100) Param text must be at most {MAX_TEXT} characters long.", 100
            )
        link = str(params.get("link_attachment") or "")
        if link and not _URL.fullmatch(link):
            raise GraphRefusal("(#100) link_attachment must be an http(s) URL", 100)
        if len(set(_URL.findall(text)) | ({link} if link else set())) > MAX_LINKS:
            raise GraphRefusal("THREADS_API__LINK_LIMIT_EXCEEDED", 100)
        reply_to = str(params.get("reply_to_id") or "")
        if reply_to and reply_to not in self.state.media:
            raise GraphRefusal(f"(#100) reply_to_id {reply_to} does not exist", 100, subcode=33)
        plan = self.state.plan
        container_id = self.state.next_id()
        self.state.containers[container_id] = {
            "id": container_id,
            "status": "IN_PROGRESS" if plan["polls"] else str(plan["status"]),
            "error_message": str(plan["message"]) if plan["status"] == "ERROR" else "",
            "_polls": int(plan["polls"]),
            "_then": str(plan["status"]),
            "_text": text,
            "_link": link,
            "_reply_to": reply_to,
            "_owner": self.state.user_id,
        }
        return {"id": container_id}

    def publish(self, params: Json) -> Json:
        """``POST /{threads-user-id}/threads_publish``: a FINISHED container becomes a post."""
        self._needs("threads_content_publish")
        container = self.state.containers.get(str(params.get("creation_id") or ""))
        if container is None:
            raise GraphRefusal("(#100) The parameter creation_id is required and must exist", 100)
        if container["status"] == "PUBLISHED":
            raise GraphRefusal("(#24) The media has already been published", 24, subcode=4279009)
        if container["status"] != "FINISHED":
            raise GraphRefusal(
                f"(#24) The media is not ready to be published ({container['status']})",
                24,
                subcode=4279001,
            )
        container["status"] = "PUBLISHED"
        made = self.new_media(
            container["_owner"],
            self.state.username,
            container["_text"],
            container["_link"],
            container["_reply_to"],
        )
        return {"id": made}

    def new_media(self, owner: str, username: str, text: str, link: str, reply_to: str) -> str:
        """A post or a reply of ``owner``; its id."""
        media_id = self.state.next_id()
        now = time.time() + next(self.state.ids) / 1e6  # strictly increasing
        code = base64.b32encode(media_id.encode()).decode()[:11]
        media: Json = {
            "id": media_id,
            "media_product_type": "THREADS",
            "media_type": "TEXT_POST",
            "permalink": f"https://www.threads.com/@{username}/post/{code}",
            "owner": {"id": owner},
            "username": username,
            "text": text,
            "timestamp": _time(now),
            "shortcode": code,
            "is_quote_post": False,
            "has_replies": False,
            "is_reply": bool(reply_to),
            "hide_status": "NOT_HUSHED",
            "reply_audience": "EVERYONE",
            "link_attachment_url": link,
            "_owner": owner,
            "_at": now,
            "_reply": bool(reply_to),
        }
        if reply_to:
            parent = self.state.media[reply_to]
            root = parent["root_post"]["id"] if parent.get("_reply") else reply_to
            media["replied_to"] = {"id": reply_to}
            media["root_post"] = {"id": root}
            parent["has_replies"] = True
        self.state.media[media_id] = media
        return media_id

    # -- control --------------------------------------------------------------------------------

    async def control(self, request: Request) -> Response:
        """The ``/threads/_double/`` routes (see the module's docstring)."""
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
                    m["id"]
                    for m in state.media.values()
                    if not m["_reply"]
                    and link
                    and (m["link_attachment_url"].rstrip("/") == link or link in m["text"])
                ]
                return JSONResponse({"count": len(found), "posts": found})
            if name == "replies" and request.method == "GET":
                on = request.query_params.get("on", "")
                shown = [
                    {k: v for k, v in m.items() if not k.startswith("_")}
                    for m in state.media.values()
                    if m["_reply"] and m["replied_to"]["id"] == on
                ]
                return JSONResponse({"replies": shown})
            if name == "post" and request.method == "GET":
                media = state.media.get(request.query_params.get("id", ""))
                if media is None:
                    return JSONResponse({"error": "no such post"}, 404)
                return JSONResponse({k: v for k, v in media.items() if not k.startswith("_")})
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
            if name == "reply":
                reader = str(body["reader"])
                made = self.new_media(
                    reader, state.readers[reader], str(body["text"]), "", str(body["on"])
                )
                return JSONResponse({"id": made})
            if name == "mention":
                reader = str(body["reader"])
                made = self.new_media(reader, state.readers[reader], str(body["text"]), "", "")
                state.media[made]["_tags"] = [state.user_id]
                return JSONResponse({"id": made})
            if name == "hide":
                state.media[str(body["id"])]["hide_status"] = "HIDDEN"
                return JSONResponse({"ok": True})
            if name == "container":
                state.plan = {
                    "polls": int(body.get("polls", 0)),
                    "status": str(body.get("status", "FINISHED")),
                    "message": str(body.get("message", "")),
                }
                return JSONResponse({"ok": True})
            if name == "container_status":
                container = state.containers[str(body["id"])]
                container["status"] = container["_then"] = str(body["status"])
                container["_polls"] = 0
                return JSONResponse({"ok": True})
            if name == "expire":
                state.expired = True
                return JSONResponse({"ok": True})
            if name == "token":
                state.tokens.days_left(float(body.get("days_left", 60)))
                return JSONResponse({"ok": True})
        except (GraphRefusal, KeyError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"error": f"no control route {request.method} {name}"}, 404)


def create_threads_app(config: dict[str, Any]) -> Starlette:
    """The Threads double, seeded from ``config`` (``sandbox.meta.MetaServer.to_json``)."""
    state = ThreadsState(
        base_url=f"{config['base_url']}/threads",
        app_name="Agora",
        user_id=config["threads_user_id"],
        username=config["threads_username"],
        token=config["threads_token"],
        readers={r["threads_id"]: r["username"] for r in config["readers"]},
        tokens=LongLivedTokens(
            config["threads_token"],
            "THAA",
            "th_refresh_token",
            expires_at=int(time.time()) + 60 * 86400,
        ),
    )
    double = ThreadsDouble(state)
    methods = ["GET", "POST", "DELETE"]
    return Starlette(
        routes=[
            Route("/_double/{name}", double.control, methods=methods),
            Route("/{path:path}", double.api, methods=methods),
        ]
    )
