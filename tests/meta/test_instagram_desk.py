"""The engagement desk on Instagram: a reader's comment comes home, is listed, answered once, shown.

The account's copy of a sample post (its social card, by its address on the site) is published on
the Instagram double through the adapter and recorded in a copy of the sample site; a reader
comments on Instagram; ``Backfeed`` brings it home; ``invoke inbox`` lists it; ``invoke reply``
answers it under the comment exactly once, even when the process stops between Instagram's
answer and the record; the built page shows the answer under the question as the company's.
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

from sandbox.meta import MetaServer
from syndication.backfeed.engine import Backfeed
from syndication.cli.desk import run_inbox, run_reply
from syndication.model import Copy, CopyStatus, Post, utc_now
from syndication.networks.base import Draft, LinkCard
from syndication.networks.registry import adapter_for, configured_networks, new_key
from syndication.posts import load_settings
from syndication.store.once import record_published
from syndication.store.state import StateStore

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "site") not in sys.path:
    sys.path.append(str(TESTS / "site"))

from site_build import SITEURL, build, copy_content, write_settings_file  # noqa: E402

pytestmark = pytest.mark.meta
POST = "mise-au-point-du-printemps.fr"
PAGE = "mise-au-point-du-printemps/index.html"
ANSWER = "Oui (cargo compris) !"


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def crash_after_call(step: str) -> None:
    if step == "after-call":
        raise Crash(step)


def instagram_env(server: MetaServer) -> dict[str, str]:
    return server.instagram_env()


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
            settings = configured_networks(env)["instagram"]
            text = f"{post.title} {post.url} {uuid.uuid4().hex[:6]}"
            image = f"{SITEURL}/images/cards/mise-au-point-du-printemps-fr.jpg"
            card = LinkCard(post.url, post.title, "", image_url=image)
            draft = Draft("instagram", post, text, 0, 2100, False, card, "fr", post.author, "")
            copy = Copy("instagram", CopyStatus.PENDING, new_key("instagram"), intent_at=utc_now())
            record_published(copy, await adapter_for(settings, http).publish(draft, copy.key))
            return copy

    copy = asyncio.run(main())
    state = store.load(POST)
    state.copies["instagram"] = copy
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


def test_a_comment_on_instagram_is_listed_answered_once_and_shown(
    tmp_path: Path, meta_server: MetaServer
) -> None:
    workspace = tmp_path / "site"
    copy_content(workspace)
    settings = write_settings_file(workspace)
    env = instagram_env(meta_server)
    store = StateStore(workspace / "content" / "state")
    copy = publish_copy(env, store)
    authors = load_settings(settings)["AGORA_AUTHORS"]
    question = meta_server.instagram_comment(
        "noor", copy.id, "Faites-vous les vélos cargo (électriques) ?"
    )

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    [item] = json.loads(out.getvalue())["items"]
    assert (item["network"], item["question"]) == ("instagram", True)

    def reply(checkpoint: Any = None) -> tuple[int, str]:
        printed = io.StringIO()
        code = run_reply(
            item["id"], ANSWER, "Mathieu", settings, env=env, stdout=printed, checkpoint=checkpoint
        )
        return code, printed.getvalue()

    def answers() -> list[str]:
        items = asyncio.run(read_thread(env, copy))
        return [i.content_text for i in items if i.in_reply_to == question]

    with pytest.raises(Crash):
        reply(crash_after_call)
    assert len(answers()) == 1
    code, printed = reply()
    assert code == 0 and "was not sent again" in printed, printed
    [answer] = answers()
    assert answer == f"@noor {ANSWER} — Mathieu"  # addressed to the comment's author

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    assert json.loads(out.getvalue())["count"] == 0
    company = [i for i in store.load(POST).interactions.values() if i.by_company]
    assert [(i.network, i.in_reply_to, i.signed_by) for i in company] == [
        ("instagram", question, "Mathieu Gagnon")
    ]

    output = workspace / "output"
    build(workspace, output, AGORA_AUTHORS=authors)
    html = (output / PAGE).read_text(encoding="utf-8")
    assert html.count(f"{ANSWER} — Mathieu") == 1
    soup = BeautifulSoup(html, "html.parser")
    assert copy.url in [a.get("href") for a in soup.select("a.u-syndication")]
    assert "Faites-vous les vélos cargo (électriques)" in html


async def read_thread(env: dict[str, str], copy: Copy) -> list[Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        settings = configured_networks(env)["instagram"]
        return await adapter_for(settings, http).conversation(copy)
