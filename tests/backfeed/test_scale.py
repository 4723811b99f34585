"""Backfeed at scale (issue 20): a run reads only the posts it needs, and the refresh of old
posts comes as an even trickle.

The index (``syndication.store.index``) is checked against the post files at each run, so it is
driven here the way people and other commands change those files: a save by another command,
a fresh checkout (new times, same bytes), a removed post, a broken or missing index.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from syndication.backfeed.engine import (
    SCHEDULE_SIGNATURE,
    Backfeed,
    due_epoch,
    next_refresh,
    refresh_interval,
)
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Person, PostState
from syndication.networks.base import READ_KINDS, Activity, Counts, Reader
from syndication.store import index as index_module
from syndication.store.index import StateIndex
from syndication.store.state import StateStore

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEA = Person("mastodon", "1", "lea@velo.example", name="Léa")


class CountingStore(StateStore):
    """A store that remembers which post files were read."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.loaded: list[str] = []

    def load(self, key: str) -> PostState:
        self.loaded.append(key)
        return super().load(key)


class Network:
    """A Mastodon-like reader: its threads hold what its notifications announced."""

    network = "mastodon"
    counts_batch = 20

    def __init__(self) -> None:
        self.pending: list[Activity] = []
        self.threads: dict[str, list[Interaction]] = {}  # copy id -> what is under it

    def announce(self, activity: Activity) -> None:
        """A reader's reply: under its thread from now on, in the next notifications."""
        assert activity.item is not None
        self.threads.setdefault(activity.root_id, []).append(activity.item)
        self.pending.append(activity)

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        return READ_KINDS

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        return {
            copy.id: Counts(
                sum(item.in_reply_to == copy.id for item in self.threads.get(copy.id, [])),
                0,
                0,
                0,
            )
            for copy in copies
        }

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        return [item for item in self.threads.get(copy.id, []) if item.kind in kinds]

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        activities, self.pending = self.pending, []
        return activities, str(int(cursor or "0") + 1)


def load_index(store: StateStore) -> StateIndex:
    return StateIndex.load(store, due_epoch, SCHEDULE_SIGNATURE)


def key(n: int) -> str:
    return f"billet-{n:03d}.fr"


def archive(store: StateStore, posts: int = 60) -> None:
    """``posts`` posts a week apart, the newest a year old: all on the weekly schedule."""
    for n in range(posts):
        published = NOW - timedelta(days=365 + 7 * n)
        state = PostState(key=key(n))
        state.copies["mastodon"] = Copy(
            "mastodon", CopyStatus.PUBLISHED, key(n), published, id=str(100 + n),
            published_at=published,
        )  # fmt: skip
        store.save(state)


def answer(n: int, item_id: str, parent: str = "") -> Activity:
    item = Interaction(
        "mastodon",
        InteractionKind.REPLY,
        item_id,
        LEA,
        NOW,
        content_text="Bonjour",
        in_reply_to=parent or str(100 + n),
    )
    return Activity(InteractionKind.REPLY, item_id, parent or str(100 + n), str(100 + n), item)


def run(store: StateStore, reader: Network, now: datetime, full: bool = False) -> None:
    async def go() -> None:
        readers: dict[str, Reader] = {"mastodon": reader}
        async with httpx.AsyncClient() as client:
            report = await Backfeed(store, readers, client, now=lambda: now).run(full)
            assert report.ok, report.lines()

    asyncio.run(go())


