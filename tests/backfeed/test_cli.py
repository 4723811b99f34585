"""`invoke backfeed` as a person meets it: could not start, a refused token, the progress bar.

A run that cannot start says in one sentence what to set and exits 2, touching nothing; a network
that refuses the credentials is one redacted line and exit 1, the state untouched; the progress
bar redraws in place on a terminal and stays quiet in a log for a short run.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from backfeed_support import backfeed, workspace_with_settings
from syndicate_support import peers_env, tree_digest

from sandbox.mastodon import MastodonServer
from syndication.cli import backfeed as backfeed_cli
from syndication.cli.backfeed import ProgressBar


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture blog and its settings file, with an empty state."""
    return workspace_with_settings(tmp_path_factory.mktemp("backfeed-cli"))


def test_no_network_configured_says_what_to_set_and_exits_2(settings: Path) -> None:
    before = tree_digest(settings.parent / "content")
    out = io.StringIO()
    code = backfeed_cli.run(settings, env={}, stdout=out)
    assert code == 2
    message = out.getvalue()
    assert message.startswith("Backfeed did not run: no network is configured; set ")
    for variable in (
        "AGORA_BLUESKY_HANDLE",
        "AGORA_BLUESKY_APP_PASSWORD",
        "AGORA_MASTODON_BASE_URL",
        "AGORA_MASTODON_ACCESS_TOKEN",
    ):
        assert variable in message
    assert message.count("\n") == 1 and message.rstrip().endswith(".")
    assert tree_digest(settings.parent / "content") == before


def test_a_missing_settings_file_exits_2(tmp_path: Path) -> None:
    out = io.StringIO()
    code = backfeed_cli.run(tmp_path / "nowhere.py", env={}, stdout=out)
    assert code == 2
    assert out.getvalue() == (
        f"Backfeed did not run: {tmp_path / 'nowhere.py'}: no such settings file; "
        "pass --settings with an existing one.\n"
    )


def test_a_half_configured_network_names_the_missing_variable(settings: Path) -> None:
    out = io.StringIO()
    code = backfeed_cli.run(
        settings, env={"AGORA_MASTODON_BASE_URL": "https://m.example"}, stdout=out
    )
    assert code == 2
    assert "AGORA_MASTODON_ACCESS_TOKEN is not set" in out.getvalue()


@pytest.mark.mastodon
def test_a_refused_token_is_one_redacted_line_and_exit_1(
    settings: Path, mastodon_server: MastodonServer
) -> None:
    wrong = "wrong-token-3f9a1c77"
    env = peers_env(None, mastodon_server) | {"AGORA_MASTODON_ACCESS_TOKEN": wrong}
    before = tree_digest(settings.parent / "content")
    code, report, _ = backfeed(settings, env)
    assert code == 1, report
    failures = [line for line in report.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1 and failures[0].startswith("FAILED on Mastodon: Mastodon at ")
    assert "refused the credentials" in failures[0]
    assert "AGORA_MASTODON_ACCESS_TOKEN" in failures[0]
    assert wrong not in report
    # nothing recorded, not even the cursor: the next run sees the same notifications (the
    # store's lock file, empty and ignored by git, is all the run leaves)
    after = tree_digest(settings.parent / "content")
    assert {name: digest for name, digest in after.items() if name != "state/.lock"} == before


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Yes."""
        return True


def test_the_progress_bar_redraws_in_place_on_a_terminal() -> None:
    stream = Terminal()
    bar = ProgressBar(stream)
    bar("mastodon", 1, 2)
    bar("bluesky", 1, 2)
    bar("mastodon", 2, 2)
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 3 and frames[-1].endswith("\n")
    assert frames[0] == f"[{'#' * 15}{'.' * 15}] threads refreshed: Mastodon 1/2"
    assert (
        frames[-1].rstrip() == f"[{'#' * 22}{'.' * 8}] threads refreshed: Bluesky 1/2, Mastodon 2/2"
    )


def test_the_progress_bar_in_a_log_is_silent_for_short_runs_and_brief_for_long_ones() -> None:
    short = io.StringIO()
    bar = ProgressBar(short, threshold=20)
    for done in range(1, 6):
        bar("bluesky", done, 5)
    bar.close()
    assert short.getvalue() == ""

    long = io.StringIO()
    bar = ProgressBar(long, threshold=20)
    for done in range(1, 101):
        bar("bluesky", done, 100)
    bar.close()
    lines = long.getvalue().splitlines()
    assert len(lines) == 11  # at the start, then at each tenth; no carriage returns in a log
    assert "\r" not in long.getvalue()
    assert lines[-1] == f"[{'#' * 30}] threads refreshed: Bluesky 100/100"
