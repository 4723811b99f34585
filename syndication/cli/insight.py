"""`invoke fans`, `invoke people` and `invoke report`: who engages with us, and what it achieves.

``fans`` ranks the people who replied to, quoted, mentioned, reposted or liked the company's
copies over a period (``--since 90d`` by default), one row per person across networks
(``syndication.insight.fans``); ``--json`` and ``--csv`` give the same for tools and
spreadsheets (to invite them to first access). ``report`` writes the impact report of a period
(``--month 2026-11``, ``--since 30d``, the current month so far by default) as a static page in
French and English under ``report/`` (setting ``AGORA_REPORT_PATH``), with its headline figures
in ``summary.md`` beside it (``syndication.insight.render``). Both read the state files only.

``people`` reads the public profiles of the top fans on the networks that verify the sites a
profile links (rel=me: ``Network.verified_sites``), records what they verify in the state
(``<state>/people/links.json``, ``syndication.insight.links``) and prints the accounts that are
now one person: ``fans`` and ``report`` apply those links automatically (the people file wins,
and its ``[[not_same]]`` undoes a wrong one). The scheduled refresh does the same for the
profiles due a check (``people_report(scheduled=True)``, each at most once every
``AGORA_PEOPLE_RECHECK_DAYS``). The one command here that calls a network.

Output goes through ``syndication.cli.common.emit`` (secrets redacted, control characters of
readers' words shown as escapes); the CSV is written by the standard library's ``csv``
(https://docs.python.org/3/library/csv.html), and a cell that a spreadsheet would run as a
formula is prefixed with ``'`` (https://owasp.org/www-community/attacks/CSV_Injection). Exit
code 0, or 2 when the command could not start (bad input, settings).

    python -m syndication.cli.insight fans [--since 90d] [--json | --csv] [--settings FILE]
    python -m syndication.cli.insight people [--since 90d] [--top 100] [--settings FILE]
    python -m syndication.cli.insight report [--month 2026-11 | --since 30d] [--settings FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

import httpx

from syndication.backfeed.moderation import Moderation
from syndication.cli.common import (
    DEFAULT_SETTINGS,
    emit,
    http_client,
    moderation_file,
    setup_logging,
)
from syndication.cli.desk import Desk, one_line, open_desk, parse_since
from syndication.cli.terminal import json_text
from syndication.errors import AgoraError, ConfigError
from syndication.insight import links, render
from syndication.insight.fans import (
    DEFAULT_HALF_LIFE,
    KIND_WEIGHTS,
    Account,
    Exclusions,
    Fan,
    company_accounts,
    rank,
)
from syndication.insight.hours import OpeningHours
from syndication.insight.people import PEOPLE_FILE_REASON, People, normalise
from syndication.insight.report import Period, build
from syndication.listen.store import ListenStore, Mention
from syndication.model import Person, PostState, format_time, utc_now
from syndication.networks.registry import label

DEFAULT_SINCE = "90d"
DEFAULT_PEOPLE_FILE = "content/people.toml"
DEFAULT_REPORT_PATH = "report"
PEOPLE_TOP = 100  # fans whose Mastodon profile `people` reads
DEFAULT_RECHECK_DAYS = 7  # a profile's check holds this long before the schedule reads it again
SCHEDULED_EVERY = timedelta(days=1)  # how often the schedule ranks the fans to look them up
SCHEDULED_LIMIT = 50  # profiles one scheduled run reads at most (a first run has many due)
TABLE_ROWS = 50  # people the terminal table shows; --json and --csv give everyone
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
CSV_COLUMNS = (
    "rank",
    "name",
    "score",
    "networks",
    "accounts",
    "linked_by",
    "first_seen",
    "last_seen",
    *(kind.value for kind in KIND_WEIGHTS),
    "latest_words",
    "latest_url",
)


@dataclass(frozen=True)
class Insight:
    """What both commands read: the desk (settings, state, complaint words) and who to leave out."""

    desk: Desk
    states: list[PostState]
    exclusions: Exclusions
    hours: OpeningHours
    folder: Path  # the settings file's folder: relative settings paths start there


def _relative(folder: Path, value: object, default: str) -> Path:
    path = Path(str(value or default))
    return path if path.is_absolute() else folder / path


def open_insight(settings_file: str | Path, desk: Desk | None = None) -> Insight:
    """Load the settings of ``settings_file`` (unless ``desk`` has them already), the state, and
    the people and moderation files."""
    path = Path(settings_file)
    desk = desk or open_desk(path)
    states = list(desk.store.all())
    folder = path.resolve().parent
    people_file = _relative(folder, desk.settings.get("AGORA_PEOPLE_FILE"), DEFAULT_PEOPLE_FILE)
    # The reviewed file, and the verified links recorded in the state (``links``).
    people = People.load(people_file).with_verified(links.LinkStore(desk.store.root).verified())
    exclusions = Exclusions(
        company=frozenset(company_accounts(states, desk.authors)),
        people=people,
        moderation=Moderation.load(moderation_file(desk.settings, path)),
    )
    hours = OpeningHours.from_settings(desk.settings)
    return Insight(desk, states, exclusions, hours, folder)


def half_life(settings: Any) -> timedelta:
    """``AGORA_FANS_HALF_LIFE_DAYS`` (30 by default): how fast an old reaction weighs less."""
    value = settings.get("AGORA_FANS_HALF_LIFE_DAYS")
    if value is None:
        return DEFAULT_HALF_LIFE
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"AGORA_FANS_HALF_LIFE_DAYS = {value!r}: give a number of days above 0.")
    return timedelta(days=value)


# -- fans --------------------------------------------------------------------------------------


PLURALS = {"reply": "replies", "quote": "quotes", "mention": "mentions", "repost": "reposts"}


def _counts(fan: Fan) -> str:
    """``2 replies, 1 like``: what the person did in the period."""
    said = []
    for kind in KIND_WEIGHTS:
        count = fan.counts.get(kind.value, 0)
        if count:
            word = PLURALS.get(kind.value, f"{kind.value}s") if count > 1 else kind.value
            said.append(f"{count} {word}")
    return ", ".join(said)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "-"


def _linked_by(fan: Fan) -> str:
    """``lea.example.com (a verified profile link)`` or ``the people file``."""
    return ", ".join(
        "the people file" if why == PEOPLE_FILE_REASON else f"{why} (a verified profile link)"
        for why in fan.linked_by
    )


def render_fans(fans: Sequence[Fan], since: datetime, half: timedelta = DEFAULT_HALF_LIFE) -> str:
    """The ranking for a terminal: one block per person, highest score first."""
    if not fans:
        return f"Nobody outside the company engaged in public since {format_time(since)}.\n"
    days = f"{half.total_seconds() / 86400:g}"
    lines = [
        f"{len(fans)} people engaged in public since {format_time(since)}, highest score first "
        f"(a reply or quote counts 3, a mention or repost 2, a like 1, halved every {days} "
        "days).",
    ]
    for number, fan in enumerate(fans[:TABLE_ROWS], start=1):
        accounts = ", ".join(
            f"{label(a.network)} @{a.handle.lstrip('@')}" for a in fan.accounts.values()
        )
        lines += [
            "",
            f"{number:>3}. {one_line(fan.name, 40)}  score {fan.score:.1f}  [{accounts}]",
            f"     {_counts(fan)}; first seen {_day(fan.first_seen)}, last {_day(fan.last_seen)}",
        ]
        if fan.linked_by:
            lines.append(f"     one person: linked by {_linked_by(fan)}")
        if fan.latest_words:
            lines.append(f"     « {one_line(fan.latest_words)} »")
    if len(fans) > TABLE_ROWS:
        lines += ["", f"{len(fans) - TABLE_ROWS} more: --json or --csv lists everyone."]
    return "\n".join(lines) + "\n"


def fans_json(fans: Sequence[Fan], since: datetime, now: datetime) -> str:
    """The ranking for tools: stable keys, highest score first."""
    data = {
        "generated_at": format_time(now),
        "since": format_time(since),
        "count": len(fans),
        "fans": [fan.to_json(number) for number, fan in enumerate(fans, start=1)],
    }
    return json_text(data) + "\n"


def _cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def fans_csv(fans: Sequence[Fan]) -> str:
    """The ranking for a spreadsheet: one row per person, the columns of ``CSV_COLUMNS``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for number, fan in enumerate(fans, start=1):
        data = fan.to_json(number)
        writer.writerow(
            _cell(value)
            for value in (
                number,
                fan.name,
                data["score"],
                " ".join(fan.networks),
                " ".join(f"{a['network']}:{a['handle']}" for a in data["accounts"]),
                "; ".join(fan.linked_by),
                data["first_seen"],
                data["last_seen"],
                *data["counts"].values(),
                fan.latest_words,
                fan.latest_url,
            )
        )
    return buffer.getvalue()


