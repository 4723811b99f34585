"""The networks' searches against the local peers: what names the company is heard, once.

A demo reader posts on the local Bluesky network and the Mastodon peer, once naming the company and
once with only a word that looks like its name (« aurore boréale »). The searches ask the servers
for « Boréal », which both posts contain; only the one naming Vélos Boréal as a French reader reads
it becomes a mention. The next run asks only for newer posts and finds nothing new. A mention
found this way is answered in its thread with the reply engine, exactly once, even when the
process stops between the network's answer and the record.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from listen_support import ListeningSite

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from syndication.cli.desk import run_reply
from syndication.cli.listen import run
from syndication.desk.reply import ReplyAction, ReplyResult, reply
from syndication.listen.mentions import WithMentions
from syndication.listen.store import ListenStore, Mention
from syndication.networks.registry import configured_networks
from syndication.posts import load_settings
from syndication.store.state import StateStore

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "bluesky") not in sys.path:
    sys.path.append(str(TESTS / "bluesky"))

from bluesky_players import Player  # noqa: E402

pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]

LISTENING = """\
[terms]
us = ["Vélos Boréal"]

[searches]
bluesky = ["Boréal"]
mastodon = ["Boréal"]
"""
AUTHORS = '\nAGORA_AUTHORS = {"Camille Tremblay": {"first_name": "Camille"}}\n'


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def crash_after_call(step: str) -> None:
    if step == "after-call":
        raise Crash(step)


def environment(bluesky: BlueskyNetwork, mastodon: MastodonServer) -> dict[str, str]:
    return {
        "AGORA_BLUESKY_SERVICE": bluesky.pds_url,
        "AGORA_BLUESKY_HANDLE": bluesky.brand.handle,
        "AGORA_BLUESKY_APP_PASSWORD": bluesky.brand.app_password,
        "AGORA_MASTODON_BASE_URL": mastodon.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": mastodon.brand_token,
    }


def mastodon_post(server: MastodonServer, username: str, text: str) -> str:
    response = httpx.post(
        f"{server.base_url}/api/v1/statuses",
        json={"status": text, "visibility": "public"},
        headers={"Authorization": f"Bearer {server.tokens[username]}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def listen(site: ListeningSite, env: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    return run(site.settings, env=env, stdout=out), out.getvalue()


def answer(
    site: ListeningSite, env: dict[str, str], wanted: str, text: str, crash: bool = False
) -> ReplyResult:
    settings = load_settings(site.settings)

    async def main() -> ReplyResult:
        async with httpx.AsyncClient(timeout=30) as http:
            return await reply(
                wanted,
                text,
                "Camille",
                configured_networks(env),
                store=WithMentions(StateStore(site.state)),
                authors=settings["AGORA_AUTHORS"],
                env=env,
                client=http,
                checkpoint=crash_after_call if crash else None,
            )

    return asyncio.run(main())


def mastodon_answers(server: MastodonServer, status: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.base_url}/api/v1/statuses/{status}/context",
        headers={"Authorization": f"Bearer {server.brand_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return [s for s in response.json()["descendants"] if s.get("in_reply_to_id") == status]


def bluesky_answers(network: BlueskyNetwork, parent: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{network.pds_url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": network.brand.did, "collection": "app.bsky.feed.post", "limit": "100"},
        timeout=30,
    )
    response.raise_for_status()
    return [
        record
        for record in response.json()["records"]
        if record["value"].get("reply", {}).get("parent", {}).get("uri") == parent
    ]


def mine(site: ListeningSite, tag: str) -> list[Mention]:
    return [m for m in ListenStore(site.state).mentions() if tag in m.text]


def test_posts_naming_the_company_are_heard_once_and_answered_once(
    site: ListeningSite, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer
) -> None:
    env = environment(bluesky_network, mastodon_server)
    site.listening.write_text(LISTENING, encoding="utf-8")
    site.settings.write_text(site.settings.read_text("utf-8") + AUTHORS, "utf-8")
    tag = uuid.uuid4().hex[:8]
    lea = bluesky_network.account("lea")
    sky = Player(bluesky_network.pds_url, lea.handle, lea.app_password)
    named = sky.post(f"Quelqu'un a essayé les Vélos Boréal cet hiver ? {tag}")["uri"]
    sky.post(f"Une aurore boréale ce soir, magnifique. {tag}")
    toot = mastodon_post(
        mastodon_server, "noor", f"Mon vélo de chez Vélos Boréal est déçu-rant {tag}"
    )
    mastodon_post(mastodon_server, "noor", f"Aurore Boréale sur le lac {tag}")
    bluesky_network.process()

    code, said = listen(site, env)
    assert code == 0, said
    heard = mine(site, tag)
    assert sorted((m.network, m.native_id, m.about) for m in heard) == sorted(
        [("bluesky", named, "us"), ("mastodon", toot, "us")]
    )
    by_network = {m.network: m for m in heard}
    assert by_network["bluesky"].handle.lstrip("@") == lea.handle
    assert by_network["bluesky"].source == "Bluesky: Boréal"
    assert by_network["mastodon"].url.startswith(mastodon_server.base_url)
    cursors = json.loads((site.state / "listening" / "sources.json").read_text("utf-8"))
    assert cursors["bluesky:Boréal"]["newest"] and cursors["mastodon:Boréal"]["newest"]

    # The next run asks only for what is newer, and hears nothing new.
    before = site.files()
    code, said = listen(site, env)
    assert said.startswith("Listening: 0 new mentions; 0 feeds read, 0 unchanged, 2 searches made.")
    assert site.files() == before

    # Answered in the thread, exactly once: a stop after the network took the answer is
    # reconciled by the rerun, and the same command again sends nothing.
    for mention in heard:
        with pytest.raises(Crash):
            answer(site, env, mention.id, "Merci, on vous écrit en privé !", crash=True)
        again = answer(site, env, mention.id, "Merci, on vous écrit en privé !")
        assert again.action is ReplyAction.RECONCILED
        last = answer(site, env, mention.id, "Merci, on vous écrit en privé !")
        assert last.action is ReplyAction.ALREADY
    # `invoke reply` finds a heard post by the ID the inbox shows, and sends nothing again.
    out = io.StringIO()
    code = run_reply(
        by_network["bluesky"].id,
        "Merci, on vous écrit en privé !",
        "Camille",
        site.settings,
        env=env,
        stdout=out,
    )
    assert code == 0 and out.getvalue().startswith("Already answered on Bluesky"), out.getvalue()
    assert len(bluesky_answers(bluesky_network, named)) == 1
    assert len(mastodon_answers(mastodon_server, toot)) == 1
    kept = {m.network: m for m in mine(site, tag)}
    assert all(m.answer is not None and m.answer.url for m in kept.values())
