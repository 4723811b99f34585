"""The built site read as data: languages, head tags, landmarks, local assets, feeds, mf2."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin, urlsplit

import feedparser
import mf2py
import pytest
from bs4 import BeautifulSoup
from theme_site import AUTHORS, COMPANY, QUIET, SITEURL, TALKED, TALKED_ABOUT, BuiltSite

# Every kind of page the theme writes, with the language it must declare (the category, a tag
# and the author of the fixture's talked-about post: Transparence, freins, Awa Diallo).
PAGES = {
    "/": "fr",
    "/en/": "en",
    f"/{TALKED_ABOUT}/": "fr",
    f"/en/{TALKED_ABOUT}/": "en",
    f"/{QUIET}/": "fr",
    "/pages/a-propos/": "fr",
    "/en/pages/a-propos/": "en",
    "/categorie/transparence/": "fr",
    "/etiquette/freins/": "fr",
    "/auteur/awa-diallo/": "fr",
    "/archives/": "fr",
    "/categories/": "fr",
    "/etiquettes/": "fr",
    "/auteurs/": "fr",
    "/404.html": "fr",
}
SKIP_LINK = {"fr": "Aller au contenu", "en": "Skip to content"}
FONT_URL = re.compile(r"url\(([^)]+)\)")


def _meta(soup: BeautifulSoup, key: str) -> str:
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    assert tag is not None, f"no <meta> {key}"
    return str(tag["content"])


def _is_local(url: str) -> bool:
    """Served by the site: under SITEURL, root-relative or relative, or an inline data URL."""
    parts = urlsplit(url)
    return url.startswith(SITEURL + "/") or (not parts.netloc and parts.scheme in ("", "data"))


def _local_file(site: BuiltSite, url: str) -> bool:
    return site.path(urlsplit(url).path).is_file()


@pytest.mark.parametrize(("page", "lang"), PAGES.items())
def test_each_page_declares_its_language_and_speaks_it(
    site: BuiltSite, page: str, lang: str
) -> None:
    soup = site.soup(page)
    assert soup.html is not None and soup.html["lang"] == lang
    skip = soup.find("a", class_="skip-link")
    assert skip is not None and skip.get_text(strip=True) == SKIP_LINK[lang]
    assert soup.select(str(skip["href"])), f"{page}: the skip link points at nothing"
    assert [len(soup.find_all(name)) for name in ("main", "h1")] == [1, 1], page
    assert soup.find("header") and soup.find("nav") and soup.find("footer")
    assert not soup.find_all("script"), f"{page} has JavaScript"


def _stylesheet(site: BuiltSite, soup: BeautifulSoup) -> tuple[str, str]:
    """The address of the page's one stylesheet and the text of that file."""
    links = soup.find_all("link", rel="stylesheet")
    assert len(links) == 1, f"expected one stylesheet, found {links}"
    url = str(links[0]["href"])
    return url, site.path(urlsplit(url).path).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", list(PAGES))
def test_assets_come_from_the_site_itself(site: BuiltSite, page: str) -> None:
    soup = site.soup(page)
    assets = [str(tag["src"]) for tag in soup.find_all(src=True)]
    assets += [str(tag["href"]) for tag in soup.find_all("link")]
    url, style = _stylesheet(site, soup)
    assets += [urljoin(url, font) for font in FONT_URL.findall(style)]
    foreign = [url for url in assets if not _is_local(url)]
    assert not foreign, f"{page} loads from other origins: {foreign}"
    for img in soup.find_all("img"):
        assert img.get("width") and img.get("height"), f"{page}: {img} has no size"
        assert img.has_attr("alt"), f"{page}: {img} has no alt"


def test_every_page_links_one_stylesheet_named_by_its_content(site: BuiltSite) -> None:
    """One file, written once, cacheable for good; no page carries styles of its own, so the
    CSP allows styles from the site only."""
    addresses = set()
    for page in PAGES:
        soup = site.soup(page)
        url, _ = _stylesheet(site, soup)
        addresses.add(url)
        assert not soup.find_all("style") and not soup.find_all(style=True), page
        csp = _meta_csp(soup)
        assert "style-src 'self';" in csp and "unsafe-inline" not in csp, page
    assert len(addresses) == 1, f"pages link different stylesheets: {addresses}"
    # From the host's root, as every link of a page (plugins/agora/addresses.py).
    found = re.fullmatch(r"/theme/css/style\.([0-9a-f]{12})\.css", url)
    assert found, url
    content = site.path(urlsplit(url).path).read_bytes()
    assert hashlib.sha256(content).hexdigest()[:12] == found[1]
    assert b"body{" in content.replace(b" ", b"")
    assert [p.name for p in site.root.rglob("*.css")] == [f"style.{found[1]}.css"]


def _meta_csp(soup: BeautifulSoup) -> str:
    tag = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert tag is not None, "no Content-Security-Policy"
    return str(tag["content"])


