"""Agora's Pelican plugin: checks posts, attaches their conversation, draws cards, maps the site.

Settings (all optional but ``AGORA_AUTHORS``):

``AGORA_AUTHORS``          author name -> details; a post by anyone else stops the build
``AGORA_LANGUAGES``        languages a post may be written in (default: ``[DEFAULT_LANG]``)
``AGORA_STATE_PATH``       folder of the state files (default ``content/state``)
``AGORA_MODERATION_FILE``  the moderation file (default ``content/moderation.toml``)
``AGORA_CARD_CACHE``       where drawn social cards are kept between builds
                           (default ``cache/social-cards``); relative paths start at the working
                           folder, like ``invoke build`` runs
``AGORA_INSTAGRAM_USER_ID`` the Instagram account posts go to (default: the environment's, as the
                           pipeline reads it): a post still to be posted there gets a JPEG twin
                           of its card (``twins``)
``COMPANY_NAME``           drawn on the social cards
``AGORA_IMAGE_CACHE``      where resized images are kept between builds (default ``cache/images``)
``AGORA_CACHE_KEEP_DAYS``  cached cards and images no build has used for this many days are
                           deleted by the next whole build (default 30; ``pruning``)
``AGORA_IMAGE_WIDTHS``     the widths a post's images are served at (``images.py``)
``AGORA_HOUSE_RULES``      the editorial rules and their levels (``syndication.site.house_rules``)
``AGORA_TAXONOMY_FILE``    English names of categories and tags (default ``taxonomy.toml`` in the
                           content folder; ``syndication.taxonomy``, ``taxonomy``)

Every article gets ``article.agora_html`` (its conversation section, rendered from its state by
``_conversation.html``, see ``sections``), ``article.social_image`` (site-relative path of its own
image or of its generated card, ``social-cards/<digest>.png``: one file per drawing, however many
posts show it, with ``<digest>.jpg`` beside it while Instagram still needs it, ``twins``) and
``article.social_image_alt`` (in a preview's rebuild of one post, only that
post and its translations: ``syndication.site.preview.is_selected``); every template sees
``AGORA_NETWORK_LABELS`` (network -> label, from ``syndication.networks.registry``, the one list
of networks) and ``AGORA_STYLESHEET`` (the theme's stylesheet, written once per build under a
name made of its digest, ``stylesheet``). The build never touches the
network: everything comes from files.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.generators import ArticlesGenerator, PagesGenerator

from syndication.networks import registry
from syndication.site import house_rules
from syndication.site.preview import is_partial, is_selected

from . import addresses, filters, images, pruning, sitemap, stylesheet, validate
from .cards import TWIN_SUFFIX, CardCache, CardText
from .compiled import share_compiled_templates
from .markdown_reader import use_reusing_reader
from .sections import SectionJob, SectionRenderer, Sections
from .source_paths import remember_relative_source_paths
from .statecache import StateReader
from .taxonomy import translate_taxonomy, write_taxonomy_pages
from .twins import TwinRule
from .unindent import unindent_templates

logger = logging.getLogger(__name__)

CARDS_FOLDER = "social-cards"
DEFAULT_CARD_CACHE = "cache/social-cards"
DEFAULT_STATE_PATH = "content/state"
DEFAULT_MODERATION_FILE = "content/moderation.toml"
LABELS_NAME = "AGORA_NETWORK_LABELS"  # what templates call the registry's labels


@dataclass
class BuildPlan:
    """What one build writes once Pelican has written its pages."""

    site_url: str
    cards: dict[str, Path] = field(default_factory=dict)  # output path -> cached card
    twins: TwinRule | None = None  # which posts' cards get a JPEG twin (Instagram)
    # None: a preview's rebuild of one post, whose sitemap stays as the whole build wrote it.
    sitemap: list[sitemap.SitemapEntry] | None = field(default_factory=list)


def _all_articles(generator: ArticlesGenerator) -> list[Any]:
    """Every article Pelican read: published, hidden and drafts, originals and translations."""
    return [
        *generator.articles,
        *generator.translations,
        *generator.hidden_articles,
        *generator.hidden_translations,
        *generator.drafts,
        *generator.drafts_translations,
    ]


def _public_contents(articles: ArticlesGenerator, pages: PagesGenerator | None) -> list[Any]:
    """What the sitemap lists: published articles and pages, with their translations."""
    items: list[Any] = [*articles.articles, *articles.translations]
    if pages is not None:
        items += [*pages.pages, *pages.translations]
    return items


def _path_setting(settings: dict[str, Any], name: str, default: str) -> Path:
    return Path(str(settings.get(name) or default))


class AgoraPlugin:
    """The plugin's state across builds in one process: its caches and pending writes."""

    def __init__(self) -> None:
        self.states = StateReader()
        self._cards: dict[Path, CardCache] = {}
        self._pending: dict[str, BuildPlan] = {}
        self._sections: Sections | None = None  # the build under way's
        self._stylesheets: dict[str, stylesheet.Stylesheet] = {}  # output folder -> its sheet

    def card_cache(self, root: Path) -> CardCache:
        """The card cache at ``root``, kept for every build of the process (and its workers)."""
        return self._cards.setdefault(root.resolve(), CardCache(root))

    # -- checks ------------------------------------------------------------------------------

    def check(self, articles: ArticlesGenerator, pages: PagesGenerator | None) -> None:
        """Raise ``ContentError`` for the first post or page with broken metadata."""
        settings = articles.settings
        content_root = Path(articles.path)
        unread = sorted(
            path for path, item in articles.context["generated_content"].items() if item is None
        )
        if unread:
            source = content_root / unread[0]
            raise validate.fail(source, validate.diagnose_unread(source))
        languages = list(settings.get("AGORA_LANGUAGES") or [settings["DEFAULT_LANG"]])
        authors = settings.get("AGORA_AUTHORS", {})
        networks = list(registry.names())
        for article in sorted(_all_articles(articles), key=lambda a: a.source_path):
            if not is_selected(article, settings):
                continue  # a preview's rebuild of one post: the others were checked before
            problem = validate.check_article(
                article,
                content_root=content_root,
                authors=authors,
                languages=languages,
                networks=networks,
            )
            if problem:
                raise validate.fail(article.source_path, problem)
        groups = (
            (articles.articles, articles.translations),
            (articles.hidden_articles, articles.hidden_translations),
            (articles.drafts, articles.drafts_translations),
        )
        for originals, translations in groups:
            found = validate.check_translations([*originals, *translations])
            if found is not None:
                raise validate.fail(found[0].source_path, found[1])
        if pages is not None:
            for page in [*pages.pages, *pages.translations]:
                if page.lang not in languages:
                    problem = f'language "{page.lang}" is not configured; expected one of: '
                    raise validate.fail(page.source_path, problem + ", ".join(languages))

    # -- attaching ---------------------------------------------------------------------------

    def section_renderer(self, generator: ArticlesGenerator) -> SectionRenderer:
        """What renders this build's conversation sections: the generator's own templates."""
        settings = generator.settings
        return SectionRenderer(
            generator.env,
            settings,
            self.states,
            _path_setting(settings, "AGORA_STATE_PATH", DEFAULT_STATE_PATH),
            _path_setting(settings, "AGORA_MODERATION_FILE", DEFAULT_MODERATION_FILE),
        )

    def social_image(self, article: Any, settings: dict[str, Any], plan: BuildPlan) -> None:
        """Set ``social_image`` and its alt text: the post's own image, or its generated card."""
        own = str(article.metadata.get("image", "")).strip()
        if own:
            article.social_image = own.lstrip("/")
            article.social_image_alt = str(article.metadata.get("image_alt", "")).strip()
            return
        text = _card_text(article, settings)
        cache = self.card_cache(_path_setting(settings, "AGORA_CARD_CACHE", DEFAULT_CARD_CACHE))
        cached = cache.request(text)
        # Named by what is drawn on it: posts whose cards say the same share one file.
        target = f"{CARDS_FOLDER}/{cached.name}"
        plan.cards[target] = cached
        if plan.twins is not None and plan.twins.wanted(article):
            # The JPEG Instagram is given instead of the PNG (twins), same name but the suffix.
            twin = cache.request(text, TWIN_SUFFIX)
            plan.cards[f"{CARDS_FOLDER}/{twin.name}"] = twin
        article.social_image = target
        article.social_image_alt = text.alt

    def on_generator_init(self, generator: Any) -> None:
        """A build starts reading posts: its sections start afresh (templates may have changed).

        Every template, the conversation section's included, sees the networks' labels.
        """
        generator.context[LABELS_NAME] = registry.labels()
        unindent_templates(generator)  # before the first template is compiled
        share_compiled_templates(generator)
        # Pelican's generators of one build share one context: the sheet is read once a build.
        found = stylesheet.CONTEXT_NAME in generator.context
        sheet = None if found else stylesheet.find(generator.settings)
        if sheet is not None:
            generator.context[stylesheet.CONTEXT_NAME] = sheet.target
            self._stylesheets[str(Path(generator.output_path).resolve())] = sheet
        if not isinstance(generator, ArticlesGenerator):
            return
        if self._sections is not None:
            self._sections.close()
        renderer = self.section_renderer(generator)
        self._sections = Sections(renderer) if renderer.available else None

    def on_content_object_init(self, content: Any) -> None:
        """Start drawing a new post's card as soon as it is read, while Pelican reads the rest.

        Only a card that is not cached yet costs anything; ``social_image`` finds it requested.
        """
        if not isinstance(content, Article):
            return
        # A preview's rebuild of one post renders no other post's section (it writes no other).
        selected = is_selected(content, content.settings)
        if self._sections is not None and hasattr(content, "lang") and selected:
            self._sections.request(_section_job(content))
        if str(content.metadata.get("image", "")).strip() or not selected:
            return
        settings = content.settings
        if not all(hasattr(content, name) for name in ("title", "author", "lang")):
            return  # broken metadata: the checks report it before anything is written
        cache = self.card_cache(_path_setting(settings, "AGORA_CARD_CACHE", DEFAULT_CARD_CACHE))
        cache.request(_card_text(content, settings))

    # -- signal handlers ---------------------------------------------------------------------

    def on_generators_finalized(self, generators: Sequence[Any]) -> None:
        """Check every post, then attach state, conversation and social image to each article."""
        articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
        if articles is None:
            return
        pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
        settings = articles.settings
        self.check(articles, pages)
        pruning.keep_days(settings)  # a wrong setting stops the build before a page is written
        # The company's editorial rules: each problem is logged at its level; the build command
        # prints them and refuses errors (syndication.site.build).
        house_rules.report(
            house_rules.check(
                _all_articles(articles),
                settings,
                content_root=Path(articles.path),
                display=validate.display_path,
                # A preview's rebuild of one post checks that post (the others did not change).
                only=lambda article: is_selected(article, settings),
            )
        )
        # English posts get their English category and tags now, once the rules have compared
        # each translation's category with its original's as written (plugins/agora/taxonomy).
        translate_taxonomy(articles)
        plan = BuildPlan(site_url=str(settings.get("SITEURL", "")))
        plan.twins = TwinRule(
            settings, _path_setting(settings, "AGORA_STATE_PATH", DEFAULT_STATE_PATH)
        )
        sections, self._sections = self._sections, None
        try:
            for article in _all_articles(articles):
                if not is_selected(article, settings):
                    continue  # a preview's rebuild does not write its page
                if sections is not None:
                    article.agora_html = sections.html(_section_job(article))
                self.social_image(article, settings, plan)
        finally:
            if sections is not None:
                rendered = sections.close()
                logger.debug(
                    "agora: %d conversation sections, %d by a worker (%d taken back)",
                    rendered.sections,
                    rendered.handed_off - rendered.taken_back,
                    rendered.taken_back,
                )
        if not is_partial(settings):
            plan.sitemap = sitemap.entries(_public_contents(articles, pages), plan.site_url)
        else:
            plan.sitemap = None  # its entries (addresses, dates) are the structure: unchanged
        self._pending[str(Path(articles.output_path).resolve())] = plan
        # Last: the house rules above read the posts' images as written (images.py).
        images.prepare(generators)

    def on_finalized(self, pelican: Any) -> None:
        """Write the stylesheet, copy the cards and write the sitemap and robots.txt once the
        pages are written."""
        images.finish(pelican)  # the resized images the pages show
        output = Path(pelican.output_path)
        sheet = self._stylesheets.pop(str(output.resolve()), None)
        if sheet is not None:
            stylesheet.write(output, sheet)  # the one every page links
        plan = self._pending.pop(str(output.resolve()), None)
        if plan is None:
            return
        if sheet is not None and not is_partial(pelican.settings):  # every page links it
            removed = stylesheet.remove_others(output, sheet)
            logger.debug("agora: %d stylesheets of earlier builds removed", removed)
        drawn = by_workers = taken_back = 0
        for cache in self._cards.values():
            # Cards requested since the last build, from the first post read on.
            built = cache.wait()  # the workers' cards are on disk once it returns
            drawn += built.drawn
            by_workers += built.handed_off - built.taken_back
            taken_back += built.taken_back
        logger.debug(
            "agora: %d social cards, %d drawn (%d by workers, %d taken back), the rest cached",
            len(plan.cards),
            drawn,
            by_workers,
            taken_back,
        )
        for target, cached in sorted(plan.cards.items()):
            destination = output / target
            if destination.is_file():
                continue  # the same name is the same drawing: a preview's rebuild keeps it
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, destination)
        pruning.after_build(plan.cards.values(), self._cards, pelican.settings)
        if plan.sitemap is not None:
            sitemap.write(output, plan.sitemap, plan.site_url)


