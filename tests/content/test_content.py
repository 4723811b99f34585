"""The sample blog's sources follow the shared front matter contract, and Pelican builds them.

The schema is the one in the developers' guide: every post is findable by slug in both languages,
signed by a known author, and every image a reader may see has a description.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pelican
import pytest
from content_schema import CONTENT, DATE_RE, ROOT, Document
from pelican import Pelican
from pelican.settings import read_settings
from PIL import Image

POST_KEYS = ("title", "date", "category", "tags", "author", "slug", "lang", "summary")
PAGE_KEYS = ("title", "slug", "lang", "summary")
NETWORKS = {"bluesky", "mastodon"}
# Room left for the link the composer appends after an override, within Bluesky's 300 graphemes.
BLUESKY_OVERRIDE_MAX = 250


def _date(doc: Document) -> datetime:
    return datetime.strptime(doc.meta["date"], "%Y-%m-%d %H:%M")


def _now() -> datetime:
    """The wall clock in the site's zone, naive like the dates of the front matter."""
    return datetime.now(ZoneInfo("America/Toronto")).replace(tzinfo=None)


def _originals(docs: list[Document]) -> dict[str, Document]:
    return {d.meta["slug"]: d for d in docs if not d.is_translation}


def test_every_post_has_the_required_keys_in_the_right_shape(posts: list[Document]) -> None:
    for doc in posts:
        missing = [k for k in POST_KEYS if not doc.meta.get(k)]
        assert not missing, f"{doc.path.name}: missing {missing}"
        assert DATE_RE.match(doc.meta["date"]), f"{doc.path.name}: date {doc.meta['date']!r}"
        if "modified" in doc.meta:
            assert DATE_RE.match(doc.meta["modified"]), doc.path.name
            assert doc.meta["modified"] >= doc.meta["date"], doc.path.name
        assert doc.lang in {"fr", "en"}, doc.path.name
        # English is always a translation of a French original, never the other way round.
        assert doc.is_translation == (doc.lang == "en"), doc.path.name
        expected = doc.meta["slug"] + ("-en" if doc.is_translation else "")
        assert doc.path.stem == expected, f"{doc.path.name}: file name should be {expected}.md"
        assert all(t.strip() for t in doc.meta["tags"].split(",")), doc.path.name
        summary = doc.meta["summary"]
        assert "\n" not in summary and len(summary) <= 300, f"{doc.path.name}: summary too long"


def test_authors_are_known_and_have_a_photo(posts: list[Document], pelicanconf: ModuleType) -> None:
    authors: dict[str, dict[str, str]] = pelicanconf.AGORA_AUTHORS
    for doc in posts:
        assert doc.meta["author"] in authors, f"{doc.path.name}: unknown author"
    for name, info in authors.items():
        photo = CONTENT / info["photo"]
        assert photo.is_file(), f"{name}: no photo at {photo}"
        with Image.open(photo) as im:
            assert im.format == "PNG" and im.size == (256, 256), name
        assert photo.stat().st_size < 50_000, f"{name}: photo too heavy"


def test_translations_point_at_an_original_with_the_same_slug_and_date(
    posts: list[Document], pages: list[Document]
) -> None:
    for docs in (posts, pages):
        originals = _originals(docs)
        for doc in (d for d in docs if d.is_translation):
            original = originals.get(doc.meta["slug"])
            assert original is not None, f"{doc.path.name}: no original for its slug"
            assert original.lang != doc.lang, doc.path.name
            for key in ("date", "category", "author", "image"):
                assert doc.meta.get(key) == original.meta.get(key), f"{doc.path.name}: {key}"
        # One translation per language and slug, or Pelican would pick one at random.
        pairs = Counter((d.meta["slug"], d.lang) for d in docs)
        assert all(n == 1 for n in pairs.values()), pairs


def test_post_images_exist_are_light_and_described(posts: list[Document]) -> None:
    with_image = [d for d in posts if "image" in d.meta]
    assert len({d.meta["slug"] for d in with_image}) >= 3
    for doc in with_image:
        assert doc.meta.get("image_alt", "").strip(), f"{doc.path.name}: Image without Image_alt"
        path = CONTENT / doc.meta["image"]
        assert path.is_file(), f"{doc.path.name}: {path} missing"
        assert path.stat().st_size < 150_000, f"{path.name} is over 150 KB"
        with Image.open(path) as im:
            assert im.size == (1200, 630), path.name


def test_links_and_inline_images_resolve_and_images_carry_alt_text(
    posts: list[Document], pages: list[Document]
) -> None:
    for doc in posts + pages:
        for is_image, label, target in doc.links():
            if is_image:
                assert label.strip(), f"{doc.path.name}: image {target} has no alt text"
            for prefix in ("{filename}", "{static}"):
                if target.startswith(prefix):
                    linked = (doc.path.parent / target.removeprefix(prefix)).resolve()
                    if target.startswith(prefix + "/"):
                        linked = CONTENT / target.removeprefix(prefix + "/")
                    assert linked.is_file(), f"{doc.path.name}: broken link {target}"
    # Every post points readers to at least one other post of the blog.
    for doc in posts:
        assert any(t.startswith("{filename}") for _, _, t in doc.links()), doc.path.name


