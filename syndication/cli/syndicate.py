"""`invoke syndicate`: read the posts and settings, run the engine, print what happened.

The report goes to standard output (plain text, or Markdown for a GitHub job summary with
``--markdown``); the log goes to standard error; both with every secret redacted and every
control character of a network's words made visible (``syndication.cli.common.emit``). The exit
code is 0 when nothing failed, 1 when anything did (one line each), 2 when the run could not
start.

    python -m syndication.cli.syndicate [--dry-run] [--markdown] [--settings publishconf.py]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from syndication.cli.common import (
    DEFAULT_SETTINGS,
    authors_of,
    emit,
    http_client,
    setup_logging,
    state_root,
)
from syndication.errors import AgoraError
from syndication.networks.base import Draft
from syndication.networks.registry import configured_networks, label, unit
from syndication.posts import load_settings, read_posts
from syndication.publish.syndicate import Action, Outcome, Report, syndicate
from syndication.secrets import redact
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)
__all__ = ["main", "render_markdown", "render_text", "run", "setup_logging", "syndicate_report"]


# Outcomes listed one by one in a real run; the others are only counted.
LISTED = (Action.POSTED, Action.RECONCILED, Action.PENDING, Action.FAILED, Action.NOT_LIVE)


def _unit(outcome: Outcome) -> str:
    return unit(outcome.network)


def _card_lines(draft: Draft, expected: bool) -> list[str]:
    card = draft.card
    if card is None:
        return ["card: none"]
    what = "card (expected; read from the page once it is live)" if expected else "card"
    lines = [f"{what}: {card.title}"]
    if card.description:
        lines.append(f"      {card.description}")
    lines.append(f"      image: {card.image_url or 'none'}")
    return lines


def summary_lines(report: Report) -> list[str]:
    """One line per network counting what was done: posted, found already on the network
    (recorded, not posted again), left pending, failed, and what was skipped and why."""
    lines = []
    for network in report.networks:
        count = functools.partial(report.count, network)
        if report.dry_run:
            done = [f"{count(Action.WOULD_POST) + count(Action.WOULD_RECONCILE)} would be posted"]
        else:
            done = [f"{count(Action.POSTED)} posted"]
            if count(Action.RECONCILED):
                done.append(f"{count(Action.RECONCILED)} found already posted")
        parts = [
            *done,
            f"{count(Action.PENDING)} pending",
            f"{count(Action.FAILED)} failed",
            f"{count(Action.ALREADY)} already posted",
            f"{count(Action.NOT_LIVE)} not live yet",
            f"{count(Action.OPTED_OUT)} opted out",
        ]
        if count(Action.PAUSED):
            parts.append(f"{count(Action.PAUSED)} paused")
        lines.append(f"{label(network)}: " + ", ".join(parts))
    return lines


def failure_lines(report: Report) -> list[str]:
    """One line per failure: the post, the network and the sentence saying what to do."""
    return [f"FAILED {o.post.key} on {o.label}: {o.message}" for o in report.failed]


def render_text(report: Report) -> str:
    """The report for a terminal: in a dry run, every draft in full."""
    out: list[str] = []
    dry = "Syndication dry run (nothing is sent, nothing is written)"
    out.append(dry if report.dry_run else "Syndication")
    out.extend(report.notices)
    if report.paused:
        out.append(f"Posting is paused: {report.paused}; nothing is posted until it is lifted.")
    for outcome in report.outcomes:
        if not report.dry_run and outcome.action not in LISTED:
            continue
        if report.dry_run and outcome.action in (Action.ALREADY, Action.OPTED_OUT):
            continue
        head = f"\n{outcome.post.key} -> {outcome.label}: {outcome.action.value}"
        out.append(head + (f" ({outcome.message})" if outcome.message else ""))
        draft = outcome.draft
        if report.dry_run and draft is not None:
            out.append(
                f"  from {draft.account}, signed by {draft.signed_by}, language {draft.lang}"
            )
            out.append(f"  length: {draft.length}/{draft.limit} {_unit(outcome)}")
            out.extend(f"  warning: {warning}" for warning in draft.warnings)
            out.extend(f"  {note}" for note in draft.notes)
            out.append("  text:")
            out.extend(f"    | {line}" for line in draft.text.split("\n"))
            out.extend(
                f"  {line}" for line in _card_lines(draft, outcome.action is Action.NOT_LIVE)
            )
    out.append("")
    out.extend(summary_lines(report))
    out.extend(failure_lines(report))
    return redact("\n".join(out)) + "\n"


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return re.sub(r"([\\`*_\[\]|<>])", r"\\\1", text).replace("\n", " ")


def render_markdown(report: Report) -> str:
    """The report as Markdown for a GitHub job summary: what each network would receive."""
    out = ["## Syndication" + (" dry run" if report.dry_run else ""), ""]
    if report.dry_run:
        out += [
            "Nothing was sent and nothing was written: this is what each network would get.",
            "",
        ]
    out += [f"> {_md(notice)}" for notice in report.notices]
    if report.paused:
        out += [f"> **Posting is paused**: {_md(report.paused)}", ""]
    out += ["| network | summary |", "|---|---|"]
    for line in summary_lines(report):
        network, _, rest = line.partition(": ")
        out.append(f"| {network} | {rest} |")
    out.append("")
    for outcome in report.outcomes:
        if outcome.action in (Action.ALREADY, Action.OPTED_OUT):
            continue
        if not report.dry_run and outcome.action not in LISTED:
            continue
        out.append(f"### {_md(outcome.post.title)} ({outcome.post.key}) on {outcome.label}")
        out.append("")
        out.append(
            f"- **{outcome.action.value}**"
            + (f": {_md(outcome.message)}" if outcome.message else "")
        )
        draft = outcome.draft
        if draft is not None:
            out.append(f"- length: {draft.length} / {draft.limit} {_unit(outcome)}")
            out.append(
                f"- from {_md(draft.account)}, signed by {_md(draft.signed_by)}, "
                f"language `{draft.lang}`"
            )
            out += [f"- ⚠️ {_md(warning)}" for warning in draft.warnings]
            out += [f"- {_md(note)}" for note in draft.notes]
            if draft.card is not None:
                card = draft.card
                what = "expected card" if outcome.action is Action.NOT_LIVE else "card"
                out.append(
                    f"- {what}: **{_md(card.title)}** — {_md(card.description)} "
                    f"(image: {_md(card.image_url or 'none')})"
                )
            fence = _fence(draft.text)
            out += ["", f"{fence}text", draft.text, fence]
        out.append("")
    failures = failure_lines(report)
    if failures:
        out += ["### Failures", ""] + [f"- {_md(line)}" for line in failures] + [""]
    return redact("\n".join(out)) + "\n"


def syndicate_report(
    settings_file: str | Path, env: Mapping[str, str], *, dry_run: bool = False
) -> Report:
    """Run the engine over the posts of ``settings_file``; AgoraError when it cannot start."""
    settings_path = Path(settings_file)
    settings = load_settings(settings_path)
    # A dry run needs no credential: it sends nothing with an account (a pull request's
    # preview has the public settings only).
    networks = configured_networks(env, preview=dry_run)
    store = StateStore(state_root(settings, settings_path))
    posts = read_posts(settings)

    async def main() -> Report:
        async with http_client() as client:
            return await syndicate(
                posts,
                networks,
                store=store,
                authors=authors_of(settings),
                env=env,
                client=client,
                dry_run=dry_run,
            )

    return asyncio.run(main())


def run(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    dry_run: bool = False,
    markdown: bool = False,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Syndicate (or dry-run) the posts of ``settings_file``; print the report; the exit code."""
    environment = os.environ if env is None else env
    output = stdout or sys.stdout
    try:
        report = syndicate_report(settings_file, environment, dry_run=dry_run)
    except AgoraError as error:
        emit(output, f"Syndication did not run: {error}\n")
        return 2
    emit(output, render_markdown(report) if markdown else render_text(report))
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke syndicate`` calls ``run`` directly)."""
    parser = argparse.ArgumentParser(prog="syndicate", description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="show, send and write nothing")
    parser.add_argument("--markdown", action="store_true", help="report as Markdown")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    args = parser.parse_args(argv)
    setup_logging()
    return run(args.settings, dry_run=args.dry_run, markdown=args.markdown)


if __name__ == "__main__":
    sys.exit(main())
