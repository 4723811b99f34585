"""The Facebook adapter against the local Graph double, every exchange held to Meta's specs.

The double (``sandbox/meta_api.py``) answers Graph's field expansion, batches and errors; each
test runs the adapter through ``ValidatingTransport`` (``meta_spec.py``), which records any
parameter, field or answer Meta's own descriptions refuse, and asserts it recorded none.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from meta_spec import MetaSpec, ValidatingTransport

from sandbox.meta import VERSION, MetaServer
from syndication.errors import AuthError, NotFound
from syndication.model import Copy, CopyStatus, InteractionKind, Post, utc_now
from syndication.networks import meta_graph
from syndication.networks.base import Draft, LinkCard, Published
from syndication.networks.facebook import convert
from syndication.networks.facebook.client import FacebookClient
from syndication.networks.facebook.settings import FacebookSettings

T = TypeVar("T")
pytestmark = pytest.mark.meta


def settings_for(server: MetaServer, token: str = "") -> FacebookSettings:
    return FacebookSettings(
        graph_url=server.graph_url,
        version=VERSION,
        page_id=server.page_id,
        page_token=token or server.page_token,
    )


def with_adapter(
    server: MetaServer, action: Callable[[FacebookClient], Awaitable[T]], token: str = ""
) -> T:
    """Run ``action`` on an adapter whose every exchange is checked against Meta's specs."""
    spec = MetaSpec(server.page_id, authors=frozenset(r.id for r in server.readers))
    transport = ValidatingTransport(httpx.AsyncHTTPTransport(), spec)

    async def go() -> T:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            return await action(FacebookClient(settings_for(server, token), http))

    try:
        return asyncio.run(go())
    finally:
        assert transport.problems == [], transport.problems
        assert transport.exchanges, "nothing was checked"


def new_post() -> Post:
    slug = f"billet-{uuid.uuid4().hex[:8]}"
    return Post(
        key=f"{slug}.fr",
        slug=slug,
        lang="fr",
        title="Freins à disque",
        summary="Tout sur les freins.",
        url=f"https://blogue.velosboreal.example/{slug}/",
        date=utc_now(),
        author="Camille Tremblay",
    )


def draft_of(post: Post, text: str = "") -> Draft:
    text = text or f"{post.title} — Camille {post.url}"
    card = LinkCard(post.url, post.title, post.summary)
    return Draft("facebook", post, text, len(text), 63206, False, card, "fr", post.author, "")


def as_copy(published: Published) -> Copy:
    return Copy(
        "facebook",
        CopyStatus.PUBLISHED,
        "k",
        utc_now(),
        id=published.id,
        url=published.url,
        published_at=published.published_at,
        account=published.account,
    )


def publish_new(server: MetaServer) -> Copy:
    draft = draft_of(new_post())
    return as_copy(with_adapter(server, lambda a: a.publish(draft, "k")))


def test_publish_posts_on_the_page_feed_with_the_link(meta_server: MetaServer) -> None:
    post = new_post()
    meta_server.reset_requests()
    published = with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    assert published.id.startswith(f"{meta_server.page_id}_")
    assert published.url == convert.post_url(published.id)
    assert meta_server.requests() == {"POST /page/feed": 1}
    assert meta_server.posts_linking_to(post.url) == [published.id]


def test_exactly_once_the_lost_answer_is_found_and_a_duplicate_is_not_sent(
    meta_server: MetaServer,
) -> None:
    post = new_post()
    draft = draft_of(post)
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is None
    first = with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    found = with_adapter(meta_server, lambda a: a.find_published("k", draft))
    assert found is not None and found.id == first.id
    # The answer was lost and the run posts again: Graph refuses the same text (506), the
    # adapter returns the first copy.
    again = with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    assert again.id == first.id
    assert meta_server.count_posts_linking_to(post.url) == 1


