"""`invoke inbox` and `invoke reply` on state files in a temporary folder.

The inbox is read from a constructed state: the table, the JSON for tools, ``--since`` and the
answer-time figures. Every bad ``reply`` ends in one sentence and exit code 2 with the state file
untouched; the brand's Bluesky account points at a port where nothing listens, so any call to the
network would fail the command with 1 instead.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import inbox_people as people
import pytest
from inbox_people import BRAND, LEA, NOOR, NOW, SAM

from syndication.cli.desk import main, one_line, parse_since, run_inbox, run_reply
from syndication.desk.inbox import item_id
from syndication.errors import ConfigError
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)
from syndication.store.state import StateStore

ROOT = Path(__file__).resolve().parents[2]
AUTHORS = {
    "Camille Tremblay": {"first_name": "Camille"},
    "Camille Roy": {"first_name": "Camille"},
    "Mathieu Gagnon": {"first_name": "Mathieu"},
}
QUESTION = (
    "Est-ce que la mise au point comprend les freins à disque ? Je roule tous les jours entre "
    "Lévis et Québec, même en hiver. Merci d'avance pour tout."
)
COMPLAINT = "Commande en retard de trois semaines,\x1b[31m franchement déçu."
# Nothing listens on port 9 (discard): a call to this "network" fails at once.
OFFLINE = {
    "AGORA_BLUESKY_SERVICE": "http://127.0.0.1:9",
    "AGORA_BLUESKY_HANDLE": "velosboreal.test",
    "AGORA_BLUESKY_APP_PASSWORD": "offline-app-password",
}


def reply_item(
    network: str, native: str, who: Person, hours_ago: float, text: str, **extra: object
) -> Interaction:
    """A reply with its permalink on the network, as the inbox lists it."""
    url = f"https://{network}.example/{native.rsplit('/', 1)[-1]}"
    return people.reply_item(network, native, who, hours_ago, text, url=url, **extra)


def copy_on(network: str, copy_id: str) -> Copy:
    return Copy(
        network,
        CopyStatus.PUBLISHED,
        "k",
        NOW - timedelta(days=3),
        id=copy_id,
        url=f"https://{network}.example/copy",
        published_at=NOW - timedelta(days=3),
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A settings file, a content folder with the project's complaint words, an empty state."""
    (tmp_path / "content").mkdir()
    shutil.copy(ROOT / "content" / "complaint-words.txt", tmp_path / "content")
    settings = tmp_path / "settings.py"
    settings.write_text(
        f'PATH = "content"\nAGORA_STATE_PATH = "content/state"\nAGORA_AUTHORS = {AUTHORS!r}\n',
        encoding="utf-8",
    )
    return settings


def save(project: Path, *items: Interaction, key: str = "freins.fr") -> StateStore:
    store = StateStore(project.parent / "content" / "state")
    state = PostState(key=key)
    state.copies["mastodon"] = copy_on("mastodon", "copy")
    state.copies["bluesky"] = copy_on("bluesky", "at://did:plc:brand/app.bsky.feed.post/copy")
    for one in items:
        state.interactions[interaction_key(one.network, one.id)] = one
    store.save(state)
    return store


def scene(project: Path) -> StateStore:
    """Noor's question (first time), Samuel's complaint (he liked the post before), an answered
    question, a like: two comments wait."""
    return save(
        project,
        reply_item("mastodon", "10", LEA, 30, "Ouvert dimanche ?"),
        reply_item(
            "mastodon", "11", BRAND, 29, "Oui, de 10 h à 16 h.", by_company=True, in_reply_to="10"
        ),
        reply_item(
            "bluesky",
            "at://did:plc:sam/app.bsky.feed.post/like",
            SAM,
            50,
            "",
            kind=InteractionKind.LIKE,
        ),
        reply_item("bluesky", "at://did:plc:sam/app.bsky.feed.post/3", SAM, 5, COMPLAINT),
        reply_item("mastodon", "12", NOOR, 26, QUESTION),
    )


