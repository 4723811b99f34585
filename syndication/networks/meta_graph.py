"""What Meta's networks share: the Graph API's plumbing, its error object, batches and tokens.

Facebook Pages (and, in time, Instagram and Threads) speak Meta's Graph API: one host and
version (``https://graph.facebook.com/v26.0``), nodes read with field expansion, writes as form
parameters, the same error object and the same token introspection. ``GraphClient`` does that
I/O through the injected ``httpx.AsyncClient`` for one account (``GraphAccount``: how the network
names it in messages and what to do about a refused token); each network's ``client`` builds on
it. Upstream pages followed here:

- Using the Graph API, field expansion and paging:
  https://developers.facebook.com/docs/graph-api/overview,
  https://developers.facebook.com/docs/graph-api/guides/field-expansion,
  https://developers.facebook.com/docs/graph-api/results
  (an edge is ``{"data": [...], "paging": {"cursors", "next"}, "summary"}``; ``next`` is the
  next page's whole address).
- Several nodes in one request (``GET /?ids=a,b``, 50 at most) and batches (``POST /`` with
  ``batch=[{"method","relative_url"}]``, 50 sub-requests, each answered ``{"code","body"}``
  with the body as a JSON string):
  https://developers.facebook.com/docs/graph-api/making-multiple-requests. One id that does
  not exist fails an ``ids=`` request as a whole (error 803, naming it).
- Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling):
  ``{"error": {"message","type","code","error_subcode","fbtrace_id"}}``; 190 the token expired
  or was revoked, 10 and 200-299 a missing permission, 4, 17, 32 and 613 rate limits (with
  ``X-App-Usage`` and ``X-Business-Use-Case-Usage``, whose ``estimated_time_to_regain_access``
  is in minutes, https://developers.facebook.com/docs/graph-api/overview/rate-limiting), 368
  the account temporarily blocked for a policy, 100 with subcode 33 and 803 an object that is
  not there, 1 and 2 a passing failure (retried). Instagram's own
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
  9 with subcode 2207042 the account's 24-hour publishing limit, 9004 (2207052) an image it
  could not fetch, 36000-36003 (2207004, 2207005, 2207009) an image of the wrong size, format
  or ratio, 9007 (2207027) a container not ready yet.
- Tokens: ``GET /debug_token?input_token=``
  (https://developers.facebook.com/docs/graph-api/reference/debug_token): ``is_valid``,
  ``type``, ``scopes``, ``expires_at`` (0: never), ``issued_at``; a long-lived Threads or
  Instagram Login token is refreshed with ``GET /refresh_access_token`` (``refresh_token``).

The token goes in the ``Authorization`` header, never in an address we build; a ``next`` address
Meta gives may carry it, which is why every message goes through ``secrets.redact``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from syndication import secrets
from syndication.errors import (
    AuthError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
    network_words,
)
from syndication.model import format_time, utc_now
from syndication.networks.base import (
    CredentialStatus,
    ProgressNote,
    Renewed,
    RetryPolicy,
    Sleep,
    json_object,
    raise_for_status,
    send,
)

DEFAULT_POLICY = RetryPolicy()
IDS_LIMIT = 50  # ids of one ``?ids=`` request
BATCH_LIMIT = 50  # sub-requests of one batch
MAX_PAGES = 20  # pages of one edge followed through ``paging.next``
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
PUBLISHING_LIMIT = (9, 2207042)  # Instagram: posts of the last 24 hours
MEDIA_CODES = frozenset({9004, 36000, 36001, 36003})  # Instagram: an image it cannot use
MEDIA_SUBCODES = frozenset({2207052, 2207004, 2207005, 2207009})
NOT_READY = (9007, 2207027)
_MISSING_RE = re.compile(r"do not exist:\s*(.+)$")

Json = Mapping[str, Any]


@dataclass(frozen=True)
class GraphAccount:
    """One account on one of Meta's networks, as messages name it and as it is renewed."""

    network: str  # the registry's name
    label: str  # Facebook, Instagram, Threads
    account: str  # how messages name it ("the Page 1234")
    credential_variable: str
    renew: str  # the steps to get a new token (Meta's own)
    permissions: str  # what the token needs, for a refused permission


