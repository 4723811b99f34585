"""Broken internal links and anchors are found and named; external links are left alone."""

from __future__ import annotations

from pathlib import Path

from syndication.site.linkcheck import check_site

SITE = "http://localhost:8000"


def write(root: Path, relative: str, html: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")


def test_sound_site_has_no_broken_link(tmp_path: Path) -> None:
    write(
        tmp_path,
        "index.html",
        '<a href="/post/">p</a><a href="post/#reponses">r</a>'
        '<a href="http://localhost:8000/en/post/">en</a><a href="https://ailleurs.example/x">x</a>'
        '<img src="/images/a.png" alt=""><a href="mailto:a@b.c">m</a><a href="#top" id="top">t</a>',
    )
    write(tmp_path, "post/index.html", '<h2 id="reponses">R</h2><a href="../">home</a>')
    write(tmp_path, "en/post/index.html", "<p>en</p>")
    write(tmp_path, "images/a.png", "png")
    assert check_site(tmp_path, SITE) == []


def test_missing_page_and_anchor_are_named(tmp_path: Path) -> None:
    write(tmp_path, "index.html", '<a href="/absent/">a</a><a href="/post/#nulle-part">b</a>')
    write(tmp_path, "post/index.html", "<p>post</p>")
    broken = [str(b) for b in check_site(tmp_path, SITE)]
    assert broken == [
        "index.html: broken link '/absent/' (no such page or file)",
        "index.html: broken link '/post/#nulle-part' (no id 'nulle-part' in post/index.html)",
    ]


def test_absolute_link_to_own_site_is_checked(tmp_path: Path) -> None:
    write(tmp_path, "index.html", '<link rel="alternate" href="http://localhost:8000/feeds/x.xml">')
    assert [b.reason for b in check_site(tmp_path, SITE)] == ["no such page or file"]


def test_every_candidate_of_a_responsive_image_is_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        "index.html",
        '<picture><source type="image/avif" srcset="/r/a-360.avif 360w, /r/a-720.avif 720w">'
        '<img src="/r/a-360.jpg" srcset="/r/a-360.jpg 360w, /r/a-720.jpg 720w" alt=""></picture>',
    )
    for name in ("a-360.avif", "a-360.jpg", "a-720.jpg"):
        write(tmp_path, f"r/{name}", "image")
    broken = [str(b) for b in check_site(tmp_path, SITE)]
    assert broken == ["index.html: broken link '/r/a-720.avif' (no such page or file)"]
