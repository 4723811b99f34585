"""A local, stateful double of the LinkedIn REST API subset the project uses (Starlette, in memory).

LinkedIn publishes no machine-readable description of its API and cannot run locally, so this is
our own code, written from its reference pages, each linked where it is followed:

- Posts: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
  (``POST /rest/posts``, the URN in ``x-restli-id``; ``GET /rest/posts/{urn}``;
  ``GET /rest/posts?q=author``, newest first; ``DELETE``). The same commentary twice from one
  author is 422 "duplicate".
- little text: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
  A commentary or comment with an unescaped reserved character (``\\ | { } @ [ ] ( ) < > # * _
  ~``) outside a hashtag template or a mention is refused (422): LinkedIn would cut the text
  there. Its text as read is at most 3,000 UTF-16 code units (1,250 for a comment).
- Images: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
  (``initializeUpload``, a ``PUT`` to the upload address, BATCH_GET with ``downloadUrl``); a
  post's article thumbnail must be an uploaded image of its author.
- Comments: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api
  (``/rest/socialActions/{urn}/comments``; nested once, under ``parentComment``).
- Reactions: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/reactions-api
  (``/rest/reactions/(entity:{urn})?q=entity``).
- Social metadata: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/social-metadata-api
  (BATCH_GET: ``results`` by URN, ``errors`` for what is gone).
- Organization Share Statistics:
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
  (``q=organizationalEntity`` with ``shares=List(…)``/``ugcPosts=List(…)``: lifetime counts,
  ``shareCount`` the reposts; ``rw_organization_admin`` and an administrator, else 403).
- Member Post Analytics:
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
  (``q=entity``, ``entity=(share:…)``, ``queryType=RESHARE``, ``aggregation=TOTAL``;
  ``r_member_postAnalytics``, the member's own posts only).
- Organization Social Action Notifications, the pull workflow:
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications
  (``GET /rest/organizationalEntityNotifications?q=criteria&actions=List(…)`` with
  ``organizationalEntity`` and ``timeRange=(start:…,end:…)`` in epoch ms: the page's
  ``SHARE_MENTION`` and ``COMMENT_MENTION`` notifications of the last 60 days, oldest first,
  each naming its ``action``, ``sourcePost``, ``generatedActivity`` (the comment) and
  ``lastModifiedAt``; ``rw_organization_admin`` and an administrator, else 403).
- People and organizations (BATCH_GET ``/rest/people?ids=List((id:…))``,
  ``/rest/organizations?ids=List(…)``).
- Token introspection: https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection

Every ``/rest/`` request must carry a known bearer token (401, "expired" once the token is
expired), ``LinkedIn-Version`` (400 when missing, 426 when not an active version: YYYYMM within
the last 12 months) and ``X-Restli-Protocol-Version: 2.0.0`` (400). Its path keys and query
parameters must follow Rest.li 2.0's encoding
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version): a URN
with a raw ``:``, a list not written ``List(...)`` is 400. Writing as the organization needs
``w_organization_social`` and the token's member an administrator of the page; reading its posts,
comments and reactions ``r_organization_social``; a member writes only as themselves
(``w_member_social``). Error bodies are LinkedIn's ``{"message","status","serviceErrorCode"}``.

Control routes, outside LinkedIn's API and without a token, under ``/_double/``: ``faults``
(``{"method","path","status","headers","body","times"}``, the path as sent or its template),
``comment`` (``{"username","on","text","parent"}``: a member comments, their text escaped as
LinkedIn's site does), ``react`` (``{"username","on","type"}``), ``repost``
(``{"username","on"}``: a member reposts a post, which LinkedIn only counts), ``delete``
(``{"urn"}``),
``expire`` (``{"username"}``), ``GET read?urn=`` (a post or comment as a reader sees it),
``GET posts?link=&author=`` (the author's live posts linking to an address) and ``requests``
(GET: API requests by method and path template; DELETE: start again).
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
from urllib.parse import parse_qsl, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

RESERVED = frozenset("\\|{}@[]()<>#*_~")
MAX_COMMENTARY = 3000
MAX_COMMENT = 1250
REACTION_TYPES = ("LIKE", "PRAISE", "EMPATHY", "INTEREST", "APPRECIATION", "ENTERTAINMENT")
TOKEN_DAYS = 60
NOTIFICATION_ACTIONS = frozenset(
    {"LIKE", "COMMENT", "SHARE", "SHARE_MENTION", "COMMENT_MENTION", "ADMIN_COMMENT"}
)
NOTIFICATIONS_KEPT_MS = 60 * 86400 * 1000
# A 1x1 PNG: the demo people's pictures and the page's logo.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_VERSION_RE = re.compile(r"^(\d{4})(\d{2})(\.\d{2})?$")
_RESTLI_RESERVED = frozenset("(),:'")

Json = dict[str, Any]


class RestliError(ValueError):
    """A path key or query parameter not in Rest.li 2.0's encoding."""


