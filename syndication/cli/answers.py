"""``invoke answers``: send the answers written as files (``desk.outbox``), once each.

``--check`` is what a pull request runs: every file is read and checked against the state (the
comment exists and can be answered, the author is known, nobody answered it yet), with no network
and no secret; one line per file, exit 1 when one cannot go out. Without it, each answer goes
through the reply engine and its file is deleted once the answer is recorded; the pipeline runs
it after syndication and commits the deletions with the state.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from syndication.cli.common import DEFAULT_SETTINGS, emit, http_client, setup_logging
from syndication.cli.desk import open_desk, render_reply
from syndication.desk.inbox import find
from syndication.desk.outbox import DEFAULT_ANSWERS_PATH, AnswerFile, answer_files, read_answer
from syndication.desk.reply import ReplyAction, check_answerable, reply, resolve_author
from syndication.errors import AgoraError, ContentError, NetworkError
from syndication.listen.mentions import WithMentions
from syndication.model import CopyStatus, interaction_key
from syndication.networks.registry import configured_networks


@dataclass
class AnswersReport:
    """What one run did with the answer files."""

    lines: list[str] = field(default_factory=list)
    sent: int = 0  # recorded in the state (sent now, found sent, or already recorded)
    failed: int = 0

    @property
    def exit_code(self) -> int:
        """0 when every file went out (or there was none), else 1."""
        return 1 if self.failed else 0


def answers_folder(settings: Mapping[str, object], settings_file: Path) -> Path:
    """``AGORA_ANSWERS_PATH`` of the settings, relative to their folder."""
    chosen = Path(str(settings.get("AGORA_ANSWERS_PATH") or DEFAULT_ANSWERS_PATH))
    return chosen if chosen.is_absolute() else settings_file.resolve().parent / chosen


def check_answers(settings_file: Path) -> AnswersReport:
    """Whether each answer file can go out, from the state alone (a pull request)."""
    desk = open_desk(settings_file)
    report = AnswersReport()
    states = list(WithMentions(desk.store).all())
    for path in answer_files(answers_folder(desk.settings, settings_file)):
        try:
            answer = read_answer(path)
            state, parent = find(states, answer.comment)
            check_answerable(state, parent, answer.comment)
            author = resolve_author(answer.author, desk.authors)
            recorded = state.answers.get(interaction_key(parent.network, parent.id))
            if recorded is not None and recorded.status is CopyStatus.PUBLISHED:
                raise ContentError(
                    f"{answer.comment} is already answered ({recorded.url or recorded.id}); "
                    "delete this file."
                )
        except AgoraError as error:
            report.failed += 1
            report.lines.append(f"{path.name}: cannot go out: {error}")
            continue
        report.lines.append(
            f"{path.name}: ready: {author} answers {answer.comment} on {parent.network} "
            "once this is merged."
        )
    return report


async def _send(
    answer: AnswerFile, desk_settings: Path, env: Mapping[str, str], client: httpx.AsyncClient
) -> str:
    """Send one answer through the reply engine; what it did, as ``invoke reply`` says it."""
    desk = open_desk(desk_settings)
    result = await reply(
        answer.comment,
        answer.text,
        answer.author,
        configured_networks(env),
        store=WithMentions(desk.store),  # a post heard by listening can be answered too
        authors=desk.authors,
        env=env,
        client=client,
    )
    if result.action not in (ReplyAction.POSTED, ReplyAction.RECONCILED, ReplyAction.ALREADY):
        raise ContentError(f"the answer ended as {result.action.value}")
    return render_reply(result)


def send_answers(settings_file: Path, env: Mapping[str, str]) -> AnswersReport:
    """Send every answer file once; delete each file whose answer is recorded in the state."""
    desk = open_desk(settings_file)
    report = AnswersReport()
    paths = answer_files(answers_folder(desk.settings, settings_file))
    if not paths:
        return report

    async def main() -> None:
        async with http_client() as client:
            for path in paths:
                try:
                    answer = read_answer(path)
                    said = await _send(answer, settings_file, env, client)
                except (NetworkError, httpx.HTTPError) as error:
                    why = str(error) if isinstance(error, NetworkError) else type(error).__name__
                    report.failed += 1
                    report.lines.append(
                        f"{path.name}: not sent this time: {why}; the next run tries again "
                        "(looking for it on the network first)."
                    )
                    continue
                except AgoraError as error:
                    report.failed += 1
                    report.lines.append(f"{path.name}: cannot go out: {error} Fix or delete it.")
                    continue
                path.unlink()  # the state holds the answer now; git history keeps the file
                report.sent += 1
                first, *rest = said.rstrip("\n").split("\n")
                report.lines.append(f"{path.name}: {first}")
                report.lines.extend(rest)

    asyncio.run(main())
    return report


def render(report: AnswersReport, checking: bool) -> str:
    """The report's lines, or one line when there is no answer file."""
    if not report.lines:
        return "No answer file to " + ("check" if checking else "send") + ".\n"
    return "\n".join(report.lines) + "\n"


def run_answers(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    check: bool = False,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``invoke answers`` (``--check``): print what was done; the exit code."""
    output = stdout or sys.stdout
    path = Path(settings_file)
    try:
        report = check_answers(path) if check else send_answers(path, env or os.environ)
    except AgoraError as error:
        emit(output, f"The answers could not be read: {error}\n")
        return 2
    emit(output, render(report, check))
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="answers", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    parser.add_argument("--check", action="store_true", help="check only: no network, no secret")
    args = parser.parse_args(argv)
    setup_logging()
    return run_answers(args.settings, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
