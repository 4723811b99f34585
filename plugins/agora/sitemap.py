"""``sitemap.xml`` and ``robots.txt``: every post and page, with its translations as alternates.

Each URL lists every language version of itself (``xhtml:link rel="alternate" hreflang``), the
way search engines pair translations, and its last modification.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True)
class SitemapEntry:
    """One page of the site: its address, language versions and last change."""

    url: str
    lastmod: datetime | None
    alternates: tuple[tuple[str, str], ...] = ()  # (lang, absolute URL), itself included


def absolute(site_url: str, url: str) -> str:
    """``url`` (site-relative) as an absolute address under ``site_url``."""
    return f"{site_url.rstrip('/')}/{url.lstrip('/')}"


def _lastmod(item: Any) -> datetime | None:
    moment = getattr(item, "modified", None) or getattr(item, "date", None)
    return moment if isinstance(moment, datetime) else None


def entries(items: Iterable[Any], site_url: str) -> list[SitemapEntry]:
    """Sitemap entries for Pelican contents (articles or pages with their translations)."""
    result: list[SitemapEntry] = []
    for item in items:
        versions = [item, *getattr(item, "translations", [])]
        alternates: tuple[tuple[str, str], ...] = ()
        if len(versions) > 1:
            alternates = tuple(sorted((v.lang, absolute(site_url, v.url)) for v in versions))
        result.append(SitemapEntry(absolute(site_url, item.url), _lastmod(item), alternates))
    return sorted(result, key=lambda e: e.url)


def _format(moment: datetime) -> str:
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render(items: list[SitemapEntry]) -> bytes:
    """The sitemap document."""
    ElementTree.register_namespace("", SITEMAP_NS)
    ElementTree.register_namespace("xhtml", XHTML_NS)
    urlset = ElementTree.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in items:
        node = ElementTree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ElementTree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = entry.url
        if entry.lastmod is not None:
            ElementTree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = _format(entry.lastmod)
        for lang, url in entry.alternates:
            ElementTree.SubElement(
                node,
                f"{{{XHTML_NS}}}link",
                {"rel": "alternate", "hreflang": lang, "href": url},
            )
    ElementTree.indent(urlset)
    document: bytes = ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def robots(site_url: str) -> str:
    """A ``robots.txt`` that lets every crawler in and points to the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(site_url, 'sitemap.xml')}\n"


def write(output: Path, items: list[SitemapEntry], site_url: str) -> None:
    """Write ``sitemap.xml`` and ``robots.txt`` at the root of ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "sitemap.xml").write_bytes(render(items))
    (output / "robots.txt").write_text(robots(site_url), encoding="utf-8")
