"""What the sandbox puts around mastodon-mock: the count it leaves out, and one request at a time.

**The count.** mastodon-mock 0.6.1 announces Mastodon 4.6.0 and serves
``/api/v1/statuses/:id/quotes``, but its statuses carry no ``quotes_count``, which every Mastodon
since 4.5 sends ("How many accepted quotes this status has", the OpenAPI description's ``Status``;
the recorded responses of ``tests/mastodon/fixtures`` carry it). Without it the sandbox is a server
no instance resembles: one that has quotes but does not count them, so a backfeed would read every
post's quotes to find none.

``QuotesCount`` is an ASGI middleware put around the mock's app by ``sandbox.mastodon.serve``: in
every JSON answer to a ``GET``, each status without ``quotes_count`` gets the number of accepted
quotes the mock's own database holds for it. Nothing else is touched; the mock's package is not
patched.

**One request at a time.** The mock's handlers are plain Python (SQLAlchemy over SQLite) run in
a pool of 40 threads, so in its one process concurrent requests only take turns at the GIL, and
the turns cost: eight readers at once made it spend 9.2 s of CPU on what it serves in 7.1 s one
by one (``bench/README.md``). ``OneAtATime`` lets one request into the app at a time; the others
wait in the event loop, as they would for a single-threaded worker. Limiting the thread pool
instead deadlocks: a queued request holds a database connection from the pool of 15 while it
waits for the thread. Streaming and WebSocket connections, which last, are let through.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

STREAMING = "/api/v1/streaming"
# The fields every Status has (the OpenAPI description's required ones) that tell one apart.
_STATUS_FIELDS = ("id", "uri", "replies_count", "reblogs_count", "favourites_count")
_COUNT_QUERY = (
    "SELECT quoted_status_id, COUNT(*) FROM statuses WHERE quote_state = 'accepted' "
    "AND quoted_status_id IN ({marks}) GROUP BY quoted_status_id"
)


def _lasts(scope: Scope) -> bool:
    """Whether the connection is one that lasts (WebSocket, streaming): never held or buffered."""
    return scope["type"] != "http" or str(scope.get("path", "")).startswith(STREAMING)


def _statuses(data: Any) -> Iterator[dict[str, Any]]:
    """Every status in ``data`` (a page, a context, a notification...) that lacks the count."""
    if isinstance(data, list):
        for item in data:
            yield from _statuses(item)
    elif isinstance(data, dict):
        if all(name in data for name in _STATUS_FIELDS) and "quotes_count" not in data:
            yield data
        for value in data.values():
            if isinstance(value, list | dict):
                yield from _statuses(value)


class OneAtATime:
    """Lets one HTTP request at a time into the wrapped app (connections that last excepted)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._gate: asyncio.Lock | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _lasts(scope):
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Lock()
        async with self._gate:
            await self.app(scope, receive, send)


class QuotesCount:
    """Adds ``quotes_count`` to the statuses of the wrapped mastodon-mock app's answers."""

    def __init__(self, app: App, database: Path) -> None:
        self.app = app
        self.database = database
        self._connection: sqlite3.Connection | None = None

    def _counts(self, ids: list[int]) -> dict[int, int]:
        if self._connection is None:
            # Read-only, and shared by the event loop's single thread: the mock writes alone.
            uri = f"file:{self.database}?mode=ro"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        query = _COUNT_QUERY.format(marks=",".join("?" * len(ids)))
        return {int(quoted): int(count) for quoted, count in self._connection.execute(query, ids)}

    def add_counts(self, body: bytes) -> bytes:
        """``body`` (JSON) with every status counted; unchanged when nothing lacks the count."""
        data = json.loads(body)
        found = list(_statuses(data))
        if not found:
            return body
        ids = sorted({int(status["id"]) for status in found if str(status["id"]).isdigit()})
        counts = self._counts(ids) if ids else {}
        for status in found:
            status_id = str(status["id"])
            status["quotes_count"] = counts.get(int(status_id), 0) if status_id.isdigit() else 0
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _lasts(scope) or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)

    async def _finish(self, start: Message, body: bytes, send: Send) -> None:
        headers = list(start.get("headers", []))
        is_json = any(
            name.lower() == b"content-type" and value.startswith(b"application/json")
            for name, value in headers
        )
        if is_json and body:
            with contextlib.suppress(ValueError):  # not JSON after all: passed on as it came
                body = self.add_counts(body)
            headers = [(n, v) for n, v in headers if n.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
