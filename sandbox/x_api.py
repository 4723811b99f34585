"""A local, stateful double of the X API v2 subset the project uses, as a Starlette ASGI app.

X cannot run locally, so this is our own code; ``tests/x/test_double.py`` proves with schemathesis
that it answers in the shape of X's vendor OpenAPI document (xdevplatform/xdk, X API v2 2.167).
Where that document and X's documentation (https://docs.x.com/x-api/) disagree, the double follows
the documentation, which describes the service, and stays inside the document where it can:

- fields are asked for with ``tweet.fields`` (the documentation) or ``post.fields`` (the document's
  name for the same parameter); both are read. Posts carry ``edit_history_tweet_ids`` and
  ``referenced_tweets`` (https://docs.x.com/x-api/fundamentals/data-dictionary), and related posts
  come in ``includes.tweets``; the document's ``edit_history_post_ids``, ``referenced_posts`` and
  ``includes.posts`` are not sent.
- ``public_metrics`` carries the documented ``retweet_count`` and, because the document requires it,
  ``repost_count`` with the same value; a user's ``public_metrics`` carries ``tweet_count`` and
  ``post_count`` alike. Clients should read the documented names.
- problem types use ``https://api.x.com/2/problems/...`` as the documentation and the document do
  (recordings made before the rename show ``api.twitter.com``; clients should accept both hosts).

Authentication (https://docs.x.com/fundamentals/authentication/oauth-1-0a/authorizing-a-request):
every ``/2/`` request must carry an OAuth 1.0a user-context ``Authorization`` header signed with
HMAC-SHA1 by a known consumer key and access token; the acting user is the token's owner. A missing
or bad signature, an unknown key or token, a stale timestamp or a replayed nonce answer 401 with X's
generic problem
``{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}``.

Every answer carries ``x-rate-limit-limit``, ``x-rate-limit-remaining`` and ``x-rate-limit-reset``
(epoch seconds) from per-user 15-minute windows with the documented per-user limits
(https://docs.x.com/x-api/fundamentals/rate-limits); past the limit the answer is 429, unless the
configuration sets ``"rate_limits": false``. Ids are snowflakes (milliseconds since X's epoch,
https://docs.x.com/resources/fundamentals/x-ids), so they grow with time and ``since_id`` works.

Operations, each following its reference page under https://docs.x.com/x-api/posts/ and
https://docs.x.com/x-api/users/: ``POST /2/tweets`` (text, ``reply.in_reply_to_tweet_id``,
``quote_tweet_id``; URLs become ``https://t.co/…`` with ``entities.urls``; the same text twice by
one user is 403 "duplicate content"), ``DELETE /2/tweets/{id}`` (author only), ``GET /2/users/me``,
``GET /2/users/by/username/{username}``, ``GET /2/tweets/{id}``, ``GET /2/tweets?ids=`` (missing
posts as partial errors beside ``data``), ``GET /2/users/{id}/tweets`` (newest first, at most the
3,200 latest), ``GET /2/users/{id}/mentions`` (posts that mention ``@username`` or reply to the
user, at most the 800 latest; retweets, whose text mentions the original author, are included and
a client should drop them), ``GET /2/tweets/search/recent`` (last 7 days; see ``SearchQuery``),
``GET /2/tweets/{id}/liking_users`` (at most 100 per post, as documented), ``/retweeted_by``,
``/quote_tweets``, ``POST /2/users/{id}/likes``, ``POST /2/users/{id}/retweets`` and
``PUT /2/tweets/{tweet_id}/hidden``.

Self-serve rules (https://docs.x.com/x-api/posts/manage-tweets/integrate): accounts that use the API
(the brand and the employee; readers stand for people in X's apps) may reply to or quote a post only
when its author summoned them (mentioned them, quoted one of their posts, or replied to them, as a
reply from X's apps mentions whoever it answers) or wrote it themselves; otherwise 403 with the
wording X sends since 2026 ("You can only reply to or quote posts where you are mentioned or are
the author."). ``"self_serve_rules": false`` in the configuration lifts it. The 1-cashtag limit is
not modelled.

Hidden replies (https://docs.x.com/x-api/posts/hide-replies/introduction): only the author of the
conversation's root may hide a reply. X documents that hidden replies "are still accessible but
require an extra click to view"; no field of the Post object says that a reply is hidden,
lookups and recent search still return it, and X's own sample app caches what it hid. The double
does the same: it records the state, answers ``{"data":{"hidden":true}}`` and returns hidden
replies to everyone. A client that must not show hidden replies has to remember which ones it hid.

Protected accounts (https://docs.x.com/x-api/users/lookup/integrate,
https://docs.x.com/x-api/posts/lookup/integrate): their posts are visible only to approved
followers; for anyone else a lookup answers not-found and searches leave them out, while the user
object stays readable with ``protected: true``. The double has no follow graph: it behaves as if
every demo account were an approved follower of every protected one, which is the case a client must
handle, since it then receives protected posts and can only tell them by the author's
``protected: true`` (ask ``user.fields=protected`` with ``expansions=author_id``).

Smaller points: an expansion also returns the field it expands (``expansions=author_id`` brings
``author_id``, https://docs.x.com/x-api/fundamentals/expansions); a single lookup of a missing post
answers 200 with the partial-error shape, as X has long done (its page now says 404); recent search
sees a post at once unless ``"search_lag_seconds"`` is set (X's ``end_time`` defaults to 30 s before
the request); links follow X's own rules (twitter-text), plus loopback URLs, since the demo's blog
lives on localhost; ``lang`` only tells French, English, ``zxx`` (no text) and ``und``.

Where X's wording or status is not recorded in its documentation or in public recordings, the double
says so in a comment at the place it answers.

Control routes, outside X's API and without OAuth, under ``/_double/``: ``POST /_double/faults``
(``{"method","path","status","headers","body","times"}``: the next matching requests answer that,
with X's bodies for 401, 403 client-not-enrolled, 402 usage-capped, 429 and 500 by default),
``POST /_double/protect`` (``{"username","protected"}``), ``POST /_double/backdate``
(``{"id","days"}`` or ``{"id","created_at"}``; the id keeps its place), ``GET /_double/requests``
and ``DELETE /_double/requests`` (API requests by method and path template since the last reset).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

from authlib.common.urls import url_decode
from authlib.oauth1.rfc5849.signature import construct_base_string, hmac_sha1_signature
from authlib.oauth1.rfc5849.util import unescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twitter_text import extract_urls_with_indices, parse_tweet

# X's snowflake epoch (2010-11-04T01:42:54.657Z), https://docs.x.com/resources/fundamentals/x-ids
TWEPOCH_MS = 1288834974657
PROBLEMS = "https://api.x.com/2/problems"
SEARCH_WINDOW = timedelta(days=7)
RATE_WINDOW_SECONDS = 15 * 60
# OAuth 1.0a: how far a request's timestamp may be from the server's clock.
TIMESTAMP_TOLERANCE = 15 * 60
USER_TIMELINE_CAP = 3200
MENTIONS_CAP = 800
LIKING_USERS_CAP = 100
# X's default avatar for accounts without a picture of their own.
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_VISIBLE = "You attempted to reply to a Tweet that is deleted or not visible to you."
NOT_SUMMONED = "You can only reply to or quote posts where you are mentioned or are the author."
NOT_PERMITTED = "You are not permitted to perform this action."

# Per-user limits per 15 minutes, https://docs.x.com/x-api/fundamentals/rate-limits
RATE_LIMITS: dict[str, int] = {
    "GET /2/tweets": 5000,
    "POST /2/tweets": 100,
    "GET /2/tweets/search/recent": 300,
    "GET /2/tweets/{id}": 900,
    "DELETE /2/tweets/{id}": 50,
    "GET /2/tweets/{id}/liking_users": 75,
    "GET /2/tweets/{id}/retweeted_by": 75,
    "GET /2/tweets/{id}/quote_tweets": 75,
    "PUT /2/tweets/{tweet_id}/hidden": 50,
    "GET /2/users/me": 75,
    "GET /2/users/by/username/{username}": 900,
    "GET /2/users/{id}/tweets": 900,
    "GET /2/users/{id}/mentions": 300,
    "POST /2/users/{id}/likes": 50,
    "POST /2/users/{id}/retweets": 50,
}


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Field and expansion names: the documentation's and the OpenAPI document's, which renamed some.
POST_FIELDS = _names(
    "article article_title attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_tweet_ids "
    "entities geo id in_reply_to_user_id lang matched_media_notes media_metadata "
    "non_public_metrics note_post note_request_suggestions note_tweet organic_metrics "
    "paid_partnership possibly_sensitive promoted_metrics public_metrics referenced_tweets "
    "reply_settings scopes source suggested_source_links suggested_source_links_with_counts "
    "text withheld"
)
USER_FIELDS = _names(
    "affiliation confirmed_email connection_status created_at description entities id "
    "is_identity_verified location most_recent_tweet_id name parody pinned_tweet_id "
    "profile_banner_url profile_image_url protected public_metrics receives_your_dm "
    "subscribes_to_you subscription subscription_type url username verified "
    "verified_followers_count verified_type withheld"
)
MEDIA_FIELDS = _names(
    "alt_text duration_ms height media_key non_public_metrics organic_metrics "
    "preview_image_url promoted_metrics public_metrics type url variants width"
)
POLL_FIELDS = _names("duration_minutes end_datetime id options voting_status")
PLACE_FIELDS = _names("contained_within country country_code full_name geo id name place_type")
POST_EXPANSIONS = _names(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_post_ids "
    "edit_history_tweet_ids entities.mentions.username entities.note.mentions.username "
    "geo.place_id in_reply_to_user_id referenced_posts referenced_tweets.id "
    "referenced_tweets.id.attachments.media_keys referenced_tweets.id.author_id username"
)
USER_EXPANSIONS = _names(
    "affiliation affiliation.user_id most_recent_post_id most_recent_tweet_id "
    "pinned_post_id pinned_tweet_id"
)
# The field of the primary object each expansion of posts follows (and therefore returns).
EXPANDED_FIELD = {
    "author_id": "author_id",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "referenced_tweets.id": "referenced_tweets",
    "referenced_posts": "referenced_tweets",
    "referenced_tweets.id.author_id": "referenced_tweets",
    "entities.mentions.username": "entities",
    "attachments.media_keys": "attachments",
    "attachments.poll_ids": "attachments",
    "geo.place_id": "geo",
}
# Fields X returns without being asked.
DEFAULT_POST_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")

POST_QUERY = {
    "tweet.fields": POST_FIELDS,
    "post.fields": POST_FIELDS,
    "expansions": POST_EXPANSIONS,
    "user.fields": USER_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "poll.fields": POLL_FIELDS,
    "place.fields": PLACE_FIELDS,
}
USER_QUERY = {
    "user.fields": USER_FIELDS,
    "expansions": USER_EXPANSIONS,
    "tweet.fields": POST_FIELDS,
    "post.fields": POST_FIELDS,
}
PAGE_QUERY = {"max_results", "pagination_token"}
TIME_QUERY = {"start_time", "end_time", "since_id", "until_id"}
ID_PATTERN = re.compile(r"^[0-9]{1,19}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")
MENTION = re.compile(r"(?<![A-Za-z0-9_!@#$%&*])[@\uFF20]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
HASHTAG = re.compile(r"(?<![\w&])[#\uFF03](\w*[^\W\d]\w*)")
CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w$])")

# Request bodies, as the reference pages describe them (a subset of JSON Schema, checked by
# ``body_errors`` with the wording of X's validator).
ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": ID_PATTERN.pattern}
CREATE_POST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "card_uri": {"type": "string"},
        "community_id": ID_SCHEMA,
        "direct_message_deep_link": {"type": "string"},
        "edit_options": {
            "type": "object",
            "additionalProperties": False,
            "required": ["previous_post_id"],
            "properties": {"previous_post_id": ID_SCHEMA},
        },
        "for_super_followers_only": {"type": "boolean"},
        "geo": {
            "type": "object",
            "additionalProperties": False,
            "required": ["place_id"],
            "properties": {"place_id": {"type": "string"}},
        },
        "made_with_ai": {"type": "boolean"},
        "media": {
            "type": "object",
            "additionalProperties": False,
            "required": ["media_ids"],
            "properties": {
                "call_to_actions": {"type": "object"},
                "description": {"type": "string"},
                "embeddable": {"type": "boolean"},
                "media_ids": {"type": "array", "minItems": 1, "maxItems": 4, "items": ID_SCHEMA},
                "preview_media_id": ID_SCHEMA,
                "tagged_user_ids": {"type": "array", "maxItems": 10, "items": ID_SCHEMA},
                "title": {"type": "string"},
            },
        },
        "nullcast": {"type": "boolean"},
        "paid_partnership": {"type": "boolean"},
        "poll": {
            "type": "object",
            "additionalProperties": False,
            "required": ["options", "duration_minutes"],
            "properties": {
                "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 10080},
                "options": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 4,
                    "items": {"type": "string", "minLength": 1, "maxLength": 25},
                },
                "reply_settings": {
                    "type": "string",
                    "enum": ["following", "mentionedUsers", "subscribers", "verified"],
                },
            },
        },
        "quote_tweet_id": ID_SCHEMA,
        "reply": {
            "type": "object",
            "additionalProperties": False,
            "required": ["in_reply_to_tweet_id"],
            "properties": {
                "auto_populate_reply_metadata": {"type": "boolean"},
                "exclude_reply_user_ids": {"type": "array", "items": {"type": "string"}},
                "in_reply_to_tweet_id": ID_SCHEMA,
            },
        },
        "reply_settings": {
            "type": "string",
            "enum": ["following", "mentionedUsers", "subscribers", "verified"],
        },
        "share_with_followers": {"type": "boolean"},
        "text": {"type": "string"},
    },
}
TWEET_ID_BODY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tweet_id"],
    "properties": {"tweet_id": ID_SCHEMA},
}
HIDDEN_BODY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["hidden"],
    "properties": {"hidden": {"type": "boolean"}},
}


# --- answers ---------------------------------------------------------------------------------


def dump_json(body: Any) -> bytes:
    """JSON as X sends it: UTF-8; escaped only when the data holds lone surrogates."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """An answer in X's media types: problems as ``application/problem+json``, the rest JSON."""
    problem = isinstance(body, dict) and "type" in body and "data" not in body and status >= 400
    media_type = "application/problem+json" if problem else "application/json; charset=utf-8"
    return Response(dump_json(body), status_code=status, headers=headers, media_type=media_type)


