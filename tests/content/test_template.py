"""The post template (``content/posts/_modele.md``): never a post, and a sound start for one.

Pelican skips it (``IGNORE_FILES`` has ``_*``) and so does the syndication side; copied under its
slug's name with a real author and image, it builds with no house rule error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fixture_blog import AUTHOR, FIRST, ROOT, build_blog, write_blog, write_image

TEMPLATE = ROOT / "content" / "posts" / "_modele.md"


def _meta(text: str, key: str) -> str:
    match = re.search(rf"^{key}:\s*(.*)$", text, re.M)
    assert match, key
    return match[1].strip()


def test_the_template_is_neither_built_nor_syndicated(tmp_path: Path) -> None:
    content = write_blog(tmp_path)
    text = TEMPLATE.read_text(encoding="utf-8")
    # Dated in the past, so only the file name keeps it out.
    text = re.sub(r"^Date: .*$", "Date: 2025-01-01 09:00", text, flags=re.M)
    (content / "posts" / "_modele.md").write_text(text, encoding="utf-8")
    outcome = build_blog(tmp_path)
    assert outcome.built, outcome.failure
    assert not [line for line in outcome.lines if "_modele" in line]
    slug = _meta(text, "Slug")
    assert not list(outcome.output.rglob(f"{slug}*"))
    assert slug not in (outcome.output / "index.html").read_text(encoding="utf-8")

    from pelican.settings import read_settings

    from syndication.posts import read_posts

    settings = dict(read_settings(str(tmp_path / "settings.py")))
    posts = read_posts(settings, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert {post.key.split(".")[0] for post in posts} == {FIRST, "second-article"}


def test_the_template_copied_under_its_slug_builds_without_error(tmp_path: Path) -> None:
    content = write_blog(tmp_path)
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(r"^Author: .*$", f"Author: {AUTHOR}", text, flags=re.M)
    # Its example link names a post of the sample blog; this blog's own post stands in.
    text = re.sub(r"\{filename\}/posts/[^)]+", f"{{filename}}/posts/{FIRST}.md", text)
    write_image(content / _meta(text, "Image"))
    slug = _meta(text, "Slug")
    (content / "posts" / f"{slug}.md").write_text(text, encoding="utf-8")
    outcome = build_blog(tmp_path)
    assert outcome.built, outcome.failure
    assert not [line for line in outcome.lines if ": error: " in line], outcome.lines
