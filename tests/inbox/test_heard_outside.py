"""Every comment heard: posts that name the company outside our copies wait in the inbox.

Against the session's real local peers (Bluesky's own servers, the Mastodon peer), on a fixture
site with no post at all, so nothing is under one of our copies: readers write to the brand
with their own clients (raw XRPC with a mention facet, raw REST), ``invoke backfeed`` hears it
through the brand's notifications, ``invoke inbox`` lists it as a comment waiting, with its flags,
``invoke reply`` answers it in its thread, and after the next backfeed it is gone from the inbox
and a second answer is refused with one sentence, nothing posted. A quote with words of a brand
post that is no copy waits too; answered in Bluesky's own app, it leaves the inbox at the next
backfeed and ``invoke reply`` refuses it. What is not a reader's words to the company (a like of
something else, a quote without words, an employee's post, a blocked account's) is not kept.

Each site's first backfeed starts the brand's notification streams (a first run keeps nothing
from before it), so what the other tests of the session did on the shared peers is not heard.
"""

from __future__ import annotations

import io
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from syndication.cli.listen import run as run_listen
from syndication.desk.inbox import item_id
from syndication.listen.store import ListenStore

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "bluesky") not in sys.path:
    sys.path.append(str(TESTS / "bluesky"))

from bluesky_players import Player, now  # noqa: E402
from heard_site import HeardSite  # noqa: E402

pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]

SETTINGS = """\
PATH = {content!r}
AGORA_STATE_PATH = {state!r}
AGORA_MODERATION_FILE = {moderation!r}
AGORA_LISTENING_FILE = {listening!r}
SITENAME = "Heard outside"
SITEURL = "http://127.0.0.1"
PLUGINS = []
PLUGIN_PATHS = []
AGORA_AUTHORS = {{
    "Camille Tremblay": {{
        "first_name": "Camille", "bluesky": "camille.test", "mastodon": "camille"
    }},
}}
"""


@dataclass
class Site(HeardSite):
    """A site with no post, its state folder, and the brand's credentials on both peers."""

    bluesky: BlueskyNetwork
    mastodon: MastodonServer

    @property
    def state(self) -> Path:
        return self.root / "state"

    def backfeed(self, *, full: bool = False) -> str:
        """``invoke backfeed`` (``--full``) once the AppView has indexed every write; its
        report."""
        self.bluesky.process()
        return super().backfeed(full=full)


@pytest.fixture
def site(tmp_path: Path, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer) -> Site:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "complaint-words.txt").write_text("# words\npanne\n", encoding="utf-8")
    # Samuel is blocked on Bluesky: what he writes is never kept, outside our posts either.
    moderation = root / "moderation.toml"
    moderation.write_text('blocked_accounts = ["samuel.test"]\n', encoding="utf-8")
    found = Site(
        root,
        {
            "AGORA_BLUESKY_SERVICE": bluesky_network.pds_url,
            "AGORA_BLUESKY_HANDLE": bluesky_network.brand.handle,
            "AGORA_BLUESKY_APP_PASSWORD": bluesky_network.brand.app_password,
            "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
            "AGORA_MASTODON_ACCESS_TOKEN": mastodon_server.brand_token,
        },
        bluesky_network,
        mastodon_server,
    )
    found.settings.write_text(
        SETTINGS.format(
            content=str(root / "content"),
            state=str(found.state),
            moderation=str(moderation),
            listening=str(root / "listening.toml"),
        ),
        encoding="utf-8",
    )
    # The brand's notification streams start at the site's first backfeed: nothing from before
    # is heard. A like on each network gives them a cursor even when this test runs alone.
    brand = player(bluesky_network, "velosboreal").post(f"Bonjour {uuid.uuid4().hex[:8]}")
    player(bluesky_network, "noor").like(brand)
    status = toot(mastodon_server, "velosboreal", f"Bonjour {uuid.uuid4().hex[:8]}")
    httpx.post(
        f"{mastodon_server.base_url}/api/v1/statuses/{status}/favourite",
        headers={"Authorization": f"Bearer {mastodon_server.tokens['noor']}"},
        timeout=30,
    ).raise_for_status()
    found.backfeed()
    assert found.inbox() == "Nothing waits for an answer.\n"
    return found


