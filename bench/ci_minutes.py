"""What the scheduled workflow costs in GitHub Actions minutes: the refresh job, run here.

GitHub bills each job's wall time rounded up to the whole minute
(https://docs.github.com/en/billing/managing-billing-for-your-products/managing-billing-for-github-actions/about-billing-for-github-actions#calculating-minute-and-storage-spending),
and GitHub Free gives a private repository 2,000 minutes a month. This benchmark replays the
steps of ``.github/workflows/refresh.yml`` that cost time, in the order the job runs them, on a
clone of this repository (its sample content and state), and times each one:

- **checkout**: a full clone (``fetch-depth: 0``) of a bare copy of the repository;
- **restore caches**: the run environment (``make setup-run``: ``requirements-run.lock``, no
  test or lint tools), the social cards and the state index, unpacked from an archive as
  ``actions/cache`` restores them; then ``make setup-run`` again (the checkout's files are newer
  than the cached stamp, so ``uv`` checks every pin: what the job really does on a cache hit);
- **refresh**: ``invoke refresh`` with the workflow's public settings (``.github/agora.env``):
  build, link check, deploy to the ``gh-pages`` branch of the bare copy (a real ``git push``),
  state;
- **inbox** and **report**: the summary steps.

No network is configured here (the networks' own servers are not on this machine): the
backfeed's share of a run is measured by ``bench/backfeed.py`` against the local peers, with a
delay per request like a distant server's, and is added from its figures (``--backfeed-seconds``,
the steady run's seconds summed over the networks the company uses). The first run of the job
(a cache miss: ``make setup-run`` installs everything) is timed and shown apart.

    .venv/bin/python -m bench.ci_minutes                      # 3 runs
    .venv/bin/python -m bench.ci_minutes --runs 5 --backfeed-seconds 12

It prints each step's median seconds, the billed minutes of one run, and the month at the default
schedule (every 30 minutes: 48 runs a day, 30 days) plus ``--pushes`` publish runs. Exit code 0.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What refresh.yml keeps in the Actions cache between runs.
CACHED = (".venv", "cache/social-cards", "cache/images", "content/state/index.json")
RUNS_A_DAY = 48  # refresh.yml: cron "*/30 * * * *"
DAYS_A_MONTH = 30
FREE_MINUTES = 2000  # GitHub Free, private repository
# Setup time GitHub's runner spends before the first step and after the last (job set-up,
# actions/setup-python from the runner's tool cache, post-job cache saves): not measurable
# here, taken from the public runs' logs as a round figure and shown as such.
RUNNER_OVERHEAD_SECONDS = 15.0
# A publish run (on push) also waits for the deployed pages to answer before it syndicates
# (GitHub Pages takes one to two minutes to serve a new commit): an estimate, shown as such.
PUBLISH_MINUTES = 3


def _run(args: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command; its wall time in seconds (a failure stops the benchmark with its output)."""
    started = time.perf_counter()
    done = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"bench: `{' '.join(args)}` failed with exit code {done.returncode}")
    return elapsed


def _public_settings() -> dict[str, str]:
    """``.github/agora.env``'s ``NAME=value`` lines, as the workflow loads them."""
    values = {}
    for line in (ROOT / ".github" / "agora.env").read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isupper() and not line.startswith("#"):
            values[name] = value
    return values


def _job_env(home: Path) -> dict[str, str]:
    """The job's environment: the public settings, a git identity, no secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGORA_", "AWS_"))}
    env.update(_public_settings())
    env.update(
        {
            "HOME": str(home),
            "GIT_AUTHOR_NAME": "github-actions[bot]",
            "GIT_COMMITTER_NAME": "github-actions[bot]",
            "GIT_AUTHOR_EMAIL": "bot@example.invalid",
            "GIT_COMMITTER_EMAIL": "bot@example.invalid",
        }
    )
    return env


def one_job(
    remote: Path, work: Path, cache: Path, env: dict[str, str], out: list[str]
) -> dict[str, float]:
    """One refresh job on a fresh checkout; seconds per step."""
    if work.exists():
        shutil.rmtree(work)
    seconds: dict[str, float] = {}
    seconds["checkout"] = _run(
        ["git", "clone", "-q", "--no-local", str(remote), str(work)], ROOT, env
    )
    archive = cache / "job-cache.tar"
    started = time.perf_counter()
    cold = not archive.exists()
    if not cold:
        with tarfile.open(archive) as packed:
            packed.extractall(work, filter="fully_trusted")
    seconds["restore caches"] = time.perf_counter() - started
    make = ["make", f"PYTHON={sys.executable}", "setup-run"]
    seconds["install (cache miss)" if cold else "install"] = _run(make, work, env)
    invoke = str(work / ".venv" / "bin" / "invoke")
    seconds["refresh"] = _run([invoke, "refresh"], work, env)
    seconds["inbox"] = _run([invoke, "inbox"], work, env)
    seconds["report"] = _run([invoke, "report"], work, env)
    if cold:  # what actions/cache saves after the job: not counted, as GitHub does it post-job
        with tarfile.open(archive, "w") as packed:
            for kept in CACHED:
                if (work / kept).exists():
                    packed.add(work / kept, arcname=kept)
        out.append("first run: a cache miss; the environment, cards and index were archived")
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    """Time ``--runs`` refresh jobs and print the month's minutes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="warm jobs timed (default 3)")
    parser.add_argument(
        "--backfeed-seconds",
        type=float,
        default=0.0,
        help="the backfeed's steady seconds per run, from bench/backfeed.py (default 0)",
    )
    parser.add_argument("--pushes", type=int, default=30, help="publish runs a month (default 30)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agora-ci-minutes-") as scratch:
        base = Path(scratch)
        remote = base / "remote.git"
        home = base / "home"
        home.mkdir()
        cache = base / "cache"
        cache.mkdir()
        env = _job_env(home)
        _run(["git", "clone", "-q", "--bare", "--no-local", str(ROOT), str(remote)], ROOT, env)
        notes: list[str] = []
        first = one_job(remote, base / "work", cache, env, notes)
        warm = [one_job(remote, base / "work", cache, env, notes) for _ in range(args.runs)]
    steps = list(warm[0])
    print(f"refresh job, {args.runs} warm runs on this machine (median seconds per step):")
    total = 0.0
    for step in steps:
        median = statistics.median(run[step] for run in warm)
        total += median
        print(f"  {step:<22} {median:6.1f}")
    print(f"  {'backfeed (given)':<22} {args.backfeed_seconds:6.1f}")
    print(f"  {'runner overhead (est.)':<22} {RUNNER_OVERHEAD_SECONDS:6.1f}")
    total += args.backfeed_seconds + RUNNER_OVERHEAD_SECONDS
    billed = math.ceil(total / 60)
    month = billed * RUNS_A_DAY * DAYS_A_MONTH
    print(f"  {'total':<22} {total:6.1f}  -> billed {billed} min a run")
    print(f"first run (cache miss): install {first['install (cache miss)']:.1f} s")
    publish = max(billed, PUBLISH_MINUTES) * args.pushes
    print(
        f"a month at the default schedule: {RUNS_A_DAY} x {DAYS_A_MONTH} x {billed} = {month} min"
        f" + about {publish} for {args.pushes} publish runs (est. {PUBLISH_MINUTES} min each)"
        f" = {month + publish}"
        f" (GitHub Free, private repository: {FREE_MINUTES})"
    )
    for note in notes[:1]:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