def inbox(project: Path, *args: str, now: datetime = NOW) -> tuple[int, str]:
    out = io.StringIO()
    options = {"as_json": "--json" in args, "stats": "--stats" in args}
    since = next((a.split("=", 1)[1] for a in args if a.startswith("--since=")), "")
    code = run_inbox(project, since=since, now=now, stdout=out, **options)
    return code, out.getvalue()


def answer(
    project: Path, wanted: str, text: str, author: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    out = io.StringIO()
    code = run_reply(wanted, text, author, project, env=OFFLINE if env is None else env, stdout=out)
    return code, out.getvalue()


# -- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_waiting_comments_oldest_first_with_flags_and_ids(project: Path) -> None:
    scene(project)
    code, out = inbox(project)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2 comments waiting for an answer, oldest first")
    # A block per comment, after a blank line: who and flags, the text, the link, the ID.
    assert lines[1] == "" and lines[6] == "" and len(lines) == 11
    first, second = lines[2:6], lines[7:11]
    # Noor's question (26 h) before Samuel's complaint (5 h); the answered one is not listed.
    assert first[0].startswith("26 h") and "Mastodon" in first[0]
    assert "@noor@velo.example" in first[0] and "on freins.fr" in first[0]
    assert first[0].endswith("[question, first time]")
    assert first[1].strip() == f"« {one_line(QUESTION)} »" and QUESTION not in out
    assert first[1].endswith("… »")  # shortened to one line
    assert first[2].strip() == "https://mastodon.example/12"
    assert first[3].strip() == f"ID {item_id('mastodon', '12')}"
    assert second[0].startswith("5 h") and "Bluesky" in second[0] and "@samuel.test" in second[0]
    assert second[0].endswith("[complaint (decu, en retard, retard), returning]")
    assert second[3].strip() == f"ID {item_id('bluesky', 'at://did:plc:sam/app.bsky.feed.post/3')}"
    assert "\x1b" not in out  # a stranger's escape sequence never reaches the terminal
    assert "Ouvert dimanche" not in out
    assert max(len(line) for line in lines[1:]) <= 100  # fits a terminal beside an editor


def test_json_has_stable_keys_for_tools(project: Path) -> None:
    scene(project)
    code, out = inbox(project, "--json")
    data = json.loads(out)
    assert code == 0 and data["count"] == 2 and data["since"] is None
    assert data["generated_at"] == "2026-11-22T12:00:00Z"
    first = data["items"][0]
    assert sorted(first) == sorted(
        [
            "id",
            "network",
            "post",
            "kind",
            "author",
            "published_at",
            "age_hours",
            "text",
            "url",
            "question",
            "complaint",
            "first_time",
            "heard",
            "copy_url",
        ]
    )
    assert (first["id"], first["post"], first["age_hours"]) == (
        item_id("mastodon", "12"),
        "freins.fr",
        26.0,
    )
    assert first["author"] == {"handle": "noor@velo.example", "name": "Noor"}
    assert (first["question"], first["complaint"], first["first_time"]) == (True, [], True)
    assert data["items"][1]["complaint"] == ["decu", "en retard", "retard"]


def test_since_takes_a_duration_or_a_date(project: Path) -> None:
    scene(project)
    _, recent = inbox(project, "--json", "--since=24h")
    assert [i["network"] for i in json.loads(recent)["items"]] == ["bluesky"]
    _, by_date = inbox(project, "--json", "--since=2026-11-21")
    assert json.loads(by_date)["count"] == 2
    assert json.loads(by_date)["since"] == "2026-11-21T00:00:00Z"
    code, nothing = inbox(project, "--since=1h")
    assert code == 0 and nothing == "Nothing waits for an answer since 2026-11-22T11:00:00Z.\n"
    assert parse_since("2w", NOW) == NOW - timedelta(days=14)
    assert parse_since("2026-11-20T08:30:00-05:00", NOW) == datetime(
        2026, 11, 20, 13, 30, tzinfo=UTC
    )
    code, out = inbox(project, "--since=yesterday")
    assert code == 2
    assert out == (
        "The inbox could not be read: --since 'yesterday' is neither a duration (like 24h or 7d) "
        "nor an ISO date (like 2026-11-20); give one of those.\n"
    )


def stats_scene(project: Path) -> None:
    """Mastodon: five questions answered after 1, 2, 3, 4 and 10 h, one waiting for 30 h;
    Bluesky: one answered after 30 min, one waiting for 2 h."""
    items = []
    for number, delay in enumerate([1, 2, 3, 4, 10]):
        items.append(reply_item("mastodon", f"q{number}", LEA, 50, "Question ?"))
        items.append(
            reply_item(
                "mastodon",
                f"a{number}",
                BRAND,
                50 - delay,
                "Réponse.",
                by_company=True,
                in_reply_to=f"q{number}",
            )
        )
    items.append(reply_item("mastodon", "late", LEA, 30, "Allô ?"))
    items.append(reply_item("bluesky", "b1", SAM, 6, "Allô ?"))
    items.append(reply_item("bluesky", "fresh", SAM, 2, "Allô ?"))
    state_store = save(project, *items)
    # Bluesky's answer was sent with `invoke reply`: it counts before backfeed brings it back.
    state = state_store.load("freins.fr")
    state.answers["bluesky:b1"] = Copy(
        "bluesky",
        CopyStatus.PUBLISHED,
        "3k",
        NOW,
        id="at://a",
        published_at=NOW - timedelta(hours=5, minutes=30),
    )
    state_store.save(state)


def test_stats_give_median_p90_and_late_per_network_and_overall(project: Path) -> None:
    stats_scene(project)
    code, out = inbox(project, "--stats")
    assert code == 0
    rows = [line.split("  ") for line in out.splitlines()[2:]]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells == [
        ["network", "answered", "median", "90th percentile", "waiting", "waiting > 24 h"],
        ["Bluesky", "1", "30 min", "30 min", "1", "0"],
        ["Mastodon", "5", "3 h", "10 h", "1", "1"],
        ["overall", "6", "2 h", "10 h", "2", "1"],
    ]
    _, raw = inbox(project, "--stats", "--json")
    data = json.loads(raw)["stats"]
    assert data["mastodon"] == {
        "answered": 5,
        "median_seconds": 3 * 3600,
        "p90_seconds": 10 * 3600,
        "waiting": 1,
        "waiting_late": 1,
    }
    assert data["overall"]["waiting"] == 2 and data["bluesky"]["median_seconds"] == 1800
    # --since keeps the comments of the last 24 hours: Mastodon's are older.
    _, recent = inbox(project, "--stats", "--json", "--since=24h")
    assert sorted(json.loads(recent)["stats"]) == ["bluesky", "overall"]


def test_an_empty_state_says_so(project: Path) -> None:
    assert inbox(project) == (0, "Nothing waits for an answer.\n")
    assert inbox(project, "--stats") == (0, "No comment to answer yet.\n")


def test_a_missing_settings_file_is_one_sentence(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_inbox(tmp_path / "none.py", stdout=out) == 2
    assert out.getvalue() == (
        f"The inbox could not be read: {tmp_path / 'none.py'}: no such settings file; "
        "pass --settings with an existing one.\n"
    )


# -- reply: bad input posts nothing ------------------------------------------------------------


def test_bad_replies_are_one_sentence_and_change_nothing(project: Path) -> None:
    store = scene(project)
    question = item_id("mastodon", "12")
    complaint = item_id("bluesky", "at://did:plc:sam/app.bsky.feed.post/3")
    like = item_id("bluesky", "at://did:plc:sam/app.bsky.feed.post/like")
    before = store.path_for("freins.fr").read_bytes()
    cases = [
        (
            ("nope", "Merci !", "Camille Tremblay"),
            "no comment has the ID 'nope'; run `invoke inbox` to see the IDs.",
        ),
        (
            (complaint, "   ", "Camille Tremblay"),
            'the answer is empty; write it in quotes after the ID, e.g. invoke reply ID "Merci!" '
            "--as Camille.",
        ),
        (
            (complaint, "Désolés !", "Julie"),
            "'Julie' is not in AGORA_AUTHORS (known: Camille Roy, Camille Tremblay, Mathieu "
            "Gagnon); use one of them with --as, or add them to pelicanconf.py.",
        ),
        (
            (complaint, "Désolés !", " "),
            "say who answers with --as, e.g. --as Camille (see AGORA_AUTHORS).",
        ),
        (
            (complaint, "Désolés !", "camille"),
            "'camille' is the first name of Camille Roy, Camille Tremblay; give the full name.",
        ),
        (
            (like, "Merci !", "Mathieu"),
            f"{like} is a like on Bluesky, which cannot be answered; only replies, mentions and "
            "quotes can.",
        ),
        (
            (item_id("mastodon", "11"), "Merci !", "Mathieu"),
            f"{item_id('mastodon', '11')} is the company's own answer on Mastodon, not a "
            "reader's comment; answer the comment it replies to instead.",
        ),
        (
            (item_id("mastodon", "10"), "Encore merci !", "Mathieu"),
            f"{item_id('mastodon', '10')} was already answered on Mastodon by "
            "@velosboreal@velo.example (https://mastodon.example/11).",
        ),
        (
            (question, "Oui.", "Mathieu"),
            "Mastodon is not configured, so this comment cannot be answered; set its account "
            "variables (see the README) and run the command again.",
        ),
        (
            # 291 graphemes of 582 code points, and the 10 of " — Mathieu": one too many.
            (complaint, "👍🏽" * 291, "mathieu gagnon"),
            "the answer is 301 graphemes as Bluesky counts it (signature and mention included), "
            "over its 300; shorten it by 1.",
        ),
    ]
    for (wanted, text, author), sentence in cases:
        assert answer(project, wanted, text, author) == (2, f"Nothing was posted: {sentence}\n")
    silenced = {**OFFLINE, "AGORA_PAUSE_ANSWERS": "incident 42"}
    assert answer(project, complaint, "Désolés.", "Mathieu", env=silenced) == (
        2,
        "Nothing was posted: answers are paused: AGORA_PAUSE_ANSWERS is set (incident 42); "
        "lift it to answer.\n",
    )
    assert store.path_for("freins.fr").read_bytes() == before


def test_an_answer_that_fits_meets_an_unreachable_network_and_changes_nothing(
    project: Path,
) -> None:
    """290 graphemes and the signature fit; the network cannot be reached when it is asked
    whether the company already answered (exit 1): the request never left, so no intent is
    recorded and the state file is byte for byte as it was."""
    store = scene(project)
    before = store.path_for("freins.fr").read_bytes()
    complaint = item_id("bluesky", "at://did:plc:sam/app.bsky.feed.post/3")
    code, out = answer(project, complaint, "👍🏽" * 290, "Mathieu")
    assert code == 1
    assert out.startswith(f"The answer to {complaint} failed: ")
    assert OFFLINE["AGORA_BLUESKY_APP_PASSWORD"] not in out
    assert store.path_for("freins.fr").read_bytes() == before
    _, listed = inbox(project, "--json")
    assert json.loads(listed)["count"] == 2


def test_the_command_line_takes_as(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scene(project)
    code = main(["--settings", str(project), "reply", "nope", "Merci", "--as", "Mathieu"])
    assert code == 2
    assert "no comment has the ID 'nope'" in capsys.readouterr().out
    # --settings also after the command, as `make demo` writes it
    assert main(["inbox", "--settings", str(project), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 2
    with pytest.raises(ConfigError, match="--since 'demain'"):
        parse_since("demain", NOW)


def test_invoke_takes_the_id_the_text_and_as(project: Path) -> None:
    """The tasks themselves: ``invoke reply ID "text" --as "Camille Tremblay"`` and ``inbox``."""
    scene(project)

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "invoke", "-r", str(ROOT), *args, "--settings", str(project)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    refused = invoke("reply", "nope", "Merci !", "--as", "Camille Tremblay")
    assert (refused.returncode, refused.stdout) == (
        2,
        "Nothing was posted: no comment has the ID 'nope'; run `invoke inbox` to see the IDs.\n",
    )
    listed = invoke("inbox", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)["count"] == 2
