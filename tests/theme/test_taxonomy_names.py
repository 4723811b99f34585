"""English pages show English category and tag names, from the company's ``taxonomy.toml``.

A small blog of the tests' own (``fixture_blog``: two French posts in "Atelier" and "Communauté",
the first translated into English, both tagged "atelier, entretien") is built as ``invoke check``
builds it, with a table naming "Atelier", "atelier" and "entretien" in English. What a reader
sees is read from the built pages: labels, links, the English category and tag pages, the feed;
every internal link of the site must lead somewhere, and the sitemap only to pages that exist.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from syndication.site.linkcheck import check_site

ROOT = Path(__file__).resolve().parents[2]
# The fixture blog lives with the content tests; test folders are not packages.
if str(ROOT / "tests" / "content") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "content"))

from fixture_blog import (  # noqa: E402
    FIRST,
    IMAGE,
    SITEURL,
    Outcome,
    build_blog,
    post,
    write_blog,
)

TABLE = """\
[categories]
"Atelier" = "Workshop"

[tags]
"atelier" = "workshop"
"Entretien" = "maintenance"
"""


def soup(outcome: Outcome, page: str) -> BeautifulSoup:
    """A built page, given as its site path ("en/first/")."""
    path = outcome.output / page.strip("/") / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def links(page: BeautifulSoup, selector: str) -> list[tuple[str, str]]:
    """(label, address) of the links ``selector`` finds: the URL a browser on the site opens (the
    pages link from the host's root)."""
    return [
        (a.get_text(strip=True), urljoin(f"{SITEURL}/", a["href"])) for a in page.select(selector)
    ]


def write_translation(workspace: Path, **extra: str) -> None:
    """The English translation of the first post again, with front matter of the test's own."""
    (workspace / "content" / "posts" / f"{FIRST}-en.md").write_text(
        post(
            FIRST,
            title="First post",
            lang="en",
            translation=True,
            image=IMAGE,
            image_alt="A bike on a repair stand",
            extra=extra,
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The fixture blog with a taxonomy table, built once for the tests that only read it."""
    workspace = tmp_path_factory.mktemp("taxonomy-blog")
    content = write_blog(workspace)
    (content / "taxonomy.toml").write_text(TABLE, encoding="utf-8")
    outcome = build_blog(workspace)
    assert outcome.built, outcome.failure
    return outcome


def test_the_english_post_shows_english_names_linking_to_english_pages(built: Outcome) -> None:
    english = soup(built, f"en/{FIRST}/")

    assert links(english, "header a.p-category") == [
        ("Workshop", f"{SITEURL}/en/category/workshop/")
    ]
    assert links(english, "ul.tags a") == [
        ("workshop", f"{SITEURL}/en/tag/workshop/"),
        ("maintenance", f"{SITEURL}/en/tag/maintenance/"),
    ]
    section = english.select_one('meta[property="article:section"]')
    assert section is not None and section["content"] == "Workshop"


def test_the_french_post_keeps_its_french_names(built: Outcome) -> None:
    french = soup(built, f"{FIRST}/")

    assert links(french, "header a.p-category") == [("Atelier", f"{SITEURL}/categorie/atelier/")]
    assert [label for label, _ in links(french, "ul.tags a")] == ["atelier", "entretien"]


def test_the_english_category_page_is_in_english_and_links_to_the_french_one(
    built: Outcome,
) -> None:
    page = soup(built, "en/category/workshop/")

    assert page.html is not None and page.html["lang"] == "en"
    assert page.h1 is not None and page.h1.get_text(strip=True) == "Category: Workshop"
    assert [title for title, _ in links(page, ".entry-list .p-name a")] == ["First post"]
    assert links(page, ".entry-list a.p-category") == [
        ("Workshop", f"{SITEURL}/en/category/workshop/")
    ]
    assert links(page, "nav a[hreflang]") == [("Lire en français", f"{SITEURL}/categorie/atelier/")]

    french = soup(built, "categorie/atelier/")
    assert french.h1 is not None and french.h1.get_text(strip=True) == "Catégorie : Atelier"
    assert links(french, "nav a[hreflang]") == [
        ("Read in English", f"{SITEURL}/en/category/workshop/")
    ]
    alternates = {
        str(link["hreflang"]): str(link["href"])
        for link in french.select("link[rel=alternate][hreflang]")
    }
    assert alternates["en"] == f"{SITEURL}/en/category/workshop/"


def test_the_english_tag_page_lists_the_english_post(built: Outcome) -> None:
    page = soup(built, "en/tag/maintenance/")

    assert page.h1 is not None and page.h1.get_text(strip=True) == "Tag: maintenance"
    assert [title for title, _ in links(page, ".entry-list .p-name a")] == ["First post"]
    assert links(page, "nav a[hreflang]") == [
        ("Lire en français", f"{SITEURL}/etiquette/entretien/")
    ]


def test_the_english_home_page_and_feed_show_the_english_category(built: Outcome) -> None:
    home = soup(built, "en/")
    assert links(home, ".entry-list a.p-category") == [
        ("Workshop", f"{SITEURL}/en/category/workshop/")
    ]

    feed = ET.parse(built.output / "feeds" / "all-en.atom.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    terms = [c.get("term") for c in feed.iter(f"{atom}category")]
    assert terms == ["Workshop", "workshop", "maintenance"]


def test_no_link_is_broken_and_the_sitemap_names_only_pages_that_exist(built: Outcome) -> None:
    assert check_site(built.output, SITEURL) == []

    sitemap = ET.parse(built.output / "sitemap.xml").getroot()
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    addresses = [str(loc.text) for loc in sitemap.iter(f"{namespace}loc")]
    assert f"{SITEURL}/en/{FIRST}/" in addresses
    for address in addresses:
        relative = address.removeprefix(SITEURL).strip("/")
        assert (built.output / relative / "index.html").is_file(), address


def test_a_complete_table_gives_no_warning(built: Outcome) -> None:
    assert [line for line in built.lines if ": taxonomy:" in line] == []


def test_a_name_missing_from_the_table_stays_french_and_is_one_warning(tmp_path: Path) -> None:
    content = write_blog(tmp_path)
    (content / "taxonomy.toml").write_text('[tags]\n"atelier" = "workshop"\n', encoding="utf-8")

    outcome = build_blog(tmp_path)

    assert outcome.built  # a warning refuses nothing
    english = soup(outcome, f"en/{FIRST}/")
    assert links(english, "header a.p-category") == [("Atelier", f"{SITEURL}/en/category/atelier/")]
    assert [label for label, _ in links(english, "ul.tags a")] == ["workshop", "entretien"]
    lines = outcome.about(f"{FIRST}-en.md", "taxonomy")
    assert len(lines) == 1 and ": warning: taxonomy: no English name in " in lines[0]
    assert 'taxonomy.toml for category "Atelier" and tags "entretien"; add them under ' in lines[0]
    assert "[categories] and [tags]" in lines[0]
    assert outcome.about(f"{FIRST}.md", "taxonomy") == []  # French posts need no English names
    assert check_site(outcome.output, SITEURL) == []


def test_tags_the_writer_gave_in_english_win(tmp_path: Path) -> None:
    content = write_blog(tmp_path)
    (content / "taxonomy.toml").write_text(TABLE, encoding="utf-8")
    write_translation(tmp_path, Tags="repair stand, entretien")

    outcome = build_blog(tmp_path)

    english = soup(outcome, f"en/{FIRST}/")
    assert links(english, "ul.tags a") == [
        ("repair stand", f"{SITEURL}/en/tag/repair-stand/"),
        ("maintenance", f"{SITEURL}/en/tag/maintenance/"),
    ]
    page = soup(outcome, "en/tag/repair-stand/")
    assert [title for title, _ in links(page, ".entry-list .p-name a")] == ["First post"]
    assert links(page, "nav a[hreflang]") == []  # no French page of that name to switch to
    assert [line for line in outcome.lines if ": taxonomy:" in line] == []
    assert check_site(outcome.output, SITEURL) == []


def test_the_rule_takes_its_level_from_the_house_rules(tmp_path: Path) -> None:
    content = write_blog(tmp_path)
    (content / "taxonomy.toml").write_text("[categories]\n", encoding="utf-8")

    strict = build_blog(tmp_path, {"taxonomy": "error"})
    assert not strict.built
    assert any(": error: taxonomy: " in line for line in strict.about(f"{FIRST}-en.md", "taxonomy"))

    off = build_blog(tmp_path, {"taxonomy": "off"})
    assert off.built and [line for line in off.lines if ": taxonomy:" in line] == []


def test_without_a_table_nothing_is_asked_and_names_stay_as_written(tmp_path: Path) -> None:
    write_blog(tmp_path)

    outcome = build_blog(tmp_path)

    assert [line for line in outcome.lines if ": taxonomy:" in line] == []
    english = soup(outcome, f"en/{FIRST}/")
    assert links(english, "header a.p-category") == [("Atelier", f"{SITEURL}/en/category/atelier/")]
