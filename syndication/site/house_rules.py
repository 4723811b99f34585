"""House rules: the company's editorial rules, set in ``AGORA_HOUSE_RULES`` and checked at build.

Each rule has a level, ``"error"`` (the production build and ``invoke check`` refuse the post),
``"warning"`` (a line in the output, nothing refused) or ``"off"``, and the values it needs::

    AGORA_HOUSE_RULES = {
        "min_words": {"level": "warning", "words": 250},
        "translation": {"level": "error", "categories": ["Annonces"], "languages": ["en"]},
        "internal_link": "off",
    }

A rule left out keeps its default (``DEFAULTS``); a rule given as a bare level keeps its default
values. Each problem is one line naming the file and the rule, e.g.
``content/posts/velo.md: warning: min_words: 120 words; the house rule asks for at least 250``.

The Pelican plugin calls ``check`` once every post is read and logs each problem on the
"syndication.house_rules" logger at its level; ``syndication.site.build`` collects those lines,
prints them and fails on errors. Pillow, already used for the social cards, reads image sizes.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from syndication import taxonomy
from syndication.errors import ConfigError

LOGGER_NAME = "syndication.house_rules"
SETTING = "AGORA_HOUSE_RULES"
LEVELS = ("error", "warning", "off")

# Sensible defaults for a company blog; a company changes them in pelicanconf.py.
DEFAULTS: dict[str, dict[str, Any]] = {
    # A post shorter than this reads as a note, not an article.
    "min_words": {"level": "warning", "words": 250},
    # Images in the repository stay light (the repository is cloned by every build); readers
    # get every image resized whatever its weight (plugins/agora/images.py).
    "image_weight": {"level": "warning", "max_kb": 150},
    # Link previews on the networks need an image at least this big; 0 means no limit.
    "image_size": {"level": "warning", "min_width": 1200, "min_height": 630, "max_width": 0},
    # Every image a reader may see is described for readers who cannot see it.
    "alt_text": {"level": "error"},
    # The summary is what the networks and the feeds show: written, short, one line.
    "summary": {"level": "warning", "max_chars": 300},
    # Posts of these categories must exist in these languages (empty: nothing is required).
    "translation": {"level": "error", "categories": [], "languages": ["en"]},
    # A translation has its original's date, category, author and image.
    "translation_matches": {"level": "warning"},
    # The file is named after the slug (slug.md, or slug-lang.md for a translation).
    "file_name": {"level": "error"},
    # Every post points readers to at least one other post of the blog.
    "internal_link": {"level": "warning"},
    # A date more than this many days ahead is likely a typo (2062 for 2026).
    "far_future": {"level": "warning", "days": 365},
    # An English post's French category or tag has an English name in content/taxonomy.toml
    # (checked once that file exists; syndication.taxonomy).
    "taxonomy": {"level": "warning"},
}

logger = logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class Finding:
    """One post breaking one rule."""

    path: str  # as a person finds the file
    rule: str
    level: str  # "error" or "warning"
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.level}: {self.rule}: {self.problem}"


def rules_from_settings(settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every rule with its level and values: the defaults, overridden by ``AGORA_HOUSE_RULES``.

    Raises ``ConfigError`` for an unknown rule, level or value, so a typo never turns a rule off.
    """
    given = settings.get(SETTING) or {}
    if not isinstance(given, Mapping):
        raise ConfigError(f"{SETTING} must be a dict of rule name -> level or settings.")
    rules = {name: dict(values) for name, values in DEFAULTS.items()}
    for name, value in given.items():
        if name not in rules:
            raise ConfigError(
                f'{SETTING} names an unknown rule "{name}"; known rules: ' + ", ".join(DEFAULTS)
            )
        override = {"level": value} if isinstance(value, str) else dict(value)
        unknown = sorted(set(override) - set(DEFAULTS[name]))
        if unknown:
            raise ConfigError(
                f'{SETTING}["{name}"] has unknown values {", ".join(unknown)}; it takes: '
                + ", ".join(DEFAULTS[name])
            )
        for key, value in override.items():
            _check_value(name, key, value, DEFAULTS[name][key])
        rules[name].update(override)
        level = str(rules[name]["level"]).lower()
        if level not in LEVELS:
            raise ConfigError(
                f'{SETTING}["{name}"] level "{level}" is not one of: ' + ", ".join(LEVELS)
            )
        rules[name]["level"] = level
    return rules


def _check_value(rule: str, key: str, value: object, default: object) -> None:
    """ConfigError unless ``value`` has the kind of the default (a number, a list of names)."""
    if key == "level":
        wanted, ok = "one of: " + ", ".join(LEVELS), isinstance(value, str)
    elif isinstance(default, int):
        wanted = "a whole number"
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    else:
        wanted = 'a list of names, like ["Annonces"]'
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if not ok:
        raise ConfigError(f'{SETTING}["{rule}"]["{key}"] is {value!r}; it must be {wanted}.')


