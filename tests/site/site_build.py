"""Real builds of the site for the site tests: a copy of the content, the project's settings.

Each build runs ``Pelican(settings).run()`` with the project's own ``pelicanconf.py``, theme and
plugin, into a temporary folder, with the state, moderation file and card cache in that folder
too, so nothing in the repository is read as state or written. The module name is unique in the
test tree because test folders have no ``__init__.py``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SITEURL = "https://blog.velos-boreal.example"
_META = re.compile(r"^(?P<key>[A-Za-z_]+):\s*(?P<value>.*)$")


@dataclass(frozen=True)
class SourcePost:
    """A post as its Markdown file says it, to know what the built site must contain."""

    path: Path
    title: str
    slug: str
    lang: str
    date: datetime
    author: str
    image: str

    @property
    def url(self) -> str:
        """Its absolute URL (French at the root, other languages under /{lang}/)."""
        prefix = "" if self.lang == "fr" else f"{self.lang}/"
        return f"{SITEURL}/{prefix}{self.slug}/"

    @property
    def page(self) -> str:
        """Its page in the output, relative to the output folder."""
        return self.url.removeprefix(SITEURL + "/") + "index.html"


def source_posts(content: Path) -> list[SourcePost]:
    """Every published post of ``content`` (not those dated in the future: they are drafts)."""
    from zoneinfo import ZoneInfo

    posts = []
    now = datetime.now(UTC)
    for path in sorted((content / "posts").glob("*.md")):
        meta: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break
            match = _META.match(line)
            if match:
                meta[match["key"].lower()] = match["value"].strip()
        date = datetime.strptime(meta["date"], "%Y-%m-%d %H:%M")
        date = date.replace(tzinfo=ZoneInfo("America/Toronto"))
        if date > now:
            continue
        posts.append(
            SourcePost(
                path=path,
                title=meta["title"],
                slug=meta["slug"],
                lang=meta.get("lang", "fr"),
                date=date,
                author=meta["author"],
                image=meta.get("image", ""),
            )
        )
    return posts


def copy_content(destination: Path) -> Path:
    """A copy of the sample content, without any state or moderation file of the repository."""
    content = destination / "content"
    shutil.copytree(
        ROOT / "content", content, ignore=shutil.ignore_patterns("state", "moderation.toml")
    )
    (content / "state" / "posts").mkdir(parents=True)
    (content / "moderation.toml").write_text(
        "blocked_accounts = []\nblocked_domains = []\nhidden_items = []\n", encoding="utf-8"
    )
    return content


def write_state(content: Path, key: str, data: dict[str, Any]) -> Path:
    """Write a state file as the state store would."""
    path = content / "state" / "posts" / f"{key}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def settings_overrides(workspace: Path, output: Path) -> dict[str, Any]:
    """Settings that point a build of the project at ``workspace`` and ``output``."""
    content = workspace / "content"
    return {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(workspace / "pelican-cache"),
        "SITEURL": SITEURL,
        "FEED_DOMAIN": SITEURL,
        "AGORA_STATE_PATH": str(content / "state"),
        "AGORA_MODERATION_FILE": str(content / "moderation.toml"),
        "AGORA_CARD_CACHE": str(workspace / "card-cache"),
        "DELETE_OUTPUT_DIRECTORY": False,
    }


class ErrorLog(logging.Handler):
    """Keeps what Pelican logs at error level: a build that logged one is not a good build."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one error's message."""
        self.messages.append(f"{record.name}: {record.getMessage()}")


def build(workspace: Path, output: Path, **extra: Any) -> None:
    """Build the site of ``workspace`` into ``output`` in this process, with Pelican itself."""
    from pelican import Pelican
    from pelican.settings import read_settings

    errors = ErrorLog()
    logging.getLogger("pelican").addHandler(errors)
    try:
        overrides = settings_overrides(workspace, output) | extra
        Pelican(read_settings(str(ROOT / "pelicanconf.py"), override=overrides)).run()
    finally:
        logging.getLogger("pelican").removeHandler(errors)
    assert not errors.messages, "the build logged errors:\n" + "\n".join(errors.messages)


def write_settings_file(workspace: Path) -> Path:
    """A settings file for ``python -m syndication.build``: the project's, pointed at here."""
    settings = workspace / "settings.py"
    settings.write_text(
        "import runpy\n"
        f"_project = runpy.run_path({str(ROOT / 'pelicanconf.py')!r})\n"
        "globals().update({k: v for k, v in _project.items() if k.isupper()})\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"SITEURL = FEED_DOMAIN = {SITEURL!r}\n"
        'PATH = "content"\n'
        'AGORA_STATE_PATH = "content/state"\n'
        'AGORA_MODERATION_FILE = "content/moderation.toml"\n'
        'AGORA_CARD_CACHE = "card-cache"\n',
        encoding="utf-8",
    )
    return settings


def run_build_command(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m syndication.build -s settings.py -o output`` run in ``workspace``."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "syndication.build", "-s", "settings.py", "-o", "output", *args],
        cwd=workspace,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
