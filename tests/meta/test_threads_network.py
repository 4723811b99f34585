"""The Threads adapter against the local Threads double, every exchange held to Meta's pages.

The double (``sandbox/threads_api.py``, under ``/threads`` of the Graph double) answers the
container flow, the conversation and Graph's errors; each test runs the adapter through
``ValidatingTransport`` with ``ThreadsSpec`` (``meta_spec.py``), which records any parameter,
field or answer Threads' reference pages do not describe, and asserts it recorded none.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

import httpx
import pytest
from meta_spec import ThreadsSpec, ValidatingTransport

from sandbox.meta import THREADS_VERSION, MetaServer
from syndication.errors import AuthError, NotFound, RateLimited, Rejected, Unavailable
from syndication.model import Copy, CopyStatus, InteractionKind, Post, utc_now
from syndication.networks.base import Draft, LinkCard, Published, RetryPolicy
from syndication.networks.threads.client import ThreadsClient
from syndication.networks.threads.settings import ThreadsSettings

T = TypeVar("T")
pytestmark = pytest.mark.meta
ONCE = RetryPolicy(attempts=1)


class Crash(BaseException):
    """Not an Exception: nothing may catch it, like a process that stops."""


async def no_wait(seconds: float) -> None:
    """The adapter's waits, made instant."""


def settings_for(server: MetaServer) -> ThreadsSettings:
    return ThreadsSettings(
        graph_url=server.threads_url,
        version=THREADS_VERSION,
        user_id=server.threads_user_id,
        access_token=server.threads_token,
    )


def with_adapter(
    server: MetaServer,
    action: Callable[[ThreadsClient], Awaitable[T]],
    *,
    adapter: ThreadsClient | None = None,
    sleep: Callable[[float], Awaitable[None]] = no_wait,
    settings: ThreadsSettings | None = None,
) -> T:
    """Run ``action`` on an adapter whose every exchange is checked against Threads' pages."""
    spec = ThreadsSpec(server.threads_user_id)
    transport = ValidatingTransport(httpx.AsyncHTTPTransport(), spec, prefix="/threads")

    async def go() -> T:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            made = ThreadsClient(settings or settings_for(server), http, policy=ONCE, sleep=sleep)
            if adapter is not None:  # the same adapter again (what it remembers), a new client
                made.containers.made = adapter.containers.made
            return await action(made)

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
    text = text or f"{post.title} 🚲 — Camille"
    card = LinkCard(post.url, post.title, post.summary)
    return Draft("threads", post, text, len(text), 500, False, card, "fr", post.author, "")


