"""Build the site all or nothing: ``python -m syndication.site.build -s SETTINGS -o OUTPUT``.

Pelican writes into a fresh folder beside ``OUTPUT``; only a build that finished without error
replaces ``OUTPUT`` with it, so a broken post never leaves a half-written site behind (nor
deletes the previous one). A failure ends with one line on stderr and exit status 1:

- a post's broken metadata (``ContentError`` from the plugin), naming the file and the problem;
- any other error of this project (a corrupt state file, a bad moderation file);
- an error Pelican logged and went on after (a template it could not find, say), or a warning
  when ``--fatal warnings`` is given;
- any other exception Pelican raised, as its type and message (``--debug`` shows the traceback);
- a post breaking a house rule set to "error" (``AGORA_HOUSE_RULES``, see
  ``syndication.site.house_rules``).

Every house rule problem, error or warning, is printed on stderr first, one line each naming the
file and the rule, so ``invoke check`` on a pull request shows the writer all of them at once.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from syndication.errors import AgoraError
from syndication.site.house_rules import LOGGER_NAME as HOUSE_RULES_LOGGER

logger = logging.getLogger("syndication.site.build")


class BuildFailed(Exception):
    """The build did not finish; the message is the one line shown to the person."""


class _LogKeeper(logging.Handler):
    """Holds back what Pelican logs during the build, so a failure prints one line only."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record for later."""
        self.records.append(record)

    def first(self, level: int) -> logging.LogRecord | None:
        """The first record at ``level`` or above."""
        return next((r for r in self.records if r.levelno >= level), None)


def _one_line(text: str) -> str:
    """The first non-empty line of ``text`` (a message must stay one line)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())


def _run_pelican(
    settings_file: Path,
    output: Path,
    overrides: Mapping[str, Any] | None = None,
    writer: type[Any] | None = None,
) -> None:
    """Build with ``settings_file`` (and ``overrides``) into ``output``.

    ``writer``: a subclass of Pelican's ``Writer`` to write the pages with (the preview's, which
    writes only what a change touches), instead of what the ``get_writer`` signal gives.
    """
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(settings_file),
        override={
            **(overrides or {}),
            "OUTPUT_PATH": str(output),
            "DELETE_OUTPUT_DIRECTORY": False,
        },
    )
    if writer is None:
        Pelican(settings).run()
        return
    chosen = writer

    class _Pelican(Pelican):  # type: ignore[misc]  # Pelican: untyped
        def _get_writer(self) -> Any:
            return chosen(self.output_path, settings=self.settings)

    _Pelican(settings).run()


def _print_house_rules(records: Sequence[logging.LogRecord]) -> None:
    """One line per house rule problem on stderr: ``path: level: rule: problem``."""
    for record in records:
        print(_one_line(record.getMessage()), file=sys.stderr)


def _swap_into_place(built: Path, output: Path) -> None:
    """Replace ``output`` with ``built`` by renames, so the site is never half there."""
    if not output.exists():
        built.rename(output)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    retired.rmdir()
    output.rename(retired)
    try:
        built.rename(output)
    except OSError:
        retired.rename(output)  # put the previous site back before reporting
        raise
    shutil.rmtree(retired, ignore_errors=True)


def build(
    settings_file: Path,
    output: Path,
    *,
    fatal: str = "errors",
    overrides: Mapping[str, Any] | None = None,
    in_place: bool = False,
    writer: type[Any] | None = None,
) -> float:
    """Build the site into ``output`` all or nothing; the seconds it took.

    ``overrides`` replace settings of the file (a preview's ``SITEURL`` for its port).

    Raises ``BuildFailed`` with one line when anything went wrong; ``output`` is then unchanged.

    ``in_place`` (the preview's rebuild of a few pages, with its own ``writer``): Pelican writes
    straight into ``output``, keeping the pages it does not write. The checks run before any page
    is written, so a broken post still changes nothing; an error while writing (a template's) can
    leave some pages new and some old.
    """
    started = time.perf_counter()
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    if in_place:
        output.mkdir(exist_ok=True)
        building = output
    else:
        building = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    keeper = _LogKeeper()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(keeper)
    # Pelican logs a file it cannot read and goes on; held back here, reported below as one line.
    propagate, pelican_logger.propagate = pelican_logger.propagate, False
    rules = _LogKeeper()
    rules_logger = logging.getLogger(HOUSE_RULES_LOGGER)
    rules_logger.addHandler(rules)
    rules_propagate, rules_logger.propagate = rules_logger.propagate, False
    try:
        try:
            _run_pelican(settings_file, building, overrides, writer)
        except AgoraError as error:
            raise BuildFailed(_one_line(str(error))) from error
        except Exception as error:  # the command's boundary: one line, never a traceback
            logger.debug("the build failed", exc_info=True)
            message = _one_line(str(error)) or "no message"
            raise BuildFailed(f"the build failed: {type(error).__name__}: {message}") from error
        _print_house_rules(rules.records)
        errors = sum(1 for r in rules.records if r.levelno >= logging.ERROR)
        if errors or (fatal == "warnings" and rules.records):
            count = errors or len(rules.records)
            raise BuildFailed(
                f"the build failed: {count} house rule problem{'s' if count > 1 else ''} "
                "(listed above); fix the posts, or change AGORA_HOUSE_RULES in pelicanconf.py"
            )
        threshold = logging.WARNING if fatal == "warnings" else logging.ERROR
        failure = keeper.first(threshold)
        if failure is not None:
            raise BuildFailed(f"the build failed: {_one_line(failure.getMessage())}")
        if not in_place:
            _swap_into_place(building, output)
    finally:
        pelican_logger.removeHandler(keeper)
        pelican_logger.propagate = propagate
        rules_logger.removeHandler(rules)
        rules_logger.propagate = rules_propagate
        if not in_place:
            shutil.rmtree(building, ignore_errors=True)
    for record in keeper.records:
        print(f"warning: {_one_line(record.getMessage())}", file=sys.stderr)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, build, and turn a failure into one line and exit status 1."""
    parser = argparse.ArgumentParser(
        prog="python -m syndication.site.build", description="Build the site all or nothing."
    )
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="Pelican settings file")
    parser.add_argument("-o", "--output", default="output", help="folder to (re)place the site in")
    parser.add_argument(
        "--fatal",
        choices=("errors", "warnings"),
        default="errors",
        help="fail on logged errors (default) or on warnings too",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    settings_file = Path(args.settings)
    if not settings_file.is_file():
        print(f"{settings_file}: no such settings file.", file=sys.stderr)
        return 1
    try:
        seconds = build(settings_file, Path(args.output), fatal=args.fatal)
    except BuildFailed as failure:
        print(str(failure), file=sys.stderr)
        return 1
    print(f"Built the site into {args.output} in {seconds:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