class Refused(Exception):
    """An answer of LinkedIn's other than success."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# -- Rest.li 2.0 decoding ---------------------------------------------------------------------


def decode_restli(text: str) -> Any:
    """A value in Rest.li 2.0's URL encoding: ``List(...)``, ``(k:v,...)`` or a string whose
    reserved characters are percent-encoded; RestliError for anything else."""
    value, rest = _value(text, 0)
    if rest != len(text):
        raise RestliError(f"unexpected {text[rest]!r} at {rest} in {text!r}")
    return value


def _value(text: str, at: int) -> tuple[Any, int]:
    if text.startswith("List(", at):
        items: list[Any] = []
        at += 5
        if text.startswith(")", at):
            return items, at + 1
        while True:
            item, at = _value(text, at)
            items.append(item)
            if text.startswith(",", at):
                at += 1
            elif text.startswith(")", at):
                return items, at + 1
            else:
                raise RestliError(f"a list in {text!r} is not closed")
    if text.startswith("(", at):
        record: dict[str, Any] = {}
        at += 1
        if text.startswith(")", at):
            return record, at + 1
        while True:
            key, at = _string(text, at)
            if not text.startswith(":", at):
                raise RestliError(f"a record key in {text!r} has no value")
            record[key], at = _value(text, at + 1)
            if text.startswith(",", at):
                at += 1
            elif text.startswith(")", at):
                return record, at + 1
            else:
                raise RestliError(f"a record in {text!r} is not closed")
    return _string(text, at)


def _string(text: str, at: int) -> tuple[str, int]:
    end = at
    while end < len(text) and text[end] not in _RESTLI_RESERVED:
        end += 1
    raw = text[at:end]
    if not raw:
        raise RestliError(f"an empty value at {at} in {text!r}")
    return unquote(raw), end


def decode_query(raw: str) -> dict[str, Any]:
    """A raw query string decoded parameter by parameter, each value as Rest.li 2.0 reads it."""
    params: dict[str, Any] = {}
    for part in raw.split("&") if raw else []:
        name, sep, value = part.partition("=")
        if not sep or not name:
            raise RestliError(f"the query parameter {part!r} has no value")
        params[unquote(name)] = decode_restli(value)
    return params


# -- little text ------------------------------------------------------------------------------


_TEMPLATE_RE = re.compile(r"\{hashtag\|(\\#|#|\uff03)\|")
_MENTION_RE = re.compile(r"@\[([^\]\\]*)\]\((urn:li:(?:person|organization):[^)\\]+)\)")


def read_little(text: str) -> str:
    """The little text as a reader sees it; ValueError at an unescaped reserved character."""
    out: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == "\\":
            if at + 1 >= len(text):
                raise ValueError(f"a lone backslash ends the text (at {at})")
            out.append(text[at + 1])
            at += 2
            continue
        if char == "{" and (template := _TEMPLATE_RE.match(text, at)):
            tag, end = _template_value(text, template.end())
            out.append("#" + tag)
            at = end
            continue
        if char == "@" and (mention := _MENTION_RE.match(text, at)):
            out.append(mention.group(1))
            at = mention.end()
            continue
        if char in RESERVED:
            raise ValueError(
                f"the reserved character {char!r} at {at} is not escaped (write \\{char}, "
                "little text)"
            )
        out.append(char)
        at += 1
    return "".join(out)


def _template_value(text: str, at: int) -> tuple[str, int]:
    out: list[str] = []
    while at < len(text):
        char = text[at]
        if char == "\\" and at + 1 < len(text):
            out.append(text[at + 1])
            at += 2
        elif char == "}":
            if not out:
                raise ValueError("an empty hashtag template")
            return "".join(out), at + 1
        elif char in RESERVED:
            raise ValueError(f"the reserved character {char!r} at {at} is not escaped")
        else:
            out.append(char)
            at += 1
    raise ValueError("a hashtag template is not closed")


def escape_little(text: str) -> str:
    """What LinkedIn's own site stores for a member's plain text."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def utf16_length(text: str) -> int:
    """The length LinkedIn's composer counts (JavaScript's)."""
    return len(text.encode("utf-16-le")) // 2


# -- the state --------------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Member:
    """A demo member: a person id, a token and what it may do."""

    username: str
    display_name: str
    role: str
    person_id: str
    token: str
    headline: str
    scopes: frozenset[str]
    admin: bool = False
    expires_at: int = 0  # epoch seconds

    @property
    def urn(self) -> str:
        """The member's person URN."""
        return f"urn:li:person:{self.person_id}"


@dataclass
class Fault:
    """An answer a test asked for, ``times`` times."""

    path: str
    status: int
    method: str | None
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class State:
    """Everything the double stores."""

    organization: str
    org_name: str
    org_vanity: str
    client_id: str
    client_secret: str
    base_url: str
    members: dict[str, Member]
    posts: dict[str, Json] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    comments: dict[str, Json] = field(default_factory=dict)
    reactions: dict[tuple[str, str], Json] = field(default_factory=dict)
    reposts: dict[tuple[str, str], int] = field(default_factory=dict)  # (member, post) -> ms
    notifications: list[Json] = field(default_factory=list)  # the page's, oldest first
    images: dict[str, Json] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def org_urn(self) -> str:
        """The page's organization URN."""
        return f"urn:li:organization:{self.organization}"

    def next_id(self) -> int:
        """A fresh number for a post, comment or image."""
        return next(self.ids)


_TEMPLATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (template, re.compile(pattern))
    for template, pattern in (
        ("/rest/posts", r"^/rest/posts$"),
        ("/rest/posts/{urn}", r"^/rest/posts/[^/]+$"),
        ("/rest/images", r"^/rest/images$"),
        ("/rest/socialMetadata", r"^/rest/socialMetadata$"),
        ("/rest/socialActions/{urn}/comments", r"^/rest/socialActions/[^/]+/comments$"),
        ("/rest/reactions/{key}", r"^/rest/reactions/[^/]+$"),
        ("/rest/people", r"^/rest/people$"),
        (
            "/rest/organizationalEntityShareStatistics",
            r"^/rest/organizationalEntityShareStatistics$",
        ),
        ("/rest/memberCreatorPostAnalytics", r"^/rest/memberCreatorPostAnalytics$"),
        (
            "/rest/organizationalEntityNotifications",
            r"^/rest/organizationalEntityNotifications$",
        ),
        ("/rest/organizations", r"^/rest/organizations$"),
        ("/oauth/v2/introspectToken", r"^/oauth/v2/introspectToken$"),
        ("/_upload/{id}", r"^/_upload/[^/]+$"),
        ("/_media/{id}", r"^/_media/[^/]+$"),
    )
)


