"""The English copy of a post gets hashtags from the English names of ``content/taxonomy.toml``.

Each language of a post is a post of its own; its tags are read from its own front matter, and an
English post's tags get their English names from the company's table (``syndication.taxonomy``)
when posts are read, so the dry run a pull request shows says ``#Winter #Maintenance`` for the
English copy and ``#Hiver #Entretien`` for the French one.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from syndicate_support import AUTHORS, Site, post_file

from sandbox.mastodon import MastodonServer
from syndication.cli.syndicate import run
from syndication.errors import ConfigError
from syndication.networks.base import TextLimits
from syndication.posts import load_settings, read_posts
from syndication.publish.compose import compose

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MASTODON = TextLimits(500, 23)
TABLE = """\
[categories]
"Conseils" = "Tips"

[tags]
"hiver" = "winter"
"Entretien" = "maintenance"
"chaîne" = "chain"
"""
ENGLISH_TITLE = "Riding through winter without losing your chain"
ENGLISH_SUMMARY = "Three simple steps before the first snow."
# Pelican's signals are global: a plain build in this process would run the plugin another test
# registered, so the site is built in a process of its own.
BUILD = (
    "import sys\n"
    "from pelican import Pelican\n"
    "from pelican.settings import read_settings\n"
    "Pelican(read_settings(sys.argv[1])).run()\n"
)


def write_post_and_translation(site: Site, english_tags: str = "hiver, entretien, chaîne") -> None:
    """A French post and its English translation, which copies the French tags by default."""
    site.add_post("hiver.md", post_file("rouler-l-hiver"))
    site.add_post(
        "hiver-en.md",
        post_file(
            "rouler-l-hiver",
            lang="en",
            title=ENGLISH_TITLE,
            summary=ENGLISH_SUMMARY,
            tags=english_tags,
        ),
    )


def texts(site: Site) -> dict[str, str]:
    """What Mastodon would receive for each language of the post, read from the files."""
    posts = read_posts(load_settings(site.settings_file), NOW)
    return {
        post.lang: compose(post, "mastodon", MASTODON, authors=AUTHORS, account="brand").text
        for post in posts
    }


def test_the_english_copy_has_english_hashtags_the_french_one_french(site: Site) -> None:
    (site.content / "taxonomy.toml").write_text(TABLE, encoding="utf-8")
    write_post_and_translation(site)

    copies = texts(site)

    assert copies["en"] == (
        f"{ENGLISH_TITLE}\n\n{ENGLISH_SUMMARY} — Mathieu\n\n"
        f"{site.url}/en/rouler-l-hiver/\n\n#Winter #Maintenance #Chain"
    )
    assert copies["fr"].endswith(f"{site.url}/rouler-l-hiver/\n\n#Hiver #Entretien #Chaîne")


def test_tags_the_writer_gave_in_english_win_and_a_name_left_out_stays_french(
    site: Site,
) -> None:
    (site.content / "taxonomy.toml").write_text(TABLE, encoding="utf-8")
    # "winter riding" is English already; "sel" is not in the table.
    write_post_and_translation(site, english_tags="winter riding, entretien, sel")

    copies = texts(site)

    assert copies["en"].endswith("\n\n#WinterRiding #Maintenance #Sel")
    assert copies["fr"].endswith("\n\n#Hiver #Entretien #Chaîne")


def test_without_a_table_every_copy_keeps_the_names_as_written(site: Site) -> None:
    write_post_and_translation(site)

    copies = texts(site)

    assert copies["en"].endswith("\n\n#Hiver #Entretien #Chaîne")


def test_a_table_that_is_not_toml_is_one_sentence_naming_it(site: Site) -> None:
    table = site.content / "taxonomy.toml"
    table.write_text('[tags]\n"hiver" = winter\n', encoding="utf-8")
    write_post_and_translation(site)

    with pytest.raises(ConfigError) as raised:
        read_posts(load_settings(site.settings_file), NOW)

    assert str(table) in str(raised.value) and "fix the TOML syntax" in str(raised.value)


def test_a_name_without_english_text_is_one_sentence_naming_it(site: Site) -> None:
    table = site.content / "taxonomy.toml"
    table.write_text('[tags]\n"hiver" = ""\n', encoding="utf-8")
    write_post_and_translation(site)

    with pytest.raises(ConfigError, match='"hiver" under \\[tags\\] has no English name'):
        read_posts(load_settings(site.settings_file), NOW)


@pytest.mark.mastodon
def test_the_dry_run_a_pull_request_shows_has_the_english_hashtags(
    site: Site, mastodon_server: MastodonServer
) -> None:
    (site.content / "taxonomy.toml").write_text(TABLE, encoding="utf-8")
    write_post_and_translation(site)
    subprocess.run([sys.executable, "-c", BUILD, str(site.settings_file)], check=True)
    out = io.StringIO()

    run(
        site.settings_file,
        dry_run=True,
        env={
            "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
            "AGORA_MASTODON_ACCESS_TOKEN": mastodon_server.brand_token,
        },
        stdout=out,
    )

    report = out.getvalue()
    english = report.split("rouler-l-hiver.en -> Mastodon: would post")[1].split("\n\n")[0]
    french = report.split("rouler-l-hiver.fr -> Mastodon: would post")[1].split("\n\n")[0]
    assert "    | #Winter #Maintenance #Chain" in english
    assert "    | #Hiver #Entretien #Chaîne" in french