def test_fonts_are_local_woff2_optional_and_the_main_one_preloaded(site: BuiltSite) -> None:
    soup = site.soup("/")
    url, style = _stylesheet(site, soup)
    # Relative to the stylesheet, as CSS resolves them.
    fonts = [urljoin(url, font) for font in FONT_URL.findall(style)]
    assert 2 <= len(fonts) <= 4
    # Text never waits for a font, and a late font never moves it (a layout shift of 0).
    assert style.count("font-display:optional") == len(fonts)
    for font in fonts:
        assert font.startswith("/theme/fonts/") and font.endswith(".woff2"), font
        assert _local_file(site, font), f"{font} is not in the output"
    preload = soup.find("link", rel="preload")
    assert preload is not None and preload["as"] == "font" and preload.has_attr("crossorigin")
    assert preload["href"] in fonts
    assert (site.root / "theme" / "fonts" / "OFL-source-serif-4.txt").is_file()


@pytest.mark.parametrize("page", [p for p in PAGES if p != "/404.html"])
def test_head_has_absolute_canonical_opengraph_and_twitter_tags(site: BuiltSite, page: str) -> None:
    soup = site.soup(page)
    canonical = soup.find("link", rel="canonical")
    assert canonical is not None and canonical["href"] == SITEURL + page
    assert _meta(soup, "og:url") == SITEURL + page
    assert _meta(soup, "og:locale") == {"fr": "fr_CA", "en": "en_CA"}[PAGES[page]]
    assert _meta(soup, "og:site_name").startswith(COMPANY)
    image = _meta(soup, "og:image")
    assert image.startswith(SITEURL + "/") and _local_file(site, image), f"{page}: {image}"
    assert (_meta(soup, "og:image:width"), _meta(soup, "og:image:height")) == ("1200", "630")
    assert _meta(soup, "og:image:alt") and _meta(soup, "twitter:image:alt")
    # X's own tags only where Open Graph has no twin: it falls back to og:title and the others.
    assert _meta(soup, "twitter:card") == "summary_large_image"
    assert not soup.find("meta", attrs={"name": ["twitter:title", "twitter:image"]})
    assert _meta(soup, "og:title") and _meta(soup, "description")


def test_post_head_describes_the_post(site: BuiltSite) -> None:
    soup = site.soup(f"/{TALKED_ABOUT}/")
    assert _meta(soup, "og:type") == "article"
    assert _meta(soup, "description") == TALKED.summary
    # Its own image, as the 1200 px JPEG the plugin draws for the networks (images.py).
    assert _meta(soup, "og:image").startswith(f"{SITEURL}/images/resized/{TALKED_ABOUT}-")
    assert _meta(soup, "og:image").endswith("-social-1200.jpg")
    assert _meta(soup, "og:image:alt") == TALKED.image_alt
    quiet = site.soup(f"/{QUIET}/")  # no image of its own: the plugin's generated card
    assert _meta(quiet, "og:image") != f"{SITEURL}/theme/images/og-default.png"


def test_default_image_serves_pages_and_indexes(site: BuiltSite) -> None:
    assert _meta(site.soup("/"), "og:image") == f"{SITEURL}/theme/images/og-default.png"
    from PIL import Image

    with Image.open(site.root / "theme" / "images" / "og-default.png") as image:
        assert image.size == (1200, 630)


def _alternates(soup: BeautifulSoup) -> dict[str, str]:
    return {
        str(link["hreflang"]): str(link["href"])
        for link in soup.find_all("link", rel="alternate")
        if link.has_attr("hreflang")
    }


@pytest.mark.parametrize("prefix", ["/", "/pages/"])
def test_translations_link_to_each_other_with_hreflang(site: BuiltSite, prefix: str) -> None:
    slug = TALKED_ABOUT if prefix == "/" else "a-propos"
    french, english = f"{prefix}{slug}/", f"/en{prefix}{slug}/"
    expected = {"fr": SITEURL + french, "en": SITEURL + english, "x-default": SITEURL + french}
    for page, other in ((french, english), (english, french)):
        soup = site.soup(page)
        assert _alternates(soup) == expected, page
        switch = soup.find("a", hreflang=True)
        assert switch is not None and switch["href"] == other
        assert switch["lang"] == switch["hreflang"]
    assert _alternates(site.soup("/")) == {
        "fr": SITEURL + "/",
        "en": SITEURL + "/en/",
        "x-default": SITEURL + "/",
    }
    assert _alternates(site.soup(f"/{QUIET}/")) == {}  # nothing to point at


