"""The Bluesky adapter against the real local network (Bluesky's own PLC, PDS and AppView).

The brand publishes through the adapter; readers (``bluesky_players``, raw XRPC) answer, like,
repost, quote, delete, hide and opt out; ``process()`` lets the AppView index; the adapter reads
it all back.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from bluesky_players import Player, new_player
from PIL import Image

from sandbox.bluesky import BlueskyNetwork
from syndication.errors import AuthError, NotFound
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Post, utc_now
from syndication.networks.base import Draft, LinkCard, Published
from syndication.networks.bluesky import BlueskySettings
from syndication.networks.bluesky.client import BlueskyClient
from syndication.networks.bluesky.convert import MAX_THUMB_BYTES, new_tid

T = TypeVar("T")
TEXT = "Été à vélo : « bonne route » https://velosboreal.test/fr/ete/ #vélo merci @lea.test"


def settings(network: BlueskyNetwork, password: str = "") -> BlueskySettings:
    brand = network.brand
    return BlueskySettings(
        service=network.pds_url, handle=brand.handle, app_password=password or brand.app_password
    )


def run(
    network: BlueskyNetwork, job: Callable[[BlueskyClient], Awaitable[T]], password: str = ""
) -> T:
    """Run ``job`` with an adapter logged in as the brand."""

    async def main() -> T:
        async with httpx.AsyncClient(timeout=30) as http:
            client = BlueskyClient(
                settings(network, password), http, company_handles=["camille.test"]
            )
            return await job(client)

    return asyncio.run(main())


def draft(image: Path | None = None, text: str = TEXT) -> Draft:
    post = Post(
        key="ete.fr",
        slug="ete",
        lang="fr",
        title="Été à vélo",
        summary="Nos conseils.",
        url="https://velosboreal.test/fr/ete/",
        date=utc_now(),
        author="Camille Tremblay",
    )
    card = LinkCard(
        url=post.url,
        title=post.title,
        description=post.summary,
        image_path=str(image) if image else None,
    )
    return Draft("bluesky", post, text, 0, 300, False, card, "fr", "Camille Tremblay", "brand")


def big_image(folder: Path) -> Path:
    """A PNG over the 1,000,000-byte blob limit (noise does not compress)."""
    noise = random.Random(7).randbytes(900 * 700 * 3)
    path = folder / "large.png"
    Image.frombytes("RGB", (900, 700), noise).save(path, "PNG")
    assert path.stat().st_size > MAX_THUMB_BYTES
    return path


def as_copy(published: Published, key: str) -> Copy:
    return Copy(
        network="bluesky",
        status=CopyStatus.PUBLISHED,
        key=key,
        intent_at=published.published_at,
        id=published.id,
        url=published.url,
        published_at=published.published_at,
        account=published.account,
        extra=dict(published.extra),
    )


def ref(published: Published) -> dict[str, str]:
    return {"uri": published.id, "cid": published.extra["cid"]}


# -- publishing --------------------------------------------------------------------------------


def test_publish_once_with_facets_card_and_language(
    bluesky_network: BlueskyNetwork, players: dict[str, Player], tmp_path: Path
) -> None:
    key = new_tid(utc_now())
    image = big_image(tmp_path)

    async def job(client: BlueskyClient) -> tuple[Any, ...]:
        before = await client.find_published(key, draft(image))
        first = await client.publish(draft(image), key)
        again = await client.publish(draft(image), key)  # a retry after a crash
        after = await client.find_published(key, draft(image))
        return before, first, again, after

    before, first, again, after = run(bluesky_network, job)
    assert before is None
    assert first == again == after
    assert first.id == f"at://{bluesky_network.brand.did}/app.bsky.feed.post/{key}"
    assert first.url == f"https://bsky.app/profile/velosboreal.test/post/{key}"
    assert first.account == "velosboreal.test" and first.extra["cid"]

    brand = players["brand"]
    record = brand.record(first.id)["value"]
    assert record["text"] == TEXT and record["langs"] == ["fr"] and record["createdAt"]
    data = TEXT.encode("utf-8")
    shown = {
        f["features"][0]["$type"]: data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode()
        for f in record["facets"]
    }
    assert shown == {
        "app.bsky.richtext.facet#link": "https://velosboreal.test/fr/ete/",
        "app.bsky.richtext.facet#tag": "#vélo",
        "app.bsky.richtext.facet#mention": "@lea.test",
    }
    mention = next(f for f in record["facets"] if "mention" in f["features"][0]["$type"])
    assert mention["features"][0]["did"] == bluesky_network.account("lea").did
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        "https://velosboreal.test/fr/ete/",
        "Été à vélo",
        "Nos conseils.",
    )
    thumb = external["thumb"]
    assert thumb["mimeType"] == "image/jpeg" and 0 < thumb["size"] <= MAX_THUMB_BYTES
    # exactly one record: the repository holds one post with this text
    listed = brand.call(
        "GET",
        "com.atproto.repo.listRecords",
        params={"repo": brand.did, "collection": "app.bsky.feed.post", "limit": 100},
    )["records"]
    assert [r["uri"] for r in listed if r["value"]["text"] == TEXT] == [first.id]
    # the AppView shows the card with its picture served from the network
    bluesky_network.process()
    view = brand.call("GET", "app.bsky.feed.getPosts", params={"uris": [first.id]})["posts"][0]
    assert view["embed"]["external"]["thumb"].startswith("http")


def test_wrong_password_names_the_account_and_variable_only(
    bluesky_network: BlueskyNetwork,
) -> None:
    wrong = "not-the-password-1234"

    async def job(client: BlueskyClient) -> object:
        return await client.find_published(new_tid(utc_now()), draft())

    with pytest.raises(AuthError) as caught:
        run(bluesky_network, job, password=wrong)
    message = str(caught.value)
    assert "velosboreal.test" in message and "AGORA_BLUESKY_APP_PASSWORD" in message
    assert wrong not in message and bluesky_network.brand.app_password not in message


# -- reading -----------------------------------------------------------------------------------


@dataclass
class Scene:
    """A post of the brand and everything readers did with it."""

    copy: Copy
    first: dict[str, str]  # Léa, under the post
    second: dict[str, str]  # Samuel, under Léa
    third: dict[str, str]  # Léa, under Samuel
    hidden: dict[str, str]  # Samuel, hidden by the brand's threadgate
    discreet: dict[str, str]  # an author self-labelled !no-unauthenticated
    quote: dict[str, str]  # Noor quotes the post
    cursor: str  # the notifications cursor before any of this


@pytest.fixture(scope="module")
def scene(bluesky_network: BlueskyNetwork, players: dict[str, Player]) -> Scene:
    lea, samuel, noor, brand = players["lea"], players["samuel"], players["noor"], players["brand"]

    async def start(client: BlueskyClient) -> tuple[Published, str]:
        _, cursor = await client.notifications("")
        key = new_tid(utc_now())
        return await client.publish(draft(text="Qui roule cet hiver ? #vélo"), key), cursor

    bluesky_network.process()
    published, cursor = run(bluesky_network, start)
    bluesky_network.process()  # the root indexed first, so replies are known to answer it
    root = ref(published)
    first = lea.post("Moi ! <b>tous les jours</b>", reply_to=root)
    second = samuel.post("Avec des pneus à clous ?", reply_to=first, root=root)
    third = lea.post("Oui, depuis trois ans.", reply_to=second, root=root)
    hidden = samuel.post("Message à cacher", reply_to=root)
    discreet_author = new_player(bluesky_network.pds_url, "discrete")
    players["discreet"] = discreet_author
    discreet_author.opt_out_of_logged_out_view()
    discreet = discreet_author.post("Je préfère rester discrète", reply_to=root)
    lea.like(root)
    samuel.repost(root)
    quote = noor.post("À lire avant l'hiver", quote=root)
    brand.hide_replies(published.id, [hidden["uri"]])
    bluesky_network.process()
    return Scene(
        as_copy(published, published.id.rsplit("/", 1)[1]),
        first,
        second,
        third,
        hidden,
        discreet,
        quote,
        cursor,
    )


def conversation(network: BlueskyNetwork, copy: Copy) -> list[Interaction]:
    async def job(client: BlueskyClient) -> list[Interaction]:
        return await client.conversation(copy)

    return run(network, job)


def test_conversation_nests_replies_with_reactions(
    bluesky_network: BlueskyNetwork, scene: Scene
) -> None:
    items = conversation(bluesky_network, scene.copy)
    by_id = {i.id: i for i in items}
    replies = [i for i in items if i.kind is InteractionKind.REPLY]
    assert {i.id for i in replies} == {scene.first["uri"], scene.second["uri"], scene.third["uri"]}
    assert by_id[scene.first["uri"]].in_reply_to == scene.copy.id
    assert by_id[scene.second["uri"]].in_reply_to == scene.first["uri"]
    assert by_id[scene.third["uri"]].in_reply_to == scene.second["uri"]
    first = by_id[scene.first["uri"]]
    assert first.content_html == "Moi ! &lt;b&gt;tous les jours&lt;/b&gt;"
    assert first.author.name == "Léa Gagnon" and first.author.handle == "@lea.test"
    assert first.author.id == bluesky_network.account("lea").did
    assert first.url == f"https://bsky.app/profile/lea.test/post/{first.id.rsplit('/', 1)[1]}"
    assert first.lang == "fr" and not first.by_company
    reactions = sorted(
        (i.kind.value, i.author.handle) for i in items if i.kind is not InteractionKind.REPLY
    )
    assert reactions == [("like", "@lea.test"), ("quote", "@noor.test"), ("repost", "@samuel.test")]
    quote = next(i for i in items if i.kind is InteractionKind.QUOTE)
    assert quote.id == scene.quote["uri"] and quote.in_reply_to == scene.copy.id


def test_hidden_and_opted_out_replies_are_left_out(
    bluesky_network: BlueskyNetwork, scene: Scene, players: dict[str, Player]
) -> None:
    # the AppView does return both: leaving them out is the adapter's doing
    thread = players["brand"].call(
        "GET", "app.bsky.feed.getPostThread", params={"uri": scene.copy.id}
    )
    returned = {r["post"]["uri"] for r in thread["thread"]["replies"]}
    assert {scene.hidden["uri"], scene.discreet["uri"]} <= returned
    ids = {i.id for i in conversation(bluesky_network, scene.copy)}
    assert scene.hidden["uri"] not in ids and scene.discreet["uri"] not in ids


def test_notifications_from_a_cursor_return_only_new_activity(
    bluesky_network: BlueskyNetwork, scene: Scene, players: dict[str, Player]
) -> None:
    async def job(client: BlueskyClient) -> Any:
        return await client.notifications(scene.cursor)

    activities, cursor = run(bluesky_network, job)
    # the oracle: what the AppView itself lists for the brand (it does not notify every reply
    # of a thread, nor a reply hidden by the threadgate, which is why threads are refreshed too)
    listed = players["brand"].call(
        "GET", "app.bsky.notification.listNotifications", params={"limit": 100}
    )["notifications"]
    expected = {
        (n["reason"], n["uri"])
        for n in listed
        if n["indexedAt"] > scene.cursor
        and n["author"]["did"] != players["discreet"].did
        and n["reason"] in ("reply", "quote", "mention")
    }
    assert {
        (a.kind.value, a.item_id) for a in activities if a.kind.value in ("reply", "quote")
    } == expected
    mine = [a for a in activities if a.root_id == scene.copy.id or a.subject_id == scene.copy.id]
    assert {"like", "quote", "reply", "repost"} <= {a.kind.value for a in mine}
    assert all(a.item_id != scene.discreet["uri"] for a in activities)
    assert all(a.item.author.handle != players["discreet"].handle for a in activities if a.item)
    replies = [a for a in mine if a.kind is InteractionKind.REPLY]
    assert all(a.item and a.item.in_reply_to == a.subject_id for a in replies)
    assert cursor > scene.cursor

    players["samuel"].like(ref_of(scene.copy))
    bluesky_network.process()

    async def later(client: BlueskyClient) -> Any:
        return await client.notifications(cursor)

    newer, last = run(bluesky_network, later)
    assert [(a.kind, a.item.author.handle if a.item else "") for a in newer] == [
        (InteractionKind.LIKE, "@samuel.test")
    ]
    nothing, same = run(bluesky_network, lambda client: client.notifications(last))
    assert nothing == [] and same == last


def ref_of(copy: Copy) -> dict[str, str]:
    return {"uri": copy.id, "cid": copy.extra["cid"]}


def test_the_company_answers_in_the_thread_once(
    bluesky_network: BlueskyNetwork, scene: Scene
) -> None:
    items = conversation(bluesky_network, scene.copy)
    parent = next(i for i in items if i.id == scene.third["uri"])
    key = new_tid(utc_now())

    async def job(client: BlueskyClient) -> tuple[Any, ...]:
        before = await client.find_reply(key, parent, "Merci Léa !")
        answer = await client.reply(parent, scene.copy, "Merci @lea.test ! #vélo", key)
        again = await client.reply(parent, scene.copy, "Merci @lea.test ! #vélo", key)
        found = await client.find_reply(key, parent, "Merci Léa !")
        return before, answer, again, found

    before, answer, again, found = run(bluesky_network, job)
    assert before is None and answer == again == found
    bluesky_network.process()
    after = {i.id: i for i in conversation(bluesky_network, scene.copy)}
    mine = after[answer.id]
    assert mine.by_company and mine.in_reply_to == scene.third["uri"]
    assert mine.lang == "fr"
    assert '<a href="https://bsky.app/profile/' in mine.content_html
    assert sum(1 for i in after.values() if i.by_company) == 1


def test_a_deleted_reply_disappears_and_a_deleted_copy_is_not_found(
    bluesky_network: BlueskyNetwork, players: dict[str, Player]
) -> None:
    lea, samuel, brand = players["lea"], players["samuel"], players["brand"]
    published = run(
        bluesky_network, lambda c: c.publish(draft(text="Un autre billet"), new_tid(utc_now()))
    )
    copy = as_copy(published, published.id.rsplit("/", 1)[1])
    gone = lea.post("Je vais effacer ceci", reply_to=ref(published))
    kept = samuel.post("Je reste", reply_to=ref(published))
    bluesky_network.process()
    assert {i.id for i in conversation(bluesky_network, copy)} == {gone["uri"], kept["uri"]}
    lea.delete(gone["uri"])
    bluesky_network.process()
    assert {i.id for i in conversation(bluesky_network, copy)} == {kept["uri"]}
    brand.delete(published.id)
    bluesky_network.process()
    with pytest.raises(NotFound) as caught:
        conversation(bluesky_network, copy)
    assert published.url in str(caught.value)
