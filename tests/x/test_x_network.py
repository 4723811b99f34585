"""The X adapter against the local X double, every exchange checked against X's OpenAPI.

The double (``sandbox/x_api.py``) is proven to answer in X's shape by ``test_double.py``; here the
adapter publishes, finds its copies again, answers and reads conversations through it, and the
``ValidatingTransport`` reports any request or answer X's description refuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from x_openapi import ValidatingTransport

from sandbox.x import XAccount, XServer
from syndication.errors import NotFound
from syndication.model import Copy, CopyStatus, InteractionKind, Post, utc_now
from syndication.networks.base import Draft
from syndication.networks.x import XSettings
from syndication.networks.x.client import XClient
from syndication.networks.x.oauth import OAuth1

T = TypeVar("T")
pytestmark = pytest.mark.x


def settings_for(server: XServer, account: XAccount) -> XSettings:
    return XSettings(
        api_url=server.base_url,
        handle=account.username,
        consumer_key=server.consumer_key,
        consumer_secret=server.consumer_secret,
        access_token=account.access_token,
        access_token_secret=account.access_token_secret,
    )


def act(server: XServer, account: XAccount, method: str, path: str, **body: Any) -> dict[str, Any]:
    """What a reader does on X, through X's own API with their own keys."""
    auth = OAuth1(
        server.consumer_key,
        server.consumer_secret,
        account.access_token,
        account.access_token_secret,
    )
    response = httpx.request(
        method, f"{server.base_url}{path}", json=body or None, auth=auth, timeout=30
    )
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def say(server: XServer, account: XAccount, text: str, **extra: Any) -> str:
    """``account`` posts ``text``; the new post's id."""
    return str(act(server, account, "POST", "/2/tweets", text=text, **extra)["data"]["id"])


@pytest.fixture
def validated() -> Iterator[ValidatingTransport]:
    transport = ValidatingTransport(httpx.AsyncHTTPTransport())
    yield transport
    assert transport.problems == [], "\n".join(transport.problems)


def with_adapter(
    server: XServer,
    transport: ValidatingTransport,
    action: Callable[[XClient], Awaitable[T]],
    account: XAccount | None = None,
) -> T:
    async def go() -> T:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            adapter = XClient(
                settings_for(server, account or server.brand),
                http,
                company_accounts=[server.account("camille").username],
            )
            return await action(adapter)

    return asyncio.run(go())


def draft_for(url: str, text: str) -> Draft:
    post = Post(
        key="freins.fr",
        slug="freins",
        lang="fr",
        title="Freins",
        summary="",
        url=url,
        date=utc_now() - timedelta(hours=1),
        author="Camille Tremblay",
    )
    return Draft("x", post, text, len(text), 280, False, None, "fr", post.author, "@velosboreal")


def copy_of(published_id: str, url: str, at: datetime | None = None) -> Copy:
    moment = at or utc_now()
    return Copy(
        "x", CopyStatus.PUBLISHED, "k", moment, id=published_id, url=url, published_at=moment
    )


def unique_url(name: str) -> str:
    return f"https://blogue.velosboreal.com/{name}-{datetime.now(UTC).timestamp():.6f}/"


