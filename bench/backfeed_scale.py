"""Backfeed at scale: ``bench/backfeed.py --copies N``, an archive of N copies (issue 20).

No peer holds 100,000 posts, so this mode drives the real engine (``Backfeed``, its store and
its index) against a simulated network per name: an in-process ``Reader`` that knows what is on
each copy without storing it (replies, likes and reposts spread as ``bench/backfeed.py`` seeds
them: a reply on every fifth post, an answer under every fourth of those, likes on every third,
reposts on every tenth), counts like Mastodon (20 copies a request) and reads one list a request.

The state is synthesised as a first full backfeed leaves it: every post has a copy on each
network, the posts are spread over three years (newest an hour old), every copy holds what the
network shows and was refreshed at the same moment, and the cursors are set. Then:

1. **steady-state runs**, each in a fresh process (``multiprocessing``, spawn): the clock moves
   on one hour and 10 new replies arrive in the notifications; the first such run may have to
   build the index (it is printed apart), the next ones are the steady state. Printed: wall
   seconds of ``Backfeed.run`` and the peak resident memory of that process
   (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: interpreter and imports included).
   Targets: under 3 s and under 300 MB. Then the state is committed in a repository of its
   own and every post file's time changed, as a fresh ``git clone`` leaves them in CI: one run
   with the index written outside the repository (it names no commit: every post is compared
   with the blob id git gives, as after a shallow clone),
   then three more, each after the state was committed again and the times changed again (the
   index names the commit it was written at: git lists what changed since), the median
   printed, same targets;
2. **a simulated week**: 168 hourly runs of the engine in this process, 10 new replies each
   hour, counting each network's requests by hour. Target: no hour above twice the average.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from syndication.backfeed.engine import CURSOR_NAME, Backfeed
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)
from syndication.networks.base import READ_KINDS, Activity, Counts
from syndication.store.state import StateStore

# As bench/backfeed.py seeds its peers: every Nth post gets one.
REPLY_EVERY, NESTED_EVERY, LIKE_EVERY, REPOST_EVERY = 5, 20, 3, 10
NEW_REPLIES = 10
SPAN = timedelta(days=3 * 365)  # the archive's age: a busy blog's three years
MAX_SPACING = timedelta(days=1)
START = datetime(2026, 12, 1, tzinfo=UTC)  # the first full backfeed
WEEK_HOURS = 7 * 24
STEADY_RUNS = 3
TARGET_SECONDS, TARGET_MB, TARGET_PEAK_RATIO = 3.0, 300.0, 2.0
COUNTS_BATCH = 20  # Mastodon's GET /api/v1/statuses?id[]= takes 20


@dataclass(frozen=True)
class Archive:
    """Where the synthesised archive is and what it holds."""

    root: Path
    networks: tuple[str, ...]
    posts: int
    spacing_seconds: float

    def published(self, index: int) -> datetime:
        """When post ``index`` was published (the last one an hour before ``START``)."""
        newest = START - timedelta(hours=1)
        return newest - timedelta(seconds=self.spacing_seconds * (self.posts - 1 - index))


def _key(index: int) -> str:
    return f"billet-{index:06d}.fr"


def _copy_id(index: int) -> str:
    return str(1_000_000 + index)


def _person(network: str, n: int) -> Person:
    who = n % 7
    return Person(network, f"reader-{who}", f"lecteur{who}@exemple.social", name=f"Lecteur {who}")


def _seeded(network: str, index: int, published: datetime) -> list[Interaction]:
    """What the network shows on post ``index``'s copy before the week starts."""
    copy_id, at = _copy_id(index), published + timedelta(minutes=30)
    items: list[Interaction] = []
    if index % REPLY_EVERY == 0:
        items.append(
            Interaction(
                network,
                InteractionKind.REPLY,
                f"{copy_id}-r",
                _person(network, index),
                at,
                content_html=f"<p>Merci pour ce billet {index} !</p>",
                content_text=f"Merci pour ce billet {index} !",
                in_reply_to=copy_id,
            )
        )
        if index % NESTED_EVERY == 0:
            items.append(
                Interaction(
                    network,
                    InteractionKind.REPLY,
                    f"{copy_id}-n",
                    _person(network, index + 1),
                    at + timedelta(minutes=5),
                    content_html="<p>Je suis d'accord.</p>",
                    content_text="Je suis d'accord.",
                    in_reply_to=f"{copy_id}-r",
                )
            )
    if index % LIKE_EVERY == 0:
        items.append(
            Interaction(network, InteractionKind.LIKE, f"{copy_id}-l", _person(network, index), at)
        )
    if index % REPOST_EVERY == 0:
        items.append(
            Interaction(
                network, InteractionKind.REPOST, f"{copy_id}-b", _person(network, index), at
            )
        )
    return items


