"""The Instagram adapter against the local Instagram double, every exchange held to Meta's specs.

The double (``sandbox/instagram_api.py``, under ``/instagram`` of the Graph double) answers the
container flow, the publishing limit, comments and replies and Graph's errors; each test runs
the adapter through ``ValidatingTransport`` with ``InstagramSpec`` (``meta_spec.py``: IGUser.json,
IGMedia.json, IGComment.json and the SDK's tables) and asserts it recorded nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

import httpx
import pytest
from meta_spec import InstagramSpec, ValidatingTransport

from sandbox.meta import VERSION, MetaServer
from syndication.errors import AuthError, NotFound, RateLimited, Rejected, Unavailable
from syndication.model import Copy, CopyStatus, InteractionKind, Post, utc_now
from syndication.networks import meta_graph
from syndication.networks.base import Draft, LinkCard, Published, Renewed, RetryPolicy
from syndication.networks.instagram.client import InstagramClient
from syndication.networks.instagram.settings import InstagramSettings

T = TypeVar("T")
pytestmark = pytest.mark.meta
ONCE = RetryPolicy(attempts=1)
SITE = "http://localhost:8000"


class Crash(BaseException):
    """Not an Exception: nothing may catch it, like a process that stops."""


async def no_wait(seconds: float) -> None:
    """The adapter's waits, made instant."""


def settings_for(server: MetaServer) -> InstagramSettings:
    return InstagramSettings(
        graph_url=server.instagram_url,
        version=VERSION,
        user_id=server.instagram_user_id,
        access_token=server.instagram_token,
        blog_name="Vélos Boréal",
    )


def with_adapter(
    server: MetaServer,
    action: Callable[[InstagramClient], Awaitable[T]],
    *,
    adapter: InstagramClient | None = None,
    sleep: Callable[[float], Awaitable[None]] = no_wait,
) -> T:
    """Run ``action`` on an adapter whose every exchange is checked against Meta's specs."""
    spec = InstagramSpec("", server.instagram_user_id)
    transport = ValidatingTransport(httpx.AsyncHTTPTransport(), spec, prefix="/instagram")

    async def go() -> T:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            made = InstagramClient(settings_for(server), http, policy=ONCE, sleep=sleep)
            if adapter is not None:  # the same adapter again (what it remembers), a new client
                made.containers.made = adapter.containers.made
            return await action(made)

    try:
        return asyncio.run(go())
    finally:
        assert transport.problems == [], transport.problems
        assert transport.exchanges, "nothing was checked"


def new_post(lang: str = "fr") -> Post:
    slug = f"billet-{uuid.uuid4().hex[:8]}"
    return Post(
        key=f"{slug}.{lang}",
        slug=slug,
        lang=lang,
        title=f"Freins à disque {slug[-8:]}",
        summary="Tout sur les freins.",
        url=f"{SITE}/{slug}/",
        date=utc_now(),
        author="Camille Tremblay",
    )


def card_of(post: Post) -> str:
    """The social card a post's page shows (og:image): a PNG named by its digest."""
    return f"{SITE}/social-cards/{post.slug[-8:]}0123abcd.png"


def draft_of(post: Post, *, image: str | None = "card") -> Draft:
    text = f"{post.title}\n\n{post.summary} — Camille\n\n{post.url}\n\n#Vélo #Hiver"
    url = card_of(post) if image == "card" else image
    card = LinkCard(post.url, post.title, post.summary, image_url=url)
    return Draft("instagram", post, text, len(text), 2100, False, card, post.lang, post.author, "")


def as_copy(published: Published) -> Copy:
    return Copy(
        "instagram",
        CopyStatus.PUBLISHED,
        "k",
        utc_now(),
        id=published.id,
        url=published.url,
        published_at=published.published_at,
        account=published.account,
    )


def publish_new(server: MetaServer) -> Copy:
    return as_copy(with_adapter(server, lambda a: a.publish(draft_of(new_post()), "k")))


