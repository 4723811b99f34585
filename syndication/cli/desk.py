"""`invoke inbox` and `invoke reply`: the engagement desk at the command line.

``inbox`` lists every public comment still waiting for the company, oldest first, from the state
files only (run ``invoke backfeed`` first for fresh data): age, network, post, author, text on one
line, link, flags (question, complaint words, first time or returning) and the ID to pass to
``reply``. ``--json`` gives the same with stable keys for tools, ``--since`` keeps what came after
a duration ago (``24h``, ``7d``) or a date (``2026-11-20``), ``--stats`` shows how fast we answer
instead (median and 90th percentile of the time to first answer, per network and overall, and how
many comments have waited over 24 h). The comments include those heard outside our posts: a post
that names the company's account or quotes one of its posts, which the network notified it of
(``invoke backfeed`` keeps them, ``syndication.listen.mentions``); they say "mentions us" or
"quotes us" where the others name their post. After the comments come the other mentions heard
elsewhere in the last week (``invoke listen``), newest first; ``--mentions`` lists them all (with
``--json``, as JSON); a mention that is a post on a network has an ID ``reply`` takes.

``reply ID TEXT --as AUTHOR`` answers one comment exactly once (``syndication.desk.reply``).

Reports go to standard output, the log to standard error, every secret redacted and every control,
bidi or invisible character of a reader's or a server's words shown as an escape (``\x1b``,
``\u202e``: ``syndication.cli.terminal``); ``--json`` writes them as JSON escapes, so it stays
valid and lossless. The exit code is
0 when all went well, 1 when the network failed to take an answer (it stays pending, and the next
run looks for it before sending again), 2 when the command could not start (bad input, settings).

    python -m syndication.cli.desk inbox [--json] [--since 24h] [--stats] [--settings FILE]
    python -m syndication.cli.desk reply ID TEXT --as AUTHOR [--settings FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import httpx

from syndication.cli.common import (
    DEFAULT_SETTINGS,
    authors_of,
    emit,
    http_client,
    setup_logging,
    state_root,
)
from syndication.cli.listen import mentions_json, render_mentions
from syndication.cli.terminal import json_text
from syndication.desk.inbox import (
    LATE_AFTER,
    ResponseStats,
    WaitingItem,
    human_duration,
    load_word_list,
    response_stats,
    waiting,
)
from syndication.desk.reply import ReplyAction, ReplyResult, reply
from syndication.errors import AgoraError, ConfigError, NetworkError
from syndication.listen.mentions import WithMentions, listed, recent
from syndication.listen.store import ListenStore
from syndication.model import InteractionKind, Person, PostState, format_time, utc_now
from syndication.networks.registry import configured_networks, label
from syndication.posts import load_settings
from syndication.secrets import redact
from syndication.store.once import Checkpoint
from syndication.store.state import StateStore

WORDS_FILE = "complaint-words.txt"  # in the content folder, unless AGORA_COMPLAINT_WORDS says
TEXT_WIDTH = 90  # characters of a comment shown in the inbox
INDENT = " " * 6  # under the age, so a comment's lines read as one block
RECENT_MENTIONS = "Mentions elsewhere in the last 7 days (all: --mentions)"
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "min": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


# -- reading the desk ------------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """What both commands read: the settings, the state store and the complaint words."""

    settings: Mapping[str, Any]
    store: StateStore
    words: tuple[str, ...]

    @property
    def authors(self) -> Mapping[str, Mapping[str, str]]:
        """``AGORA_AUTHORS`` of the settings."""
        return authors_of(self.settings)


def words_path(settings: Mapping[str, Any], settings_file: Path) -> Path:
    """The complaint word list: ``AGORA_COMPLAINT_WORDS``, else the content folder's file."""
    chosen = settings.get("AGORA_COMPLAINT_WORDS")
    if chosen:
        path = Path(str(chosen))
        return path if path.is_absolute() else settings_file.resolve().parent / path
    return Path(str(settings.get("PATH") or "content")) / WORDS_FILE


def open_desk(settings_file: str | Path) -> Desk:
    """Load the settings of ``settings_file`` and what the desk reads with them."""
    path = Path(settings_file)
    try:
        settings = load_settings(path)
    except ValueError as error:  # Pelican's own check, e.g. a content folder that is missing
        raise ConfigError(f"{path}: Pelican cannot use these settings ({error}).") from error
    return Desk(
        settings=settings,
        store=StateStore(state_root(settings, path)),
        words=load_word_list(words_path(settings, path)),
    )


