"""`invoke people`: the accounts people link publicly (Mastodon's rel=me verification), found
for the people file, against an ``httpx.MockTransport`` that answers as Mastodon's lookup does
(https://docs.joinmastodon.org/methods/accounts/#lookup)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
from insight_scene import NOW, project

from syndication.cli.insight import run_fans, run_people
from syndication.networks.mastodon.profiles import lookup_request, verified_hosts

OPTED_OUT_ONLY = 'opted_out = ["mastodon:olivier@velo.example", "olivier.test"]\n'
LEA_SITE = '<a href="https://lea.example.com" rel="me" target="_blank">lea.example.com</a>'


def mastodon(requests: list[httpx.Request]) -> httpx.MockTransport:
    """Léa's profile links her site, verified; Noor's links it too, not verified (anyone can
    type any link); Samuel's server is down."""

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        acct = request.url.params.get("acct")
        if request.url.path != "/api/v1/accounts/lookup":
            return httpx.Response(404, json={"error": "Record not found"})
        fields = {
            "lea@velo.example": [
                {"name": "Pronoms", "value": "elle", "verified_at": None},
                {"name": "Site", "value": LEA_SITE, "verified_at": "2026-10-01T12:00:00.000Z"},
            ],
            "noor@velo.example": [{"name": "Site", "value": LEA_SITE, "verified_at": None}],
        }
        if acct not in fields:
            return httpx.Response(503)
        return httpx.Response(200, json={"acct": acct, "fields": fields[acct]})

    return httpx.MockTransport(answer)


def people(settings: Path, requests: list[httpx.Request]) -> str:
    out = io.StringIO()
    code = run_people(
        settings, since="2026-11-01", now=NOW, stdout=out, transport=mastodon(requests)
    )
    assert code == 0
    return out.getvalue()


def test_a_verified_link_to_a_bluesky_handle_suggests_one_person(tmp_path: Path) -> None:
    settings = project(tmp_path)
    people_file = tmp_path / "content" / "people.toml"
    people_file.write_text(OPTED_OUT_ONLY, encoding="utf-8")
    requests: list[httpx.Request] = []
    shown = people(settings, requests)
    assert "1 linked by the person themselves" in shown
    suggestion = shown[shown.index("# lea.example.com") :]
    assert suggestion == (
        "# lea.example.com: verified by Mastodon on the profile, and the Bluesky handle.\n"
        "[[person]]\n"
        'name = "Léa"\n'
        'accounts = ["mastodon:lea@velo.example", "bluesky:lea.example.com"]\n'
    )
    # Only the fans' Mastodon profiles were asked, each once, on their own server, no opt-out.
    asked = sorted(str(r.url) for r in requests)
    assert asked == [
        "https://velo.example/api/v1/accounts/lookup?acct=lea%40velo.example",
        "https://velo.example/api/v1/accounts/lookup?acct=noor%40velo.example",
    ]
    # Pasted into the people file, the two accounts are one row of invoke fans.
    people_file.write_text(OPTED_OUT_ONLY + "\n" + suggestion, encoding="utf-8")
    out = io.StringIO()
    assert run_fans(settings, since="2026-11-01", now=NOW, as_json=True, stdout=out) == 0
    lea = [f for f in json.loads(out.getvalue())["fans"] if f["name"] == "Léa"]
    assert [lea[0]["networks"], len(lea)] == [["bluesky", "mastodon"], 1]


def test_already_linked_people_are_not_suggested_again(tmp_path: Path) -> None:
    shown = people(project(tmp_path), [])
    assert "No Mastodon profile links, verified, to a Bluesky handle seen here." in shown
    assert "[[person]]" not in shown


def test_a_profile_that_cannot_be_read_is_one_line_and_the_rest_goes_on(tmp_path: Path) -> None:
    settings = project(tmp_path)
    (tmp_path / "content" / "people.toml").write_text(OPTED_OUT_ONLY, encoding="utf-8")
    state = tmp_path / "content" / "state" / "posts" / "velo.fr.json"
    state.write_text(
        state.read_text(encoding="utf-8").replace("noor@velo.example", "noor@down.example"),
        encoding="utf-8",
    )
    shown = people(settings, [])
    assert "@noor@down.example: its profile could not be read (HTTP 503)." in shown
    assert "Read 1 of 2 Mastodon profiles of the top fans." in shown
    assert 'accounts = ["mastodon:lea@velo.example", "bluesky:lea.example.com"]' in shown


def test_only_links_mastodon_verified_count() -> None:
    account = {
        "fields": [
            {"value": '<a href="https://www.lea.example.com/">site</a>', "verified_at": "x"},
            {"value": '<a href="javascript:alert(1)">x</a>', "verified_at": "x"},
            {"value": '<a href="https://other.example">x</a>', "verified_at": None},
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