def test_publish_is_an_image_container_then_its_publication(meta_server: MetaServer) -> None:
    post = new_post()
    meta_server.reset_instagram_requests()
    published = with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    assert meta_server.instagram_requests() == {
        "GET /user/content_publishing_limit": 1,
        "POST /user/media": 1,
        "GET /container": 1,
        "POST /user/media_publish": 1,
        "GET /media": 1,
    }
    stored = meta_server.instagram_media(published.id)
    assert stored["caption"].startswith(f"À lire sur le blogue de Vélos Boréal : {post.title}\n")
    assert "http" not in stored["caption"] and stored["caption"].endswith("#Vélo #Hiver")
    # Instagram publishes JPEG only: it is given the card's JPEG twin, never the PNG.
    assert stored["media_url"] == card_of(post).removesuffix(".png") + ".jpg"
    assert published.url == stored["permalink"].rstrip("/") + "/"
    assert published.url.startswith("https://www.instagram.com/p/")
    assert meta_server.instagram_posts_naming(post.title) == [published.id]


def test_the_container_is_awaited_until_finished_with_a_bounded_wait(
    meta_server: MetaServer,
) -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    meta_server.instagram_containers(polls=2)
    try:
        published = with_adapter(
            meta_server, lambda a: a.publish(draft_of(new_post()), "k"), sleep=wait
        )
        assert published.id and waits == [1.0, 2.0]
        meta_server.instagram_containers(polls=50)
        waits.clear()
        post = new_post()
        with pytest.raises(Unavailable, match="still preparing the post of the Instagram account"):
            with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"), sleep=wait)
        assert len(waits) == 6 and sum(waits) == 60  # bounded: a minute in all
        assert meta_server.count_instagram_posts_naming(post.title) == 0
    finally:
        meta_server.instagram_containers()


def test_a_container_in_error_is_one_sentence(meta_server: MetaServer) -> None:
    post = new_post()
    meta_server.instagram_containers(status="ERROR", message="2207003 media download timed out")
    try:
        with pytest.raises(Rejected) as caught:
            with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    finally:
        meta_server.instagram_containers()
    said = str(caught.value)
    assert ". " not in said and "2207003" in said
    assert "Instagram account" in said and "run again" in said
    assert meta_server.count_instagram_posts_naming(post.title) == 0


def test_an_expired_container_is_made_again_next_time(meta_server: MetaServer) -> None:
    post = new_post()
    keep: list[InstagramClient] = []

    async def first(a: InstagramClient) -> Published:
        keep.append(a)
        return await a.publish(draft_of(post), "k")

    meta_server.instagram_containers(status="EXPIRED")
    try:
        with pytest.raises(Unavailable, match="expire before it was published"):
            with_adapter(meta_server, first)
    finally:
        meta_server.instagram_containers()
    assert keep[0].containers.made == {}
    with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"), adapter=keep[0])
    assert meta_server.count_instagram_posts_naming(post.title) == 1


def test_the_publishing_limit_reached_leaves_the_post_pending(meta_server: MetaServer) -> None:
    post = new_post()
    meta_server.instagram_quota(usage=100, total=100)
    meta_server.reset_instagram_requests()
    try:
        with pytest.raises(RateLimited) as caught:
            with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    finally:
        meta_server.instagram_quota()
    said = str(caught.value)
    assert "publishing limit" in said and "100 of 100" in said and ". " not in said
    assert "stays pending" in said
    assert meta_server.instagram_requests() == {"GET /user/content_publishing_limit": 1}
    assert meta_server.count_instagram_posts_naming(post.title) == 0


def test_the_limit_reached_at_publication_is_graphs_error_mapped(meta_server: MetaServer) -> None:
    post = new_post()
    meta_server.instagram_fault(
        "/user/media_publish", 400, 9, subcode=2207042, message="Limit reached. Try later"
    )
    with pytest.raises(RateLimited) as caught:
        with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    said = str(caught.value)
    assert said.startswith("Instagram (9: Limit reached)") and "publishing limit" in said
    assert meta_server.instagram_user_id in said and ". " not in said


