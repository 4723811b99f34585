"""Every URL the adapter builds is the one LinkedIn's own client builds for the same request.

LinkedIn publishes no machine-readable description of its API; its official Python client
(``linkedin-api-client``) encodes Rest.li 2.0 URLs, URNs and query parameters itself. Each
operation of the adapter runs here against scripted answers; every request it sent is compared,
method, URL (character for character) and the version and protocol headers, with what LinkedIn's
client prepares for the same call (``linkedin_oracle``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from linkedin_oracle import API, TOKEN, VERSION, Expected, Recorder, expected

from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Person, Post
from syndication.networks.base import Draft, LinkCard
from syndication.networks.linkedin.client import LinkedInClient
from syndication.networks.linkedin.settings import LinkedInSettings

T = TypeVar("T")
ORG = "2414183"
ORG_URN = f"urn:li:organization:{ORG}"
POST_URN = "urn:li:share:7400000000000000001"
OTHER_URN = "urn:li:ugcPost:7400000000000000002"
COMMENT = f"urn:li:comment:({POST_URN},7400000000000000010)"
NESTED = f"urn:li:comment:({POST_URN},7400000000000000011)"
IMAGE = "urn:li:image:D4E10AQ0000000001"
PAGE_URL = "https://blogue.velosboreal.com/freins/"
SETTINGS = LinkedInSettings(
    api_url=API,
    oauth_url="https://www.linkedin.com",
    organization=ORG,
    version=VERSION,
    access_token=TOKEN,
)
POST = Post(
    key="freins.fr",
    slug="freins",
    lang="fr",
    title="Freins (2026)",
    summary="Tout sur les freins.",
    url=PAGE_URL,
    date=datetime(2026, 11, 30, tzinfo=UTC),
    author="Camille Tremblay",
)
NOW_MS = 1764600000000
COPY = Copy("linkedin", CopyStatus.PUBLISHED, "k", datetime(2026, 11, 30, tzinfo=UTC), id=POST_URN)


def comment(urn: str, parent: str = "", actor: str = "urn:li:person:Lea123") -> dict[str, Any]:
    body: dict[str, Any] = {
        "actor": actor,
        "commentUrn": urn,
        "object": POST_URN,
        "id": urn.rsplit(",", 1)[1].rstrip(")"),
        "created": {"time": NOW_MS},
        "message": {"text": "Merci \\!"},
        "commentsSummary": {"aggregatedTotalComments": 0 if parent else 1},
    }
    if parent:
        body["parentComment"] = parent
    return body


def answer(request: httpx.Request) -> httpx.Response:
    """LinkedIn's answers, enough for every path the adapter takes."""
    path = request.url.raw_path.decode()
    if request.method == "PUT":
        return httpx.Response(201)
    if path.startswith("/rest/images?action"):
        upload = "https://www.linkedin.com/dms-uploads/sp/D4E10AQ/0"
        return httpx.Response(200, json={"value": {"uploadUrl": upload, "image": IMAGE}})
    if request.method == "POST" and path == "/rest/posts":
        return httpx.Response(201, headers={"x-restli-id": POST_URN})
    if request.method == "POST" and "/comments" in path:
        return httpx.Response(201, json=comment(NESTED, COMMENT, ORG_URN))
    if path.startswith("/rest/posts?"):
        post = {"id": POST_URN, "createdAt": NOW_MS, "content": {"article": {"source": PAGE_URL}}}
        return httpx.Response(200, json={"elements": [post], "paging": {"total": 1}})
    if path.startswith("/rest/posts/urn%3Ali%3AugcPost"):
        post = {"id": OTHER_URN, "author": "urn:li:person:Lea123", "createdAt": NOW_MS}
        return httpx.Response(200, json={**post, "commentary": f"@[Vélos Boréal]({ORG_URN}) merci"})
    if path.startswith("/rest/posts/"):
        return httpx.Response(200, json={"id": POST_URN})
    if path.startswith("/rest/socialMetadata"):
        meta = {"commentSummary": {"count": 2, "topLevelCount": 1}, "reactionSummaries": {}}
        return httpx.Response(200, json={"results": {POST_URN: meta}})
    if path.startswith("/rest/organizationalEntityShareStatistics"):
        element = {"share": POST_URN, "totalShareStatistics": {"shareCount": 4}}
        return httpx.Response(200, json={"elements": [element], "paging": {"total": 1}})
    if path.startswith("/rest/memberCreatorPostAnalytics"):
        return httpx.Response(200, json={"elements": [{"count": 2}]})
    if path.startswith("/rest/socialActions/"):
        if "7400000000000000010%29/comments" in path:
            elements = [comment(NESTED, COMMENT, ORG_URN)]
        else:
            elements = [comment(COMMENT)]
        return httpx.Response(200, json={"elements": elements, "paging": {"total": 1}})
    if path.startswith("/rest/reactions/"):
        reaction = {"reactionType": "LIKE", "created": {"actor": "urn:li:person:Sam", "time": 1}}
        return httpx.Response(200, json={"elements": [reaction], "paging": {"total": 1}})
    if path.startswith("/rest/organizationalEntityNotifications"):
        mentions = [
            {"action": "SHARE_MENTION", "sourcePost": OTHER_URN, "lastModifiedAt": NOW_MS + 1},
            {
                "action": "COMMENT_MENTION",
                "sourcePost": POST_URN,
                "generatedActivity": COMMENT,
                "lastModifiedAt": NOW_MS + 2,
            },
        ]
        return httpx.Response(200, json={"elements": mentions, "paging": {"total": 2}})
    if path.startswith("/rest/people"):
        profile = {"localizedFirstName": "Léa", "profilePicture": {"displayImage": IMAGE}}
        return httpx.Response(200, json={"results": {"(id:Lea123)": profile}})
    if path.startswith("/rest/organizations"):
        return httpx.Response(200, json={"results": {ORG: {"localizedName": "Vélos Boréal"}}})
    if path.startswith("/rest/images?ids"):
        return httpx.Response(200, json={"results": {IMAGE: {"downloadUrl": "https://m/x"}}})
    return httpx.Response(404, json={"message": f"unscripted {path}", "status": 404})


