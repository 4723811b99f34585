"""A company blog of the tests' own, for the tests that build a whole site (site, theme, backfeed,
desk and network tests): the project's settings, theme and plugin, never the sample posts.

``write_site`` writes five French posts (four translated into English, two with an image of their
own, three without), two translated pages, the authors' photos and an empty moderation file into
a ``content/`` folder; every post keeps the default house rules. ``SETTINGS`` is what a build lays
over the project's ``pelicanconf.py`` so that the company's own values (its name, its authors, its
house rules, its languages) cannot change what the tests see: a fork that replaces the sample
posts, or renames the company, still passes. The names are the fixture's, chosen to read like a
company blog; nothing here reads ``content/`` of the repository.

Other test folders import it after adding this folder to ``sys.path`` (``import_fixture_site`` in
their helper modules); the module name is unique in the test tree (no ``__init__.py`` anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

COMPANY = "Vélos Boréal"
SITENAME = f"{COMPANY} — Le blogue"
TIMEZONE = "America/Toronto"

CAMILLE, MATHIEU, AWA = "Camille Tremblay", "Mathieu Gagnon", "Awa Diallo"
AUTHORS: dict[str, dict[str, str]] = {
    CAMILLE: {
        "first_name": "Camille",
        "role_fr": "Responsable des communautés",
        "role_en": "Community lead",
        "bio_fr": "Camille répond à vos messages.",
        "bio_en": "Camille answers your messages.",
        "photo": "images/authors/camille-tremblay.png",
    },
    MATHIEU: {
        "first_name": "Mathieu",
        "role_fr": "Service après-vente",
        "role_en": "After-sales service",
        "bio_fr": "Mathieu répare des vélos.",
        "bio_en": "Mathieu repairs bikes.",
        "photo": "images/authors/mathieu-gagnon.png",
    },
    AWA: {
        "first_name": "Awa",
        "role_fr": "Direction générale",
        "role_en": "Chief executive",
        "bio_fr": "Awa dirige l'entreprise.",
        "bio_en": "Awa runs the company.",
        "photo": "images/authors/awa-diallo.png",
    },
}

# What every fixture build lays over pelicanconf.py: the company's values, the fixture's here.
SETTINGS: dict[str, Any] = {
    "AUTHOR": COMPANY,
    "COMPANY_NAME": COMPANY,
    "SITENAME": SITENAME,
    "SITESUBTITLE": "Le blogue d'un atelier de vélos",
    "AGORA_AUTHORS": AUTHORS,
    "AGORA_HOUSE_RULES": {},  # the project's defaults, whatever the company chose
    "DEFAULT_LANG": "fr",
    "AGORA_LANGUAGES": ["fr", "en"],
    "TIMEZONE": TIMEZONE,
}

# Sentences repeated to make a body long enough for the min_words rule (10 words each).
SENTENCES = {
    "fr": "Nous réglons chaque vélo avant de le rendre à sa propriétaire.",
    "en": "We tune every single bike before we hand it back again.",
}
WORDS = 300
EMPTY_MODERATION = "blocked_accounts = []\nblocked_domains = []\nhidden_items = []\n"


@dataclass(frozen=True)
class FixturePost:
    """One post of the fixture blog, in French and, when ``english`` is given, in English."""

    slug: str
    date: str
    category: str
    tags: str
    author: str
    title: str
    summary: str
    link: str  # the slug of a translated post it links to (the internal_link rule)
    opening: str = ""  # the body's first paragraph
    image_alt: str = ""  # an image of its own (images/posts/<slug>.jpg) when set
    english: dict[str, str] = field(default_factory=dict)  # title, summary, opening, image_alt
    extra: dict[str, str] = field(default_factory=dict)  # more front matter, in both languages

    @property
    def image(self) -> str:
        """Its image's path under content/, or "" when it has none."""
        return f"images/posts/{self.slug}.jpg" if self.image_alt else ""


