"""A site published under a path, as a GitHub project page is (``https://<owner>.github.io/<repo>``).

Pages link the site from the host's root (``plugins/agora/addresses.py``): under a path, every
link must carry it, or it leads off the site. Canonical, hreflang and Open Graph addresses stay
absolute.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from theme_site import AUTHORS, TALKED_ABOUT, BuiltSite, build

from syndication.site.linkcheck import check_site

SITE = "https://velos.example.test/blogue"


@pytest.fixture(scope="module")
def under_a_path(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The fixture site built for ``SITE``, with the avatar backfeed would have copied."""
    workdir = tmp_path_factory.mktemp("under-a-path")
    site = build(workdir, SITEURL=SITE, FEED_DOMAIN=SITE)
    avatar = site.root / "avatars" / "bluesky" / "lea.png"
    avatar.parent.mkdir(parents=True)
    shutil.copyfile(workdir / "content" / next(a["photo"] for a in AUTHORS.values()), avatar)
    return site


def _local_addresses(html: str) -> list[str]:
    """Every ``href``, ``src`` and ``srcset`` candidate of a page that is not another site's."""
    found = re.findall(r'(?:href|src)="([^"]*)"', html)
    for srcset in re.findall(r'srcset="([^"]*)"', html):
        found += [candidate.split()[0] for candidate in srcset.split(",")]
    return [a for a in found if not a.startswith(("http", "mailto:", "#", "data:"))]


def test_every_link_and_image_of_every_page_is_a_file_of_the_site_under_its_path(
    under_a_path: BuiltSite,
) -> None:
    pages = sorted(under_a_path.root.rglob("*.html"))
    assert len(pages) > 10
    addresses = [a for page in pages for a in _local_addresses(page.read_text(encoding="utf-8"))]
    assert len(addresses) > 10 * len(pages), "the pages link almost nothing: the test sees nothing"
    outside = sorted({a for a in addresses if not a.startswith("/blogue/")})
    assert outside == [], f"links that leave the site's path: {outside[:10]}"
    # The project's link check resolves each of them to a file of the output (fonts, images,
    # feeds and pages), under the site's path.
    assert check_site(under_a_path.root, SITE) == []


def test_what_other_sites_read_stays_absolute_under_the_path(under_a_path: BuiltSite) -> None:
    soup = BeautifulSoup(under_a_path.html(f"/{TALKED_ABOUT}/"), "html.parser")
    page = f"{SITE}/{TALKED_ABOUT}/"
    canonical = soup.find("link", rel="canonical")
    assert canonical is not None and canonical["href"] == page
    og = {str(m["property"]): str(m["content"]) for m in soup.find_all("meta", property=True)}
    assert og["og:url"] == page
    assert og["og:image"].startswith(f"{SITE}/") and og["article:author"].startswith(f"{SITE}/")
    hreflang = [str(link["href"]) for link in soup.find_all("link", hreflang=True)]
    assert hreflang and all(href.startswith(f"{SITE}/") for href in hreflang), hreflang
    # The post's own link, as a browser on the site resolves it, is the canonical address.
    permalink = soup.find("a", class_="u-url")
    assert permalink is not None and urljoin(page, str(permalink["href"])) == page