def template_of(path: str) -> str:
    """The path template a raw path matches (how requests are counted and faults named)."""
    for template, pattern in _TEMPLATES:
        if pattern.match(path):
            return template
    return path


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    codes = {401: 65600, 403: 100, 404: 101, 422: 100, 429: 101, 426: 102}
    body = {"message": message, "status": status, "serviceErrorCode": codes.get(status, 0)}
    return JSONResponse(body, status_code=status, headers=headers)


class LinkedInDouble:
    """The API's handlers over one ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- the gate -------------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        """Every API request: counted, faults applied, checked, dispatched."""
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        path = raw_path.split("?", 1)[0]
        template = template_of(path)
        self.state.requests[f"{request.method} {template}"] += 1
        for fault in self.state.faults:
            if fault.times > 0 and fault.path in (path, template, unquote(path)):
                if fault.method and fault.method.upper() != request.method:
                    continue
                fault.times -= 1
                if fault.body is not None:
                    return JSONResponse(fault.body, fault.status, headers=fault.headers)
                return _error(
                    fault.status, _FAULT_MESSAGES.get(fault.status, "Error"), fault.headers
                )
        try:
            return await self._dispatch(request, path, template)
        except Refused as refused:
            return _error(refused.status, refused.message, refused.headers)
        except RestliError as error:
            return _error(400, f"Invalid Rest.li 2.0 encoding: {error}")

    def _member(self, request: Request) -> Member:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        for member in self.state.members.values():
            if token and member.token == token:
                if member.expires_at and member.expires_at < time.time():
                    raise Refused(401, "The token used in the request has expired")
                return member
        raise Refused(401, "Invalid access token")

    def _rest_checks(self, request: Request) -> Member:
        member = self._member(request)
        version = request.headers.get("linkedin-version")
        if not version:
            raise Refused(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
            )
        match = _VERSION_RE.match(version)
        now = datetime.now(UTC)
        months = (now.year * 12 + now.month) - (int(match[1]) * 12 + int(match[2])) if match else -1
        if not match or not 0 <= months < 12:
            raise Refused(426, f"Requested version {version} is not active")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            raise Refused(400, "This API requires X-Restli-Protocol-Version: 2.0.0")
        return member

    def _may_write_as(self, member: Member, author: str) -> None:
        if author == self.state.org_urn:
            if "w_organization_social" not in member.scopes or not member.admin:
                raise Refused(403, "Not enough permissions to access: w_organization_social")
        elif author == member.urn:
            if "w_member_social" not in member.scopes:
                raise Refused(403, "Not enough permissions to access: w_member_social")
        else:
            raise Refused(403, f"Not enough permissions to act as {author}")

    def _may_read_social(self, member: Member) -> None:
        if "r_organization_social" in member.scopes and member.admin:
            return
        if "r_member_social" in member.scopes:
            return
        raise Refused(403, "Not enough permissions to access: r_organization_social")

    async def _json(self, request: Request) -> Json:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise Refused(400, "The request body is not JSON") from None
        if not isinstance(body, dict):
            raise Refused(400, "The request body is not a JSON object")
        return body

    async def _dispatch(self, request: Request, path: str, template: str) -> Response:
        method = request.method
        if template == "/oauth/v2/introspectToken" and method == "POST":
            return await self.introspect(request)
        if template == "/_upload/{id}" and method == "PUT":
            return await self.upload(request, path.rsplit("/", 1)[1])
        if template == "/_media/{id}" and method == "GET":
            image = self.state.images.get(f"urn:li:image:{path.rsplit('/', 1)[1]}")
            if not image or image["status"] != "AVAILABLE":
                raise Refused(404, "No such media")
            return Response(image["data"], media_type="image/png")
        if not path.startswith("/rest/"):
            raise Refused(404, f"No resource {path}")
        member = self._rest_checks(request)
        params = decode_query(request.scope.get("query_string", b"").decode("latin-1"))
        key = ""
        if template in ("/rest/posts/{urn}", "/rest/reactions/{key}"):
            key = path.rsplit("/", 1)[1]
        elif template == "/rest/socialActions/{urn}/comments":
            key = path.split("/")[3]
        decoded = decode_restli(key) if key else None
        routes = {
            ("POST", "/rest/posts"): lambda: self.create_post(request, member, params),
            ("GET", "/rest/posts"): lambda: self.find_posts(member, params),
            ("GET", "/rest/posts/{urn}"): lambda: self.get_post(member, decoded),
            ("DELETE", "/rest/posts/{urn}"): lambda: self.delete_post(member, decoded),
            ("POST", "/rest/images"): lambda: self.initialize_upload(request, member, params),
            ("GET", "/rest/images"): lambda: self.batch_images(params),
            ("GET", "/rest/socialMetadata"): lambda: self.social_metadata(member, params),
            ("GET", "/rest/socialActions/{urn}/comments"): lambda: self.list_comments(
                member, decoded, params
            ),
            ("POST", "/rest/socialActions/{urn}/comments"): lambda: self.create_comment(
                request, member, decoded
            ),
            ("GET", "/rest/reactions/{key}"): lambda: self.list_reactions(member, decoded, params),
            ("GET", "/rest/people"): lambda: self.batch_people(params),
            ("GET", "/rest/organizationalEntityShareStatistics"): lambda: self.share_statistics(
                member, params
            ),
            ("GET", "/rest/memberCreatorPostAnalytics"): lambda: self.member_analytics(
                member, params
            ),
            ("GET", "/rest/organizations"): lambda: self.batch_organizations(params),
            ("GET", "/rest/organizationalEntityNotifications"): lambda: self.notifications(
                member, params
            ),
        }
        handler = routes.get((method, template))
        if handler is None:
            raise Refused(405 if template != path else 404, f"{method} {path} is not supported")
        answer: Response = await handler()
        return answer

    # -- posts ----------------------------------------------------------------------------------

    def _live_post(self, urn: Any) -> Json:
        if not isinstance(urn, str) or not urn.startswith(("urn:li:share:", "urn:li:ugcPost:")):
            raise Refused(400, f"{urn!r} is not a post URN")
        post = self.state.posts.get(urn)
        if post is None or urn in self.state.deleted:
            raise Refused(404, f"Post {urn} not found")
        return post

    async def create_post(self, request: Request, member: Member, params: Json) -> Response:
        """POST /rest/posts."""
        if params:
            raise Refused(400, "POST /rest/posts takes no query parameters")
        body = await self._json(request)
        author = body.get("author")
        if not isinstance(author, str) or not author.startswith(
            ("urn:li:organization:", "urn:li:person:")
        ):
            raise Refused(422, "/author: a person or organization URN is required")
        self._may_write_as(member, author)
        commentary = body.get("commentary", "")
        if not isinstance(commentary, str):
            raise Refused(422, "/commentary must be a string")
        try:
            read = read_little(commentary)
        except ValueError as error:
            raise Refused(422, f"/commentary: {error}") from None
        if utf16_length(read) > MAX_COMMENTARY:
            raise Refused(422, f"/commentary is longer than {MAX_COMMENTARY} characters")
        if body.get("visibility") not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
            raise Refused(422, "/visibility must be PUBLIC, CONNECTIONS or LOGGED_IN")
        distribution = body.get("distribution")
        if not isinstance(distribution, dict) or distribution.get("feedDistribution") not in (
            "MAIN_FEED",
            "NONE",
        ):
            raise Refused(422, "/distribution/feedDistribution must be MAIN_FEED or NONE")
        if body.get("lifecycleState") != "PUBLISHED":
            raise Refused(422, "/lifecycleState must be PUBLISHED")
        content = body.get("content")
        if content is not None:
            self._check_content(content, author)
        for urn, post in self.state.posts.items():
            if (
                urn not in self.state.deleted
                and post["author"] == author
                and (post["commentary"] == commentary)
            ):
                raise Refused(422, f"Content is a duplicate of {urn}")
        now = _now_ms()
        urn = f"urn:li:share:{7400000000000000000 + self.state.next_id()}"
        self.state.posts[urn] = {
            "id": urn,
            "author": author,
            "commentary": commentary,
            "visibility": body["visibility"],
            "distribution": distribution,
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": bool(body.get("isReshareDisabledByAuthor")),
            "createdAt": now,
            "lastModifiedAt": now,
            "publishedAt": now,
            **({"content": content} if content is not None else {}),
        }
        return Response(status_code=201, headers={"x-restli-id": urn})

    def _check_content(self, content: Any, author: str) -> None:
        article = content.get("article") if isinstance(content, dict) else None
        if not isinstance(article, dict):
            raise Refused(422, "/content: only an article is supported here")
        source = article.get("source")
        if not isinstance(source, str) or not re.match(r"^https?://\S+$", source):
            raise Refused(422, "/content/article/source must be an http(s) URL")
        if not isinstance(article.get("title"), str) or not article["title"]:
            raise Refused(422, "/content/article/title is required")
        thumbnail = article.get("thumbnail")
        if thumbnail is not None:
            image = self.state.images.get(str(thumbnail))
            if image is None or image["status"] != "AVAILABLE":
                raise Refused(422, f"/content/article/thumbnail: {thumbnail} is not uploaded")
            if image["owner"] != author:
                raise Refused(422, f"/content/article/thumbnail: {thumbnail} is not {author}'s")

    async def get_post(self, member: Member, urn: Any) -> Response:
        """GET /rest/posts/{urn}."""
        post = self._live_post(urn)
        if post["author"] == self.state.org_urn:
            self._may_read_social(member)
        return JSONResponse(post)

    async def delete_post(self, member: Member, urn: Any) -> Response:
        """DELETE /rest/posts/{urn}: its author only."""
        post = self._live_post(urn)
        self._may_write_as(member, post["author"])
        self.state.deleted.add(post["id"])
        return Response(status_code=204)

    async def find_posts(self, member: Member, params: Json) -> Response:
        """GET /rest/posts?q=author&author=..."""
        if params.get("q") != "author" or not isinstance(params.get("author"), str):
            raise Refused(400, "GET /rest/posts needs q=author and an author URN")
        author = params["author"]
        if author == self.state.org_urn:
            self._may_read_social(member)
        elif author != member.urn:
            raise Refused(403, f"Not enough permissions to read the posts of {author}")
        sort = params.get("sortBy", "LAST_MODIFIED")
        if sort not in ("LAST_MODIFIED", "CREATED"):
            raise Refused(400, "sortBy must be LAST_MODIFIED or CREATED")
        field_name = "createdAt" if sort == "CREATED" else "lastModifiedAt"
        posts = sorted(
            (
                p
                for urn, p in self.state.posts.items()
                if p["author"] == author and urn not in self.state.deleted
            ),
            key=lambda p: (p[field_name], p["id"]),
            reverse=True,
        )
        return self._page(posts, params, max_count=100)

    def _page(self, items: list[Json], params: Json, *, max_count: int) -> JSONResponse:
        try:
            start = int(params.get("start", 0))
            count = int(params.get("count", 10))
        except (TypeError, ValueError):
            raise Refused(400, "start and count must be numbers") from None
        if start < 0 or not 0 < count <= max_count:
            raise Refused(400, f"count must be between 1 and {max_count}")
        page = items[start : start + count]
        paging = {"start": start, "count": count, "total": len(items), "links": []}
        return JSONResponse({"elements": page, "paging": paging})

    # -- images ---------------------------------------------------------------------------------

    async def initialize_upload(self, request: Request, member: Member, params: Json) -> Response:
        """POST /rest/images?action=initializeUpload."""
        if params != {"action": "initializeUpload"}:
            raise Refused(400, "POST /rest/images needs action=initializeUpload")
        body = await self._json(request)
        asked = body.get("initializeUploadRequest")
        owner = asked.get("owner") if isinstance(asked, dict) else None
        if not isinstance(owner, str):
            raise Refused(422, "/initializeUploadRequest/owner is required")
        self._may_write_as(member, owner)
        number = f"D4E10AQ{self.state.next_id():010d}"
        urn = f"urn:li:image:{number}"
        self.state.images[urn] = {"owner": owner, "status": "WAITING_UPLOAD", "data": b""}
        expires = _now_ms() + 24 * 3600 * 1000
        value = {
            "uploadUrlExpiresAt": expires,
            "uploadUrl": f"{self.state.base_url}/_upload/{number}",
            "image": urn,
        }
        return JSONResponse({"value": value})

    async def upload(self, request: Request, number: str) -> Response:
        """PUT /_upload/{id}: the image's bytes, with the owner's token."""
        member = self._member(request)
        image = self.state.images.get(f"urn:li:image:{number}")
        if image is None:
            raise Refused(404, "No such upload")
        self._may_write_as(member, image["owner"])
        data = await request.body()
        if not data:
            raise Refused(400, "The upload is empty")
        image.update(status="AVAILABLE", data=data)
        return Response(status_code=201)

    async def batch_images(self, params: Json) -> Response:
        """GET /rest/images?ids=List(...)."""
        ids = self._ids(params)
        results: Json = {}
        errors: Json = {}
        for urn in ids:
            image = self.state.images.get(urn) if isinstance(urn, str) else None
            if image is None:
                errors[str(urn)] = {"status": 404, "message": "Not found"}
                continue
            number = urn.rsplit(":", 1)[1]
            results[urn] = {
                "id": urn,
                "owner": image["owner"],
                "status": image["status"],
                "downloadUrl": f"{self.state.base_url}/_media/{number}",
                "downloadUrlExpiresAt": _now_ms() + 3600 * 1000,
            }
        return JSONResponse({"results": results, "errors": errors, "statuses": {}})

    @staticmethod
    def _ids(params: Json) -> list[Any]:
        ids = params.get("ids")
        if not isinstance(ids, list) or not ids:
            raise Refused(400, "ids must be a Rest.li list: ids=List(...)")
        return ids

    # -- social metadata, comments, reactions ---------------------------------------------------

    def _entity_exists(self, urn: str) -> bool:
        if urn.startswith("urn:li:comment:"):
            comment = self.state.comments.get(urn)
            return (
                comment is not None
                and not comment.get("_deleted")
                and (self._entity_exists(comment["object"]))
            )
        return urn in self.state.posts and urn not in self.state.deleted

    def _live_comments(self, under: str) -> list[Json]:
        comments = []
        for comment in self.state.comments.values():
            if comment.get("_deleted"):
                continue
            parent = comment.get("parentComment")
            if (parent == under) or (parent is None and comment["object"] == under):
                comments.append(comment)
        return comments

    def _public_comment(self, comment: Json) -> Json:
        answers = self._live_comments(comment["commentUrn"])
        shown = {k: v for k, v in comment.items() if not k.startswith("_")}
        shown["commentsSummary"] = {
            "aggregatedTotalComments": len(answers),
            "totalFirstLevelComments": len(answers),
            "selectedComments": [a["commentUrn"] for a in answers[:3]],
        }
        return shown

    async def social_metadata(self, member: Member, params: Json) -> Response:
        """GET /rest/socialMetadata?ids=List(...)."""
        self._may_read_social(member)
        results: Json = {}
        errors: Json = {}
        for urn in self._ids(params):
            if not isinstance(urn, str) or not self._entity_exists(urn):
                errors[str(urn)] = {"status": 404, "message": f"{urn} not found"}
                continue
            summaries: Json = {}
            for (_, entity), reaction in self.state.reactions.items():
                if entity == urn:
                    kind = reaction["reactionType"]
                    summary = summaries.setdefault(kind, {"reactionType": kind, "count": 0})
                    summary["count"] += 1
            top = self._live_comments(urn)
            nested = sum(len(self._live_comments(c["commentUrn"])) for c in top)
            results[urn] = {
                "entity": urn,
                "reactionSummaries": summaries,
                "commentsState": "OPEN",
                "commentSummary": {"count": len(top) + nested, "topLevelCount": len(top)},
            }
        return JSONResponse({"results": results, "errors": errors, "statuses": {}})

    async def list_comments(self, member: Member, urn: Any, params: Json) -> Response:
        """GET /rest/socialActions/{urn}/comments: a post's comments, or a comment's answers."""
        self._may_read_social(member)
        if not isinstance(urn, str) or not self._entity_exists(urn):
            raise Refused(404, f"{urn} not found")
        comments = sorted(self._live_comments(urn), key=lambda c: c["created"]["time"])
        return self._page([self._public_comment(c) for c in comments], params, max_count=100)

    async def create_comment(self, request: Request, member: Member, urn: Any) -> Response:
        """POST /rest/socialActions/{urn}/comments."""
        if not isinstance(urn, str) or not self._entity_exists(urn):
            raise Refused(404, f"{urn} not found")
        body = await self._json(request)
        actor = body.get("actor")
        if not isinstance(actor, str):
            raise Refused(422, "/actor is required")
        self._may_write_as(member, actor)
        comment = self._new_comment(urn, actor, body)
        return JSONResponse(
            self._public_comment(comment), 201, headers={"x-restli-id": comment["id"]}
        )

    def _new_comment(self, urn: str, actor: str, body: Json) -> Json:
        parent = body.get("parentComment")
        if urn.startswith("urn:li:comment:"):
            head = self.state.comments[urn]
            if head.get("parentComment"):
                raise Refused(422, "Comments nest one level: answer the top-level comment")
            if parent != urn:
                raise Refused(422, "/parentComment must be the comment of the path")
            root = head["object"]
        else:
            if parent is not None:
                raise Refused(422, "/parentComment: comment on the comment's own path")
            root = urn
        if body.get("object") != root:
            raise Refused(422, f"/object must be {root}")
        message = body.get("message")
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise Refused(422, "/message/text is required")
        try:
            read = read_little(text)
        except ValueError as error:
            raise Refused(422, f"/message/text: {error}") from None
        if utf16_length(read) > MAX_COMMENT:
            raise Refused(422, f"/message/text is longer than {MAX_COMMENT} characters")
        number = str(7400000000000000000 + self.state.next_id())
        now = _now_ms()
        comment_urn = f"urn:li:comment:({root},{number})"
        comment: Json = {
            "id": number,
            "commentUrn": comment_urn,
            "actor": actor,
            "object": root,
            "message": {"text": text, "attributes": []},
            "created": {"actor": actor, "time": now},
            "lastModified": {"actor": actor, "time": now},
        }
        if parent:
            comment["parentComment"] = parent
        self.state.comments[comment_urn] = comment
        return comment

    async def list_reactions(self, member: Member, key: Any, params: Json) -> Response:
        """GET /rest/reactions/(entity:{urn})?q=entity."""
        self._may_read_social(member)
        if not isinstance(key, dict) or set(key) != {"entity"}:
            raise Refused(400, "The key must be (entity:{urn})")
        if params.get("q") != "entity":
            raise Refused(400, "q=entity is required")
        entity = key["entity"]
        if not isinstance(entity, str) or not self._entity_exists(entity):
            raise Refused(404, f"{entity} not found")
        found = [r for (actor, target), r in self.state.reactions.items() if target == entity]
        found.sort(key=lambda r: r["created"]["time"], reverse=True)
        return self._page(found, {k: v for k, v in params.items() if k != "q"}, max_count=100)

    # -- statistics -----------------------------------------------------------------------------

    def _reposts_of(self, urn: str) -> int:
        return sum(1 for (_, post) in self.state.reposts if post == urn)

    async def share_statistics(self, member: Member, params: Json) -> Response:
        """GET /rest/organizationalEntityShareStatistics?q=organizationalEntity: lifetime
        statistics of the page's posts named in ``shares=List(…)`` and ``ugcPosts=List(…)``, one
        element each; a post older than 12 months, or deleted, is left out (LinkedIn's rolling
        window); a post of another author is 403, as on LinkedIn."""
        if "rw_organization_admin" not in member.scopes or not member.admin:
            raise Refused(
                403,
                "Not enough permissions to access: "
                "organizationalEntityShareStatistics.FINDER-organizationalEntity.20261101",
            )
        if params.get("q") != "organizationalEntity":
            raise Refused(400, "q must be organizationalEntity")
        if params.get("organizationalEntity") != self.state.org_urn:
            raise Refused(403, "Not enough permissions to access this organizationalEntity")
        if "timeIntervals" in params:
            raise Refused(400, "the double gives lifetime statistics only")
        window = _now_ms() - 365 * 86400 * 1000
        elements: list[Json] = []
        for name, field_name, prefix in (
            ("shares", "share", "urn:li:share:"),
            ("ugcPosts", "ugcPost", "urn:li:ugcPost:"),
        ):
            urns = params.get(name, [])
            if not isinstance(urns, list):
                raise Refused(400, f"{name} must be a Rest.li list: {name}=List(...)")
            for urn in urns:
                if not isinstance(urn, str) or not urn.startswith(prefix):
                    raise Refused(400, f"{urn!r} is not a {field_name} URN")
                post = self.state.posts.get(urn)
                if post is not None and post["author"] != self.state.org_urn:
                    raise Refused(
                        403, f"Unpermitted fields present in PARAMETER: [/{name}] ({urn})"
                    )
                if post is None or urn in self.state.deleted or post["createdAt"] < window:
                    continue
                reactions = sum(1 for (_, e) in self.state.reactions if e == urn)
                top = self._live_comments(urn)
                elements.append(
                    {
                        "organizationalEntity": self.state.org_urn,
                        field_name: urn,
                        "totalShareStatistics": {
                            "shareCount": self._reposts_of(urn),
                            "likeCount": reactions,
                            "commentCount": len(top),
                            "clickCount": 0,
                            "impressionCount": 0,
                            "uniqueImpressionsCount": 0,
                            "engagement": 0.0,
                        },
                    }
                )
        return JSONResponse(
            {"elements": elements, "paging": {"start": 0, "count": 10, "links": []}}
        )

    async def notifications(self, member: Member, params: Json) -> Response:
        """GET /rest/organizationalEntityNotifications?q=criteria: the page's notifications of
        the ``actions`` asked, within ``timeRange`` (start included, end excluded) and the last
        60 days (what LinkedIn keeps), oldest first."""
        if "rw_organization_admin" not in member.scopes or not member.admin:
            raise Refused(
                403,
                "Not enough permissions to access: "
                "organizationalEntityNotifications.FINDER-criteria.20261101",
            )
        if params.get("q") != "criteria":
            raise Refused(400, "q must be criteria")
        if params.get("organizationalEntity") != self.state.org_urn:
            raise Refused(403, f"Not an administrator of {params.get('organizationalEntity')}")
        actions = params.get("actions")
        if not isinstance(actions, list) or not actions or not set(actions) <= NOTIFICATION_ACTIONS:
            raise Refused(400, "actions must be a List(...) of notification actions")
        window = params.get("timeRange", {})
        try:
            start = int(window.get("start", 0)) if isinstance(window, dict) else -1
            end = int(window.get("end", 2**62)) if isinstance(window, dict) else -1
        except ValueError:
            raise Refused(400, "timeRange start and end must be epoch milliseconds") from None
        if start < 0 or end <= start:
            raise Refused(400, "timeRange must be (start:…,end:…), start before end")
        kept = _now_ms() - NOTIFICATIONS_KEPT_MS
        found = [
            n
            for n in self.state.notifications
            if n["action"] in actions
            and start <= n["lastModifiedAt"] < end
            and n["lastModifiedAt"] >= kept
        ]
        rest = {k: v for k, v in params.items() if k in ("start", "count")}
        return self._page(found, rest, max_count=100)

    async def member_analytics(self, member: Member, params: Json) -> Response:
        """GET /rest/memberCreatorPostAnalytics?q=entity: one of the member's own posts,
        ``entity=(share:…)`` or ``(ugcPost:…)``, ``queryType``, ``aggregation=TOTAL``."""
        if "r_member_postAnalytics" not in member.scopes:
            raise Refused(403, "Not enough permissions to access: memberCreatorPostAnalytics")
        if params.get("q") != "entity":
            raise Refused(400, "the double supports the entity finder only")
        entity = params.get("entity")
        if (
            not isinstance(entity, dict)
            or len(entity) != 1
            or not entity.keys()
            <= {
                "share",
                "ugcPost",
            }
        ):
            raise Refused(400, "entity must be a union: (share:urn) or (ugcPost:urn)")
        urn = str(next(iter(entity.values())))
        if params.get("aggregation") != "TOTAL":
            raise Refused(400, "the double supports aggregation=TOTAL only")
        kind = params.get("queryType")
        if kind not in ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"):
            raise Refused(400, f"queryType {kind!r} is not one of LinkedIn's")
        post = self._live_post(urn)
        if post["author"] != member.urn:
            raise Refused(403, "Not enough permissions to access this entity")
        count = {
            "RESHARE": self._reposts_of(urn),
            "REACTION": sum(1 for (_, e) in self.state.reactions if e == urn),
            "COMMENT": len(self._live_comments(urn)),
        }.get(str(kind), 0)
        return JSONResponse({"elements": [{"count": count}], "paging": {"start": 0, "count": 10}})

    # -- people ---------------------------------------------------------------------------------

    async def batch_people(self, params: Json) -> Response:
        """GET /rest/people?ids=List((id:…),…)."""
        results: Json = {}
        errors: Json = {}
        by_id = {m.person_id: m for m in self.state.members.values()}
        for key in self._ids(params):
            if not isinstance(key, dict) or set(key) != {"id"}:
                raise Refused(400, "each id must be a record (id:{person id})")
            name = f"(id:{key['id']})"
            member = by_id.get(key["id"])
            if member is None:
                errors[name] = {"status": 404, "message": "Not found"}
                continue
            first, _, last = member.display_name.partition(" ")
            results[name] = {
                "id": member.person_id,
                "localizedFirstName": first,
                "localizedLastName": last,
                "localizedHeadline": member.headline,
                "vanityName": member.username,
                "profilePicture": {"displayImage": f"urn:li:image:P{member.person_id}"},
            }
        return JSONResponse({"results": results, "errors": errors, "statuses": {}})

    async def batch_organizations(self, params: Json) -> Response:
        """GET /rest/organizations?ids=List(…)."""
        results: Json = {}
        errors: Json = {}
        for key in self._ids(params):
            if str(key) != self.state.organization:
                errors[str(key)] = {"status": 404, "message": "Not found"}
                continue
            results[str(key)] = {
                "id": int(self.state.organization),
                "localizedName": self.state.org_name,
                "vanityName": self.state.org_vanity,
                "logoV2": {"original": f"urn:li:image:O{self.state.organization}"},
            }
        return JSONResponse({"results": results, "errors": errors, "statuses": {}})

    # -- tokens ---------------------------------------------------------------------------------

    async def introspect(self, request: Request) -> Response:
        """POST /oauth/v2/introspectToken (form: client_id, client_secret, token)."""
        form = dict(parse_qsl((await request.body()).decode()))
        if (form.get("client_id"), form.get("client_secret")) != (
            self.state.client_id,
            self.state.client_secret,
        ):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                401,
            )
        for member in self.state.members.values():
            if member.token == form.get("token"):
                expired = member.expires_at < time.time()
                return JSONResponse(
                    {
                        "active": not expired,
                        "client_id": self.state.client_id,
                        "authorized_at": member.expires_at - TOKEN_DAYS * 86400,
                        "created_at": member.expires_at - TOKEN_DAYS * 86400,
                        "status": "expired" if expired else "active",
                        "expires_at": member.expires_at,
                        "scope": ",".join(sorted(member.scopes)),
                        "auth_type": "3L",
                    }
                )
        return JSONResponse({"active": False, "status": "revoked"})

    # -- control --------------------------------------------------------------------------------

    async def control(self, request: Request) -> Response:
        """The ``/_double/`` routes (see the module's docstring)."""
        name = request.path_params["name"]
        try:
            if name == "requests":
                if request.method == "DELETE":
                    self.state.requests.clear()
                return JSONResponse({"requests": dict(self.state.requests)})
            if name == "read" and request.method == "GET":
                return self._read(request.query_params.get("urn", ""))
            if name == "posts" and request.method == "GET":
                return self._posts_linking(request)
            if name == "comments" and request.method == "GET":
                under = request.query_params.get("on", "")
                shown = [
                    {
                        "commentUrn": c["commentUrn"],
                        "actor": c["actor"],
                        "text": read_little(c["message"]["text"]),
                    }
                    for c in sorted(self._live_comments(under), key=lambda c: c["created"]["time"])
                ]
                return JSONResponse({"comments": shown})
            body = await self._json(request)
            if name == "faults":
                self.state.faults.append(
                    Fault(
                        path=str(body["path"]),
                        status=int(body["status"]),
                        method=body.get("method"),
                        headers=dict(body.get("headers") or {}),
                        body=body.get("body"),
                        times=int(body.get("times", 1)),
                    )
                )
                return JSONResponse({"ok": True})
            member = self.state.members.get(str(body.get("username", "")))
            if name == "comment" and member is not None:
                on = str(body["on"])
                parent = body.get("parent")
                target = str(parent) if parent else on
                root = self.state.comments[target]["object"] if parent else on
                made = self._new_comment(
                    target,
                    member.urn,
                    {
                        "object": root,
                        "message": {"text": escape_little(str(body["text"]))},
                        **({"parentComment": parent} if parent else {}),
                    },
                )
                return JSONResponse({"commentUrn": made["commentUrn"]})
            if name == "react" and member is not None:
                entity = str(body["on"])
                kind = str(body.get("type", "LIKE"))
                if kind not in REACTION_TYPES or not self._entity_exists(entity):
                    raise Refused(422, f"cannot react {kind} on {entity}")
                now = _now_ms()
                self.state.reactions[(member.urn, entity)] = {
                    "id": f"urn:li:reaction:({member.urn},{entity})",
                    "reactionType": kind,
                    "root": entity,
                    "created": {"actor": member.urn, "time": now},
                    "lastModified": {"actor": member.urn, "time": now},
                }
                return JSONResponse({"ok": True})
            if name == "repost" and member is not None:
                urn = str(body["on"])
                self._live_post(urn)
                self.state.reposts[(member.urn, urn)] = _now_ms()
                return JSONResponse({"ok": True})
            if name == "mention" and member is not None:
                return JSONResponse(self._mention(member, str(body["text"]), body.get("on")))
            if name == "expire" and member is not None:
                member.expires_at = int(time.time()) - 1
                return JSONResponse({"ok": True})
            if name == "delete":
                urn = str(body["urn"])
                if urn in self.state.comments:
                    self.state.comments[urn]["_deleted"] = True
                elif urn in self.state.posts:
                    self.state.deleted.add(urn)
                else:
                    raise Refused(404, f"{urn} not found")
                return JSONResponse({"ok": True})
        except Refused as refused:
            return _error(refused.status, refused.message)
        return _error(404, f"no control route {request.method} {name} for that")

    def _mention(self, member: Member, text: str, on: Any) -> Json:
        """A member's post (or comment on ``on``) naming the page first, as LinkedIn's site
        writes a mention, and the page's notification of it."""
        state = self.state
        words = f"@[{state.org_name}]({state.org_urn}) {escape_little(text)}"
        now = _now_ms()
        if on:
            comment = self._new_comment(
                str(on), member.urn, {"object": str(on), "message": {"text": words}}
            )
            urn = comment["commentUrn"]
            notification = {"action": "COMMENT_MENTION", "sourcePost": str(on)}
            notification["generatedActivity"] = urn
        else:
            urn = f"urn:li:share:{7400000000000000000 + state.next_id()}"
            state.posts[urn] = {
                "id": urn,
                "author": member.urn,
                "commentary": words,
                "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED"},
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False,
                "createdAt": now,
                "lastModifiedAt": now,
                "publishedAt": now,
            }
            notification = {"action": "SHARE_MENTION", "sourcePost": urn}
        state.notifications.append(
            {**notification, "organizationalEntity": state.org_urn, "lastModifiedAt": now}
        )
        return {"urn": urn}

    def _read(self, urn: str) -> Response:
        if urn in self.state.comments and not self.state.comments[urn].get("_deleted"):
            text = self.state.comments[urn]["message"]["text"]
        elif urn in self.state.posts and urn not in self.state.deleted:
            text = self.state.posts[urn]["commentary"]
        else:
            return _error(404, f"{urn} not found")
        return JSONResponse({"urn": urn, "text": read_little(text), "little": text})

    def _posts_linking(self, request: Request) -> Response:
        link = request.query_params.get("link", "").rstrip("/")
        author = request.query_params.get("author") or self.state.org_urn
        found = []
        for urn, post in self.state.posts.items():
            if urn in self.state.deleted or post["author"] != author:
                continue
            article = (post.get("content") or {}).get("article") or {}
            source = str(article.get("source") or "").rstrip("/")
            if link and (source == link or link in read_little(post["commentary"])):
                found.append(urn)
        return JSONResponse({"count": len(found), "posts": found})