# The post with a conversation in most tests: translated, with an image, by Mathieu (the desk
# tests of tests/x, tests/linkedin, tests/meta and tests/inbox name its slug and author).
SPRING = FixturePost(
    slug="mise-au-point-du-printemps",
    date="2025-03-18 07:45",
    category="Atelier",
    tags="entretien, printemps, freins, atelier",
    author=MATHIEU,
    title="Mise au point du printemps : ce que nous vérifions, et pourquoi",
    summary="La liste des points que l'atelier vérifie lors d'une mise au point printanière.",
    link="rappel-etriers-de-frein",
    opening="Voici ce que l'atelier vérifie sur chaque vélo au printemps.",
    image_alt="Un vélo vert sur un support d'atelier, avec une clé et un tournevis.",
    english={
        "title": "The spring tune-up: what we check, and why",
        "summary": "What the workshop checks during a spring tune-up.",
        "opening": "Here is what the workshop checks on every bike in the spring.",
        "image_alt": "A green bicycle on a workshop stand, with a wrench and a screwdriver.",
    },
)
# A recall signed by the chief executive: translated, with an image, its own category and tags.
RECALL = FixturePost(
    slug="rappel-etriers-de-frein",
    date="2025-04-22 08:00",
    category="Transparence",
    tags="rappel, sécurité, freins, excuses",
    author=AWA,
    title="Rappel volontaire : un lot d'étriers de frein défectueux, et nos excuses",
    summary="Un lot d'étriers de frein hydrauliques peut perdre de la puissance de freinage.",
    link="mise-au-point-du-printemps",
    opening="Je vais commencer par l'essentiel : nous remplaçons ces étriers gratuitement.",
    image_alt="Dessin d'un disque de frein de vélo gris entouré d'un cercle rouge.",
    english={
        "title": "Voluntary recall: a faulty batch of brake calipers, and our apologies",
        "summary": "A batch of hydraulic brake calipers can lose braking power.",
        "opening": "Let me start with what matters: we replace these calipers for free.",
        "image_alt": "Drawing of a grey bicycle brake disc in a red circle.",
    },
    extra={"Modified": "2025-04-29 16:15"},
)
NAMES = FixturePost(
    slug="signer-de-son-vrai-nom",
    date="2025-06-03 10:00",
    category="Communauté",
    tags="signature, réseaux sociaux, confiance",
    author=CAMILLE,
    title="Un vrai prénom au bas de chaque réponse",
    summary="Nos réponses viennent de Camille, de Mathieu ou d'Awa.",
    link="mise-au-point-du-printemps",
    english={
        "title": "A real first name at the bottom of every answer",
        "summary": "Our answers come from Camille, Mathieu or Awa.",
    },
)
# French only, no image, no state in most tests: a post not on the networks yet.
WINTER = FixturePost(
    slug="rouler-l-hiver",
    date="2025-12-04 07:30",
    category="Atelier",
    tags="hiver, entretien, chaîne, conseils",
    author=MATHIEU,
    title="Rouler l'hiver à Québec : le sel, la chaîne et vous",
    summary="La routine d'entretien hivernal que nous recommandons.",
    link="mise-au-point-du-printemps",
)
MEASURE = FixturePost(
    slug="mesurer-ce-qui-compte",
    date="2026-02-05 10:30",
    category="Transparence",
    tags="mesure, bilan, réponses",
    author=AWA,
    title="Ce que nous mesurons, et ce que nous refusons de mesurer",
    summary="Nos délais de réponse, et pourquoi nous ne comptons pas les abonnés.",
    link="rappel-etriers-de-frein",
    english={
        "title": "What we measure, and what we refuse to measure",
        "summary": "Our response times, and why we do not count followers.",
    },
)
POSTS = (SPRING, RECALL, NAMES, WINTER, MEASURE)

PAGES = {
    "a-propos": {
        "fr": ("À propos", "Qui nous sommes, et pourquoi ce blogue existe."),
        "en": ("About", "Who we are, and why this blog exists."),
    },
    "conversation": {
        "fr": ("Rejoindre la conversation", "Comment répondre à nos billets."),
        "en": ("Join the conversation", "How to reply to our posts."),
    },
}


