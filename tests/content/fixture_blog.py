"""A small blog of its own for the content tests, so they test the project, not the sample posts.

``write_blog`` writes two French posts that keep every default house rule (long enough, a written
summary, a described image of the right size and weight, a link to each other, named after their
slug) and an English translation of the first; a test then breaks one rule in one file.
``build_blog`` builds it with the project's theme and plugin through the build command's own
function (``syndication.site.build.build``, what ``invoke check`` runs) and returns the house
rules' lines. The module name is unique in the test tree (test folders have no ``__init__.py``).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SITEURL = "https://blog.example"
AUTHOR = "Alex Martin"
FIRST = "premier-article"
SECOND = "second-article"
IMAGE = "images/posts/premier-article.jpg"
# A sentence repeated makes a post of any length; 30 sentences of 10 words are 300 words.
SENTENCE = "Nous réglons chaque vélo avant de le rendre à sa propriétaire."


def body(words: int = 300, link: str = f"{{filename}}/posts/{SECOND}.md") -> str:
    """A Markdown body of about ``words`` words, with a heading and, unless empty, a link."""
    sentences = " ".join([SENTENCE] * max(1, words // len(SENTENCE.split())))
    linked = f"\n\nLire aussi [l'autre article]({link}).\n" if link else "\n"
    return f"## Pourquoi\n\n{sentences}{linked}"


def post(
    slug: str,
    *,
    title: str = "Un article",
    date: str = "2025-03-01 10:00",
    category: str = "Atelier",
    lang: str = "fr",
    translation: bool = False,
    summary: str | None = "Une phrase qui dit de quoi parle l'article.",
    image: str = "",
    image_alt: str = "",
    text: str | None = None,
    author: str = AUTHOR,
    extra: dict[str, str] | None = None,
) -> str:
    """One post's Markdown: its front matter, a blank line, its body."""
    meta = {
        "Title": title,
        "Date": date,
        "Category": category,
        "Tags": "atelier, entretien",
        "Author": author,
        "Slug": slug,
        "Lang": lang,
    }
    if translation:
        meta["Translation"] = "true"
    if summary is not None:
        meta["Summary"] = summary
    if image:
        meta["Image"] = image
    if image_alt:
        meta["Image_alt"] = image_alt
    meta |= extra or {}
    front = "\n".join(f"{key}: {value}" for key, value in meta.items())
    return f"{front}\n\n{body() if text is None else text}"


def write_image(path: Path, size: tuple[int, int] = (1200, 630), *, noisy: bool = False) -> Path:
    """A JPEG (light: a flat colour) or, ``noisy``, a PNG of random pixels (heavy) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if noisy:
        import os

        Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, "PNG")
    else:
        Image.new("RGB", size, (40, 90, 140)).save(path, "JPEG", quality=80)
    return path


def write_blog(workspace: Path, author: str = AUTHOR) -> Path:
    """Two posts keeping every house rule, and the first one's English translation.

    The first is in "Atelier" and translated; the second, in "Communauté", is not.
    """
    content = workspace / "content"
    posts = content / "posts"
    posts.mkdir(parents=True)
    write_image(content / IMAGE)
    alt = "Un vélo sur un pied d'atelier"
    (posts / f"{FIRST}.md").write_text(
        post(FIRST, title="Premier article", image=IMAGE, image_alt=alt, author=author),
        encoding="utf-8",
    )
    (posts / f"{FIRST}-en.md").write_text(
        post(
            FIRST,
            title="First post",
            lang="en",
            translation=True,
            image=IMAGE,
            image_alt="A bike on a repair stand",
            author=author,
        ),
        encoding="utf-8",
    )
    (posts / f"{SECOND}.md").write_text(
        post(
            SECOND,
            title="Second article",
            date="2025-03-08 10:00",
            category="Communauté",
            text=body(link=f"{{filename}}/posts/{FIRST}.md"),
            author=author,
        ),
        encoding="utf-8",
    )
    (content / "state" / "posts").mkdir(parents=True)
    (content / "moderation.toml").write_text(
        "blocked_accounts = []\nblocked_domains = []\nhidden_items = []\n", encoding="utf-8"
    )
    return content


def write_settings(workspace: Path, rules: dict[str, Any] | None = None) -> Path:
    """The project's production settings pointed at ``workspace``, with its own author."""
    settings = workspace / "settings.py"
    authors = {
        AUTHOR: {
            "first_name": "Alex",
            "role_fr": "Atelier",
            "role_en": "Workshop",
            "bio_fr": "Alex répare des vélos.",
            "bio_en": "Alex repairs bikes.",
        }
    }
    lines = [
        "import runpy",
        f"_project = runpy.run_path({str(ROOT / 'pelicanconf.py')!r})",
        "globals().update({k: v for k, v in _project.items() if k.isupper()})",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"SITEURL = FEED_DOMAIN = {SITEURL!r}",
        'PATH = "content"',
        f"AGORA_AUTHORS = {authors!r}",
        f"AGORA_STATE_PATH = {str(workspace / 'content' / 'state')!r}",
        f"AGORA_MODERATION_FILE = {str(workspace / 'content' / 'moderation.toml')!r}",
        f"AGORA_CARD_CACHE = {str(workspace / 'card-cache')!r}",
        f"CACHE_PATH = {str(workspace / 'pelican-cache')!r}",
    ]
    if rules is not None:
        lines.append(f"AGORA_HOUSE_RULES = {rules!r}")
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return settings


@dataclass(frozen=True)
class Outcome:
    """What one build said: whether it built, its house rule lines, its failure line."""

    built: bool
    lines: list[str]
    failure: str
    output: Path

    def about(self, name: str, rule: str) -> list[str]:
        """The lines naming the file ``posts/<name>`` and ``rule``."""
        return [line for line in self.lines if f"posts/{name}:" in line and f": {rule}:" in line]


def build_blog(workspace: Path, rules: dict[str, Any] | None = None) -> Outcome:
    """Build ``workspace`` as ``invoke check`` does; the house rules' lines and the outcome."""
    from syndication.site.build import BuildFailed, build

    settings = write_settings(workspace, rules)
    output = workspace / "output"
    errors = io.StringIO()
    failure = ""
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            build(settings, output)
        except BuildFailed as error:
            failure = str(error)
    said = errors.getvalue().splitlines()
    lines = [line for line in said if ": error: " in line or ": warning: " in line]
    return Outcome(not failure, lines, failure, output)
