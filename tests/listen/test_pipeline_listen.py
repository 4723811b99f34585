"""The scheduled refresh's listen step: its report in the run's log, the mentions committed with the
state, nothing to commit when nothing changed, and a broken source failing the step by name."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from feedgen.feed import FeedGenerator
from listen_support import ListeningSite, Nginx

from syndication.pipeline import Pipeline, step_listen, step_state
from syndication.posts import load_settings


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def repository(site: ListeningSite) -> Pipeline:
    """The fixture site as a repository whose state is in content/state, as the pipeline's is."""
    root = site.root
    state = root / "content" / "state"
    site.settings.write_text(
        site.settings.read_text("utf-8") + f"AGORA_STATE_PATH = {str(state)!r}\n", "utf-8"
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "site")
    return Pipeline(
        root=root,
        env={},
        out=io.StringIO(),
        settings_file=site.settings,
        settings=load_settings(site.settings),
        target="",
        wait_seconds=0,
    )


def said(run: Pipeline) -> list[str]:
    assert isinstance(run.out, io.StringIO)
    lines = run.out.getvalue().splitlines()
    run.out.seek(0)
    run.out.truncate()
    return lines


def test_the_listen_step_reports_and_its_mentions_are_committed_with_the_state(
    nginx: Nginx, site: ListeningSite
) -> None:
    feed = FeedGenerator()
    feed.id(nginx.url("/"))
    feed.title("Revue")
    feed.link(href=nginx.url("/"))
    feed.description("Revue")
    entry = feed.add_entry()
    entry.id("https://a.example/1")
    entry.title("Vélos Boréal ouvre un atelier")
    entry.link(href="https://a.example/1")
    entry.published(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    feed.atom_file(str(nginx.www / "revue.atom"))
    site.listening.write_text(
        '[terms]\nus = ["Vélos Boréal"]\n\n'
        f'[[feeds]]\nlabel = "Revue"\nurl = "{nginx.url("/revue.atom")}"\n\n'
        f'[[feeds]]\nlabel = "Disparu"\nurl = "{nginx.url("/missing.atom")}"\n',
        encoding="utf-8",
    )
    run = repository(site)

    assert step_listen(run) == 0
    lines = said(run)
    assert lines[:2] == [
        "listen: done; its report:",
        "  Listening: 1 new mention (1 about us); 1 feed read, 0 unchanged, 0 searches made.",
    ]
    assert lines[2].startswith("    warning: the feed 'Disparu'")
    step_state(run, "Record backfeed and syndication")
    committed = git(site.root, "show", "--name-only", "--format=%s", "HEAD").split()
    assert "content/state/listening/mentions/2026-11.json" in committed
    assert "content/state/listening/sources.json" in committed

    # The feed did not change: a 304, and nothing new to commit but the failing feed's count.
    assert step_listen(run) == 0
    said(run)
    step_state(run, "Record backfeed and syndication")
    changed = git(site.root, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["content/state/listening/sources.json"]
    assert said(run)[0].startswith("state: committed the state")

    # Third failure in a row: the step fails and names the source.
    assert step_listen(run) == 1
    lines = said(run)
    assert lines[0].startswith("FAILED at listen: some of it failed")
    assert (
        "    broken: 'Disparu' has failed 3 runs in a row; fix or remove it in the listening file."
        in lines
    )
