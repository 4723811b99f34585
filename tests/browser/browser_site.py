"""The site under test: a fixture blog's real build, its loopback server, and the pages visited.

Shared by the browser tests and the Lighthouse test (``conftest.py`` holds the fixtures). Its
name is unique in the test tree because test folders have no ``__init__.py``.
"""

from __future__ import annotations

import http.server
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; they would show up as failed requests in every test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class SitePage:
    """A page of the built site the browser tests visit."""

    name: str
    path: str
    lang: str


@dataclass(frozen=True)
class Site:
    """The built site and the loopback server that serves it."""

    root: Path
    base_url: str
    pages: tuple[SitePage, ...]

    def url(self, page: SitePage) -> str:
        """Absolute URL of ``page`` on the loopback server."""
        return self.base_url + page.path

    def page(self, name: str) -> SitePage:
        """The visited page called ``name``."""
        return next(p for p in self.pages if p.name == name)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that knows web font types and keeps the test output clean."""

    extensions_map = {  # noqa: RUF012 - class attribute of the standard library's handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".svg": "image/svg+xml",
        ".webp": "image/webp",
        ".avif": "image/avif",
        ".xml": "application/xml",
        ".webmanifest": "application/manifest+json",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: request logs would drown the test report."""


# The fixture blog the browser tests build (never the sample posts of content/): a post leading
# with a 6000 px photo of about 3 MB, by an author with a photo, and its English translation; a
# second post by an author without a photo (initials); an "about" page in French and English.
POST = "atelier-d-hiver"
OTHER = "les-freins-a-disque"
PAGE = "a-propos"
PHOTO = "images/posts/atelier-d-hiver.jpg"
PORTRAIT = "images/authors/camille.jpg"
WITH_PHOTO = "Camille Roy"
WITHOUT_PHOTO = "Noa Côté-Bernier"
AUTHORS = {
    WITH_PHOTO: {
        "first_name": "Camille",
        "role_fr": "Atelier",
        "role_en": "Workshop",
        "bio_fr": "Camille règle les vélos de l'atelier depuis dix ans.",
        "bio_en": "Camille has tuned the workshop's bikes for ten years.",
        "photo": PORTRAIT,
    },
    WITHOUT_PHOTO: {"first_name": "Noa", "role_fr": "Service", "role_en": "Service"},
}
_SENTENCE = {
    "fr": "Nous réglons chaque vélo avant de le rendre à sa propriétaire, même en hiver.",
    "en": "We tune every bike before handing it back to its owner, even in winter.",
}


def visited_pages() -> tuple[SitePage, ...]:
    """The pages to visit: home, the photo post in each language, and an English page.

    Known before the build, so tests can be parametrized at collection time; the ``site``
    fixture then checks that the build wrote each of them.
    """
    return (
        SitePage("home-fr", "/", "fr"),
        SitePage("post-fr", f"/{POST}/", "fr"),
        SitePage("post-en", f"/en/{POST}/", "en"),
        SitePage("page-en", f"/en/pages/{PAGE}/", "en"),
    )


