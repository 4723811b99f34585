"""Helpers of the syndication tests: a small Pelican project built for real and served on loopback.

The project is written into a temporary folder (its own ``settings.py``, posts, images and a
template override that adds the OpenGraph tags to Pelican's default theme), built with Pelican,
and served by a loopback HTTP server whose address is the project's ``SITEURL``. Named uniquely
so that another test folder's helpers never shadow it.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import http.server
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from pelican import Pelican
from pelican.settings import read_settings
from PIL import Image

from sandbox.bluesky import BlueskyNetwork
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.x import XServer
from syndication.networks.registry import configured_networks
from syndication.networks.x.oauth import OAuth1
from syndication.posts import load_settings, read_posts
from syndication.publish.syndicate import Checkpoint, Report, syndicate
from syndication.store.state import StateStore

AUTHORS: dict[str, dict[str, str]] = {
    "Camille Tremblay": {"first_name": "Camille", "bluesky": "camille.test"},
    "Mathieu Gagnon": {"first_name": "Mathieu"},
}

# Pelican's default theme, with the OpenGraph tags our theme carries added to every article.
ARTICLE_OVERRIDE = """{% extends "!theme/article.html" %}
{% block head %}{{ super() }}
<meta property="og:title" content="{{ article.title | striptags }}">
<meta property="og:url" content="{{ SITEURL }}/{{ article.url }}">
<meta property="og:description" content="{{ article.summary | striptags }}">
{% if article.image %}<meta property="og:image" content="{{ SITEURL }}/{{ article.image }}">
<meta property="og:image:alt" content="{{ article.image_alt }}">{% endif %}
{% endblock %}
"""

SETTINGS = """
SITEURL = {siteurl!r}
SITENAME = "Vélos Boréal"
AUTHOR = "Vélos Boréal"
PATH = "content"
OUTPUT_PATH = "output"
TIMEZONE = "America/Toronto"
DEFAULT_LANG = "fr"
WITH_FUTURE_DATES = False
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
ARTICLE_EXCLUDES = ["state"]
PAGE_EXCLUDES = ["state"]
STATIC_PATHS = ["images"]
ARTICLE_TRANSLATION_ID = "slug"
ARTICLE_URL = "{{slug}}/"
ARTICLE_SAVE_AS = "{{slug}}/index.html"
ARTICLE_LANG_URL = "{{lang}}/{{slug}}/"
ARTICLE_LANG_SAVE_AS = "{{lang}}/{{slug}}/index.html"
PAGE_URL = "pages/{{slug}}/"
PAGE_SAVE_AS = "pages/{{slug}}/index.html"
THEME_TEMPLATES_OVERRIDES = [{overrides!r}]
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
AGORA_STATE_PATH = "content/state"
AGORA_AUTHORS = {authors!r}
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""


def post_file(
    slug: str,
    *,
    title: str = "Rouler l'hiver sans y laisser sa chaîne",
    date: str = "2025-11-12 09:00",
    lang: str = "fr",
    author: str = "Mathieu Gagnon",
    tags: str = "hiver, entretien, chaîne",
    summary: str = "Trois gestes simples avant la première neige, et pourquoi ils comptent.",
    extra: Mapping[str, str] | None = None,
    body: str = "Le sel de nos rues mange les chaînes. Voici quoi faire.",
) -> str:
    """The Markdown source of a post following the project's front matter schema."""
    meta = {
        "Title": title,
        "Date": date,
        "Category": "Conseils",
        "Tags": tags,
        "Author": author,
        "Slug": slug,
        "Lang": lang,
        "Summary": summary,
        **(extra or {}),
    }
    if lang != "fr":
        meta["Translation"] = "true"
    head = "\n".join(f"{name}: {value}" for name, value in meta.items())
    return f"{head}\n\n{body}\n"


@dataclass
class Site:
    """A served Pelican project: its folder, settings file, address and state folder."""

    root: Path
    url: str

    @property
    def settings_file(self) -> Path:
        """The project's Pelican settings."""
        return self.root / "settings.py"

    @property
    def content(self) -> Path:
        """The project's content folder."""
        return self.root / "content"

    @property
    def output(self) -> Path:
        """Where Pelican writes the site (served on loopback)."""
        return self.root / "output"

    @property
    def state(self) -> Path:
        """The state folder (``AGORA_STATE_PATH``)."""
        return self.content / "state"

    def add_post(self, name: str, source: str) -> None:
        """Write a post's Markdown file."""
        (self.content / "posts" / name).write_text(source, encoding="utf-8")

    def add_image(self, name: str) -> str:
        """Write a small JPEG under ``images/posts``; its path as front matter writes it."""
        path = self.content / "images" / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (120, 63), (30, 90, 160)).save(path, "JPEG")
        return f"images/posts/{name}"

    def build(self) -> None:
        """Build the site with Pelican itself into ``output/``."""
        settings = read_settings(str(self.settings_file))
        Pelican(settings).run()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yields its base URL (no trailing slash)."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_project(root: Path, siteurl: str) -> Site:
    """A Pelican project in ``root`` whose ``SITEURL`` is ``siteurl``; no posts yet."""
    for folder in ("content/posts", "content/pages", "overrides"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "overrides" / "article.html").write_text(ARTICLE_OVERRIDE, encoding="utf-8")
    (root / "settings.py").write_text(
        SETTINGS.format(siteurl=siteurl, authors=AUTHORS, overrides=str(root / "overrides")),
        encoding="utf-8",
    )
    (root / "content" / "pages" / "about.md").write_text(
        "Title: À propos\nSlug: about\n\nUne page sans balises OpenGraph.\n", encoding="utf-8"
    )
    return Site(root=root, url=siteurl)


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) with a hash of its bytes."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# -- running the engine and counting what the networks hold -----------------------------------