def text(lang: str, link: str, opening: str = "") -> str:
    """A body of about 300 words in ``lang`` with a heading and a link to the post ``link``."""
    sentences = " ".join([SENTENCES[lang]] * (WORDS // len(SENTENCES[lang].split())))
    target = f"{link}.md" if lang == "fr" else f"{link}-en.md"
    also = "Lire aussi" if lang == "fr" else "Read also"
    first = f"{opening}\n\n" if opening else ""
    return f"{first}## Atelier\n\n{sentences}\n\n{also} [ce billet]({{filename}}/posts/{target}).\n"


def source(item: FixturePost, lang: str = "fr", **front: str) -> str:
    """The Markdown file of ``item`` in ``lang``; ``front`` adds or replaces front matter."""
    words = {
        "title": item.title,
        "summary": item.summary,
        "opening": item.opening,
        "image_alt": item.image_alt,
    }
    if lang != "fr":
        words |= item.english
    meta = {
        "Title": words["title"],
        "Date": item.date,
        "Category": item.category,
        "Tags": item.tags,
        "Author": item.author,
        "Slug": item.slug,
        "Lang": lang,
    }
    if lang != "fr":
        meta["Translation"] = "true"
    meta["Summary"] = words["summary"]
    if item.image:
        meta |= {"Image": item.image, "Image_alt": words["image_alt"]}
    meta |= item.extra | front
    head = "\n".join(f"{key}: {value}" for key, value in meta.items())
    return f"{head}\n\n{text(lang, item.link, words['opening'])}"


def file_name(item: FixturePost, lang: str = "fr") -> str:
    """The file of ``item`` in ``lang`` under content/posts/ (the file_name rule)."""
    return f"{item.slug}.md" if lang == "fr" else f"{item.slug}-{lang}.md"


def _picture(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> None:
    """A flat picture (light, so the image_weight rule is kept) in the format of its suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = "PNG" if path.suffix == ".png" else "JPEG"
    Image.new("RGB", size, color).save(path, kind)


def write_photos(content: Path) -> None:
    """Each author's photo, where ``AUTHORS`` names it under ``content``."""
    for number, details in enumerate(AUTHORS.values()):
        _picture(content / details["photo"], (192, 192), (200, 60 + 60 * number, 80))


def write_site(workspace: Path, posts: tuple[FixturePost, ...] = POSTS) -> Path:
    """``workspace/content``: ``posts`` in French (and English where translated), the pages,
    each post's image, the authors' photos, an empty state and moderation file."""
    content = workspace / "content"
    folder = content / "posts"
    folder.mkdir(parents=True)
    for item in posts:
        for lang in ("fr", *(["en"] if item.english else [])):
            (folder / file_name(item, lang)).write_text(source(item, lang), encoding="utf-8")
        if item.image:
            _picture(content / item.image, (1200, 630), (40, 90, 140))
    pages = content / "pages"
    pages.mkdir()
    for slug, langs in PAGES.items():
        for lang, (title, summary) in langs.items():
            translation = "" if lang == "fr" else "Translation: true\n"
            name = f"{slug}.md" if lang == "fr" else f"{slug}-{lang}.md"
            (pages / name).write_text(
                f"Title: {title}\nSlug: {slug}\nLang: {lang}\n{translation}Summary: {summary}\n\n"
                f"{SENTENCES[lang]}\n",
                encoding="utf-8",
            )
    write_photos(content)
    (content / "state" / "posts").mkdir(parents=True)
    (content / "moderation.toml").write_text(EMPTY_MODERATION, encoding="utf-8")
    return content


# The company's other files in content/, in the fixture's words (a listening file with searches
# on the local networks only, nobody linked, a few complaint words).
LISTENING = f"""[terms]
us = ["{COMPANY}", "velosboreal.example"]
competitors = ["Cycles Nordet"]
industry = ["vélo d'hiver", "vélo cargo"]

[searches]
bluesky = ["{COMPANY}"]
mastodon = ["{COMPANY}"]
"""
PEOPLE = "opted_out = []\n"
COMPLAINT_WORDS = "déçu\ndéçue\ninacceptable\nremboursement\ndisappointed\nrefund\n"


def write_company_files(content: Path) -> None:
    """``listening.toml``, ``people.toml`` and ``complaint-words.txt`` in ``content``."""
    (content / "listening.toml").write_text(LISTENING, encoding="utf-8")
    (content / "people.toml").write_text(PEOPLE, encoding="utf-8")
    (content / "complaint-words.txt").write_text(COMPLAINT_WORDS, encoding="utf-8")


def settings_lines() -> list[str]:
    """``SETTINGS`` as lines of a Python settings file."""
    return [f"{name} = {value!r}" for name, value in SETTINGS.items()]
