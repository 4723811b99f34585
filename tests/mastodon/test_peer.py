"""The Mastodon adapter's flows and errors against the local Mastodon peer (mastodon-mock).

Every request the adapter sends is recorded and checked against the Mastodon OpenAPI
description when each test ends (the ``recorder`` fixture).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import pytest
from mastodon_support import POST_URL, Account, Peer, Recorder, draft

from syndication.errors import AuthError, NotFound, RateLimited
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Person
from syndication.networks.base import RetryPolicy
from syndication.networks.mastodon import MastodonSettings
from syndication.networks.mastodon.client import MastodonClient

T = TypeVar("T")


def run(
    recorder: Recorder,
    peer: Peer,
    me: Account,
    job: Callable[[MastodonClient], Awaitable[T]],
    *,
    token: str = "",
    sleeps: list[float] | None = None,
    variable: str = "",
) -> T:
    """Run ``job`` with an adapter logged in as ``me`` on the peer."""

    async def fake_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def go() -> T:
        settings = MastodonSettings(
            base_url=peer.base_url,
            access_token=token or me.token,
            **({"token_variable": variable} if variable else {}),
        )
        async with httpx.AsyncClient(transport=recorder, timeout=10) as client:
            adapter = MastodonClient(
                settings,
                client,
                company_accounts=[me.username],
                policy=RetryPolicy(attempts=3, base_delay=0.01),
                sleep=fake_sleep,
            )
            return await job(adapter)

    return asyncio.run(go())


def copy_of(status: dict[str, object]) -> Copy:
    return Copy(
        network="mastodon",
        status=CopyStatus.PUBLISHED,
        key="k",
        intent_at=datetime.now(UTC),
        id=str(status["id"]),
        url=str(status["url"]),
        published_at=datetime.fromisoformat(str(status["created_at"]).replace("Z", "+00:00")),
    )


# -- publishing -------------------------------------------------------------------------------


def test_publish_once_then_reconcile(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    text = f"Le vélo en hiver {POST_URL} #velo"

    async def job(adapter: MastodonClient) -> None:
        limits = await adapter.text_limits()
        assert (limits.max_characters, limits.url_weight) == (500, 23)
        await adapter.text_limits()  # cached: one request only
        assert await adapter.find_published("key-1", draft(text)) is None
        first = await adapter.publish(draft(text), "key-1")
        again = await adapter.publish(draft(text), "key-1")  # a retry after a lost answer
        assert again.id == first.id
        found = await adapter.find_published("key-1", draft(text))
        assert found is not None and found.id == first.id and found.url == first.url
        other = draft(
            "Autre billet https://blog.example.com/fr/autre/", "https://blog.example.com/fr/autre/"
        )
        assert await adapter.find_published("key-2", other) is None

    run(recorder, peer, brand, job)
    statuses = brand.call("GET", f"/api/v1/accounts/{brand.id}/statuses")
    assert [s["visibility"] for s in statuses] == ["public"]  # exactly one copy, public
    assert statuses[0]["language"] == "fr"
    assert recorder.calls().count("GET /api/v2/instance") == 1
    posts = [r for r in recorder.requests if r.method == "POST"]
    assert {r.headers["idempotency-key"] for r in posts} == {"key-1"}


def test_answer_a_reader_once_and_find_the_answer(peer: Peer, recorder: Recorder) -> None:
    brand, reader = peer.person("brand"), peer.person("reader")
    root = brand.post(f"Billet {POST_URL}", visibility="public")
    question = reader.post(f"@{brand.username} On roule sur la neige ?", in_reply_to_id=root["id"])
    parent = Interaction(
        network="mastodon",
        kind=InteractionKind.REPLY,
        id=question["id"],
        author=Person(network="mastodon", id=reader.id, handle=reader.username),
        published_at=datetime.now(UTC),
    )

    async def job(adapter: MastodonClient) -> None:
        assert await adapter.find_reply("r-1", parent, "Oui, avec des pneus cloutés.") is None
        answer = await adapter.reply(parent, copy_of(root), "Oui, avec des pneus cloutés.", "r-1")
        found = await adapter.find_reply("r-1", parent, "Oui, avec des pneus cloutés.")
        assert found is not None and found.id == answer.id

    run(recorder, peer, brand, job)
    [answer] = [
        s for s in brand.call("GET", f"/api/v1/accounts/{brand.id}/statuses") if s["in_reply_to_id"]
    ]
    assert answer["in_reply_to_id"] == question["id"]
    assert answer["visibility"] == "public"
    assert f"@{reader.username}" in answer["content"]  # the reader is notified
    mentions = reader.call("GET", "/api/v1/notifications", params={"types[]": "mention"})
    assert answer["id"] in [n["status"]["id"] for n in mentions]


# -- reading ----------------------------------------------------------------------------------


def test_conversation_is_public_nested_and_complete(peer: Peer, recorder: Recorder) -> None:
    brand, ana, bob, eve = (
        peer.person("brand"),
        peer.person("ana"),
        peer.person("bob"),
        peer.person("eve"),
    )
    root = brand.post(f"Billet {POST_URL}", visibility="public")
    hello = ana.post(
        f"@{brand.username} Super billet", in_reply_to_id=root["id"], visibility="public"
    )
    quiet = bob.post(
        f"@{brand.username} entre nous", in_reply_to_id=root["id"], visibility="unlisted"
    )
    private = eve.post(
        f"@{brand.username} abonnés seulement", in_reply_to_id=root["id"], visibility="private"
    )
    direct = eve.post(
        f"@{brand.username} message direct", in_reply_to_id=hello["id"], visibility="direct"
    )
    answer = brand.post(f"@{ana.username} Merci !", in_reply_to_id=hello["id"], visibility="public")
    under_private = ana.post("et alors ?", in_reply_to_id=private["id"], visibility="public")
    ana.call(
        "PUT",
        f"/api/v1/statuses/{hello['id']}",
        json={"status": f"@{brand.username} Super billet !"},
    )
    ana.call("POST", f"/api/v1/statuses/{root['id']}/favourite")
    bob.call("POST", f"/api/v1/statuses/{root['id']}/favourite")
    bob.call("POST", f"/api/v1/statuses/{root['id']}/reblog")
    quote = eve.post("À lire", quoted_status_id=root["id"], visibility="public")

    items = run(recorder, peer, brand, lambda adapter: adapter.conversation(copy_of(root)))

    by_id = {item.id: item for item in items}
    for hidden in (private, direct, under_private):
        assert hidden["id"] not in by_id  # never kept, nor what hangs under it
    assert by_id[hello["id"]].in_reply_to == root["id"]
    assert by_id[hello["id"]].updated_at is not None  # edited on the network
    assert "Super billet !" in by_id[hello["id"]].content_html
    assert by_id[quiet["id"]].kind is InteractionKind.REPLY
    assert by_id[answer["id"]].in_reply_to == hello["id"]
    assert by_id[answer["id"]].by_company and not by_id[hello["id"]].by_company
    likes = sorted(i.author.handle.split("@")[0] for i in items if i.kind is InteractionKind.LIKE)
    assert likes == sorted([ana.username, bob.username])
    assert [i.author.name for i in items if i.kind is InteractionKind.REPOST] == ["Bob"]
    assert [i.id for i in items if i.kind is InteractionKind.QUOTE] == [quote["id"]]
    assert by_id[hello["id"]].author.avatar_url.startswith("http")


def test_the_peer_counts_accepted_quotes_as_mastodon_does(peer: Peer) -> None:
    # mastodon-mock leaves quotes_count out; the sandbox adds it (sandbox/mastodon_edge.py).
    brand, ana, eve = peer.person("brand"), peer.person("ana"), peer.person("eve")
    quoted, quiet = brand.post(f"Billet {POST_URL}"), brand.post("Rien à citer")
    ana.post("À lire", quoted_status_id=quoted["id"])
    revoked = eve.post("Moi aussi", quoted_status_id=quoted["id"])
    brand.call("POST", f"/api/v1/statuses/{quoted['id']}/quotes/{revoked['id']}/revoke")

    batch = brand.call("GET", "/api/v1/statuses", params={"id[]": [quoted["id"], quiet["id"]]})
    one = brand.call("GET", f"/api/v1/statuses/{quoted['id']}")
    context = brand.call("GET", f"/api/v1/statuses/{revoked['id']}/context")

    assert [(s["id"], s["quotes_count"]) for s in batch] == [(quoted["id"], 1), (quiet["id"], 0)]
    assert one["quotes_count"] == 1  # the revoked quote does not count
    assert all(isinstance(s["quotes_count"], int) for s in context["ancestors"])


def test_a_deleted_copy_is_not_found(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    root = brand.post(f"Billet {POST_URL}")
    brand.call("DELETE", f"/api/v1/statuses/{root['id']}")
    with pytest.raises(NotFound, match="no longer exists"):
        run(recorder, peer, brand, lambda adapter: adapter.conversation(copy_of(root)))


def test_notifications_from_a_cursor(peer: Peer, recorder: Recorder) -> None:
    brand, ana, eve = peer.person("brand"), peer.person("ana"), peer.person("eve")
    root = brand.post(f"Billet {POST_URL}")
    ana.call("POST", f"/api/v1/statuses/{root['id']}/favourite")
    ana.call("POST", f"/api/v1/statuses/{root['id']}/reblog")
    hello = ana.post(f"@{brand.username} Bravo", in_reply_to_id=root["id"])

    # A first run reads every thread: it pages back through the likes and boosts only...
    first, cursor = run(recorder, peer, brand, lambda adapter: adapter.notifications(""))
    assert [(a.kind, a.subject_id) for a in first] == [
        (InteractionKind.LIKE, root["id"]),
        (InteractionKind.REPOST, root["id"]),
    ]  # oldest first
    # ... and starts the next run after the newest notification of any type, the mention.
    nothing, same = run(recorder, peer, brand, lambda adapter: adapter.notifications(cursor))
    assert (nothing, same) == ([], cursor)

    eve.post(f"@{brand.username} privé", in_reply_to_id=root["id"], visibility="private")
    eve.post(f"@{brand.username} direct", in_reply_to_id=root["id"], visibility="direct")
    later = ana.post(f"@{brand.username} Encore", in_reply_to_id=hello["id"])
    fresh, newer = run(recorder, peer, brand, lambda adapter: adapter.notifications(cursor))
    # The private and the direct reply never appear.
    assert [(a.item_id, a.subject_id) for a in fresh] == [(later["id"], hello["id"])]
    assert fresh[0].item is not None and "Encore" in fresh[0].item.content_html
    assert newer != cursor
    queries = [r.url.params for r in recorder.requests if r.url.path == "/api/v1/notifications"]
    everything = ["mention", "favourite", "reblog", "quote"]
    first_run = sorted((q.get_list("types[]"), q.get("limit")) for q in queries[:2])
    assert first_run == sorted([(everything, "1"), (["favourite", "reblog"], "80")])
    assert queries[-1]["since_id"] == cursor
    assert queries[-1].get_list("types[]") == everything


def test_first_run_pages_back_through_reactions_only(peer: Peer, recorder: Recorder) -> None:
    brand, ana = peer.person("brand"), peer.person("ana")
    liked = []
    for index in range(45):  # more than a page: the peer gives 40 at most
        status = brand.post(f"Billet {index} {POST_URL}")
        ana.call("POST", f"/api/v1/statuses/{status['id']}/favourite")
        if index % 5 == 0:
            ana.post(f"@{brand.username} Question {index}", in_reply_to_id=status["id"])
        liked.append(status["id"])

    first, _ = run(recorder, peer, brand, lambda adapter: adapter.notifications(""))

    assert [(a.kind, a.subject_id) for a in first] == [(InteractionKind.LIKE, i) for i in liked]
    pages = [
        r.url.params
        for r in recorder.requests
        if r.url.path == "/api/v1/notifications" and r.url.params.get("limit") != "1"
    ]
    # The peer's Link header drops types[]; the next page still asks for the reactions only.
    assert len(pages) == 2 and "max_id" in pages[1]
    assert all(p.get_list("types[]") == ["favourite", "reblog"] for p in pages)


# -- errors -----------------------------------------------------------------------------------


def test_refused_token_is_one_sentence_without_the_token(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    token = "not-a-valid-token-5f1c"
    with pytest.raises(AuthError) as caught:
        run(
            recorder,
            peer,
            brand,
            lambda adapter: adapter.publish(draft(f"Billet {POST_URL}"), "k"),
            token=token,
            variable="AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY",
        )
    message = str(caught.value)
    assert token not in message
    assert "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY" in message
    host = peer.base_url.split("//")[1]
    assert message.startswith(f"Mastodon at {host} refused the credentials")
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


def test_rate_limit_honours_a_short_retry_after(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    peer.fault("/api/v1/statuses", {"type": "ratelimit", "headers": {"Retry-After": "2"}})
    sleeps: list[float] = []
    published = run(
        recorder,
        peer,
        brand,
        lambda adapter: adapter.publish(draft(f"Billet {POST_URL}"), "k-429"),
        sleeps=sleeps,
    )
    assert sleeps == [2.0]
    assert len(brand.call("GET", f"/api/v1/accounts/{brand.id}/statuses")) == 1
    assert published.id


def test_rate_limit_too_long_leaves_it_for_later(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    peer.fault("/api/v1/statuses", {"type": "ratelimit"})  # Retry-After: 300
    with pytest.raises(RateLimited) as caught:
        run(recorder, peer, brand, lambda adapter: adapter.publish(draft(f"B {POST_URL}"), "k"))
    assert caught.value.retry_after == 300
    assert "stays pending" in str(caught.value)
    assert brand.call("GET", f"/api/v1/accounts/{brand.id}/statuses") == []


def test_a_server_error_then_success_posts_once(peer: Peer, recorder: Recorder) -> None:
    brand = peer.person("brand")
    peer.fault("/api/v1/statuses", {"type": "status", "status": 500})
    sleeps: list[float] = []
    run(
        recorder,
        peer,
        brand,
        lambda adapter: adapter.publish(draft(f"Billet {POST_URL}"), "k-500"),
        sleeps=sleeps,
    )
    assert len(sleeps) == 1
    assert recorder.calls() == ["POST /api/v1/statuses", "POST /api/v1/statuses"]
    assert len(brand.call("GET", f"/api/v1/accounts/{brand.id}/statuses")) == 1
