"""Backfeed benchmark: what a first full backfeed and a steady-state run cost over 1,000 posts.

It starts the local Mastodon peer (``syndication.sandbox.mastodon``, mastodon-mock) on a free
loopback port in a temporary folder, publishes N statuses as the brand with some replies,
favourites and boosts by the demo readers, and writes N state files whose published copies point
at those real statuses. The backfeed engine (``syndication.backfeed.Backfeed``) then reads them
through the Mastodon adapter, with a transport that waits ``--delay-ms`` before each request (a
distant instance's round trip) and counts the requests; they really go to the loopback server.

Two runs are measured:

  (a) the first full backfeed (``run(full=True)``), every thread read. Target: under 10 s;
  (b) a steady-state run after 10 new replies arrived, one hour later (the clock given to the
      engine moves on by the schedule's shortest interval, as the next hourly run would see it):
      the replies come from the notification stream; only threads due by the schedule are read.
      Target: at most 20 requests per network.

The copies' publication dates are one day apart, the newest an hour old (a busy company blog:
1,000 posts in under three years), so the schedule (``refresh_interval``) has something to do.
Figures are wall times: run it on a quiet machine. Only Mastodon is measured (see README.md).

Usage: ``.venv/bin/python bench/backfeed.py [--posts 1000] [--delay-ms 50]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from syndication.backfeed import REFRESH_SCHEDULE, Backfeed, BackfeedReport
from syndication.config import MastodonSettings
from syndication.model import Copy, CopyStatus, PostState, utc_now
from syndication.networks import adapter_for
from syndication.sandbox import mastodon
from syndication.sandbox.mastodon import MastodonServer
from syndication.sandbox.processes import SandboxError, free_port, read_pid
from syndication.state import StateStore

FIRST_RUN_TARGET_SECONDS = 10.0
STEADY_TARGET_REQUESTS = 20
NEW_REPLIES = 10
SITEURL = "https://blogue.example.com"
# How the seed spreads reactions: every Nth post gets one (so 1,000 posts carry about 700).
REPLY_EVERY, NESTED_EVERY, FAVOURITE_EVERY, BOOST_EVERY = 5, 20, 3, 10
SEED_CONCURRENCY = 8  # writes to the peer while seeding; its SQLite file serialises them anyway
HTTP_TIMEOUT_SECONDS = 60.0
# The steady-state run comes one shortest schedule interval after the first.
STEADY_LATER = min(interval for _, interval in REFRESH_SCHEDULE)
POST_SPACING = timedelta(days=1)


class DelayedTransport(httpx.AsyncBaseTransport):
    """Waits ``delay`` seconds before handing each request to the real transport; counts them."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.requests: Counter[str] = Counter()  # by path pattern, to show where requests go

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, wait as a distant server would, then send for real."""
        self.requests[_pattern(request.url.path)] += 1
        await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the real transport."""
        await self.inner.aclose()

    @property
    def total(self) -> int:
        """Requests carried since the last ``reset``."""
        return sum(self.requests.values())

    def reset(self) -> None:
        """Start counting afresh."""
        self.requests.clear()


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user and system) ``pid`` has used so far, from ``/proc``; None elsewhere."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime and stime are fields 14 and 15 of stat(5); the split above starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pattern(path: str) -> str:
    """``/api/v1/statuses/123/context`` -> ``/api/v1/statuses/:id/context``."""
    return "/".join(":id" if part.isdigit() else part for part in path.split("/"))


@dataclass(frozen=True)
class RunFigures:
    """What one measured backfeed run cost and did."""

    label: str
    seconds: float
    requests: int
    peer_cpu: float | None  # CPU seconds the peer's process spent meanwhile (Linux only)
    own_cpu: float  # CPU seconds of this process (the engine, the adapter, httpx)
    by_path: dict[str, int]
    report: BackfeedReport


# ---------------------------------------------------------------------------------------------
# The world on the peer