def test_posts_have_some_structure_and_a_readable_length(posts: list[Document]) -> None:
    for doc in posts:
        assert 250 <= doc.words() <= 600, f"{doc.path.name}: {doc.words()} words"
        assert re.search(r"^## ", doc.body, re.M), f"{doc.path.name}: no heading"
        assert re.search(r"^(- |1\. )", doc.body, re.M), f"{doc.path.name}: no list"


def test_syndication_options_are_valid(posts: list[Document]) -> None:
    opted_out = []
    for doc in posts:
        value = doc.meta.get("syndicate")
        if value is None:
            continue
        choices = {v.strip().lower() for v in value.split(",")}
        assert choices == {"none"} or choices <= NETWORKS, f"{doc.path.name}: {value!r}"
        if choices == {"none"}:
            opted_out.append(doc)
    assert opted_out, "the sample should show a post kept off the networks"
    overrides = [d for d in posts if "bluesky_text" in d.meta]
    assert overrides, "the sample should show a Bluesky text override"
    for doc in overrides:
        assert len(doc.meta["bluesky_text"]) <= BLUESKY_OVERRIDE_MAX, doc.path.name


def test_the_sample_blog_is_big_and_varied_enough(posts: list[Document]) -> None:
    french = [d for d in posts if not d.is_translation]
    published = [d for d in french if _date(d) <= _now()]
    assert len(published) >= 8
    assert len({d.meta["category"] for d in french}) >= 3
    assert len({d.meta["author"] for d in french}) >= 3
    translated = {d.meta["slug"] for d in posts if d.is_translation}
    assert 2 * len(translated) >= len(french)
    years = {_date(d).year for d in published}
    assert {2025, 2026} <= years


def test_pages_have_the_required_keys_and_both_languages(pages: list[Document]) -> None:
    for doc in pages:
        missing = [k for k in PAGE_KEYS if not doc.meta.get(k)]
        assert not missing, f"{doc.path.name}: missing {missing}"
        assert doc.is_translation == (doc.lang == "en"), doc.path.name
    langs = {(d.meta["slug"], d.lang) for d in pages}
    for slug in ("a-propos", "conversation"):
        assert {(slug, "fr"), (slug, "en")} <= langs, slug


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample content built with Pelican's own theme and no plugins (the content alone)."""
    out = tmp_path_factory.mktemp("site")
    theme = Path(pelican.__file__).parent / "themes" / "simple"
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(CONTENT),
            "OUTPUT_PATH": str(out),
            "THEME": str(theme),
            "PLUGINS": [],
            "SITEURL": "http://blog.example",
            "FEED_DOMAIN": "http://blog.example",
        },
    )
    cwd = os.getcwd()
    try:
        Pelican(settings).run()
    finally:
        os.chdir(cwd)
    return out


def test_build_publishes_posts_in_both_languages_linked_to_each_other(
    built_site: Path, posts: list[Document]
) -> None:
    translated = {d.meta["slug"] for d in posts if d.is_translation}
    for doc in (d for d in posts if _date(d) <= _now()):
        slug = doc.meta["slug"]
        page = built_site / ("en/" if doc.is_translation else "") / slug / "index.html"
        assert page.is_file(), f"{doc.path.name} was not published at {page}"
        html = page.read_text(encoding="utf-8")
        assert "{filename}" not in html and "{static}" not in html, f"{slug}: unresolved link"
        if slug in translated:
            other = f"/{slug}/" if doc.is_translation else f"/en/{slug}/"
            assert f'href="http://blog.example{other}"' in html, f"{page}: no link to {other}"
        for img in re.findall(r"<img\b[^>]*>", html):
            assert re.search(r'alt="[^"]+"', img), f"{page}: {img}"


def test_build_keeps_future_posts_unpublished(built_site: Path, posts: list[Document]) -> None:
    for doc in (d for d in posts if _date(d) > _now()):
        slug = doc.meta["slug"]
        assert not (built_site / slug / "index.html").exists(), slug
        index = (built_site / "index.html").read_text(encoding="utf-8")
        assert f"/{slug}/" not in index, slug


def test_build_copies_images_and_publishes_pages(built_site: Path) -> None:
    for name in ("repondre-a-chaque-question.jpg", "rappel-etriers-de-frein.jpg"):
        assert (built_site / "images" / "posts" / name).is_file()
    for slug in ("a-propos", "conversation"):
        for prefix in ("", "en/"):
            page = built_site / f"{prefix}pages/{slug}/index.html"
            assert page.is_file(), page
            for img in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
                assert re.search(r'alt="[^"]+"', img), f"{page}: {img}"