def test_a_steady_run_reads_only_the_posts_it_touches(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    archive(store)
    reader = Network()
    run(store, reader, NOW, full=True)  # every copy refreshed together
    store.loaded.clear()
    reader.announce(answer(42, "r1"))
    later = NOW + timedelta(hours=1)
    run(store, reader, later)
    read = list(store.loaded)
    state = store.load("billet-042.fr")
    assert "mastodon:r1" in state.interactions  # the reply reached its post
    # Only the post the reply names and the copies due this hour were read, not the archive.
    due = {
        key(n)
        for n in range(60)
        if next_refresh("mastodon", str(100 + n), NOW - timedelta(days=365 + 7 * n), NOW) <= later
    }
    assert len(read) == len(set(read))  # each once
    assert set(read) == due | {"billet-042.fr"}
    assert len(due) < 10


def test_an_answer_under_a_reply_finds_its_post_through_the_index(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    archive(store)
    reader = Network()
    reader.announce(answer(7, "r1"))
    run(store, reader, NOW, full=True)
    # The network names the reply answered, not the thread's root (root_id left empty).
    nested = answer(7, "r2", parent="r1")
    reader.announce(nested)
    reader.pending = [Activity(InteractionKind.REPLY, "r2", "r1", item=nested.item)]
    run(store, reader, NOW + timedelta(minutes=5))
    assert "mastodon:r2" in store.load(key(7)).interactions


def test_a_post_saved_by_another_command_is_seen_by_the_next_run(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    archive(store, posts=5)
    reader = Network()
    run(store, reader, NOW, full=True)
    # Syndication publishes a new post between two runs (it does not touch the index).
    fresh = PostState(key="nouveau.fr")
    fresh.copies["mastodon"] = Copy(
        "mastodon", CopyStatus.PUBLISHED, "k", NOW, id="900", published_at=NOW
    )
    store.save(fresh)
    item = Interaction("mastodon", InteractionKind.REPLY, "r9", LEA, NOW, in_reply_to="900")
    reader.announce(Activity(InteractionKind.REPLY, "r9", "900", "900", item))
    run(store, reader, NOW + timedelta(minutes=1))
    state = store.load("nouveau.fr")
    assert "mastodon:r9" in state.interactions
    assert state.refreshed_at["mastodon"] == NOW + timedelta(minutes=1)  # never refreshed: due


def test_a_fresh_checkout_keeps_the_index_without_reading_the_posts(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    archive(store, posts=20)
    run(store, Network(), NOW, full=True)
    load_index(store).save()  # a later run: the files written by the first are settled
    # git clone or checkout: same bytes, new modification times.
    later = os.stat(store.posts_dir).st_mtime_ns + 60 * 10**9
    for path in store.posts_dir.glob("*.json"):
        os.utime(path, ns=(later, later))
    store.loaded.clear()
    index = load_index(store)
    assert index.read == 0 and store.loaded == []
    assert len(index.keys("mastodon")) == 20


def test_after_a_checkout_git_vouches_for_unchanged_files_and_an_edit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CountingStore(tmp_path / "state")
    archive(store, posts=6)
    run(store, Network(), NOW, full=True)
    identity = ["-c", "user.name=Agora", "-c", "user.email=agora@example.com"]
    for command in (["init", "-q"], ["add", "."], [*identity, "commit", "-q", "-m", "state"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True, capture_output=True)
    StateIndex.load(store, due_epoch, SCHEDULE_SIGNATURE).save()
    # A checkout elsewhere: new times everywhere; then one post edited by hand, same size.
    later = os.stat(store.posts_dir).st_mtime_ns + 60 * 10**9
    for path in store.posts_dir.glob("*.json"):
        os.utime(path, ns=(later, later))
    edited = store.path_for(key(3))
    edited.write_text(edited.read_text().replace("2026-11-22T12:00:00Z", "2026-11-22T13:00:00Z"))
    monkeypatch.setattr(index_module, "GIT_AFTER", 0)  # ask git even for a handful of files
    store.loaded.clear()
    index = load_index(store)
    assert store.loaded == [key(3)]  # git vouched for the five others
    expected = next_refresh(
        "mastodon", "103", NOW - timedelta(days=365 + 7 * 3), NOW + timedelta(hours=1)
    )
    assert index.posts[key(3)][3]["mastodon"][1] == int(expected.timestamp())


def test_an_edited_removed_or_broken_state_is_read_again(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    archive(store, posts=3)
    run(store, Network(), NOW, full=True)
    (store.posts_dir / f"{key(2)}.json").unlink()
    state = store.load(key(1))
    state.copies["mastodon"].status = CopyStatus.DELETED  # unlinked by hand, then committed
    store.save(state)
    index = load_index(store)
    assert index.keys("mastodon") == [key(0)]
    # A broken index is rebuilt from the posts: it is never the source of truth.
    index.path.write_text("{not json", encoding="utf-8")
    rebuilt = load_index(store)
    assert rebuilt.read == 2
    assert rebuilt.keys("mastodon") == [key(0)]


def test_a_week_of_refreshes_is_an_even_trickle() -> None:
    # 10,000 copies of every age up to three years, all refreshed in the same first run.
    first = datetime(2026, 12, 1, tzinfo=UTC)
    copies = [
        (f"{10_000_000 + n}", first - timedelta(hours=1) - timedelta(minutes=157 * n))
        for n in range(10_000)
    ]
    last = {copy_id: first for copy_id, _ in copies}
    due = {
        copy_id: next_refresh("mastodon", copy_id, published, first)
        for copy_id, published in copies
    }
    per_hour: Counter[int] = Counter()
    longest_wait = timedelta(0)
    for hour in range(1, 7 * 24 + 1):
        now = first + timedelta(hours=hour)
        for copy_id, published in copies:
            if due[copy_id] <= now:
                wait = now - last[copy_id]
                # Runs on the hour: a copy waits at most its interval, never the next run too.
                allowed = refresh_interval(last[copy_id] - published)
                assert wait <= allowed, (copy_id, wait, allowed)
                longest_wait = max(longest_wait, wait)
                per_hour[hour] += 1
                last[copy_id] = now
                due[copy_id] = next_refresh("mastodon", copy_id, published, now)
    hours = [per_hour[hour] for hour in range(1, 7 * 24 + 1)]
    average = sum(hours) / len(hours)
    assert max(hours) <= 2 * average, (max(hours), average)
    assert longest_wait <= timedelta(days=7)


def test_no_copy_waits_more_than_its_interval() -> None:
    published = datetime(2026, 1, 1, tzinfo=UTC)
    for age in (timedelta(hours=3), timedelta(days=5), timedelta(days=40), timedelta(days=400)):
        for n in range(200):
            last = published + age + timedelta(seconds=977 * n)
            due = next_refresh("bluesky", f"at://did:plc:x/post/{n}", published, last)
            assert timedelta(0) < due - last <= refresh_interval(last - published)
    never = next_refresh("bluesky", "at://never", published, None)
    assert never <= published


def test_a_changed_schedule_has_the_index_rebuilt(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    archive(store, posts=10)
    run(store, Network(), NOW, full=True)

    def hourly(network: str, copy_id: str, published: int, last: int | None) -> int:
        return 0 if last is None else last + 3600

    index = StateIndex.load(store, hourly, "hourly")
    assert index.read == 10
    soon = int((NOW + timedelta(hours=1)).timestamp())
    assert len(index.due("mastodon", soon)) == 10  # weekly before, hourly now: all due
