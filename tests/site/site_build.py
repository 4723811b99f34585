"""Real builds of the site for the site tests: the fixture blog, the project's settings.

Each build runs ``Pelican(settings).run()`` with the project's own ``pelicanconf.py``, theme and
plugin over the fixture blog of ``tests/content/fixture_site.py`` (never the sample posts of
``content/``), with the fixture's company values laid over the settings, into a temporary folder,
with the state, moderation file and card cache in that folder too, so nothing in the repository is
read as content or state, or written. The module name is unique in the test tree because test
folders have no ``__init__.py``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)

ROOT = Path(__file__).resolve().parents[2]
# The fixture blog lives with the content tests; test folders are not packages.
if str(ROOT / "tests" / "content") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "content"))

# The fixture blog's posts and authors, for the tests that read what was built from them.
from fixture_site import AUTHORS as AUTHORS  # noqa: E402
from fixture_site import COMPANY as COMPANY  # noqa: E402
from fixture_site import MEASURE as MEASURE  # noqa: E402
from fixture_site import POSTS as POSTS  # noqa: E402
from fixture_site import SETTINGS, settings_lines, write_company_files, write_site  # noqa: E402
from fixture_site import SPRING as SPRING  # noqa: E402
from fixture_site import WINTER as WINTER  # noqa: E402
from fixture_site import write_photos as write_photos  # noqa: E402

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
    """The fixture blog in ``destination/content``, with an empty state and moderation file and
    the fixture's listening, people and complaint-word files (the desk reads them).

    Named for what it replaced (a copy of the sample content): the desk and network tests of
    other folders call it by this name.
    """
    content = write_site(destination)
    write_company_files(content)
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
        # No Instagram whatever the environment says (a test sets it to see the JPEG twins).
        "AGORA_INSTAGRAM_USER_ID": "",
        "DELETE_OUTPUT_DIRECTORY": False,
        **SETTINGS,
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
    """A settings file for ``python -m syndication.site.build``: the project's, pointed at here."""
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
        'AGORA_CARD_CACHE = "card-cache"\n' + "\n".join(settings_lines()) + "\n",
        encoding="utf-8",
    )
    return settings


def run_build_command(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m syndication.site.build -s settings.py -o output`` run in ``workspace``."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "syndication.site.build",
            "-s",
            "settings.py",
            "-o",
            "output",
            *args,
        ],
        cwd=workspace,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


CONVERSATION_POST = f"{SPRING.slug}.fr"
BLUESKY_COPY = "https://bsky.app/profile/velosboreal.example/post/3kspring"
MASTODON_COPY = "https://mastodon.example/@velosboreal/1100"
QUESTION = "Est-ce que les 95 $ comprennent la purge des freins?"
ANSWER = "Oui, la purge est comprise si le levier est mou. — Mathieu"
EARLY_REPLY = "Fait la semaine dernière, mon vélo est comme neuf."
HIDDEN_REPLY = "Achetez des abonnés pas chers sur notre site"
ANSWER_TO_HIDDEN = "Quelqu'un a cliqué sur ce lien?"


@dataclass(frozen=True)
class BuiltSite:
    """A built site and what it was built from."""

    workspace: Path
    output: Path
    posts: tuple[SourcePost, ...]

    def read(self, relative: str) -> str:
        """The text of a file of the output."""
        return (self.output / relative).read_text(encoding="utf-8")


def _person(network: str, handle: str, name: str) -> Person:
    return Person(network=network, id=f"{network}-{handle}", handle=handle, name=name)


def conversation_state() -> PostState:
    """Copies on both networks, a question answered by the company, an older reply, a hidden
    spam reply with an answer under it, likes and a repost."""
    start = datetime(2025, 3, 18, 13, 0, tzinfo=UTC)
    state = PostState(key=CONVERSATION_POST)
    state.copies["bluesky"] = Copy(
        network="bluesky",
        status=CopyStatus.PUBLISHED,
        key="3kspring",
        intent_at=start,
        id="at://did:plc:velos/app.bsky.feed.post/3kspring",
        url=BLUESKY_COPY,
        published_at=start,
    )
    state.copies["mastodon"] = Copy(
        network="mastodon",
        status=CopyStatus.PUBLISHED,
        key="k-1100",
        intent_at=start,
        id="1100",
        url=MASTODON_COPY,
        published_at=start,
    )
    lea = _person("mastodon", "lea@mastodon.example", "Léa Roy")
    items = [
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1201",
            author=lea,
            published_at=start + timedelta(hours=2),
            url="https://mastodon.example/@lea/1201",
            content_html=f"<p>{QUESTION}</p>",
            in_reply_to="1100",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1202",
            author=_person("mastodon", "velosboreal@mastodon.example", "Vélos Boréal"),
            published_at=start + timedelta(hours=3),
            url="https://mastodon.example/@velosboreal/1202",
            content_html=f"<p>{ANSWER}</p>",
            in_reply_to="1201",
            by_company=True,
            signed_by="Mathieu Gagnon",
        ),
        Interaction(
            network="bluesky",
            kind=InteractionKind.REPLY,
            id="at://did:plc:marc/app.bsky.feed.post/1",
            author=_person("bluesky", "marc.bsky.social", "Marc"),
            published_at=start + timedelta(hours=1),
            url="https://bsky.app/profile/marc.bsky.social/post/1",
            content_html=f"<p>{EARLY_REPLY}</p>",
            in_reply_to="at://did:plc:velos/app.bsky.feed.post/3kspring",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1300",
            author=_person("mastodon", "spam@spam.example", "Spam"),
            published_at=start + timedelta(hours=4),
            content_html=f"<p>{HIDDEN_REPLY}</p>",
            in_reply_to="1100",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1301",
            author=lea,
            published_at=start + timedelta(hours=5),
            content_html=f"<p>{ANSWER_TO_HIDDEN}</p>",
            in_reply_to="1300",
        ),
    ]
    for number, (network, handle) in enumerate(
        [("bluesky", "ana.bsky.social"), ("bluesky", "zoe.bsky.social"), ("mastodon", "lea")]
    ):
        items.append(
            Interaction(
                network=network,
                kind=InteractionKind.LIKE,
                id=f"like-{number}",
                author=_person(network, handle, handle.split(".")[0].capitalize()),
                published_at=start + timedelta(hours=6 + number),
            )
        )
    items.append(
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPOST,
            id="boost-1",
            author=_person("mastodon", "paul@mastodon.example", "Paul"),
            published_at=start + timedelta(hours=9),
        )
    )
    for item in items:
        state.interactions[interaction_key(item.network, item.id)] = item
    return state


@dataclass(frozen=True)
class Rebuild:
    """A second build of the same workspace, and the card cache's files before it."""

    site: BuiltSite
    cache_before: dict[str, int]  # file name -> inode number
