"""The backfeed engine: merging, reconciling deletions and edits, schedule, cursors, avatars.

These tests drive the engine through the ``Reader`` protocol with a scripted reader, to pin down
its bookkeeping case by case; the adapters themselves are tested against real local networks in
``tests/bluesky`` and ``tests/mastodon``, and end to end in ``tests/backfeed/test_networks.py``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from PIL import Image

from syndication.backfeed.avatars import AvatarStore
from syndication.backfeed.engine import Backfeed, refresh_interval
from syndication.backfeed.moderation import Moderation
from syndication.errors import NotFound, Unavailable
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
)
from syndication.networks.base import READ_KINDS, Activity, Counts
from syndication.store.state import StateStore

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
    """Answers what each test scripts, and counts the calls.

    ``counted``: what the network counts on each copy id (a server that counts in batches of
    ``batch``), or an exception to raise; None: a server that cannot count in batches.
    """

    threads: dict[str, list[Interaction] | Exception] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    next_cursor: str = "c2"
    network: str = "mastodon"
    counted: dict[str, Counts] | Exception | None = None
    batch: int = 20
    conversation_calls: list[str] = field(default_factory=list)
    kinds_asked: list[frozenset[InteractionKind]] = field(default_factory=list)
    counts_calls: list[list[str]] = field(default_factory=list)
    cursors_seen: list[str] = field(default_factory=list)
    readable: frozenset[InteractionKind] = READ_KINDS

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        return self.readable

    @property
    def counts_batch(self) -> int:
        return 0 if self.counted is None else self.batch

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        self.counts_calls.append([copy.id for copy in copies])
        if isinstance(self.counted, Exception):
            raise self.counted
        counted = self.counted or {}
        return {copy.id: counted[copy.id] for copy in copies if copy.id in counted}

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        self.conversation_calls.append(copy.id)
        self.kinds_asked.append(kinds)
        answer = self.threads.get(copy.id, [])
        if isinstance(answer, Exception):
            raise answer
        return [item for item in answer if item.kind in kinds]

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


def run(store: StateStore, reader: ScriptedReader, full: bool = False, **options: object) -> object:
    async def go() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(avatar_server)) as client:
            engine = Backfeed(store, {"mastodon": reader}, client, now=lambda: NOW, **options)  # type: ignore[arg-type]
            return await engine.run(full)

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


def test_without_a_cursor_every_thread_is_read(tmp_path: Path) -> None:
    # An adapter's first run pages back through less (Mastodon: the likes and boosts only),
    # counting on the threads for the rest; so a lost cursor must mean every thread is read.
    store = StateStore(tmp_path)
    seed(store, "a.fr", "100", age_days=30)
    seed(store, "b.fr", "200", age_days=30)
    run(store, ScriptedReader())
    quiet = ScriptedReader()
    run(store, quiet)
    assert quiet.cursors_seen == ["c2"] and quiet.conversation_calls == []  # none due yet

    store.save_cursors({})
    lost = ScriptedReader(threads={"200": [reply("9", "Bravo", parent="200")]})
    run(store, lost)

    assert lost.cursors_seen == [""]
    assert sorted(lost.conversation_calls) == ["100", "200"]
    assert "mastodon:9" in store.load("b.fr").interactions


@dataclass
class SlowStreamReader(ScriptedReader):
    """A notification stream that ends only once a thread has been read."""

    thread_read: asyncio.Event = field(default_factory=asyncio.Event)

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        self.thread_read.set()
        return await super().conversation(copy, kinds)

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        await asyncio.wait_for(self.thread_read.wait(), timeout=5)
        return await super().notifications(cursor)


def test_replies_are_read_while_the_notifications_come(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    later = reply("8", "Et les pneus ?")  # posted after the thread was read, notified before
    reader = SlowStreamReader(
        threads={"100": [reply("7", "Bonjour")]},
        counted={"100": Counts(replies=1, likes=0, reposts=0, quotes=0)},
        activities=[Activity(InteractionKind.REPLY, "8", "100", root_id="100", item=later)],
    )

    report = run(store, reader)

    assert report.ok  # type: ignore[attr-defined]  # the stream did not wait in vain
    assert reader.kinds_asked == [frozenset({InteractionKind.REPLY})]
    # The thread read early predates the notified reply, which stays.
    assert sorted(store.load("freins.fr").interactions) == ["mastodon:7", "mastodon:8"]


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


def like(account_id: str) -> Interaction:
    who = Person("mastodon", account_id, f"fan{account_id}@velo.example")
    return Interaction(
        "mastodon",
        InteractionKind.LIKE,
        f"100/favourited_by/{account_id}",
        who,
        NOW,
        in_reply_to="100",
    )


def test_a_copy_counted_quiet_costs_no_read(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    reader = ScriptedReader(counted={"100": Counts(0, 0, 0, 0)})
    run(store, reader, full=True)
    assert reader.counts_calls == [["100"]]
    assert reader.conversation_calls == []
    assert store.load("freins.fr").refreshed_at["mastodon"] == NOW


def test_only_the_lists_the_counts_call_for_are_read(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    # Two likes arrive by notification; the network counts two likes and one reply.
    reader = ScriptedReader(
        threads={"100": [reply("1", "Bonjour"), like("7"), like("8")]},
        activities=[
            Activity(InteractionKind.LIKE, f"100/favourited_by/{n}", "100", item=like(n))
            for n in ("7", "8")
        ],
        counted={"100": Counts(replies=1, likes=2, reposts=0, quotes=None)},
    )
    run(store, reader, full=True)
    assert reader.kinds_asked == [frozenset({InteractionKind.REPLY, InteractionKind.QUOTE})]
    assert sorted(store.load("freins.fr").interactions) == [
        "mastodon:1",
        "mastodon:100/favourited_by/7",
        "mastodon:100/favourited_by/8",
    ]


def test_a_withdrawn_like_is_caught_by_its_count(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    reader = ScriptedReader(threads={"100": [like("7"), like("8")]})
    run(store, reader)
    reader.threads = {"100": [like("8")]}
    reader.counted = {"100": Counts(replies=0, likes=1, reposts=0, quotes=0)}
    run(store, reader, full=True)
    assert reader.kinds_asked[-1] == frozenset({InteractionKind.LIKE})
    assert list(store.load("freins.fr").interactions) == ["mastodon:100/favourited_by/8"]


def test_a_copy_missing_from_the_counts_is_read_whole(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    run(store, ScriptedReader(threads={"100": [reply("1", "Bonjour")]}))
    gone = ScriptedReader(
        threads={"100": NotFound("gone", network="mastodon", status=404)}, counted={}
    )
    run(store, gone, full=True)
    assert gone.kinds_asked == [READ_KINDS]
    state = store.load("freins.fr")
    assert state.copies["mastodon"].status is CopyStatus.DELETED
    assert state.interactions == {}


def test_counts_that_fail_fall_back_to_reading_every_list(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    reader = ScriptedReader(
        threads={"100": [reply("1", "Bonjour")]}, counted=Unavailable("Mastodon is failing (502)")
    )
    report = run(store, reader, full=True)
    assert report.ok  # type: ignore[attr-defined]
    assert reader.kinds_asked == [READ_KINDS]
    assert list(store.load("freins.fr").interactions) == ["mastodon:1"]


def test_counts_are_asked_in_batches(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    for n in range(45):
        seed(store, f"billet-{n:02d}.fr", str(1000 + n))
    reader = ScriptedReader(counted={str(1000 + n): Counts(0, 0, 0, 0) for n in range(45)})
    run(store, reader, full=True)
    assert [len(ids) for ids in reader.counts_calls] == [20, 20, 5]
    assert reader.conversation_calls == []


def test_a_repost_keeps_the_time_it_was_first_seen_at(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    seed(store)
    who = Person("mastodon", "9", "noor@velo.example")
    seen = Interaction("mastodon", InteractionKind.REPOST, "r9", who, NOW, in_reply_to="100")
    # The list gives no time: the adapter stamps the copy's publication, a day earlier.
    listed = replace(seen, published_at=NOW - timedelta(days=1))
    reader = ScriptedReader(
        threads={"100": [listed]},
        activities=[Activity(InteractionKind.REPOST, "r9", "100", item=seen)],
    )
    run(store, reader, full=True)
    assert store.load("freins.fr").interactions["mastodon:r9"].published_at == NOW


def test_lists_the_network_can_no_longer_give_keep_what_was_gathered(tmp_path: Path) -> None:
    """X searches replies over 7 days only: an older copy's replies stay as they were."""
    store = StateStore(tmp_path)
    seed(store)
    like = Interaction("mastodon", InteractionKind.LIKE, "like-1", LEA, NOW)
    reader = ScriptedReader(threads={"100": [reply("1", "Bonjour"), like]})
    run(store, reader, full=True)
    assert {i.id for i in store.load("freins.fr").interactions.values()} == {"1", "like-1"}

    later = ScriptedReader(threads={"100": []}, readable=READ_KINDS - {InteractionKind.REPLY})
    run(store, later, full=True)
    kept = store.load("freins.fr").interactions.values()
    assert {i.id for i in kept} == {"1"}  # the reply stays; the withdrawn like goes
    assert all(InteractionKind.REPLY not in kinds for kinds in later.kinds_asked)

    nothing = ScriptedReader(threads={"100": []}, readable=frozenset())
    run(store, nothing, full=True)
    assert nothing.conversation_calls == []  # nothing it could read: no request at all
    assert {i.id for i in store.load("freins.fr").interactions.values()} == {"1"}
