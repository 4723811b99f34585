"""Build the real site for the theme tests and read its pages as data.

The site is the project's (``pelicanconf.py``, the theme and the plugin) built over the fixture
blog of ``tests/content/fixture_site.py``, never the sample posts of ``content/``. Its name is
unique in the test tree because test folders have no ``__init__.py``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
)
from syndication.store.state import StateStore

ROOT = Path(__file__).resolve().parents[2]
# The fixture blog lives with the content tests; test folders are not packages.
if str(ROOT / "tests" / "content") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "content"))

# The fixture blog's posts and company, for the tests that read what was built from them.
from fixture_site import AUTHORS as AUTHORS  # noqa: E402
from fixture_site import COMPANY as COMPANY  # noqa: E402
from fixture_site import MEASURE, RECALL, WINTER  # noqa: E402
from fixture_site import POSTS as POSTS  # noqa: E402
from fixture_site import SETTINGS as SETTINGS  # noqa: E402
from fixture_site import FixturePost as FixturePost  # noqa: E402
from fixture_site import write_site as write_site  # noqa: E402

SITEURL = "http://blog.example.test"
# The post that gets a fixture conversation: translated both ways, with its own image.
TALKED = RECALL
TALKED_ABOUT = TALKED.slug
QUIET = WINTER.slug  # French only, no state: not on the networks yet
JUST_SHARED = MEASURE.slug  # on both networks, nobody has answered yet
BSKY_POST = "https://bsky.example/profile/velosboreal/post/3kabc"
MASTO_POST = "https://masto.example/@velosboreal/1001"


@dataclass(frozen=True)
class BuiltSite:
    """The output folder of one build and the address it was built for."""

    root: Path
    url: str

    def path(self, page: str) -> Path:
        """The file of a page given as a site path ("/", "/en/slug/", "/404.html")."""
        relative = page.strip("/")
        if not relative or page.endswith("/"):
            return self.root / relative / "index.html"
        return self.root / relative

    def html(self, page: str) -> str:
        """The HTML of a page."""
        return self.path(page).read_text(encoding="utf-8")

    def soup(self, page: str) -> BeautifulSoup:
        """A page parsed."""
        return BeautifulSoup(self.html(page), "html.parser")


def _person(network: str, handle: str, name: str, avatar: str = "", url: str = "") -> Person:
    return Person(
        network=network,
        id=f"{network}-{handle}",
        handle=handle,
        name=name,
        url=url or f"https://{network}.example/@{handle}",
        avatar=avatar,
    )


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 4, day, hour, tzinfo=UTC)


def fixture_state(lang: str) -> PostState:
    """Copies on both networks, a thread with a company answer, a folded reply, likes, reposts."""
    state = PostState(key=f"{TALKED_ABOUT}.{lang}")
    for network, url in (("bluesky", BSKY_POST), ("mastodon", MASTO_POST)):
        state.copies[network] = Copy(
            network=network,
            status=CopyStatus.PUBLISHED,
            key=f"key-{network}",
            intent_at=_at(22, 8),
            id=f"{network}-copy",
            url=url,
            published_at=_at(22, 8),
            account="velosboreal",
        )
    lea = _person("bluesky", "lea.bsky.example", "Léa Fortin", avatar="avatars/bluesky/lea.png")
    brand = _person("bluesky", "velosboreal.bsky.example", "Vélos Boréal")
    hostile = _person(
        "mastodon", "troll@masto.example", "<script>alert(1)</script>Zed", url="javascript:alert(1)"
    )
    items = [
        Interaction(
            network="bluesky",
            kind=InteractionKind.REPLY,
            id="r1",
            author=lea,
            published_at=_at(22, 14),
            url="https://bsky.example/profile/lea/post/r1",
            content_html="<p>Mon vélo est dans la liste. Je prends rendez-vous où?</p>",
            in_reply_to="bluesky-copy",
        ),
        Interaction(
            network="bluesky",
            kind=InteractionKind.REPLY,
            id="r2",
            author=brand,
            published_at=_at(22, 15),
            url="https://bsky.example/profile/velosboreal/post/r2",
            content_html="<p>Bonjour Léa, écrivez-nous : nous passons chez vous.</p>",
            in_reply_to="r1",
            by_company=True,
            signed_by="Camille Tremblay",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="m1",
            author=hostile,
            published_at=_at(21, 23),  # before the others: oldest first puts it on top
            url="https://masto.example/@troll/m1",
            content_html="<p>Des freins qui lâchent, vraiment?</p>",
            summary="freins, colère",
            in_reply_to="mastodon-copy",
            lang="fr",
        ),
    ]
    for index in range(14):
        fan = _person("bluesky", f"fan{index:02d}.bsky.example", f"Fan {index:02d}")
        items.append(
            Interaction(
                network="bluesky",
                kind=InteractionKind.LIKE,
                id=f"like{index}",
                author=fan,
                published_at=_at(23),
            )
        )
    items.append(
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPOST,
            id="boost1",
            author=_person("mastodon", "marc@masto.example", "Marc"),
            published_at=_at(23),
        )
    )
    for item in items:
        state.interactions[f"{item.network}:{item.id}"] = item
    return state


def write_fixture_state(folder: Path) -> None:
    """Write the fixture conversation of the talked-about post, in both languages."""
    store = StateStore(folder)
    for lang in ("fr", "en"):
        store.save(fixture_state(lang))
        shared = fixture_state(lang)
        store.save(PostState(key=f"{JUST_SHARED}.{lang}", copies=shared.copies))


class _ErrorLog(logging.Handler):
    """Keeps the errors logged during a build: Pelican logs a broken template and goes on."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def build(workdir: Path, **override: object) -> BuiltSite:
    """Build the project's site over the fixture blog into ``workdir/output``, with the fixture
    state; the blog is written into ``workdir/content`` unless a test wrote one there first."""
    from pelican import Pelican
    from pelican.settings import read_settings

    content = workdir / "content"
    if not content.exists():
        write_site(workdir)
    state = workdir / "state"
    write_fixture_state(state)
    output = workdir / "output"
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            **SETTINGS,
            "PATH": str(content),
            "AGORA_MODERATION_FILE": str(content / "moderation.toml"),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(workdir / "cache"),
            "AGORA_STATE_PATH": str(state),
            "AGORA_CARD_CACHE": str(workdir / "cards"),
            "SITEURL": SITEURL,
            "FEED_DOMAIN": SITEURL,
            "PLUGINS": ["agora"],
            # Small pages, so the fixture blog fills more than one index page.
            "DEFAULT_PAGINATION": 4,
            **override,
        },
    )
    errors = _ErrorLog()
    logging.getLogger("pelican").addHandler(errors)
    try:
        Pelican(settings).run()
    finally:
        logging.getLogger("pelican").removeHandler(errors)
    assert not errors.messages, "the build logged errors:\n" + "\n".join(errors.messages)
    return BuiltSite(root=output, url=SITEURL)
