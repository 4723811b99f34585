"""The built site read as data: microformats, feeds, translations, OpenGraph, sitemap, cards."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import feedparser
import mf2py
from bs4 import BeautifulSoup
from PIL import Image
from site_build import POSTS, SITEURL, BuiltSite, Rebuild, SourcePost

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def _soup(site: BuiltSite, post: SourcePost) -> BeautifulSoup:
    return BeautifulSoup(site.read(post.page), "html.parser")


def _translated(site: BuiltSite) -> list[tuple[SourcePost, SourcePost]]:
    """(French, English) pairs of posts that share a slug."""
    by_key = {(p.slug, p.lang): p for p in site.posts}
    return [
        (p, by_key[(p.slug, "en")])
        for p in site.posts
        if p.lang == "fr" and (p.slug, "en") in by_key
    ]


def test_the_built_blog_has_posts_in_both_languages(site: BuiltSite) -> None:
    langs = {post.lang for post in site.posts}
    assert langs == {"fr", "en"}
    # Every translated post of the fixture is found as a (French, English) pair.
    assert len(_translated(site)) == len([item for item in POSTS if item.english]) >= 2


def test_every_post_is_an_h_entry_with_its_author_date_and_url(site: BuiltSite) -> None:
    for post in site.posts:
        parsed = mf2py.parse(doc=site.read(post.page), url=post.url)
        entries = [item for item in parsed["items"] if "h-entry" in item["type"]]
        assert len(entries) == 1, f"{post.page}: {len(entries)} h-entry"
        properties = entries[0]["properties"]
        assert post.url in properties["url"], f"{post.page}: u-url is {properties['url']}"
        published = properties["published"][0]
        assert published.startswith(post.date.strftime("%Y-%m-%d")), f"{post.page}: {published}"
        authors = properties["author"]
        names = [a["properties"]["name"][0] if isinstance(a, dict) else a for a in authors]
        assert post.author in names, f"{post.page}: authors {names}"
        assert properties["name"][0].strip() == post.title


def test_every_feed_parses_and_holds_the_posts_of_its_language(site: BuiltSite) -> None:
    english = {post.url for post in site.posts if post.lang == "en"}
    french = {post.url for post in site.posts if post.lang == "fr"}
    for name in ("all.atom.xml", "all.rss.xml", "all-en.atom.xml", "all-en.rss.xml"):
        feed = feedparser.parse(site.read(f"feeds/{name}"))
        assert not feed.bozo, f"{name}: {feed.get('bozo_exception')}"
        links = {entry.link for entry in feed.entries}
        if "-en" in name:
            assert links == english, f"{name}: {sorted(links ^ english)}"
        else:
            assert french <= links, f"{name} misses {sorted(french - links)}"
            assert not (links - french - english), f"{name}: unknown {sorted(links)}"


def test_translations_link_to_each_other_with_hreflang(site: BuiltSite) -> None:
    for french, english in _translated(site):
        for post, other in ((french, english), (english, french)):
            links = _soup(site, post).find_all("link", rel="alternate", hreflang=other.lang)
            hrefs = {link["href"] for link in links}
            assert other.url in hrefs, f"{post.page}: hreflang {other.lang} -> {hrefs}"


def test_opengraph_urls_are_absolute_and_the_image_exists(site: BuiltSite) -> None:
    for post in site.posts:
        soup = _soup(site, post)
        tags = {
            str(tag["property"]): str(tag["content"])
            for tag in soup.find_all("meta", property=True)
        }
        assert tags.get("og:url") == post.url, f"{post.page}: og:url {tags.get('og:url')}"
        image = tags.get("og:image", "")
        assert image.startswith(SITEURL + "/"), f"{post.page}: og:image {image!r}"
        assert (site.output / image.removeprefix(SITEURL + "/")).is_file(), image
        assert tags.get("og:image:alt"), f"{post.page}: no og:image:alt"
        for name, value in tags.items():
            if name.endswith((":url", ":image")) or value.startswith(("/", "http")):
                assert value.startswith(SITEURL), f"{post.page}: {name}={value}"


def test_the_sitemap_lists_every_post_with_its_translations(site: BuiltSite) -> None:
    root = ElementTree.fromstring((site.output / "sitemap.xml").read_bytes())
    urls = {node.findtext(f"{SITEMAP}loc"): node for node in root.iter(f"{SITEMAP}url")}
    for post in site.posts:
        assert post.url in urls, f"the sitemap misses {post.url}"
        assert urls[post.url].findtext(f"{SITEMAP}lastmod")
    for french, english in _translated(site):
        links = urls[french.url].findall(f"{XHTML}link")
        assert {(link.get("hreflang"), link.get("href")) for link in links} == {
            ("fr", french.url),
            ("en", english.url),
        }
    assert f"{SITEURL}/pages/a-propos/" in urls


def test_robots_txt_lets_everyone_in_and_points_to_the_sitemap(site: BuiltSite) -> None:
    lines = site.read("robots.txt").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {SITEURL}/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)


def test_posts_without_an_image_get_a_1200_by_630_palette_png_card(site: BuiltSite) -> None:
    """A palette PNG (a few KiB: flat colours and text); no JPEG twin without Instagram."""
    without_image = [post for post in site.posts if not post.image]
    assert without_image, "the fixture blog should have posts without an image"
    cards = set()
    for post in without_image:
        og_image = _soup(site, post).find("meta", property="og:image")
        assert og_image is not None
        # Named by what is drawn on it (stored once however many pages show it), absolute.
        found = re.fullmatch(
            rf"{re.escape(SITEURL)}/(social-cards/[0-9a-f]{{16}}\.png)", og_image["content"]
        )
        assert found, og_image["content"]
        with Image.open(site.output / found[1]) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "P", (1200, 630))
        assert (site.output / found[1]).stat().st_size < 30_000
        cards.add(found[1])
    assert not list((site.output / "social-cards").glob("*.jpg")), "a twin no one asked for"
    titles = {(post.title, post.lang) for post in without_image}
    assert len(cards) == len(titles), "posts with different titles share a card"
    for post in site.posts:
        if post.image:
            og_image = _soup(site, post).find("meta", property="og:image")
            assert og_image is not None
            # Its own image as the 1200 px JPEG the plugin draws from it (images.py).
            stem = post.image.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            assert og_image["content"].startswith(f"{SITEURL}/images/resized/{stem}-")
            assert og_image["content"].endswith("-social-1200.jpg")


def test_a_second_build_copies_the_cards_instead_of_drawing_them(rebuilt: Rebuild) -> None:
    cache = rebuilt.site.workspace / "card-cache"
    # A card drawn again is a new file (written beside, then renamed over): a new inode. Its
    # time is no proof: a build marks each card it uses as used today (pruning.py).
    after = {path.name: path.stat().st_ino for path in cache.glob("*.png")}
    assert rebuilt.cache_before, "the first build cached no card"
    assert after == rebuilt.cache_before, "a card was drawn again"
    first = rebuilt.site.workspace / "output" / "social-cards"
    for card in (rebuilt.site.output / "social-cards").glob("*.png"):
        assert card.read_bytes() == (first / card.name).read_bytes()
