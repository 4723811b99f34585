"""`invoke backfeed` end to end: the real local Bluesky network and Mastodon peer, then the site.

The brand publishes one post on both networks through the adapters and the copies are recorded
in the state folder of the fixture blog; readers answer (three levels deep), like, repost
and quote with their own clients (raw XRPC, raw REST), and others do what must never reach the
site: a reply hidden by the brand's threadgate, a reply by someone who opted out of logged-out
visibility, followers-only and direct replies. ``backfeed_cli.run`` brings it home; the site is
built from that state. The tests run in file order on one scene: the quiet second run, the page,
then deletions and edits on the networks.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from backfeed_support import (
    backfeed,
    mastodon_account,
    publish_copies,
    the_post,
    workspace_with_settings,
)
from bluesky_players import Player, new_player
from bs4 import BeautifulSoup, Tag
from mastodon_support import Account
from PIL import Image
from site_build import COMPANY, SITEURL, WINTER, build
from syndicate_support import peers_env, tree_digest

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from syndication.model import Copy, InteractionKind, PostState
from syndication.store.state import StateStore

pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]

POST = f"{WINTER.slug}.fr"  # a post of the fixture blog with no state of its own
PAGE = f"{WINTER.slug}/index.html"


@dataclass
class Scene:
    """The workspace, what everyone did, and what the first backfeed said."""

    network: BlueskyNetwork
    workspace: Path
    settings: Path
    env: dict[str, str]
    store: StateStore
    copies: dict[str, Copy]
    bsky: dict[str, dict[str, str]]  # name -> strong ref of a Bluesky post
    masto: dict[str, dict[str, str]]  # name -> Mastodon status
    players: dict[str, Player]
    accounts: dict[str, Account]
    code: int
    report: str
    requests: list[httpx.Request]  # what the first backfeed sent


@pytest.fixture(scope="module")
def scene(
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Scene]:
    workspace = tmp_path_factory.mktemp("backfeed-site")
    settings = workspace_with_settings(workspace)
    env = peers_env(bluesky_network, mastodon_server)
    store = StateStore(workspace / "content" / "state")
    post = the_post(WINTER.slug, "fr", WINTER.title)
    copies = publish_copies(env, post, store)
    bluesky_network.process()  # the root indexed first, so replies are known to answer it

    pds = bluesky_network.pds_url
    players = {
        name: Player(pds, f"{name}.test", bluesky_network.account(name).app_password)
        for name in ("lea", "samuel", "noor", "camille")
    }
    players["brand"] = Player(pds, bluesky_network.brand.handle, bluesky_network.brand.app_password)
    players["discreet"] = new_player(pds, "discrete")
    players["discreet"].opt_out_of_logged_out_view()
    root = {"uri": copies["bluesky"].id, "cid": copies["bluesky"].extra["cid"]}
    lea, samuel, noor = players["lea"], players["samuel"], players["noor"]
    bsky: dict[str, dict[str, str]] = {"root": root}
    bsky["first"] = lea.post("Le sel mange tout, même les rayons.", reply_to=root)
    bsky["second"] = samuel.post(
        "Tu rinces après chaque sortie ?", reply_to=bsky["first"], root=root
    )
    bsky["third"] = lea.post("Oui, à l'eau tiède.", reply_to=bsky["second"], root=root)
    bsky["company"] = players["camille"].post(
        "Bonne idée, Léa : séchez bien la chaîne ensuite.", reply_to=bsky["first"], root=root
    )
    bsky["doomed"] = noor.post("Je vais effacer ce message.", reply_to=root)
    bsky["hidden"] = samuel.post("Message que la marque cache", reply_to=root)
    bsky["discreet"] = players["discreet"].post("Je reste discrète", reply_to=root)
    players["zoe"] = with_avatar(new_player(pds, "zoe"), "Zoé")
    lea.like(root)
    players["zoe"].like(root)
    samuel.repost(root)
    bsky["quote"] = noor.post("À lire avant la première neige", quote=root)
    players["brand"].hide_replies(root["uri"], [bsky["hidden"]["uri"]])
    bluesky_network.process()

    with httpx.Client(base_url=mastodon_server.base_url, timeout=30) as http:
        accounts = {
            name: mastodon_account(mastodon_server, http, name)
            for name in ("lea", "samuel", "noor", "camille", "velosboreal")
        }
        root_id = copies["mastodon"].id
        ana, sam, noo = accounts["lea"], accounts["samuel"], accounts["noor"]
        masto: dict[str, dict[str, str]] = {}
        masto["first"] = ana.post(
            "@velosboreal Et pour les freins à disque ?", in_reply_to_id=root_id
        )
        masto["second"] = sam.post("Pareil, on rince ?", in_reply_to_id=masto["first"]["id"])
        masto["third"] = ana.post("Je demande à l'atelier.", in_reply_to_id=masto["second"]["id"])
        masto["company"] = accounts["velosboreal"].post(
            "@lea Oui, un chiffon humide suffit.", in_reply_to_id=masto["first"]["id"]
        )
        masto["employee"] = accounts["camille"].post(
            "@lea Passez nous voir, c'est gratuit.", in_reply_to_id=masto["third"]["id"]
        )
        masto["doomed"] = noo.post("@velosboreal Message à effacer", in_reply_to_id=root_id)
        masto["private"] = noo.post(
            "@velosboreal Pour les abonnés", in_reply_to_id=root_id, visibility="private"
        )
        masto["direct"] = noo.post(
            "@velosboreal En privé", in_reply_to_id=masto["first"]["id"], visibility="direct"
        )
        sam.call("POST", f"/api/v1/statuses/{root_id}/favourite")
        noo.call("POST", f"/api/v1/statuses/{root_id}/favourite")
        noo.call("POST", f"/api/v1/statuses/{root_id}/reblog")
        masto["quote"] = sam.post("Excellent rappel", quoted_status_id=root_id)

        code, report, recorder = backfeed(settings, env)
        yield Scene(
            bluesky_network,
            workspace,
            settings,
            env,
            store,
            copies,
            bsky,
            masto,
            players,
            accounts,
            code,
            report,
            recorder.requests,
        )


def with_avatar(player: Player, name: str) -> Player:
    """``player`` with a display name and a real photo as avatar (a PNG blob on the PDS)."""
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 60, 40)).save(out, format="PNG")
    uploaded = httpx.post(
        f"{player.pds_url}/xrpc/com.atproto.repo.uploadBlob",
        content=out.getvalue(),
        headers={**player._headers(), "Content-Type": "image/png"},
        timeout=30,
    )
    uploaded.raise_for_status()
    profile = {"$type": "app.bsky.actor.profile", "displayName": name}
    player.call(
        "POST",
        "com.atproto.repo.putRecord",
        json={
            "repo": player.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": profile | {"avatar": uploaded.json()["blob"]},
        },
    )
    return player


def tally(report: str, label: str) -> dict[str, int]:
    """The figures of one network's summary line (``Bluesky: 3 new, 0 changed, ...``)."""
    line = next(line for line in report.splitlines() if line.startswith(f"{label}: "))
    figures = (part.split(" ", 1) for part in line.removeprefix(f"{label}: ").split(", "))
    return {name: int(number) for number, name in figures}