@dataclass(frozen=True)
class GraphFailure:
    """One sub-request of a batch that Graph refused: its status and error object."""

    status: int
    error: Json

    @property
    def code(self) -> int:
        """Graph's error code (0 when it gave none)."""
        code = self.error.get("code")
        return code if isinstance(code, int) else 0

    @property
    def missing(self) -> list[str]:
        """The ids an ``ids=`` request named that do not exist (error 803)."""
        found = _MISSING_RE.search(str(self.error.get("message") or ""))
        return [part.strip() for part in found.group(1).split(",")] if found else []


def error_object(response: httpx.Response) -> Json:
    """Graph's error object in an answer, or an empty mapping."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, Mapping) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _first_sentence(text: str) -> str:
    """Graph's message cut to its first sentence (ours stay one sentence), without secrets."""
    said = network_words(text).strip()
    return said.split(". ")[0].rstrip(".") if said else ""


def _usage(response: httpx.Response) -> tuple[str, float | None]:
    """What the usage headers say (busiest figure) and the wait they give, in seconds."""
    worst = 0
    wait: float | None = None
    for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage"):
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        entries: list[Json] = []
        if isinstance(data, Mapping) and name != "x-business-use-case-usage":
            entries = [data]
        elif isinstance(data, Mapping):
            entries = [e for v in data.values() if isinstance(v, list) for e in v]
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            for key in ("call_count", "total_cputime", "total_time"):
                value = entry.get(key)
                if isinstance(value, int | float):
                    worst = max(worst, int(value))
            minutes = entry.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float) and minutes > 0:
                wait = max(wait or 0.0, float(minutes) * 60)
    said = f"usage at {worst}% of the limit" if worst else ""
    return said, wait


def check_graph(response: httpx.Response, who: GraphAccount) -> None:
    """Map Graph's error object to the project's errors: one sentence naming the network, the
    account and what to do (``raise_for_status`` when the answer has no error object)."""
    status = response.status_code
    error = error_object(response)
    if status < 400 and not error:
        return
    if not error:
        raise_for_status(
            response,
            network=who.network,
            label=who.label,
            account=who.account,
            credential_variable=who.credential_variable,
        )
        return
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    said = _first_sentence(str(error.get("message") or ""))
    where = f"{who.label} ({code}: {said})"
    if code == 190 or code in (102, 463, 467):
        raise AuthError(
            f"{where} refused the token of {who.account}: it expired or was revoked; {who.renew}.",
            network=who.network,
            status=status,
        )
    if code == 10 or 200 <= code <= 299:
        raise AuthError(
            f"{where} does not let {who.account} do this: its token needs {who.permissions}; "
            f"give them and put the new token in {who.credential_variable}.",
            network=who.network,
            status=status,
        )
    if code in RATE_LIMIT_CODES:
        usage, wait = _usage(response)
        details = ", ".join(
            part
            for part in (usage, f"access back in about {wait / 60:.0f} min" if wait else "")
            if part
        )
        raise RateLimited(
            f"{where} is rate-limiting {who.account}"
            + (f" ({details})" if details else "")
            + "; what is not done stays pending for the next run.",
            network=who.network,
            status=status,
            retry_after=wait,
        )
    if code == 368:
        raise Rejected(
            f"{where} has temporarily blocked {who.account} for going against its policies; "
            "nothing is sent until the block ends, see the account's quality page in Meta "
            "Business Suite.",
            network=who.network,
            status=status,
        )
    if (code == 100 and subcode == 33) or code == 803 or status == 404:
        raise NotFound(f"{where} has no such item.", network=who.network, status=404)
    if (code, subcode) == PUBLISHING_LIMIT:
        raise RateLimited(
            f"{where}: {who.account} has reached its publishing limit for 24 hours; what is not "
            "posted stays pending for a later run.",
            network=who.network,
            status=status,
        )
    if code in MEDIA_CODES or subcode in MEDIA_SUBCODES:
        raise Rejected(
            f"{where} could not use the image of what {who.account} sent; give the post a JPEG "
            "image it can fetch at its public address, between 4:5 and 1.91:1, and run again.",
            network=who.network,
            status=status,
        )
    if code in (1, 2) or code == NOT_READY[0] or subcode == NOT_READY[1] or status >= 500:
        raise Unavailable(
            f"{where} is failing for {who.account}; it is tried again on the next run.",
            network=who.network,
            status=status,
        )
    raise Rejected(
        f"{where} refused what {who.account} sent; correct it and run again.",
        network=who.network,
        status=status,
    )