def run(action: Callable[[LinkedInClient], Awaitable[T]]) -> tuple[T, list[httpx.Request]]:
    recorder = Recorder(answer)

    async def go() -> T:
        async with httpx.AsyncClient(transport=recorder.transport()) as http:
            return await action(LinkedInClient(SETTINGS, http, company_accounts=["Cam1"]))

    return asyncio.run(go()), recorder.sent


def assert_same(sent: httpx.Request, oracle: Expected) -> None:
    assert (sent.method, str(sent.url)) == (oracle.method, oracle.url)
    theirs = {k.lower(): v for k, v in oracle.headers.items()}
    for name in ("linkedin-version", "x-restli-protocol-version", "authorization"):
        assert sent.headers.get(name) == theirs[name], name
    if oracle.method in ("POST", "PUT") and sent.content and oracle.headers.get("Content-Type"):
        assert json.loads(sent.content) is not None


def oracle(method: str, **arguments: Any) -> Expected:
    return expected(
        lambda c: getattr(c, method)(access_token=TOKEN, version_string=VERSION, **arguments)
    )


def test_publish_with_an_image_is_linkedins_action_and_create(tmp_path: Path) -> None:
    image = tmp_path / "card.png"
    image.write_bytes(b"\x89PNG\r\n")
    card = LinkCard(PAGE_URL, POST.title, POST.summary, image_path=str(image))
    draft = Draft("linkedin", POST, "Freins (2026)", 13, 3000, False, card, "fr", "", "")
    published, sent = run(lambda a: a.publish(draft, "k"))
    assert published.id == POST_URN
    init, upload, create = sent
    assert_same(
        init,
        oracle(
            "action",
            resource_path="/images",
            action_name="initializeUpload",
            action_params={"initializeUploadRequest": {"owner": ORG_URN}},
        ),
    )
    assert json.loads(init.content) == {"initializeUploadRequest": {"owner": ORG_URN}}
    assert upload.method == "PUT" and upload.url.host == "www.linkedin.com"
    body = json.loads(create.content)
    assert_same(create, oracle("create", resource_path="/posts", entity=body))
    assert body["content"]["article"]["thumbnail"] == IMAGE
    assert body["commentary"] == "Freins \\(2026\\)"