def by_id(state: PostState, network: str) -> dict[str, object]:
    """The post's stored interactions on ``network``, by their id on the network."""
    return {i.id: i for i in state.interactions.values() if i.network == network}


def test_first_backfeed_stores_the_public_conversation_of_both_networks(scene: Scene) -> None:
    assert scene.code == 0, scene.report
    state = scene.store.load(POST)
    items = list(state.interactions.values())
    sky = {i.id: i for i in items if i.network == "bluesky"}
    b = scene.bsky
    assert sky[b["first"]["uri"]].in_reply_to == b["root"]["uri"]
    assert sky[b["second"]["uri"]].in_reply_to == b["first"]["uri"]
    assert sky[b["third"]["uri"]].in_reply_to == b["second"]["uri"]
    assert sky[b["company"]["uri"]].by_company and not sky[b["first"]["uri"]].by_company
    assert sky[b["first"]["uri"]].author.name == "Léa Gagnon"
    assert b["hidden"]["uri"] not in sky and b["discreet"]["uri"] not in sky
    assert sky[b["quote"]["uri"]].kind is InteractionKind.QUOTE
    reactions = sorted((i.kind.value, i.author.handle) for i in sky.values() if not i.content_html)
    zoe = f"@{scene.players['zoe'].handle}"
    assert reactions == [("like", "@lea.test"), ("like", zoe), ("repost", "@samuel.test")]

    masto = {i.id: i for i in items if i.network == "mastodon"}
    m = scene.masto
    root_id = scene.copies["mastodon"].id
    assert masto[m["first"]["id"]].in_reply_to == root_id
    assert masto[m["second"]["id"]].in_reply_to == m["first"]["id"]
    assert masto[m["third"]["id"]].in_reply_to == m["second"]["id"]
    assert masto[m["company"]["id"]].by_company and masto[m["employee"]["id"]].by_company
    assert m["private"]["id"] not in masto and m["direct"]["id"] not in masto
    assert "Pour les abonnés" not in scene.store.path_for(POST).read_text(encoding="utf-8")
    assert "En privé" not in scene.store.path_for(POST).read_text(encoding="utf-8")
    kinds = sorted(i.kind.value for i in masto.values())
    assert kinds == [
        "like",
        "like",
        "quote",
        "reply",
        "reply",
        "reply",
        "reply",
        "reply",
        "reply",
        "repost",
    ]
    assert set(state.refreshed_at) == {"bluesky", "mastodon"}
    # Zoé's avatar is copied into the site's content (people without one get the placeholder)
    face = next(i.author for i in sky.values() if i.author.id == scene.players["zoe"].did)
    assert face.avatar_url.startswith(scene.network.appview_url)
    assert face.avatar.startswith("avatars/") and face.avatar.endswith(".webp")
    assert (scene.workspace / "content" / face.avatar).is_file()
    assert not sky[b["first"]["uri"]].author.avatar
    # the summary names each network with what it brought
    # (a notification may bring an item that the thread then shows is hidden: new, then removed)
    bluesky, mastodon = tally(scene.report, "Bluesky"), tally(scene.report, "Mastodon")
    assert (bluesky["new"] - bluesky["removed"], bluesky["threads refreshed"]) == (9, 1)
    assert (mastodon["new"] - mastodon["removed"], mastodon["threads refreshed"]) == (10, 1)
    # Mastodon's first run pages back through the likes and boosts only (two likes and a boost
    # here): it reads every thread, which holds the replies.
    assert bluesky["notifications"] >= 5 and mastodon["notifications"] == 3
    assert scene.env["AGORA_MASTODON_ACCESS_TOKEN"] not in scene.report


