"""The engagement desk on X: a reader's reply comes home, is listed, answered once, shown.

The brand's copy of a sample post is published on the X double through the adapter and recorded
in a copy of the sample site; a reader replies with her own keys; ``Backfeed`` brings it home;
``invoke inbox`` lists it with the others; ``invoke reply`` answers it in the thread exactly once,
even when the process stops between X's answer and the record; the built page shows the answer
under the question as the company's.
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
from bs4 import BeautifulSoup

from sandbox.x import XServer
from syndication.backfeed.engine import Backfeed
from syndication.cli.desk import run_inbox, run_reply
from syndication.model import Copy, CopyStatus, Post, utc_now
from syndication.networks.base import Draft
from syndication.networks.registry import adapter_for, configured_networks, new_key
from syndication.networks.x.oauth import OAuth1
from syndication.posts import load_settings
from syndication.store.once import record_published
from syndication.store.state import StateStore

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "site") not in sys.path:
    sys.path.append(str(TESTS / "site"))

from site_build import SITEURL, build, copy_content, write_settings_file  # noqa: E402

pytestmark = pytest.mark.x
POST = "mise-au-point-du-printemps.fr"
PAGE = "mise-au-point-du-printemps/index.html"


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def crash_after_call(step: str) -> None:
    if step == "after-call":
        raise Crash(step)


def x_env(server: XServer) -> dict[str, str]:
    return {
        "AGORA_X_API_URL": server.base_url,
        "AGORA_X_HANDLE": server.brand.username,
        "AGORA_X_CONSUMER_KEY": server.consumer_key,
        "AGORA_X_CONSUMER_SECRET": server.consumer_secret,
        "AGORA_X_ACCESS_TOKEN": server.brand.access_token,
        "AGORA_X_ACCESS_TOKEN_SECRET": server.brand.access_token_secret,
    }


def publish_copy(env: dict[str, str], store: StateStore) -> Copy:
    post = Post(
        key=POST,
        slug="mise-au-point-du-printemps",
        lang="fr",
        title="Mise au point du printemps",
        summary="",
        url=f"{SITEURL}/mise-au-point-du-printemps/",
        date=utc_now(),
        author="Mathieu Gagnon",
    )

    async def main() -> Copy:
        async with httpx.AsyncClient(timeout=30) as http:
            settings = configured_networks(env)["x"]
            text = f"{post.title} {post.url} {uuid.uuid4().hex[:6]}"
            draft = Draft("x", post, text, len(text), 280, False, None, "fr", post.author, "")
            copy = Copy("x", CopyStatus.PENDING, new_key("x"), intent_at=utc_now())
            record_published(copy, await adapter_for(settings, http).publish(draft, copy.key))
            return copy

    copy = asyncio.run(main())
    state = store.load(POST)
    state.copies["x"] = copy
    store.save(state)
    return copy


def backfeed(store: StateStore, env: dict[str, str], authors: Any) -> None:
    async def main() -> list[str]:
        async with httpx.AsyncClient(timeout=30) as http:
            readers = {
                name: adapter_for(settings, http, authors)
                for name, settings in configured_networks(env).items()
            }
            report = await Backfeed(store, readers, http).run(full=True)
            return [] if report.ok else report.lines()

    assert asyncio.run(main()) == []


def replies_to(server: XServer, parent: str) -> list[dict[str, Any]]:
    """The brand's posts on the double that answer ``parent``."""
    brand = server.brand
    auth = OAuth1(
        server.consumer_key, server.consumer_secret, brand.access_token, brand.access_token_secret
    )
    response = httpx.get(
        f"{server.base_url}/2/users/{brand.user_id}/tweets",
        params={"max_results": "100", "expansions": "referenced_posts"},
        auth=auth,
        timeout=30,
    )
    response.raise_for_status()
    return [
        post
        for post in response.json().get("data", [])
        if {"type": "replied_to", "id": parent}
        in (post.get("referenced_posts") or post.get("referenced_tweets") or [])
    ]


def test_a_reply_on_x_is_listed_answered_once_and_shown(tmp_path: Path, x_server: XServer) -> None:
    workspace = tmp_path / "site"
    copy_content(workspace)
    settings = write_settings_file(workspace)
    env = x_env(x_server)
    store = StateStore(workspace / "content" / "state")
    copy = publish_copy(env, store)
    authors = load_settings(settings)["AGORA_AUTHORS"]

    noor = x_server.account("noor")
    auth = OAuth1(
        x_server.consumer_key, x_server.consumer_secret, noor.access_token, noor.access_token_secret
    )
    asked = httpx.post(
        f"{x_server.base_url}/2/tweets",
        json={
            "text": "@velosboreal Faites-vous les vélos cargo ?",
            "reply": {"in_reply_to_tweet_id": copy.id},
        },
        auth=auth,
        timeout=30,
    )
    asked.raise_for_status()
    question = str(asked.json()["data"]["id"])

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    [item] = json.loads(out.getvalue())["items"]
    assert (item["network"], item["question"]) == ("x", True)

    def reply(checkpoint: Any = None) -> tuple[int, str]:
        printed = io.StringIO()
        code = run_reply(
            item["id"],
            "Oui, cargo compris.",
            "Mathieu",
            settings,
            env=env,
            stdout=printed,
            checkpoint=checkpoint,
        )
        return code, printed.getvalue()

    with pytest.raises(Crash):
        reply(crash_after_call)
    assert len(replies_to(x_server, question)) == 1
    code, printed = reply()
    assert code == 0 and "was not sent again" in printed, printed
    [answer] = replies_to(x_server, question)
    assert answer["text"] == "Oui, cargo compris. — Mathieu"

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    assert json.loads(out.getvalue())["count"] == 0
    company = [i for i in store.load(POST).interactions.values() if i.by_company]
    assert [(i.network, i.in_reply_to, i.signed_by) for i in company] == [
        ("x", question, "Mathieu Gagnon")
    ]

    output = workspace / "output"
    build(workspace, output, AGORA_AUTHORS=authors)
    html = (output / PAGE).read_text(encoding="utf-8")
    assert html.count("Oui, cargo compris. — Mathieu") == 1
    soup = BeautifulSoup(html, "html.parser")
    links = [a.get("href") for a in soup.select("a.u-syndication")]
    assert copy.url in links
    assert "Faites-vous les vélos cargo" in html