class ApiError(Exception):
    """An answer other than success, raised from anywhere in a request's handling."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def generic_problem(status: int, title: str, detail: str) -> ApiError:
    """X's ``about:blank`` problem, the one its documentation lists as a generic error."""
    return ApiError(
        status, {"detail": detail, "type": "about:blank", "title": title, "status": status}
    )


def unauthorized() -> ApiError:
    """X's answer to a request it cannot authenticate."""
    return generic_problem(401, "Unauthorized", "Unauthorized")


def invalid_request(
    message: str, parameters: Mapping[str, Sequence[str]] | None = None
) -> ApiError:
    """X's invalid-request problem, with the offending parameters as X names them."""
    error: dict[str, Any] = {"parameters": {k: list(v) for k, v in (parameters or {}).items()}}
    error["message"] = message
    return ApiError(
        400,
        {
            "errors": [error],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": f"{PROBLEMS}/invalid-request",
        },
    )


def invalid_parameter(name: str, value: str, message: str) -> ApiError:
    """An invalid-request problem about one query or path parameter."""
    return invalid_request(message, {name: [value]})


def not_found(resource_type: str, parameter: str, value: str, what: str = "id") -> dict[str, Any]:
    """X's resource-not-found problem, as an item of a partial answer's ``errors``."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {what}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": f"{PROBLEMS}/resource-not-found",
    }


# Default bodies of the faults a test can ask for (POST /_double/faults), as X sends them.
def fault_body(status: int, client_id: str) -> dict[str, Any]:
    """X's body for an injected ``status``: auth, enrolment, usage cap, rate limit, outage."""
    if status == 401:
        return unauthorized().body
    if status == 403:
        # Recorded from X (the reason and wording of an app outside a Project).
        return {
            "client_id": client_id,
            "detail": (
                "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
                "and tokens from a Twitter developer App that is attached to a Project. You can "
                "create a project via the developer portal."
            ),
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden",
            "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled",
            "type": f"{PROBLEMS}/client-forbidden",
        }
    if status == 402:
        # The usage-capped problem as recorded; pay-per-use accounts meet it when credits run out.
        return {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": f"{PROBLEMS}/usage-capped",
            "period": "Monthly",
            "scope": "Product",
        }
    if status == 429:
        return generic_problem(429, "Too Many Requests", "Too Many Requests").body
    title = {500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
    return generic_problem(status, title, title).body


# --- model -----------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """X's timestamps: UTC, milliseconds, ``Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def snowflake_time(snowflake: int) -> datetime:
    """When a snowflake id was made."""
    return datetime.fromtimestamp(((snowflake >> 22) + TWEPOCH_MS) / 1000, UTC)


@dataclass
class Account:
    """A demo account: its profile and its OAuth 1.0a access token."""

    user_id: str
    username: str
    name: str
    role: str
    access_token: str
    access_token_secret: str
    created_at: datetime
    protected: bool = False

    @property
    def uses_api(self) -> bool:
        """Whether it posts through the API (the brand, employees) rather than X's apps."""
        return self.role != "reader"


@dataclass
class Post:
    """A post, as stored: its text with t.co links, and what it refers to."""

    id: str
    author_id: str
    text: str
    source_text: str
    created_at: datetime
    conversation_id: str
    entities: dict[str, list[dict[str, Any]]]
    lang: str
    in_reply_to_user_id: str | None = None
    replied_to: str | None = None
    quoted: str | None = None
    retweeted: str | None = None

    @property
    def referenced(self) -> list[dict[str, str]]:
        """``referenced_tweets``, in X's order (a quote reply names the quote first)."""
        refs = [("retweeted", self.retweeted), ("quoted", self.quoted)]
        refs.append(("replied_to", self.replied_to))
        return [{"type": kind, "id": ref} for kind, ref in refs if ref]

    def mentions(self) -> set[str]:
        """Lower-cased usernames this post mentions."""
        return {m["username"].lower() for m in self.entities.get("mentions", [])}


@dataclass
class Fault:
    """An answer a test asked the double to give instead of handling the request."""

    method: str | None
    path: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class State:
    """Everything the double knows; one process serves a whole sandbox run."""

    consumer_key: str
    consumer_secret: str
    accounts: dict[str, Account]
    rate_limits: bool = True
    self_serve_rules: bool = True
    search_lag: timedelta = timedelta(0)
    posts: dict[str, Post] = field(default_factory=dict)
    # post id -> user ids in the order they liked; user id -> post id of their retweet
    likes: dict[str, list[str]] = field(default_factory=dict)
    retweets: dict[str, dict[str, str]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    windows: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    nonces: dict[str, int] = field(default_factory=dict)
    last_id: int = 0

    def new_id(self, moment: datetime) -> str:
        """A snowflake for ``moment``, strictly greater than every id given so far."""
        stamp = int(moment.timestamp() * 1000) - TWEPOCH_MS
        self.last_id = max(self.last_id + 1, stamp << 22)
        return str(self.last_id)

    def user(self, user_id: str) -> Account | None:
        """The account with this id."""
        return self.accounts.get(user_id)

    def by_username(self, username: str) -> Account | None:
        """The account with this username (X's usernames are case-insensitive)."""
        wanted = username.lstrip("@").lower()
        return next((a for a in self.accounts.values() if a.username.lower() == wanted), None)

    def by_token(self, token: str) -> Account | None:
        """The owner of an access token."""
        return next((a for a in self.accounts.values() if a.access_token == token), None)

    def newest_first(self) -> list[Post]:
        """Every post, newest first (ids grow with time)."""
        return sorted(self.posts.values(), key=lambda p: int(p.id), reverse=True)


def state_from_config(config: Mapping[str, Any]) -> State:
    """The double's state from the configuration ``sandbox.x.start`` writes."""
    accounts = {}
    for item in config["accounts"]:
        account = Account(
            user_id=str(item["user_id"]),
            username=item["username"],
            name=item["display_name"],
            role=item.get("role", "reader"),
            access_token=item["access_token"],
            access_token_secret=item["access_token_secret"],
            created_at=snowflake_time(int(item["user_id"])),
            protected=bool(item.get("protected", False)),
        )
        accounts[account.user_id] = account
    state = State(
        consumer_key=config["consumer_key"],
        consumer_secret=config["consumer_secret"],
        accounts=accounts,
        rate_limits=bool(config.get("rate_limits", True)),
        self_serve_rules=bool(config.get("self_serve_rules", True)),
        search_lag=timedelta(seconds=float(config.get("search_lag_seconds", 0))),
    )
    state.last_id = max((int(uid) for uid in accounts), default=0)
    return state


# --- text ------------------------------------------------------------------------------------


def tco(seed: str) -> str:
    """A t.co link: 23 characters, the length X counts for every URL."""
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    code = ""
    for _ in range(10):
        number, rest = divmod(number, 62)
        code += alphabet[rest]
    return "https://t.co/" + code


def display_url(url: str) -> str:
    """The link as X shows it: without the scheme and ``www.``, cut after 26 characters."""
    shown = re.sub(r"^https?://(www\.)?", "", url, flags=re.I)
    return shown if len(shown) <= 27 else shown[:26] + "…"


# Links to the sandbox's own site: X links no host without a public suffix, but the demo serves
# its blog on localhost, and a client finds its copies by their links.
LOOPBACK_URL = re.compile(
    r"https?://(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:/[^\s]*)?", re.I
)


def link_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds links, by X's own rules (twitter-text) and loopback URLs."""
    spans = [(int(f["indices"][0]), int(f["indices"][1])) for f in extract_urls_with_indices(text)]
    for match in LOOPBACK_URL.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end in spans):
            spans.append((match.start(), match.end()))
    return sorted(spans)


def compose(text: str, state: State, seed: str) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """The stored text (URLs replaced by t.co links) and its entities, indexed into that text."""
    out: list[str] = []
    urls: list[dict[str, Any]] = []
    cursor = 0
    for number, (start, end) in enumerate(link_spans(text)):
        found = text[start:end]
        expanded = found if re.match(r"^https?://", found, re.I) else f"http://{found}"
        out.append(text[cursor:start])
        link = tco(f"{seed}:{number}:{expanded}")
        offset = sum(len(part) for part in out)
        urls.append(
            {
                "start": offset,
                "end": offset + len(link),
                "url": link,
                "expanded_url": expanded,
                "display_url": display_url(expanded),
            }
        )
        out.append(link)
        cursor = end
    out.append(text[cursor:])
    stored = "".join(out)
    entities: dict[str, list[dict[str, Any]]] = {}
    if urls:
        entities["urls"] = urls
    mentions = []
    for match in MENTION.finditer(stored):
        mention: dict[str, Any] = {"start": match.start(), "end": match.end()}
        mention["username"] = match.group(1)
        account = state.by_username(match.group(1))
        if account is not None:
            mention["id"] = account.user_id
        mentions.append(mention)
    if mentions:
        entities["mentions"] = mentions
    for key, pattern in (("hashtags", HASHTAG), ("cashtags", CASHTAG)):
        tags = [
            {"start": m.start(), "end": m.end(), "tag": m.group(1)}
            for m in pattern.finditer(stored)
        ]
        if tags:
            entities[key] = tags
    return stored, entities


FRENCH = _names("le la les un une des et est pas pour avec vous nous dans sur que qui au aux du")
ENGLISH = _names("the a an and is are not for with you we in on that this to of it")


def guess_lang(text: str) -> str:
    """X detects a post's language; the double only tells French, English, and no language."""
    words = re.findall(r"[^\W\d_]+", re.sub(r"https?://\S+|[@#$]\w+", " ", text).lower())
    if not words:
        return "zxx"  # X's code for posts without linguistic content (links, mentions only)
    french = sum(w in FRENCH for w in words) + 2 * bool(re.search(r"[éèêàçùôî]", text.lower()))
    english = sum(w in ENGLISH for w in words)
    if french == english == 0:
        return "und"
    return "fr" if french >= english else "en"


def fold(text: str) -> str:
    """Case- and accent-free form, as recent search matches (``Diacrítica`` = ``Diacritica``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- rendering -------------------------------------------------------------------------------


def public_metrics(post: Post, state: State) -> dict[str, int]:
    """The counts X shows; ``repost_count`` repeats ``retweet_count`` for the OpenAPI document."""
    reposts = len(state.retweets.get(post.id, {}))
    replies = sum(1 for p in state.posts.values() if p.replied_to == post.id)
    quotes = sum(1 for p in state.posts.values() if p.quoted == post.id)
    return {
        "retweet_count": reposts,
        "reply_count": replies,
        "like_count": len(state.likes.get(post.id, [])),
        "quote_count": quotes,
        "bookmark_count": 0,
        "impression_count": 0,
        "repost_count": reposts,
    }


def render_post(post: Post, fields: set[str], state: State, viewer: Account) -> dict[str, Any]:
    """A Post object with the default fields and those asked for (absent values left out)."""
    data: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    values: dict[str, Callable[[], Any]] = {
        "author_id": lambda: post.author_id,
        "created_at": lambda: iso(post.created_at),
        "conversation_id": lambda: post.conversation_id,
        "in_reply_to_user_id": lambda: post.in_reply_to_user_id,
        "referenced_tweets": lambda: post.referenced or None,
        "entities": lambda: post.entities or None,
        "lang": lambda: post.lang,
        "public_metrics": lambda: public_metrics(post, state),
        "possibly_sensitive": lambda: False,
        "reply_settings": lambda: "everyone",
        "display_text_range": lambda: [0, len(post.text)],
        "edit_controls": lambda: {
            "edits_remaining": 5,
            "is_edit_eligible": not post.retweeted,
            "editable_until": iso(post.created_at + timedelta(hours=1)),
        },
        # Owner-only counts (https://docs.x.com/x-api/fundamentals/metrics); left out for others.
        "non_public_metrics": lambda: (
            {"impression_count": 0, "url_link_clicks": 0, "user_profile_clicks": 0}
            if post.author_id == viewer.user_id
            else None
        ),
        "organic_metrics": lambda: (
            {**_engagement(post, state), "impression_count": 0}
            if post.author_id == viewer.user_id
            else None
        ),
    }
    for name in sorted(fields):
        value = values[name]() if name in values else None
        if value is not None:
            data[name] = value
    return data


def _engagement(post: Post, state: State) -> dict[str, int]:
    metrics = public_metrics(post, state)
    return {k: metrics[k] for k in ("like_count", "reply_count", "retweet_count")}


def render_user(user: Account, fields: set[str], state: State) -> dict[str, Any]:
    """A User object with the default fields and those asked for."""
    data: dict[str, Any] = {"id": user.user_id, "name": user.name, "username": user.username}
    own = [p for p in state.posts.values() if p.author_id == user.user_id]
    values: dict[str, Callable[[], Any]] = {
        "created_at": lambda: iso(user.created_at),
        "description": lambda: "",
        "profile_image_url": lambda: DEFAULT_AVATAR,
        "protected": lambda: user.protected,
        "url": lambda: "",
        "verified": lambda: False,
        "verified_type": lambda: "none",
        "most_recent_tweet_id": lambda: max(own, key=lambda p: int(p.id)).id if own else None,
        "public_metrics": lambda: {
            "followers_count": 0,
            "following_count": 0,
            "tweet_count": len(own),
            "listed_count": 0,
            "like_count": sum(user.user_id in likers for likers in state.likes.values()),
            "media_count": 0,
            "post_count": len(own),
        },
    }
    for name in sorted(fields):
        value = values[name]() if name in values else None
        if value is not None:
            data[name] = value
    return data


@dataclass
class View:
    """What one request asked to see: fields per object and expansions."""

    post_fields: set[str]
    user_fields: set[str]
    expansions: set[str]
    viewer: Account

    def posts(
        self, posts: Iterable[Post], state: State
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Rendered posts and their ``includes`` (users, referenced posts)."""
        chosen = list(posts)
        # An expansion also brings the field it expands (https://docs.x.com/x-api/fundamentals/
        # expansions: "The author_id in data links to the user object in includes").
        implied = {EXPANDED_FIELD[e] for e in self.expansions if e in EXPANDED_FIELD}
        fields = self.post_fields | implied
        rendered = [render_post(p, fields, state, self.viewer) for p in chosen]
        users: dict[str, Account] = {}
        tweets: dict[str, Post] = {}
        for post in chosen:
            if "author_id" in self.expansions:
                self._add_user(users, state, post.author_id)
            if "in_reply_to_user_id" in self.expansions and post.in_reply_to_user_id:
                self._add_user(users, state, post.in_reply_to_user_id)
            if self.expansions & {"entities.mentions.username"}:
                for mention in post.entities.get("mentions", []):
                    self._add_user(users, state, mention.get("id"))
            if self.expansions & {"referenced_tweets.id", "referenced_posts"}:
                for ref in post.referenced:
                    target = state.posts.get(ref["id"])
                    if target is not None:
                        tweets.setdefault(target.id, target)
            if "referenced_tweets.id.author_id" in self.expansions:
                for ref in post.referenced:
                    target = state.posts.get(ref["id"])
                    if target is not None:
                        self._add_user(users, state, target.author_id)
        includes: dict[str, Any] = {}
        if users:
            includes["users"] = [render_user(u, self.user_fields, state) for u in users.values()]
        if tweets:
            inner = self.post_fields | (
                {"author_id"} if "referenced_tweets.id.author_id" in self.expansions else set()
            )
            includes["tweets"] = [
                render_post(p, inner, state, self.viewer) for p in tweets.values()
            ]
        return rendered, includes

    @staticmethod
    def _add_user(users: dict[str, Account], state: State, user_id: str | None) -> None:
        account = state.user(user_id) if user_id else None
        if account is not None:
            users.setdefault(account.user_id, account)

    def users(self, users: Iterable[Account], state: State) -> list[dict[str, Any]]:
        """Rendered users; the double has no pinned posts, so only the latest post expands."""
        latest = {"most_recent_tweet_id", "most_recent_post_id"} & self.expansions
        fields = self.user_fields | ({"most_recent_tweet_id"} if latest else set())
        return [render_user(u, fields, state) for u in users]


# --- requests --------------------------------------------------------------------------------


def query_params(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """The query, refusing parameters the operation does not take and repeated ones, as X does."""
    allowed = set(allowed)
    seen: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            listing = ",".join(sorted(allowed))
            raise invalid_parameter(
                name, value, f"The query parameter [{name}] is not one of [{listing}]"
            )
        if name in seen:
            raise invalid_parameter(name, value, f"Duplicate parameters are not allowed: [{name}]")
        seen[name] = value
    return seen


def csv_param(query: Mapping[str, str], name: str, allowed: frozenset[str] | None) -> set[str]:
    """A comma-separated list parameter, each item checked against X's names."""
    if name not in query:
        return set()
    raw = query[name]
    items = raw.split(",")
    if any(not item for item in items):
        raise invalid_parameter(name, raw, f"The `{name}` query parameter can not be empty")
    if len(set(items)) != len(items):
        raise invalid_parameter(name, raw, f"The `{name}` query parameter has duplicate items")
    if allowed is not None:
        for item in items:
            if item not in allowed:
                listing = ",".join(sorted(allowed))
                raise invalid_parameter(
                    name,
                    item,
                    f"The `{name}` query parameter value [{item}] is not one of [{listing}]",
                )
    return set(items)


def view_of(query: Mapping[str, str], viewer: Account, kinds: Mapping[str, frozenset[str]]) -> View:
    """The fields and expansions a request names, ``tweet.fields`` and ``post.fields`` alike."""
    for name, allowed in kinds.items():
        if name not in ("tweet.fields", "post.fields", "user.fields", "expansions"):
            csv_param(query, name, allowed)  # checked; the double has no media, polls, places
    post_fields = csv_param(query, "tweet.fields", POST_FIELDS) | csv_param(
        query, "post.fields", POST_FIELDS
    )
    return View(
        post_fields=post_fields,
        user_fields=csv_param(query, "user.fields", USER_FIELDS),
        expansions=csv_param(query, "expansions", kinds.get("expansions")),
        viewer=viewer,
    )


def id_param(name: str, value: str) -> str:
    """A post or user id (X refuses anything but 1 to 19 digits)."""
    if not ID_PATTERN.match(value):
        raise invalid_parameter(
            name,
            value,
            f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$",
        )
    return value


def int_param(query: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    """An integer query parameter within X's bounds."""
    if name not in query:
        return default
    raw = query[name]
    if not re.fullmatch(r"-?[0-9]+", raw) or not low <= int(raw) <= high:
        raise invalid_parameter(
            name,
            raw,
            f"The `{name}` query parameter value [{raw}] is not between {low} and {high}",
        )
    return int(raw)


def time_param(query: Mapping[str, str], name: str) -> datetime | None:
    """An RFC 3339 timestamp parameter (``YYYY-MM-DDTHH:mm:ssZ``)."""
    if name not in query:
        return None
    raw = query[name]
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", raw):
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_parameter(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be in RFC 3339 format"
        ) from None
    if moment < snowflake_time(1 << 22):
        raise invalid_parameter(
            name,
            raw,
            f"Invalid '{name}':'{raw}'. '{name}' must be on or after 2010-11-06T00:00:01Z",
        )
    return moment


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def page_token(kind: str, before: str) -> str:
    """An opaque next-page token (X's look like ``b26v89c19zqg8o3fobd8v73egzbdt3qao235oql``)."""
    body = _b36(int(before))
    check = _b36(int(hashlib.sha256(f"{kind}:{body}".encode()).hexdigest()[:8], 16))[:4]
    return f"{check:0>4}{body}"


def read_token(kind: str, name: str, token: str | None) -> int | None:
    """The position a token stands for; X refuses tokens it did not give."""
    if token is None:
        return None
    try:
        position = int(token[4:], 36)
    except ValueError:
        position = -1
    if position < 0 or len(token) > 40 or page_token(kind, str(position)) != token:
        raise invalid_parameter(
            name, token, f"The `{name}` query parameter value [{token}] is not valid"
        )
    return position


def paged_posts(
    posts: list[Post], query: Mapping[str, str], kind: str, token_name: str, size: int
) -> tuple[list[Post], dict[str, Any]]:
    """One page of posts (newest first) and X's ``meta`` for it."""
    start = read_token(kind, token_name, query.get(token_name))
    if start is not None:
        posts = [p for p in posts if int(p.id) <= start]
    chosen = posts[:size]
    meta: dict[str, Any] = {"result_count": len(chosen)}
    if chosen:
        meta = {"newest_id": chosen[0].id, "oldest_id": chosen[-1].id, **meta}
    if len(posts) > size:
        meta["next_token"] = page_token(kind, posts[size].id)
    return chosen, meta


def paged_users(
    users: list[tuple[str, Account]], query: Mapping[str, str], kind: str, size: int
) -> tuple[list[Account], dict[str, Any]]:
    """One page of users keyed by the id of their action (newest first), and ``meta``."""
    start = read_token(kind, "pagination_token", query.get("pagination_token"))
    if start is not None:
        users = [(key, u) for key, u in users if int(key) <= start]
    chosen = users[:size]
    meta: dict[str, Any] = {"result_count": len(chosen)}
    if len(users) > size:
        meta["next_token"] = page_token(kind, users[size][0])
    return [u for _, u in chosen], meta


def body_errors(schema: Mapping[str, Any], value: Any, path: str = "$") -> list[tuple[str, str]]:
    """What is wrong with a JSON body, as (path, message) in the wording of X's validator."""
    kind = schema.get("type")
    found = json_type(value)
    if kind is not None and found != kind and not (kind == "number" and found == "integer"):
        return [(path, f"{path}: {found} found, {kind} expected")]
    errors: list[tuple[str, str]] = []
    if kind == "object":
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append((f"{path}.{name}", f"{path}.{name}: is missing but it is required"))
        for name, item in value.items():
            if name in properties:
                errors += body_errors(properties[name], item, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(
                    (
                        f"{path}.{name}",
                        f"{path}.{name}: is not defined in the schema and the schema does not "
                        "allow additional properties",
                    )
                )
    elif kind == "array":
        if len(value) < schema.get("minItems", 0):
            errors.append((path, f"{path}: expected at least {schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append((path, f"{path}: expected at most {schema['maxItems']} items"))
        for index, item in enumerate(value):
            errors += body_errors(schema.get("items", {}), item, f"{path}[{index}]")
    elif kind == "string":
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append((path, f"{path}: does not match the regex pattern {schema['pattern']}"))
        if len(value) < schema.get("minLength", 0):
            errors.append((path, f"{path}: must be at least {schema['minLength']} characters long"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append((path, f"{path}: may only be {schema['maxLength']} characters long"))
        if "enum" in schema and value not in schema["enum"]:
            listing = ", ".join(schema["enum"])
            errors.append((path, f"{path}: does not have a value in the enumeration [{listing}]"))
    elif kind == "integer":
        if "minimum" in schema and value < schema["minimum"]:
            errors.append((path, f"{path}: must have a minimum value of {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append((path, f"{path}: must have a maximum value of {schema['maximum']}"))
    return errors


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


async def json_body(request: Request, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The request's JSON body, checked as X checks it (content type, syntax, schema)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise invalid_request("Requests with bodies must have content-type of application/json.")
    raw = await request.body()
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid_request("Request body is not valid JSON.") from None
    errors = body_errors(schema, value)
    if errors:
        path, message = errors[0]
        shown = _find(value, path)
        raise invalid_request(message, {path: [dump_json(shown).decode("utf-8", "replace")]})
    assert isinstance(value, dict)
    return value


def _find(value: Any, path: str) -> Any:
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        name, index = part
        if name and isinstance(value, dict):
            value = value.get(name)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
    return value


# --- OAuth 1.0a ------------------------------------------------------------------------------


def authenticate(request: Request, state: State, body: bytes) -> Account:
    """The access token's owner, once the request's HMAC-SHA1 signature checks out."""
    header = request.headers.get("authorization", "")
    if not header[:6].lower() == "oauth ":
        raise unauthorized()
    try:
        items = parse_keqv_list(parse_http_list(header[6:]))
        oauth = {unescape(k): unescape(v) for k, v in items.items()}
    except (IndexError, ValueError):
        raise unauthorized() from None
    account = state.by_token(oauth.get("oauth_token", ""))
    if (
        account is None
        or oauth.get("oauth_consumer_key") != state.consumer_key
        or oauth.get("oauth_signature_method") != "HMAC-SHA1"
        or oauth.get("oauth_version", "1.0") != "1.0"
        or not oauth.get("oauth_nonce")
        or not oauth.get("oauth_timestamp", "").isdigit()
    ):
        raise unauthorized()
    stamp = int(oauth["oauth_timestamp"])
    now = int(time.time())
    if abs(now - stamp) > TIMESTAMP_TOLERANCE:
        raise unauthorized()
    params = list(url_decode(request.url.query))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded" and body:
        params += list(url_decode(body.decode("utf-8", "replace")))
    params += [(k, v) for k, v in oauth.items() if k != "realm"]
    base = construct_base_string(request.method, str(request.url), params)
    expected = hmac_sha1_signature(base, state.consumer_secret, account.access_token_secret)
    if not _same(expected, oauth.get("oauth_signature", "")):
        raise unauthorized()
    # A nonce may serve once within the timestamp window (replays are refused).
    nonce = f"{account.access_token}:{stamp}:{oauth['oauth_nonce']}"
    if nonce in state.nonces:
        raise unauthorized()
    state.nonces[nonce] = stamp
    if len(state.nonces) > 10000:
        state.nonces = {k: v for k, v in state.nonces.items() if now - v <= TIMESTAMP_TOLERANCE}
    return account


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))


# --- search ----------------------------------------------------------------------------------

STANDALONE = _names(
    "from to url conversation_id in_reply_to_tweet_id quotes_of_tweet_id "
    "retweets_of_tweet_id retweets_of"
)
CONJUNCTION = _names("is has lang")


@dataclass(frozen=True)
class Term:
    """One operator of a query: ``kind`` is keyword, phrase, mention, hashtag or an operator."""

    kind: str
    value: str


Node = tuple[str, Any]


class SearchQuery:
    """A recent-search query: keywords, ``"phrases"``, ``@user``, ``#tag``, ``from:``, ``to:``,
    ``url:``, ``conversation_id:``, ``in_reply_to_tweet_id:``, ``quotes_of_tweet_id:``,
    ``retweets_of_tweet_id:``, ``retweets_of:``, ``is:retweet|reply|quote``, ``has:links|mentions|
    hashtags|media``, ``lang:``; AND by juxtaposition, ``OR``, ``-`` negation and parentheses
    (https://docs.x.com/x-api/posts/search/integrate/build-a-query).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.position = 0
        if not self.tokens:
            self._fail("the query is empty")
        self.tree = self._or()
        if self.position != len(self.tokens):
            self._fail(f"unexpected '{self.tokens[self.position][1]}'")
        if not self._has_standalone(self.tree):
            self._fail(
                "queries need at least one standalone, non-negated operator (is:, has:, lang: "
                "and negations cannot be used alone)"
            )

    def _fail(self, reason: str) -> None:
        raise invalid_parameter(
            "query", self.text, f"There were errors processing your request: {reason}"
        )

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char.isspace():
                i += 1
            elif char in "()":
                tokens.append((char, char))
                i += 1
            elif char == '"':
                end = text.find('"', i + 1)
                if end < 0:
                    self._fail("a quoted phrase is not closed")
                tokens.append(("phrase", text[i + 1 : end]))
                i = end + 1
            else:
                start = i
                while i < len(text) and not text[i].isspace() and text[i] not in '()"':
                    i += 1
                word = text[start:i]
                if word.endswith(":") and i < len(text) and text[i] == '"':
                    end = text.find('"', i + 1)
                    if end < 0:
                        self._fail("a quoted value is not closed")
                    word += text[i + 1 : end]
                    i = end + 1
                if word == "-" and i < len(text) and text[i] in '("':
                    if text[i] == "(":
                        self._fail("grouped operators cannot be negated")
                    end = text.find('"', i + 1)
                    if end < 0:
                        self._fail("a quoted phrase is not closed")
                    tokens.append(("not", "-"))
                    tokens.append(("phrase", text[i + 1 : end]))
                    i = end + 1
                    continue
                tokens.append(("or", word) if word == "OR" else ("word", word))
        return tokens

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def _or(self) -> Node:
        parts = [self._and()]
        while self._peek() == "or":
            self.position += 1
            parts.append(self._and())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def _and(self) -> Node:
        parts: list[Node] = []
        while self._peek() not in (None, "or", ")"):
            parts.append(self._unary())
        if not parts:
            self._fail("an operator is missing (around OR or parentheses)")
        return ("and", parts) if len(parts) > 1 else parts[0]

    def _unary(self) -> Node:
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind == "not":
            return ("not", self._atom(*self._next()))
        if kind == "word" and value.startswith("-") and len(value) > 1:
            return ("not", self._atom("word", value[1:]))
        return self._atom(kind, value)

    def _next(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            self._fail("a negation has nothing to negate")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _atom(self, kind: str, value: str) -> Node:
        if kind == "(":
            inner = self._or()
            if self._peek() != ")":
                self._fail("mismatched parentheses")
            self.position += 1
            return inner
        if kind == ")":
            self._fail("mismatched parentheses")
        if kind == "phrase":
            return ("term", Term("phrase", value))
        if value == "-":
            self._fail("a negation has nothing to negate")
        if value.startswith("@") and len(value) > 1:
            return ("term", Term("mention", value[1:]))
        if value.startswith("#") and len(value) > 1:
            return ("term", Term("hashtag", value[1:]))
        match = re.fullmatch(r"([a-z_]+):(.+)", value)
        if match:
            operator, argument = match.groups()
            if operator not in STANDALONE | CONJUNCTION:
                self._fail(f"Reference to invalid operator '{operator}'")
            return ("term", Term(operator, argument))
        return ("term", Term("keyword", value))

    def _has_standalone(self, node: Node) -> bool:
        kind, value = node
        if kind == "term":
            return bool(value.kind not in CONJUNCTION)
        if kind == "not":
            return False
        return any(self._has_standalone(part) for part in value)

    def matches(self, post: Post, state: State) -> bool:
        """Whether ``post`` satisfies the query."""
        return self._eval(self.tree, post, state)

    def _eval(self, node: Node, post: Post, state: State) -> bool:
        kind, value = node
        if kind == "or":
            return any(self._eval(part, post, state) for part in value)
        if kind == "and":
            return all(self._eval(part, post, state) for part in value)
        if kind == "not":
            return not self._eval(value, post, state)
        return term_matches(value, post, state)


def term_matches(term: Term, post: Post, state: State) -> bool:
    """Whether one operator matches one post."""
    kind, value = term.kind, term.value
    author = state.user(post.author_id)
    if kind == "keyword":
        words = re.findall(r"\w+", fold(post.text))
        wanted = fold(value)
        return wanted in words if re.fullmatch(r"\w+", wanted) else wanted in fold(post.text)
    if kind == "phrase":
        return fold(value) in fold(post.text)
    if kind == "mention":
        return value.lower() in post.mentions()
    if kind == "hashtag":
        return fold(value) in {fold(h["tag"]) for h in post.entities.get("hashtags", [])}
    if kind == "from":
        return author is not None and value.lower() in (author.username.lower(), author.user_id)
    if kind == "to":
        target = state.user(post.in_reply_to_user_id or "")
        return target is not None and value.lower() in (target.username.lower(), target.user_id)
    if kind == "url":
        wanted = value.lower()
        return any(
            wanted in u["expanded_url"].lower() or wanted == u["url"].lower()
            for u in post.entities.get("urls", [])
        )
    simple = {
        "conversation_id": post.conversation_id,
        "in_reply_to_tweet_id": post.replied_to,
        "quotes_of_tweet_id": post.quoted,
        "retweets_of_tweet_id": post.retweeted,
        "lang": post.lang,
    }
    if kind in simple:
        return simple[kind] == value
    if kind == "retweets_of":
        original = state.posts.get(post.retweeted or "")
        source = state.user(original.author_id) if original else None
        return source is not None and value.lower() in (source.username.lower(), source.user_id)
    if kind == "is":
        flags = {"retweet": post.retweeted, "reply": post.replied_to, "quote": post.quoted}
        return bool(flags.get(value))
    if kind == "has":
        present = {"links": "urls", "mentions": "mentions", "hashtags": "hashtags"}
        return value in present and bool(post.entities.get(present[value]))
    return False


# --- the application -------------------------------------------------------------------------

Handler = Callable[[Request, Account, bytes], Awaitable[Response]]


class XDouble:
    """The handlers of X's operations over one ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    # Every /2/ request goes through here: faults, OAuth, rate limit, counting, headers.
    def endpoint(
        self, method: str, template: str, handler: Handler
    ) -> Callable[[Request], Awaitable[Response]]:
        """The Starlette endpoint for one operation."""
        key = f"{method} {template}"
        limit = RATE_LIMITS.get(key, 900)

        async def run(request: Request) -> Response:
            self.state.requests[key] += 1
            body = await request.body()
            fault = self._take_fault(method, request.url.path, template)
            if fault is not None:
                return self._fault_response(fault, limit)
            try:
                account = authenticate(request, self.state, body)
            except ApiError as error:
                return json_response(
                    error.body, error.status, self._rate_headers("", key, limit, False)
                )
            headers = self._rate_headers(account.user_id, key, limit, True)
            if self.state.rate_limits and int(headers["x-rate-limit-remaining"]) < 0:
                headers["x-rate-limit-remaining"] = "0"
                limited = generic_problem(429, "Too Many Requests", "Too Many Requests")
                return json_response(limited.body, 429, headers)
            headers["x-rate-limit-remaining"] = str(max(0, int(headers["x-rate-limit-remaining"])))
            try:
                response = await handler(request, account, body)
            except ApiError as error:
                return json_response(error.body, error.status, {**headers, **error.headers})
            response.headers.update(headers)
            return response

        return run

    def _rate_headers(self, user_id: str, key: str, limit: int, spend: bool) -> dict[str, str]:
        now = int(time.time())
        start, used = self.state.windows.get((user_id, key), (now, 0))
        if now >= start + RATE_WINDOW_SECONDS:
            start, used = now, 0
        if spend:
            used += 1
            self.state.windows[(user_id, key)] = (start, used)
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(limit - used),
            "x-rate-limit-reset": str(start + RATE_WINDOW_SECONDS),
        }

    def _take_fault(self, method: str, path: str, template: str) -> Fault | None:
        for fault in self.state.faults:
            if (fault.method in (None, method)) and fault.path in (path, template):
                fault.times -= 1
                if fault.times <= 0:
                    self.state.faults.remove(fault)
                return fault
        return None

    def _fault_response(self, fault: Fault, limit: int) -> Response:
        now = int(time.time())
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": "0" if fault.status == 429 else str(limit - 1),
            "x-rate-limit-reset": str(now + RATE_WINDOW_SECONDS),
        }
        headers.update(fault.headers)
        body = fault.body if fault.body is not None else fault_body(fault.status, "0")
        return json_response(body, fault.status, headers)

    # --- posts

    async def create_post(self, request: Request, me: Account, _: bytes) -> Response:
        """POST /2/tweets, https://docs.x.com/x-api/posts/create-post"""
        body = await json_body(request, CREATE_POST_SCHEMA)
        if "media" in body:
            # The double has no media upload, so no media id is ever valid.
            raise invalid_request("Your media IDs are invalid.", {"$.media.media_ids": []})
        if "edit_options" in body:
            # Editing is not modelled: no post of the double is editable through the API.
            raise invalid_request(
                "Post is not eligible for editing.",
                {"$.edit_options.previous_post_id": [body["edit_options"]["previous_post_id"]]},
            )
        if "community_id" in body:
            raise generic_problem(403, "Forbidden", NOT_PERMITTED)  # no communities here
        text = body.get("text", "")
        if not text.strip():
            raise invalid_request("$.text: Post text must not be empty.", {"$.text": [text]})
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise invalid_request("$.text: is not valid UTF-8.", {"$.text": ["…"]}) from None
        parsed = parse_tweet(text)
        if parsed.weightedLength > 280 or not parsed.valid:
            # X's status here is not recorded in its docs; integrators report 400 for too long.
            raise invalid_request("$.text: Post text is too long.", {"$.text": [text]})
        replied = quoted = None
        if "reply" in body:
            replied = self.state.posts.get(body["reply"]["in_reply_to_tweet_id"])
            if replied is None:
                raise generic_problem(403, "Forbidden", REPLY_NOT_VISIBLE)
        if "quote_tweet_id" in body:
            quoted = self.state.posts.get(body["quote_tweet_id"])
            if quoted is None:
                # By analogy with the recorded reply wording; X's own is not recorded.
                raise generic_problem(
                    403,
                    "Forbidden",
                    "You attempted to quote a Tweet that is deleted or not visible to you.",
                )
        for target in (replied, quoted):
            summoned = target is None or self._summoned(me, target)
            if not summoned and me.uses_api and self.state.self_serve_rules:
                raise generic_problem(403, "Forbidden", NOT_SUMMONED)
        if any(
            p.author_id == me.user_id and p.source_text == text for p in self.state.posts.values()
        ):
            raise generic_problem(403, "Forbidden", DUPLICATE_DETAIL)
        post = self._store(me, text, replied=replied, quoted=quoted)
        data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
        return json_response({"data": data}, 201)

    def _summoned(self, me: Account, target: Post) -> bool:
        if target.author_id == me.user_id or target.in_reply_to_user_id == me.user_id:
            return True
        if me.username.lower() in target.mentions():
            return True
        quoted = self.state.posts.get(target.quoted or "")
        return quoted is not None and quoted.author_id == me.user_id

    def _store(
        self,
        author: Account,
        text: str,
        *,
        replied: Post | None = None,
        quoted: Post | None = None,
        retweeted: Post | None = None,
    ) -> Post:
        now = datetime.now(UTC)
        post_id = self.state.new_id(now)
        stored, entities = compose(text, self.state, post_id)
        post = Post(
            id=post_id,
            author_id=author.user_id,
            text=stored,
            source_text=text,
            created_at=now,
            conversation_id=replied.conversation_id if replied else post_id,
            entities=entities,
            lang=guess_lang(text) if retweeted is None else (retweeted.lang),
            in_reply_to_user_id=replied.author_id if replied else None,
            replied_to=replied.id if replied else None,
            quoted=quoted.id if quoted else None,
            retweeted=retweeted.id if retweeted else None,
        )
        self.state.posts[post.id] = post
        return post

    async def delete_post(self, request: Request, me: Account, _: bytes) -> Response:
        """DELETE /2/tweets/{id}, https://docs.x.com/x-api/posts/delete-post"""
        post_id = id_param("id", request.path_params["id"])
        post = self.state.posts.get(post_id)
        if post is None:
            # Not recorded; the documentation's status table: "404 Resource doesn't exist or has
            # been deleted".
            raise ApiError(404, {**not_found("tweet", "id", post_id), "status": 404})
        if post.author_id != me.user_id:
            raise generic_problem(403, "Forbidden", NOT_PERMITTED)
        del self.state.posts[post_id]
        self.state.likes.pop(post_id, None)
        self.state.hidden.discard(post_id)
        for retweet_id in self.state.retweets.pop(post_id, {}).values():
            self.state.posts.pop(retweet_id, None)  # X removes the retweets of a deleted post
        if post.retweeted:
            self.state.retweets.get(post.retweeted, {}).pop(me.user_id, None)
        return json_response({"data": {"deleted": True}})

    async def get_post(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets/{id}, https://docs.x.com/x-api/posts/get-post-by-id"""
        post_id = id_param("id", request.path_params["id"])
        view = view_of(query_params(request, POST_QUERY), me, POST_QUERY)
        post = self.state.posts.get(post_id)
        if post is None:
            # X answers 200 with the partial-error shape (the documentation's page says 404).
            return json_response({"errors": [not_found("tweet", "id", post_id)]})
        rendered, includes = view.posts([post], self.state)
        return json_response(_with_includes({"data": rendered[0]}, includes))

    async def get_posts(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets?ids=, https://docs.x.com/x-api/posts/get-posts-by-ids"""
        query = query_params(request, {"ids", *POST_QUERY})
        view = view_of(query, me, POST_QUERY)
        if "ids" not in query:
            raise invalid_request("The `ids` query parameter can not be empty", {"ids": [""]})
        ids = query["ids"].split(",")
        if not 1 <= len(ids) <= 100:
            raise invalid_parameter(
                "ids", query["ids"], "The `ids` query parameter must hold 1 to 100 ids"
            )
        found: list[Post] = []
        errors = []
        for post_id in ids:
            id_param("ids", post_id)
            post = self.state.posts.get(post_id)
            if post is None:
                errors.append(not_found("tweet", "ids", post_id))
            else:
                found.append(post)
        body: dict[str, Any] = {}
        if found:
            rendered, includes = view.posts(found, self.state)
            body = _with_includes({"data": rendered}, includes)
        if errors:
            body["errors"] = errors
        return json_response(body)

    @staticmethod
    def _window(query: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
        """The ``since_id``/``until_id`` and ``start_time``/``end_time`` parameters, checked."""
        for name in ("since_id", "until_id"):
            if name in query:
                id_param(name, query[name])
        start, end = time_param(query, "start_time"), time_param(query, "end_time")
        if start and end and start >= end:
            raise invalid_parameter(
                "end_time",
                query["end_time"],
                "Invalid 'end_time'. 'end_time' must be after 'start_time'",
            )
        return start, end

    def _timeline_filter(self, query: Mapping[str, str], posts: list[Post]) -> list[Post]:
        since = query.get("since_id")
        until = query.get("until_id")
        start, end = self._window(query)
        return [
            p
            for p in posts
            if (since is None or int(p.id) > int(since))
            and (until is None or int(p.id) < int(until))
            and (start is None or p.created_at >= start)
            and (end is None or p.created_at <= end)
        ]

    async def user_posts(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/users/{id}/tweets, https://docs.x.com/x-api/users/get-posts"""
        user_id = id_param("id", request.path_params["id"])
        query = query_params(request, {*POST_QUERY, *PAGE_QUERY, *TIME_QUERY, "exclude"})
        view = view_of(query, me, POST_QUERY)
        size = int_param(query, "max_results", 5, 100, 10)
        self._window(query)  # X checks every parameter before looking anything up
        read_token("tweets", "pagination_token", query.get("pagination_token"))
        exclude = csv_param(query, "exclude", frozenset({"replies", "retweets"}))
        user = self.state.user(user_id)
        if user is None:
            return json_response({"errors": [not_found("user", "id", user_id)]})
        posts = [p for p in self.state.newest_first() if p.author_id == user_id][:USER_TIMELINE_CAP]
        posts = [
            p
            for p in posts
            if not ("replies" in exclude and p.replied_to)
            and not ("retweets" in exclude and p.retweeted)
        ]
        posts = self._timeline_filter(query, posts)
        return self._post_page(posts, query, view, "tweets", "pagination_token", size)

    async def mentions(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/users/{id}/mentions, https://docs.x.com/x-api/users/get-mentions"""
        user_id = id_param("id", request.path_params["id"])
        query = query_params(request, {*POST_QUERY, *PAGE_QUERY, *TIME_QUERY})
        view = view_of(query, me, POST_QUERY)
        size = int_param(query, "max_results", 5, 100, 10)
        self._window(query)  # X checks every parameter before looking anything up
        read_token("mentions", "pagination_token", query.get("pagination_token"))
        user = self.state.user(user_id)
        if user is None:
            return json_response({"errors": [not_found("user", "id", user_id)]})
        name = user.username.lower()
        posts = [
            p
            for p in self.state.newest_first()
            if p.author_id != user_id and (name in p.mentions() or p.in_reply_to_user_id == user_id)
        ][:MENTIONS_CAP]
        posts = self._timeline_filter(query, posts)
        return self._post_page(posts, query, view, "mentions", "pagination_token", size)

    async def search_recent(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets/search/recent, https://docs.x.com/x-api/posts/search-recent-posts"""
        allowed = {*POST_QUERY, *PAGE_QUERY, *TIME_QUERY, "query", "next_token", "sort_order"}
        query = query_params(request, allowed)
        view = view_of(query, me, POST_QUERY)
        size = int_param(query, "max_results", 10, 100, 10)
        if query.get("sort_order", "recency") not in ("recency", "relevancy"):
            raise invalid_parameter(
                "sort_order",
                query["sort_order"],
                "The `sort_order` query parameter must be recency or relevancy",
            )
        text = query.get("query", "")
        if not text:
            raise invalid_request("The `query` query parameter can not be empty", {"query": [""]})
        if len(text) > 512:
            # Self-serve access: 512 characters (the OpenAPI document allows Enterprise's 4,096).
            raise invalid_parameter(
                "query",
                text,
                f"The `query` query parameter is {len(text)} characters long; the limit is 512",
            )
        search = SearchQuery(text)
        now = datetime.now(UTC)
        oldest = now - SEARCH_WINDOW
        start = time_param(query, "start_time")
        end = time_param(query, "end_time")
        if start is not None and start < oldest:
            raise invalid_parameter(
                "start_time",
                query["start_time"],
                f"Invalid 'start_time':'{query['start_time']}'. 'start_time' must be on or after "
                + iso(oldest),
            )
        if end is not None and end > now - timedelta(seconds=10):
            raise invalid_parameter(
                "end_time",
                query["end_time"],
                f"Invalid 'end_time':'{query['end_time']}'. 'end_time' must be a minimum of 10 "
                "seconds prior to the request time.",
            )
        since = query.get("since_id", "")
        if ID_PATTERN.match(since) and snowflake_time(int(since)) < oldest:
            raise invalid_parameter(
                "since_id",
                since,
                f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id created after "
                + iso(oldest),
            )
        newest = now - self.state.search_lag
        posts = [
            p
            for p in self.state.newest_first()
            if oldest <= p.created_at <= newest and search.matches(p, self.state)
        ]
        posts = self._timeline_filter(query, posts)
        token_name = "next_token" if "next_token" in query else "pagination_token"
        return self._post_page(posts, query, view, "search", token_name, size)

    def _post_page(
        self,
        posts: list[Post],
        query: Mapping[str, str],
        view: View,
        kind: str,
        token_name: str,
        size: int,
    ) -> Response:
        chosen, meta = paged_posts(posts, query, kind, token_name, size)
        body: dict[str, Any] = {}
        if chosen:
            rendered, includes = view.posts(chosen, self.state)
            body = _with_includes({"data": rendered}, includes)
        body["meta"] = meta
        return json_response(body)

    async def liking_users(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets/{id}/liking_users, https://docs.x.com/x-api/posts/get-liking-users"""
        post_id = id_param("id", request.path_params["id"])
        query = query_params(request, {*USER_QUERY, *PAGE_QUERY})
        view = view_of(query, me, USER_QUERY)
        size = int_param(query, "max_results", 1, 100, 100)
        read_token(f"likes:{post_id}", "pagination_token", query.get("pagination_token"))
        if post_id not in self.state.posts:
            return json_response({"errors": [not_found("tweet", "id", post_id)]})
        likers = self.state.likes.get(post_id, [])[-LIKING_USERS_CAP:]
        # Keyed by position, newest first, so that a page token stays valid as likes come in.
        keyed = [(str(i), self.state.accounts[u]) for i, u in enumerate(likers)][::-1]
        return self._user_page(keyed, query, view, f"likes:{post_id}", size)

    async def retweeted_by(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets/{id}/retweeted_by, https://docs.x.com/x-api/posts/get-reposted-by"""
        post_id = id_param("id", request.path_params["id"])
        query = query_params(request, {*USER_QUERY, *PAGE_QUERY})
        view = view_of(query, me, USER_QUERY)
        size = int_param(query, "max_results", 1, 100, 100)
        read_token(f"retweets:{post_id}", "pagination_token", query.get("pagination_token"))
        if post_id not in self.state.posts:
            return json_response({"errors": [not_found("tweet", "id", post_id)]})
        keyed = sorted(
            (
                (rt, self.state.accounts[u])
                for u, rt in self.state.retweets.get(post_id, {}).items()
            ),
            key=lambda item: int(item[0]),
            reverse=True,
        )
        return self._user_page(keyed, query, view, f"retweets:{post_id}", size)

    def _user_page(
        self,
        keyed: list[tuple[str, Account]],
        query: Mapping[str, str],
        view: View,
        kind: str,
        size: int,
    ) -> Response:
        users, meta = paged_users(keyed, query, kind, size)
        body: dict[str, Any] = {"data": view.users(users, self.state)} if users else {}
        body["meta"] = meta
        return json_response(body)

    async def quote_tweets(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/tweets/{id}/quote_tweets, https://docs.x.com/x-api/posts/get-quoted-posts"""
        post_id = id_param("id", request.path_params["id"])
        query = query_params(request, {*POST_QUERY, *PAGE_QUERY, "exclude"})
        view = view_of(query, me, POST_QUERY)
        size = int_param(query, "max_results", 10, 100, 10)
        read_token(f"quotes:{post_id}", "pagination_token", query.get("pagination_token"))
        exclude = csv_param(query, "exclude", frozenset({"replies", "retweets"}))
        if post_id not in self.state.posts:
            return json_response({"errors": [not_found("tweet", "id", post_id)]})
        posts = [
            p
            for p in self.state.newest_first()
            if p.quoted == post_id and not ("replies" in exclude and p.replied_to)
        ]
        chosen, meta = paged_posts(posts, query, f"quotes:{post_id}", "pagination_token", size)
        meta = {k: v for k, v in meta.items() if k in ("result_count", "next_token")}
        body: dict[str, Any] = {}
        if chosen:
            rendered, includes = view.posts(chosen, self.state)
            body = _with_includes({"data": rendered}, includes)
        body["meta"] = meta
        return json_response(body)

    async def hide_reply(self, request: Request, me: Account, _: bytes) -> Response:
        """PUT /2/tweets/{tweet_id}/hidden, https://docs.x.com/x-api/posts/hide-reply"""
        post_id = id_param("tweet_id", request.path_params["tweet_id"])
        body = await json_body(request, HIDDEN_BODY)
        post = self.state.posts.get(post_id)
        root = self.state.posts.get(post.conversation_id) if post else None
        if post is None or not post.replied_to:
            # Not recorded: the double refuses like X refuses other posts one may not act on.
            raise generic_problem(403, "Forbidden", NOT_PERMITTED)
        if root is None or root.author_id != me.user_id:
            raise generic_problem(403, "Forbidden", NOT_PERMITTED)
        if body["hidden"]:
            self.state.hidden.add(post_id)
        else:
            self.state.hidden.discard(post_id)
        return json_response({"data": {"hidden": body["hidden"]}})

    # --- users

    async def me(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/users/me, https://docs.x.com/x-api/users/get-my-user"""
        view = view_of(query_params(request, USER_QUERY), me, USER_QUERY)
        return json_response({"data": view.users([me], self.state)[0]})

    async def by_username(self, request: Request, me: Account, _: bytes) -> Response:
        """GET /2/users/by/username/{username}, https://docs.x.com/x-api/users/get-user-by-username"""
        username = request.path_params["username"]
        if not USERNAME_PATTERN.match(username):
            raise invalid_parameter(
                "username",
                username,
                f"The `username` value [{username}] does not match ^[A-Za-z0-9_]{{1,15}}$",
            )
        view = view_of(query_params(request, USER_QUERY), me, USER_QUERY)
        user = self.state.by_username(username)
        if user is None:
            return json_response({"errors": [not_found("user", "username", username, "username")]})
        return json_response({"data": view.users([user], self.state)[0]})

    def _acting(self, request: Request, me: Account) -> None:
        user_id = id_param("id", request.path_params["id"])
        if user_id != me.user_id:
            # Not recorded: X refuses to act for a user other than the token's owner.
            raise generic_problem(403, "Forbidden", NOT_PERMITTED)

    async def like(self, request: Request, me: Account, _: bytes) -> Response:
        """POST /2/users/{id}/likes, https://docs.x.com/x-api/users/like-post"""
        self._acting(request, me)
        body = await json_body(request, TWEET_ID_BODY)
        post = self.state.posts.get(body["tweet_id"])
        if post is None:
            # Recorded from X for a deleted post.
            raise invalid_request("This tweet cannot be found.")
        likers = self.state.likes.setdefault(post.id, [])
        if me.user_id not in likers:
            likers.append(me.user_id)
        return json_response({"data": {"liked": True}})

    async def retweet(self, request: Request, me: Account, _: bytes) -> Response:
        """POST /2/users/{id}/retweets, https://docs.x.com/x-api/users/repost-post"""
        self._acting(request, me)
        body = await json_body(request, TWEET_ID_BODY)
        post = self.state.posts.get(body["tweet_id"])
        if post is None:
            raise invalid_request("This tweet cannot be found.")
        if post.retweeted:
            post = self.state.posts.get(post.retweeted, post)  # X reposts the original
        done = self.state.retweets.setdefault(post.id, {})
        if me.user_id not in done:
            author = self.state.user(post.author_id)
            handle = author.username if author else "i"
            retweet = self._store(me, f"RT @{handle}: {post.source_text}", retweeted=post)
            done[me.user_id] = retweet.id
        return json_response({"data": {"retweeted": True, "rest_id": done[me.user_id]}})

    # --- control routes (not X's)

    async def add_fault(self, request: Request) -> Response:
        """POST /_double/faults: the next matching requests answer ``status`` (and body)."""
        data = await request.json()
        fault = Fault(
            method=(data.get("method") or "").upper() or None,
            path=data["path"],
            status=int(data["status"]),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
            body=data.get("body"),
            times=int(data.get("times", 1)),
        )
        if fault.body is None and fault.status in (401, 402, 403, 429, 500, 503):
            fault.body = fault_body(fault.status, self.state.consumer_key[:8])
        self.state.faults.append(fault)
        return json_response({"faults": len(self.state.faults)}, 201)

    async def protect(self, request: Request) -> Response:
        """POST /_double/protect: make a user's posts protected (or public again)."""
        data = await request.json()
        user = self.state.by_username(data["username"])
        if user is None:
            return json_response({"error": f"no user {data['username']}"}, 404)
        user.protected = bool(data.get("protected", True))
        return json_response({"username": user.username, "protected": user.protected})

    async def backdate(self, request: Request) -> Response:
        """POST /_double/backdate: move a post's ``created_at`` back (its id does not change)."""
        data = await request.json()
        post = self.state.posts.get(str(data["id"]))
        if post is None:
            return json_response({"error": f"no post {data['id']}"}, 404)
        if "created_at" in data:
            post.created_at = datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00"))
        else:
            post.created_at = datetime.now(UTC) - timedelta(days=float(data["days"]))
        return json_response({"id": post.id, "created_at": iso(post.created_at)})

    async def requests(self, request: Request) -> Response:
        """GET /_double/requests (counts since the last reset); DELETE resets them."""
        if request.method == "DELETE":
            self.state.requests.clear()
        counts = dict(sorted(self.state.requests.items()))
        return json_response({"requests": counts, "total": sum(counts.values())})

    async def show_post(self, request: Request) -> Response:
        """GET /_double/posts/{id}: a post and its conversation, as anyone sees them on x.com
        (the demo links here: the double has no web pages and its API needs OAuth)."""
        post = self.state.posts.get(request.path_params["post_id"])
        if post is None:
            return json_response({"error": "no such post"}, 404)
        accounts = {account.user_id: account for account in self.state.accounts.values()}

        def shown(item: Post) -> dict[str, Any]:
            author = accounts.get(item.author_id)
            return {
                "id": item.id,
                "author": author.username if author else item.author_id,
                "text": item.source_text,
                "created_at": iso(item.created_at),
                "in_reply_to": item.replied_to,
            }

        thread = sorted(
            (p for p in self.state.posts.values() if p.conversation_id == post.conversation_id),
            key=lambda p: (len(p.id), p.id),
        )
        return json_response({"post": shown(post), "conversation": [shown(p) for p in thread]})


def _with_includes(body: dict[str, Any], includes: dict[str, Any]) -> dict[str, Any]:
    if includes:
        body["includes"] = includes
    return body


def _dispatch(
    endpoints: Mapping[str, Callable[[Request], Awaitable[Response]]],
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return run


def create_app(config: dict[str, Any]) -> Starlette:
    """The double as an ASGI app, its state in memory, from the configuration ``x.start`` writes.

    ``config``: ``consumer_key``, ``consumer_secret``, ``accounts`` (``username``,
    ``display_name``, ``role``, ``user_id``, ``access_token``, ``access_token_secret``), and
    optionally ``rate_limits`` (enforce X's limits, default true), ``self_serve_rules`` (default
    true) and ``search_lag_seconds`` (how long a post takes to become searchable, default 0).
    """
    double = XDouble(state_from_config(config))
    operations: list[tuple[str, str, Handler]] = [
        ("GET", "/2/tweets/search/recent", double.search_recent),
        ("GET", "/2/tweets", double.get_posts),
        ("POST", "/2/tweets", double.create_post),
        ("GET", "/2/tweets/{id}", double.get_post),
        ("DELETE", "/2/tweets/{id}", double.delete_post),
        ("GET", "/2/tweets/{id}/liking_users", double.liking_users),
        ("GET", "/2/tweets/{id}/retweeted_by", double.retweeted_by),
        ("GET", "/2/tweets/{id}/quote_tweets", double.quote_tweets),
        ("PUT", "/2/tweets/{tweet_id}/hidden", double.hide_reply),
        ("GET", "/2/users/me", double.me),
        ("GET", "/2/users/by/username/{username}", double.by_username),
        ("GET", "/2/users/{id}/tweets", double.user_posts),
        ("GET", "/2/users/{id}/mentions", double.mentions),
        ("POST", "/2/users/{id}/likes", double.like),
        ("POST", "/2/users/{id}/retweets", double.retweet),
    ]
    # One route per path, so that a 405 lists every method the path takes in ``Allow``.
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for method, template, handler in operations:
        by_path.setdefault(template, {})[method] = double.endpoint(method, template, handler)
    routes = [
        Route(template, _dispatch(endpoints), methods=list(endpoints))
        for template, endpoints in by_path.items()
    ]
    routes += [
        Route("/_double/faults", double.add_fault, methods=["POST"]),
        Route("/_double/protect", double.protect, methods=["POST"]),
        Route("/_double/backdate", double.backdate, methods=["POST"]),
        Route("/_double/requests", double.requests, methods=["GET", "DELETE"]),
        Route("/_double/posts/{post_id}", double.show_post, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.double = double
    return app
