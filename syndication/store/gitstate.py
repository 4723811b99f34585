"""Commit the state back to the repository, so the next run (and every reader of the repo) sees it.

The commit holds only state paths, is made by the identity configured in git (a bot in CI), and
carries ``[agora-state]`` in its message so a publish workflow never starts on it. Pushing retries
after rebasing on a remote that moved (state files are one per post, so rebases do not conflict
unless two runs touched the same post, which the workflows' concurrency group prevents).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from syndication.errors import AgoraError
from syndication.secrets import redact

STATE_MARK = "[agora-state]"
# The answers folder too: a file is deleted in the commit that records its answer.
STATE_PATHS = ("content/state", "content/avatars", "content/answers")
PUSH_ATTEMPTS = 4


class GitError(AgoraError):
    """A git command failed; the message says which and what git said."""


def git(root: Path, *args: str) -> str:
    """Run git in ``root``; a failure is a GitError with git's last line."""
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise GitError(f"`git {args[0]}` failed: {redact(said[-1]) if said else done.returncode}")
    return done.stdout


def has_remote(root: Path, remote: str = "origin") -> bool:
    """Whether ``remote`` is configured."""
    return remote in git(root, "remote").split()


def commit_state(root: Path, message: str, state_paths: Sequence[str] = STATE_PATHS) -> bool:
    """Commit ``state_paths`` (relative to ``root``) if they changed; True when a commit was
    made. The pipeline passes the folders its settings name (``AGORA_STATE_PATH`` may move the
    state), ``STATE_PATHS`` being the defaults."""
    paths = [p for p in dict.fromkeys(state_paths) if (root / p).exists()]
    if not paths:
        return False
    git(root, "add", "--all", "--", *paths)
    staged = subprocess.run(
        ["git", "diff", "--cached", "--quiet", "--", *paths], cwd=root, check=False
    )
    if staged.returncode == 0:
        return False
    git(root, "commit", "--quiet", "-m", f"{message} {STATE_MARK}", "--", *paths)
    return True


def push(root: Path, remote: str = "origin", branch: str = "") -> None:
    """Push the current branch, rebasing on the remote when it moved meanwhile."""
    target = branch or git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    last_error: GitError | None = None
    for _attempt in range(PUSH_ATTEMPTS):
        try:
            git(root, "push", "--quiet", remote, f"HEAD:{target}")
            return
        except GitError as error:
            last_error = error
            git(root, "pull", "--quiet", "--rebase", remote, target)
    raise GitError(
        f"could not push the state to {remote}/{target} after {PUSH_ATTEMPTS} attempts "
        f"({last_error}); the commit is kept locally: push it by hand before the next run."
    )
