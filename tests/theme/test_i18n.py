"""The interface-language filters: strings by key and language, plurals, dates, loud failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest
from pelican import Pelican
from pelican.settings import read_settings
from theme_site import SETTINGS, write_site

from plugins.agora import i18n
from syndication.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
THEME_STRINGS = ROOT / "theme" / "strings.json"


@pytest.fixture(scope="module")
def strings() -> i18n.Strings:
    return i18n.load_strings(THEME_STRINGS)


def test_every_theme_string_has_french_and_english(strings: i18n.Strings) -> None:
    assert all(set(texts) >= {"fr", "en"} for texts in strings.values())
    assert i18n.translate(strings, "skip_link", "fr") == "Aller au contenu"
    assert i18n.translate(strings, "skip_link", "en") == "Skip to content"


@pytest.mark.parametrize(
    ("lang", "count", "text"),
    [
        ("fr", 0, "0 billet"),
        ("fr", 1, "1 billet"),
        ("fr", 2, "2 billets"),
        ("en", 0, "0 posts"),
        ("en", 1, "1 post"),
        ("en", 3, "3 posts"),
    ],
)
def test_counts_pick_the_plural_of_the_language(
    strings: i18n.Strings, lang: str, count: int, text: str
) -> None:
    assert i18n.translate(strings, "posts", lang, count=count) == text


@pytest.mark.parametrize(
    ("moment", "lang", "text"),
    [
        (datetime(2026, 11, 22, 12, tzinfo=UTC), "fr", "22 novembre 2026"),
        (datetime(2026, 11, 22, 12, tzinfo=UTC), "en", "November 22, 2026"),
        (datetime(2026, 8, 1, 12, tzinfo=UTC), "fr", "1er août 2026"),
        (datetime(2026, 2, 1, 12, tzinfo=UTC), "en", "February 1, 2026"),
    ],
)
def test_dates_in_words_without_system_locales(moment: datetime, lang: str, text: str) -> None:
    assert i18n.format_date(moment, lang) == text


def test_dates_are_shown_in_the_site_time_zone() -> None:
    late_evening_in_quebec = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert i18n.format_date(late_evening_in_quebec, "fr", "America/Toronto") == "22 novembre 2026"


def _render(strings: i18n.Strings, source: str) -> str:
    env = jinja2.Environment()
    env.filters.update(i18n.make_filters(strings, "America/Toronto"))
    return env.from_string(source).render()


def test_filters_in_a_template(strings: i18n.Strings) -> None:
    assert _render(strings, "{{ 'reply_on'|t('en') }}") == "Reply to us on"
    assert _render(strings, "{{ 'likes'|t('fr', count=3, network='Bluesky') }}") == (
        "3 mentions J'aime sur Bluesky"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 'no_such_key'|t('fr') }}", "'no_such_key'"),
        ("{{ 'skip_link'|t('de') }}", "'de'"),
        ("{{ 'posts_by'|t('fr') }}", "'name'"),
    ],
)
def test_unknown_keys_languages_and_fields_fail_loudly(
    strings: i18n.Strings, source: str, message: str
) -> None:
    with pytest.raises(i18n.UnknownStringError, match=message):
        _render(strings, source)


def test_a_string_missing_a_language_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "strings.json"
    path.write_text(json.dumps({"home": {"fr": "Accueil"}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'home' has no text in en"):
        i18n.load_strings(path)


def test_a_theme_template_asking_for_an_unknown_string_stops_the_build(tmp_path: Path) -> None:
    """A copy of the theme whose 404 page asks for a key strings.json lacks: the build fails."""
    import shutil

    content = write_site(tmp_path)  # the fixture blog, not the sample posts
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    page = theme / "templates" / "404.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("'not_found_title'", "'not_fuond_title'"),
        encoding="utf-8",
    )
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            **SETTINGS,
            "PATH": str(content),
            "AGORA_MODERATION_FILE": str(content / "moderation.toml"),
            "THEME": str(theme),
            "OUTPUT_PATH": str(tmp_path / "out"),
            "CACHE_PATH": str(tmp_path / "cache"),
            "AGORA_CARD_CACHE": str(tmp_path / "cards"),
            "AGORA_STATE_PATH": str(tmp_path / "state"),
            "PLUGINS": ["agora"],
        },
    )
    # Pelican imports the plugin as ``agora``, so its error class is not ``plugins.agora``'s.
    with pytest.raises(ConfigError, match=r"^404\.html: .*'not_fuond_title'"):
        Pelican(settings).run()


def test_every_key_the_templates_use_exists(strings: i18n.Strings) -> None:
    """Branches the fixture build may not reach (an unsigned company answer) are covered too."""
    import re

    used = set()
    for template in (ROOT / "theme" / "templates").glob("*.html"):
        used |= set(re.findall(r"'(\w+)'\|t\(", template.read_text(encoding="utf-8")))
    used |= {"likes", "reposts"}  # passed as a variable: {{ kind|t(...) }}
    assert len(used) > 30
    missing = [
        key
        for key in sorted(used)
        if key not in strings and not {f"{key}_one", f"{key}_other"} <= set(strings)
    ]
    assert not missing, f"strings.json lacks {missing}"