def parse_since(text: str, now: datetime) -> datetime:
    """``24h``, ``90m``, ``7d``, ``2w`` ago, or an ISO date or time (UTC unless it says)."""
    match = _DURATION.match(text)
    if match:
        minutes = int(match[1]) * _UNIT_MINUTES[match[2].lower()]
        return now - timedelta(minutes=minutes)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is neither a duration (like 24h or 7d) nor an ISO date "
            "(like 2026-11-20); give one of those."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def since_states(states: list[PostState], since: datetime | None) -> list[PostState]:
    """The states with readers' comments older than ``since`` left out (company answers kept)."""
    if since is None:
        return states
    kept = []
    for state in states:
        copy = PostState.from_dict(state.to_dict())
        copy.interactions = {
            key: item
            for key, item in copy.interactions.items()
            if item.by_company or item.published_at >= since
        }
        kept.append(copy)
    return kept


# -- rendering ---------------------------------------------------------------------------------


def one_line(text: str, width: int = TEXT_WIDTH) -> str:
    """A comment on one line, control characters dropped (it comes from strangers), shortened."""
    visible = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    flat = " ".join(visible.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def flags(item: WaitingItem) -> str:
    """``question, complaint (déçu), first time``: what deserves attention first."""
    found = []
    if item.question:
        found.append("question")
    if item.complaint:
        found.append(f"complaint ({', '.join(item.complaint)})")
    found.append("first time" if item.first_time else "returning")
    return ", ".join(found)


def where(item: WaitingItem) -> str:
    """``on the-post.fr``, or for a comment heard outside our posts what it does."""
    if not item.heard:
        return f"on {item.post}"
    return "quotes us" if item.item.kind is InteractionKind.QUOTE else "mentions us"


def _who(person: Person) -> str:
    """``@handle``; the name where the network gives no handle (a Facebook profile)."""
    handle = person.handle.strip()
    if not handle:
        return person.name.strip() or "?"
    return handle if handle.startswith("@") else f"@{handle}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the last one is not padded."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    ]


def render_inbox(items: Sequence[WaitingItem], now: datetime, since: datetime | None) -> str:
    """The inbox for a terminal: a block per comment, oldest first, under 100 columns wide.

    Its first line says how old it is, where, who and what deserves attention; then the
    comment on one line, its link and the ID to answer it with.
    """
    after = f" since {format_time(since)}" if since else ""
    if not items:
        return f"Nothing waits for an answer{after}.\n"
    count = f"{len(items)} comment{'s' if len(items) > 1 else ''}"
    lines = [
        f"{count} waiting for an answer{after}, oldest first; answer one with "
        '`invoke reply ID "text" --as NAME`.',
    ]
    for entry in items:
        item = entry.item
        who = one_line(_who(item.author), 40)
        network = label(item.network)
        text = one_line(" ".join(filter(None, (item.summary, item.content_text))))
        lines += [
            "",
            f"{human_duration(entry.age(now)):<5} {network}  {who}  {where(entry)}"
            f"  [{flags(entry)}]",
            f"{INDENT}« {text} »",
            f"{INDENT}{item.url or entry.copy_url or '-'}",
            f"{INDENT}ID {entry.id}",
        ]
    return redact("\n".join(lines)) + "\n"


def inbox_json(items: Sequence[WaitingItem], now: datetime, since: datetime | None) -> str:
    """The inbox for tools: stable keys, oldest first."""
    data = {
        "generated_at": format_time(now),
        "since": format_time(since) if since else None,
        "count": len(items),
        "items": [{**w.to_json(now), "copy_url": w.copy_url} for w in items],
    }
    return json_text(data) + "\n"


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _bucket_label(bucket: str) -> str:
    return label(bucket)


def render_stats(stats: Mapping[str, ResponseStats], since: datetime | None) -> str:
    """How fast we answer, per network and overall, for a terminal."""
    after = f" (comments since {format_time(since)})" if since else ""
    if not stats:
        return f"No comment to answer yet{after}.\n"
    late = f"waiting > {human_duration(LATE_AFTER)}"
    header = ["network", "answered", "median", "90th percentile", "waiting", late]
    rows = [
        [
            _bucket_label(bucket),
            str(s.answered),
            human_duration(s.median),
            human_duration(s.p90),
            str(s.waiting),
            str(s.waiting_late),
        ]
        for bucket, s in stats.items()
    ]
    return "\n".join([f"Time to first answer{after}:", "", *_table(header, rows)]) + "\n"


def stats_json(stats: Mapping[str, ResponseStats], now: datetime, since: datetime | None) -> str:
    """How fast we answer, for tools: durations in seconds (null when nothing was answered)."""
    data = {
        "generated_at": format_time(now),
        "since": format_time(since) if since else None,
        "late_after_seconds": int(LATE_AFTER.total_seconds()),
        "stats": {
            bucket: {
                "answered": s.answered,
                "median_seconds": _seconds(s.median),
                "p90_seconds": _seconds(s.p90),
                "waiting": s.waiting,
                "waiting_late": s.waiting_late,
            }
            for bucket, s in stats.items()
        },
    }
    return json_text(data) + "\n"


