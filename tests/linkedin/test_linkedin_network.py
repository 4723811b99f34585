"""The LinkedIn adapter against the local double: publish, find again, answer, read, count.

The double (``sandbox/linkedin_api.py``) checks the headers and the Rest.li 2.0 encoding of every
request and reads little text by LinkedIn's grammar, so a request LinkedIn would refuse fails
here too; readers comment and react through its control routes, as they would on LinkedIn.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from sandbox.linkedin import LinkedInAccount, LinkedInServer
from syndication.errors import AuthError, NotFound
from syndication.model import Copy, CopyStatus, InteractionKind, Post, utc_now
from syndication.networks.base import Draft, LinkCard, Published
from syndication.networks.linkedin.client import LinkedInClient
from syndication.networks.linkedin.settings import LinkedInSettings

T = TypeVar("T")
pytestmark = pytest.mark.linkedin
EVERY_RESERVED = "Freins (2026) : le_guide \\ | {a} @b [c] <d> *e* ~f~ #Vélo"


def settings_for(
    server: LinkedInServer, account: LinkedInAccount | None = None
) -> LinkedInSettings:
    person = account.person_id if account and account.role != "brand" else ""
    return LinkedInSettings(
        api_url=server.base_url,
        oauth_url=server.base_url,
        organization=server.organization,
        version="202611",
        access_token=(account or server.brand).token,
        client_id=server.client_id,
        client_secret=server.client_secret,
        person=person,
    )


def with_adapter(
    server: LinkedInServer,
    action: Callable[[LinkedInClient], Awaitable[T]],
    account: LinkedInAccount | None = None,
) -> T:
    async def go() -> T:
        async with httpx.AsyncClient(timeout=30) as http:
            return await action(
                LinkedInClient(settings_for(server, account), http, company_accounts=["camille"])
            )

    return asyncio.run(go())


def new_post(slug: str = "") -> Post:
    slug = slug or f"billet-{uuid.uuid4().hex[:8]}"
    return Post(
        key=f"{slug}.fr",
        slug=slug,
        lang="fr",
        title="Freins (2026)",
        summary="Tout sur les freins_à_disque.",
        url=f"https://blogue.velosboreal.example/{slug}/",
        date=utc_now(),
        author="Camille Tremblay",
    )


def draft_of(post: Post, text: str, card: LinkCard | None = None) -> Draft:
    return Draft("linkedin", post, text, len(text), 3000, False, card, "fr", post.author, "")


def as_copy(published: Published) -> Copy:
    return Copy(
        "linkedin",
        CopyStatus.PUBLISHED,
        "k",
        utc_now(),
        id=published.id,
        url=published.url,
        published_at=published.published_at,
    )


def publish_new(server: LinkedInServer) -> Copy:
    """A new post of the page, as a copy."""
    post = new_post()
    draft = draft_of(post, f"Billet {post.url}")
    return as_copy(with_adapter(server, lambda a: a.publish(draft, "k")))


def test_publish_with_card_and_image_reads_back_as_written(
    linkedin_server: LinkedInServer, tmp_path: Path
) -> None:
    post = new_post()
    image = tmp_path / "social.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n-card")
    card = LinkCard(post.url, post.title, post.summary, image_path=str(image))
    text = f"{EVERY_RESERVED} {post.url}"
    linkedin_server.reset_requests()
    published = with_adapter(linkedin_server, lambda a: a.publish(draft_of(post, text, card), "k1"))
    assert published.id.startswith("urn:li:share:")
    assert linkedin_server.read(published.id) == text  # what a reader sees
    assert linkedin_server.requests() == {
        "POST /rest/images": 1,
        "PUT /_upload/{id}": 1,
        "POST /rest/posts": 1,
    }
    assert linkedin_server.posts_linking_to(post.url) == [published.id]


def test_exactly_once_find_published_and_a_duplicate_post(linkedin_server: LinkedInServer) -> None:
    post = new_post()
    draft = draft_of(post, f"Nouveau : {post.title} {post.url}")
    assert with_adapter(linkedin_server, lambda a: a.find_published("k", draft)) is None
    first = with_adapter(linkedin_server, lambda a: a.publish(draft, "k"))
    found = with_adapter(linkedin_server, lambda a: a.find_published("k", draft))
    assert found is not None and found.id == first.id
    # The answer was lost and the run posts again: LinkedIn refuses the duplicate, the adapter
    # returns the first copy.
    again = with_adapter(linkedin_server, lambda a: a.publish(draft, "k"))
    assert again.id == first.id
    assert linkedin_server.posts_linking_to(post.url) == [first.id]


def test_an_employee_posts_as_herself(linkedin_server: LinkedInServer) -> None:
    camille = linkedin_server.account("camille")
    post = new_post()
    published = with_adapter(
        linkedin_server, lambda a: a.publish(draft_of(post, f"Mon billet {post.url}"), "k"), camille
    )
    assert linkedin_server.posts_linking_to(post.url, author=camille.urn) == [published.id]
    assert linkedin_server.posts_linking_to(post.url) == []


def test_conversation_nested_comments_reactions_by_type_and_counts_batched(
    linkedin_server: LinkedInServer,
) -> None:
    copies = [publish_new(linkedin_server) for _ in range(3)]
    copy = copies[0]
    question = linkedin_server.comment("lea", copy.id, "Et pour l'hiver (neige) ?")
    linkedin_server.comment("noor", copy.id, "Bonne question_!", parent=question)
    linkedin_server.react("samuel", copy.id, "PRAISE")
    linkedin_server.react("lea", copy.id, "LIKE")
    linkedin_server.repost("noor", copy.id)
    linkedin_server.reset_requests()
    counts = with_adapter(linkedin_server, lambda a: a.counts(copies))
    assert linkedin_server.requests() == {
        "GET /rest/socialMetadata": 1,
        "GET /rest/organizationalEntityShareStatistics": 1,
    }
    assert counts is not None and counts[copy.id].replies == 1 and counts[copy.id].likes == 2
    assert counts[copy.id].reposts == 1
    assert counts[copies[1].id].replies == 0 and counts[copies[1].id].reposts == 0

    items = with_adapter(linkedin_server, lambda a: a.conversation(copy))
    replies = [i for i in items if i.kind is InteractionKind.REPLY]
    likes = sorted(i.content_text for i in items if i.kind is InteractionKind.LIKE)
    assert [(r.content_text, r.in_reply_to) for r in replies] == [
        ("Et pour l'hiver (neige) ?", copy.id),
        ("Bonne question_!", question),
    ]
    assert likes == ["LIKE", "PRAISE"]
    lea = replies[0].author
    assert (
        lea.name == "Léa Gagnon · Cyclist in Montréal"
        and lea.id == linkedin_server.account("lea").urn
    )
    assert httpx.get(lea.avatar_url, timeout=10).status_code == 200
    assert not any(i.by_company for i in items)


def test_reply_goes_in_the_thread_once_and_is_found_again(linkedin_server: LinkedInServer) -> None:
    copy = publish_new(linkedin_server)
    top = linkedin_server.comment("lea", copy.id, "Livrez-vous à Québec ?")
    linkedin_server.comment("samuel", copy.id, "Moi aussi [Québec] !", parent=top)
    items = with_adapter(linkedin_server, lambda a: a.conversation(copy))
    nested = next(i for i in items if i.in_reply_to == top)
    answer = "Oui (dès mars) : #livraison_gratuite"
    assert with_adapter(linkedin_server, lambda a: a.find_reply("k", nested, answer)) is None
    sent = with_adapter(linkedin_server, lambda a: a.reply(nested, copy, answer, "k"))
    assert linkedin_server.read(sent.id) == answer
    found = with_adapter(linkedin_server, lambda a: a.find_reply("k", nested, answer))
    assert found is not None and found.id == sent.id
    items = with_adapter(linkedin_server, lambda a: a.conversation(copy))
    mine = next(i for i in items if i.id == sent.id)
    assert mine.by_company and mine.in_reply_to == top  # comments nest once
    assert mine.author.name == "Vélos Boréal"


def test_an_answer_carries_the_name_readers_see_and_a_failed_name_read_costs_only_that(
    linkedin_server: LinkedInServer,
) -> None:
    camille = linkedin_server.account("camille")
    post = new_post()
    mine = as_copy(
        with_adapter(
            linkedin_server,
            lambda a: a.publish(draft_of(post, f"Mon billet {post.url}"), "k"),
            camille,
        )
    )
    question = linkedin_server.comment("lea", mine.id, "Et le cargo ?")
    items = with_adapter(linkedin_server, lambda a: a.conversation(mine), camille)
    parent = next(i for i in items if i.id == question)
    sent = with_adapter(linkedin_server, lambda a: a.reply(parent, mine, "Oui !", "k"), camille)
    # As LinkedIn names her under a comment (backfeed gives the same), never her URN.
    assert sent.extra == {
        "author_name": "Camille Tremblay · Product lead at Vélos Boréal",
        "author_handle": "",
    }

    copy = publish_new(linkedin_server)
    question = linkedin_server.comment("noor", copy.id, "Et l'hiver ?")
    items = with_adapter(linkedin_server, lambda a: a.conversation(copy))
    parent = next(i for i in items if i.id == question)
    linkedin_server.fault("/rest/organizations", 403, times=1)
    sent = with_adapter(
        linkedin_server, lambda a: a.reply(parent, copy, "Oui, l'hiver aussi.", "k")
    )
    assert sent.extra == {} and linkedin_server.read(sent.id) == "Oui, l'hiver aussi."


def test_a_deleted_copy_and_a_deleted_comment_leave(linkedin_server: LinkedInServer) -> None:
    copy = publish_new(linkedin_server)
    gone = linkedin_server.comment("noor", copy.id, "Oups")
    linkedin_server.comment("lea", copy.id, "Reste")
    linkedin_server.delete(gone)
    items = with_adapter(linkedin_server, lambda a: a.conversation(copy))
    assert [i.content_text for i in items] == ["Reste"]
    linkedin_server.delete(copy.id)

    async def counted_then_read(adapter: LinkedInClient) -> None:
        assert await adapter.counts([copy]) == {}
        await adapter.conversation(copy)

    with pytest.raises(NotFound, match="no longer exists"):
        with_adapter(linkedin_server, counted_then_read)


def test_the_token_expiry_comes_from_introspection(linkedin_server: LinkedInServer) -> None:
    status = with_adapter(linkedin_server, lambda a: a.credential_status())
    assert status.expires_at is not None and (status.expires_at - utc_now()).days >= 58
    noor = linkedin_server.account("noor")
    linkedin_server.expire("noor")
    with pytest.raises(AuthError, match="expired"):
        with_adapter(linkedin_server, lambda a: a.credential_status(), noor)


def test_the_double_refuses_what_linkedin_refuses(linkedin_server: LinkedInServer) -> None:
    brand = linkedin_server.brand
    headers = {
        "Authorization": f"Bearer {brand.token}",
        "LinkedIn-Version": "202611",
        "X-Restli-Protocol-Version": "2.0.0",
    }
    body = {
        "author": linkedin_server.organization_urn,
        "commentary": "Freins (2026)",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED"},
        "lifecycleState": "PUBLISHED",
    }
    url = f"{linkedin_server.base_url}/rest/posts"
    unescaped = httpx.post(url, json=body, headers=headers, timeout=10)
    assert unescaped.status_code == 422 and "not escaped" in unescaped.json()["message"]
    no_version = {k: v for k, v in headers.items() if k != "LinkedIn-Version"}
    assert httpx.post(url, json=body, headers=no_version, timeout=10).status_code == 400
    raw_urn = f"{url}?q=author&author={linkedin_server.organization_urn}"
    assert httpx.get(raw_urn, headers=headers, timeout=10).status_code == 400
    as_reader = {**headers, "Authorization": f"Bearer {linkedin_server.account('lea').token}"}
    body["commentary"] = "Freins \\(2026\\)"
    assert httpx.post(url, json=body, headers=as_reader, timeout=10).status_code == 403
