"""The engagement desk against the real local Bluesky network and Mastodon peer, then the site.

The brand publishes a sample post on both networks through the adapters and the copies are
recorded in the state of a copy of the sample site; readers ask questions with their own clients
(raw XRPC, raw REST); ``Backfeed`` brings them home; ``invoke inbox`` lists them; ``invoke reply``
answers each one exactly once, even when the process stops between the network's answer and the
record; after the next backfeed the inbox stays empty, the state holds each answer once, and the
built page shows it in the thread as the company's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import shutil
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from syndication.backfeed.engine import Backfeed
from syndication.cli.answers import run_answers
from syndication.cli.desk import run_inbox, run_reply
from syndication.desk.inbox import item_id
from syndication.desk.reply import reply
from syndication.errors import NetworkError
from syndication.model import Copy, CopyStatus, Interaction, Post, utc_now
from syndication.networks.base import Adapter, Draft
from syndication.networks.mastodon.settings import MastodonSettings
from syndication.networks.registry import adapter_for, configured_networks, new_key
from syndication.networks.spec import AccountSettings
from syndication.posts import load_settings
from syndication.store.once import record_published
from syndication.store.state import StateStore

# The real site builds of tests/site and the Bluesky readers of tests/bluesky, found by their
# unique module names (test folders have no __init__.py).
TESTS = Path(__file__).resolve().parents[1]
for _folder in ("site", "bluesky"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.append(str(TESTS / _folder))

from bluesky_players import Player  # noqa: E402
from site_build import SITEURL, build, copy_content, write_settings_file  # noqa: E402

pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]

POST = "mise-au-point-du-printemps.fr"
PAGE = "mise-au-point-du-printemps/index.html"
# Camille has her own accounts on both peers; Mathieu answers from the brand's, signed.
EMPLOYEE_SETTINGS = """
AGORA_AUTHORS = {
    **AGORA_AUTHORS,
    "Camille Tremblay": {
        **AGORA_AUTHORS["Camille Tremblay"], "bluesky": "camille.test", "mastodon": "camille"
    },
}
"""


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def crash_after_call(step: str) -> None:
    """The fault-injection checkpoint: the network has the answer, the state does not yet."""
    if step == "after-call":
        raise Crash(step)


@dataclass
class Desk:
    """A copy of the sample site whose post has a copy on each local network."""

    workspace: Path
    settings: Path
    env: dict[str, str]
    store: StateStore
    copies: dict[str, Copy]
    bluesky: BlueskyNetwork
    mastodon: MastodonServer

    def backfeed(self) -> None:
        """One full backfeed, through the real adapters, as ``invoke backfeed --full`` does."""
        self.bluesky.process()
        authors = load_settings(self.settings)["AGORA_AUTHORS"]

        async def main() -> list[str]:
            async with httpx.AsyncClient(timeout=30) as http:
                readers = {
                    name: adapter_for(settings, http, authors)
                    for name, settings in configured_networks(self.env).items()
                }
                report = await Backfeed(self.store, readers, http).run(full=True)
                return [] if report.ok else report.lines()

        assert asyncio.run(main()) == []

    def inbox(self, *, stats: bool = False) -> dict[str, Any]:
        """``invoke inbox --json`` (with ``--stats``) as data."""
        out = io.StringIO()
        assert run_inbox(self.settings, as_json=True, stats=stats, stdout=out) == 0
        return dict(json.loads(out.getvalue()))

    def reply(
        self,
        wanted: str,
        text: str,
        author: str,
        checkpoint: Callable[[str], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """``invoke reply ID TEXT --as AUTHOR`` (with ``env`` instead of the desk's): exit code
        and report."""
        out = io.StringIO()
        environment = self.env if env is None else env
        code = run_reply(
            wanted, text, author, self.settings, env=environment, stdout=out, checkpoint=checkpoint
        )
        return code, out.getvalue()

    def state_items(self) -> list[Interaction]:
        """The post's recorded interactions."""
        return list(self.store.load(POST).interactions.values())


def publish_copies(env: dict[str, str], store: StateStore) -> dict[str, Copy]:
    """Publish the sample post on every network of ``env`` through the adapters; record them."""
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

    async def main() -> dict[str, Copy]:
        copies: dict[str, Copy] = {}
        async with httpx.AsyncClient(timeout=30) as http:
            for name, settings in configured_networks(env).items():
                text = f"{post.title} {post.url} {uuid.uuid4().hex[:6]}"
                draft = Draft(name, post, text, len(text), 300, False, None, "fr", post.author, "")
                copy = Copy(name, CopyStatus.PENDING, new_key(name), intent_at=utc_now())
                record_published(copy, await adapter_for(settings, http).publish(draft, copy.key))
                copies[name] = copy
        return copies

    copies = asyncio.run(main())
    state = store.load(POST)
    state.copies.update(copies)
    store.save(state)
    return copies


@pytest.fixture
def desk(tmp_path: Path, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer) -> Desk:
    workspace = tmp_path / "site"
    copy_content(workspace)
    settings = write_settings_file(workspace)
    settings.write_text(settings.read_text(encoding="utf-8") + EMPLOYEE_SETTINGS, "utf-8")
    env = {
        "AGORA_BLUESKY_SERVICE": bluesky_network.pds_url,
        "AGORA_BLUESKY_HANDLE": bluesky_network.brand.handle,
        "AGORA_BLUESKY_APP_PASSWORD": bluesky_network.brand.app_password,
        "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY": bluesky_network.account(
            "camille"
        ).app_password,
        "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": mastodon_server.brand_token,
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": mastodon_server.tokens["camille"],
    }
    store = StateStore(workspace / "content" / "state")
    copies = publish_copies(env, store)
    return Desk(workspace, settings, env, store, copies, bluesky_network, mastodon_server)


# -- the readers and what the networks hold ------------------------------------------------------


def bluesky_player(network: BlueskyNetwork, name: str) -> Player:
    account = network.account(name)
    return Player(network.pds_url, account.handle, account.app_password)


def copy_ref(desk: Desk) -> dict[str, str]:
    """The strong ref of the brand's copy on Bluesky."""
    copy = desk.copies["bluesky"]
    return {"uri": copy.id, "cid": copy.extra["cid"]}


def bluesky_ask(desk: Desk, name: str, text: str) -> dict[str, str]:
    """``name`` replies to the brand's copy on Bluesky; the reply's strong ref."""
    return bluesky_player(desk.bluesky, name).post(text, reply_to=copy_ref(desk))


def mastodon_post(desk: Desk, username: str, text: str, in_reply_to: str) -> str:
    """``username`` posts a public reply on the Mastodon peer; the status id."""
    response = httpx.post(
        f"{desk.mastodon.base_url}/api/v1/statuses",
        json={"status": text, "in_reply_to_id": in_reply_to, "visibility": "public"},
        headers={"Authorization": f"Bearer {desk.mastodon.tokens[username]}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def bluesky_answers(desk: Desk, handle: str, parent: str) -> list[dict[str, Any]]:
    """The posts in ``handle``'s repository (the PDS's truth) that answer ``parent``."""
    account = desk.bluesky.account(handle)
    response = httpx.get(
        f"{desk.bluesky.pds_url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": "100"},
        timeout=30,
    )
    response.raise_for_status()
    return [
        record
        for record in response.json()["records"]
        if record["value"].get("reply", {}).get("parent", {}).get("uri") == parent
    ]


def mastodon_answers(desk: Desk, parent: str) -> list[dict[str, Any]]:
    """The statuses of the thread that answer ``parent``."""
    response = httpx.get(
        f"{desk.mastodon.base_url}/api/v1/statuses/{parent}/context",
        headers={"Authorization": f"Bearer {desk.mastodon.brand_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return [s for s in response.json()["descendants"] if s.get("in_reply_to_id") == parent]


# -- the tests -------------------------------------------------------------------------------------


def test_questions_are_answered_once_and_shown_as_the_companys(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    sky_question = bluesky_ask(desk, "lea", "Est-ce que la purge des freins est comprise ?")["uri"]
    masto_question = mastodon_post(
        desk, "noor", "@velosboreal Combien de temps en boutique ?", desk.copies["mastodon"].id
    )
    desk.backfeed()
    listed = desk.inbox()["items"]
    assert [(i["network"], i["question"], i["first_time"]) for i in listed] == [
        ("bluesky", True, True),
        ("mastodon", True, True),
    ]
    sky_id, masto_id = (item["id"] for item in listed)

    # Bluesky, from the brand and signed: the process stops once the network has the answer.
    with pytest.raises(Crash):
        desk.reply(sky_id, "Oui, elle est comprise.", "Mathieu", checkpoint=crash_after_call)
    pending = desk.store.load(POST).answers[f"bluesky:{sky_question}"]
    assert pending.status is CopyStatus.PENDING
    assert len(bluesky_answers(desk, "velosboreal.test", sky_question)) == 1
    code, out = desk.reply(sky_id, "Oui, elle est comprise.", "Mathieu")
    assert code == 0, out
    assert out.startswith("The answer was already on Bluesky from velosboreal.test, for Mathieu")
    assert "was not sent again" in out
    on_network = bluesky_answers(desk, "velosboreal.test", sky_question)
    assert [r["value"]["text"] for r in on_network] == ["Oui, elle est comprise. — Mathieu"]
    assert on_network[0]["uri"].rsplit("/", 1)[1] == pending.key  # the intent's record key

    # Mastodon, from Camille's own account, in a crisis: the kill switch stops automation, not
    # people, so her answer goes out with a warning; only the second switch silences answers.
    crisis = {**desk.env, "AGORA_PAUSE_POSTING": "rappel de freins"}
    silenced = {**crisis, "AGORA_PAUSE_ANSWERS": "on se tait"}
    code, out = desk.reply(masto_id, "Deux jours en général.", "Camille Tremblay", env=silenced)
    assert (code, out) == (
        2,
        "Nothing was posted: answers are paused: AGORA_PAUSE_ANSWERS is set (on se tait); "
        "lift it to answer.\n",
    )
    assert mastodon_answers(desk, masto_question) == []
    with caplog.at_level(logging.WARNING):
        code, out = desk.reply(masto_id, "Deux jours en général.", "Camille Tremblay", env=crisis)
    assert code == 0, out
    assert (
        "automatic posting is paused (AGORA_PAUSE_POSTING is set (rappel de freins)); "
        "this answer, signed by a person, still goes out." in caplog.text
    )
    assert out.startswith("Answered on Mastodon from camille@")
    code, again = desk.reply(masto_id, "Deux jours en général.", "Camille")
    assert code == 0 and "Already answered on Mastodon" in again
    answers = mastodon_answers(desk, masto_question)
    assert len(answers) == 1 and answers[0]["account"]["acct"].startswith("camille")
    assert "Deux jours en général." in answers[0]["content"] and "—" not in answers[0]["content"]

    # Recorded in the thread right away: the inbox is empty before any backfeed.
    assert desk.inbox()["count"] == 0
    desk.backfeed()
    assert desk.inbox()["count"] == 0
    company = [item for item in desk.state_items() if item.by_company]
    assert sorted((i.network, i.in_reply_to, i.signed_by) for i in company) == [
        ("bluesky", sky_question, "Mathieu Gagnon"),
        ("mastodon", masto_question, "Camille Tremblay"),
    ]
    assert company[0].id != company[1].id
    stats = desk.inbox(stats=True)["stats"]
    assert (stats["overall"]["answered"], stats["overall"]["waiting"]) == (2, 0)

    output = desk.workspace / "output"
    build(desk.workspace, output, AGORA_AUTHORS=load_settings(desk.settings)["AGORA_AUTHORS"])
    html = (output / PAGE).read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    for text, question in (
        ("Oui, elle est comprise. — Mathieu", "purge des freins"),
        ("Deux jours en général.", "Combien de temps"),
    ):
        assert html.count(text) == 1, text  # once, though both the reply and backfeed had it
        cite = min(
            (c for c in soup.select(".h-cite") if text in c.get_text(" ", strip=True)),
            key=lambda c: len(c.get_text()),
        )
        assert "company" in (cite.get("class") or []) and cite.select_one(".badge")
        asker = next(c for c in soup.select(".h-cite") if question in c.get_text(" "))
        assert asker.parent in list(cite.parents), f"{text!r} is not under its question"


def test_a_stop_on_mastodon_and_an_answer_made_on_the_network(desk: Desk) -> None:
    masto_question = mastodon_post(
        desk, "lea", "@velosboreal Ouvert le dimanche ?", desk.copies["mastodon"].id
    )
    sky_question = bluesky_ask(desk, "samuel", "Vous livrez à Lévis ?")
    # The brand answers Samuel by hand, in Bluesky's own app.
    bluesky_player(desk.bluesky, "velosboreal").post(
        "Oui, le jeudi.", reply_to=sky_question, root=copy_ref(desk)
    )
    desk.backfeed()
    listed = desk.inbox()["items"]
    assert [item["network"] for item in listed] == ["mastodon"]  # Samuel's is answered
    masto_id = listed[0]["id"]
    sky_id = item_id("bluesky", sky_question["uri"])
    code, out = desk.reply(sky_id, "Oui.", "Mathieu")
    assert code == 2 and "was already answered on Bluesky by @velosboreal.test (https://" in out

    # The mention Mastodon adds counts: 490 characters and " — Mathieu" fit 500, "@lea " not.
    code, out = desk.reply(masto_id, "x" * 490, "Mathieu")
    assert (code, out) == (
        2,
        "Nothing was posted: the answer is 505 characters as Mastodon counts it (signature and "
        "mention included), over its 500; shorten it by 5.\n",
    )
    assert mastodon_answers(desk, masto_question) == []

    with pytest.raises(Crash):
        desk.reply(masto_id, "Oui, de 10 h à 16 h.", "Mathieu", checkpoint=crash_after_call)
    assert len(mastodon_answers(desk, masto_question)) == 1
    code, out = desk.reply(masto_id, "Oui, de 10 h à 16 h.", "Mathieu")
    assert code == 0 and "was not sent again" in out, out
    answers = mastodon_answers(desk, masto_question)
    assert len(answers) == 1 and "Oui, de 10 h à 16 h. — Mathieu" in answers[0]["content"]
    assert answers[0]["content"].count("@") >= 1  # Léa is mentioned, so she is notified

    desk.backfeed()
    assert desk.inbox()["count"] == 0
    stats = desk.inbox(stats=True)["stats"]
    assert stats["bluesky"]["answered"] == 1 and stats["mastodon"]["answered"] == 1
    company = [item for item in desk.state_items() if item.by_company]
    assert len(company) == 2


def test_an_answer_made_since_the_last_backfeed_or_from_another_checkout_is_not_sent_twice(
    desk: Desk, tmp_path: Path
) -> None:
    """Right before sending, the network is asked whether the company already answered; two
    checkouts answering the same comment at the same moment send one answer between them."""
    sky_question = bluesky_ask(desk, "lea", "Faites-vous les vélos cargo ?")["uri"]
    masto_question = mastodon_post(
        desk, "noor", "@velosboreal Un rendez-vous samedi ?", desk.copies["mastodon"].id
    )
    desk.backfeed()
    ids = {item["network"]: item["id"] for item in desk.inbox()["items"]}

    # The brand answers Noor in Mastodon's own app; no backfeed has run since.
    response = httpx.post(
        f"{desk.mastodon.base_url}/api/v1/statuses",
        json={"status": "@noor Oui, à 10 h.", "in_reply_to_id": masto_question},
        headers={"Authorization": f"Bearer {desk.mastodon.brand_token}"},
        timeout=30,
    )
    response.raise_for_status()
    before = desk.store.path_for(POST).read_bytes()
    code, out = desk.reply(ids["mastodon"], "Oui, samedi matin.", "Mathieu")
    assert code == 2, out
    assert out.startswith(f"Nothing was posted: {ids['mastodon']} was already answered on ")
    assert "by @velosboreal" in out and "run invoke backfeed" in out
    assert len(mastodon_answers(desk, masto_question)) == 1
    assert desk.store.path_for(POST).read_bytes() == before  # nothing recorded

    # A second checkout of the repository, at the same commit.
    other = tmp_path / "other-checkout"
    shutil.copytree(desk.workspace, other)
    other_settings = other / desk.settings.relative_to(desk.workspace)
    first: list[tuple[int, str]] = []

    def meanwhile(step: str) -> None:
        """The worst moment: the other checkout has checked the network and is about to send;
        this one answers in full (in a thread: the other's event loop is running)."""
        if step == "before-call":
            worker = threading.Thread(
                target=lambda: first.append(desk.reply(ids["bluesky"], "Oui !", "Mathieu"))
            )
            worker.start()
            worker.join()

    out_other = io.StringIO()
    code_other = run_reply(
        ids["bluesky"],
        "Oui, les cargos aussi !",
        "Mathieu",
        other_settings,
        env=desk.env,
        stdout=out_other,
        checkpoint=meanwhile,
    )
    assert first and first[0][0] == 0, first
    assert code_other == 0, out_other.getvalue()
    answers = bluesky_answers(desk, "velosboreal.test", sky_question)
    assert [r["value"]["text"] for r in answers] == ["Oui ! — Mathieu"]
    # Each checkout recorded that one answer, so each can commit it and the merge agrees.
    recorded = {
        StateStore(folder / "content" / "state").load(POST).answers[f"bluesky:{sky_question}"].id
        for folder in (desk.workspace, other)
    }
    assert recorded == {answers[0]["uri"]}


def test_answers_written_as_files_are_checked_then_sent_once_and_their_files_deleted(
    desk: Desk,
) -> None:
    """The way a team without terminals answers: a file per answer, checked in the pull request
    with no network and no secret, sent once after the merge, its file deleted with the record."""
    question = mastodon_post(
        desk, "noor", "@velosboreal Vous réparez les moyeux ?", desk.copies["mastodon"].id
    )
    desk.backfeed()
    [item] = desk.inbox()["items"]
    folder = desk.workspace / "content" / "answers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_modele.md").write_text("Comment: x\nAs: Camille\n\nModèle.\n", encoding="utf-8")
    good = folder / "noor-moyeux.md"
    good.write_text(
        f"Comment: {item['id']}\nAs: Camille\n\nOui, tous les moyeux.\nÀ bientôt !\n",
        encoding="utf-8",
    )
    unknown = folder / "faute-de-frappe.md"
    unknown.write_text("Comment: mastodon-nope\nAs: Camille\n\nMerci !\n", encoding="utf-8")
    nobody = folder / "sans-auteur.md"
    nobody.write_text(f"Comment: {item['id']}\n\nMerci !\n", encoding="utf-8")

    checked = io.StringIO()
    assert run_answers(desk.settings, check=True, env={}, stdout=checked) == 1
    assert checked.getvalue().splitlines() == [
        "faute-de-frappe.md: cannot go out: no comment has the ID 'mastodon-nope'; run "
        "`invoke inbox` to see the IDs.",
        f"noor-moyeux.md: ready: Camille Tremblay answers {item['id']} on mastodon once this "
        "is merged.",
        "sans-auteur.md: cannot go out: sans-auteur.md: no As line; start the file with "
        "'Comment: <ID from the inbox>' and 'As: <your name>', then a blank line and the answer.",
    ]
    assert mastodon_answers(desk, question) == []  # a check sends nothing

    sent = io.StringIO()
    assert run_answers(desk.settings, env=desk.env, stdout=sent) == 1  # two files are wrong
    answers = mastodon_answers(desk, question)
    assert len(answers) == 1 and answers[0]["account"]["acct"].startswith("camille")
    assert "Oui, tous les moyeux." in answers[0]["content"]
    assert "noor-moyeux.md: Answered on Mastodon from camille@" in sent.getvalue()
    assert not good.exists() and unknown.exists() and nobody.exists()
    assert (folder / "_modele.md").exists()
    assert desk.inbox()["count"] == 0

    # The wrong files fixed or deleted, a second run sends nothing more.
    unknown.unlink()
    nobody.unlink()
    again = io.StringIO()
    assert run_answers(desk.settings, env=desk.env, stdout=again) == 0
    assert again.getvalue() == "No answer file to send.\n"
    assert len(mastodon_answers(desk, question)) == 1


def test_an_answer_whose_call_never_left_this_machine_leaves_the_state_as_it_was(
    desk: Desk,
) -> None:
    """The network was read (nobody answered yet), then the answer's own call cannot connect:
    the network cannot have it, so the intent is taken back and the file is byte for byte."""
    question = mastodon_post(desk, "lea", "@velosboreal Et le samedi ?", desk.copies["mastodon"].id)
    desk.backfeed()
    [item] = desk.inbox()["items"]
    before = desk.store.path_for(POST).read_bytes()
    authors = load_settings(desk.settings)["AGORA_AUTHORS"]
    made: list[str] = []

    async def main() -> None:
        async with httpx.AsyncClient(timeout=30) as http:

            def factory(settings: AccountSettings) -> Adapter:
                made.append(settings.network)
                if len(made) > 1:  # the sending adapter: its instance is now unreachable
                    assert isinstance(settings, MastodonSettings)
                    settings = dataclasses.replace(settings, base_url="http://127.0.0.1:9")
                return adapter_for(settings, http, authors)

            with pytest.raises((NetworkError, httpx.ConnectError)):
                await reply(
                    item["id"],
                    "Oui, de 10 h à 16 h.",
                    "Mathieu",
                    configured_networks(desk.env),
                    store=desk.store,
                    authors=authors,
                    env=desk.env,
                    client=http,
                    adapter_factory=factory,
                )

    asyncio.run(main())
    assert made == ["mastodon", "mastodon"]  # the check, then the answer
    assert desk.store.path_for(POST).read_bytes() == before
    assert mastodon_answers(desk, question) == []
    assert desk.inbox()["count"] == 1