def test_the_thread_comes_back_threaded_without_hidden_or_deleted_comments(
    meta_server: MetaServer,
) -> None:
    copy = publish_new(meta_server)
    question = meta_server.comment("lea", copy.id, "Et pour l'hiver ?")
    answer = meta_server.comment("noor", question, "Bonne question !")
    hidden = meta_server.comment("samuel", copy.id, "Achetez mes vélos pas chers")
    meta_server.comment("lea", hidden, "Sous un commentaire caché")
    gone = meta_server.comment("noor", copy.id, "Oups")
    meta_server.hide(hidden)
    meta_server.delete(gone)
    meta_server.react("samuel", copy.id, "LOVE")
    meta_server.react("lea", copy.id, "LIKE")
    meta_server.react("noor", copy.id, "WOW")
    meta_server.reset_requests()
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    assert meta_server.requests() == {"GET /post": 1}  # the thread and reactions at once
    replies = [i for i in items if i.kind is InteractionKind.REPLY]
    assert [(r.id, r.content_text, r.in_reply_to) for r in replies] == [
        (question, "Et pour l'hiver ?", copy.id),
        (answer, "Bonne question !", question),
    ]
    assert replies[0].author.name == "Léa Gagnon" and not replies[0].by_company
    assert replies[0].url.endswith(f"comment_id={question}")
    likes = sorted((i.content_text, i.author.name) for i in items if i.kind is InteractionKind.LIKE)
    assert likes == [("LIKE", "Léa Gagnon"), ("LOVE", "Samuel Okafor"), ("WOW", "Noor Haddad")]


def test_counts_of_many_copies_take_one_request_and_a_deleted_copy_is_left_out(
    meta_server: MetaServer,
) -> None:
    copies = [publish_new(meta_server) for _ in range(3)]
    meta_server.comment("lea", copies[0].id, "Super")
    meta_server.react("noor", copies[0].id, "HAHA")
    meta_server.react("lea", copies[0].id, "CARE")
    meta_server.share(copies[0].id, 4)
    meta_server.reset_requests()
    counts = with_adapter(meta_server, lambda a: a.counts(copies))
    assert meta_server.requests() == {"POST /": 1}  # the shares in the same request
    assert counts is not None
    first, second = counts[copies[0].id], counts[copies[1].id]
    assert (first.replies, first.likes, first.reposts) == (1, 2, 4)
    assert (second.replies, second.likes, second.reposts) == (0, 0, 0)
    meta_server.delete(copies[1].id)
    meta_server.reset_requests()
    counts = with_adapter(meta_server, lambda a: a.counts(copies))
    # The ids= request naming the deleted copy fails (803); it is sent again without it.
    assert meta_server.requests() == {"POST /": 2}
    assert counts is not None and set(counts) == {copies[0].id, copies[2].id}
    with pytest.raises(NotFound, match="no longer exists"):
        with_adapter(meta_server, lambda a: a.conversation(copies[1]))


def test_counts_of_120_copies_are_one_batch_of_three_ids_requests(
    meta_server: MetaServer,
) -> None:
    copy = publish_new(meta_server)
    copies = [copy] * 120
    meta_server.reset_requests()
    counts = with_adapter(meta_server, lambda a: a.counts(copies))
    assert meta_server.requests() == {"POST /": 1}
    assert counts is not None and list(counts) == [copy.id]


def test_reply_goes_in_the_thread_once_and_is_found_again(meta_server: MetaServer) -> None:
    copy = publish_new(meta_server)
    top = meta_server.comment("lea", copy.id, "Livrez-vous à Québec ?")
    meta_server.comment("samuel", top, "Moi aussi !")
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    nested = next(i for i in items if i.in_reply_to == top)
    text = "Oui, dès mars ! — Mathieu"
    assert with_adapter(meta_server, lambda a: a.find_reply("k", nested, text)) is None
    sent = with_adapter(meta_server, lambda a: a.reply(nested, copy, text, "k"))
    stored = meta_server.read_comment(sent.id)
    assert stored["message"] == text and stored["parent"] == top  # comments nest once
    found = with_adapter(meta_server, lambda a: a.find_reply("k", nested, text))
    assert found is not None and found.id == sent.id
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    mine = next(i for i in items if i.id == sent.id)
    assert mine.by_company and mine.in_reply_to == top and mine.author.name == "Vélos Boréal"


def test_a_comment_on_the_post_itself_is_answered_under_it(meta_server: MetaServer) -> None:
    copy = publish_new(meta_server)
    top = meta_server.comment("noor", copy.id, "Quel prix ?")
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    question = next(i for i in items if i.id == top)
    sent = with_adapter(meta_server, lambda a: a.reply(question, copy, "Dès 89 $.", "k"))
    assert meta_server.read_comment(sent.id)["parent"] == top


