"""The state is committed back with real git: only state paths, marked, pushed through races."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from syndication.store.gitstate import STATE_MARK, GitError, commit_state, git, push


def clone(remote: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True)
    git(where, "config", "user.name", "Agora bot")
    git(where, "config", "user.email", "bot@example.invalid")
    return where


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    seed = clone(bare, tmp_path / "seed")
    (seed / "content" / "state" / "posts").mkdir(parents=True)
    (seed / "content" / "posts").mkdir(parents=True)
    (seed / "content" / "state" / "posts" / ".keep").write_text("", encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "seed")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def test_only_state_is_committed_and_marked(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work")
    assert commit_state(work, "Record syndication") is False  # nothing changed
    (work / "content" / "state" / "posts" / "a.fr.json").write_text("{}\n", encoding="utf-8")
    (work / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (work / "content" / "posts" / "draft.md").write_text("Title: x\n", encoding="utf-8")
    assert commit_state(work, "Record syndication") is True
    shown = git(work, "show", "--name-only", "--format=%s", "HEAD").split()
    assert "content/state/posts/a.fr.json" in shown and "content/posts/draft.md" not in shown
    assert STATE_MARK in git(work, "log", "-1", "--format=%s")
    push(work)
    assert "a.fr.json" in git(remote, "ls-tree", "-r", "--name-only", "main")


def test_push_rebases_when_the_remote_moved(remote: Path, tmp_path: Path) -> None:
    first = clone(remote, tmp_path / "first")
    second = clone(remote, tmp_path / "second")
    (first / "content" / "state" / "posts" / "a.fr.json").write_text("{}\n", encoding="utf-8")
    commit_state(first, "one")
    push(first)
    (second / "content" / "state" / "posts" / "b.fr.json").write_text("{}\n", encoding="utf-8")
    commit_state(second, "two")
    push(second)
    files = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert {"content/state/posts/a.fr.json", "content/state/posts/b.fr.json"} <= set(files)


def test_unreachable_remote_keeps_the_commit(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work")
    (work / "content" / "state" / "posts" / "a.fr.json").write_text("{}\n", encoding="utf-8")
    commit_state(work, "Record")
    git(work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(GitError, match="failed"):
        push(work)
    assert STATE_MARK in git(work, "log", "-1", "--format=%s")
