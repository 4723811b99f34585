"""Local settings: build the site from files only, for writing and previewing posts.

Network features (syndication, backfeed) never run from a build; they read the production
settings in ``publishconf.py`` and run from their own tasks.
"""

from __future__ import annotations

import os

AUTHOR = "Vélos Boréal"
SITENAME = "Vélos Boréal — Le blogue"
SITESUBTITLE = "Comment nous parlons avec celles et ceux qui roulent avec nous"
COMPANY_NAME = "Vélos Boréal"
# Local builds link to the local server; publishconf.py sets the real address.
SITEURL = os.environ.get("AGORA_SITEURL", "http://localhost:8000")
RELATIVE_URLS = False

PATH = "content"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["agora"]
OUTPUT_PATH = "output"

TIMEZONE = "America/Toronto"
DEFAULT_LANG = "fr"
# Languages a post may be written in; the plugin refuses any other "Lang".
AGORA_LANGUAGES = ["fr", "en"]
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
# Posts dated in the future stay drafts until their date: staff schedule posts by date alone.
WITH_FUTURE_DATES = False

# The state and moderation files live in content/ (the repository is the database) but are not
# pages; images and photos are copied as they are.
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
ARTICLE_EXCLUDES = ["state"]
# A file whose name starts with "_" is a template to copy (content/posts/_modele.md): never read
# as a post, never syndicated (syndication/posts.py honours this too). Pelican's default first.
IGNORE_FILES = ["**/.*", ".*", "_*"]
PAGE_EXCLUDES = ["state"]
# robots.txt and sitemap.xml are written by the plugin (robots.txt names the sitemap's address).
STATIC_PATHS = ["images", "avatars"]

# French at the root, English under /en/; translations share a slug and link to each other.
ARTICLE_TRANSLATION_ID = "slug"
PAGE_TRANSLATION_ID = "slug"
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
ARTICLE_LANG_URL = "{lang}/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
PAGE_URL = "pages/{slug}/"
PAGE_SAVE_AS = "pages/{slug}/index.html"
PAGE_LANG_URL = "{lang}/pages/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/pages/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
DRAFT_LANG_URL = "drafts/{lang}/{slug}/"
DRAFT_LANG_SAVE_AS = "drafts/{lang}/{slug}/index.html"
CATEGORY_URL = "categorie/{slug}/"
CATEGORY_SAVE_AS = "categorie/{slug}/index.html"
TAG_URL = "etiquette/{slug}/"
TAG_SAVE_AS = "etiquette/{slug}/index.html"
AUTHOR_URL = "auteur/{slug}/"
AUTHOR_SAVE_AS = "auteur/{slug}/index.html"
ARCHIVES_SAVE_AS = "archives/index.html"
ARCHIVES_URL = "archives/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_SAVE_AS = "etiquettes/index.html"
AUTHORS_SAVE_AS = "auteurs/index.html"
DEFAULT_PAGINATION = 10
SLUGIFY_SOURCE = "basename"

# Feeds: Atom and RSS for the French default and for each translation language.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
TRANSLATION_FEED_ATOM = "feeds/all-{lang}.atom.xml"
TRANSLATION_FEED_RSS = "feeds/all-{lang}.rss.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
RSS_FEED_SUMMARY_ONLY = True

# Author keys are the "author" metadata of posts; the plugin refuses a post by anyone else.
AGORA_AUTHORS: dict[str, dict[str, str]] = {
    "Camille Tremblay": {
        "first_name": "Camille",
        "role_fr": "Responsable des communautés",
        "role_en": "Community lead",
        "bio_fr": "Camille répond à vos messages depuis 2019, souvent avant son premier café.",
        "bio_en": "Camille has answered your messages since 2019, often before her first coffee.",
        "photo": "images/authors/camille-tremblay.png",
    },
    "Mathieu Gagnon": {
        "first_name": "Mathieu",
        "role_fr": "Service après-vente",
        "role_en": "After-sales service",
        "bio_fr": "Mathieu répare des vélos depuis vingt ans et explique pourquoi ils brisent.",
        "bio_en": "Mathieu has repaired bikes for twenty years and explains why they break.",
        "photo": "images/authors/mathieu-gagnon.png",
    },
    "Awa Diallo": {
        "first_name": "Awa",
        "role_fr": "Direction générale",
        "role_en": "Chief executive",
        "bio_fr": "Awa dirige Vélos Boréal et signe elle-même nos excuses quand nous avons tort.",
        "bio_en": "Awa runs Vélos Boréal and signs our apologies herself when we are wrong.",
        "photo": "images/authors/awa-diallo.png",
    },
}