# -- the readers ---------------------------------------------------------------------------------


def player(network: BlueskyNetwork, name: str) -> Player:
    account = network.account(name)
    return Player(network.pds_url, account.handle, account.app_password)


def mention_brand(network: BlueskyNetwork, name: str, words: str) -> str:
    """``name`` posts ``@brand words`` with the mention facet Bluesky's apps write (what makes
    the AppView notify the brand); the post's at-uri."""
    handle = f"@{network.brand.handle}"
    text = f"{handle} {words}"
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": now(),
        "langs": ["fr"],
        "facets": [
            {
                "index": {"byteStart": 0, "byteEnd": len(handle.encode())},
                "features": [
                    {"$type": "app.bsky.richtext.facet#mention", "did": network.brand.did}
                ],
            }
        ],
    }
    return str(player(network, name).create("app.bsky.feed.post", record)["uri"])


def toot(server: MastodonServer, username: str, text: str) -> str:
    """``username`` posts a public status on the Mastodon peer; its id."""
    response = httpx.post(
        f"{server.base_url}/api/v1/statuses",
        json={"status": text, "visibility": "public"},
        headers={"Authorization": f"Bearer {server.tokens[username]}"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def bluesky_answers(network: BlueskyNetwork, parent: str) -> list[dict[str, Any]]:
    """The brand's posts (its PDS repository, the truth) that answer ``parent``."""
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


def mastodon_answers(server: MastodonServer, status: str) -> list[dict[str, Any]]:
    """The statuses of the thread that answer ``status``."""
    response = httpx.get(
        f"{server.base_url}/api/v1/statuses/{status}/context",
        headers={"Authorization": f"Bearer {server.brand_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return [s for s in response.json()["descendants"] if s.get("in_reply_to_id") == status]


def blocks(text: str) -> list[list[str]]:
    """The inbox's comments, each as its lines (the heading and the mentions section apart)."""
    comments = text.split("\n\nMentions elsewhere")[0]
    return [block.splitlines() for block in comments.split("\n\n")[1:]]


# -- the tests -----------------------------------------------------------------------------------


def test_a_mention_outside_our_posts_waits_is_answered_once_then_leaves(site: Site) -> None:
    tag = uuid.uuid4().hex[:8]
    sky = mention_brand(
        site.bluesky, "lea", f"Vélos Boréal : mon vélo est encore en panne, pourquoi ? {tag}"
    )
    masto = toot(site.mastodon, "noor", f"@velosboreal mon vélo est encore en panne {tag}")
    # Not a reader's words to the company: an employee's post, a blocked account's, a like of
    # a brand post that is no copy.
    mention_brand(site.bluesky, "camille", f"On s'en occupe ! {tag}")
    mention_brand(site.bluesky, "samuel", f"Pourriel {tag}")
    own = player(site.bluesky, "velosboreal").post(f"Nouvel atelier ouvert {tag}")
    player(site.bluesky, "noor").like(own)

    # A listening search finds Léa's post first: one mention, whichever way it was heard.
    (site.root / "listening.toml").write_text(
        f'[terms]\nus = ["Vélos Boréal"]\n\n[searches]\nbluesky = ["{tag}"]\n', encoding="utf-8"
    )
    site.bluesky.process()
    listened = io.StringIO()
    assert run_listen(site.settings, env=site.env, stdout=listened) == 0, listened.getvalue()
    assert listened.getvalue().startswith("Listening: 1 new mention (1 about us)")
    assert "Mentions elsewhere" in site.inbox()

    said = site.backfeed()
    assert "Bluesky: 1 new" in said and "Mastodon: 1 new" in said, said
    listed = site.waiting()
    assert [(i["network"], i["kind"], i["post"], i["heard"]) for i in listed] == [
        ("bluesky", "mention", "", True),
        ("mastodon", "mention", "", True),
    ]
    sky_id, masto_id = item_id("bluesky", sky), item_id("mastodon", masto)
    assert [i["id"] for i in listed] == [sky_id, masto_id]
    assert (listed[0]["question"], listed[0]["complaint"], listed[0]["first_time"]) == (
        True,
        ["panne"],
        True,
    )
    assert listed[1]["complaint"] == ["panne"]
    kept = [m for m in ListenStore(site.state).mentions() if tag in m.text]
    assert sorted((m.network, m.native_id, m.addressed) for m in kept) == [
        ("bluesky", sky, True),
        ("mastodon", masto, True),
    ]

    text = site.inbox()
    assert text.startswith("2 comments waiting for an answer, oldest first;")
    assert "Mentions elsewhere" not in text  # listed once, as a comment
    first, second = blocks(text)
    assert first[0].endswith(
        f"Bluesky  @{site.bluesky.account('lea').handle}  mentions us  "
        "[question, complaint (panne), first time]"
    )
    assert first[-1].strip() == f"ID {sky_id}"
    assert second[0].endswith("mentions us  [complaint (panne), first time]"), second
    assert "On s'en occupe" not in text and "Pourriel" not in text

    # Answered in its thread, from the brand's account, signed.
    for wanted in (sky_id, masto_id):
        code, out = site.reply(wanted, "Désolés ! On vous écrit en privé.")
        assert code == 0 and out.startswith("Answered on "), out
    [answer] = bluesky_answers(site.bluesky, sky)
    assert answer["value"]["text"] == "Désolés ! On vous écrit en privé. — Camille"
    assert answer["value"]["reply"]["root"]["uri"] == sky  # her post starts the thread
    assert len(mastodon_answers(site.mastodon, masto)) == 1
    assert site.waiting() == []

    site.backfeed()
    assert site.inbox() == "Nothing waits for an answer.\n"
    for wanted, network in ((sky_id, "Bluesky"), (masto_id, "Mastodon")):
        code, out = site.reply(wanted, "Encore un mot.")
        assert code == 2
        assert out.startswith(f"Nothing was posted: {wanted} was already answered on {network} (")
        assert out.count("\n") == 1
    assert len(bluesky_answers(site.bluesky, sky)) == 1
    assert len(mastodon_answers(site.mastodon, masto)) == 1


def test_a_quote_with_words_waits_until_answered_in_the_networks_app(site: Site) -> None:
    tag = uuid.uuid4().hex[:8]
    brand = player(site.bluesky, "velosboreal")
    own = brand.post(f"Le vélo cargo arrive en boutique {tag}")  # no copy of any blog post
    lea = player(site.bluesky, "lea")
    quote = lea.post(f"Est-ce qu'il existe en version longue ? {tag}", quote=own)
    player(site.bluesky, "noor").post("", quote=own)  # a quote without words is no comment

    site.backfeed()
    [item] = site.waiting()
    assert (item["id"], item["kind"], item["heard"], item["question"]) == (
        item_id("bluesky", quote["uri"]),
        "quote",
        True,
        True,
    )
    [block] = blocks(site.inbox())
    assert "  quotes us  [question, first time]" in block[0]

    # The brand answers in Bluesky's own app. The thread was read an instant ago, so the next
    # look is due in an hour (a copy's schedule); `invoke reply` asks the network meanwhile,
    # and `--full` looks at once.
    answer = brand.post("Oui, en 2,10 m.", reply_to=quote)
    site.backfeed()
    assert len(site.waiting()) == 1
    code, out = site.reply(item["id"], "Oui !")
    assert code == 2 and out.endswith("run invoke backfeed to bring that answer home.\n"), out
    site.backfeed(full=True)
    assert site.inbox() == "Nothing waits for an answer.\n"
    code, out = site.reply(item["id"], "Oui !")
    assert (code, out) == (
        2,
        f"Nothing was posted: {item['id']} was already answered on Bluesky by "
        f"@{site.bluesky.brand.handle} (https://bsky.app/profile/{site.bluesky.brand.handle}"
        f"/post/{answer['uri'].rsplit('/', 1)[1]}).\n",
    )
    assert len(bluesky_answers(site.bluesky, quote["uri"])) == 1
    every = site.inbox("--mentions")
    assert "Quote on Bluesky (Bluesky)" in every and "[question, answered]" in every
