"""Helpers of the backfeed tests: the fixture blog, copies published, the command run.

The workspace is the fixture blog (``site_build.copy_content``, never the sample posts) with the
project's settings pointed at it (``site_build``); the brand's copies are published through the
real adapters and recorded in its state folder; ``backfeed`` runs ``invoke backfeed`` in this
process and keeps every request it sent. Named uniquely so that another test folder's helpers
never shadow it.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path

import httpx
from mastodon_support import Account, Recorder
from site_build import SITEURL, copy_content, write_settings_file

from sandbox.mastodon import MastodonServer
from syndication.cli import backfeed as backfeed_cli
from syndication.model import Copy, CopyStatus, Post, utc_now
from syndication.networks.base import Draft
from syndication.networks.bluesky.convert import new_tid
from syndication.networks.registry import adapter_for, configured_networks
from syndication.store.state import StateStore

# The employee's own accounts on both peers: her answers count as the company's.
EMPLOYEE_SETTINGS = """
AGORA_AUTHORS = {
    **AGORA_AUTHORS,
    "Camille Tremblay": {
        **AGORA_AUTHORS["Camille Tremblay"], "bluesky": "camille.test", "mastodon": "camille"
    },
}
"""


def workspace_with_settings(workspace: Path) -> Path:
    """The fixture blog in ``workspace``, and the settings file pointing at it."""
    copy_content(workspace)
    settings = write_settings_file(workspace)
    settings.write_text(settings.read_text(encoding="utf-8") + EMPLOYEE_SETTINGS, encoding="utf-8")
    return settings


def the_post(slug: str, lang: str, title: str) -> Post:
    """A post of the blog as syndication sees it (only what a copy's text needs)."""
    prefix = "" if lang == "fr" else f"{lang}/"
    return Post(
        key=f"{slug}.{lang}",
        slug=slug,
        lang=lang,
        title=title,
        summary="",
        url=f"{SITEURL}/{prefix}{slug}/",
        date=utc_now(),
        author="Mathieu Gagnon",
    )


def publish_copies(env: dict[str, str], post: Post, store: StateStore) -> dict[str, Copy]:
    """Publish ``post`` on every network of ``env`` through the adapters; record the copies."""

    async def main() -> dict[str, Copy]:
        copies: dict[str, Copy] = {}
        async with httpx.AsyncClient(timeout=30) as http:
            for name, settings in configured_networks(env).items():
                key = new_tid(utc_now()) if name == "bluesky" else uuid.uuid4().hex
                text = f"{post.title} {post.url}"
                draft = Draft(
                    name, post, text, len(text), 300, False, None, post.lang, post.author, ""
                )
                published = await adapter_for(settings, http).publish(draft, key)
                copies[name] = Copy(
                    network=name,
                    status=CopyStatus.PUBLISHED,
                    key=key,
                    intent_at=published.published_at,
                    id=published.id,
                    url=published.url,
                    published_at=published.published_at,
                    account=published.account,
                    extra=dict(published.extra),
                )
        return copies

    copies = asyncio.run(main())
    state = store.load(post.key)
    state.copies.update(copies)
    store.save(state)
    return copies


def mastodon_account(server: MastodonServer, http: httpx.Client, username: str) -> Account:
    """A demo account of the peer, acting through its own token."""
    account = server.account(username)
    me = http.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {account.token}"},
    ).json()
    return Account(username, str(me["id"]), account.token, http)


def backfeed(
    settings: Path, env: dict[str, str], *, full: bool = False
) -> tuple[int, str, Recorder]:
    """One ``invoke backfeed`` run in this process: exit code, report, requests sent."""
    out, progress = io.StringIO(), io.StringIO()
    recorder = Recorder(httpx.AsyncHTTPTransport())
    code = backfeed_cli.run(
        settings, full=full, env=env, stdout=out, progress_stream=progress, transport=recorder
    )
    return code, out.getvalue(), recorder