def synthesise(root: Path, networks: tuple[str, ...], copies: int) -> Archive:
    """Write the archive's state as a first full backfeed at ``START`` leaves it.

    The files are written plainly, without the store's fsync per file (100,000 of them would
    take minutes), in the store's own format (``PostState.to_dict``).
    """
    posts = max(1, copies // len(networks))
    spacing = min(MAX_SPACING, SPAN / posts).total_seconds()
    archive = Archive(root, networks, posts, spacing)
    folder = StateStore(root).posts_dir
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(posts):
        published = archive.published(index)
        state = PostState(key=_key(index))
        for network in networks:
            state.copies[network] = Copy(
                network,
                CopyStatus.PUBLISHED,
                f"{_key(index)}-{network}",
                published,
                id=_copy_id(index),
                url=f"https://{network}.example/{_copy_id(index)}",
                published_at=published,
                account="velo_boreal",
            )
            for item in _seeded(network, index, published):
                state.interactions[interaction_key(network, item.id)] = item
            state.refreshed_at[network] = START
        text = json.dumps(state.to_dict(), ensure_ascii=False, indent=2) + "\n"
        (folder / f"{state.key}.json").write_text(text, encoding="utf-8")
    StateStore(root).save_cursors({network: {CURSOR_NAME: "0"} for network in networks})
    return archive


def _new_reply(network: str, index: int, hour: int, n: int, now: datetime) -> Interaction:
    copy_id = _copy_id(index)
    return Interaction(
        network,
        InteractionKind.REPLY,
        f"{copy_id}-h{hour}-{n}",
        _person(network, n),
        now - timedelta(minutes=n + 1),
        content_html=f"<p>Une nouvelle question ({hour}, {n}) ?</p>",
        content_text=f"Une nouvelle question ({hour}, {n}) ?",
        in_reply_to=copy_id,
    )


@dataclass
class SimulatedNetwork:
    """A network that shows what ``Archive`` seeded plus the replies of each hour, and counts
    its requests by the simulated hour (a ``Reader``, ``syndication.networks.base``)."""

    network: str
    archive: Archive
    hour: int = 0
    counts_batch: int = COUNTS_BATCH
    added: dict[str, list[Interaction]] = field(default_factory=dict)  # copy id -> new replies
    pending: list[Activity] = field(default_factory=list)
    requests: Counter[int] = field(default_factory=Counter)  # hour -> requests

    def _items(self, copy: Copy) -> list[Interaction]:
        index = int(copy.id) - 1_000_000
        seeded = _seeded(self.network, index, self.archive.published(index))
        return seeded + self.added.get(copy.id, [])

    def arrive(self, hour: int, now: datetime, *, notify: bool = True) -> None:
        """Ten readers answer posts across the archive; the next notifications carry them
        (``notify`` False: replies of an hour gone by, already in the state)."""
        self.hour = hour
        for n in range(NEW_REPLIES):
            index = (hour * NEW_REPLIES + n) * 7919 % self.archive.posts
            item = _new_reply(self.network, index, hour, n, now)
            self.added.setdefault(item.in_reply_to, []).append(item)
            if notify:
                self.pending.append(
                    Activity(
                        InteractionKind.REPLY, item.id, item.in_reply_to, item.in_reply_to, item
                    )
                )

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Every list, at any age."""
        return READ_KINDS

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """One request: what each copy shows, counted."""
        self.requests[self.hour] += 1
        found = {}
        for copy in copies:
            # Worked out as _seeded seeds them, without making the items: the network's own
            # time should not weigh on the engine's figures.
            index = int(copy.id) - 1_000_000
            replies = (index % REPLY_EVERY == 0) + len(self.added.get(copy.id, ()))
            found[copy.id] = Counts(
                replies, int(index % LIKE_EVERY == 0), int(index % REPOST_EVERY == 0), 0
            )
        return found

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """One request per list."""
        self.requests[self.hour] += len(kinds)
        return [item for item in self._items(copy) if item.kind in kinds]

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """One request: the replies that arrived since the last run."""
        self.requests[self.hour] += 1
        activities, self.pending = self.pending, []
        return activities, str(int(cursor or "0") + 1)


def _networks(archive: Archive, hour: int) -> dict[str, SimulatedNetwork]:
    """The simulated networks as they stand at ``hour``, with the replies of earlier hours."""
    readers = {network: SimulatedNetwork(network, archive) for network in archive.networks}
    for reader in readers.values():
        for earlier in range(1, hour):
            reader.arrive(earlier, START + timedelta(hours=earlier), notify=False)
        reader.requests.clear()
    return readers


async def _run(
    store: StateStore, readers: dict[str, SimulatedNetwork], now: datetime
) -> tuple[float, float]:
    """One run: its wall seconds and the CPU seconds of this process meanwhile."""
    async with httpx.AsyncClient() as client:
        engine = Backfeed(store, dict(readers), client, now=lambda: now)
        started, cpu = time.perf_counter(), time.process_time()
        report = await engine.run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not report.ok:
        raise RuntimeError("; ".join(report.lines()))
    return seconds, cpu


def steady_child(archive: Archive, hour: int) -> tuple[float, float, float, int]:
    """One hourly run in this (fresh) process: seconds, CPU seconds, peak MB, requests."""
    now = START + timedelta(hours=hour)
    readers = _networks(archive, hour)
    for reader in readers.values():
        reader.arrive(hour, now)
    seconds, cpu = asyncio.run(_run(StateStore(archive.root), readers, now))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return seconds, cpu, peak_mb, sum(sum(r.requests.values()) for r in readers.values())


def _in_child(archive: Archive, hour: int) -> tuple[float, float, float, int]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(steady_child, (archive, hour))


def week(archive: Archive, first_hour: int, hours: int = WEEK_HOURS) -> dict[str, list[int]]:
    """``hours`` hourly runs from ``first_hour``: each network's requests, hour by hour."""
    store = StateStore(archive.root)
    readers = _networks(archive, first_hour)
    for hour in range(first_hour, first_hour + hours):
        now = START + timedelta(hours=hour)
        for reader in readers.values():
            reader.arrive(hour, now)
        asyncio.run(_run(store, readers, now))
    return {
        network: [reader.requests[h] for h in range(first_hour, first_hour + hours)]
        for network, reader in readers.items()
    }


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=False, capture_output=True, timeout=600)


