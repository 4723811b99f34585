"""The house rules (``AGORA_HOUSE_RULES``), checked by the build ``invoke check`` runs.

Every rule is tried on a fixture blog that keeps it and on one that breaks it: set to "error" the
build refuses the post with a line naming the file and the rule; "warning" prints the line and
builds; "off" says nothing. None of this reads the sample posts of content/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fixture_blog import (
    FIRST,
    IMAGE,
    SECOND,
    SITEURL,
    body,
    build_blog,
    post,
    write_blog,
    write_image,
)

from syndication.site.house_rules import DEFAULTS


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A fresh fixture blog that keeps every rule."""
    write_blog(tmp_path)
    return tmp_path


def _second(blog: Path, **changes: object) -> None:
    """Rewrite the second post with ``changes`` to its front matter or body."""
    values: dict[str, object] = {
        "title": "Second article",
        "date": "2025-03-08 10:00",
        "category": "Communauté",
        "text": body(link=f"{{filename}}/posts/{FIRST}.md"),
    }
    values |= changes
    path = blog / "content" / "posts" / f"{SECOND}.md"
    path.write_text(post(SECOND, **values), encoding="utf-8")  # type: ignore[arg-type]


def test_a_blog_keeping_every_rule_builds_with_every_rule_an_error(blog: Path) -> None:
    strict: dict[str, object] = {name: "error" for name in DEFAULTS}
    strict["translation"] = {"level": "error", "categories": ["Atelier"]}  # the first: translated
    outcome = build_blog(blog, strict)
    assert outcome.built, outcome.failure
    assert outcome.lines == []


def test_the_built_fixture_blog_links_its_languages_and_describes_its_images(blog: Path) -> None:
    outcome = build_blog(blog)
    assert outcome.built, outcome.failure
    french = (outcome.output / FIRST / "index.html").read_text(encoding="utf-8")
    english = (outcome.output / "en" / FIRST / "index.html").read_text(encoding="utf-8")
    assert f'href="{SITEURL}/en/{FIRST}/"' in french
    assert f'href="{SITEURL}/{FIRST}/"' in english
    for html in (french, english):
        assert "{filename}" not in html and "{static}" not in html
        for img in re.findall(r"<img\b[^>]*>", html):
            assert re.search(r'alt="[^"]+"', img), img
            # Each image it shows is on the site (resized: the original stays in the repository).
            src = re.search(r'src="([^"]+)"', img)
            assert src, img
            url = urljoin(f"{SITEURL}/", src[1])  # absolute, or from the host's root
            assert url.startswith(f"{SITEURL}/"), img
            assert (outcome.output / url.removeprefix(f"{SITEURL}/")).is_file(), img
    assert IMAGE.rsplit("/", 1)[-1].rsplit(".", 1)[0] in french  # the post's own image is shown
    assert (outcome.output / SECOND / "index.html").is_file()


def _short(blog: Path) -> str:
    _second(blog, text=body(words=100, link=f"{{filename}}/posts/{FIRST}.md"))
    return f"{SECOND}.md"


def _heavy_image(blog: Path) -> str:
    write_image(blog / "content" / "images" / "posts" / "bruit.png", noisy=True)
    extra = "\n\n![Du bruit coloré]({static}/images/posts/bruit.png)\n"
    _second(blog, text=body(link=f"{{filename}}/posts/{FIRST}.md") + extra)
    return f"{SECOND}.md"


def _small_image(blog: Path) -> str:
    write_image(blog / "content" / IMAGE, (600, 315))
    return f"{FIRST}.md"


def _no_alt(blog: Path) -> str:
    extra = f"\n\n![]({{static}}/{IMAGE})\n"
    _second(blog, text=body(link=f"{{filename}}/posts/{FIRST}.md") + extra)
    return f"{SECOND}.md"


def _no_alt_in_html(blog: Path) -> str:
    # Written as HTML, a title holding ">" before the empty alt, and an image commented out
    # (not shown, so not checked) first: the rule reads the tags as a browser would.
    extra = (
        f'\n\n<!-- <img src="{{static}}/{IMAGE}"> -->\n\n'
        f'<p><img title="a > b" src="{{static}}/{IMAGE}" alt=""></p>\n'
    )
    _second(blog, text=body(link=f"{{filename}}/posts/{FIRST}.md") + extra)
    return f"{SECOND}.md"


def _no_summary(blog: Path) -> str:
    _second(blog, summary=None)
    return f"{SECOND}.md"


def _long_summary(blog: Path) -> str:
    _second(blog, summary="Une très longue phrase. " * 20)
    return f"{SECOND}.md"


def _translation_elsewhere(blog: Path) -> str:
    path = blog / "content" / "posts" / f"{FIRST}-en.md"
    text = path.read_text(encoding="utf-8").replace(
        "Date: 2025-03-01 10:00", "Date: 2025-03-02 10:00"
    )
    path.write_text(text, encoding="utf-8")
    return f"{FIRST}-en.md"


def _misnamed(blog: Path) -> str:
    posts = blog / "content" / "posts"
    (posts / f"{FIRST}-en.md").rename(posts / "first-post.md")
    return "first-post.md"


def _no_link(blog: Path) -> str:
    _second(blog, text=body(link=""))
    return f"{SECOND}.md"