@pytest.mark.parametrize(
    ("page", "atom", "rss"),
    [
        (f"/{TALKED_ABOUT}/", "feeds/all.atom.xml", "feeds/all.rss.xml"),
        (f"/en/{TALKED_ABOUT}/", "feeds/all-en.atom.xml", "feeds/all-en.rss.xml"),
        ("/en/", "feeds/all-en.atom.xml", "feeds/all-en.rss.xml"),
    ],
)
def test_feeds_of_the_page_language_are_linked_and_readable(
    site: BuiltSite, page: str, atom: str, rss: str
) -> None:
    soup = site.soup(page)
    links = {
        str(link["type"]): str(link["href"])
        for link in soup.find_all("link", rel="alternate")
        if link.has_attr("type")
    }
    assert links == {
        # Absolute: feed readers discover them (plugins/agora/addresses.py).
        "application/atom+xml": f"{SITEURL}/{atom}",
        "application/rss+xml": f"{SITEURL}/{rss}",
    }
    for path in (atom, rss):
        feed = feedparser.parse((site.root / path).read_bytes())
        assert not feed.bozo and feed.entries, path


def test_post_dates_and_strings_follow_the_language(site: BuiltSite) -> None:
    french = site.soup(f"/{TALKED_ABOUT}/").find("time", class_="dt-published")
    english = site.soup(f"/en/{TALKED_ABOUT}/").find("time", class_="dt-published")
    assert french is not None and french.get_text() == "22 avril 2025"
    assert english is not None and english.get_text() == "April 22, 2025"
    assert str(french["datetime"]).startswith("2025-04-22T08:00")
    assert "Qui signe ce billet" in site.html(f"/{TALKED_ABOUT}/")
    assert "About the author" in site.html(f"/en/{TALKED_ABOUT}/")


def test_post_page_is_an_h_entry_with_its_author_card(site: BuiltSite) -> None:
    url = f"{SITEURL}/{TALKED_ABOUT}/"
    parsed = mf2py.parse(doc=site.html(f"/{TALKED_ABOUT}/"), url=url)
    entries = [item for item in parsed["items"] if "h-entry" in item["type"]]
    assert len(entries) == 1
    props = entries[0]["properties"]
    assert props["name"] == [TALKED.title]
    assert props["url"][0] == url
    assert props["published"][0].startswith("2025-04-22")
    assert props["summary"][0] == TALKED.summary
    assert TALKED.opening in props["content"][0]["value"]
    assert {"Transparence", "rappel", "freins"} <= set(props["category"])
    author = props["author"][0]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == [TALKED.author] == ["Awa Diallo"]
    assert author["properties"]["url"] == [f"{SITEURL}/auteur/awa-diallo/"]
    # Her photo, resized by the plugin (images.py) from images/authors/awa-diallo.png.
    assert "/images/resized/awa-diallo-" in author["properties"]["photo"][0]["value"]
    assert AUTHORS[TALKED.author]["role_fr"] in site.html(f"/{TALKED_ABOUT}/")


@pytest.mark.parametrize(("page", "lang"), [("/", "fr"), ("/en/", "en")])
def test_indexes_are_h_feeds_of_h_entries_in_their_language(
    site: BuiltSite, page: str, lang: str
) -> None:
    parsed = mf2py.parse(doc=site.html(page), url=SITEURL + page)
    feeds = [item for item in parsed["items"] if "h-feed" in item["type"]]
    assert len(feeds) == 1 and feeds[0]["properties"]["name"]
    entries = feeds[0]["children"]
    assert entries and all("h-entry" in e["type"] for e in entries)
    urls = [e["properties"]["url"][0] for e in entries]
    if lang == "en":
        assert all(u.startswith(f"{SITEURL}/en/") for u in urls), urls
        assert f"{SITEURL}/en/{TALKED_ABOUT}/" in urls
    else:
        assert not any(u.startswith(f"{SITEURL}/en/") for u in urls), urls


def test_index_pages_are_paginated_with_links_both_ways(site: BuiltSite) -> None:
    pages = sorted(site.root.glob("index*.html"))
    assert len(pages) >= 2, "the fixture blog no longer fills two index pages"
    first, second = site.soup("/"), site.soup("/index2.html")
    assert first.find("a", rel="next")["href"] == "/index2.html"  # type: ignore[index]
    assert second.find("a", rel="prev")["href"] == "/"  # type: ignore[index]


def test_not_found_page_is_bilingual_and_not_indexed(site: BuiltSite) -> None:
    soup = site.soup("/404.html")
    assert _meta(soup, "robots") == "noindex"
    assert "Page introuvable" in soup.get_text() and "Page not found" in soup.get_text()
    assert soup.select_one("main [lang=en]") is not None


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_carry_none_of_the_templates_indentation(site: BuiltSite, page: str) -> None:
    """The templates' indentation is for their editors (plugins/agora/unindent.py): outside a
    post's own text, no line of a page starts with a space."""
    html = re.sub(r'<div class="(?:e|page)-content">.*?</div>', "", site.html(page), flags=re.S)
    indented = re.findall(r"^[ \t]+\S.*$", html, flags=re.M)
    assert indented == [], f"{page}: {indented[:3]}"
