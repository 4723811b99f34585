"""``python -m syndication.site.build``: all or nothing, and one line for a broken post.

Each case writes the fixture blog (``site_build.copy_content``, not the sample posts) into a
temporary folder, breaks one file, and runs the real command in a fresh process, as ``invoke
build`` does. The previous output must stay as it was.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from site_build import (
    AUTHORS,
    POSTS,
    SPRING,
    WINTER,
    copy_content,
    run_build_command,
    write_settings_file,
)

POST = f"content/posts/{WINTER.slug}.md"  # a French post with no translation and no image
assert not WINTER.english and not WINTER.image
# An English translation of a post without an image.
TRANSLATED = next(
    f"content/posts/{item.slug}-en.md" for item in POSTS if item.english and not item.image
)
KNOWN = ", ".join(sorted(AUTHORS))  # the authors of the fixture's settings, as the line lists them


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the fixture blog and a settings file, never modified."""
    workspace = tmp_path_factory.mktemp("pristine")
    copy_content(workspace)
    write_settings_file(workspace)
    return workspace


@pytest.fixture
def workspace(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the pristine workspace, with a previous output in place."""
    copy = tmp_path / "site"
    shutil.copytree(pristine, copy)
    previous = copy / "output"
    previous.mkdir()
    (previous / "index.html").write_text("previous build", encoding="utf-8")
    return copy


def _edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def _meta(name: str, value: str | None) -> Callable[[str], str]:
    """Set (or with ``None`` remove) one front matter line."""

    def change(text: str) -> str:
        head, _, body = text.partition("\n\n")
        lines = [
            line for line in head.splitlines() if not line.lower().startswith(name.lower() + ":")
        ]
        if value is not None:
            lines.append(f"{name}: {value}")
        return "\n".join(lines) + "\n\n" + body

    return change


BROKEN = {
    "no title": (POST, _meta("Title", None), r"no title"),
    "unparseable date": (
        POST,
        _meta("Date", "2025-13-45 07:30"),
        r'unparseable date "2025-13-45 07:30"',
    ),
    "unknown author": (
        POST,
        _meta("Author", "Bob"),
        re.escape(f'unknown author "Bob"; known authors: {KNOWN}'),
    ),
    "translation of nothing": (
        POST,
        lambda t: _meta("Translation", "true")(_meta("Lang", "en")(t)),
        f'"Translation: true" but no original post has the slug "{WINTER.slug}"',
    ),
    "language not configured": (
        TRANSLATED,
        _meta("Lang", "de"),
        r'language "de" is not configured',
    ),
    "missing image": (
        POST,
        lambda t: _meta("Image_alt", "Un vélo")(_meta("Image", "images/posts/absente.jpg")(t)),
        r'image "images/posts/absente.jpg" does not exist',
    ),
    "image without alt": (
        POST,
        _meta("Image", SPRING.image),
        r"has no Image_alt",
    ),
    "unknown network": (POST, _meta("Syndicate", "bluesky, myspace"), r'unknown network "myspace"'),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_metadata_fails_with_one_line_and_keeps_the_previous_output(
    workspace: Path, case: str
) -> None:
    relative, change, problem = BROKEN[case]
    _edit(workspace / relative, change)
    result = run_build_command(workspace)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{result.stderr}"
    assert lines[0].startswith(f"{relative}: "), lines[0]
    assert re.search(problem, lines[0]), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in workspace.iterdir() if p.name.startswith(".output")) == []


def test_a_good_build_replaces_the_previous_output(workspace: Path) -> None:
    result = run_build_command(workspace)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    output = workspace / "output"
    assert "previous build" not in (output / "index.html").read_text(encoding="utf-8")
    assert (output / "sitemap.xml").is_file()
    assert (output / "robots.txt").is_file()
    assert not [p for p in workspace.iterdir() if p.name.startswith(".output")]


WRONG_SETTINGS = {
    # Pelican's own error, about its setting.
    "unknown theme": ('THEME = "no-such-theme"', ("theme",)),
    # The plugin's, checked before a page is written.
    "cache age of 0 days": (
        "AGORA_CACHE_KEEP_DAYS = 0",
        ("AGORA_CACHE_KEEP_DAYS is 0", "number of days"),
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_SETTINGS))
def test_a_wrong_setting_is_one_line_and_keeps_the_previous_output(
    workspace: Path, case: str
) -> None:
    setting, expected = WRONG_SETTINGS[case]
    settings = workspace / "settings.py"
    settings.write_text(settings.read_text(encoding="utf-8") + setting + "\n", encoding="utf-8")
    result = run_build_command(workspace)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert all(words in lines[0] for words in expected), lines[0]
    assert "Traceback" not in result.stderr
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "previous build"


def test_a_corrupt_state_file_is_one_line_naming_it(workspace: Path) -> None:
    state = workspace / "content" / "state" / "posts" / f"{WINTER.slug}.fr.json"
    state.write_text("{ not json", encoding="utf-8")
    result = run_build_command(workspace)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"{WINTER.slug}.fr.json" in lines[0] and "not valid JSON" in lines[0]
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "previous build"


def test_a_warning_is_shown_and_fails_the_build_only_when_asked(workspace: Path) -> None:
    _edit(workspace / POST, lambda text: text + "\n[Lien brisé]({filename}/posts/absent.md)\n")
    lenient = run_build_command(workspace)
    assert lenient.returncode == 0, lenient.stderr
    assert "absent.md" in lenient.stderr and lenient.stderr.startswith("warning: ")
    (workspace / "output" / "index.html").write_text("previous build", encoding="utf-8")
    strict = run_build_command(workspace, "--fatal", "warnings")
    assert strict.returncode == 1
    lines = [line for line in strict.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "absent.md" in lines[0], strict.stderr
    assert "Traceback" not in strict.stderr
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "previous build"


def test_a_post_without_author_names_the_missing_line(workspace: Path) -> None:
    _edit(workspace / POST, _meta("Author", None))
    result = run_build_command(workspace)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{POST}: no author; add an 'Author:' line with one of: {KNOWN}"
    )