def test_posts_tagging_the_page_come_as_mentions_and_are_answered_on_the_post(
    meta_server: MetaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``tagged`` edge (Page.json), read page by page down to the cursor, then
    ``POST /{post-id}/comments`` on a reader's post: every exchange held to Meta's specs."""
    monkeypatch.setattr(meta_graph, "TAGGED_PAGE", 2)  # several pages of the edge
    _, cursor = with_adapter(meta_server, lambda a: a.notifications(""))
    own = publish_new(meta_server)  # the Page's own posts are not in its tagged edge
    texts = [f"Merci @Vélos Boréal, tour {n} {uuid.uuid4().hex[:6]}" for n in range(3)]
    readers = ("lea", "noor", "lea")
    posts = [meta_server.tag(who, text) for who, text in zip(readers, texts, strict=True)]
    activities, cursor = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert [a.item_id for a in activities] == posts  # oldest first
    assert own.id not in [a.item_id for a in activities]
    first = activities[0].item
    assert first is not None
    assert (first.kind, first.author.name, first.content_text) == (
        InteractionKind.MENTION,
        "Léa Gagnon",
        texts[0],
    )
    assert not first.by_company and first.url.startswith("https://www.facebook.com/")
    assert activities[0].root_id == activities[0].subject_id == posts[0]
    # Nothing new: nothing again, and the cursor stays.
    again, same = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert (again, same) == ([], cursor)

    root = Copy(
        "facebook",
        CopyStatus.PUBLISHED,
        "",
        first.published_at,
        id=first.id,
        url=first.url,
        published_at=first.published_at,
    )
    sent = with_adapter(meta_server, lambda a: a.reply(first, root, "Merci Léa !", "k"))
    thread = with_adapter(meta_server, lambda a: a.conversation(root))
    assert [(i.id, i.in_reply_to, i.by_company) for i in thread] == [(sent.id, first.id, True)]
    found = with_adapter(meta_server, lambda a: a.find_reply("k", first, "Merci Léa !"))
    assert found is not None and found.id == sent.id


def test_the_token_is_checked_by_introspection(meta_server: MetaServer) -> None:
    status = with_adapter(meta_server, lambda a: a.credential_status())
    assert status.expires_at is None  # a system user's Page token does not expire
    assert "System users" in status.renew and "AGORA_FACEBOOK_PAGE_TOKEN" in status.renew
    with pytest.raises(AuthError, match="USER token, not a PAGE token"):
        with_adapter(meta_server, lambda a: a.credential_status(), meta_server.user_token)


def test_the_validator_refuses_what_meta_does_not_describe(meta_server: MetaServer) -> None:
    """The proof the spec check can fail: a field, a type and a parameter Meta's specs lack."""
    spec = MetaSpec(meta_server.page_id)
    post = f"{meta_server.page_id}_1"
    # A field PagePost does not have (Post has ``link``, PagePost does not).
    assert spec.request_errors("GET", f"/{VERSION}/{post}", {"fields": "id,link"})
    # A reaction's type is not a field of Profile: it is asked with the edge's ``type``.
    assert spec.request_errors("GET", f"/{VERSION}/{post}", {"fields": "reactions{id,type}"})
    assert not spec.request_errors(
        "GET", f"/{VERSION}/{post}", {"fields": "reactions.type(LOVE).limit(5){id,name}"}
    )
    # A value the edge's enum does not take, and a parameter it does not take.
    assert spec.request_errors("GET", f"/{VERSION}/{post}/comments", {"filter": "everything"})
    assert spec.request_errors("POST", f"/{VERSION}/{post}/comments", {"published": "true"})
    assert spec.request_errors("POST", f"/{VERSION}/{meta_server.page_id}/feed", {"text": "x"})
    # The tagged edge takes no parameter of its own (no ``since``) and gives PagePosts.
    tagged = f"/{VERSION}/{meta_server.page_id}/tagged"
    assert spec.request_errors("GET", tagged, {"since": "1"})
    assert spec.request_errors("GET", tagged, {"fields": "id,caption"})
    assert not spec.request_errors("GET", tagged, {"fields": "id,from,message", "limit": "2"})
    # An answer with a field of the wrong type, and one that was not asked.
    comments = {"fields": "id,like_count"}
    wrong: dict[str, Any] = {"data": [{"id": "1_2", "like_count": "3"}]}
    assert spec.response_errors("GET", f"/{VERSION}/{post}/comments", comments, 200, wrong)
    extra: dict[str, Any] = {"data": [{"id": "1_2", "like_count": 3, "message": "x"}]}
    assert spec.response_errors("GET", f"/{VERSION}/{post}/comments", comments, 200, extra)
    right: dict[str, Any] = {"data": [{"id": "1_2", "like_count": 3}]}
    assert not spec.response_errors("GET", f"/{VERSION}/{post}/comments", comments, 200, right)
    # Graph's error object, and something else.
    assert spec.response_errors("GET", f"/{VERSION}/{post}", {}, 400, {"message": "no"})