def _commit(root: Path) -> None:
    """Commit the state in a repository of its own (made on the first call), as the refresh
    workflow commits it after each run (the index and the lock stay out, as in this project's
    .gitignore)."""
    if not (root / ".git").is_dir():
        _git(root, "init", "-q")
        (root / ".gitignore").write_text("/index.json\n/.lock\n", encoding="utf-8")
    _git(root, "add", "--all", ".")
    _git(root, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "s")


def _fresh_times(root: Path) -> None:
    """Give every post file a new time, as a fresh clone does, and have git's own index know
    them, as the checkout leaves it."""
    moment = time.time_ns() - 60 * 10**9
    for path in StateStore(root).posts_dir.glob("*.json"):
        os.utime(path, ns=(moment, moment))
    _git(root, "update-index", "-q", "--refresh")


class _Printer:
    """Prints each line as it comes (a run at 100,000 copies takes minutes)."""

    def append(self, line: str) -> None:
        """Print ``line`` now."""
        print(line, flush=True)


def run_scale(work: Path, copies: int, networks: Sequence[str], hours: int = WEEK_HOURS) -> bool:
    """Print the report as it comes; whether every target was met."""
    lines = _Printer()
    started = time.perf_counter()
    archive = synthesise(work / "state", tuple(networks), copies)
    lines.append(
        f"\n{archive.posts * len(archive.networks)} copies ({archive.posts} posts on "
        f"{', '.join(archive.networks)}, one every {archive.spacing_seconds / 60:.0f} min) "
        f"synthesised in {time.perf_counter() - started:.1f} s"
    )
    first = _in_child(archive, 1)
    lines.append(
        f"first run after the upgrade (index built if missing): {first[0]:.2f} s "
        f"({first[1]:.2f} s CPU), {first[2]:.0f} MB peak, {first[3]} requests"
    )
    steady = [_in_child(archive, hour) for hour in range(2, 2 + STEADY_RUNS)]
    seconds = statistics.median(s for s, _, _, _ in steady)
    peak = max(m for _, _, m, _ in steady)
    ok = seconds < TARGET_SECONDS and peak < TARGET_MB
    lines.append(
        f"steady state (+{NEW_REPLIES} replies an hour, {STEADY_RUNS} runs, each in a fresh "
        f"process): median {seconds:.2f} s "
        f"({', '.join(f'{s:.2f} s, {c:.2f} s CPU' for s, c, _, _ in steady)}), "
        f"peak {peak:.0f} MB (ru_maxrss), "
        f"requests {', '.join(str(r) for _, _, _, r in steady)}  "
        f"target under {TARGET_SECONDS:g} s and {TARGET_MB:g} MB: "
        f"{'met' if ok else 'MISSED'}"
    )
    # CI clones the repository afresh for each run: every file gets a new time, the same bytes,
    # git's own index knows them, and the index comes back from the Actions cache. The first
    # run in the repository finds an index written outside one (no commit named: every post is
    # compared with git's blob ids); after it, each run commits the state as `invoke refresh`
    # does, and the next one starts from a "fresh checkout" of that commit.
    _commit(archive.root)
    _fresh_times(archive.root)
    first_git = _in_child(archive, 2 + STEADY_RUNS)
    lines.append(
        f"first run in a repository after a fresh checkout (the index names no commit yet: "
        f"every post compared with git's blob ids): {first_git[0]:.2f} s "
        f"({first_git[1]:.2f} s CPU), "
        f"{first_git[2]:.0f} MB peak, {first_git[3]} requests"
    )
    fresh = []
    for hour in range(3 + STEADY_RUNS, 3 + 2 * STEADY_RUNS):
        _commit(archive.root)
        _fresh_times(archive.root)
        fresh.append(_in_child(archive, hour))
    fresh_seconds = statistics.median(s for s, _, _, _ in fresh)
    fresh_peak = max(m for _, _, m, _ in fresh)
    fresh_ok = fresh_seconds < TARGET_SECONDS and fresh_peak < TARGET_MB
    ok = ok and fresh_ok
    lines.append(
        f"after a fresh checkout of the last run's commit (new times, same bytes; the index "
        f"names the commit it was written at), {STEADY_RUNS} runs: median {fresh_seconds:.2f} s "
        f"({', '.join(f'{s:.2f} s, {c:.2f} s CPU' for s, c, _, _ in fresh)}), "
        f"peak {fresh_peak:.0f} MB, requests {', '.join(str(r) for _, _, _, r in fresh)}  "
        f"target under {TARGET_SECONDS:g} s and {TARGET_MB:g} MB: "
        f"{'met' if fresh_ok else 'MISSED'}"
    )
    first_hour = 3 + 2 * STEADY_RUNS
    if hours <= 0:
        return ok
    started = time.perf_counter()
    hourly = week(archive, first_hour, hours)
    lines.append(
        f"a simulated week, {hours} hourly runs in {time.perf_counter() - started:.0f} s; "
        "requests per hour, one line a day:"
    )
    for network, counts in hourly.items():
        average = sum(counts) / len(counts)
        ratio = max(counts) / average if average else 0.0
        met = ratio <= TARGET_PEAK_RATIO
        ok = ok and met
        lines.append(
            f"{network}: {sum(counts)} requests, average {average:.1f} an hour, busiest hour "
            f"{max(counts)} ({ratio:.2f} x the average), quietest {min(counts)}  target at most "
            f"{TARGET_PEAK_RATIO:g} x: {'met' if met else 'MISSED'}"
        )
        for day in range(0, len(counts), 24):
            hours_of_day = " ".join(f"{c}" for c in counts[day : day + 24])
            lines.append(f"  day {day // 24 + 1}: {hours_of_day}")
    return ok
