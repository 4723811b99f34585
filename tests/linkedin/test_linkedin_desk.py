"""The engagement desk on LinkedIn: a reader's comment comes home, is listed, answered once, shown.

The page's copy of a sample post is published on the LinkedIn double through the adapter and
recorded in a copy of the sample site; a reader comments on LinkedIn; ``Backfeed`` brings it
home; ``invoke inbox`` lists it; ``invoke reply`` answers it in its thread exactly once, even when
the process stops between LinkedIn's answer and the record; the built page shows the answer under
the question as the company's, and how many times the copy was reposted.
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

from plugins.agora.conversation import build_conversation
from sandbox.linkedin import LinkedInServer
from syndication.backfeed.engine import Backfeed
from syndication.cli.desk import run_inbox, run_reply
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    Post,
    PostState,
    interaction_key,
    utc_now,
)
from syndication.networks.base import Draft
from syndication.networks.registry import adapter_for, configured_networks, new_key
from syndication.posts import load_settings
from syndication.store.once import record_published
from syndication.store.state import StateStore

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "site") not in sys.path:
    sys.path.append(str(TESTS / "site"))

from site_build import SITEURL, build, copy_content, write_settings_file  # noqa: E402

pytestmark = pytest.mark.linkedin
POST = "mise-au-point-du-printemps.fr"
PAGE = "mise-au-point-du-printemps/index.html"
ANSWER = "Oui (cargo compris) !"


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def crash_after_call(step: str) -> None:
    if step == "after-call":
        raise Crash(step)


def linkedin_env(server: LinkedInServer) -> dict[str, str]:
    return {
        "AGORA_LINKEDIN_API_URL": server.base_url,
        "AGORA_LINKEDIN_OAUTH_URL": server.base_url,
        "AGORA_LINKEDIN_ORGANIZATION": server.organization,
        "AGORA_LINKEDIN_ACCESS_TOKEN": server.brand_token,
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
            settings = configured_networks(env)["linkedin"]
            text = f"{post.title} {post.url} {uuid.uuid4().hex[:6]}"
            draft = Draft(
                "linkedin", post, text, len(text), 3000, False, None, "fr", post.author, ""
            )
            copy = Copy("linkedin", CopyStatus.PENDING, new_key("linkedin"), intent_at=utc_now())
            record_published(copy, await adapter_for(settings, http).publish(draft, copy.key))
            return copy

    copy = asyncio.run(main())
    state = store.load(POST)
    state.copies["linkedin"] = copy
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


def test_a_comment_on_linkedin_is_listed_answered_once_and_shown(
    tmp_path: Path, linkedin_server: LinkedInServer
) -> None:
    workspace = tmp_path / "site"
    copy_content(workspace)
    settings = write_settings_file(workspace)
    env = linkedin_env(linkedin_server)
    store = StateStore(workspace / "content" / "state")
    copy = publish_copy(env, store)
    authors = load_settings(settings)["AGORA_AUTHORS"]
    question = linkedin_server.comment(
        "noor", copy.id, "Faites-vous les vélos cargo (électriques) ?"
    )

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    [item] = json.loads(out.getvalue())["items"]
    assert (item["network"], item["question"]) == ("linkedin", True)

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
    # Recorded before any backfeed: named as LinkedIn names the page, not by its URN.
    recorded = [i.author for i in store.load(POST).interactions.values() if i.by_company]
    assert [(a.name, a.handle, a.id) for a in recorded] == [
        ("Vélos Boréal", "", linkedin_server.organization_urn)
    ]

    backfeed(store, env, authors)
    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    assert json.loads(out.getvalue())["count"] == 0
    company = [i for i in store.load(POST).interactions.values() if i.by_company]
    assert [(i.network, i.in_reply_to, i.signed_by) for i in company] == [
        ("linkedin", question, "Mathieu Gagnon")
    ]

    # Two members repost the copy: LinkedIn counts them and names nobody.
    linkedin_server.repost("lea", copy.id)
    linkedin_server.repost("samuel", copy.id)
    backfeed(store, env, authors)
    assert store.load(POST).copies["linkedin"].counted == {"repost": 2}

    output = workspace / "output"
    build(workspace, output, AGORA_AUTHORS=authors)
    html = (output / PAGE).read_text(encoding="utf-8")
    assert html.count(f"{ANSWER} — Mathieu") == 1
    reposts = BeautifulSoup(html, "html.parser").select(".reactions .reaction-reposts")
    assert [" ".join(li.get_text().split()) for li in reposts] == ["2 partages sur LinkedIn"]
    soup = BeautifulSoup(html, "html.parser")
    assert copy.url in [a.get("href") for a in soup.select("a.u-syndication")]
    assert "Faites-vous les vélos cargo (électriques)" in html


async def read_thread(env: dict[str, str], copy: Copy) -> list[Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        return await adapter_for(configured_networks(env)["linkedin"], http).conversation(copy)


def test_an_answer_recorded_without_its_thread_is_shown_by_the_name_linkedin_gave() -> None:
    # A state where the answer is recorded but not (yet) in the thread, as an older version
    # left it: the page names the page as LinkedIn does, with no handle, never by its URN.
    page = "urn:li:organization:2414183"
    lea = Person("linkedin", "urn:li:person:Lea", "", "Léa Gagnon")
    asked = utc_now()
    question = Interaction(
        "linkedin", InteractionKind.REPLY, "urn:li:comment:(urn:li:share:1,2)", lea, asked
    )
    answer = Copy(
        "linkedin",
        CopyStatus.PUBLISHED,
        "k",
        asked,
        id="urn:li:comment:(urn:li:share:1,3)",
        url="https://www.linkedin.com/feed/update/urn:li:share:1/",
        published_at=asked,
        account=page,
        extra={"text": "Oui !", "author_name": "Vélos Boréal", "author_handle": ""},
    )
    state = PostState(
        key=POST,
        copies={
            "linkedin": Copy(
                "linkedin", CopyStatus.PUBLISHED, "c", asked, id="urn:li:share:1", url=answer.url
            )
        },
        interactions={interaction_key("linkedin", question.id): question},
        answers={interaction_key("linkedin", question.id): answer},
    )
    [node] = build_conversation(state, {"linkedin": "LinkedIn"}).replies
    [shown] = node.children
    assert (shown.who, shown.handle, shown.item.by_company) == ("Vélos Boréal", "", True)
