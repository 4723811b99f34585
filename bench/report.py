"""Report benchmark: what `invoke report` and `invoke fans` cost on a large state (issue 17).

It writes N synthetic posts and spreads M stored interactions over their state files with the
build benchmark's own generators (``bench.build.write_posts`` and ``add_interactions``: every
post with a copy on Bluesky and Mastodon, a third of the interactions replies, half of those
nested), then has the company answer every fourth reply (signed by an author of
``AGORA_AUTHORS``, a few minutes to a few days later), as ``invoke backfeed`` would have recorded
it. It then times, in a fresh process each, as a person runs them:

- ``invoke report --since 2024-01-01`` (every interaction in the period: the whole state read,
  every figure worked out, both pages and their charts written). **Target: under 10 s.**
- ``invoke fans --since 2024-01-01 --json`` (for comparison).

Each command runs once untimed (Python writes its bytecode caches), then ``--repeat`` times (3 by
default); the table gives the median wall time, its range and the median CPU time.

Usage: ``.venv/bin/python -m bench.report [--posts 4000] [--interactions 100000]``
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.build import ROOT, SEED, add_interactions, write_posts

TARGET_SECONDS = 10.0
INVOKE = str(Path(sys.executable).with_name("invoke"))
AUTHORS = ("Camille Tremblay", "Mathieu Gagnon", "Awa Diallo")


def add_answers(state_folder: Path) -> int:
    """The company answers every fourth reply, signed by one of the authors; returns how many."""
    from syndication.model import (
        Interaction,
        InteractionKind,
        Person,
        interaction_key,
    )
    from syndication.store.state import StateStore

    rng = random.Random(SEED + 2)
    store = StateStore(state_folder)
    answered = 0
    for state in store.all():
        replies = [i for i in state.interactions.values() if i.kind is InteractionKind.REPLY]
        for reply in replies[::4]:
            answer = Interaction(
                network=reply.network,
                kind=InteractionKind.REPLY,
                id=f"answer-{reply.id}",
                author=Person(reply.network, "brand", "velosboreal", name="Vélos Boréal"),
                published_at=reply.published_at + timedelta(minutes=rng.randint(5, 4 * 24 * 60)),
                content_text="Merci, nous regardons cela.",
                in_reply_to=reply.id,
                by_company=True,
                signed_by=AUTHORS[answered % len(AUTHORS)],
            )
            state.interactions[interaction_key(answer.network, answer.id)] = answer
            answered += 1
        store.save(state)
    return answered


def prepare(work: Path, posts: int, interactions: int) -> Path:
    """The content, state and settings of the benchmark; returns the settings file."""
    content = work / "content"
    articles = write_posts(content, posts, list(AUTHORS))
    add_interactions(content, interactions)
    answers = add_answers(content / "state")
    shutil.copy(ROOT / "content" / "complaint-words.txt", content)
    settings = work / "settings.py"
    settings.write_text(
        'PATH = "content"\nAGORA_STATE_PATH = "content/state"\nAGORA_REPORT_PATH = "report"\n'
        f"AGORA_AUTHORS = {{name: {{'first_name': name.split()[0]}} for name in {AUTHORS!r}}}\n",
        encoding="utf-8",
    )
    print(
        f"{posts} posts ({articles} state files), {interactions} interactions and {answers} "
        "answers of the company written"
    )
    return settings


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` in a fresh process, from the repository (as a person
    runs it). The CPU time (user and system, ``RUSAGE_CHILDREN``) moves less than the wall time
    when other work shares the cores.

    Python may write its bytecode caches, as on a person's machine: with
    ``PYTHONDONTWRITEBYTECODE`` set, each run would compile every module it imports again
    (about 2 s here). The first run of each command, which writes them, is not timed.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stdout[-500:]}")
    return seconds, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=4000, help="posts (default 4000)")
    parser.add_argument("--interactions", type=int, default=100_000, help="default 100000")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="agora-bench-report-"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Report benchmark in {work}; {os.cpu_count()} CPUs, load average {load}")
    try:
        settings = str(prepare(work, args.posts, args.interactions))
        commands = {
            "invoke report": [INVOKE, "report", "--since", "2024-01-01", "--settings", settings],
            "invoke fans --json": [
                INVOKE, "fans", "--since", "2024-01-01", "--json", "--settings", settings,
            ],
        }  # fmt: skip
        print(f"\n{'command':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>6}  target")
        for name, command in commands.items():
            timed(command)  # writes the bytecode caches: not counted
            runs = [timed(command) for _ in range(args.repeat)]
            median = statistics.median(wall for wall, _ in runs)
            walls = [wall for wall, _ in runs]
            cpu = statistics.median(cpu for _, cpu in runs)
            verdict = ""
            if name == "invoke report":
                met = "met" if median < TARGET_SECONDS else "MISSED"
                verdict = f"under {TARGET_SECONDS:.0f} s: {met}"
            print(
                f"{name:<20} {median:>9.2f} {min(walls):>7.2f} {max(walls):>7.2f} {cpu:>6.2f}"
                f"  {verdict}"
            )
    finally:
        if args.keep:
            print(f"\nKept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
