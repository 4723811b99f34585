"""English category and tag names on the English pages, and English pages to list them.

Pelican gives a translation the category and tags of its own front matter, usually the French
ones copied from its original, and lists only the original (French) posts on the category and
tag pages. Once every post is read, this module gives each English post an English ``Category``
and English ``Tag`` objects (names from ``syndication.taxonomy``'s table, falling back to the name
as written), whose addresses are English pages of their own: ``en/category/workshop/`` and
``en/tag/maintenance/`` (``AGORA_TRANSLATED_CATEGORY_URL``, ``AGORA_TRANSLATED_TAG_URL``). Those
pages are written with the theme's ``category.html`` and ``tag.html`` in English, list the
English posts, and link to the French page of the same name when there is one (which links
back). Every template and the English feeds then show the English names without a change of their
own: an English post's ``article.category`` *is* the English category.

Only published posts make an English page; a draft or hidden English post gets English names
where a page exists and keeps its own otherwise, so a preview never links to a missing page.
The sitemap lists posts and pages only, like before: category and tag pages are lists.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican.generators import ArticlesGenerator
from pelican.urlwrappers import Category, Tag, URLWrapper

from syndication import taxonomy
from syndication.taxonomy import LANG, Taxonomy

logger = logging.getLogger(__name__)

CATEGORY_URL_SETTING = "AGORA_TRANSLATED_CATEGORY_URL"
TAG_URL_SETTING = "AGORA_TRANSLATED_TAG_URL"
DEFAULT_CATEGORY_URL = "{lang}/category/{slug}/"
DEFAULT_TAG_URL = "{lang}/tag/{slug}/"
# Where the English pages wait between reading and writing: on the build's own generator.
PAGES_ATTRIBUTE = "agora_translated_taxonomy"
# Set on a French category or tag that has an English page: (lang, its path in the site).
TRANSLATION_ATTRIBUTE = "agora_translation"


@dataclass
class Listing:
    """One English category or tag page: its object, its posts, its French page if any."""

    wrapper: URLWrapper
    articles: list[Any] = field(default_factory=list)
    original: URLWrapper | None = None


@dataclass
class TranslatedPages:
    """The English category and tag pages of one build, by output path."""

    categories: dict[str, Listing] = field(default_factory=dict)
    tags: dict[str, Listing] = field(default_factory=dict)


def _wrapper_settings(settings: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Pelican's settings with the English pages' addresses for ``Category`` and ``Tag``.

    ``URLWrapper.url`` formats ``CATEGORY_URL`` (``TAG_URL``) of the settings it was given
    (https://docs.getpelican.com/en/latest/settings.html#url-settings).
    """
    category = str(settings.get(CATEGORY_URL_SETTING) or DEFAULT_CATEGORY_URL)
    tag = str(settings.get(TAG_URL_SETTING) or DEFAULT_TAG_URL)
    category, tag = category.replace("{lang}", lang), tag.replace("{lang}", lang)
    return {
        **settings,
        "CATEGORY_URL": category,
        "CATEGORY_SAVE_AS": f"{category.rstrip('/')}/index.html",
        "TAG_URL": tag,
        "TAG_SAVE_AS": f"{tag.rstrip('/')}/index.html",
    }


class Translator:
    """Makes the English ``Category`` and ``Tag`` of one build."""

    def __init__(self, settings: Mapping[str, Any], table: Taxonomy, lang: str = LANG) -> None:
        self.settings = _wrapper_settings(settings, lang)
        self.table = table
        self.lang = lang

    def category(self, original: URLWrapper) -> Category:
        """The English category for ``original``."""
        return Category(self.table.category(str(original), self.lang), self.settings)

    def tag(self, original: URLWrapper) -> Tag:
        """The English tag for ``original``."""
        return Tag(self.table.name("tags", str(original), self.lang), self.settings)


def _listing(
    pages: dict[str, Listing], wrapper: URLWrapper, original: URLWrapper, french: Mapping[str, Any]
) -> Listing:
    """The page ``wrapper`` is listed on, with the French page of ``original`` when it exists."""
    listing = pages.setdefault(wrapper.save_as, Listing(wrapper))
    if listing.original is None and original.slug in french:
        listing.original = french[original.slug]
    return listing


