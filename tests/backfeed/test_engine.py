"""The backfeed engine: merging, reconciling deletions and edits, schedule, cursors, avatars.

These tests drive the engine through the ``Reader`` protocol with a scripted reader, to pin down
its bookkeeping case by case; the adapters themselves are tested against real local networks in
``tests/bluesky`` and ``tests/mastodon``, and end to end in ``tests/backfeed/test_networks.py``.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from PIL import Image

from syndication.avatars import AvatarStore
from syndication.backfeed import Backfeed, refresh_interval
from syndication.errors import NotFound, Unavailable
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
)
from syndication.moderation import Moderation
from syndication.networks.base import Activity
from syndication.state import StateStore

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEA = Person("mastodon", "1", "lea@velo.example", name="Léa", avatar_url="http://img.test/lea.png")


def reply(item_id: str, text: str, parent: str = "100", **extra: object) -> Interaction:
    return Interaction(
        "mastodon",
        InteractionKind.REPLY,
        item_id,
        LEA,
        NOW - timedelta(hours=1),
        content_html=f"<p>{text}</p>",
        in_reply_to=parent,
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class ScriptedReader:
    """Answers what each test scripts, and counts the calls."""

    threads: dict[str, list[Interaction] | Exception] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    next_cursor: str = "c2"
    network: str = "mastodon"
    conversation_calls: list[str] = field(default_factory=list)
    cursors_seen: list[str] = field(default_factory=list)

    async def conversation(self, copy: Copy) -> list[Interaction]:
        self.conversation_calls.append(copy.id)
        answer = self.threads.get(copy.id, [])
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        self.cursors_seen.append(cursor)
        return list(self.activities), self.next_cursor


def seed(
    store: StateStore, key: str = "freins.fr", copy_id: str = "100", age_days: int = 1
) -> None:
    state = PostState(key=key)
    published = NOW - timedelta(days=age_days)
    state.copies["mastodon"] = Copy(
        "mastodon",
        CopyStatus.PUBLISHED,
        "k",
        published,
        id=copy_id,
        url="u",
        published_at=published,
    )
    store.save(state)


def run(store: StateStore, reader: ScriptedReader, **options: object) -> object:
    async def go() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(avatar_server)) as client:
            engine = Backfeed(store, {"mastodon": reader}, client, now=lambda: NOW, **options)  # type: ignore[arg-type]
            return await engine.run()

    return asyncio.run(go())


def avatar_server(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/lea.png":
        out = io.BytesIO()
        Image.new("RGB", (400, 300), "teal").save(out, format="PNG")
        return httpx.Response(200, content=out.getvalue())
    return httpx.Response(404)


def test_first_run_stores_sanitised_thread_and_cursor(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    hostile = reply("2", 'Super <script>alert(1)</script><a href="javascript:x">lien</a>')
    reader = ScriptedReader(threads={"100": [reply("1", "Bonjour"), hostile]})
    report = run(store, reader)
    state = store.load("freins.fr")
    assert sorted(state.interactions) == ["mastodon:1", "mastodon:2"]
    stored = state.interactions["mastodon:2"].content_html
    assert "<script" not in stored and "javascript:" not in stored
    assert state.interactions["mastodon:1"].content_text == "Bonjour"
    assert state.refreshed_at["mastodon"] == NOW
    assert store.load_cursors() == {"mastodon": {"notifications": "c2"}}
    assert report.lines()[0].startswith("mastodon: 2 new, 0 changed, 0 removed")  # type: ignore[attr-defined]


def test_deleted_and_edited_replies_follow_the_network(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    reader = ScriptedReader(threads={"100": [reply("1", "Bonjour"), reply("2", "Erreur")]})
    run(store, reader)
    edited = replace(reply("1", "Bonjour, édité"), updated_at=NOW)
    reader.threads = {"100": [edited]}
    run(store, reader)
    # Refreshed an instant ago: not due, so nothing is refetched and nothing changes yet.
    assert len(reader.conversation_calls) == 1
    assert len(store.load("freins.fr").interactions) == 2
    # Force the schedule: a day later the post is due again.
    later = NOW + timedelta(days=1)

    async def go() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(avatar_server)) as client:
            engine = Backfeed(store, {"mastodon": reader}, client, now=lambda: later)
            return await engine.run()

    report = asyncio.run(go())
    state = store.load("freins.fr")
    assert list(state.interactions) == ["mastodon:1"]
    assert state.interactions["mastodon:1"].content_text == "Bonjour, édité"
    assert "1 changed, 1 removed" in report.lines()[0]  # type: ignore[attr-defined]


def test_copy_deleted_by_company_is_unlinked(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    run(store, ScriptedReader(threads={"100": [reply("1", "Bonjour")]}))
    gone = ScriptedReader(threads={"100": NotFound("gone", network="mastodon", status=404)})

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(avatar_server)) as client:
            await Backfeed(
                store, {"mastodon": gone}, client, now=lambda: NOW + timedelta(days=2)
            ).run()

    asyncio.run(go())
    state = store.load("freins.fr")
    assert state.copies["mastodon"].status is CopyStatus.DELETED
    assert state.interactions == {}


def test_failure_keeps_cursor_and_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    store.save_cursors({"mastodon": {"notifications": "c1"}})
    failing = ScriptedReader(threads={"100": Unavailable("Mastodon is failing (502)")})
    report = run(store, failing)
    assert not report.ok  # type: ignore[attr-defined]
    assert store.load_cursors() == {"mastodon": {"notifications": "c1"}}
    assert failing.cursors_seen == ["c1"]
    assert "Mastodon is failing" in report.lines()[-1]  # type: ignore[attr-defined]


def test_notification_with_item_needs_no_thread_fetch(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store, age_days=30)
    run(store, ScriptedReader())  # first full pass
    item = reply("7", "Une question ?")
    reader = ScriptedReader(
        activities=[
            Activity(InteractionKind.REPLY, "7", "100", root_id="100", item=item),
            Activity(InteractionKind.MENTION, "8", "999"),  # not about our posts: ignored
        ]
    )
    run(store, reader)
    assert reader.conversation_calls == []
    assert "mastodon:7" in store.load("freins.fr").interactions


def test_activity_without_item_refreshes_its_post_only(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store, "a.fr", "100", age_days=30)
    seed(store, "b.fr", "200", age_days=30)
    run(store, ScriptedReader())
    reader = ScriptedReader(
        threads={"200": [reply("9", "Bravo", parent="200")]},
        activities=[Activity(InteractionKind.REPLY, "9", "200")],
    )
    run(store, reader)
    assert reader.conversation_calls == ["200"]
    assert "mastodon:9" in store.load("b.fr").interactions


def test_moderation_applies_at_backfeed(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    spam = Interaction(
        "mastodon",
        InteractionKind.REPLY,
        "5",
        Person("mastodon", "66", "spam@bad.example"),
        NOW,
        content_html="<p>achetez</p>",
        in_reply_to="100",
    )
    critic = reply("6", "Votre service a été décevant.")
    reader = ScriptedReader(threads={"100": [spam, critic]})
    run(store, reader, moderation=Moderation(blocked_domains=frozenset({"bad.example"})))
    assert list(store.load("freins.fr").interactions) == ["mastodon:6"]  # criticism stays


def test_avatars_are_downloaded_once_and_resized(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    seed(store)
    avatars = AvatarStore(tmp_path / "avatars")
    run(store, ScriptedReader(threads={"100": [reply("1", "Bonjour")]}), avatars=avatars)
    person = store.load("freins.fr").interactions["mastodon:1"].author
    assert person.avatar.startswith("avatars/") and person.avatar.endswith(".webp")
    with Image.open(tmp_path / person.avatar) as image:
        assert image.size == (96, 96)


def test_schedule_slows_with_age() -> None:
    intervals = [refresh_interval(timedelta(days=d)) for d in (0, 5, 30, 400)]
    assert intervals == sorted(intervals) and len(set(intervals)) == 4
