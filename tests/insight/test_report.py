"""The impact report's figures against the hand-worked November of ``insight_scene``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from insight_scene import AUTHORS, NOW, project, states
from pygal.etree import etree

from syndication.backfeed.moderation import Moderation
from syndication.cli.insight import main, period_of, run_report
from syndication.desk.inbox import load_word_list
from syndication.insight.fans import Exclusions, company_accounts
from syndication.insight.hours import OpeningHours
from syndication.insight.people import People
from syndication.insight.report import BRAND, Period, Report, _timeline, build

HOURS = OpeningHours.from_settings({})


def november(folder: Path) -> Report:
    settings = project(folder)
    content = settings.parent / "content"
    loaded = states()
    exclusions = Exclusions(
        company=frozenset(company_accounts(loaded, AUTHORS)),
        people=People.load(content / "people.toml"),
        moderation=Moderation.load(content / "moderation.toml"),
    )
    words = load_word_list(content / "complaint-words.txt")
    return build(
        loaded,
        Period.month("2026-11", HOURS),
        now=NOW,
        hours=HOURS,
        exclusions=exclusions,
        words=words,
        authors=AUTHORS,
    )


def test_activity_per_network_and_per_post(tmp_path: Path) -> None:
    report = november(tmp_path)
    mastodon, bluesky = report.networks["mastodon"], report.networks["bluesky"]
    assert list(report.networks) == ["bluesky", "mastodon"]  # the registry's order
    assert (mastodon.copies, mastodon.counts) == (
        1,
        {"reply": 3, "quote": 0, "mention": 0, "repost": 1, "like": 2},
    )
    assert (bluesky.copies, bluesky.counts) == (
        1,
        {"reply": 1, "quote": 1, "mention": 0, "repost": 1, "like": 2},
    )
    assert (report.total.copies, report.total.total) == (2, 11)
    assert [(key, a.copies, a.total) for key, a in report.posts] == [
        ("velo.fr", 2, 10),
        ("hiver.fr", 0, 1),
    ]
    assert report.posts_active == 2


def test_answers_in_business_hours_across_a_weekend_and_a_night(tmp_path: Path) -> None:
    report = november(tmp_path)
    overall = report.answers["overall"]
    assert (overall.comments, overall.answered, overall.rate) == (5, 3, 0.6)
    assert (overall.median, overall.p90) == (timedelta(hours=2), timedelta(hours=4))
    mastodon, bluesky = report.answers["mastodon"], report.answers["bluesky"]
    assert (mastodon.comments, mastodon.answered) == (3, 2)
    assert (mastodon.median, mastodon.p90) == (timedelta(hours=2), timedelta(hours=4))
    assert (bluesky.comments, bluesky.answered) == (2, 1)
    assert (bluesky.median, bluesky.p90) == (timedelta(minutes=30), timedelta(minutes=30))
    assert list(report.answers) == ["bluesky", "mastodon", "overall"]


def test_waiting_negative_employees_and_the_timeline(tmp_path: Path) -> None:
    report = november(tmp_path)
    assert report.waiting == {"under_1d": 1, "1d_3d": 0, "3d_7d": 0, "over_7d": 1}
    assert (report.negative, report.negative_answered) == (3, 1)
    assert report.employees == {
        "Camille Tremblay": {"mastodon": 1},
        "Mathieu Gagnon": {"bluesky": 1},  # sent with invoke reply and backfed: once
        BRAND: {"mastodon": 1},
    }
    assert report.timeline_unit == "day" and len(report.timeline) == 30
    by_day = dict(report.timeline)
    assert by_day[date(2026, 11, 6)] == {
        "reply": 1,
        "quote": 0,
        "mention": 0,
        "repost": 0,
        "like": 1,
    }
    assert by_day[date(2026, 11, 20)]["repost"] == 2
    assert sum(sum(c.values()) for c in by_day.values()) == 11
    assert [fan.name for fan in report.fans] == ["Noor", "Léa Martin", "Samuel"]


def test_long_periods_are_charted_per_week_then_per_month() -> None:
    period = Period(NOW - timedelta(days=90), NOW, "x")
    unit, weeks = _timeline({date(2026, 11, 25): {"like": 2}}, period, HOURS)
    assert unit == "week" and all(day.weekday() == 0 for day, _ in weeks)
    assert dict(weeks)[date(2026, 11, 23)]["like"] == 2
    year = Period(NOW - timedelta(days=400), NOW, "x")
    unit, months = _timeline({date(2026, 11, 25): {"like": 2}}, year, HOURS)
    assert unit == "month" and [day.isoformat() for day, _ in months[:2]] == [
        "2025-10-01",
        "2025-11-01",
    ]
    assert len(months) == 14 and months[-1][1]["like"] == 2


def test_the_periods_a_person_can_ask_for() -> None:
    assert period_of("2026-11", "", NOW, HOURS).slug == "2026-11"
    month = period_of("2026-11", "", NOW, HOURS)
    assert (month.start.isoformat(), month.end.isoformat()) == (
        "2026-11-01T04:00:00+00:00",  # midnight in Montréal, still EDT
        "2026-12-01T05:00:00+00:00",
    )
    assert period_of("", "7d", NOW, HOURS).slug == "2026-11-23_2026-11-30"
    current = period_of("", "", NOW, HOURS)
    assert (current.slug, current.end) == ("2026-11", NOW)


@pytest.fixture(params=["lxml", "xml.etree"])
def svg_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """pygal draws with lxml when it is installed (the tests' lock), else with the standard
    library's ElementTree (the scheduled workflow's runtime lock has no lxml): both are tried."""
    if request.param == "xml.etree":
        etree.to_etree()
    try:
        yield str(request.param)
    finally:
        if etree._lxml_etree is not None:
            etree.to_lxml()


def test_the_command_writes_both_pages_and_the_summary(tmp_path: Path, svg_backend: str) -> None:
    settings = project(tmp_path)
    out = io.StringIO()
    assert run_report(settings, month="2026-11", now=NOW, stdout=out) == 0
    folder = tmp_path / "report" / "2026-11"
    french = (folder / "index.html").read_text(encoding="utf-8")
    english = (folder / "en.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in french and "Rapport d&#39;impact" in french
    assert '<html lang="en">' in english and "Impact report" in english
    for page in (french, english):
        assert "<script" not in page and not re.search(r"\son\w+=", page)  # nor a handler
        addresses = re.findall(r"https?://[^\"]+", page)  # namespaces only: nothing fetched
        assert addresses.count("http://www.w3.org/2000/svg") == 3
        assert set(addresses) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
        assert page.count('role="img"') == 3 and "<desc id=" in page
    assert "2 h 00 min" in english.replace("\u00a0", " ")
    assert "60,0\u00a0%" in french and "60.0%" in english
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "| 60.0% |" in summary and "| 1/3 |" in summary
    assert "déçu" not in summary and "remboursement" not in summary  # no reader's words
    assert (tmp_path / "report" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert "Impact report of 2026-11 written" in out.getvalue()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["report", "--month", "novembre"], "--month 'novembre' is not a month"),
        (["report", "--since", "soon"], "--since 'soon' is neither a duration"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    tmp_path: Path, argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = project(tmp_path)
    assert main(["--settings", str(settings), *argv]) == 2
    assert said in capsys.readouterr().out
    assert not (tmp_path / "report").exists()


def test_listening_counts_mentions_and_the_share_of_voice(tmp_path: Path) -> None:
    settings = project(tmp_path, listening=True)
    assert run_report(settings, month="2026-11", now=NOW, stdout=io.StringIO()) == 0
    english = (tmp_path / "report" / "2026-11" / "en.html").read_text(encoding="utf-8")
    cells = re.findall(
        r"<th scope=\"row\">(?:<bdi>)?([^<]+)(?:</bdi>)?</th><td>([^<]+)</td>", english
    )
    rows = dict(cells)
    assert rows["Mentions of the company"] == "3"  # October's is outside the period
    assert rows["Mentions of competitors"] == "1" and rows["Mentions of the industry"] == "1"
    assert rows["Share of voice (us / us and competitors)"] == "75.0%"
    assert rows["Cycles Nordet"] == "1"
    assert (rows["News feeds (RSS, Atom)"], rows["Bluesky"]) == ("2", "1")
    assert "Not available yet" not in english


def test_without_listening_the_section_says_it_is_not_available(tmp_path: Path) -> None:
    settings = project(tmp_path)
    assert run_report(settings, month="2026-11", now=NOW, stdout=io.StringIO()) == 0
    french = (tmp_path / "report" / "2026-11" / "index.html").read_text(encoding="utf-8")
    assert "Pas encore disponible : l&#39;écoute (invoke listen) n&#39;a rien enregistré" in french


def test_the_report_reaches_the_site_only_when_a_setting_publishes_it(tmp_path: Path) -> None:
    settings = project(tmp_path)
    assert run_report(settings, month="2026-11", now=NOW, stdout=io.StringIO()) == 0
    assert not (tmp_path / "site").exists()
    with settings.open("a", encoding="utf-8") as extra:
        extra.write('OUTPUT_PATH = "site"\nAGORA_REPORT_PUBLISH = True\n')
    assert run_report(settings, month="2026-11", now=NOW, stdout=io.StringIO()) == 0
    published = tmp_path / "site" / "report" / "2026-11"
    assert sorted(p.name for p in published.iterdir()) == ["en.html", "index.html", "summary.md"]
    assert '<meta name="robots" content="noindex, nofollow">' in (
        published / "index.html"
    ).read_text(encoding="utf-8")