def test_the_first_backfeed_reads_counts_in_batches_and_threads_logged_out(
    scene: Scene,
) -> None:
    sent = [
        (r.url.netloc.decode(), r.url.path, r.headers.get("authorization")) for r in scene.requests
    ]
    appview = httpx.URL(scene.network.appview_url).netloc.decode()
    # Bluesky: the copy's counts (getPosts), then its thread, both from the AppView, logged out
    bluesky_reads = [(host, auth) for host, path, auth in sent if "app.bsky.feed.get" in path]
    assert {path for _, path, _ in sent if "app.bsky.feed.get" in path} >= {
        "/xrpc/app.bsky.feed.getPosts",
        "/xrpc/app.bsky.feed.getPostThread",
    }
    assert bluesky_reads and all(host == appview and auth is None for host, auth in bluesky_reads)
    # Mastodon: the counts of the copies in one request before the lists
    paths = [path for _, path, _ in sent]
    assert paths.count("/api/v1/statuses") == 1
    assert paths.index("/api/v1/statuses") < paths.index(
        f"/api/v1/statuses/{scene.copies['mastodon'].id}/context"
    )


def test_a_second_backfeed_with_nothing_new_changes_no_file_and_asks_little(
    scene: Scene,
) -> None:
    before = tree_digest(scene.workspace / "content")
    code, report, recorder = backfeed(scene.settings, scene.env)
    assert code == 0, report
    assert tree_digest(scene.workspace / "content") == before
    assert "Bluesky: 0 new, 0 changed, 0 removed, 0 threads refreshed, 0 notifications" in report
    assert "Mastodon: 0 new, 0 changed, 0 removed, 0 threads refreshed, 0 notifications" in report
    # only the notification streams (and Bluesky's login): no thread is read again
    assert sorted(r.url.path for r in recorder.requests) == [
        "/api/v1/notifications",
        "/xrpc/app.bsky.notification.listNotifications",
        "/xrpc/com.atproto.server.createSession",
    ]


def reply_of(soup: BeautifulSoup, text: str) -> Tag:
    """The ``u-comment`` article whose content holds ``text``."""
    found = [a for a in soup.select("article.u-comment") if text in a.get_text()]
    assert len(found) == 1, f"{text!r} is shown {len(found)} times"
    return found[0]