def translate_taxonomy(
    generator: ArticlesGenerator, table: Taxonomy | None = None
) -> TranslatedPages:
    """Give every English post its English category and tags; the English pages to write.

    Called once every post is read and checked (the house rules compare a translation's
    category with its original's as written), before any page is written.
    """
    settings = generator.settings
    lang = LANG
    if settings.get("DEFAULT_LANG") == lang:
        return TranslatedPages()  # an English-first blog: its names are English already
    if table is None:
        table = taxonomy.from_settings(settings, Path(generator.path))
    translator = Translator(settings, table, lang)
    french_categories = {cat.slug: cat for cat, _ in generator.categories}
    french_tags = {tag.slug: tag for tag in generator.tags}
    pages = TranslatedPages()

    published = [a for a in [*generator.articles, *generator.translations] if a.lang == lang]
    for article in sorted(published, key=lambda a: a.date, reverse=True):
        category = getattr(article, "category", None)
        if category is not None:
            english = translator.category(category)
            _listing(pages.categories, english, category, french_categories).articles.append(
                article
            )
            article.category = english
        tags: list[URLWrapper] = []
        for tag in getattr(article, "tags", None) or []:
            english_tag = translator.tag(tag)
            listing = _listing(pages.tags, english_tag, tag, french_tags)
            if article not in listing.articles:
                listing.articles.append(article)
            tags.append(english_tag)
        if tags:
            article.tags = tags

    unpublished = [
        *generator.hidden_articles,
        *generator.hidden_translations,
        *generator.drafts,
        *generator.drafts_translations,
    ]
    for article in (a for a in unpublished if a.lang == lang):
        # English names only where an English page exists: a draft never links to nothing.
        category = getattr(article, "category", None)
        if category is not None:
            english = translator.category(category)
            if english.save_as in pages.categories:
                article.category = english
        article_tags = getattr(article, "tags", None)
        if article_tags:
            article.tags = [
                english_tag if english_tag.save_as in pages.tags else tag
                for tag, english_tag in ((tag, translator.tag(tag)) for tag in article_tags)
            ]

    for listing in [*pages.categories.values(), *pages.tags.values()]:
        if listing.original is not None:
            # The French page links to its English one (the language switch, hreflang): its
            # language and its path in the site, which the template makes a link and a URL.
            setattr(listing.original, TRANSLATION_ATTRIBUTE, (lang, listing.wrapper.url))
    setattr(generator, PAGES_ATTRIBUTE, pages)
    logger.debug(
        "agora: %d English category pages, %d English tag pages",
        len(pages.categories),
        len(pages.tags),
    )
    return pages


def _alternates(listing: Listing, site: str, default_lang: str) -> dict[str, Any]:
    """The English page's language switch (the French page's path in the site) and hreflang links
    (absolute URLs), when a French page exists."""
    if listing.original is None:
        return {}
    own = f"{site}/{listing.wrapper.url}"
    french = f"{site}/{listing.original.url}"
    return {
        "alternates": [(LANG, own), (default_lang, french), ("x-default", french)],
        "switch": (default_lang, listing.original.url),
    }


def write_taxonomy_pages(generator: Any, writer: Any) -> None:
    """Write the English category and tag pages ``translate_taxonomy`` planned, with the theme's own
    ``category.html`` and ``tag.html`` told the page is English (``taxonomy_lang``).

    Written like Pelican's ``generate_categories``/``generate_tags`` (same context, same
    pagination), through ``Writer.write_file``.
    """
    pages: TranslatedPages | None = getattr(generator, PAGES_ATTRIBUTE, None)
    if pages is None:
        return
    settings = generator.settings
    site = str(settings.get("SITEURL", ""))
    default_lang = str(settings.get("DEFAULT_LANG", ""))
    for name, listings in (("category", pages.categories), ("tag", pages.tags)):
        template = generator.get_template(name)
        for listing in listings.values():
            wrapper = listing.wrapper
            writer.write_file(
                wrapper.save_as,
                template,
                generator.context,
                url=wrapper.url,
                articles=listing.articles,
                dates=list(listing.articles),
                template_name=name,
                blog=True,
                page_name=wrapper.page_name,
                all_articles=generator.articles,
                taxonomy_lang=LANG,
                **{name: wrapper},
                **_alternates(listing, site, default_lang),
            )