class _Tags(HTMLParser):
    """The images and links of a post's HTML, as written (``{static}`` not yet replaced)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep an image's attributes and a link's target."""
        values = {key: value or "" for key, value in attrs}
        if tag == "img":
            self.images.append(values)
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"])


_TAG = re.compile(r"<[^>]+>")
# The only tags the rules read, quoted attribute values kept whole, and comments (whose tags are
# not shown): the parser then reads a few tags instead of the whole text (0.4 ms a post of
# 800 words, a third of the house rules' time on a 6,000-post build).
_WANTED = re.compile(r"""<!--.*?-->|<(?:img|a)\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.DOTALL | re.I)
_INTERNAL = re.compile(r"^\{(?:filename|static)\}")


def _words(html: str) -> int:
    """How many words a reader reads in ``html`` (tags are not words)."""
    return len(unescape(_TAG.sub(" ", html)).split())


def _local_file(target: str, source: Path, content_root: Path) -> Path | None:
    """The content file ``{static}``/``{filename}`` ``target`` names, or None for a web address."""
    match = _INTERNAL.match(target)
    if match is None:
        return None
    rest = target[match.end() :].split("#", 1)[0].split("?", 1)[0]
    return content_root / rest.lstrip("/") if rest.startswith("/") else source.parent / rest


def _level(rules: Mapping[str, Mapping[str, Any]], name: str) -> str:
    return str(rules[name]["level"])


class _Checker:
    """Checks one build's posts against the rules."""

    def __init__(
        self,
        rules: Mapping[str, Mapping[str, Any]],
        content_root: Path,
        site_url: str,
        now: datetime,
        display: Callable[[str], str],
    ) -> None:
        self.rules = rules
        self.content_root = content_root
        self.site_url = site_url.rstrip("/")
        self.now = now
        self.display = display
        self.findings: list[Finding] = []

    def add(self, item: Any, rule: str, problem: str) -> None:
        """Record a problem when the rule is on."""
        level = _level(self.rules, rule)
        if level != "off":
            self.findings.append(Finding(self.display(item.source_path), rule, level, problem))

    def on(self, rule: str) -> bool:
        """Whether ``rule`` is checked at all."""
        return _level(self.rules, rule) != "off"

    def article(self, item: Any, others: Iterable[str]) -> None:
        """Every rule for one post; ``others``: the blog's addresses (the post's own is skipped)."""
        source = Path(item.source_path)
        html = str(getattr(item, "_content", "") or "")
        tags = _Tags()
        tags.feed("".join(tag for tag in _WANTED.findall(html) if not tag.startswith("<!--")))
        self.words(item, html)
        self.images(item, source, tags.images)
        self.summary(item)
        self.file_name(item, source)
        self.internal_link(item, source, tags.links, others)
        self.far_future(item)

    def words(self, item: Any, html: str) -> None:
        """``min_words``: a post long enough to read as an article."""
        minimum = int(self.rules["min_words"]["words"])
        count = _words(html)
        if self.on("min_words") and count < minimum:
            problem = f"{count} words; the house rule asks for at least {minimum}"
            self.add(item, "min_words", problem)

    def images(self, item: Any, source: Path, inline: list[dict[str, str]]) -> None:
        """``alt_text``, ``image_weight``, ``image_size``: every image the post shows."""
        files: list[tuple[str, Path]] = []
        front = str(item.metadata.get("image", "") or "").strip()
        if front:
            # Its Image_alt is not a house rule: the plugin refuses an Image without one, always
            # (it is the networks' card description too).
            files.append((front, self.content_root / front.lstrip("/")))
        for image in inline:
            src = image.get("src", "")
            if not image.get("alt", "").strip():
                self.add(item, "alt_text", f'image "{src}" has no alt text: write ![what it shows]')
            path = _local_file(src, source, self.content_root)
            if path is not None:
                files.append((src, path))
        for name, path in files:
            if path.is_file():
                self.image_file(item, name, path)

    def image_file(self, item: Any, name: str, path: Path) -> None:
        """``image_weight`` and ``image_size`` for one image file of the repository."""
        max_kb = float(self.rules["image_weight"]["max_kb"])
        kilobytes = path.stat().st_size / 1000
        if self.on("image_weight") and max_kb and kilobytes > max_kb:
            self.add(
                item,
                "image_weight",
                f'image "{name}" weighs {kilobytes:.0f} KB; the house rule allows {max_kb:.0f} KB '
                "(readers get it resized anyway; a smaller export, e.g. JPEG quality 80, keeps "
                "the repository light)",
            )
        if not self.on("image_size"):
            return
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as opened:
                width, height = opened.size
        except (OSError, UnidentifiedImageError):
            self.add(item, "image_size", f'image "{name}" is not an image Pillow can read')
            return
        rule = self.rules["image_size"]
        min_width, min_height = int(rule["min_width"]), int(rule["min_height"])
        max_width = int(rule["max_width"])
        if width < min_width or height < min_height:
            self.add(
                item,
                "image_size",
                f'image "{name}" is {width} by {height} px; the house rule asks for at least '
                f"{min_width} by {min_height}",
            )
        elif max_width and width > max_width:
            self.add(
                item,
                "image_size",
                f'image "{name}" is {width} px wide; the house rule allows {max_width}',
            )

    def summary(self, item: Any) -> None:
        """``summary``: written in the front matter, one line, not too long."""
        if not self.on("summary"):
            return
        # Pelican makes a summary of the first words when there is none, but only a written one
        # is in the metadata.
        written = str(item.metadata.get("summary", "") or "").strip()
        limit = int(self.rules["summary"]["max_chars"])
        text = _TAG.sub("", written).strip()
        if not text:
            self.add(item, "summary", "no Summary line; write one sentence the networks can show")
        elif limit and len(text) > limit:
            self.add(item, "summary", f"the Summary has {len(text)} characters; at most {limit}")

    def file_name(self, item: Any, source: Path) -> None:
        """``file_name``: ``slug.md``, or ``slug-lang.md`` for a translation."""
        slug = str(getattr(item, "slug", "") or "")
        allowed = {slug, f"{slug}-{getattr(item, 'lang', '')}"}
        if self.on("file_name") and source.stem not in allowed:
            self.add(
                item,
                "file_name",
                f'the file name should follow the slug "{slug}": rename it {slug}{source.suffix}',
            )

    def internal_link(
        self, item: Any, source: Path, links: list[str], others: Iterable[str]
    ) -> None:
        """``internal_link``: the post links to another post of the blog."""
        if not self.on("internal_link"):
            return
        # Normalised, not resolved: two spellings of one file are one path, without a system
        # call per link (a symbolic link to another post is not a house rule's concern).
        own = os.path.normpath(os.path.abspath(source))
        own_address: str | None = None  # Pelican works a post's URL out at each read: lazily
        # One set for the whole blog, not one per post: a list per post cost O(posts²).
        addresses = others if isinstance(others, (set, frozenset)) else set(others)
        for link in links:
            path = _local_file(link, source, self.content_root)
            if path is not None:
                if path.suffix == ".md" and os.path.normpath(os.path.abspath(path)) != own:
                    return
                continue
            address = link.split("#", 1)[0]
            if address not in addresses:
                continue
            if own_address is None:
                own_address = _address(self.site_url, item)
            if address != own_address:
                return
        self.add(
            item, "internal_link", "links to no other post; add one, e.g. [read](/posts/other.md)"
        )

    def far_future(self, item: Any) -> None:
        """``far_future``: a date far ahead is likely a typo, not a schedule."""
        date = getattr(item, "date", None)
        if not isinstance(date, datetime) or not self.on("far_future"):
            return
        days = int(self.rules["far_future"]["days"])
        now = self.now if date.tzinfo else self.now.replace(tzinfo=None)
        if date > now + timedelta(days=days):
            self.add(
                item,
                "far_future",
                f"dated {date:%Y-%m-%d}, more than {days} days ahead: a typo in the year? "
                "(until then the post stays unpublished)",
            )

    def translations(self, items: list[Any]) -> None:
        """``translation``: posts of the listed categories exist in the listed languages."""
        rule = self.rules["translation"]
        categories = {str(c).strip().lower() for c in rule["categories"]}
        if not self.on("translation") or not categories:
            return
        languages: dict[str, set[str]] = {}
        for item in items:
            languages.setdefault(str(item.slug), set()).add(str(item.lang))
        for item in items:
            if _is_translation(item):
                continue
            category = str(getattr(item, "category", "") or "").strip().lower()
            if category not in categories:
                continue
            missing = [lang for lang in rule["languages"] if lang not in languages[str(item.slug)]]
            if missing:
                self.add(
                    item,
                    "translation",
                    f'posts in "{item.category}" need a translation in {", ".join(missing)}; add '
                    f"a file {item.slug}-{missing[0]}.md with Lang: {missing[0]} and Translation: "
                    "true",
                )

    def translations_match(self, items: list[Any]) -> None:
        """``translation_matches``: a translation keeps its original's date, category, author."""
        if not self.on("translation_matches"):
            return
        originals = {str(i.slug): i for i in items if not _is_translation(i)}
        for item in items:
            original = originals.get(str(item.slug))
            if not _is_translation(item) or original is None:
                continue
            for key, read in _SHARED:
                if read(item) != read(original):
                    self.add(
                        item,
                        "translation_matches",
                        f"its {key} ({read(item) or 'none'}) differs from its original's "
                        f"({read(original) or 'none'}) in {self.display(original.source_path)}",
                    )

    def english_names(
        self, items: list[Any], table: taxonomy.Taxonomy, settings: Mapping[str, Any]
    ) -> None:
        """``taxonomy``: an English post's French category and tags have English names.

        A name no French post uses was written in English by the writer: it needs nothing. A
        company without a table has not asked for English names: nothing is checked.
        """
        default_lang = str(settings.get("DEFAULT_LANG", ""))
        if not table.exists or default_lang == taxonomy.LANG:
            return
        french: dict[taxonomy.Kind, set[str]] = {"categories": set(), "tags": set()}
        for item in items:
            if getattr(item, "lang", None) == default_lang:
                french["categories"] |= {taxonomy.key(name) for name in _category(item)}
                french["tags"] |= {taxonomy.key(name) for name in _tags(item)}
        where = self.display(table.source)
        for item in items:
            if getattr(item, "lang", None) != taxonomy.LANG:
                continue
            parts: list[str] = []
            tables: list[str] = []
            for kind, label, names in _names_of(item):
                missing = [
                    f'"{name}"'
                    for name in names
                    if taxonomy.key(name) in french[kind] and not table.has(kind, name)
                ]
                if missing:
                    parts.append(f"{label} {', '.join(missing)}")
                    tables.append(f"[{kind}]")
            if parts:
                self.add(
                    item,
                    "taxonomy",
                    f"no English name in {where} for {' and '.join(parts)}; add them under "
                    f"{' and '.join(tables)} (English pages and hashtags show the French names "
                    "until then)",
                )


def _names_of(item: Any) -> tuple[tuple[taxonomy.Kind, str, list[str]], ...]:
    """A post's category and tags as written: (table, how a line names them, names)."""
    return (("categories", "category", _category(item)), ("tags", "tags", _tags(item)))


def _category(item: Any) -> list[str]:
    """A post's category as written, in a list (none when it has none)."""
    name = str(getattr(item, "category", "") or "").strip()
    return [name] if name else []


def _tags(item: Any) -> list[str]:
    """A post's tags as written."""
    return [str(tag) for tag in getattr(item, "tags", None) or [] if str(tag).strip()]


# What a translation shares with its original: (front-matter key, how to read it on a post).
_SHARED: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("Date", lambda item: _minute(getattr(item, "date", None))),
    ("Category", lambda item: str(getattr(item, "category", "") or "")),
    ("Author", lambda item: str(getattr(item, "author", "") or "")),
    ("Image", lambda item: str(item.metadata.get("image", "") or "").strip()),
)