def _far_future(blog: Path) -> str:
    _second(blog, date="2062-03-08 10:00")
    return f"{SECOND}.md"


BREAKERS: list[tuple[str, Callable[[Path], str], str]] = [
    ("min_words", _short, "words; the house rule asks for at least 250"),
    ("image_weight", _heavy_image, 'image "{static}/images/posts/bruit.png" weighs'),
    ("image_size", _small_image, "is 600 by 315 px; the house rule asks for at least 1200 by 630"),
    ("alt_text", _no_alt, "has no alt text"),
    ("alt_text", _no_alt_in_html, "has no alt text"),
    ("summary", _no_summary, "no Summary line"),
    ("summary", _long_summary, "characters; at most 300"),
    (
        "translation_matches",
        _translation_elsewhere,
        "its Date (2025-03-02 10:00) differs from its original's (2025-03-01 10:00) in",
    ),
    ("file_name", _misnamed, f'should follow the slug "{FIRST}"'),
    ("internal_link", _no_link, "links to no other post"),
    ("far_future", _far_future, "dated 2062-03-08, more than 365 days ahead"),
]


@pytest.mark.parametrize(
    ("rule", "breaker", "said"), BREAKERS, ids=[f"{r}-{b.__name__}" for r, b, _ in BREAKERS]
)
def test_a_rule_set_to_error_refuses_the_post_and_off_says_nothing(
    blog: Path, rule: str, breaker: Callable[[Path], str], said: str
) -> None:
    name = breaker(blog)
    refused = build_blog(blog, {rule: "error"})
    assert not refused.built
    assert "house rule" in refused.failure and "AGORA_HOUSE_RULES" in refused.failure
    lines = refused.about(name, rule)
    assert lines and all(": error: " in line for line in lines), refused.lines
    assert any(said in line for line in lines), lines
    # The other rules stay quiet: the breaker broke this rule only.
    assert all(f": {rule}: " in line for line in refused.lines), refused.lines

    quiet = build_blog(blog, {rule: "off"})
    assert quiet.built, quiet.failure
    assert quiet.lines == []


def test_a_warning_prints_its_line_and_builds(blog: Path) -> None:
    _short(blog)
    outcome = build_blog(blog, {"min_words": {"level": "warning", "words": 250}})
    assert outcome.built, outcome.failure
    [line] = outcome.lines
    assert re.search(
        rf"posts/{SECOND}\.md: warning: min_words: \d+ words; "
        r"the house rule asks for at least 250$",
        line,
    ), line
    assert (outcome.output / SECOND / "index.html").is_file()


def test_the_values_of_a_rule_are_the_companys(blog: Path) -> None:
    lenient = build_blog(blog, {"min_words": {"level": "error", "words": 250}})
    assert lenient.built, lenient.failure
    strict = build_blog(blog, {"min_words": {"level": "error", "words": 1000}})
    assert not strict.built
    assert {line.split(": min_words: ")[0].rsplit("/", 1)[-1] for line in strict.lines} == {
        f"{FIRST}.md: error",
        f"{FIRST}-en.md: error",
        f"{SECOND}.md: error",
    }


def test_a_category_can_require_a_translation(blog: Path) -> None:
    kept = build_blog(blog, {"translation": {"level": "error", "categories": ["Atelier"]}})
    assert kept.built and kept.lines == []
    broken = build_blog(blog, {"translation": {"level": "error", "categories": ["Communauté"]}})
    assert not broken.built
    [line] = broken.lines
    assert f"posts/{SECOND}.md: error: translation:" in line
    assert f"{SECOND}-en.md" in line
    off = build_blog(blog, {"translation": {"level": "off", "categories": ["Communauté"]}})
    assert off.built and off.lines == []


def test_a_post_dated_far_ahead_warns_and_stays_unpublished(blog: Path) -> None:
    _far_future(blog)
    outcome = build_blog(blog)  # the defaults: a warning
    assert outcome.built, outcome.failure
    assert outcome.about(f"{SECOND}.md", "far_future"), outcome.lines
    assert not (outcome.output / SECOND / "index.html").exists()
    # A date within the year is a schedule, not a typo: no line.
    _second(blog, date=(datetime.now() + timedelta(days=100)).strftime("%Y-%m-%d %H:%M"))
    assert build_blog(blog).lines == []


@pytest.mark.parametrize(
    ("rules", "said"),
    [
        ({"min_word": "error"}, 'unknown rule "min_word"'),
        ({"min_words": "fatal"}, 'level "fatal" is not one of: error, warning, off'),
        ({"min_words": {"level": "error", "minimum": 3}}, "unknown values minimum"),
        ({"min_words": {"words": "beaucoup"}}, "is 'beaucoup'; it must be a whole number"),
        ({"translation": {"categories": "Annonces"}}, "it must be a list of names"),
    ],
)
def test_a_typo_in_the_settings_stops_the_build_with_one_sentence(
    blog: Path, rules: dict[str, object], said: str
) -> None:
    outcome = build_blog(blog, rules)
    assert not outcome.built
    assert said in outcome.failure and "\n" not in outcome.failure


def test_an_image_commented_out_is_not_checked_and_html_attributes_are_read_whole(
    blog: Path,
) -> None:
    name = _no_alt_in_html(blog)
    refused = build_blog(blog, {"alt_text": "error"})
    assert len(refused.about(name, "alt_text")) == 1, refused.lines