def as_copy(published: Published) -> Copy:
    return Copy(
        "threads",
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


def test_publish_is_a_text_container_with_the_link_then_its_publication(
    meta_server: MetaServer,
) -> None:
    post = new_post()
    meta_server.reset_threads_requests()
    published = with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    assert meta_server.threads_requests() == {
        "POST /user/threads": 1,
        "GET /container": 1,
        "POST /user/threads_publish": 1,
        "GET /media": 1,
    }
    stored = meta_server.threads_post(published.id)
    assert stored["link_attachment_url"] == post.url and stored["text"].endswith("— Camille")
    assert published.url == stored["permalink"]
    assert published.url.startswith("https://www.threads.com/@velosboreal/post/")
    assert meta_server.threads_posts_linking_to(post.url) == [published.id]


def test_the_container_is_awaited_until_finished_with_a_bounded_wait(
    meta_server: MetaServer,
) -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    meta_server.threads_containers(polls=2)
    try:
        published = with_adapter(
            meta_server, lambda a: a.publish(draft_of(new_post()), "k"), sleep=wait
        )
        assert published.id and waits == [0.5, 1.0]
        meta_server.threads_containers(polls=50)
        waits.clear()
        with pytest.raises(Unavailable, match="still preparing the post of the Threads profile"):
            with_adapter(meta_server, lambda a: a.publish(draft_of(new_post()), "k"), sleep=wait)
        assert len(waits) == 6  # bounded: about half a minute in all
    finally:
        meta_server.threads_containers()


def test_a_container_in_error_is_one_sentence(meta_server: MetaServer) -> None:
    meta_server.threads_containers(status="ERROR", message="FAILED_PROCESSING_TEXT")
    try:
        with pytest.raises(Rejected) as caught:
            with_adapter(meta_server, lambda a: a.publish(draft_of(new_post()), "k"))
    finally:
        meta_server.threads_containers()
    said = str(caught.value)
    assert said.count(". ") == 0 and "FAILED_PROCESSING_TEXT" in said
    assert "Threads profile" in said and "run again" in said


def test_exactly_once_the_lost_answer_is_found(meta_server: MetaServer) -> None:
    post = new_post()
    draft = draft_of(post)
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is None
    first = with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    found = with_adapter(meta_server, lambda a: a.find_published("k", draft))
    assert found is not None and (found.id, found.url) == (first.id, first.url)
    assert meta_server.count_threads_posts_linking_to(post.url) == 1


def test_a_container_not_published_is_reused_not_made_again(meta_server: MetaServer) -> None:
    post = new_post()
    draft = draft_of(post)
    meta_server.threads_fault("/user/threads_publish", 500, 2, message="Service unavailable")
    meta_server.reset_threads_requests()
    adapter: list[ThreadsClient] = []

    async def first(a: ThreadsClient) -> Published:
        adapter.append(a)
        return await a.publish(draft, "k")

    with pytest.raises(Unavailable):
        with_adapter(meta_server, first)
    again = with_adapter(meta_server, lambda a: a.publish(draft, "k"), adapter=adapter[0])
    requests = meta_server.threads_requests()
    assert requests["POST /user/threads"] == 1 and requests["POST /user/threads_publish"] == 2
    assert meta_server.threads_posts_linking_to(post.url) == [again.id]


def test_a_crash_between_the_container_and_its_publication_leaves_one_post(
    meta_server: MetaServer,
) -> None:
    post = new_post()
    draft = draft_of(post)

    async def crash(seconds: float) -> None:
        raise Crash("the process stops while the container is prepared")

    meta_server.threads_containers(polls=1)
    try:
        with pytest.raises(Crash):
            with_adapter(meta_server, lambda a: a.publish(draft, "k"), sleep=crash)
    finally:
        meta_server.threads_containers()
    assert meta_server.count_threads_posts_linking_to(post.url) == 0
    # The next run: the engine looks the pending intent up, then publishes.
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is None
    with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is not None
    assert meta_server.count_threads_posts_linking_to(post.url) == 1


def test_the_conversation_comes_back_nested_without_hidden_replies(
    meta_server: MetaServer,
) -> None:
    copy = publish_new(meta_server)
    question = meta_server.threads_reply("lea", copy.id, "Et pour l'hiver ?")
    answer = meta_server.threads_reply("noor", question, "Bonne question !")
    deeper = meta_server.threads_reply("samuel", answer, "Pneus à clous.")
    hidden = meta_server.threads_reply("samuel", copy.id, "Achetez mes vélos pas chers")
    meta_server.threads_reply("lea", hidden, "Sous une réponse cachée")
    meta_server.threads_hide(hidden)
    meta_server.reset_threads_requests()
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    assert meta_server.threads_requests() == {"GET /media/conversation": 1}
    assert [(i.id, i.content_text, i.in_reply_to) for i in items] == [
        (question, "Et pour l'hiver ?", copy.id),
        (answer, "Bonne question !", question),
        (deeper, "Pneus à clous.", answer),
    ]
    assert all(i.kind is InteractionKind.REPLY and not i.by_company for i in items)
    assert items[0].author.handle == "lea" and items[0].author.url == "https://www.threads.com/@lea"
    assert items[0].url.startswith("https://www.threads.com/@lea/post/")


def test_reply_answers_at_any_depth_once_and_is_found_again(meta_server: MetaServer) -> None:
    copy = publish_new(meta_server)
    top = meta_server.threads_reply("lea", copy.id, "Livrez-vous à Québec ?")
    nested_id = meta_server.threads_reply("samuel", top, "Moi aussi !")
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    nested = next(i for i in items if i.id == nested_id)
    text = "Oui, dès mars ! — Mathieu"
    assert with_adapter(meta_server, lambda a: a.find_reply("k", nested, text)) is None
    sent = with_adapter(meta_server, lambda a: a.reply(nested, copy, text, "k"))
    stored = meta_server.threads_post(sent.id)
    assert stored["text"] == text and stored["replied_to"] == {"id": nested_id}
    assert stored["root_post"] == {"id": copy.id}
    found = with_adapter(meta_server, lambda a: a.find_reply("k", nested, text))
    assert found is not None and found.id == sent.id
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    mine = next(i for i in items if i.id == sent.id)
    assert mine.by_company and mine.in_reply_to == nested_id


def test_a_copy_gone_is_not_found(meta_server: MetaServer) -> None:
    gone = Copy("threads", CopyStatus.PUBLISHED, "k", utc_now(), id="17999999999999999")
    with pytest.raises(NotFound, match="no longer exists"):
        with_adapter(meta_server, lambda a: a.conversation(gone))


def test_the_token_is_checked_by_its_introspection(meta_server: MetaServer) -> None:
    status = with_adapter(meta_server, lambda a: a.credential_status())
    assert status.expires_at is not None
    days = (status.expires_at - utc_now()).days
    assert 58 <= days <= 60
    assert "th_refresh_token" in status.renew and "AGORA_THREADS_ACCESS_TOKEN" in status.renew
    assert meta_server.threads_token not in status.renew


def test_a_token_a_day_old_is_refreshed_for_60_days_and_a_younger_one_is_not(
    meta_server: MetaServer,
) -> None:
    token = meta_server.threads_token
    meta_server.threads_token_days_left(60)  # made just now
    with pytest.raises(AuthError) as caught:
        with_adapter(meta_server, lambda a: a.refresh_credential())
    said = str(caught.value)
    assert said.startswith("Threads did not refresh the token in AGORA_THREADS_ACCESS_TOKEN (")
    assert ". " not in said and token not in said and "th_refresh_token" in said

    meta_server.threads_token_days_left(10)  # 50 days old
    try:
        renewed = with_adapter(meta_server, lambda a: a.refresh_credential())
    finally:
        meta_server.threads_token_days_left(60)
    assert renewed.value and renewed.value != token and renewed.value not in repr(renewed)
    assert renewed.expires_at is not None
    assert 59 <= (renewed.expires_at - utc_now()).days <= 60
    fresh = replace(settings_for(meta_server), access_token=renewed.value)
    status = with_adapter(meta_server, lambda a: a.credential_status(), settings=fresh)
    assert status.expires_at is not None and (status.expires_at - utc_now()).days >= 59


@pytest.mark.parametrize(
    ("status", "code", "subcode", "error", "said"),
    [
        (400, 190, 463, AuthError, "refused the token of the Threads profile"),
        (403, 10, None, AuthError, "its token needs threads_basic"),
        (400, 4, None, RateLimited, "is rate-limiting the Threads profile"),
        (500, 2, None, Unavailable, "is failing for the Threads profile"),
        (400, 100, None, Rejected, "refused what the Threads profile"),
    ],
)
def test_errors_are_one_sentence_naming_threads_the_profile_and_what_to_do(
    meta_server: MetaServer,
    status: int,
    code: int,
    subcode: int | None,
    error: type[Exception],
    said: str,
) -> None:
    post = new_post()
    meta_server.threads_fault(
        "/user/threads", status, code, subcode=subcode, message="Something. More", method="POST"
    )
    with pytest.raises(error) as caught:
        with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    message = str(caught.value)
    assert message.startswith(f"Threads ({code}: Something)") and said in message
    assert meta_server.threads_user_id in message and ". " not in message
    assert meta_server.count_threads_posts_linking_to(post.url) == 0


def test_the_validator_refuses_what_threads_does_not_describe(meta_server: MetaServer) -> None:
    """The proof the check can fail: a parameter, a field and a value Threads' pages lack."""
    spec = ThreadsSpec(meta_server.threads_user_id)
    user = f"/v1.0/{meta_server.threads_user_id}"
    assert not spec.request_errors("POST", f"{user}/threads", {"media_type": "TEXT", "text": "x"})
    assert spec.request_errors("POST", f"{user}/threads", {"media_type": "STORY", "text": "x"})
    assert spec.request_errors("POST", f"{user}/threads", {"message": "x"})
    assert spec.request_errors("GET", "/v1.0/17900000000000001/conversation", {"order": "x"})
    assert spec.request_errors("GET", "/v1.0/17900000000000001", {"fields": "id,like_count"})
    assert spec.request_errors("POST", "/v1.0/17900000000000001/comments", {})
    asked = {"fields": "id,hide_status"}
    wrong = {"data": [{"id": "1", "hide_status": "GONE"}]}
    assert spec.response_errors("GET", "/v1.0/1/replies", asked, 200, wrong)
    extra = {"data": [{"id": "1", "text": "x"}]}
    assert spec.response_errors("GET", "/v1.0/1/replies", asked, 200, extra)


def test_mentions_are_read_since_the_cursor_as_meta_s_page_describes(
    meta_server: MetaServer,
) -> None:
    """The profile's ``mentions`` edge, held to Meta's documentation page
    (https://developers.facebook.com/docs/threads/threads-mentions), not a spec file:
    ``ThreadsUser.json`` lists no edge, so ``meta_spec.THREADS_MENTIONS_PARAMETERS`` is the
    page's table of parameters (``since`` at least 1688540400 and before ``until``, ``until``
    at most now) and its media are the media fields. A first run only sets the cursor; the next
    brings the post tagging the profile made since, once."""
    first, cursor = with_adapter(meta_server, lambda a: a.notifications(""))
    assert first == [] and cursor
    tag = uuid.uuid4().hex[:8]
    post = meta_server.threads_mention("noor", f"@velosboreal vous livrez à Gaspé ? {tag}")
    heard, cursor = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert [(a.kind, a.subject_id) for a in heard] == [(InteractionKind.MENTION, post)]
    [item] = [a.item for a in heard]
    assert item is not None and item.author.handle == "noor" and tag in item.content_text
    assert item.url.startswith("https://www.threads.com/@noor/post/") and not item.by_company
    again, _ = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert again == []


def test_the_mentions_window_is_refused_outside_meta_s_bounds(meta_server: MetaServer) -> None:
    """The proof the mentions check can fail, and the double refuses what Meta's page refuses:
    a ``since`` before 1688540400, a ``since`` not before ``until``, an ``until`` to come."""
    spec = ThreadsSpec(meta_server.threads_user_id)
    path = f"/v1.0/{meta_server.threads_user_id}/mentions"
    now = int(time.time())
    assert not spec.request_errors("GET", path, {"since": str(now - 60), "until": str(now)})
    assert not spec.request_errors("GET", path, {"fields": "id,text,username,timestamp"})
    refused = (
        {"since": "1688540399"},
        {"since": str(now - 60), "until": str(now - 60)},
        {"until": str(now + 3600)},
    )
    for params in refused:
        assert spec.request_errors("GET", path, params), params
        answer = httpx.get(
            f"{meta_server.threads_url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {meta_server.threads_token}"},
        )
        assert answer.status_code == 400 and answer.json()["error"]["code"] == 100, params
    assert spec.request_errors("GET", path, {"q": "velosboreal"})
    assert spec.request_errors("GET", path, {"fields": "id,like_count"})