def _minute(date: object) -> str:
    """A date as the front matter writes it."""
    return f"{date:%Y-%m-%d %H:%M}" if isinstance(date, datetime) else str(date or "")


def _is_translation(item: Any) -> bool:
    """Whether the front matter says ``Translation: true``."""
    value = str(item.metadata.get("translation", "false")).strip().lower()
    return value not in ("", "false", "no", "0")


def check(
    articles: Iterable[Any],
    settings: Mapping[str, Any],
    *,
    content_root: Path,
    display: Callable[[str], str] = str,
    now: datetime | None = None,
    only: Callable[[Any], bool] | None = None,
) -> list[Finding]:
    """Every post of ``articles`` against the rules of ``settings``; the problems, file by file.

    ``only``: the posts checked (a preview's rebuild of one post: that post and its
    translations); links to any post of ``articles`` count, and the English names see them all.
    """
    rules = rules_from_settings(settings)
    items = sorted(articles, key=lambda a: str(a.source_path))
    site_url = str(settings.get("SITEURL", ""))
    checker = _Checker(rules, content_root, site_url, now or datetime.now(UTC), display)
    addresses = frozenset(_address(site_url, item) for item in items)
    chosen = items if only is None else [item for item in items if only(item)]
    for item in chosen:
        checker.article(item, addresses)
    checker.translations(chosen)
    checker.translations_match(chosen)
    if checker.on("taxonomy"):
        checker.english_names(items, taxonomy.from_settings(settings, content_root), settings)
    # File by file, so a writer finds every line about their post together.
    return sorted(checker.findings, key=lambda finding: finding.path)


def _address(site_url: str, item: Any) -> str:
    """A post's absolute address, as another post may link to it."""
    return f"{site_url.rstrip('/')}/{getattr(item, 'url', '')}"


def report(findings: Iterable[Finding]) -> None:
    """Log each finding at its level on the "syndication.house_rules" logger (the build
    collects them)."""
    for finding in findings:
        level = logging.ERROR if finding.level == "error" else logging.WARNING
        logger.log(level, "%s", finding)
