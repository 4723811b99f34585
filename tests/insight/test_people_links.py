"""`invoke people` and the scheduled refresh: the accounts people link publicly (Mastodon's
rel=me verification), recorded in the state and applied by `invoke fans` and the report, against
an ``httpx.MockTransport`` that answers as Mastodon's lookup does
(https://docs.joinmastodon.org/methods/accounts/#lookup)."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from insight_scene import NOW, project

from syndication.cli.insight import open_insight, run_fans, run_people
from syndication.errors import ConfigError
from syndication.insight import render
from syndication.insight.hours import OpeningHours
from syndication.insight.people import People
from syndication.insight.report import Period, build
from syndication.networks.mastodon.profiles import lookup_request, verified_hosts
from syndication.pipeline import Pipeline, step_people, step_state
from syndication.posts import load_settings

OPTED_OUT_ONLY = 'opted_out = ["mastodon:olivier@velo.example", "olivier.test"]\n'
LEA_SITE = "https://lea.example.com"
LEA_VERIFIED = {"lea@velo.example": LEA_SITE}


def mastodon(
    requests: list[httpx.Request], verified: Mapping[str, str] = LEA_VERIFIED
) -> httpx.MockTransport:
    """velo.example's profiles: a site field verified for each account of ``verified``; Noor's
    links Léa's site too, not verified (anyone can type any link); any other server is down."""

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        acct = request.url.params.get("acct", "")
        if request.url.host != "velo.example":
            return httpx.Response(503)
        if request.url.path != "/api/v1/accounts/lookup":
            return httpx.Response(404, json={"error": "Record not found"})
        fields: list[dict[str, Any]] = [{"name": "Pronoms", "value": "elle", "verified_at": None}]
        if acct == "noor@velo.example":
            fields.append({"name": "Site", "value": _link(LEA_SITE), "verified_at": None})
        if acct in verified:
            fields.append(
                {
                    "name": "Site",
                    "value": _link(verified[acct]),
                    "verified_at": "2026-10-01T12:00:00.000Z",
                }
            )
        return httpx.Response(200, json={"acct": acct, "fields": fields})

    return httpx.MockTransport(answer)


def _link(url: str) -> str:
    return f'<a href="{url}" rel="me" target="_blank">{url.split("//")[1]}</a>'


def people(
    settings: Path,
    requests: list[httpx.Request] | None = None,
    verified: Mapping[str, str] = LEA_VERIFIED,
) -> str:
    out = io.StringIO()
    transport = mastodon([] if requests is None else requests, verified)
    code = run_people(settings, since="2026-11-01", now=NOW, stdout=out, transport=transport)
    assert code == 0
    return out.getvalue()


def fans(settings: Path, *flags: str) -> str:
    out = io.StringIO()
    options = {"as_json": "--json" in flags, "as_csv": "--csv" in flags}
    assert run_fans(settings, since="2026-11-01", now=NOW, stdout=out, **options) == 0
    return out.getvalue()


def rows(settings: Path) -> dict[str, dict[str, Any]]:
    """``invoke fans --json``'s rows by name."""
    return {fan["name"]: fan for fan in json.loads(fans(settings, "--json"))["fans"]}


def scene(folder: Path, people_file: str = OPTED_OUT_ONLY) -> Path:
    """The insight scene with a people file that does not link Léa's two accounts."""
    settings = project(folder)
    (folder / "content" / "people.toml").write_text(people_file, encoding="utf-8")
    return settings


def test_a_verified_link_to_a_bluesky_handle_makes_one_fan_automatically(
    tmp_path: Path,
) -> None:
    settings = scene(tmp_path)
    before = rows(settings)
    assert before["Léa"]["networks"] == ["mastodon"] and before["Léa M."]["networks"] == ["bluesky"]
    requests: list[httpx.Request] = []
    shown = people(settings, requests)
    assert "1 linked by the person themselves, applied automatically" in shown
    assert "  lea.example.com: Mastodon @lea@velo.example and Bluesky @lea.example.com\n" in shown
    # Only the fans' Mastodon profiles were asked, each once, on their own server, no opt-out.
    asked = sorted(str(r.url) for r in requests)
    assert asked == [
        "https://velo.example/api/v1/accounts/lookup?acct=lea%40velo.example",
        "https://velo.example/api/v1/accounts/lookup?acct=noor%40velo.example",
    ]
    # Recorded in the state, plain and diffable: what each profile verifies, and when.
    recorded = tmp_path / "content" / "state" / "people" / "links.json"
    assert json.loads(recorded.read_text(encoding="utf-8")) == {
        "mastodon:lea@velo.example": {
            "checked_at": "2026-11-30T17:00:00Z",
            "sites": [LEA_SITE[8:]],
        },
        "mastodon:noor@velo.example": {"checked_at": "2026-11-30T17:00:00Z", "sites": []},
    }
    # Nobody pasted anything: invoke fans shows one row, summed across both networks.
    after = rows(settings)
    assert "Léa M." not in after
    lea = after["Léa"]  # the name on the profile that states the link
    assert lea["networks"] == ["bluesky", "mastodon"]
    assert lea["linked_by"] == ["lea.example.com"]
    assert lea["counts"] == {"reply": 1, "quote": 1, "mention": 0, "repost": 0, "like": 1}
    assert lea["score"] == 4.28  # as when the people file links them (test_fans)
    assert lea["first_seen"] == "2026-10-30T17:00:00Z"  # her Mastodon reply before the period
    assert lea["last_seen"] == "2026-11-12T16:00:00Z"  # her Bluesky quote
    assert [f["name"] for f in json.loads(fans(settings, "--json"))["fans"]] == [
        "Noor",
        "Léa",
        "Samuel",
    ]
    table = fans(settings)
    assert "     one person: linked by lea.example.com (a verified profile link)\n" in table
    assert ",lea.example.com," in fans(settings, "--csv")