def write_photo(path: Path, size: tuple[int, int] = (6000, 4000)) -> Path:
    """A JPEG photo of about 3 MB: noise over a smooth gradient, as a camera's photo weighs."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    gradient = Image.frombytes("RGB", (12, 8), os.urandom(12 * 8 * 3)).resize(
        size, Image.Resampling.BICUBIC
    )
    noise = Image.effect_noise(size, 40).convert("RGB")
    Image.blend(gradient, noise, 0.1).save(path, "JPEG", quality=85)
    return path


def _body(lang: str, link: str, image: str = "") -> str:
    """About 300 words with headings, a link to another post and, if given, an image."""
    paragraph = " ".join([_SENTENCE[lang]] * 5)
    parts = [f"## {'Pourquoi' if lang == 'fr' else 'Why'}", paragraph, paragraph]
    if image:
        parts.append(image)
    parts += [f"## {'Comment' if lang == 'fr' else 'How'}", paragraph, paragraph, link]
    return "\n\n".join(parts) + "\n"


def _post(meta: dict[str, str], body: str) -> str:
    """A Markdown post: its front matter, a blank line, its body."""
    return "\n".join(f"{key}: {value}" for key, value in meta.items()) + "\n\n" + body


def write_content(workspace: Path, photo: Path) -> Path:
    """The fixture blog's content folder under ``workspace``; ``photo`` is the big photo."""
    from PIL import Image

    content = workspace / "content"
    posts, pages = content / "posts", content / "pages"
    posts.mkdir(parents=True)
    pages.mkdir()
    (content / PHOTO).parent.mkdir(parents=True)
    shutil.copyfile(photo, content / PHOTO)
    (content / PORTRAIT).parent.mkdir(parents=True)
    portrait = Image.linear_gradient("L").resize((640, 640)).convert("RGB")
    portrait.save(content / PORTRAIT, "JPEG", quality=90)
    Image.new("RGB", (1600, 900), (40, 90, 140)).save(content / "images/posts/schema.png")
    common = {"Date": "2025-03-01 10:00", "Category": "Atelier", "Tags": "atelier, hiver"}
    common |= {"Author": WITH_PHOTO, "Slug": POST, "Image": PHOTO}
    inline = "![{}]({{static}}/images/posts/schema.png)"
    (posts / f"{POST}.md").write_text(
        _post(
            {"Title": "L'atelier en hiver", **common, "Lang": "fr"}
            | {"Summary": "Ce que l'atelier fait de vos vélos pendant l'hiver."}
            | {"Image_alt": "Un vélo sur un pied d'atelier, sous une lampe"},
            _body(
                "fr",
                f"Lire aussi [les freins]({{filename}}/posts/{OTHER}.md).",
                inline.format("Un schéma bleu du moyeu"),
            ),
        ),
        encoding="utf-8",
    )
    (posts / f"{POST}-en.md").write_text(
        _post(
            {"Title": "The workshop in winter", **common, "Lang": "en", "Translation": "true"}
            | {"Summary": "What the workshop does with your bikes over the winter."}
            | {"Image_alt": "A bike on a repair stand, under a lamp"},
            _body(
                "en",
                f"Read also [the French post]({{filename}}/posts/{OTHER}.md).",
                inline.format("A blue drawing of the hub"),
            ),
        ),
        encoding="utf-8",
    )
    (posts / f"{OTHER}.md").write_text(
        _post(
            {"Title": "Les freins à disque", "Date": "2025-02-20 10:00", "Category": "Conseils"}
            | {"Tags": "freins", "Author": WITHOUT_PHOTO, "Slug": OTHER, "Lang": "fr"}
            | {"Summary": "Quand changer les plaquettes de vos freins à disque."},
            _body("fr", f"Lire aussi [l'atelier en hiver]({{filename}}/posts/{POST}.md)."),
        ),
        encoding="utf-8",
    )
    for lang, title in (("fr", "À propos"), ("en", "About")):
        name = f"{PAGE}.md" if lang == "fr" else f"{PAGE}-en.md"
        meta = {"Title": title, "Slug": PAGE, "Lang": lang}
        if lang == "en":
            meta["Translation"] = "true"
        (pages / name).write_text(_post(meta, " ".join([_SENTENCE[lang]] * 4)), encoding="utf-8")
    (content / "state" / "posts").mkdir(parents=True)
    (content / "moderation.toml").write_text(
        "blocked_accounts = []\nblocked_domains = []\nhidden_items = []\n", encoding="utf-8"
    )
    return content


def check_built(output: Path, pages: tuple[SitePage, ...]) -> None:
    """Fail with one sentence when the build did not write a page the tests visit."""
    assert any(p.name == "post-en" for p in pages), "no post has both a French and English version"
    for page in pages:
        index = output / page.path.strip("/") / "index.html"
        assert index.is_file(), f"the build wrote no {page.path} ({index} is missing)"


def build_site(output: Path, site_url: str, workspace: Path, photo: Path) -> None:
    """Build the fixture blog with the project's settings, theme and plugin into ``output``.

    Everything the build reads or keeps (content, state, caches) is under ``workspace``.
    """
    from pelican import Pelican
    from pelican.settings import read_settings

    content = write_content(workspace, photo)
    previous = Path.cwd()
    errors = _ErrorLog()
    # Pelican logs a broken plugin or template and goes on; a test of that output would be a lie.
    logging.getLogger("pelican").addHandler(errors)
    os.chdir(workspace)
    try:
        settings = read_settings(
            str(ROOT / "pelicanconf.py"),
            override={
                "PATH": str(content),
                "THEME": str(ROOT / "theme"),
                "PLUGIN_PATHS": [str(ROOT / "plugins")],
                "OUTPUT_PATH": str(output),
                "CACHE_PATH": str(workspace / "pelican-cache"),
                "SITEURL": site_url,
                "FEED_DOMAIN": site_url,
                "DELETE_OUTPUT_DIRECTORY": False,
                "AGORA_AUTHORS": AUTHORS,
                "AGORA_STATE_PATH": str(content / "state"),
                "AGORA_MODERATION_FILE": str(content / "moderation.toml"),
                "AGORA_CARD_CACHE": str(workspace / "card-cache"),
                "AGORA_IMAGE_CACHE": str(workspace / "image-cache"),
            },
        )
        Pelican(settings).run()
    finally:
        os.chdir(previous)
        logging.getLogger("pelican").removeHandler(errors)
    assert not errors.messages, "the build logged errors:\n" + "\n".join(errors.messages)


class _ErrorLog(logging.Handler):
    """Keeps the messages of the errors logged during a build."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one error's message."""
        self.messages.append(f"{record.name}: {record.getMessage()}")