def test_find_published_is_linkedins_finder() -> None:
    draft = Draft("linkedin", POST, "x", 1, 3000, False, None, "fr", "", "")
    found, [sent] = run(lambda a: a.find_published("k", draft))
    assert found is not None and found.id == POST_URN
    query = {"author": ORG_URN, "sortBy": "CREATED", "start": 0, "count": 50}
    assert_same(
        sent, oracle("finder", resource_path="/posts", finder_name="author", query_params=query)
    )


def test_counts_are_one_batch_get_and_one_statistics_finder() -> None:
    other = Copy("linkedin", COPY.status, "o", COPY.intent_at, id=OTHER_URN)
    counts, sent = run(lambda a: a.counts([COPY, other]))
    assert counts is not None and counts[POST_URN].replies == 1
    assert counts[POST_URN].reposts == 4
    wanted = [
        oracle("batch_get", resource_path="/socialMetadata", ids=[POST_URN, OTHER_URN]),
        oracle(
            "finder",
            resource_path="/organizationalEntityShareStatistics",
            finder_name="organizationalEntity",
            query_params={
                "organizationalEntity": ORG_URN,
                "shares": [POST_URN],
                "ugcPosts": [OTHER_URN],
            },
        ),
    ]
    assert sorted(str(r.url) for r in sent) == sorted(w.url for w in wanted)
    by_url = {str(r.url): r for r in sent}
    for want in wanted:
        assert_same(by_url[want.url], want)


def test_an_employees_repost_counts_are_linkedins_member_analytics_finder() -> None:
    settings = LinkedInSettings(API, "https://www.linkedin.com", ORG, VERSION, TOKEN, person="Cam1")
    recorder = Recorder(answer)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=recorder.transport()) as http:
            return await LinkedInClient(settings, http).counts([COPY])

    counts = asyncio.run(go())
    assert counts[POST_URN].reposts == 2
    [analytics] = [r for r in recorder.sent if "memberCreatorPostAnalytics" in str(r.url)]
    query = {"entity": {"share": POST_URN}, "queryType": "RESHARE", "aggregation": "TOTAL"}
    assert_same(
        analytics,
        oracle(
            "finder",
            resource_path="/memberCreatorPostAnalytics",
            finder_name="entity",
            query_params=query,
        ),
    )


def test_the_conversation_reads_are_linkedins_get_all_finder_and_batch_gets() -> None:
    async def read(adapter: LinkedInClient) -> list[Interaction]:
        adapter._missing.add(POST_URN)  # a copy the counts left out is looked up first
        return await adapter.conversation(COPY)

    items, sent = run(read)
    assert [i.kind for i in items] == [
        InteractionKind.REPLY,
        InteractionKind.REPLY,
        InteractionKind.LIKE,
    ]
    page = {"start": 0, "count": 100}
    wanted = [
        oracle("get", resource_path="/posts/{id}", path_keys={"id": POST_URN}),
        oracle(
            "get_all",
            resource_path="/socialActions/{id}/comments",
            path_keys={"id": POST_URN},
            query_params=page,
        ),
        oracle(
            "finder",
            resource_path="/reactions/{id}",
            path_keys={"id": {"entity": POST_URN}},
            finder_name="entity",
            query_params=page,
        ),
        oracle(
            "get_all",
            resource_path="/socialActions/{id}/comments",
            path_keys={"id": COMMENT},
            query_params=page,
        ),
        oracle("batch_get", resource_path="/people", ids=[{"id": "Lea123"}, {"id": "Sam"}]),
        oracle("batch_get", resource_path="/organizations", ids=[ORG]),
        oracle("batch_get", resource_path="/images", ids=[IMAGE]),
    ]
    assert sorted(str(r.url) for r in sent) == sorted(w.url for w in wanted)
    by_url = {str(r.url): r for r in sent}
    for want in wanted:
        assert_same(by_url[want.url], want)