class Seeder:
    """Writes on the peer as its demo accounts, straight to the server (no delay, not counted)."""

    def __init__(self, server: MastodonServer, client: httpx.AsyncClient) -> None:
        self.server = server
        self.client = client
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    async def call(self, username: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` as ``username``; the JSON object answered."""
        headers = {"Authorization": f"Bearer {self.server.tokens[username]}"}
        async with self.limit:
            response = await self.client.post(
                f"{self.server.base_url}{path}", json=payload, headers=headers
            )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def status(self, username: str, text: str, parent: str = "") -> dict[str, Any]:
        """A public status by ``username``, answering ``parent`` when given."""
        payload: dict[str, Any] = {"status": text, "visibility": "public"}
        if parent:
            payload["in_reply_to_id"] = parent
        return await self.call(username, "/api/v1/statuses", payload)


async def _all(calls: Iterable[Awaitable[dict[str, Any]]]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*calls))


async def seed_world(seeder: Seeder, posts: int) -> tuple[list[dict[str, Any]], int]:
    """The brand's ``posts`` statuses (oldest first) and the number of reactions added."""
    brand = mastodon.BRAND
    readers = [account.username for account in seeder.server.readers]
    statuses: list[dict[str, Any]] = []
    # One at a time, so the ids grow with the publication order as on a real account.
    for index in range(posts):
        text = f"Billet {index} : {SITEURL}/fr/billet-{index:05d}/"
        statuses.append(await seeder.status(brand, text))
    replies = await _all(
        seeder.status(
            readers[index % len(readers)], f"@{brand} Merci pour ce billet {index} !", s["id"]
        )
        for index, s in enumerate(statuses)
        if index % REPLY_EVERY == 0
    )
    nested = await _all(
        seeder.status(readers[(index + 1) % len(readers)], "Je suis d'accord.", reply["id"])
        for index, reply in enumerate(replies)
        if index % (NESTED_EVERY // REPLY_EVERY) == 0
    )
    reactions = await _all(
        [
            *(
                seeder.call(readers[i % len(readers)], f"/api/v1/statuses/{s['id']}/favourite", {})
                for i, s in enumerate(statuses)
                if i % FAVOURITE_EVERY == 0
            ),
            *(
                seeder.call(readers[i % len(readers)], f"/api/v1/statuses/{s['id']}/reblog", {})
                for i, s in enumerate(statuses)
                if i % BOOST_EVERY == 0
            ),
        ]
    )
    return statuses, len(replies) + len(nested) + len(reactions)


def write_states(store: StateStore, statuses: list[dict[str, Any]], now: datetime) -> None:
    """One state file per status, its published copy dated ``POST_SPACING`` apart, newest last."""
    newest = now - timedelta(hours=1)
    for index, status in enumerate(statuses):
        published = newest - POST_SPACING * (len(statuses) - 1 - index)
        key = f"billet-{index:05d}.fr"
        state = PostState(key=key)
        state.copies["mastodon"] = Copy(
            network="mastodon",
            status=CopyStatus.PUBLISHED,
            key=f"{key}-mastodon",
            intent_at=published,
            id=str(status["id"]),
            url=str(status["url"]),
            published_at=published,
            account=mastodon.BRAND,
        )
        store.save(state)


# ---------------------------------------------------------------------------------------------
# The measured runs


async def measure(
    label: str,
    store: StateStore,
    server: MastodonServer,
    transport: DelayedTransport,
    *,
    full: bool,
    now: datetime,
    peer_pid: int | None,
) -> RunFigures:
    """One backfeed run through the delaying transport: wall time, requests, CPU on both ends."""
    async with httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT_SECONDS) as client:
        settings = MastodonSettings(base_url=server.base_url, access_token=server.brand_token)
        readers = {"mastodon": adapter_for(settings, client)}
        engine = Backfeed(store, readers, client, now=lambda: now)
        transport.reset()
        peer_before, own_before = process_cpu(peer_pid), time.process_time()
        started = time.perf_counter()
        report = await engine.run(full=full)
        seconds = time.perf_counter() - started
        own_cpu, peer_after = time.process_time() - own_before, process_cpu(peer_pid)
    peer_cpu = None if peer_before is None or peer_after is None else peer_after - peer_before
    by_path = dict(transport.requests)
    return RunFigures(label, seconds, transport.total, peer_cpu, own_cpu, by_path, report)


def _stored(store: StateStore) -> int:
    return sum(len(state.interactions) for state in store.all())


async def bench(
    server: MastodonServer, work: Path, posts: int, delay: float, peer_pid: int | None = None
) -> list[str]:
    """Seed the peer, run both backfeeds; the lines of the report."""
    store = StateStore(work / "state")
    lines = []
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as direct:
        seeder = Seeder(server, direct)
        started = time.perf_counter()
        statuses, reactions = await seed_world(seeder, posts)
        first_now = utc_now()
        write_states(store, statuses, first_now)
        lines.append(
            f"{posts} statuses and {reactions} replies, favourites and boosts seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        # A fresh transport per run: the client of a run closes its transport.
        first = await measure(
            "first (full)",
            store,
            server,
            DelayedTransport(httpx.AsyncHTTPTransport(), delay),
            full=True,
            now=first_now,
            peer_pid=peer_pid,
        )
        stored_first = _stored(store)
        # Ten readers' replies to posts across the archive, then the next hourly run.
        readers = [account.username for account in server.readers]
        step = max(1, posts // NEW_REPLIES)
        await _all(
            seeder.status(
                readers[n % len(readers)],
                f"@{mastodon.BRAND} Une nouvelle question ({n}) ?",
                str(statuses[(n * step) % posts]["id"]),
            )
            for n in range(NEW_REPLIES)
        )
    steady = await measure(
        f"steady (+{NEW_REPLIES} replies, {_hours(STEADY_LATER)} later)",
        store,
        server,
        DelayedTransport(httpx.AsyncHTTPTransport(), delay),
        full=False,
        now=first_now + STEADY_LATER,
        peer_pid=peer_pid,
    )
    stored_steady = _stored(store)
    lines.append(f"interactions stored after the first run: {stored_first}")
    lines.append(
        f"after the steady-state run: {stored_steady} (+{stored_steady - stored_first}; "
        f"{NEW_REPLIES} replies were added)"
    )
    lines += _table(first, steady)
    return lines


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"


def _table(first: RunFigures, steady: RunFigures) -> list[str]:
    """The figures beside their targets, then where the requests went."""
    first_met = first.seconds < FIRST_RUN_TARGET_SECONDS
    steady_met = steady.requests <= STEADY_TARGET_REQUESTS
    lines = [
        "",
        f"{'run':<36} {'requests':>8} {'wall s':>7} {'peer CPU s':>10} {'own CPU s':>9}"
        f" {'threads':>7} {'new':>5}  target",
    ]
    for figures, target, met in (
        (first, f"under {FIRST_RUN_TARGET_SECONDS:g} s", first_met),
        (steady, f"at most {STEADY_TARGET_REQUESTS} requests per network", steady_met),
    ):
        tally = figures.report.tallies["mastodon"]
        peer = "?" if figures.peer_cpu is None else f"{figures.peer_cpu:.1f}"
        lines.append(
            f"{figures.label:<36} {figures.requests:>8} {figures.seconds:>7.1f} {peer:>10}"
            f" {figures.own_cpu:>9.1f} {tally.refreshed:>7} {tally.new:>5}"
            f"  {target}: {'met' if met else 'MISSED'}"
        )
    for figures in (first, steady):
        lines.append(f"\nrequests of the {figures.label} run, by path:")
        lines += [f"  {count:>6}  {path}" for path, count in sorted(figures.by_path.items())]
        lines += [f"  failure: {failure}" for failure in figures.report.lines()[1:]]
    return lines


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="syndicated posts (default 1000)")
    parser.add_argument(
        "--delay-ms", type=int, default=50, help="milliseconds added to each request (default 50)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.posts < NEW_REPLIES or args.delay_ms < 0:
        parser.error(f"--posts must be at least {NEW_REPLIES} and --delay-ms not negative.")
    return args


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when it ran, 2 when the peer could not start."""
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="agora-bench-backfeed-"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Backfeed benchmark in {work}; {os.cpu_count()} CPUs, load average {load}")
    home = work / "mastodon"
    try:
        try:
            server = mastodon.start(home, free_port())
        except SandboxError as error:
            print(f"The local Mastodon peer could not start: {error}", file=sys.stderr)
            return 2
        print(
            f"Mastodon peer at {server.base_url}; {args.posts} posts, "
            f"{args.delay_ms} ms added to each request"
        )
        peer_pid = read_pid(home / "pid")
        lines = asyncio.run(bench(server, work, args.posts, args.delay_ms / 1000, peer_pid))
    finally:
        mastodon.stop(home)
        if args.keep:
            print(f"\nKept {work} (state files, the peer's log)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