def test_a_copy_is_published_then_found_again_by_its_link(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("freins")
    draft = draft_for(url, f"Des freins qui tiennent l'hiver — Camille\n\n{url}\n\n#Hiver")

    async def publish_then_find(adapter: XClient) -> tuple[Any, Any]:
        published = await adapter.publish(draft, "key-1")
        return published, await adapter.find_published("key-1", draft)

    published, found = with_adapter(x_server, validated, publish_then_find)
    assert published.url == f"https://x.com/{x_server.brand.username}/status/{published.id}"
    assert found is not None and found.id == published.id
    other = draft_for(unique_url("autre"), "autre")
    assert with_adapter(x_server, validated, lambda a: a.find_published("k", other)) is None


def test_the_conversation_comes_home_nested_with_likes_reposts_and_quotes(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("conversation")
    root = say(x_server, x_server.brand, f"Nouveau billet {url}")
    lea, samuel, noor = (x_server.account(name) for name in ("lea", "samuel", "noor"))
    first = say(x_server, lea, "Et les patins ?", reply={"in_reply_to_tweet_id": root})
    nested = say(x_server, samuel, "Bonne question", reply={"in_reply_to_tweet_id": first})
    act(x_server, noor, "POST", f"/2/users/{noor.user_id}/likes", tweet_id=root)
    act(x_server, samuel, "POST", f"/2/users/{samuel.user_id}/retweets", tweet_id=root)
    quote = say(x_server, noor, "À lire", quote_tweet_id=root)
    x_server.protect("lea", False)

    items = with_adapter(x_server, validated, lambda a: a.conversation(copy_of(root, url)))
    by_kind = {(i.kind, i.id, i.in_reply_to) for i in items}
    assert (InteractionKind.REPLY, first, root) in by_kind
    assert (InteractionKind.REPLY, nested, first) in by_kind
    assert (InteractionKind.QUOTE, quote, root) in by_kind
    assert {i.author.handle for i in items if i.kind is InteractionKind.LIKE} == {"noor"}
    assert {i.author.handle for i in items if i.kind is InteractionKind.REPOST} == {"samuel"}

    counts = with_adapter(x_server, validated, lambda a: a.counts([copy_of(root, url)]))
    assert counts is not None
    assert (
        counts[root].replies,
        counts[root].likes,
        counts[root].reposts,
        counts[root].quotes,
    ) == (1, 1, 1, 1)


def test_a_protected_account_is_never_stored(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("prive")
    root = say(x_server, x_server.brand, f"Billet {url}")
    noor = x_server.account("noor")
    say(x_server, noor, "Réponse d'un compte protégé", reply={"in_reply_to_tweet_id": root})
    act(x_server, noor, "POST", f"/2/users/{noor.user_id}/likes", tweet_id=root)
    x_server.protect("noor", True)
    try:
        items = with_adapter(x_server, validated, lambda a: a.conversation(copy_of(root, url)))
    finally:
        x_server.protect("noor", False)
    assert [i for i in items if i.author.handle == "noor"] == []


def test_mentions_bring_replies_to_the_brand_after_the_cursor(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("mentions")
    root = say(x_server, x_server.brand, f"Billet {url}")
    _, cursor = with_adapter(x_server, validated, lambda a: a.notifications(""))
    lea = x_server.account("lea")
    reply = say(
        x_server, lea, "@velosboreal mon vélo est en panne", reply={"in_reply_to_tweet_id": root}
    )

    activities, newest = with_adapter(x_server, validated, lambda a: a.notifications(cursor))
    mine = [a for a in activities if a.item_id == reply]
    assert len(mine) == 1 and mine[0].root_id == root and mine[0].item is not None
    assert mine[0].item.content_text.endswith("mon vélo est en panne")
    assert newest == reply
    again, _ = with_adapter(x_server, validated, lambda a: a.notifications(newest))
    assert [a for a in again if a.item_id == reply] == []  # since_id: each once


def test_an_answer_is_sent_in_the_thread_and_found_again(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("reponse")
    root = say(x_server, x_server.brand, f"Billet {url}")
    lea = x_server.account("lea")
    question = say(x_server, lea, "Livrez-vous à Québec ?", reply={"in_reply_to_tweet_id": root})
    items = with_adapter(x_server, validated, lambda a: a.conversation(copy_of(root, url)))
    [parent] = [i for i in items if i.id == question]

    async def answer(adapter: XClient) -> tuple[Any, Any]:
        text = adapter.reply_text(parent, "Oui, en trois jours. — Camille")
        sent = await adapter.reply(parent, copy_of(root, url), text, "key-2")
        return sent, await adapter.find_reply("key-2", parent, text)

    sent, found = with_adapter(x_server, validated, answer)
    assert found is not None and found.id == sent.id
    thread = with_adapter(x_server, validated, lambda a: a.conversation(copy_of(root, url)))
    [mine] = [i for i in thread if i.id == sent.id]
    assert mine.by_company and mine.in_reply_to == question


def test_a_deleted_copy_is_said_gone(x_server: XServer, validated: ValidatingTransport) -> None:
    url = unique_url("supprime")
    root = say(x_server, x_server.brand, f"Billet {url}")
    act(x_server, x_server.brand, "DELETE", f"/2/tweets/{root}")

    async def count_then_read(adapter: XClient) -> None:
        assert await adapter.counts([copy_of(root, url)]) == {}
        await adapter.conversation(copy_of(root, url))

    with pytest.raises(NotFound, match="no longer exists"):
        with_adapter(x_server, validated, count_then_read)


def test_several_conversations_read_together_cost_one_search(
    x_server: XServer, validated: ValidatingTransport
) -> None:
    url = unique_url("lot")
    roots = [say(x_server, x_server.brand, f"Billet {n} {url}") for n in range(5)]
    lea = x_server.account("lea")
    for root in roots:
        say(x_server, lea, f"Réponse à {root}", reply={"in_reply_to_tweet_id": root})
    x_server.reset_requests()

    async def read_all(adapter: XClient) -> list[list[Any]]:
        replies = frozenset({InteractionKind.REPLY})
        return list(
            await asyncio.gather(*(adapter.conversation(copy_of(r, url), replies) for r in roots))
        )

    threads = with_adapter(x_server, validated, read_all)
    assert [len(thread) for thread in threads] == [1] * 5
    searches = {k: v for k, v in x_server.requests().items() if "search/recent" in k}
    assert sum(searches.values()) == 1, x_server.requests()


def test_after_seven_days_replies_are_no_longer_searched_but_the_rest_is() -> None:
    old = copy_of("1", "u", utc_now() - timedelta(days=8))
    young = copy_of("2", "u", utc_now() - timedelta(days=2))
    adapter = XClient(
        XSettings("https://api.x.com", "velosboreal", "", "", "", ""), httpx.AsyncClient()
    )
    assert InteractionKind.REPLY not in adapter.kinds_readable(old)
    assert InteractionKind.LIKE in adapter.kinds_readable(old)
    assert InteractionKind.REPLY in adapter.kinds_readable(young)