def parent_reply(article: Tag) -> str:
    """The text of the reply this one is nested under ('' at the top of the thread)."""
    holder = article.find_parent("li")
    outer = holder.find_parent("li") if holder else None
    above = outer.find("article", class_="u-comment") if outer else None
    content = above.select_one(".p-content") if isinstance(above, Tag) else None
    return content.get_text(" ", strip=True) if content else ""


def test_the_page_built_from_the_state_shows_the_threads_and_reactions_in_french(
    scene: Scene,
) -> None:
    output = scene.workspace / "output"
    build(scene.workspace, output)
    soup = BeautifulSoup((output / PAGE).read_text(encoding="utf-8"), "html.parser")
    assert soup.html is not None and soup.html["lang"] == "fr"
    comments = soup.select("article.u-comment.h-cite")
    assert len(comments) == 13  # 5 replies on Bluesky, 6 on Mastodon, a quote on each
    third = reply_of(soup, "Oui, à l'eau tiède.")
    assert parent_reply(third) == "Tu rinces après chaque sortie ?"
    assert parent_reply(reply_of(soup, "Tu rinces après chaque sortie ?")) == (
        "Le sel mange tout, même les rayons."
    )
    assert parent_reply(reply_of(soup, "Le sel mange tout, même les rayons.")) == ""
    assert parent_reply(reply_of(soup, "Je demande à l'atelier.")).startswith("Pareil")
    company = reply_of(soup, "séchez bien la chaîne")
    assert "company" in company["class"] and company.select_one(".badge")
    badge = company.select_one(".badge")
    assert badge is not None and badge.get_text(strip=True) == f"Réponse de {COMPANY}"
    assert "company" not in reply_of(soup, "Oui, à l'eau tiède.")["class"]
    reactions = [li.get_text(" ", strip=True) for li in soup.select(".reactions > li")]
    assert reactions == [
        "2 mentions J'aime sur Bluesky",
        "2 mentions J'aime sur Mastodon",
        "1 partage sur Bluesky",
        "1 partage sur Mastodon",
    ]
    page = str(soup)
    for never in (
        "Message que la marque cache",
        "Je reste discrète",
        "Pour les abonnés",
        "En privé",
    ):
        assert never not in page
    # faces and avatars come from the site itself, never from the networks
    sources = [urljoin(SITEURL + "/", str(img["src"])) for img in soup.select(".conversation img")]
    assert sources and all(src.startswith(SITEURL + "/") for src in sources)
    faces = {
        str(img["alt"]): urljoin(SITEURL + "/", str(img["src"]))
        for img in soup.select(".reactions img")
    }
    zoe = next(
        i.author for i in scene.store.load(POST).interactions.values() if i.author.name == "Zoé"
    )
    assert faces["Zoé"] == f"{SITEURL}/{zoe.avatar}" and (output / zoe.avatar).is_file()


def test_deletions_and_edits_on_the_networks_reach_the_state_at_the_next_full_backfeed(
    scene: Scene,
) -> None:
    scene.players["noor"].delete(scene.bsky["doomed"]["uri"])
    scene.network.process()
    noor, lea = scene.accounts["noor"], scene.accounts["lea"]
    noor.call("DELETE", f"/api/v1/statuses/{scene.masto['doomed']['id']}")
    edited = "@velosboreal Et pour les freins à disque hydrauliques ?"
    lea.call("PUT", f"/api/v1/statuses/{scene.masto['first']['id']}", json={"status": edited})

    code, report, _ = backfeed(scene.settings, scene.env, full=True)
    assert code == 0, report
    state = scene.store.load(POST)
    sky, masto = by_id(state, "bluesky"), by_id(state, "mastodon")
    assert scene.bsky["doomed"]["uri"] not in sky and scene.masto["doomed"]["id"] not in masto
    first = state.interactions[f"mastodon:{scene.masto['first']['id']}"]
    assert "hydrauliques" in first.content_html and first.updated_at is not None
    assert scene.bsky["third"]["uri"] in sky and scene.masto["third"]["id"] in masto
    assert "Backfeed (every thread refreshed)" in report
    assert "Bluesky: 0 new, 0 changed, 1 removed, 1 threads refreshed" in report
    assert "Mastodon: 0 new, 1 changed, 1 removed, 1 threads refreshed" in report
