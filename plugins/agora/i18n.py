"""Interface strings and dates in each page's language, for the theme's templates.

The theme keeps its interface strings in ``strings.json`` beside its templates, as
``{"key": {"fr": "...", "en": "..."}}``. This module gives the templates two Jinja filters:

- ``t``: ``{{ 'skip_link'|t(lang) }}``, with ``{name}`` fields filled from keyword arguments and a
  ``count`` that picks ``key_one`` or ``key_other`` by the language's plural rule;
- ``date_in``: ``{{ article.date|date_in(lang) }}`` gives "22 novembre 2026" or
  "November 22, 2026", formatted here rather than by the system's locales, which build machines
  rarely have.

An unknown key or language stops the build with one sentence naming it: a missing translation
rendered as nothing, or as the key, would reach readers unnoticed.

It also adds the theme's own direct templates (the English index, the 404 page) to
``DIRECT_TEMPLATES`` when the theme in use has them, so that a build with another theme (the
benchmark's, the content tests') is not asked for templates it lacks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context
from pelican import signals

from syndication.errors import ConfigError

logger = logging.getLogger(__name__)

STRINGS_FILE = "strings.json"
LANGUAGES = ("fr", "en")

# Direct templates of this theme beyond Pelican's own, and where each page is written.
THEME_PAGES: dict[str, str] = {"en_index": "en/index.html", "404": "404.html"}

_MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

Strings = dict[str, dict[str, str]]


class UnknownStringError(ConfigError):
    """A template asked for an interface string or a language that ``strings.json`` lacks."""


def load_strings(path: Path) -> Strings:
    """Read ``strings.json`` and check that every key has a text in every language."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"The theme's interface strings {path} cannot be read: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold one object of keys, each with its texts by language.")
    strings: Strings = {}
    for key, texts in raw.items():
        missing = [lang for lang in LANGUAGES if not isinstance(texts, dict) or lang not in texts]
        if missing:
            raise ConfigError(f"{path}: the string {key!r} has no text in {', '.join(missing)}.")
        strings[key] = {lang: str(text) for lang, text in texts.items()}
    return strings


def _is_singular(lang: str, count: int) -> bool:
    """The plural rule: French counts 0 and 1 as singular, English only 1."""
    return count in (0, 1) if lang == "fr" else count == 1


def translate(
    strings: Strings, key: str, lang: str, count: int | None = None, **fields: Any
) -> str:
    """The text of ``key`` in ``lang``, with its ``{fields}`` (and ``{count}``) filled in."""
    if count is not None:
        key = f"{key}_{'one' if _is_singular(lang, count) else 'other'}"
        fields["count"] = count
    texts = strings.get(key)
    if texts is None:
        raise UnknownStringError(
            f"The theme asked for the interface string {key!r}, which {STRINGS_FILE} does not "
            f"have: add it with its French and English texts."
        )
    if lang not in texts:
        raise UnknownStringError(
            f"The interface string {key!r} has no text in the language {lang!r}: add it to "
            f"{STRINGS_FILE} or fix the page's Lang."
        )
    try:
        return texts[lang].format(**fields)
    except (KeyError, IndexError) as error:
        raise UnknownStringError(
            f"The interface string {key!r} ({lang}) needs the field {error} the template did not "
            f"pass."
        ) from None


def format_date(moment: datetime, lang: str, timezone: str | None = None) -> str:
    """A day in words in ``lang``: "1er novembre 2026", "22 novembre 2026", "November 22, 2026".

    ``timezone`` (an IANA name) converts an aware time first, so a reply written late in the
    evening in Québec shows the day its readers lived, not UTC's.
    """
    if lang not in _MONTHS:
        raise UnknownStringError(f"Dates cannot be written in the language {lang!r} yet.")
    if timezone and moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    month = _MONTHS[lang][moment.month - 1]
    if lang == "fr":
        day = "1er" if moment.day == 1 else str(moment.day)
        return f"{day} {month} {moment.year}"
    return f"{month} {moment.day}, {moment.year}"


def make_filters(strings: Strings, timezone: str | None) -> dict[str, Callable[..., str]]:
    """The ``t`` and ``date_in`` Jinja filters bound to one theme's strings and time zone."""

    @pass_context
    def t(context: Context, key: str, lang: str, count: int | None = None, **fields: Any) -> str:
        """Interface string ``key`` in ``lang``; a failure names the template that asked."""
        try:
            return translate(strings, key, lang, count, **fields)
        except UnknownStringError as error:
            raise UnknownStringError(f"{context.name or 'A template'}: {error}") from None

    def date_in(moment: datetime, lang: str) -> str:
        """``moment`` as a day in words in ``lang``."""
        return format_date(moment, lang, timezone)

    return {"t": t, "date_in": date_in}


def strings_path(settings: Mapping[str, Any]) -> Path:
    """Where the theme in use keeps its interface strings."""
    return Path(str(settings["THEME"])) / STRINGS_FILE


def add_filters(generator: Any) -> None:
    """Give one generator's Jinja environment the ``t`` and ``date_in`` filters.

    Themes without a ``strings.json`` (Pelican's own, in the benchmark) get nothing.
    """
    path = strings_path(generator.settings)
    if not path.is_file():
        logger.debug("No %s in the theme: the t and date_in filters are not added", path)
        return
    filters = make_filters(load_strings(path), generator.settings.get("TIMEZONE"))
    generator.env.filters.update(filters)


def add_theme_pages(pelican: Any) -> None:
    """Add the theme's own direct templates to ``DIRECT_TEMPLATES`` when the theme has them."""
    settings = pelican.settings
    templates = Path(str(settings["THEME"])) / "templates"
    direct = list(settings["DIRECT_TEMPLATES"])
    for name, save_as in THEME_PAGES.items():
        if name in direct or not (templates / f"{name}.html").is_file():
            continue
        direct.append(name)
        settings.setdefault(f"{name.upper()}_SAVE_AS", save_as)
        settings.setdefault(f"{name.upper()}_URL", save_as.removesuffix("index.html"))
    settings["DIRECT_TEMPLATES"] = direct


def register() -> None:
    """Connect to Pelican's signals.

    ``generator_init`` is sent by every generator once its Jinja environment exists and before
    any template is loaded: the one moment filters can be added for all of them. ``initialized``
    comes before the generators read ``DIRECT_TEMPLATES``.
    """
    signals.generator_init.connect(add_filters)
    signals.initialized.connect(add_theme_pages)