def test_the_report_top_fans_are_merged_too(tmp_path: Path) -> None:
    settings = scene(tmp_path)
    people(settings)
    insight = open_insight(settings)
    hours = OpeningHours.from_settings({})
    report = build(
        insight.states,
        Period.month("2026-11", hours),
        now=NOW,
        hours=hours,
        exclusions=insight.exclusions,
        words=insight.desk.words,
        authors=insight.desk.authors,
    )
    assert [(f.name, f.networks, f.linked_by) for f in report.fans] == [
        ("Noor", ["mastodon"], []),
        ("Léa", ["bluesky", "mastodon"], ["lea.example.com"]),
        ("Samuel", ["bluesky"], []),
    ]
    pages = render.write(report, tmp_path / "report")
    french, english = (page.read_text(encoding="utf-8") for page in pages[:2])
    assert "Bluesky, Mastodon (un seul compte, lié par lea.example.com)" in french
    assert "Bluesky, Mastodon (one person, linked by lea.example.com)" in english


def test_an_opted_out_account_leaves_the_whole_person_out(tmp_path: Path) -> None:
    settings = scene(tmp_path, 'opted_out = ["bluesky:lea.example.com"]\n')
    assert "Léa" in rows(settings) and "Léa M." not in rows(settings)  # only her Bluesky asked
    people(settings)
    assert not {"Léa", "Léa M."} & set(rows(settings))


def test_a_company_domain_linked_from_a_profile_leaves_the_person_out(tmp_path: Path) -> None:
    # Noor's profile verifies the brand's domain: the site links back to her, so she speaks for
    # the company and is not a fan, however many replies she wrote.
    settings = scene(tmp_path)
    people(settings, verified={**LEA_VERIFIED, "noor@velo.example": "https://velosboreal.test/"})
    assert "Noor" not in rows(settings) and "Léa" in rows(settings)


def test_a_link_that_stops_verifying_unmerges_at_the_next_check(tmp_path: Path) -> None:
    settings = scene(tmp_path)
    people(settings)
    assert "Léa M." not in rows(settings)
    shown = people(settings, verified={})
    assert "No Mastodon profile links, verified, to a Bluesky handle seen here." in shown
    after = rows(settings)
    assert after["Léa"]["networks"] == ["mastodon"] and after["Léa"]["linked_by"] == []
    assert after["Léa M."]["networks"] == ["bluesky"]


def test_not_same_in_the_people_file_keeps_a_wrong_link_apart(tmp_path: Path) -> None:
    settings = scene(
        tmp_path,
        OPTED_OUT_ONLY
        + '\n[[not_same]]\nnote = "a site she shares"\n'
        + 'accounts = ["mastodon:lea@velo.example", "bluesky:lea.example.com"]\n',
    )
    shown = people(settings)
    assert "0 linked by the person themselves" in shown
    assert "1 kept apart by the people file" in shown
    assert {"Léa", "Léa M."} <= set(rows(settings))


def test_the_people_file_names_a_person_a_link_completes(tmp_path: Path) -> None:
    # The file knew Léa's Bluesky account only; her verified link adds her Mastodon one.
    settings = scene(
        tmp_path,
        OPTED_OUT_ONLY
        + '\n[[person]]\nname = "Léa Martin"\naccounts = ["bluesky:lea.example.com"]\n',
    )
    people(settings)
    lea = rows(settings)["Léa Martin"]
    assert lea["networks"] == ["bluesky", "mastodon"]
    assert lea["linked_by"] == ["people file", "lea.example.com"]


def test_a_link_never_joins_two_people_the_file_names(tmp_path: Path) -> None:
    settings = scene(
        tmp_path,
        OPTED_OUT_ONLY
        + '\n[[person]]\nname = "Léa Martin"\naccounts = ["mastodon:lea@velo.example"]\n'
        + '\n[[person]]\nname = "Léa Morin"\naccounts = ["bluesky:lea.example.com"]\n',
    )
    assert "1 kept apart by the people file" in people(settings)
    assert {"Léa Martin", "Léa Morin"} <= set(rows(settings))


