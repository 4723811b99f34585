"""A local, stateful double of the Instagram Graph API subset Agora uses (Starlette, in memory).

Instagram with Facebook Login is the Graph API at graph.facebook.com; here it is mounted under
``/instagram`` of the Graph double (``sandbox/meta_api.py``), with a state of its own, so
``AGORA_INSTAGRAM_GRAPH_URL`` is ``{double}/instagram``. The tests hold every exchange to Meta's
spec files ``IGUser.json``, ``IGMedia.json``, ``IGComment.json`` and the SDK's tables
(``tests/meta/meta_spec.py``). Pages followed:

- Publishing: ``POST /{ig-user-id}/media`` (``image_url``, ``caption``: 2,200 characters and 30
  hashtags at most, else error 100), ``GET /{container-id}?fields=status_code,status``
  (``IN_PROGRESS``, ``FINISHED``, ``PUBLISHED``, ``ERROR``, ``EXPIRED``),
  ``POST /{ig-user-id}/media_publish`` (``creation_id``; a container publishes once; past the
  publishing limit error 9 with subcode 2207042):
  https://developers.facebook.com/docs/instagram-platform/content-publishing,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container.
- ``GET /{ig-user-id}/content_publishing_limit`` (``{"data": [{"config": {"quota_total",
  "quota_duration"}, "quota_usage"}]}``).
- The account's media ``GET /{ig-user-id}/media`` (``since``, newest first), one media
  ``GET /{ig-media-id}``, its comments ``GET /{ig-media-id}/comments`` (top-level ones, hidden
  ones shown to the account with ``hidden``; ``replies{...}`` expands), a comment
  ``GET /{ig-comment-id}``, its replies ``GET``/``POST /{ig-comment-id}/replies`` (``message``;
  comments nest once: a reply cannot be answered).
- Mentions: ``GET /{ig-user-id}/tags`` (media of other accounts that tag the account, newest
  first; the spec gives the edge no parameter of its own), and the account comments on one with
  ``POST /{ig-media-id}/comments`` (``message``):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/tags,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments.
- ``GET /debug_token?input_token=``: the account's Page token, a system user's (never expires,
  unless a test makes it expire as an Instagram Login token does); such a token is refreshed
  with ``GET /refresh_access_token?grant_type=ig_refresh_token`` (``meta_api.LongLivedTokens``).

**The image is not fetched.** Instagram downloads ``image_url`` from the public web; the double
cannot (the sample site is served on localhost), so it checks instead that the address is an
absolute http(s) URL whose path ends in ``.jpg`` or ``.jpeg``: Instagram's page says JPEG only
(the adapter sends a social card's JPEG twin, never its PNG).

Ids: the account ``17841…``, containers ``1789…``, media ``1790…``, comments ``1785…`` (Meta's
ids are all digits; these prefixes let ``meta_spec.InstagramSpec`` type a node as the spec does).
Every request needs the token (else 190); publishing needs ``instagram_content_publish``,
reading and answering comments ``instagram_manage_comments`` (else 10).

Control routes under ``/instagram/_double/``: ``tag`` (``{"reader","text"}``: a reader posts a
media captioned ``text`` that tags the account; answers its id),
``comment`` (``{"reader","on","text"}``: a reader comments a media or answers a top-level
comment), ``hide`` (``{"id"}``), ``container``
(``{"polls","status","message"}``: the next containers answer ``IN_PROGRESS`` that many times,
then ``status``), ``container_status`` (``{"id","status"}``: a container made earlier now in
that status, as one left 24 hours is ``EXPIRED``), ``quota`` (``{"usage","total"}``),
``faults`` (as the Graph double's), ``expire``, ``token`` (``{"days_left"}``: the token now
expires then, as an Instagram Login token does; null: never), ``forget`` (the account starts
empty: tests that publish the same sample post against one double), ``GET posts?title=`` (media
whose caption names a title on its first line), ``GET media?id=`` (with its shown comments),
``GET comment?id=``, ``requests`` (GET, DELETE).
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
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.meta_api import Fault, FieldSpec, GraphRefusal, LongLivedTokens, parse_fields

Json = dict[str, Any]
VERSION_RE = re.compile(r"^v\d+\.\d+$")
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
DEFAULT_LIMIT = 25
QUOTA_TOTAL = 100
CONTAINER_PREFIX = "1789"
MEDIA_PREFIX = "1790"
COMMENT_PREFIX = "1785"
SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "pages_read_engagement",
    "pages_show_list",
)
MEDIA_FIELDS = frozenset(
    {
        "id",
        "caption",
        "permalink",
        "timestamp",
        "media_type",
        "media_url",
        "media_product_type",
        "shortcode",
        "username",
        "comments_count",
        "like_count",
        "owner",
    }
)
CONTAINER_FIELDS = frozenset({"id", "status", "status_code"})
COMMENT_FIELDS = frozenset(
    {"id", "text", "username", "from", "timestamp", "hidden", "parent_id", "like_count", "media"}
)
USER_FIELDS = frozenset({"id", "username", "name", "media_count"})
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_IMAGE = re.compile(r"\.jpe?g$", re.IGNORECASE)  # Instagram publishes JPEG only


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class InstagramState:
    """Everything the Instagram double stores."""

    base_url: str  # where the double answers, ``/instagram`` included
    app_id: str
    user_id: str
    username: str
    page_id: str
    token: str
    system_user_id: str
    readers: dict[str, str]  # id -> username
    tokens: LongLivedTokens  # the account's token (a Page token: no expiry) and refreshed ones
    expired: bool = False
    containers: dict[str, Json] = field(default_factory=dict)
    media: dict[str, Json] = field(default_factory=dict)
    comments: dict[str, Json] = field(default_factory=dict)
    plan: Json = field(default_factory=lambda: {"polls": 0, "status": "FINISHED", "message": ""})
    quota: Json = field(default_factory=lambda: {"usage": 0, "total": QUOTA_TOTAL})
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self, prefix: str) -> str:
        """A fresh 17-digit id starting with ``prefix``."""
        return f"{prefix}{next(self.ids):013d}"


class InstagramDouble:
    """Instagram's handlers over one ``InstagramState``."""

    version = "v26.0"

    def __init__(self, state: InstagramState) -> None:
        self.state = state

    def kind(self, node: str) -> str:
        """``user``, ``container``, ``media``, ``comment`` or "" for an unknown id."""
        if node == self.state.user_id:
            return "user"
        if node in self.state.containers:
            return "container"
        if node in self.state.media:
            return "media"
        if node in self.state.comments:
            return "comment"
        return ""

    def template(self, path: str) -> str:
        """``/{version}/{node}/{edge}`` as counted and named by faults: ``/user/media``."""
        if path.strip("/") == "refresh_access_token":  # no version in its address
            return "/refresh_access_token"
        parts = [p for p in path.split("/") if p][1:]
        if not parts:
            return "/"
        if parts[0] == "debug_token":
            return "/debug_token"
        return "/" + "/".join([self.kind(parts[0]) or "node", *parts[1:]])

    async def api(self, request: Request) -> Response:
        """Every request: counted, faults applied, authenticated, dispatched."""
        path = request.url.path.removeprefix("/instagram")
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
        """One operation: its answer."""
        parts = [p for p in path.split("/") if p]
        if not parts or not VERSION_RE.match(parts[0]):
            raise GraphRefusal("Unknown path components: the version is missing", 2500)
        self.version = parts[0]
        parts = parts[1:]
        if parts == ["debug_token"] and method == "GET":
            return self.debug_token(params)
        if not parts or len(parts) > 2:
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
        route = (kind, method, edge)
        if route == ("user", "POST", "media"):
            return self.create_container(params)
        if route == ("user", "POST", "media_publish"):
            return self.publish(params)
        if route == ("user", "GET", "content_publishing_limit"):
            self._fields(params, frozenset({"config", "quota_usage"}), "quota_usage")
            quota = self.state.quota
            limit = {"config": {"quota_total": quota["total"], "quota_duration": 86400}}
            return {"data": [limit | {"quota_usage": quota["usage"]}]}
        if route == ("user", "GET", "media"):
            since = float(params.get("since") or 0)
            items = [m for m in self._own_media() if m["_at"] >= since]
            items.sort(key=lambda m: m["_at"], reverse=True)
            return self.page(node, edge, items, params, "media")
        if route == ("user", "GET", "tags"):
            tagged = [
                m for m in self.state.media.values() if self.state.user_id in m.get("_tags", ())
            ]
            tagged.sort(key=lambda m: m["_at"], reverse=True)
            return self.page(node, edge, tagged, params, "media")
        # The account comments on a media, or answers a comment there: the same message field.
        if route in {("media", "POST", "comments"), ("comment", "POST", "replies")}:
            self._needs("instagram_manage_comments")
            if unknown := set(params) - {"message"}:
                raise GraphRefusal(f"(#100) Param {sorted(unknown)[0]} is not supported here")
            made = self.new_comment(
                node, self.state.user_id, self.state.username, str(params.get("message") or "")
            )
            return {"id": made}
        if route == ("media", "GET", "comments"):
            self._needs("instagram_manage_comments")
            items = [c for c in self.state.comments.values() if c["_media"] == node]
            items = [c for c in items if not c.get("parent_id")]
            return self.page(node, edge, sorted(items, key=lambda c: c["_at"]), params, "comment")
        if route == ("comment", "GET", "replies"):
            self._needs("instagram_manage_comments")
            return self.page(node, edge, self._replies(node), params, "comment")
        raise GraphRefusal(f"Unsupported {method.lower()} request.", 100, subcode=33)

    def _needs(self, scope: str) -> None:
        if scope not in SCOPES:  # the seeded token has them all
            raise GraphRefusal(
                f"(#10) Application does not have permission: {scope}", 10, status=403
            )

    # -- reading --------------------------------------------------------------------------------

    def _fields(self, params: Json, allowed: frozenset[str], default: str) -> list[FieldSpec]:
        try:
            specs = parse_fields(str(params.get("fields") or default))
        except ValueError as error:
            raise GraphRefusal(f"Syntax error in fields: {error}", 100) from None
        for spec in specs:
            if spec.name not in allowed and spec.name != "replies":
                raise GraphRefusal(f"(#100) Tried accessing nonexisting field ({spec.name})", 100)
        return specs

    def _own_media(self) -> list[Json]:
        """The account's own media (not the readers' media that tag it)."""
        return [m for m in self.state.media.values() if m["owner"]["id"] == self.state.user_id]

    def _replies(self, comment: str) -> list[Json]:
        found = [c for c in self.state.comments.values() if c.get("parent_id") == comment]
        return sorted(found, key=lambda c: c["_at"])

    def render(self, item: Json, specs: list[FieldSpec], kind: str) -> Json:
        """A media or a comment with the fields asked (``id`` always)."""
        out: Json = {"id": item["id"]}
        for spec in specs:
            if spec.name == "replies" and kind == "comment":
                children = spec.children or [FieldSpec("id")]
                out[spec.key] = {
                    "data": [self.render(r, children, kind) for r in self._replies(item["id"])]
                }
                continue
            value = item.get(spec.name)
            if value is not None and value != "":
                out[spec.key] = value
        return out

    def read(self, node: str, kind: str, params: Json) -> Json:
        """A user, a container, a media or a comment with the fields asked."""
        if kind == "user":
            specs = self._fields(params, USER_FIELDS, "id")
            user = {
                "id": self.state.user_id,
                "username": self.state.username,
                "name": "Vélos Boréal",
                "media_count": len(self._own_media()),
            }
            return self.render(user, specs, kind)
        if kind == "container":
            specs = self._fields(params, CONTAINER_FIELDS, "id")
            container = self.state.containers[node]
            answer = self.render(container, specs, kind)
            if container["status_code"] == "IN_PROGRESS":
                container["_polls"] -= 1
                if container["_polls"] <= 0:  # answered IN_PROGRESS ``polls`` times
                    container["status_code"] = container["_then"]
                    container["status"] = container["_then_status"]
            return answer
        if kind == "media":
            specs = self._fields(params, MEDIA_FIELDS, "id")
            return self.render(self.state.media[node], specs, kind)
        self._needs("instagram_manage_comments")
        specs = self._fields(params, COMMENT_FIELDS, "id")
        return self.render(self.state.comments[node], specs, kind)

    def page(self, node: str, edge: str, items: list[Json], params: Json, kind: str) -> Json:
        """An edge's page of ``items`` with its cursors and ``next``."""
        allowed = MEDIA_FIELDS if kind == "media" else COMMENT_FIELDS
        specs = self._fields(params, allowed, "id")
        if unknown := set(params) - {"fields", "limit", "after", "since", "until"}:
            raise GraphRefusal(f"(#100) Unknown parameter {sorted(unknown)[0]}", 100)
        try:
            limit = min(100, int(params.get("limit") or DEFAULT_LIMIT))
            start = int(base64.b64decode(params["after"]).decode()) if "after" in params else 0
        except ValueError:
            raise GraphRefusal("(#100) limit and after must be numbers and cursors") from None
        chosen = items[start : start + limit]
        out: Json = {"data": [self.render(i, specs, kind) for i in chosen]}
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

    def debug_token(self, params: Json) -> Json:
        """What the double knows of ``input_token``: the Page token of a system user."""
        token = str(params.get("input_token") or "")
        if not self.state.tokens.valid(token):
            return {
                "data": {
                    "is_valid": False,
                    "scopes": [],
                    "error": {"code": 190, "message": "Invalid OAuth access token."},
                }
            }
        now = int(time.time())
        issued, expires = self.state.tokens.times(token)
        data: Json = {
            "app_id": self.state.app_id,
            "type": "PAGE",
            "application": "Agora",
            "data_access_expires_at": now + 90 * 86400,
            "expires_at": expires,
            "is_valid": not self.state.expired,
            "issued_at": issued,
            "scopes": list(SCOPES),
            "profile_id": self.state.page_id,
            "user_id": self.state.system_user_id,
        }
        if self.state.expired:
            data["error"] = {"code": 190, "message": "Error validating access token."}
        return {"data": data}

    # -- writing --------------------------------------------------------------------------------

    def create_container(self, params: Json) -> Json:
        """``POST /{ig-user-id}/media``: an image container (see the docstring on the image)."""
        self._needs("instagram_content_publish")
        if unknown := set(params) - {"image_url", "caption", "alt_text"}:
            raise GraphRefusal(f"(#100) Param {sorted(unknown)[0]} is not supported here", 100)
        image = str(params.get("image_url") or "")
        where = urlsplit(image)
        if where.scheme not in ("http", "https") or not where.netloc:
            raise GraphRefusal("(#100) The parameter image_url is required", 100)
        if not _IMAGE.search(where.path):
            raise GraphRefusal(
                "Only photo or video can be accepted as media type.", 9004, subcode=2207052
            )
        text = str(params.get("caption") or "")
        if len(text) > MAX_CAPTION:
            raise GraphRefusal("(#100) The caption is too long.", 100, subcode=2207010)
        if len(_HASHTAG.findall(text)) > MAX_HASHTAGS:
            raise GraphRefusal("(#100) The caption has too many hashtags.", 100, subcode=2207010)
        plan = self.state.plan
        container_id = self.state.next_id(CONTAINER_PREFIX)
        then = str(plan["status"])
        then_status = f"{then}: {plan['message']}" if then == "ERROR" else then
        self.state.containers[container_id] = {
            "id": container_id,
            "status_code": "IN_PROGRESS" if plan["polls"] else then,
            "status": "In Progress" if plan["polls"] else then_status,
            "_polls": int(plan["polls"]),
            "_then": then,
            "_then_status": then_status,
            "_caption": text,
            "_image": image,
        }
        return {"id": container_id}

    def publish(self, params: Json) -> Json:
        """``POST /{ig-user-id}/media_publish``: a FINISHED container becomes a media."""
        self._needs("instagram_content_publish")
        container = self.state.containers.get(str(params.get("creation_id") or ""))
        if container is None:
            raise GraphRefusal("(#100) The parameter creation_id is required and must exist", 100)
        if container["status_code"] == "PUBLISHED":
            raise GraphRefusal("The media has already been published.", 9007, subcode=2207008)
        if container["status_code"] != "FINISHED":
            raise GraphRefusal("Media ID is not available.", 9007, subcode=2207027)
        quota = self.state.quota
        if quota["usage"] >= quota["total"]:
            raise GraphRefusal(
                "Application request limit reached: the user reached the publishing limit.",
                9,
                subcode=2207042,
            )
        quota["usage"] += 1
        container["status_code"] = container["status"] = "PUBLISHED"
        media_id = self.state.next_id(MEDIA_PREFIX)
        now = time.time() + next(self.state.ids) / 1e6  # strictly increasing
        code = base64.b32encode(media_id.encode()).decode()[:11]
        self.state.media[media_id] = {
            "id": media_id,
            "caption": container["_caption"],
            "permalink": f"https://www.instagram.com/p/{code}/",
            "timestamp": _time(now),
            "media_type": "IMAGE",
            "media_url": container["_image"],
            "media_product_type": "FEED",
            "shortcode": code,
            "username": self.state.username,
            "comments_count": 0,
            "like_count": 0,
            "owner": {"id": self.state.user_id},
            "_at": now,
        }
        return {"id": media_id}

    def new_tagging_media(self, who: str, caption: str) -> str:
        """A media of the reader ``who``, captioned ``caption``, that tags the account; its id."""
        media_id = self.state.next_id(MEDIA_PREFIX)
        now = time.time() + next(self.state.ids) / 1e6  # strictly increasing
        code = base64.b32encode(media_id.encode()).decode()[:11]
        username = self.state.readers[who]
        self.state.media[media_id] = {
            "id": media_id,
            "caption": caption,
            "permalink": f"https://www.instagram.com/p/{code}/",
            "timestamp": _time(now),
            "media_type": "IMAGE",
            "media_url": f"https://scontent.cdninstagram.com/{code}.jpg",
            "media_product_type": "FEED",
            "shortcode": code,
            "username": username,
            "comments_count": 0,
            "like_count": 0,
            "owner": {"id": who},
            "_tags": [self.state.user_id],
            "_at": now,
        }
        return media_id

    def new_comment(self, on: str, who: str, username: str, text: str) -> str:
        """A comment of ``who`` on a media, or a reply to a top-level comment; its id."""
        kind = self.kind(on)
        if kind == "comment" and self.state.comments[on].get("parent_id"):
            raise GraphRefusal("(#100) A reply cannot be answered: answer its comment", 100)
        if kind not in ("media", "comment"):
            raise GraphRefusal(f"(#100) Cannot comment on {on}", 100, subcode=33)
        if not text.strip():
            raise GraphRefusal("(#100) The parameter message is required", 100)
        media = on if kind == "media" else self.state.comments[on]["_media"]
        comment_id = self.state.next_id(COMMENT_PREFIX)
        now = time.time() + next(self.state.ids) / 1e6
        self.state.comments[comment_id] = {
            "id": comment_id,
            "text": text,
            "username": username,
            "from": {"id": who, "username": username},
            "timestamp": _time(now),
            "hidden": False,
            "like_count": 0,
            "media": {"id": media},
            "_media": media,
            "_at": now,
            **({"parent_id": on} if kind == "comment" else {}),
        }
        self.state.media[media]["comments_count"] += 1
        return comment_id

    # -- control --------------------------------------------------------------------------------

    async def control(self, request: Request) -> Response:
        """The ``/instagram/_double/`` routes (see the module's docstring)."""
        name = request.path_params["name"]
        state = self.state
        try:
            if name == "requests":
                if request.method == "DELETE":
                    state.requests.clear()
                return JSONResponse({"requests": dict(state.requests)})
            if name == "posts" and request.method == "GET":
                title = request.query_params.get("title", "").strip()
                found = [
                    m["id"]
                    for m in state.media.values()
                    if title and m["caption"].split("\n", 1)[0].endswith(title)
                ]
                return JSONResponse({"count": len(found), "posts": found})
            if name in ("media", "comment") and request.method == "GET":
                store = state.media if name == "media" else state.comments
                item = store.get(request.query_params.get("id", ""))
                if item is None:
                    return JSONResponse({"error": f"no such {name}"}, 404)
                shown = {k: v for k, v in item.items() if not k.startswith("_")}
                if name == "media":  # and its thread as a reader sees it
                    shown["comments"] = [
                        {k: v for k, v in c.items() if not k.startswith("_")}
                        for c in sorted(state.comments.values(), key=lambda c: c["_at"])
                        if c["_media"] == item["id"] and not c["hidden"]
                    ]
                return JSONResponse(shown)
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
                made = self.new_tagging_media(str(body["reader"]), str(body["text"]))
                return JSONResponse({"id": made})
            if name == "hide":
                state.comments[str(body["id"])]["hidden"] = True
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
                status = str(body["status"])
                container["status_code"] = container["status"] = status
                container["_then"] = container["_then_status"] = status
                container["_polls"] = 0
                return JSONResponse({"ok": True})
            if name == "quota":
                state.quota = {
                    "usage": int(body.get("usage", 0)),
                    "total": int(body.get("total", QUOTA_TOTAL)),
                }
                return JSONResponse({"ok": True})
            if name == "expire":
                state.expired = bool(body.get("expired", True))
                return JSONResponse({"ok": True})
            if name == "token":
                days = body.get("days_left")
                state.tokens.days_left(float(days) if days is not None else None)
                return JSONResponse({"ok": True})
            if name == "forget":
                for store in (state.containers, state.media, state.comments):
                    store.clear()
                return JSONResponse({"ok": True})
        except (GraphRefusal, KeyError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"error": f"no control route {request.method} {name}"}, 404)


def create_instagram_app(config: dict[str, Any]) -> Starlette:
    """The Instagram double, seeded from ``config`` (``sandbox.meta.MetaServer.to_json``)."""
    state = InstagramState(
        base_url=f"{config['base_url']}/instagram",
        app_id=config["app_id"],
        user_id=config["instagram_user_id"],
        username=config["instagram_username"],
        page_id=config["page_id"],
        token=config["instagram_token"],
        system_user_id=config["system_user_id"],
        readers={r["instagram_id"]: r["username"] for r in config["readers"]},
        tokens=LongLivedTokens(config["instagram_token"], "IGAA", "ig_refresh_token"),
    )
    double = InstagramDouble(state)
    methods = ["GET", "POST", "DELETE"]
    return Starlette(
        routes=[
            Route("/_double/{name}", double.control, methods=methods),
            Route("/{path:path}", double.api, methods=methods),
        ]
    )