def graph_time(value: Any) -> datetime | None:
    """A Graph datetime (``2026-11-30T12:00:00+0000``) or epoch seconds, in UTC."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value:
        return None
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value.replace("Z", "+0000"), shape).astimezone(UTC)
        except ValueError:
            continue
    return None


def edge_items(node: Json, name: str) -> list[Json]:
    """The items of an expanded edge (``{"data": [...]}``) of ``node``."""
    edge = node.get(name)
    data = edge.get("data") if isinstance(edge, Mapping) else None
    return [item for item in data or [] if isinstance(item, Mapping)]


def edge_total(node: Json, name: str) -> int | None:
    """The ``summary.total_count`` of an expanded edge of ``node``, when Graph gave it."""
    edge = node.get(name)
    summary = edge.get("summary") if isinstance(edge, Mapping) else None
    total = summary.get("total_count") if isinstance(summary, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


TAGGED_PAGE = 25  # items of a mentions edge read per request
MAX_TAGGED_PAGES = 10
# A mentions edge read with no cursor: one starts an hour back when the edge is empty (nothing
# came before), for a clock that differs from Meta's.
EMPTY_START = timedelta(hours=1)


def time_cursor(moment: datetime, ids: Iterable[str]) -> str:
    """A mentions edge's cursor: the newest time read and the ids read at that very second
    (Graph's times go to the second; a post made in the same second later is still new)."""
    seen = ",".join(sorted(set(ids)))
    return f"{format_time(moment)}|{seen}" if seen else format_time(moment)


def read_time_cursor(cursor: str) -> tuple[datetime | None, frozenset[str]]:
    """The time and ids of ``time_cursor`` (a bare time, as earlier runs stored, has no ids)."""
    moment, _, ids = cursor.partition("|")
    return graph_time(moment), frozenset(i for i in ids.split(",") if i)


def after_cursor(cursor: str, dated: Sequence[tuple[str, datetime]]) -> tuple[set[str], str]:
    """Of the ids read with their times, those after ``cursor``; and the cursor to store next."""
    since, seen = read_time_cursor(cursor)
    new = {i for i, t in dated if since is None or t > since or (t == since and i not in seen)}
    newest = max((t for _, t in dated), default=None)
    if newest is None or (since is not None and newest < since):
        return new, cursor
    at_newest = {i for i, t in dated if t == newest}
    if newest == since:
        at_newest |= seen
    return new, time_cursor(newest, at_newest)


class GraphClient:
    """Graph API requests for one account: reads, writes, pages, batches and the token."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        graph_url: str,
        version: str,
        token: str,
        who: GraphAccount,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.base = f"{graph_url.rstrip('/')}/{version}"
        self.token = secrets.register(token) if token else ""
        self.who = who
        self.policy = policy
        self.sleep = sleep

    def _check(self, response: httpx.Response) -> None:
        check_graph(response, self.who)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _send(self, request: httpx.Request) -> dict[str, Any]:
        response = await send(
            self.client,
            request,
            check=self._check,
            policy=self.policy,
            sleep=self.sleep,
            label=self.who.label,
        )
        return json_object(response, self.who.label)

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``GET /{version}/{path}`` with ``params``."""
        request = self.client.build_request(
            "GET",
            f"{self.base}/{path.lstrip('/')}",
            params=dict(params or {}),
            headers=self._headers(),
        )
        return await self._send(request)

    async def post(self, path: str, data: Mapping[str, str]) -> dict[str, Any]:
        """``POST /{version}/{path}`` with form parameters, as Graph takes them.

        Not retried blindly on a lost answer by the caller: every write is looked up first
        (``find_published``, ``find_reply``), since Graph has no idempotency key.
        """
        request = self.client.build_request(
            "POST", f"{self.base}/{path.lstrip('/')}", data=dict(data), headers=self._headers()
        )
        return await self._send(request)

    async def follow(self, address: str) -> dict[str, Any]:
        """The next page of an edge, at the address Graph gave (``paging.next``)."""
        request = self.client.build_request("GET", address, headers=self._headers())
        return await self._send(request)

    async def all_items(self, first: Json) -> list[Json]:
        """The items of an edge answer and of the pages after it (``paging.next``)."""
        items = [item for item in first.get("data") or [] if isinstance(item, Mapping)]
        page = first
        for _ in range(MAX_PAGES):
            paging = page.get("paging")
            address = paging.get("next") if isinstance(paging, Mapping) else None
            if not isinstance(address, str) or not address:
                break
            page = await self.follow(address)
            items += [item for item in page.get("data") or [] if isinstance(item, Mapping)]
        return items

    async def batch(self, relative_urls: Sequence[str]) -> list[Json | GraphFailure]:
        """GET each relative URL in one batch request (50 at most); each answer's body, or
        the failure Graph gave for it."""
        if len(relative_urls) > BATCH_LIMIT:
            raise ValueError(f"a Graph batch takes {BATCH_LIMIT} requests at most")
        operations = [{"method": "GET", "relative_url": url} for url in relative_urls]
        request = self.client.build_request(
            "POST",
            f"{self.base}/",
            data={"batch": json.dumps(operations), "include_headers": "false"},
            headers=self._headers(),
        )
        response = await send(
            self.client,
            request,
            check=self._check,
            policy=self.policy,
            sleep=self.sleep,
            label=self.who.label,
        )
        try:
            answers = response.json()
        except ValueError as error:
            raise Unavailable(f"{self.who.label} answered a batch with no JSON.") from error
        if not isinstance(answers, list) or len(answers) != len(relative_urls):
            raise Unavailable(f"{self.who.label} answered a batch with the wrong number of parts.")
        results: list[Json | GraphFailure] = []
        for answer in answers:
            results.append(self._batch_part(answer))
        return results

    def _batch_part(self, answer: Any) -> Json | GraphFailure:
        if not isinstance(answer, Mapping):  # null: the operation timed out in the batch
            return GraphFailure(503, {"code": 2, "message": "the operation did not complete"})
        code = _int(answer.get("code"))
        try:
            body = json.loads(str(answer.get("body") or "{}"))
        except ValueError:
            body = {}
        body = body if isinstance(body, Mapping) else {}
        error = body.get("error")
        if code >= 400 or isinstance(error, Mapping):
            return GraphFailure(code, error if isinstance(error, Mapping) else {})
        return body

    async def newer_items(
        self,
        path: str,
        fields: str,
        time_field: str,
        cursor: str,
        params: Mapping[str, str] | None = None,
    ) -> tuple[list[Json], str]:
        """The items of a newest-first edge (a Page's ``tagged``, an IG user's ``tags``, a
        Threads user's ``mentions``) made after ``cursor``, oldest first, and the cursor to
        store next.

        Pages are followed until one reaches back past the cursor. Without a cursor (a first
        run) nothing is new: one page says where the stream starts. ``params`` go with the
        first request (a ``since`` for an edge that takes one; the cursor still decides what
        is new, so an edge that keeps the items of ``since``'s second loses none).
        """
        first = {"fields": fields, "limit": str(TAGGED_PAGE), **(params or {})}
        page = await self.get(path, first)
        since, _ = read_time_cursor(cursor)
        items: list[Json] = []
        for _ in range(MAX_TAGGED_PAGES):
            batch = [item for item in page.get("data") or [] if isinstance(item, Mapping)]
            items += batch
            times = [t for item in batch if (t := graph_time(item.get(time_field)))]
            paging = page.get("paging")
            address = paging.get("next") if isinstance(paging, Mapping) else None
            if since is None or not isinstance(address, str) or not address:
                break
            if times and min(times) < since:
                break
            page = await self.follow(address)
        dated = [
            (str(item.get("id") or ""), t)
            for item in items
            if item.get("id") and (t := graph_time(item.get(time_field)))
        ]
        new, next_cursor = after_cursor(cursor, dated)
        if not cursor:
            start = utc_now() - EMPTY_START
            return [], next_cursor or format_time(start)
        # Oldest first; within a second, in the edge's order reversed (it is newest first).
        kept = [item for item in reversed(items) if str(item.get("id") or "") in new]
        kept.sort(
            key=lambda item: graph_time(item.get(time_field)) or datetime.min.replace(tzinfo=UTC)
        )
        return kept, next_cursor

    async def token_status(
        self, *, token_type: str, needed: Sequence[str]
    ) -> tuple[dict[str, Any], CredentialStatus]:
        """The token's introspection (``debug_token``): valid, of ``token_type``, with every
        scope of ``needed``; its expiry (None when Meta says it never expires)."""
        data = (await self.get("debug_token", {"input_token": self.token})).get("data")
        info = dict(data) if isinstance(data, Mapping) else {}
        who = self.who
        if info.get("is_valid") is not True:
            problem = info.get("error")
            said = ""
            if isinstance(problem, Mapping):
                said = f" ({_first_sentence(str(problem.get('message') or ''))})"
            raise AuthError(
                f"{who.label} says the token of {who.account} is no longer valid{said}; "
                f"{who.renew}.",
                network=who.network,
                status=401,
            )
        kind = str(info.get("type") or "")
        if token_type and kind and kind != token_type:
            raise AuthError(
                f"{who.label} says the token in {who.credential_variable} is a {kind} token, "
                f"not a {token_type} token; {who.renew}.",
                network=who.network,
                status=401,
            )
        scopes = info.get("scopes")
        granted = {str(s) for s in scopes} if isinstance(scopes, list) else set(needed)
        if missing := [scope for scope in needed if scope not in granted]:
            raise AuthError(
                f"{who.label} says the token of {who.account} lacks {', '.join(missing)}; "
                f"{who.renew}.",
                network=who.network,
                status=403,
            )
        return info, CredentialStatus(
            _epoch(info.get("expires_at")), who.renew, issued_at=_epoch(info.get("issued_at"))
        )

    async def refresh_token(self, address: str, grant_type: str) -> Renewed:
        """A long-lived token refreshed for another 60 days: ``GET {address}?grant_type=
        &access_token=`` answers ``access_token``, ``token_type``, ``expires_in`` (seconds).

        Threads (``th_refresh_token``, https://developers.facebook.com/docs/threads/get-started/
        long-lived-tokens) and Instagram Login (``ig_refresh_token``,
        https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token)
        refresh a token at least 24 hours old and not expired. The endpoint takes the token in
        the query only; the address is never logged unredacted (``secrets``), and the new token
        is registered as a secret before anything can print it.
        """
        who = self.who

        def check(response: httpx.Response) -> None:
            if response.status_code >= 500:
                check_graph(response, who)  # Unavailable: retried by ``send``
            error = error_object(response)
            if response.status_code >= 400 or error:
                said = _first_sentence(str(error.get("message") or response.reason_phrase))
                raise AuthError(
                    f"{who.label} did not refresh the token in {who.credential_variable} "
                    f"({said or response.status_code}); {who.renew}.",
                    network=who.network,
                    status=response.status_code,
                )

        request = self.client.build_request(
            "GET", address, params={"grant_type": grant_type, "access_token": self.token}
        )
        response = await send(
            self.client, request, check=check, policy=self.policy, sleep=self.sleep, label=who.label
        )
        body = json_object(response, who.label)
        token = str(body.get("access_token") or "")
        if not token:
            raise Unavailable(
                f"{who.label} answered the refresh of {who.credential_variable} without a "
                "token; the old one is kept, try again on the next run.",
                network=who.network,
            )
        secrets.register(token)
        lasts = body.get("expires_in")
        expires = (
            datetime.now(UTC) + timedelta(seconds=lasts)
            if isinstance(lasts, int) and not isinstance(lasts, bool) and lasts > 0
            else None
        )
        return Renewed(token, expires)


def _epoch(value: Any) -> datetime | None:
    """A token's time in epoch seconds, as ``debug_token`` gives it (0: none)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


@dataclass(frozen=True)
class ContainerStatus:
    """Where a network says how its container is doing, and what to say when it failed."""

    status_field: str  # Instagram: ``status_code``; Threads: ``status``
    reason_field: str  # the sentence Meta gives with ``ERROR``
    error_advice: str  # what to do when the container failed (the post's fault)
    delays: tuple[float, ...]  # the bounded wait between two reads of the status


CONTAINER_NOTE = "container"  # the progress note's field: the container made, not published


class Containers:
    """Meta's two-step publishing (Instagram, Threads): make a container, wait until it is
    ``FINISHED``, publish it (https://developers.facebook.com/docs/instagram-platform/
    content-publishing, https://developers.facebook.com/docs/threads/posts).

    Neither network lists a container that is not published, so the one made for an intent's
    key is noted in the pending intent (``resume``, ``syndication.networks.base.Resumable``) and
    a later attempt, in this run or after a crash, takes it up instead of making another: still
    usable (``IN_PROGRESS``, ``FINISHED``) it is published; already ``PUBLISHED`` the
    engine's reconciliation has found the post before; ``EXPIRED`` (after 24 hours), ``ERROR``
    or gone, a new one is made. The container statuses are Meta's
    (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container,
    https://developers.facebook.com/docs/threads/troubleshooting).
    """

    def __init__(
        self, graph: GraphClient, who: GraphAccount, status: ContainerStatus, sleep: Sleep
    ) -> None:
        self.graph = graph
        self.who = who
        self.status = status
        self.sleep = sleep
        self.made: dict[str, str] = {}
        self.notes: dict[str, ProgressNote] = {}
        self.resumed: set[str] = set()  # keys whose container an earlier run made

    def resume(self, key: str, noted: Mapping[str, str], note: ProgressNote) -> None:
        """Take up the container an earlier run noted for ``key``; note new ones with ``note``."""
        self.notes[key] = note
        container = str(noted.get(CONTAINER_NOTE) or "")
        if container.isdigit() and key not in self.made:  # Meta's ids are digits
            self.made[key] = container
            self.resumed.add(key)

    def _forget(self, key: str) -> None:
        """The container of ``key`` cannot be published: drop it, and its note."""
        self.made.pop(key, None)
        self.resumed.discard(key)
        if note := self.notes.get(key):
            note({})

    async def _usable(self, container: str, fields: str) -> bool:
        """Whether a container an earlier run made can still be published (or already was)."""
        try:
            node = await self.graph.get(container, {"fields": fields})
        except NotFound:
            return False
        return str(node.get(self.status.status_field) or "") not in ("EXPIRED", "ERROR")

    async def make(self, key: str, edge: str, params: Mapping[str, str], fields: str) -> str:
        """The container for ``key``: the one made earlier and still usable, else a new one
        (noted in the intent before anything else is called)."""
        made = self.made.get(key)
        if made and key in self.resumed:
            self.resumed.discard(key)
            if not await self._usable(made, fields):
                self._forget(key)
                made = None
        if made:
            return made
        answer = await self.graph.post(edge, params)
        container = str(answer.get("id") or "")
        if not container:
            raise Rejected(
                f"{self.who.label} answered the container of {self.who.account} without its id.",
                network=self.who.network,
            )
        self.made[key] = container
        if note := self.notes.get(key):
            note({CONTAINER_NOTE: container})
        return container

    async def wait(self, key: str, container: str, fields: str) -> str:
        """Read the container until ``FINISHED`` or ``PUBLISHED`` (which it returns)."""
        label, account = self.who.label, self.who.account
        for delay in (0.0, *self.status.delays):
            if delay:
                await self.sleep(delay)
            node = await self.graph.get(container, {"fields": fields})
            code = str(node.get(self.status.status_field) or "")
            if code in ("FINISHED", "PUBLISHED"):
                return code
            if code == "ERROR":
                self._forget(key)
                said = str(node.get(self.status.reason_field) or "no reason given")
                raise Rejected(
                    f"{label} could not make the post of {account} ({said}); "
                    f"{self.status.error_advice}.",
                    network=self.who.network,
                )
            if code == "EXPIRED":
                self._forget(key)
                raise Unavailable(
                    f"{label} let the container of {account} expire before it was published; "
                    "a new one is made on the next run.",
                    network=self.who.network,
                )
        raise Unavailable(
            f"{label} was still preparing the post of {account} after "
            f"{sum(self.status.delays):.0f} s; it is published on the next run.",
            network=self.who.network,
        )

    def published_unlisted(self, key: str) -> Unavailable:
        """The error for a container already ``PUBLISHED`` whose post is not listed yet: never
        published twice, the post is looked up again on the next run."""
        self.done(key)
        return Unavailable(
            f"{self.who.label} has published the post of {self.who.account} but does not list "
            "it yet; it is looked up and recorded on the next run.",
            network=self.who.network,
        )

    def done(self, key: str) -> None:
        """The container of ``key`` is published: a next intent makes its own (the engine
        replaces the intent's note with the published copy)."""
        self.made.pop(key, None)
        self.resumed.discard(key)
        self.notes.pop(key, None)