def _refused_before_sending(server: MetaServer, draft: Draft) -> str:
    """What the adapter says when it refuses ``draft``; it asserts no request reached the double."""
    server.reset_instagram_requests()
    spec = InstagramSpec("", server.instagram_user_id)
    transport = ValidatingTransport(httpx.AsyncHTTPTransport(), spec, prefix="/instagram")

    async def run() -> Published:
        async with httpx.AsyncClient(transport=transport) as http:
            adapter = InstagramClient(settings_for(server), http, policy=ONCE)
            await adapter.text_limits()
            return await adapter.publish(draft, "k")

    with pytest.raises(Rejected) as caught:
        asyncio.run(run())
    assert server.instagram_requests() == {}
    return str(caught.value)


def test_a_post_without_any_image_is_one_sentence_and_nothing_is_sent(
    meta_server: MetaServer,
) -> None:
    post = new_post()
    said = _refused_before_sending(meta_server, draft_of(post, image=None))
    assert post.key in said and "image" in said and "nothing was posted" in said
    assert ". " not in said


@pytest.mark.parametrize("image", ["photo.png", "photo.webp", ""])
def test_an_image_that_is_no_jpeg_is_one_sentence_and_nothing_is_sent(
    meta_server: MetaServer, image: str
) -> None:
    """Instagram publishes JPEG only: a PNG that is no social card (it has no twin), a WebP, a
    page's address are refused before anything is sent."""
    post = new_post()
    address = f"{SITE}/images/posts/{image}" if image else post.url
    said = _refused_before_sending(meta_server, draft_of(post, image=address))
    assert said.startswith("Instagram publishes JPEG images only") and address in said
    assert post.key in said and "nothing was posted" in said and ". " not in said


def test_exactly_once_the_lost_answer_is_found(meta_server: MetaServer) -> None:
    post = new_post()
    draft = draft_of(post)
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is None
    first = with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    found = with_adapter(meta_server, lambda a: a.find_published("k", draft))
    assert found is not None and (found.id, found.url) == (first.id, first.url)
    other = draft_of(new_post())
    assert with_adapter(meta_server, lambda a: a.find_published("k", other)) is None
    assert meta_server.count_instagram_posts_naming(post.title) == 1


def test_a_container_not_published_is_reused_not_made_again(meta_server: MetaServer) -> None:
    post = new_post()
    draft = draft_of(post)
    meta_server.instagram_fault("/user/media_publish", 500, 2, message="Service unavailable")
    meta_server.reset_instagram_requests()
    adapter: list[InstagramClient] = []

    async def first(a: InstagramClient) -> Published:
        adapter.append(a)
        return await a.publish(draft, "k")

    with pytest.raises(Unavailable):
        with_adapter(meta_server, first)
    again = with_adapter(meta_server, lambda a: a.publish(draft, "k"), adapter=adapter[0])
    requests = meta_server.instagram_requests()
    assert requests["POST /user/media"] == 1 and requests["POST /user/media_publish"] == 2
    assert meta_server.instagram_posts_naming(post.title) == [again.id]