def peers_env(
    bluesky: BlueskyNetwork | None,
    mastodon: MastodonServer | None,
    x: XServer | None = None,
    linkedin: LinkedInServer | None = None,
) -> dict[str, str]:
    """The environment that configures the brand accounts on the local peers."""
    env: dict[str, str] = {}
    if linkedin is not None:
        env |= {
            "AGORA_LINKEDIN_API_URL": linkedin.base_url,
            "AGORA_LINKEDIN_OAUTH_URL": linkedin.base_url,
            "AGORA_LINKEDIN_ORGANIZATION": linkedin.organization,
            "AGORA_LINKEDIN_ACCESS_TOKEN": linkedin.brand_token,
        }
    if x is not None:
        env |= {
            "AGORA_X_API_URL": x.base_url,
            "AGORA_X_HANDLE": x.brand.username,
            "AGORA_X_CONSUMER_KEY": x.consumer_key,
            "AGORA_X_CONSUMER_SECRET": x.consumer_secret,
            "AGORA_X_ACCESS_TOKEN": x.brand.access_token,
            "AGORA_X_ACCESS_TOKEN_SECRET": x.brand.access_token_secret,
        }
    if bluesky is not None:
        env |= {
            "AGORA_BLUESKY_SERVICE": bluesky.pds_url,
            # Conversations are read logged out at the AppView, as in production.
            "AGORA_BLUESKY_APPVIEW": bluesky.appview_url,
            "AGORA_BLUESKY_HANDLE": bluesky.brand.handle,
            "AGORA_BLUESKY_APP_PASSWORD": bluesky.brand.app_password,
        }
    if mastodon is not None:
        env |= {
            "AGORA_MASTODON_BASE_URL": mastodon.base_url,
            "AGORA_MASTODON_ACCESS_TOKEN": mastodon.brand_token,
            "AGORA_MASTODON_ACCOUNT": mastodon.brand.username,
        }
    return env


def run_engine(
    site: Site,
    env: Mapping[str, str],
    *,
    dry_run: bool = False,
    checkpoint: Checkpoint | None = None,
) -> Report:
    """One in-process run of the engine over the site's posts, with the real adapters."""
    settings = load_settings(site.settings_file)
    posts = read_posts(settings)

    async def main() -> Report:
        async with httpx.AsyncClient(timeout=30) as client:
            return await syndicate(
                posts,
                configured_networks(env),
                store=StateStore(site.state),
                authors=settings["AGORA_AUTHORS"],
                env=env,
                client=client,
                dry_run=dry_run,
                checkpoint=checkpoint,
            )

    return asyncio.run(main())


def bluesky_copies(network: BlueskyNetwork, url: str) -> list[dict[str, Any]]:
    """The brand's posts in its own repository (the PDS's truth) that link to ``url``."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        params = {"repo": network.brand.did, "collection": "app.bsky.feed.post", "limit": "100"}
        if cursor:
            params["cursor"] = cursor
        response = httpx.get(
            f"{network.pds_url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30
        )
        response.raise_for_status()
        body = response.json()
        for record in body["records"]:
            value = record["value"]
            if (
                url in value.get("text", "")
                or value.get("embed", {}).get("external", {}).get("uri") == url
            ):
                found.append(record)
        cursor = body.get("cursor", "")
        if not cursor or not body["records"]:
            return found


def bluesky_feed_copies(network: BlueskyNetwork, url: str) -> int:
    """How many posts of the brand's feed (``app.bsky.feed.getAuthorFeed``) link to ``url``."""
    network.process()
    response = httpx.get(
        f"{network.appview_url}/xrpc/app.bsky.feed.getAuthorFeed",
        params={"actor": network.brand.did, "limit": "100"},
        timeout=30,
    )
    response.raise_for_status()
    return sum(1 for item in response.json()["feed"] if url in item["post"]["record"]["text"])


def mastodon_copies(server: MastodonServer, url: str) -> list[dict[str, Any]]:
    """The brand account's statuses that link to ``url``."""
    headers = {"Authorization": f"Bearer {server.brand_token}"}
    me = httpx.get(
        f"{server.base_url}/api/v1/accounts/verify_credentials", headers=headers, timeout=30
    )
    me.raise_for_status()
    response = httpx.get(
        f"{server.base_url}/api/v1/accounts/{me.json()['id']}/statuses",
        params={"limit": "40"},
        headers=headers,
        timeout=30,
    )
    response.raise_for_status()
    return [s for s in response.json() if url in html.unescape(s.get("content") or "")]


def x_copies(server: XServer, url: str) -> list[dict[str, Any]]:
    """The brand's posts on the X double that link to ``url`` (by the link X shortened)."""
    brand = server.brand
    auth = OAuth1(
        server.consumer_key, server.consumer_secret, brand.access_token, brand.access_token_secret
    )
    response = httpx.get(
        f"{server.base_url}/2/users/{brand.user_id}/tweets",
        params={"max_results": "100", "post.fields": "entities"},
        auth=auth,
        timeout=30,
    )
    response.raise_for_status()
    return [
        post
        for post in response.json().get("data", [])
        if any(
            entity.get("expanded_url") == url for entity in post.get("entities", {}).get("urls", [])
        )
    ]
