"""The engagement desk on Facebook: a reader's comment comes home, is listed, answered once, shown;
the post's shares, which Graph counts without listing, are shown as a number.

The Page's copy of a sample post is published on the Graph double through the adapter and
recorded in a copy of the sample site; a reader comments on Facebook; ``Backfeed`` brings it
home; ``invoke inbox`` lists it; ``invoke reply`` answers it in its thread exactly once, even when
the process stops between Graph's answer and the record; the built page shows the answer under
the question as the company's.
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
from syndication.networks.base import Draft
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


def facebook_env(server: MetaServer) -> dict[str, str]:
    return server.env()


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
            settings = configured_networks(env)["facebook"]
            text = f"{post.title} {post.url} {uuid.uuid4().hex[:6]}"
            draft = Draft(
                "facebook", post, text, len(text), 63206, False, None, "fr", post.author, ""
            )
            copy = Copy("facebook", CopyStatus.PENDING, new_key("facebook"), intent_at=utc_now())
            record_published(copy, await adapter_for(settings, http).publish(draft, copy.key))
            return copy

    copy = asyncio.run(main())
    state = store.load(POST)
    state.copies["facebook"] = copy
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


def test_a_comment_on_facebook_is_listed_answered_once_and_shown(
    tmp_path: Path, meta_server: MetaServer
) -> None:
    workspace = tmp_path / "site"
    copy_content(workspace)
    settings = write_settings_file(workspace)
    env = facebook_env(meta_server)
    store = StateStore(workspace / "content" / "state")
    copy = publish_copy(env, store)
    authors = load_settings(settings)["AGORA_AUTHORS"]
    question = meta_server.comment("noor", copy.id, "Faites-vous les vélos cargo (électriques) ?")
    meta_server.share(copy.id, 3)  # Graph counts shares without listing them

    backfeed(store, env, authors)
    assert store.load(POST).copies["facebook"].counted == {"repost": 3}
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    [item] = json.loads(out.getvalue())["items"]
    assert (item["network"], item["question"]) == ("facebook", True)

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
    assert answer == f"{ANSWER} — Mathieu"

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    assert json.loads(out.getvalue())["count"] == 0
    company = [i for i in store.load(POST).interactions.values() if i.by_company]
    assert [(i.network, i.in_reply_to, i.signed_by) for i in company] == [
        ("facebook", question, "Mathieu Gagnon")
    ]

    output = workspace / "output"
    build(workspace, output, AGORA_AUTHORS=authors)
    html = (output / PAGE).read_text(encoding="utf-8")
    assert html.count(f"{ANSWER} — Mathieu") == 1
    soup = BeautifulSoup(html, "html.parser")
    assert copy.url in [a.get("href") for a in soup.select("a.u-syndication")]
    assert "Faites-vous les vélos cargo (électriques)" in html
    shares = [li.get_text(strip=True) for li in soup.select("ul.reactions li.reaction-reposts")]
    assert shares == ["3 partages sur Facebook"]


async def read_thread(env: dict[str, str], copy: Copy) -> list[Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        return await adapter_for(configured_networks(env)["facebook"], http).conversation(copy)
