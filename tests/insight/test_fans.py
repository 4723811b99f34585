"""`invoke fans` on the hand-built November of ``insight_scene``.

Scores (weights 3 for a reply or quote, 2 for a repost or mention, 1 for a like; halved every
30 days; the ranking is made on Mon 30 Nov 17:00 UTC):

- Noor: E (4 h old) 3 x 0.5^(4/720) = 2.988, C (19 d 2 h old) 3 x 0.5^(19.083/30) = 1.929:
  4.92;
- Léa Martin (her Mastodon and Bluesky accounts, linked in people.toml): D (18 d 1 h old)
  3 x 0.5^(18.042/30) = 1.977, A (23 d 20 h) 3 x 0.5^(23.833/30) = 1.730, her like (23 d 21 h)
  0.5^(23.875/30) = 0.576: 4.28; her reply of 30 October (17:00 UTC) is before the period and
  counts only for "first seen";
- Samuel: B (19 d 16 h) 3 x 0.5^(19.667/30) = 1.904, two likes (19 d 17 h, 14 d 23 h) 0.634 +
  0.708: 3.25;
- Olivier (two reposts and a like, 5.6 before decay) opted out: not listed; Camille (an
  employee), the brand and the spammer (a hidden item): not listed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from insight_scene import NOW, project

from syndication.cli.insight import CSV_COLUMNS, main, render_fans, run_fans
from syndication.errors import ConfigError
from syndication.insight.people import People


def fans(settings: Path, *flags: str, since: str = "2026-11-01") -> str:
    out = io.StringIO()
    options = {"as_json": "--json" in flags, "as_csv": "--csv" in flags}
    assert run_fans(settings, since=since, now=NOW, stdout=out, **options) == 0
    return out.getvalue()


def test_people_are_ranked_by_weighted_recent_engagement(tmp_path: Path) -> None:
    data = json.loads(fans(project(tmp_path), "--json"))
    assert [(f["rank"], f["name"], f["score"]) for f in data["fans"]] == [
        (1, "Noor", 4.92),
        (2, "Léa Martin", 4.28),
        (3, "Samuel", 3.25),
    ]
    assert data["since"] == "2026-11-01T00:00:00Z" and data["count"] == 3


def test_two_networks_are_one_person_when_people_toml_links_them(tmp_path: Path) -> None:
    lea = json.loads(fans(project(tmp_path), "--json"))["fans"][1]
    assert lea["networks"] == ["bluesky", "mastodon"]  # the registry's order
    assert [(a["network"], a["handle"]) for a in lea["accounts"]] == [
        ("bluesky", "lea.example.com"),
        ("mastodon", "lea@velo.example"),
    ]
    assert lea["counts"] == {"reply": 1, "quote": 1, "mention": 0, "repost": 0, "like": 1}
    assert lea["first_seen"] == "2026-10-30T17:00:00Z"  # her reply before the period
    assert lea["last_seen"] == "2026-11-12T16:00:00Z"
    assert (lea["latest_words"], lea["latest_url"]) == (
        "Franchement déçu du service",
        "https://bluesky.example/D",
    )


def test_without_the_people_file_each_account_is_its_own_row(tmp_path: Path) -> None:
    settings = project(tmp_path)
    (tmp_path / "content" / "people.toml").unlink()
    names = [f["name"] for f in json.loads(fans(settings, "--json"))["fans"]]
    assert "Léa" in names and "Léa M." in names and "Léa Martin" not in names
    assert "Olivier" in names  # nobody opted out any more


def test_company_employees_opted_out_and_hidden_are_never_listed(tmp_path: Path) -> None:
    shown = fans(project(tmp_path))
    for absent in ("Olivier", "olivier", "Camille", "camille", "Vélos Boréal", "Promo", "Gagnez"):
        assert absent not in shown
    assert "Noor" in shown and "Léa Martin" in shown


def test_the_table_says_what_each_person_did(tmp_path: Path) -> None:
    shown = fans(project(tmp_path))
    assert "3 people engaged in public since 2026-11-01T00:00:00Z" in shown
    assert "  2. Léa Martin  score 4.3  [Mastodon @lea@velo.example, Bluesky @lea.example.com]" in (
        shown
    )
    assert "2 replies; first seen 2026-11-11, last 2026-11-30" in shown
    assert "« Et mon remboursement ? »" in shown


def test_csv_has_one_row_per_person_and_no_formula(tmp_path: Path) -> None:
    settings = project(tmp_path)
    state = tmp_path / "content" / "state" / "posts" / "velo.fr.json"
    state.write_text(
        state.read_text(encoding="utf-8").replace("Et mon remboursement ?", "=HYPERLINK(1)"),
        encoding="utf-8",
    )
    rows = list(csv.reader(io.StringIO(fans(settings, "--csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row[1] for row in rows[1:]] == ["Noor", "Léa Martin", "Samuel"]
    noor = dict(zip(rows[0], rows[1], strict=True))
    assert noor["latest_words"] == "'=HYPERLINK(1)"  # shown as text by a spreadsheet
    assert (noor["reply"], noor["like"], noor["networks"]) == ("2", "0", "mastodon")
    lea = dict(zip(rows[0], rows[2], strict=True))
    assert lea["accounts"] == "bluesky:lea.example.com mastodon:lea@velo.example"


def test_the_default_period_is_90_days(tmp_path: Path) -> None:
    data = json.loads(fans(project(tmp_path), "--json", since=""))
    assert data["since"] == "2026-09-01T17:00:00Z"
    assert data["fans"][1]["counts"]["reply"] == 2  # Léa's reply of 30 October counts now


@pytest.mark.parametrize(
    ("people", "said"),
    [
        ('[[person]]\nname = "X"\naccounts = ["myspace:x"]\n', "'myspace:x' is not an account"),
        ('[[person]]\naccounts = ["mastodon:x"]\n', "person 1 needs a name"),
        (
            '[[person]]\nname = "A"\naccounts = ["mastodon:x"]\n'
            '[[person]]\nname = "B"\naccounts = ["mastodon:@X"]\n',
            "mastodon:x is listed for both 'A' and 'B'",
        ),
        ("friends = []\n", "unknown key 'friends'"),
        ('[[not_same]]\naccounts = ["mastodon:x"]\n', "not_same 1 needs a list of at least two"),
        ('[[not_same]]\nname = "X"\naccounts = []\n', "not_same 1 may only have accounts and"),
        ("opted_out = [", "fix the TOML syntax"),
    ],
)
def test_a_wrong_people_file_is_one_sentence_and_exit_2(
    tmp_path: Path, people: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = project(tmp_path)
    (tmp_path / "content" / "people.toml").write_text(people, encoding="utf-8")
    assert main(["--settings", str(settings), "fans"]) == 2
    printed = capsys.readouterr().out
    assert printed.startswith("The fans could not be listed: ") and said in printed
    with pytest.raises(ConfigError):
        People.load(tmp_path / "content" / "people.toml")


def test_json_and_csv_together_is_refused(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_fans(project(tmp_path), as_json=True, as_csv=True, now=NOW, stdout=out) == 2
    assert "choose --json or --csv, not both" in out.getvalue()


def test_the_half_life_setting_changes_the_weights(tmp_path: Path) -> None:
    settings = project(tmp_path)
    with settings.open("a", encoding="utf-8") as extra:
        extra.write("AGORA_FANS_HALF_LIFE_DAYS = 3650\n")
    # Ten years: almost no decay, so Léa's reply, quote and like (3 + 3 + 1 = 7, barely less)
    # come before Noor's two replies (6) and Samuel's reply and two likes (5).
    data = json.loads(fans(settings, "--json"))
    assert [(f["name"], round(f["score"])) for f in data["fans"]] == [
        ("Léa Martin", 7),
        ("Noor", 6),
        ("Samuel", 5),
    ]
    assert "halved every 3650 days" in fans(settings)


def test_the_table_shows_the_first_50_and_says_how_many_more(tmp_path: Path) -> None:
    from syndication.insight.fans import Fan

    crowd = [Fan(key=f"mastodon:{n}", name=f"Lecteur {n}", score=100 - n) for n in range(53)]
    shown = render_fans(crowd, NOW)
    assert " 50. Lecteur 49 " in shown and "Lecteur 50" not in shown
    assert shown.endswith("3 more: --json or --csv lists everyone.\n")