def test_reply_and_find_reply_are_linkedins_create_and_get_all() -> None:
    lea = Person("linkedin", "urn:li:person:Lea123", "", "Léa")
    parent = Interaction(
        "linkedin", InteractionKind.REPLY, NESTED, lea, COPY.intent_at, in_reply_to=COMMENT
    )
    published, [sent, named] = run(lambda a: a.reply(parent, COPY, "Merci (Léa) !", "k"))
    body = json.loads(sent.content)
    assert body["parentComment"] == COMMENT  # comments nest once: under the top-level one
    assert_same(
        sent,
        oracle(
            "create",
            resource_path="/socialActions/{id}/comments",
            path_keys={"id": COMMENT},
            entity=body,
        ),
    )
    assert published.id == NESTED
    # The page's name, for the answer as recorded: one BATCH_GET of the organization.
    assert_same(named, oracle("batch_get", resource_path="/organizations", ids=[ORG]))
    assert published.extra == {"author_name": "Vélos Boréal", "author_handle": ""}
    _, [looked] = run(lambda a: a.find_reply("k", parent, "Merci !"))
    page = {"start": 0, "count": 100}
    assert_same(
        looked,
        oracle(
            "get_all",
            resource_path="/socialActions/{id}/comments",
            path_keys={"id": COMMENT},
            query_params=page,
        ),
    )


@pytest.mark.parametrize("person", ["", "AbC123"])
def test_credential_check_without_the_apps_keys(person: str) -> None:
    settings = LinkedInSettings(API, "https://www.linkedin.com", ORG, VERSION, TOKEN, person=person)
    recorder = Recorder(answer)

    async def go() -> None:
        async with httpx.AsyncClient(transport=recorder.transport()) as http:
            status = await LinkedInClient(settings, http).credential_status()
            assert status.expires_at is None and "60 days" in status.renew

    asyncio.run(go())
    if person:
        assert recorder.sent == []
    else:
        query = {"author": ORG_URN, "count": 1}
        assert_same(
            recorder.sent[0],
            oracle("finder", resource_path="/posts", finder_name="author", query_params=query),
        )


def test_mentions_are_linkedins_notifications_criteria_finder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime.fromtimestamp((NOW_MS + 60_000) / 1000, UTC)
    monkeypatch.setattr("syndication.networks.linkedin.client._clock", lambda: now)
    since = datetime.fromtimestamp(NOW_MS / 1000, UTC)
    (activities, cursor), sent = run(lambda a: a.notifications(since.isoformat()))
    assert [(a.kind, a.subject_id) for a in activities] == [
        (InteractionKind.MENTION, OTHER_URN),
        (InteractionKind.MENTION, COMMENT),
    ]
    assert (
        activities[0].item is not None and activities[0].item.content_text == "Vélos Boréal merci"
    )
    assert cursor == datetime.fromtimestamp((NOW_MS + 2) / 1000, UTC).isoformat().replace(
        "+00:00", "Z"
    )
    query = {
        "actions": ["SHARE_MENTION", "COMMENT_MENTION"],
        "organizationalEntity": ORG_URN,
        "timeRange": {"start": NOW_MS, "end": NOW_MS + 60_001},
        "start": 0,
        "count": 100,
    }
    assert_same(
        sent[0],
        oracle(
            "finder",
            resource_path="/organizationalEntityNotifications",
            finder_name="criteria",
            query_params=query,
        ),
    )
    # Then the post and the comment's thread, read as the other reads are.
    assert_same(sent[1], oracle("get", resource_path="/posts/{id}", path_keys={"id": OTHER_URN}))


def test_a_first_run_of_mentions_only_sets_the_cursor() -> None:
    (activities, cursor), sent = run(lambda a: a.notifications(""))
    assert activities == [] and cursor and sent == []