def test_one_person_and_not_the_same_at_once_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.toml"
    path.write_text(
        '[[person]]\nname = "A"\naccounts = ["mastodon:a@x.example", "bluesky:a.example"]\n'
        '[[not_same]]\naccounts = ["bluesky:a.example", "mastodon:@A@x.example"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="one person \\('A'\\) and not_same 1 says"):
        People.load(path)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_the_schedule_checks_each_profile_at_most_once_a_week_and_commits_it(
    tmp_path: Path,
) -> None:
    settings = scene(tmp_path)
    (tmp_path / ".gitignore").write_text("/content/state/.lock\n", encoding="utf-8")  # as ours
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "user.email", "test@example.invalid")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "site")
    out = io.StringIO()
    run = Pipeline(tmp_path, {}, out, settings, load_settings(settings), "", 0)
    requests: list[httpx.Request] = []

    def step(days: float, verified: Mapping[str, str] = LEA_VERIFIED) -> str:
        at = NOW + timedelta(days=days)
        assert step_people(run, transport=mastodon(requests, verified), now=at) == 0
        said = out.getvalue()
        out.seek(0)
        out.truncate()
        return said

    said = step(0)
    assert said.startswith("people: done; its report:\n")
    assert "Read 2 Mastodon profiles due a check (each at most once every 7 days), " in said
    assert "1 link applied" in said and "lea@" not in said  # counts only in the run's log
    assert len(requests) == 2
    step_state(run, "Record backfeed and syndication")
    committed = git(tmp_path, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == ["content/state/people/links.json"]
    assert "Léa M." not in rows(settings)

    said = step(0.5)  # the next runs of the day do not even rank the fans again
    assert "skipped: fans' profiles were looked up at " in said and "once a day" in said
    step(6)  # within the week: no stranger's server is asked again
    assert len(requests) == 2
    said = step(7, verified={})  # a week later, Léa's link no longer verifies
    assert len(requests) == 4 and "0 links applied" in said
    assert rows(settings)["Léa M."]["networks"] == ["bluesky"]


def test_the_schedule_reads_no_profile_when_the_setting_is_0(tmp_path: Path) -> None:
    settings = scene(tmp_path)
    with settings.open("a", encoding="utf-8") as extra:
        extra.write("AGORA_PEOPLE_RECHECK_DAYS = 0\n")
    out = io.StringIO()
    run = Pipeline(tmp_path, {}, out, settings, load_settings(settings), "", 0)
    requests: list[httpx.Request] = []
    assert step_people(run, transport=mastodon(requests), now=NOW) == 0
    assert "skipped: AGORA_PEOPLE_RECHECK_DAYS is 0." in out.getvalue() and requests == []


def test_a_profile_that_cannot_be_read_is_one_line_and_the_rest_goes_on(tmp_path: Path) -> None:
    settings = scene(tmp_path)
    state = tmp_path / "content" / "state" / "posts" / "velo.fr.json"
    state.write_text(
        state.read_text(encoding="utf-8").replace("noor@velo.example", "noor@down.example"),
        encoding="utf-8",
    )
    shown = people(settings)
    assert "@noor@down.example: its profile could not be read (HTTP 503)." in shown
    assert "Read 1 of 2 Mastodon profiles of the top fans" in shown
    assert "  lea.example.com: Mastodon @lea@velo.example and Bluesky @lea.example.com" in shown
    recorded = json.loads(
        (tmp_path / "content" / "state" / "people" / "links.json").read_text(encoding="utf-8")
    )
    assert recorded["mastodon:noor@down.example"]["failed"] == "HTTP 503"


def test_only_links_mastodon_verified_count() -> None:
    account = {
        "fields": [
            {"value": '<a href="https://www.lea.example.com/">site</a>', "verified_at": "x"},
            {"value": '<a href="javascript:alert(1)">x</a>', "verified_at": "x"},
            {"value": '<a href="https://other.example">x</a>', "verified_at": None},
            # A page on a shared host is theirs, its domain is not: never joined to github.com.
            {"value": '<a href="https://github.com/lea">github</a>', "verified_at": "x"},
            {"value": '<a href="https://lea.example.net/?me">x</a>', "verified_at": "x"},
            "not a field",
        ]
    }
    assert verified_hosts(account) == {"lea.example.com"}
    assert verified_hosts({"fields": "nope"}) == set()


def test_an_address_or_a_local_name_is_never_asked() -> None:
    from syndication.model import Person

    for url in ("http://127.0.0.1:8080/@x", "http://[::1]/@x", "http://localhost/@x"):
        assert lookup_request(Person("mastodon", "1", "x", url=url)) is None
    assert lookup_request(Person("mastodon", "1", "x@printer.local")) is None
    assert lookup_request(Person("mastodon", "1", "lea@velo.example")) == (
        "https://velo.example/api/v1/accounts/lookup",
        {"acct": "lea@velo.example"},
    )
