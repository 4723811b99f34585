"""Helpers of the pipeline tests: a blog repository with a bare remote, as CI sees it.

``make_blog`` copies the project's settings, theme and plugin into a writer's clone of a bare
repository (the remote), with the fixture blog of ``tests/content/fixture_site.py`` as its content
(never the sample posts of ``content/``) and the fixture's company values (name, authors, house
rules) added to its production settings, pushes it, and clones it again where "CI" runs the
pipeline. The fixture's posts are marked ``Syndicate: none``, so only the posts a test pushes go
to the networks. The site is deployed to a folder served on loopback, which is ``AGORA_SITEURL``.
Named uniquely so that another test folder's helpers never shadow it.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The syndication tests' helpers (served site, brand accounts, counting copies) are reused as is,
# and the fixture blog of the content tests is the blog's content.
for _folder in ("syndicate", "content"):
    if str(ROOT / "tests" / _folder) not in sys.path:
        sys.path.append(str(ROOT / "tests" / _folder))

from fixture_site import settings_lines, write_company_files, write_site  # noqa: E402
from syndicate_support import (  # noqa: E402
    bluesky_copies,
    mastodon_copies,
    peers_env,
    post_file,
    served,
)

__all__ = ["Blog", "bluesky_copies", "git", "make_blog", "mastodon_copies", "peers_env", "served"]

PROJECT_FILES = ("pelicanconf.py", "publishconf.py", ".gitignore")
PROJECT_FOLDERS = ("theme", "plugins")
BLOG_TIME = ZoneInfo("America/Toronto")  # the blog's own clock (pelicanconf TIMEZONE)
STATE_MARK = "[agora-state]"


def git(where: Path, *args: str) -> str:
    """Run git in ``where`` (a failure fails the test with git's own words)."""
    done = subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def clone(remote: Path, where: Path, name: str) -> Path:
    """A clone of ``remote`` committing as ``name``."""
    git(remote.parent, "clone", "-q", str(remote), str(where))
    git(where, "config", "user.name", name)
    git(where, "config", "user.email", f"{name.lower().replace(' ', '.')}@example.invalid")
    return where


def opt_out(post: Path) -> None:
    """Mark a fixture post ``Syndicate: none`` (replacing its own choice, or after its title)."""
    text = post.read_text(encoding="utf-8")
    if re.search(r"^Syndicate:", text, flags=re.M):
        text = re.sub(r"^Syndicate: .*$", "Syndicate: none", text, count=1, flags=re.M)
    else:
        text = re.sub(r"^(Title: .*)$", r"\1\nSyndicate: none", text, count=1, flags=re.M)
    post.write_text(text, encoding="utf-8")


@dataclass
class Blog:
    """The repository of a blog: its remote, the writer's clone, CI's clone, the served site."""

    remote: Path
    writer: Path
    ci: Path
    site: Path
    url: str
    env: dict[str, str]

    def push_post(self, name: str, source: str) -> None:
        """The writer adds a post and pushes it; CI checks the new commit out."""
        (self.writer / "content" / "posts" / name).write_text(source, encoding="utf-8")
        git(self.writer, "add", "content/posts")
        git(self.writer, "commit", "-qm", f"Post {name}")
        git(self.writer, "push", "-q", "origin", "HEAD:main")
        git(self.ci, "pull", "-q", "--ff-only", "origin", "main")

    def push_yesterdays_post(self, slug: str, title: str, body: str = "") -> None:
        """The writer pushes a post dated yesterday (so it is due), as ``{slug}.md``."""
        yesterday = datetime.now(BLOG_TIME) - timedelta(days=1)
        self.push_post(f"{slug}.md", new_post(slug, yesterday, title, body))

    def remote_head(self) -> str:
        """The remote's main branch: its commit and subject."""
        return git(self.remote, "log", "-1", "--format=%H %s", "main").strip()

    def state(self, key: str) -> dict[str, Any]:
        """A post's state file as pushed to the remote."""
        shown = git(self.remote, "show", f"main:content/state/posts/{key}.json")
        data: dict[str, Any] = json.loads(shown)
        return data

    def run(
        self,
        pipeline: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch,
        env: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """Run ``pipeline`` in CI's clone as the workflow does; its exit code and report."""
        monkeypatch.chdir(self.ci)
        # publishconf.py reads the public address from the process's environment, as in CI.
        monkeypatch.setenv("AGORA_SITEURL", self.url)
        report = io.StringIO()
        code = pipeline(self.ci, env={**self.env, **(env or {})}, stdout=report)
        return code, report.getvalue()


def make_blog(tmp_path: Path, url: str, site: Path, env: Mapping[str, str]) -> Blog:
    """A blog repository holding the project and the fixture blog, pushed to a bare remote."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    writer = clone(remote, tmp_path / "writer", "Camille Tremblay")
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, writer / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(ROOT / name, writer / name, ignore=shutil.ignore_patterns("__pycache__"))
    # publishconf.py is read from its file on every run (pelicanconf.py is imported once per
    # process), so the fixture's company values go there, after the company's own.
    with (writer / "publishconf.py").open("a", encoding="utf-8") as settings:
        settings.write("\n# The tests' fixture blog.\n" + "\n".join(settings_lines()) + "\n")
    content = write_site(writer)
    write_company_files(content)
    (content / "state" / "posts" / ".gitkeep").touch()
    for post in (writer / "content" / "posts").glob("*.md"):
        opt_out(post)
    git(writer, "add", "-A")
    git(writer, "commit", "-qm", "The blog")
    git(writer, "push", "-q", "origin", "HEAD:main")
    ci = clone(remote, tmp_path / "ci", "github-actions[bot]")
    environment = {
        **env,
        "AGORA_DEPLOY_TARGET": str(site),
        "AGORA_LIVE_WAIT_SECONDS": "5",
    }
    return Blog(remote=remote, writer=writer, ci=ci, site=site, url=url, env=environment)


def new_post(slug: str, date: datetime, title: str, body: str = "") -> str:
    """A post by Mathieu dated ``date`` (local time of the blog, to the second)."""
    return post_file(
        slug,
        title=title,
        date=date.strftime("%Y-%m-%d %H:%M:%S"),
        tags="atelier, cargo",
        summary="Ce que nous avons appris en réparant cent vélos cargos cet automne.",
        body=body or "Les vélos cargos brisent autrement. Voici ce que nous avons vu.",
    )