def run_fans(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    since: str = DEFAULT_SINCE,
    as_json: bool = False,
    as_csv: bool = False,
    now: datetime | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Print the fans of ``settings_file``'s state since ``since``; the exit code."""
    output = stdout or sys.stdout
    moment = now or utc_now()
    try:
        if as_json and as_csv:
            raise ConfigError("choose --json or --csv, not both.")
        start = parse_since(since or DEFAULT_SINCE, moment)
        insight = open_insight(settings_file)
        half = half_life(insight.desk.settings)
        fans = rank(insight.states, insight.exclusions, since=start, until=moment, half_life=half)
    except AgoraError as error:
        emit(output, f"The fans could not be listed: {error}\n")
        return 2
    if as_json:
        emit(output, fans_json(fans, start, moment))
    elif as_csv:
        emit(output, fans_csv(fans))
    else:
        emit(output, render_fans(fans, start, half))
    return 0


# -- people: linked accounts -------------------------------------------------------------------


def recheck_every(settings: Any) -> timedelta | None:
    """``AGORA_PEOPLE_RECHECK_DAYS`` (7 by default): how long a profile's check holds before the
    schedule reads it again; None for 0 (the schedule reads no profile)."""
    value = settings.get("AGORA_PEOPLE_RECHECK_DAYS", DEFAULT_RECHECK_DAYS)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError(
            f"AGORA_PEOPLE_RECHECK_DAYS = {value!r}: give a number of days (0: never on the "
            "schedule)."
        )
    return timedelta(days=value) if value else None


@dataclass
class PeopleReport:
    """What one look for linked accounts did, for the terminal or the pipeline's log."""

    lines: list[str]
    read: int = 0  # profiles read
    failed: int = 0  # profiles that could not be read
    changed: bool = False  # whether the links file was written


def _person(account: Account) -> Person:
    return Person(account.network, "", account.handle, account.name, account.url)


def people_report(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    since: str = DEFAULT_SINCE,
    top: int = PEOPLE_TOP,
    scheduled: bool = False,
    now: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PeopleReport:
    """Read the profiles of fans that may link their accounts, and record what they verify.

    By hand (``invoke people``): the ``top`` fans' profiles, now. On the schedule: the
    period's fans whose last check is ``AGORA_PEOPLE_RECHECK_DAYS`` old or more (never checked
    first), at most ``SCHEDULED_LIMIT`` a run. AgoraError when it cannot start.
    """
    moment = now or utc_now()
    start = parse_since(since or DEFAULT_SINCE, moment)
    desk = None
    if scheduled:
        # Ranking the fans reads every state file: on the schedule (every 30 minutes), once a
        # day is enough to find the new ones, since each is read at most weekly anyway.
        desk = open_desk(Path(settings_file))
        checks = links.LinkStore(desk.store.root).load()
        last = max((check.checked_at for check in checks.values()), default=None)
        if last is not None and moment - last < SCHEDULED_EVERY:
            return PeopleReport(
                [f"skipped: fans' profiles were looked up at {format_time(last)}, once a day."]
            )
    insight = open_insight(settings_file, desk)
    every = recheck_every(insight.desk.settings)
    fans = rank(insight.states, insight.exclusions, since=start, until=moment)
    seen = [_person(account) for fan in fans for account in fan.accounts.values()]
    sites, domains = links.site_networks(), links.domain_networks()
    if not any(person.network in domains for person in seen):
        return PeopleReport(
            [
                f"No {links.labels_of(domains)} account engaged in the period: there is "
                "nothing to link."
            ]
        )
    store = links.LinkStore(insight.desk.store.root)
    known = store.load()
    if scheduled:
        if every is None:
            return PeopleReport(["skipped: AGORA_PEOPLE_RECHECK_DAYS is 0."])
        asked = links.due(seen, known, moment, every)[:SCHEDULED_LIMIT]
        recheck_days = f"{every.total_seconds() / 86400:g}"
    else:
        asked = [
            _person(account)
            for fan in fans[:top]
            for account in fan.accounts.values()
            if account.network in sites
        ]

    async def read() -> tuple[dict[str, links.Check], list[str]]:
        async with http_client(transport) as client:
            return await links.check_profiles(client, asked, moment, known)

    checks, failures = asyncio.run(read()) if asked else ({}, [])
    # The network is read without the lock (a slow server must not hold up `invoke reply`).
    with insight.desk.store.locked():
        changed = store.record(checks, moment)
    verified = store.verified()
    identities = insight.exclusions.people.with_verified(verified).identities(seen)
    refused = {(profile, domain) for profile, domain, _ in identities.refused}
    found = links.found_links(seen, verified)
    apart = [
        link
        for link in found
        if (links.account_of(link.profile), links.account_of(link.domain)) in refused
    ]
    joined = [link for link in found if link not in apart]
    read_ok = len(checks) - len(failures)
    labels = links.labels_of(sites)
    if scheduled:
        lines = [
            f"Read {read_ok} {labels} profiles due a check (each at most once every "
            f"{recheck_days} days), {len(failures)} could not be read; "
            f"{_links(len(joined))} applied, {len(apart)} kept apart by the people file."
        ]
        return PeopleReport(lines, read_ok, len(failures), changed)
    lines = [
        f"Read {read_ok} of {len(asked)} {labels} profiles of the top fans; what they verify "
        f"is recorded in {store.path}.",
        *failures,
    ]
    if found:
        lines.append(
            f"{len(joined)} linked by the person themselves, applied automatically (one row "
            "in invoke fans and the report):"
        )
        lines += [f"  {_link(link)}" for link in joined]
        if apart:
            lines.append(f"{len(apart)} kept apart by the people file ([[not_same]] or two names):")
            lines += [f"  {_link(link)}" for link in apart]
        lines.append(
            "A wrong link: list both accounts in a [[not_same]] of the people file "
            "(AGORA_PEOPLE_FILE); a [[person]] there gives the person a name."
        )
    else:
        lines.append(
            f"No {labels} profile links, verified, to a {links.labels_of(domains)} handle "
            "seen here."
        )
    return PeopleReport(lines, read_ok, len(failures), changed)


def _links(count: int) -> str:
    """``1 link``, ``2 links``."""
    return f"{count} link" if count == 1 else f"{count} links"


def _link(link: links.Link) -> str:
    """``lea.example.com: Mastodon @lea@velo.example and Bluesky @lea.example.com``."""
    return (
        f"{link.site}: {label(link.profile.network)} @{normalise(link.profile.handle)} "
        f"and {label(link.domain.network)} @{normalise(link.domain.handle)}"
    )


def run_people(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    since: str = DEFAULT_SINCE,
    top: int = PEOPLE_TOP,
    now: datetime | None = None,
    stdout: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Read the public profiles of the ``top`` fans of the period, record the sites they verify
    (``links``), and print the accounts that are now one person; the exit code."""
    output = stdout or sys.stdout
    try:
        report = people_report(settings_file, since=since, top=top, now=now, transport=transport)
    except AgoraError as error:
        emit(output, f"The linked accounts could not be looked for: {error}\n")
        return 2
    emit(output, "\n".join(report.lines) + "\n")
    return 0


# -- report ------------------------------------------------------------------------------------


def heard_mentions(state_root: Path) -> list[Mention] | None:
    """What ``invoke listen`` kept, or None when it has never recorded anything."""
    store = ListenStore(state_root)
    return store.mentions() if store.months() else None


def period_of(month: str, since: str, now: datetime, hours: OpeningHours) -> Period:
    """``--month``, else ``--since``, else the current month so far (business timezone)."""
    if month and since:
        raise ConfigError("choose --month or --since, not both.")
    if month:
        return Period.month(month, hours)
    if since:
        return Period.since(parse_since(since, now), now, hours)
    local = now.astimezone(hours.zone)
    first = datetime.combine(local.date().replace(day=1), time(0), tzinfo=hours.zone)
    return Period(first.astimezone(UTC), now, f"{local:%Y-%m}")


def run_report(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    month: str = "",
    since: str = "",
    now: datetime | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Write the impact report of the period under ``AGORA_REPORT_PATH``; the exit code."""
    output = stdout or sys.stdout
    moment = now or utc_now()
    try:
        insight = open_insight(settings_file)
        period = period_of(month, since, moment, insight.hours)
        report = build(
            insight.states,
            period,
            now=moment,
            hours=insight.hours,
            exclusions=insight.exclusions,
            words=insight.desk.words,
            authors=insight.desk.authors,
            mentions=heard_mentions(insight.desk.store.root),
            half_life=half_life(insight.desk.settings),
        )
        settings = insight.desk.settings
        folder = _relative(insight.folder, settings.get("AGORA_REPORT_PATH"), DEFAULT_REPORT_PATH)
        written = render.write(report, folder)
        # Kept out of git and off the site unless AGORA_REPORT_PUBLISH says otherwise.
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# invoke report writes here: not committed.\n*\n", encoding="utf-8")
        if settings.get("AGORA_REPORT_PUBLISH"):
            site = _relative(insight.folder, settings.get("OUTPUT_PATH"), "output") / "report"
            shutil.copytree(written[0].parent, site / period.slug, dirs_exist_ok=True)
    except (AgoraError, OSError) as error:
        said = error if isinstance(error, AgoraError) else f"{error.strerror}: {error.filename}"
        emit(output, f"The report could not be written: {said}\n")
        return 2
    pages = ", ".join(str(path) for path in written[:2])
    emit(output, f"Impact report of {period.slug} written: {pages}\n\n{render.summary(report)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke fans`` and ``invoke report`` call the runs directly)."""
    parser = argparse.ArgumentParser(prog="insight", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    commands = parser.add_subparsers(dest="command", required=True)
    fans = commands.add_parser("fans", help="the people who engage with us in public, ranked")
    fans.add_argument("--since", default=DEFAULT_SINCE, help="a duration (90d) or an ISO date")
    shape = fans.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="stable JSON for tools")
    shape.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    people = commands.add_parser(
        "people", help="accounts the top fans link publicly, for the people file"
    )
    people.add_argument("--since", default=DEFAULT_SINCE, help="a duration (90d) or an ISO date")
    people.add_argument("--top", type=int, default=PEOPLE_TOP, help="fans whose profile is read")
    report = commands.add_parser("report", help="the impact report of a period, as a page")
    when = report.add_mutually_exclusive_group()
    when.add_argument("--month", default="", help="a calendar month, like 2026-11")
    when.add_argument("--since", default="", help="a duration (30d) or an ISO date")
    for command in (fans, people, report):
        command.add_argument("--settings", default=argparse.SUPPRESS, help="Pelican settings")
    args = parser.parse_args(argv)
    setup_logging()
    if args.command == "fans":
        return run_fans(args.settings, since=args.since, as_json=args.json, as_csv=args.csv)
    if args.command == "people":
        return run_people(args.settings, since=args.since, top=args.top)
    return run_report(args.settings, month=args.month, since=args.since)


if __name__ == "__main__":
    sys.exit(main())
