"""The English names of the blog's categories and tags: a reviewed file the company edits.

The site is written in French first; its categories and tags are French words. The table
``content/taxonomy.toml`` (setting ``AGORA_TAXONOMY_FILE``, relative to the content folder) gives
each one its English name, for the English pages and the English copies' hashtags::

    [categories]
    "Atelier" = "Workshop"

    [tags]
    "entretien" = "maintenance"

Names are matched as a writer types them, without regard to case or repeated spaces
(``Service  à la clientèle`` finds ``"service à la clientèle"``). A name the table lacks keeps
its French spelling, and so does a name a writer already wrote in English in a translation's
front matter: the translation's own words win. A missing file is an empty table; a file that is
not TOML, has an unknown table or a name without text is a ``ConfigError`` naming the file
(``syndication.reviewed.read_reviewed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from syndication.errors import ConfigError
from syndication.reviewed import read_reviewed

SETTING = "AGORA_TAXONOMY_FILE"
DEFAULT_FILE = "taxonomy.toml"  # in the content folder, beside the posts it names
# The language the table gives names in: the blog's translations are English.
LANG = "en"
KINDS = ("categories", "tags")

Kind = Literal["categories", "tags"]


def key(name: str) -> str:
    """How a name is looked up: case and repeated spaces do not matter."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Taxonomy:
    """The table: French name (as looked up by ``key``) -> English name, per kind."""

    categories: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    source: str = ""  # the file it was read from, for messages
    exists: bool = False  # whether the company wrote a table at all

    def _table(self, kind: Kind) -> Mapping[str, str]:
        return self.categories if kind == "categories" else self.tags

    def has(self, kind: Kind, name: str) -> bool:
        """Whether the table gives ``name`` an English name."""
        return key(name) in self._table(kind)

    def name(self, kind: Kind, name: str, lang: str) -> str:
        """``name`` as a page or a copy in ``lang`` shows it: the English name when the table
        has one and ``lang`` is English, else ``name`` as written."""
        if lang != LANG:
            return name
        return self._table(kind).get(key(name), name)

    def category(self, name: str, lang: str) -> str:
        """A category's name in ``lang``."""
        return self.name("categories", name, lang)

    def tag_names(self, names: Iterable[str], lang: str) -> tuple[str, ...]:
        """Tags' names in ``lang``, in order."""
        return tuple(self.name("tags", tag, lang) for tag in names)


def _names(path: Path, kind: str, raw: object) -> dict[str, str]:
    """One table of the file, checked: every French name has a non-empty English text."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f'{path}: [{kind}] must list names, one a line, like "Atelier" = "Workshop".'
        )
    names: dict[str, str] = {}
    for french, english in raw.items():
        if not isinstance(english, str) or not english.strip():
            raise ConfigError(
                f'{path}: "{french}" under [{kind}] has no English name; write it in quotes, '
                f'like "{french}" = "..."'
            )
        names[key(str(french))] = " ".join(english.split())
    return names


def read_taxonomy(path: Path) -> Taxonomy:
    """The table in ``path``; an empty one when the file does not exist."""
    data = read_reviewed(path, set(KINDS), "[categories] and [tags]")
    return Taxonomy(
        categories=_names(path, "categories", data.get("categories", {})),
        tags=_names(path, "tags", data.get("tags", {})),
        source=str(path),
        exists=path.exists(),
    )


def taxonomy_path(settings: Mapping[str, Any], content_root: Path | None = None) -> Path:
    """Where the table is: ``AGORA_TAXONOMY_FILE``, relative to the content folder (``PATH``)."""
    chosen = Path(str(settings.get(SETTING) or DEFAULT_FILE))
    if chosen.is_absolute():
        return chosen
    root = content_root if content_root is not None else Path(str(settings.get("PATH", ".")))
    return root / chosen


def from_settings(settings: Mapping[str, Any], content_root: Path | None = None) -> Taxonomy:
    """The table the settings name."""
    return read_taxonomy(taxonomy_path(settings, content_root))
