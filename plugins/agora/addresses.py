"""How a page addresses the site: from the host's root in links, absolute where the web asks.

A page links to the site's other pages, its images, stylesheet and fonts by their path from the
host's root (``/billet/``, or ``/blog/billet/`` when ``SITEURL`` has a path), which a browser
resolves on whatever host serves the page: the live site, a preview on ``localhost``, a pull
request's deployment. Writing ``SITEURL``'s scheme and host into each of a page's 40 or so links
cost 9 % of the HTML of a 4,000-post site (issue 20's output size).

Absolute URLs stay where the reader is not a browser following a link, and asks for them:
the canonical link and the hreflang alternates
(https://developers.google.com/search/docs/specialty/international/localized-versions#html),
Open Graph's ``og:url``, ``og:image`` and ``article:author`` (https://ogp.me/#data_types), the
links a feed reader discovers a page's feeds by (https://www.rssboard.org/rss-autodiscovery: its
examples are absolute, and not every reader resolves a relative one), the feeds themselves
(Pelican gives their entries ``SITEURL``) and the sitemap. A post's text keeps Pelican's
absolute links too: the same HTML goes into the feeds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# The setting the templates join a page's path to: ``{{ AGORA_SITE_PATH }}/{{ article.url }}``.
SETTING = "AGORA_SITE_PATH"


def site_path(site_url: str) -> str:
    """The path part of ``site_url`` without its trailing slash: ``""`` for a site at a host's root
    (``https://blogue.example.com/``), ``"/blog"`` for ``https://example.github.io/blog``."""
    return urlsplit(site_url).path.rstrip("/")


def on_initialized(pelican: Any) -> None:
    """Give the templates ``AGORA_SITE_PATH``, from ``SITEURL``, before any generator copies the
    settings into its context (Pelican's ``initialized`` signal)."""
    pelican.settings[SETTING] = site_path(str(pelican.settings.get("SITEURL") or ""))
