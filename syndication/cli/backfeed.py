"""`invoke backfeed`: bring replies, likes, reposts and quotes home into the state files.

Reads the settings (``publishconf.py`` by default), the networks configured in the environment,
the state store, the moderation file and the avatars folder, then runs the engine
(``syndication.backfeed.engine``).
A progress bar goes to standard error on a terminal (or for a long run in a log); the summary goes
to standard output: per network what is new, changed and removed, how many threads were refreshed
and notifications read, then one line per failure, every secret redacted and every control
character a server's words carry made visible (``syndication.cli.common.emit``). The exit code
is 0 when nothing failed, 1 when anything did, 2 when the run could not start.

    python -m syndication.cli.backfeed [--full] [--settings publishconf.py]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import httpx

from syndication.backfeed.engine import Backfeed, BackfeedReport, Progress
from syndication.backfeed.moderation import Moderation
from syndication.cli.common import (
    DEFAULT_SETTINGS,
    authors_of,
    avatar_store,
    emit,
    http_client,
    moderation_file,
    setup_logging,
    state_root,
)
from syndication.errors import AgoraError, ConfigError
from syndication.networks.base import Reader
from syndication.networks.registry import adapter_for, configured_networks, label, setup_hint
from syndication.posts import load_settings
from syndication.secrets import redact
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

# Off a terminal (a CI log), the bar is only worth its lines when there are this many threads.
PROGRESS_THRESHOLD = 20
BAR_WIDTH = 30


def not_configured() -> str:
    """The sentence of a backfeed with no network to read."""
    return f"no network is configured; set {setup_hint()}."


class ProgressBar:
    """A one-line text bar of the threads refreshed so far, every network together.

    On a terminal it redraws in place; elsewhere (a CI log) it writes a line at each tenth, and
    only for runs of at least ``threshold`` threads, so a short run's log stays quiet.
    """

    def __init__(self, stream: TextIO, threshold: int = PROGRESS_THRESHOLD) -> None:
        self.stream = stream
        self.threshold = threshold
        self.tty = stream.isatty()
        self.counts: dict[str, tuple[int, int]] = {}
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, network: str, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` threads of ``network`` are refreshed; redraw."""
        self.counts[network] = (done, total)
        done_all = sum(d for d, _ in self.counts.values())
        total_all = sum(t for _, t in self.counts.values())
        if not self.tty and total_all < self.threshold:
            return
        tenth = done_all * 10 // max(total_all, 1)
        if not self.tty and tenth == self.last_tenth:
            return
        self.last_tenth = tenth
        filled = done_all * BAR_WIDTH // max(total_all, 1)
        per_network = ", ".join(
            f"{label(name)} {d}/{t}" for name, (d, t) in sorted(self.counts.items())
        )
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] threads refreshed: {per_network}"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line on a terminal, so the summary starts on its own."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def summary_lines(report: BackfeedReport) -> list[str]:
    """One line per network, then one line per failure."""
    lines = []
    for network in sorted(report.tallies):
        t = report.tallies[network]
        lines.append(
            f"{label(network)}: {t.new} new, {t.changed} changed, "
            f"{t.removed} removed, {t.refreshed} threads refreshed, "
            f"{t.notifications} notifications"
        )
    for network in sorted(report.tallies):
        lines.extend(
            f"FAILED on {label(network)}: {failure}" for failure in report.tallies[network].failures
        )
    return lines


def render_text(report: BackfeedReport, full: bool) -> str:
    """The summary for a terminal or a job log, every secret redacted."""
    head = "Backfeed (every thread refreshed)" if full else "Backfeed"
    return redact("\n".join([head, *summary_lines(report)])) + "\n"


def backfeed_report(
    settings_file: str | Path,
    env: Mapping[str, str],
    *,
    full: bool = False,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> BackfeedReport:
    """Run the engine over the state of ``settings_file``; AgoraError when it cannot start."""
    settings_path = Path(settings_file)
    settings = load_settings(settings_path)
    networks = configured_networks(env)
    if not networks:
        raise ConfigError(not_configured())
    store = StateStore(state_root(settings, settings_path))
    moderation = Moderation.load(moderation_file(settings, settings_path))
    avatars = avatar_store(settings, settings_path)
    authors = authors_of(settings)

    async def main() -> BackfeedReport:
        async with http_client(transport) as client:
            readers: dict[str, Reader] = {
                name: adapter_for(account, client, authors) for name, account in networks.items()
            }
            engine = Backfeed(
                store, readers, client, moderation=moderation, avatars=avatars, progress=progress
            )
            return await engine.run(full)

    return asyncio.run(main())


def run(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    full: bool = False,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    progress_stream: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Backfeed every configured network into the state of ``settings_file``; the exit code.

    ``transport`` is the HTTP seam (tests count the requests through it); by default httpx's own.
    """
    environment = os.environ if env is None else env
    output = stdout or sys.stdout
    bar = ProgressBar(progress_stream or sys.stderr)
    try:
        report = backfeed_report(
            settings_file, environment, full=full, progress=bar, transport=transport
        )
    except AgoraError as error:
        bar.close()
        emit(output, f"Backfeed did not run: {error}\n")
        return 2
    bar.close()
    emit(output, render_text(report, full))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke backfeed`` calls ``run`` directly)."""
    parser = argparse.ArgumentParser(prog="backfeed", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--full", action="store_true", help="refresh every thread, whatever the schedule"
    )
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    args = parser.parse_args(argv)
    setup_logging()
    return run(args.settings, full=args.full)


if __name__ == "__main__":
    sys.exit(main())