# House rules: the company's editorial rules, checked by `invoke check` on every pull request and
# by the production build. Each rule is "error" (the post is refused), "warning" (a line in the
# check, nothing refused) or "off"; each line names the file and the rule. Change the values here;
# a rule left out keeps its default (docs/writers-guide.md, "House rules").
AGORA_HOUSE_RULES: dict[str, dict[str, object] | str] = {
    "min_words": {"level": "warning", "words": 250},
    "image_weight": {"level": "warning", "max_kb": 150},
    # Link previews need 1200x630 at least; max_width 0 means no upper limit.
    "image_size": {"level": "warning", "min_width": 1200, "min_height": 630, "max_width": 0},
    "alt_text": {"level": "error"},
    "summary": {"level": "warning", "max_chars": 300},
    # Posts of these categories must exist in these languages, e.g. ["Transparence"].
    "translation": {"level": "error", "categories": [], "languages": ["en"]},
    # A translation has its original's date, category, author and image.
    "translation_matches": {"level": "warning"},
    "file_name": {"level": "error"},
    "internal_link": {"level": "warning"},
    # A date further ahead is likely a typo (2062 for 2026): a warning, not a silent draft.
    "far_future": {"level": "warning", "days": 365},
    # An English translation's French category or tag has an English name in the table below.
    "taxonomy": {"level": "warning"},
}

# English names of categories and tags, for the English pages (under en/category/, en/tag/) and
# the English copies' hashtags: a reviewed file in the content folder, edited like a post
# (docs/writers-guide.md, "Categories and tags in English").
AGORA_TAXONOMY_FILE = "taxonomy.toml"

# Where the syndication state lives, relative to the repository root. The local sandbox points it
# elsewhere (`.sandbox/env`), so demo copies never mix with the real ones.
AGORA_STATE_PATH = os.environ.get("AGORA_STATE_PATH", "content/state")
AGORA_MODERATION_FILE = "content/moderation.toml"
# Social cards drawn for posts without an image are kept here between builds (outside output/).
AGORA_CARD_CACHE = "cache/social-cards"
# Images of posts and authors' photos are served resized (a few widths, AVIF/WebP and JPEG); the
# drawn files are kept here between builds, and an unchanged image is never drawn again.
AGORA_IMAGE_CACHE = "cache/images"
# Cached cards and images that no build has used for this many days are deleted (a retitled post's
# old card, a replaced photo's sizes), so the caches CI keeps between runs do not grow for ever.
AGORA_CACHE_KEEP_DAYS = 30
# The widths, in pixels, a post's images are served at (the browser picks one for its screen).
AGORA_IMAGE_WIDTHS = [360, 720, 1080, 1440]

# `invoke fans` and `invoke report` (README, "Fans and the impact report"). Who is one person
# across networks, and who asked not to be listed as a fan: a reviewed file.
AGORA_PEOPLE_FILE = "content/people.toml"
# A reaction weighs half as much after this many days in the fans' ranking.
AGORA_FANS_HALF_LIFE_DAYS = 30
# Time to the first answer is counted in business hours: the zone and the opening hours per
# weekday ("09:00-12:00, 13:00-17:00" for a lunch break; a day not listed is closed).
AGORA_BUSINESS_TIMEZONE = "America/Montreal"
AGORA_OPENING_HOURS = {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
# Days nobody answers (statutory holidays of Québec, reviewed each year).
AGORA_HOLIDAYS: list[str] = [
    "2026-12-25",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-24",
    "2027-06-24",
    "2027-07-01",
    "2027-09-06",
    "2027-10-11",
    "2027-12-25",
]
# The report is written here (kept out of git); it reaches the site only if this is True, by
# the next deploy, under report/ (it names readers: publish it knowingly).
AGORA_REPORT_PATH = "report"
AGORA_REPORT_PUBLISH = False

DEFAULT_METADATA: dict[str, str] = {}
TYPOGRIFY = False
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}
# Builds read every post afresh (CI, publish: nothing stale can reach the site). The preview
# (`invoke livereload`) turns Pelican's content cache on in its own folder, cache/preview/.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