def test_a_published_container_whose_answer_was_lost_is_looked_up(
    meta_server: MetaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publication went through but its answer was lost: the same adapter, asked again,
    finds its container PUBLISHED and looks the media up instead of publishing it twice."""
    post = new_post()
    draft = draft_of(post)
    adapter: list[InstagramClient] = []

    async def first(a: InstagramClient) -> Published:
        adapter.append(a)
        real = a.graph.post

        async def lossy(path: str, data: dict[str, str]) -> dict[str, object]:
            answer = await real(path, data)
            if path.endswith("/media_publish"):
                raise Unavailable("the answer was lost on the way back")
            return answer

        monkeypatch.setattr(a.graph, "post", lossy)
        return await a.publish(draft, "k")

    with pytest.raises(Unavailable, match="lost"):
        with_adapter(meta_server, first)
    assert meta_server.count_instagram_posts_naming(post.title) == 1
    meta_server.reset_instagram_requests()
    again = with_adapter(meta_server, lambda a: a.publish(draft, "k"), adapter=adapter[0])
    assert "POST /user/media_publish" not in meta_server.instagram_requests()
    assert meta_server.instagram_posts_naming(post.title) == [again.id]


def test_a_crash_between_the_container_and_its_publication_leaves_one_post(
    meta_server: MetaServer,
) -> None:
    post = new_post()
    draft = draft_of(post)

    async def crash(seconds: float) -> None:
        raise Crash("the process stops while the container is prepared")

    meta_server.instagram_containers(polls=1)
    try:
        with pytest.raises(Crash):
            with_adapter(meta_server, lambda a: a.publish(draft, "k"), sleep=crash)
    finally:
        meta_server.instagram_containers()
    assert meta_server.count_instagram_posts_naming(post.title) == 0
    # The next run, a new process: the engine looks the pending intent up, then publishes.
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is None
    with_adapter(meta_server, lambda a: a.publish(draft, "k"))
    assert with_adapter(meta_server, lambda a: a.find_published("k", draft)) is not None
    assert meta_server.count_instagram_posts_naming(post.title) == 1


def test_comments_come_back_nested_without_hidden_ones(meta_server: MetaServer) -> None:
    copy = publish_new(meta_server)
    question = meta_server.instagram_comment("lea", copy.id, "Et pour l'hiver ?")
    answer = meta_server.instagram_comment("noor", question, "Bonne question !")
    hidden = meta_server.instagram_comment("samuel", copy.id, "Achetez mes vélos pas chers")
    meta_server.instagram_comment("lea", hidden, "Sous un commentaire caché")
    hidden_reply = meta_server.instagram_comment("samuel", question, "Pub cachée")
    meta_server.instagram_hide(hidden)
    meta_server.instagram_hide(hidden_reply)
    meta_server.reset_instagram_requests()
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    assert meta_server.instagram_requests() == {"GET /media/comments": 1}
    assert [(i.id, i.content_text, i.in_reply_to) for i in items] == [
        (question, "Et pour l'hiver ?", copy.id),
        (answer, "Bonne question !", question),
    ]
    assert all(i.kind is InteractionKind.REPLY and not i.by_company for i in items)
    assert items[0].author.handle == "lea"
    assert items[0].author.url == "https://www.instagram.com/lea/"
    assert items[0].url == copy.url


def test_reply_answers_once_under_the_top_comment_and_is_found_again(
    meta_server: MetaServer,
) -> None:
    copy = publish_new(meta_server)
    top = meta_server.instagram_comment("lea", copy.id, "Livrez-vous à Québec ?")
    nested_id = meta_server.instagram_comment("samuel", top, "Moi aussi !")
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    nested = next(i for i in items if i.id == nested_id)
    text = "Oui, dès mars ! — Mathieu"
    assert with_adapter(meta_server, lambda a: a.find_reply("k", nested, text)) is None
    sent = with_adapter(meta_server, lambda a: a.reply(nested, copy, text, "k"))
    stored = meta_server.instagram_read_comment(sent.id)
    assert stored["text"] == f"@samuel {text}" and stored["parent_id"] == top
    found = with_adapter(meta_server, lambda a: a.find_reply("k", nested, text))
    assert found is not None and found.id == sent.id
    top_item = next(i for i in items if i.id == top)
    assert with_adapter(meta_server, lambda a: a.find_reply("k", top_item, text)) is None
    items = with_adapter(meta_server, lambda a: a.conversation(copy))
    mine = next(i for i in items if i.id == sent.id)
    assert mine.by_company and mine.in_reply_to == top


def test_media_tagging_the_account_come_as_mentions_and_are_answered_with_a_comment(
    meta_server: MetaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``tags`` edge (IGUser.json), read page by page down to the cursor, then
    ``POST /{ig-media-id}/comments`` (IGMedia.json) on a reader's media, held to Meta's specs."""
    monkeypatch.setattr(meta_graph, "TAGGED_PAGE", 2)  # several pages of the edge
    _, cursor = with_adapter(meta_server, lambda a: a.notifications(""))
    own = publish_new(meta_server)  # the account's own media are not in its tags edge
    texts = [f"Sortie avec @velosboreal, jour {n} {uuid.uuid4().hex[:6]}" for n in range(3)]
    readers = ("lea", "noor", "lea")
    tagged = [meta_server.instagram_tag(who, t) for who, t in zip(readers, texts, strict=True)]
    activities, cursor = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert [a.item_id for a in activities] == tagged  # oldest first
    assert own.id not in [a.item_id for a in activities]
    first = activities[0].item
    assert first is not None
    assert (first.kind, first.author.handle, first.content_text) == (
        InteractionKind.MENTION,
        "lea",
        texts[0],
    )
    assert not first.by_company and first.url.startswith("https://www.instagram.com/p/")
    again, same = with_adapter(meta_server, lambda a: a.notifications(cursor))
    assert (again, same) == ([], cursor)

    root = Copy(
        "instagram",
        CopyStatus.PUBLISHED,
        "",
        first.published_at,
        id=first.id,
        url=first.url,
        published_at=first.published_at,
    )
    sent = with_adapter(meta_server, lambda a: a.reply(first, root, "Merci Léa !", "k"))
    thread = with_adapter(meta_server, lambda a: a.conversation(root))
    assert [(i.id, i.in_reply_to, i.by_company, i.content_text) for i in thread] == [
        (sent.id, first.id, True, "@lea Merci Léa !")
    ]
    found = with_adapter(meta_server, lambda a: a.find_reply("k", first, "Merci Léa !"))
    assert found is not None and found.id == sent.id


def test_a_copy_gone_is_not_found(meta_server: MetaServer) -> None:
    gone = Copy("instagram", CopyStatus.PUBLISHED, "k", utc_now(), id="17909999999999999")
    with pytest.raises(NotFound, match="no longer exists"):
        with_adapter(meta_server, lambda a: a.conversation(gone))


def test_the_token_is_checked_by_its_introspection(meta_server: MetaServer) -> None:
    status = with_adapter(meta_server, lambda a: a.credential_status())
    assert status.expires_at is None  # a system user's Page token does not expire
    assert "System users" in status.renew and "AGORA_INSTAGRAM_ACCESS_TOKEN" in status.renew
    assert meta_server.instagram_token not in status.renew
    meta_server.instagram_expire()
    try:
        with pytest.raises(AuthError, match="refused the token of the Instagram account"):
            with_adapter(meta_server, lambda a: a.credential_status())
    finally:
        meta_server.instagram_expire(False)


def test_a_token_that_expires_is_refreshed_at_instagrams_refresh_address(
    meta_server: MetaServer,
) -> None:
    settings = replace(settings_for(meta_server), refresh_url=meta_server.instagram_url)

    spec = InstagramSpec("", meta_server.instagram_user_id)
    transport = ValidatingTransport(httpx.AsyncHTTPTransport(), spec, prefix="/instagram")

    async def go() -> Renewed:
        async with httpx.AsyncClient(transport=transport, timeout=30) as http:
            return await InstagramClient(settings, http, policy=ONCE).refresh_credential()

    meta_server.instagram_token_days_left(10)  # an Instagram Login token, 50 days old
    try:
        renewed = asyncio.run(go())
    finally:
        meta_server.instagram_token_days_left(None)
    assert transport.problems == [] and transport.exchanges == [
        ("GET", "/refresh_access_token", 200)
    ]
    assert renewed.value.startswith("IGAA") and renewed.value != meta_server.instagram_token
    assert renewed.expires_at is not None
    assert 59 <= (renewed.expires_at - utc_now()).days <= 60


@pytest.mark.parametrize(
    ("status", "code", "subcode", "error", "said"),
    [
        (400, 190, 463, AuthError, "refused the token of the Instagram account"),
        (403, 10, None, AuthError, "its token needs instagram_basic"),
        (400, 4, None, RateLimited, "is rate-limiting the Instagram account"),
        (400, 9004, 2207052, Rejected, "could not use the image of what the Instagram account"),
        (400, 36003, 2207009, Rejected, "between 4:5 and 1.91:1"),
        (500, 2, None, Unavailable, "is failing for the Instagram account"),
        (400, 100, None, Rejected, "refused what the Instagram account"),
    ],
)
def test_errors_are_one_sentence_naming_instagram_the_account_and_what_to_do(
    meta_server: MetaServer,
    status: int,
    code: int,
    subcode: int | None,
    error: type[Exception],
    said: str,
) -> None:
    post = new_post()
    meta_server.instagram_fault(
        "/user/media", status, code, subcode=subcode, message="Something. More", method="POST"
    )
    with pytest.raises(error) as caught:
        with_adapter(meta_server, lambda a: a.publish(draft_of(post), "k"))
    message = str(caught.value)
    assert message.startswith(f"Instagram ({code}: Something)") and said in message
    assert meta_server.instagram_user_id in message and ". " not in message
    assert meta_server.instagram_token not in message
    assert meta_server.count_instagram_posts_naming(post.title) == 0


def test_the_validator_refuses_what_instagram_does_not_describe(meta_server: MetaServer) -> None:
    """The proof the check can fail: a parameter, a field and a value Meta's specs lack."""
    user = meta_server.instagram_user_id
    spec = InstagramSpec("", user)
    media = "17900000000000001"
    comment = "17850000000000001"
    container = "17890000000000001"
    ok = {"image_url": "http://x/a.jpg", "caption": "x"}
    assert not spec.request_errors("POST", f"/v26.0/{user}/media", ok)
    assert spec.request_errors("POST", f"/v26.0/{user}/media", {"message": "x"})
    assert spec.request_errors("GET", f"/v26.0/{media}/comments", {"fields": "id,message"})
    assert spec.request_errors("POST", f"/v26.0/{media}/replies", {"message": "x"})
    # The tags edge takes no parameter of its own (no ``since``) and gives IGMedia.
    assert spec.request_errors("GET", f"/v26.0/{user}/tags", {"since": "1"})
    assert spec.request_errors("GET", f"/v26.0/{user}/tags", {"fields": "id,message"})
    assert not spec.request_errors("GET", f"/v26.0/{user}/tags", {"fields": "id,username"})
    assert not spec.request_errors("POST", f"/v26.0/{media}/comments", {"message": "x"})
    assert spec.request_errors("POST", f"/v26.0/{media}/comments", {"text": "x"})
    assert spec.request_errors("GET", f"/v26.0/{comment}", {"fields": "id,is_hidden"})
    assert spec.request_errors("GET", f"/v26.0/{container}", {"fields": "id,caption"})
    asked = {"fields": "id,hidden,text"}
    wrong = {"data": [{"id": comment, "hidden": "yes", "text": "x"}]}
    assert spec.response_errors("GET", f"/v26.0/{media}/comments", asked, 200, wrong)
    extra = {"data": [{"id": comment, "username": "x"}]}
    assert spec.response_errors("GET", f"/v26.0/{media}/comments", asked, 200, extra)
    status = {"fields": "id,status_code"}
    assert spec.response_errors(
        "GET", f"/v26.0/{container}", status, 200, {"id": container, "status_code": "DONE"}
    )