def _section_job(article: Any) -> SectionJob:
    """The conversation section of ``article``, as a worker can be handed it."""
    return SectionJob(
        key=f"{article.slug}.{article.lang}",
        title=str(getattr(article, "title", "")),
        slug=article.slug,
        lang=article.lang,
        url=str(getattr(article, "url", "")),
    )


def _card_text(article: Any, settings: dict[str, Any]) -> CardText:
    """What a post's social card says."""
    return CardText(
        title=article.title,
        author=str(article.author),
        company=str(settings.get("COMPANY_NAME") or settings.get("SITENAME", "")),
        lang=article.lang,
    )


def _register_i18n() -> None:
    """Let the theme's interface-language module (``i18n.py``, the theme's own) hook in too."""
    if importlib.util.find_spec(f"{__name__}.i18n") is None:
        return
    module = importlib.import_module(f"{__name__}.i18n")
    hook = getattr(module, "register", None)
    if callable(hook):
        hook()


# One instance per process: Pelican imports the plugin once and calls register() for each build
# (autoreload, i18n sub-sites), and blinker keeps one connection per bound method.
_PLUGIN = AgoraPlugin()


def plugin() -> AgoraPlugin:
    """The plugin instance whose caches serve every build in this process."""
    return _PLUGIN


def register() -> None:
    """Connect the plugin to Pelican's signals.

    ``all_generators_finalized``: every generator has read its files and saved Pelican's content
    cache (``save_cache`` runs at the end of each ``generate_context``), and no page is written
    yet. Attaching here keeps the state out of the pickled cache, so a new reply shows at the
    next build even when the post itself did not change, and the templates see
    ``article.agora_html``.
    It also sees articles and pages together, once per build, to check them all before anything
    is written.

    ``initialized``: the templates get the site's path, where their links start (``addresses``).

    ``readers_init``: Markdown is read with one converter per reader, not one per post. And each
    post's path relative to the content folder, which Pelican works out at every read of a URL,
    is remembered (``source_paths``).

    ``generator_init``: the articles generator of a new build exists, with its templates.

    ``content_object_init``: a post was just read; its conversation section and its card (when it
    needs a new one) start in workers at once, so they overlap Pelican's reading and writing.

    ``finalized``: the pages are written and the output folder is no longer cleaned, so the
    stylesheet, the cards, the sitemap and robots.txt are written last, into the folder Pelican
    built.
    """
    signals.initialized.connect(addresses.on_initialized)
    signals.readers_init.connect(use_reusing_reader)
    remember_relative_source_paths()
    signals.generator_init.connect(_PLUGIN.on_generator_init, weak=False)
    signals.content_object_init.connect(_PLUGIN.on_content_object_init, weak=False)
    signals.all_generators_finalized.connect(_PLUGIN.on_generators_finalized, weak=False)
    signals.finalized.connect(_PLUGIN.on_finalized, weak=False)
    # Every post page is written by then, and the generator still holds the English pages
    # ``translate_taxonomy`` planned.
    signals.article_writer_finalized.connect(write_taxonomy_pages)
    filters.register()
    _register_i18n()


__all__ = ("AgoraPlugin", "plugin", "register")
