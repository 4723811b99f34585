"""A company that deletes every sample post and writes its own keeps a green check and suite.

A temporary copy of the project (settings, tasks, theme, plugin) gets a content/ folder of two
posts of its own, and ``invoke check`` (what a pull request runs: the production build with the
house rules, then every internal link) passes on it with no house rule line.

The test suite itself never reads the sample posts: the tests that build a site write a fixture
blog (``fixture_blog.py`` for the content tests, ``fixture_site.py`` for the site, theme,
pipeline, demo, backfeed and desk tests) and lay the fixture's company values (name, authors,
house rules) over the project's settings. ``test_no_test_reads_the_sample_content`` keeps it so:
it fails when a test file reaches into the repository's ``content/`` for anything but the few
company files listed in ``COMPANY_FILES``. The whole proof takes minutes, so it is a script, not
a test: ``.venv/bin/python tests/content/fork_proof.py /tmp/forkproof`` clones the repository,
replaces ``content/posts``, ``content/pages`` and ``content/images`` by ``write_blog``'s two posts
and a translation, empties ``content/state``, gives ``pelicanconf.py`` another company name and
author, and runs ``tests/site tests/theme tests/pipeline tests/demo`` there (all pass).
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

from fixture_blog import IMAGE, ROOT, SECOND, write_blog
from PIL import Image

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
    # The settings name each author's photo: a fork keeps one at each path its settings name.
    for details in authors.values():
        if details.get("photo"):
            photo = content / details["photo"]
            photo.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (192, 192), (200, 120, 80)).save(photo)
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


# The company's files in content/ that a test may read from the repository (each is the company's
# configuration or the project's template, not a post, a page or an image).
COMPANY_FILES = {
    "posts/_modele.md",  # the post template writers copy (test_template.py)
    "listening.toml",  # what listening looks for (tests/listen/test_sources.py)
    "complaint-words.txt",  # the inbox's complaint words (tests/inbox/test_inbox.py)
    "moderation.toml",  # the reviewed moderation file (tests/core/test_moderation.py)
    "people.toml",  # who is one person across networks
}
# The repository's content folder reached from ROOT or from a test file's parents[2] (the
# repository; parents[1] is tests/), in parts or in one string.
IN_CONTENT = re.compile(
    r'(?:\bROOT|parents\[2\])\s*/\s*"content(?P<inline>/[^"]*)?"(?P<rest>(?:\s*/\s*"[^"]*")*)'
)
PART = re.compile(r'"([^"]*)"')


def reads_of_content(source: str) -> list[tuple[int, str]]:
    """(line, path under content/) of each place ``source`` reaches into the repository's
    content folder; the path is "" for the folder itself (a whole copy of it)."""
    found = []
    for match in IN_CONTENT.finditer(source):
        parts = [match["inline"].strip("/")] if match["inline"] else []
        parts += PART.findall(match["rest"])
        found.append((source.count("\n", 0, match.start()) + 1, "/".join(parts)))
    return found


def test_the_content_guard_sees_a_copy_a_post_and_a_company_file() -> None:
    # Written through a variable, so this file does not hold what it looks for.
    folder = '"content"'
    source = (
        f"shutil.copytree(ROOT / {folder}, here)\n"
        f'Path(__file__).parents[2] / {folder} / "posts" / "rouler.md"\n'
        f'ROOT / {folder[:-1]}/images/a.png"\n'
        f'ROOT / {folder} / "listening.toml"\n'
        f'workspace / {folder} / "posts"\n'
    )
    assert reads_of_content(source) == [
        (1, ""),
        (2, "posts/rouler.md"),
        (3, "images/a.png"),
        (4, "listening.toml"),
    ]


def test_no_test_reads_the_sample_content() -> None:
    """No test depends on the sample posts, pages or images of the repository's content/."""
    reads = [
        f"{path.relative_to(ROOT)}:{line}: content/{inside}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if "node_modules" not in path.parts
        for line, inside in reads_of_content(path.read_text(encoding="utf-8"))
        if inside not in COMPANY_FILES
    ]
    assert not reads, "tests read the sample content; write a fixture blog instead:\n" + "\n".join(
        reads
    )