_FAULT_MESSAGES = {
    401: "The token used in the request has expired",
    403: "Not enough permissions to access: partnerApiPostsExternal.CREATE.20261101",
    422: "ERROR :: /commentary :: Content is a duplicate of urn:li:share:7400000000000000001",
    429: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def create_app(config: dict[str, Any]) -> Starlette:
    """The double, seeded from ``config`` (``sandbox.linkedin.LinkedInServer.to_json``)."""
    expires = int(time.time()) + TOKEN_DAYS * 86400
    members = {
        a["username"]: Member(
            username=a["username"],
            display_name=a["display_name"],
            role=a["role"],
            person_id=a["person_id"],
            token=a["token"],
            headline=a["headline"],
            scopes=frozenset(a["scopes"]),
            admin=a["role"] == "brand",
            expires_at=expires,
        )
        for a in config["accounts"]
    }
    state = State(
        organization=str(config["organization"]),
        org_name=config["organization_name"],
        org_vanity=config["organization_vanity"],
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        base_url=config["base_url"],
        members=members,
    )
    for member in members.values():
        owner = member.urn
        state.images[f"urn:li:image:P{member.person_id}"] = {
            "owner": owner,
            "status": "AVAILABLE",
            "data": PIXEL,
        }
    state.images[f"urn:li:image:O{state.organization}"] = {
        "owner": state.org_urn,
        "status": "AVAILABLE",
        "data": PIXEL,
    }
    double = LinkedInDouble(state)
    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(
        routes=[
            Route("/_double/{name}", double.control, methods=methods),
            Route("/{path:path}", double.api, methods=methods),
        ]
    )