def render_reply(result: ReplyResult) -> str:
    """What ``reply`` did, in one or two sentences and the answer's link."""
    answer = result.answer
    where = f"{result.label} from {answer.account}" if answer.account else result.label
    signer = answer.extra.get("signed_by", "")
    by = f", for {signer}" if signer else ""
    if result.action is ReplyAction.POSTED:
        head = f"Answered on {where}{by}."
    elif result.action is ReplyAction.RECONCILED:
        head = (
            f"The answer was already on {where}{by} (an earlier run stopped before recording "
            "it); it is recorded now and was not sent again."
        )
    else:
        head = f"Already answered on {where} with this text; nothing was sent again."
    text = answer.extra.get("text", "")
    lines = [head, *(f"  | {line}" for line in text.split("\n"))]
    lines.append(f"  {answer.url or answer.id}")
    return redact("\n".join(lines)) + "\n"


# -- the commands -------------------------------------------------------------------------------


def run_inbox(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    as_json: bool = False,
    since: str = "",
    stats: bool = False,
    mentions: bool = False,
    now: datetime | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Print the inbox (or its ``stats``, or every ``mentions`` heard elsewhere) of
    ``settings_file``'s state; the exit code."""
    output = stdout or sys.stdout
    moment = now or utc_now()
    try:
        after = parse_since(since, moment) if since else None
        desk = open_desk(settings_file)
        # The posts' comments and those heard outside our posts, which wait the same way.
        states = list(WithMentions(desk.store).comments())
        heard = listed(ListenStore(desk.store.root).mentions(), desk.words, since=after)
    except AgoraError as error:
        emit(output, f"The inbox could not be read: {error}\n")
        return 2
    if mentions:  # everything `invoke listen` heard, newest first
        emit(
            output,
            mentions_json(heard, moment, after) if as_json else render_mentions(heard, moment),
        )
        return 0
    if stats:
        figures = response_stats(since_states(states, after), moment)
        shown = stats_json(figures, moment, after) if as_json else render_stats(figures, after)
    else:
        items = waiting(states, desk.words, since=after)
        shown = inbox_json(items, moment, after) if as_json else render_inbox(items, moment, after)
        lately = recent(heard, moment)
        if lately and not as_json:  # after the comments: the last week's, not yet answered
            shown += "\n" + render_mentions(lately, moment, heading=RECENT_MENTIONS)
    emit(output, shown)
    return 0


def run_reply(
    wanted: str,
    text: str,
    author: str,
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    checkpoint: Checkpoint | None = None,
) -> int:
    """Answer the comment ``wanted`` with ``text`` as ``author``; print what happened."""
    environment = os.environ if env is None else env
    output = stdout or sys.stdout
    try:
        desk = open_desk(settings_file)
        networks = configured_networks(environment)

        async def main() -> ReplyResult:
            async with http_client() as client:
                return await reply(
                    wanted,
                    text,
                    author,
                    networks,
                    store=WithMentions(desk.store),  # a post heard by listening, too
                    authors=desk.authors,
                    env=environment,
                    client=client,
                    checkpoint=checkpoint,
                )

        result = asyncio.run(main())
    except (NetworkError, httpx.HTTPError) as error:
        said = str(error) if isinstance(error, NetworkError) else type(error).__name__
        emit(
            output,
            f"The answer to {wanted} failed: {said}. If it was recorded as pending, "
            "running the same command again looks for it on the network before sending.\n",
        )
        return 1
    except AgoraError as error:
        emit(output, f"Nothing was posted: {error}\n")
        return 2
    emit(output, render_reply(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke inbox`` and ``invoke reply`` call the runs directly)."""
    parser = argparse.ArgumentParser(prog="desk", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    commands = parser.add_subparsers(dest="command", required=True)
    inbox = commands.add_parser("inbox", help="comments waiting for an answer, oldest first")
    inbox.add_argument("--json", action="store_true", help="stable JSON for tools")
    inbox.add_argument("--since", default="", help="a duration (24h, 7d) or an ISO date")
    inbox.add_argument("--stats", action="store_true", help="how fast we answer")
    inbox.add_argument("--mentions", action="store_true", help="every mention heard elsewhere")
    answer = commands.add_parser("reply", help="answer one comment, exactly once")
    answer.add_argument("id", help="the ID shown by the inbox")
    answer.add_argument("text", help="the answer")
    answer.add_argument("--as", dest="author", required=True, help="who answers (AGORA_AUTHORS)")
    for command in (inbox, answer):  # also after the command; given there only (SUPPRESS)
        command.add_argument("--settings", default=argparse.SUPPRESS, help="Pelican settings")
    args = parser.parse_args(argv)
    setup_logging()
    if args.command == "inbox":
        return run_inbox(
            args.settings,
            as_json=args.json,
            since=args.since,
            stats=args.stats,
            mentions=args.mentions,
        )
    return run_reply(args.id, args.text, args.author, args.settings)


if __name__ == "__main__":
    sys.exit(main())
