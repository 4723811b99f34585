"""A company that deletes every sample post and writes its own keeps a green check.

A temporary copy of the project (settings, tasks, theme, plugin) gets a content/ folder of two
posts of its own, and ``invoke check`` (what a pull request runs: the production build with the
house rules, then every internal link) passes on it with no house rule line.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

from fixture_blog import IMAGE, ROOT, SECOND, write_blog

PROJECT_FILES = ("pelicanconf.py", "publishconf.py", "tasks.py")
PROJECT_FOLDERS = ("theme", "plugins")


def _fork(destination: Path) -> Path:
    """The project with a blog of two posts by one of its authors instead of the sample posts."""
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, destination / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(
            ROOT / name, destination / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    authors = runpy.run_path(str(ROOT / "pelicanconf.py"))["AGORA_AUTHORS"]
    content = write_blog(destination, author=next(iter(authors)))
    # The settings name each author's photo: those files are the company's, kept with them.
    for details in authors.values():
        if details.get("photo"):
            photo = content / details["photo"]
            photo.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / "content" / details["photo"], photo)
    return destination


def _invoke_check(fork: Path) -> subprocess.CompletedProcess[str]:
    """``invoke check`` run in ``fork`` as a pull request runs it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AGORA_")  # a sandbox's state path or address must not leak in
    }
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "invoke", "check"],
        cwd=fork,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_invoke_check_passes_on_a_blog_of_two_posts_of_its_own(tmp_path: Path) -> None:
    fork = _fork(tmp_path)
    result = _invoke_check(fork)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert ": error: " not in said and ": warning: " not in said, said
    assert "every internal link" in said, said
    assert (fork / "output" / SECOND / "index.html").is_file()


def test_invoke_check_names_each_file_and_rule_and_fails_on_an_error(tmp_path: Path) -> None:
    fork = _fork(tmp_path)
    second = fork / "content" / "posts" / f"{SECOND}.md"
    front, _, _ = second.read_text(encoding="utf-8").partition("\n\n")
    # Short (a warning by default) and with an image nobody described (an error by default).
    second.write_text(f"{front}\n\nTrop court.\n\n![]({{static}}/{IMAGE})\n", encoding="utf-8")
    result = _invoke_check(fork)
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    lines = [line for line in said.splitlines() if f"posts/{SECOND}.md: " in line]
    assert [line.split(": ")[1:3] for line in lines] == [
        ["warning", "min_words"],
        ["error", "alt_text"],
        ["warning", "internal_link"],
    ], said
    assert "FAILED at build" in said and "house rule" in said, said
    assert not (fork / "output").exists()  # nothing half-built for a deploy to pick up
