"""What the sandbox puts around mastodon-mock: one request at a time, and ``quotes_count``.

The count is also checked on the running peer, in ``tests/mastodon/test_peer.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path

from sandbox.mastodon_edge import Message, OneAtATime, QuotesCount, Receive, Scope, Send


class Probe:
    """An ASGI app that takes a while to answer and records how many requests it held at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        await asyncio.sleep(0.01)
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def serve_together(path: str, requests: int = 5) -> tuple[int, list[int]]:
    """Send ``requests`` GETs of ``path`` at once; the most held at once, and the statuses."""
    probe = Probe()
    gate = OneAtATime(probe)
    statuses: list[int] = []

    async def one() -> None:
        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await gate({"type": "http", "method": "GET", "path": path}, receive, send)

    async def everyone() -> None:
        await asyncio.gather(*(one() for _ in range(requests)))

    asyncio.run(everyone())
    return probe.most, statuses


def test_requests_enter_the_mock_one_at_a_time() -> None:
    most, statuses = serve_together("/api/v1/notifications")
    assert most == 1
    assert statuses == [200] * 5  # every one answered, none turned away


def test_streaming_connections_are_let_through() -> None:
    most, statuses = serve_together("/api/v1/streaming/user")
    assert most == 5 and statuses == [200] * 5


def test_a_stream_is_passed_on_as_it_comes(tmp_path: Path) -> None:
    # A stream never ends: buffering it to add counts would hold every event back for good.
    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"id": "1"}', "more_body": True})
        await asyncio.Event().wait()  # the next event never comes

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    async def listen() -> None:
        scope = {"type": "http", "method": "GET", "path": "/api/v1/streaming/user"}
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(QuotesCount(stream, tmp_path / "db")(scope, receive, send), 0.2)

    asyncio.run(listen())
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_statuses_everywhere_in_an_answer_get_their_count(tmp_path: Path) -> None:
    database = tmp_path / "mock.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE statuses (id INTEGER, quoted_status_id INTEGER, quote_state TEXT)")
        db.executemany(
            "INSERT INTO statuses VALUES (?, ?, ?)",
            [(1, None, "accepted"), (2, 1, "accepted"), (3, 1, "revoked"), (4, 1, "accepted")],
        )
    status = {"uri": "u", "replies_count": 0, "reblogs_count": 0, "favourites_count": 0}
    body = (
        b'[{"id": "9", "type": "favourite", "status": {"id": "1", "uri": "u", "replies_count": 0,'
        b' "reblogs_count": 0, "favourites_count": 0, "reblog": {"id": "2", "uri": "u",'
        b' "replies_count": 0, "reblogs_count": 0, "favourites_count": 0}}}]'
    )
    edge = QuotesCount(Probe(), database)

    answer = json.loads(edge.add_counts(body))
    assert answer[0]["status"]["quotes_count"] == 2  # the revoked one left out
    assert answer[0]["status"]["reblog"]["quotes_count"] == 0
    assert "quotes_count" not in answer[0]  # a notification is not a status
    unchanged = json.dumps([{"id": "1", **status, "quotes_count": 7}]).encode()
    assert edge.add_counts(unchanged) == unchanged  # a count already there is kept as it came
