"""The local X double answers in X's shape and behaves as X does.

The proof: schemathesis runs the double's ASGI app in-process against X's own OpenAPI document
(``fixtures/x-api-v2-openapi.json``) for every operation the client uses, each request signed with
OAuth 1.0a as the brand, with schemathesis's default checks (response schema conformance among
them) and fails on any violation (``x_double_support`` says which two kinds of X behaviour outside
the document it accepts, and how narrowly). Per operation: the document's examples, the coverage
phase's positive cases (every enum value and boundary of every parameter), and ``FUZZ_EXAMPLES``
random cases, valid and invalid, most of them on seeded data (the document's example ids name
seeded posts and the brand); plus, for each operation, one request as the client sends it on the
seeded data, which must succeed. The same run, against a copy of the double that answers one id
as a number, reports the violation.

Then flows through a real double in a child process (``x_server``): what readers do reaches the
brand, and X's refusals, faults, 7-day window, protected accounts and hidden replies.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.errors import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from x_double_support import (
    LOCAL,
    OPERATIONS,
    Conformance,
    example_server,
    httpx_auth,
    post,
    requests_auth,
    seed,
    signed_client,
    with_numeric_user_id,
)

from sandbox.x import XServer, new_server
from sandbox.x_api import create_app

FUZZ_EXAMPLES = 10
RUN = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # nothing written in the checkout
    derandomize=True,  # the same cases on every run, so that a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
POSITIVE = [schemathesis.GenerationMode.POSITIVE]

# The double under proof, in-process, with throw-away credentials, the brand at the document's
# example user id. Rate limits are not enforced here: the proof sends far more requests than X's
# 15-minute windows allow (they are tested below).
SERVER = example_server(LOCAL)
APP = create_app({**SERVER.to_json(), "rate_limits": False})
IDS = seed(APP, SERVER)
PROOF = Conformance.of(APP, SERVER)
PROOF.steer(SERVER, IDS)
# Invalid data is covered by the fuzzing phase; the coverage phase's negative cases (every way to
# break every parameter) would triple the run's time for little more.
PROOF.schema.config.phases.coverage.generation.modes = POSITIVE


@PROOF.schema.parametrize()
@RUN
def test_the_double_answers_as_xs_document_says(case: Any) -> None:
    PROOF.run(case)


def reply_to(post_id: str) -> dict[str, str]:
    return {"in_reply_to_tweet_id": post_id}


# What the client asks for (syndication/networks/x): the document's names for fields.
CLIENT_POST_QUERY = {
    "post.fields": "created_at,conversation_id,entities,lang,public_metrics",
    "expansions": "author_id,referenced_posts,in_reply_to_user_id",
    "user.fields": "name,username,profile_image_url,protected,url",
}
CLIENT_USER_QUERY = {"user.fields": CLIENT_POST_QUERY["user.fields"]}


def client_request(operation_id: str) -> dict[str, Any]:
    """A request as the client makes it, on the seeded posts, for ``operation_id``."""
    root, reply, brand, tag = IDS["posts"][0], IDS["replies"][0], SERVER.brand.user_id, uuid.uuid4()
    page = {**CLIENT_POST_QUERY, "max_results": 5}
    if operation_id == "deletePosts":
        doomed = post(signed_client(APP, SERVER, "velosboreal"), {"text": f"À effacer {tag}"})
        return {"path_parameters": {"id": doomed}}
    requests: dict[str, dict[str, Any]] = {
        "createPosts": {"body": {"text": f"Merci ! {tag}", "reply": reply_to(reply)}},
        "getPostsById": {"path_parameters": {"id": root}, "query": CLIENT_POST_QUERY},
        "getPostsByIds": {"query": {**CLIENT_POST_QUERY, "ids": f"{root},{reply},1"}},
        "getPostsLikingUsers": {"path_parameters": {"id": root}, "query": CLIENT_USER_QUERY},
        "getPostsQuotedPosts": {"path_parameters": {"id": root}, "query": CLIENT_POST_QUERY},
        "getPostsRepostedBy": {"path_parameters": {"id": root}, "query": CLIENT_USER_QUERY},
        "getUsersByUsername": {"path_parameters": {"username": "lea"}, "query": CLIENT_USER_QUERY},
        "getUsersMe": {"query": CLIENT_USER_QUERY},
        "getUsersMentions": {"path_parameters": {"id": brand}, "query": page},
        "getUsersPosts": {"path_parameters": {"id": brand}, "query": page},
        "hidePostsReply": {"path_parameters": {"tweet_id": reply}, "body": {"hidden": True}},
        "likePost": {"path_parameters": {"id": brand}, "body": {"tweet_id": reply}},
        "repostPost": {"path_parameters": {"id": brand}, "body": {"tweet_id": reply}},
        "searchPostsRecent": {
            "query": {**CLIENT_POST_QUERY, "query": f"conversation_id:{root} -is:retweet"}
        },
    }
    return requests[operation_id]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_answers_full_of_data_match_the_document_too(operation_id: str) -> None:
    operation = PROOF.schema.find_operation_by_id(operation_id)
    case = operation.Case(**client_request(operation_id))
    response = case.call_and_validate(auth=requests_auth(SERVER, "velosboreal"))
    assert 200 <= response.status_code < 300, response.text
    assert "data" in response.json(), response.text


BROKEN = Conformance.of(with_numeric_user_id(create_app(SERVER.to_json())), SERVER, ["getUsersMe"])
BROKEN.schema.config.generation.modes = POSITIVE


@BROKEN.schema.parametrize()
@settings(RUN, max_examples=5)
def test_the_same_run_reports_a_wrong_shape(case: Any) -> None:
    with pytest.raises(FailureGroup) as caught:
        BROKEN.run(case)
    assert any(isinstance(failure, JsonSchemaError) for failure in caught.value.exceptions)


# --- flows through a real double (a child process on a loopback port) -----------------------


@pytest.fixture
def tag() -> str:
    """A word no other post holds (X refuses the same text twice from one account)."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def people(x_server: XServer) -> Iterator[dict[str, httpx.Client]]:
    """A signed client of the double for each demo account, by username."""
    clients = {
        a.username: httpx.Client(
            base_url=x_server.base_url, auth=httpx_auth(x_server, a.username), timeout=10
        )
        for a in x_server.accounts
    }
    yield clients
    for client in clients.values():
        client.close()


def ids_of(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body.get("data", [])]


def test_what_readers_do_reaches_the_brand(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand, lea, samuel, noor = (people[n] for n in ("velosboreal", "lea", "samuel", "noor"))
    url = f"https://velosboreal.ca/blog/hiver-{tag}"
    root = post(brand, {"text": f"Nos vélos d'hiver arrivent : {url}"})
    reply = post(lea, {"text": f"Quand exactement ? {tag}", "reply": reply_to(root)})
    nested = post(samuel, {"text": f"Bonne question {tag}", "reply": reply_to(reply)})
    liked = noor.post(f"/2/users/{x_server.account('noor').user_id}/likes", json={"tweet_id": root})
    assert liked.json() == {"data": {"liked": True}}
    samuel_id = x_server.account("samuel").user_id
    reposted = samuel.post(f"/2/users/{samuel_id}/retweets", json={"tweet_id": root}).json()
    assert reposted["data"]["retweeted"] is True
    quote = post(noor, {"text": f"À lire {tag}", "quote_tweet_id": root})

    fields = "author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities"
    found = brand.get(
        "/2/tweets/search/recent",
        params={
            "query": f"conversation_id:{root} -is:retweet",
            "tweet.fields": fields,
            "expansions": "author_id",
            "user.fields": "protected",
            "max_results": 100,
        },
    ).json()
    assert ids_of(found) == [nested, reply, root]  # newest first
    by_id = {item["id"]: item for item in found["data"]}
    lea_id = x_server.account("lea").user_id
    assert by_id[nested]["conversation_id"] == root
    assert by_id[nested]["in_reply_to_user_id"] == lea_id
    assert by_id[nested]["referenced_tweets"] == [{"type": "replied_to", "id": reply}]
    assert by_id[nested]["edit_history_tweet_ids"] == [nested]
    link = by_id[root]["entities"]["urls"][0]
    assert link["expanded_url"] == url and link["url"].startswith("https://t.co/")
    assert len(link["url"]) == 23 and link["url"] in by_id[root]["text"]
    assert by_id[root]["text"][link["start"] : link["end"]] == link["url"]
    assert {u["username"] for u in found["includes"]["users"]} == {"velosboreal", "lea", "samuel"}

    brand_id = x_server.brand.user_id
    mentions = brand.get(f"/2/users/{brand_id}/mentions", params={"max_results": 100}).json()
    assert reply in ids_of(mentions) and nested not in ids_of(mentions)

    likers = brand.get(f"/2/tweets/{root}/liking_users").json()
    assert [u["username"] for u in likers["data"]] == ["noor"]
    reposters = brand.get(f"/2/tweets/{root}/retweeted_by").json()
    assert [u["username"] for u in reposters["data"]] == ["samuel"]
    quotes = brand.get(f"/2/tweets/{root}/quote_tweets", params={"tweet.fields": fields}).json()
    assert ids_of(quotes) == [quote]
    assert quotes["data"][0]["referenced_tweets"] == [{"type": "quoted", "id": root}]

    looked_up = brand.get(
        "/2/tweets", params={"ids": f"{root},1", "tweet.fields": "public_metrics"}
    ).json()
    metrics = looked_up["data"][0]["public_metrics"]
    assert (metrics["reply_count"], metrics["like_count"]) == (1, 1)
    assert (metrics["retweet_count"], metrics["quote_count"]) == (1, 1)
    [missing] = looked_up["errors"]
    assert (missing["resource_id"], missing["title"]) == ("1", "Not Found Error")
    assert missing["type"] == "https://api.x.com/2/problems/resource-not-found"

    by_link = brand.get("/2/tweets/search/recent", params={"query": f'url:"{url}"'}).json()
    assert len(ids_of(by_link)) == 2  # the post and samuel's repost, whose text carries the link
    by_link = brand.get(
        "/2/tweets/search/recent", params={"query": f'url:"{url}" -is:retweet'}
    ).json()
    assert ids_of(by_link) == [root]


def test_the_same_text_twice_is_refused_as_x_refuses_it(
    people: dict[str, httpx.Client], tag: str
) -> None:
    text = f"Ouvert dimanche {tag}"
    post(people["velosboreal"], {"text": text})
    again = people["velosboreal"].post("/2/tweets", json={"text": text})
    assert again.status_code == 403
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json() == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    post(people["lea"], {"text": text})  # another account may say the same


def test_faults_answer_as_x_then_the_double_resumes(
    x_server: XServer, people: dict[str, httpx.Client]
) -> None:
    camille = people["camille"]
    x_server.reset_requests()
    x_server.fault("/2/users/me", 429, times=2)
    for _ in range(2):
        limited = camille.get("/2/users/me")
        assert limited.status_code == 429
        assert limited.headers["x-rate-limit-remaining"] == "0"
        assert int(limited.headers["x-rate-limit-reset"]) > time.time()
        assert limited.json()["title"] == "Too Many Requests"
    assert camille.get("/2/users/me").status_code == 200

    expected = {
        401: ("title", "Unauthorized"),
        402: ("type", "https://api.x.com/2/problems/usage-capped"),
        403: ("reason", "client-not-enrolled"),
        500: ("title", "Internal Server Error"),
    }
    for status, (key, value) in expected.items():
        x_server.fault("/2/users/{id}/mentions", status, method="GET")
        answer = camille.get(f"/2/users/{x_server.brand.user_id}/mentions")
        assert (answer.status_code, answer.json()[key]) == (status, value)
        assert "x-rate-limit-reset" in answer.headers

    body = {"title": "Service Unavailable", "detail": "Over capacity", "type": "about:blank"}
    x_server.fault("/2/tweets", 503, method="POST", headers={"retry-after": "7"}, body=body)
    assert camille.get("/2/tweets", params={"ids": "1"}).status_code == 200  # another method
    unavailable = camille.post("/2/tweets", json={"text": f"Essai {uuid.uuid4()}"})
    assert (unavailable.status_code, unavailable.headers["retry-after"]) == (503, "7")
    assert unavailable.json() == body

    assert x_server.requests() == {
        "GET /2/tweets": 1,
        "GET /2/users/me": 3,
        "GET /2/users/{id}/mentions": 4,
        "POST /2/tweets": 1,
    }
    x_server.reset_requests()
    assert x_server.requests() == {}


def test_requests_without_a_good_signature_are_refused(
    x_server: XServer, people: dict[str, httpx.Client]
) -> None:
    unauthorized = {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    lea = x_server.account("lea")
    wrong_secret = httpx_auth(x_server, "lea", consumer_secret="not-the-app-secret")
    unknown_token = httpx_auth(x_server, "lea", token=f"{lea.user_id}-unknown")
    with httpx.Client(base_url=x_server.base_url, timeout=10) as anonymous:
        for auth in (wrong_secret, unknown_token, None):
            refused = anonymous.get("/2/users/me", auth=auth)
            assert refused.status_code == 401
            assert refused.json() == unauthorized
            assert refused.headers["x-rate-limit-limit"] == "75"
        # A signed request sent twice: its nonce serves once.
        request = anonymous.build_request("GET", "/2/users/me")
        signed = next(iter(httpx_auth(x_server, "lea").sync_auth_flow(request)))
        assert anonymous.send(signed).status_code == 200
        assert anonymous.send(signed).status_code == 401


def test_recent_search_only_sees_the_last_seven_days(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand = people["velosboreal"]
    root = post(brand, {"text": f"Atelier ouvert {tag}"})
    old = post(people["lea"], {"text": f"Ancienne question {tag}", "reply": reply_to(root)})
    young = post(people["samuel"], {"text": f"Nouvelle question {tag}", "reply": reply_to(root)})
    x_server.backdate(old, days=8)

    search = brand.get("/2/tweets/search/recent", params={"query": f"conversation_id:{root}"})
    assert ids_of(search.json()) == [young, root]
    mentions = brand.get(f"/2/users/{x_server.brand.user_id}/mentions", params={"since_id": root})
    assert old in ids_of(mentions.json())  # the mentions timeline is not bounded by 7 days
    assert brand.get(f"/2/tweets/{old}").json()["data"]["id"] == old

    too_old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 8 * 86400))
    refused = brand.get(
        "/2/tweets/search/recent",
        params={"query": f"conversation_id:{root}", "start_time": too_old},
    )
    assert refused.status_code == 400
    assert refused.json()["type"] == "https://api.x.com/2/problems/invalid-request"
    assert list(refused.json()["errors"][0]["parameters"]) == ["start_time"]


def test_recent_search_reads_xs_query_language(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand, lea, noor = people["velosboreal"], people["lea"], people["noor"]
    first = post(brand, {"text": f"Premier {tag}"})
    second = post(brand, {"text": f"Second {tag}"})
    answer = post(lea, {"text": f"Réponse {tag}", "reply": reply_to(first)})
    elsewhere = post(noor, {"text": f"Ailleurs {tag} #vélo"})
    noor_id = x_server.account("noor").user_id
    noor.post(f"/2/users/{noor_id}/retweets", json={"tweet_id": second})

    def search(query: str) -> list[str]:
        answered = brand.get("/2/tweets/search/recent", params={"query": query})
        assert answered.status_code == 200, answered.text
        return ids_of(answered.json())

    assert search(f"conversation_id:{first} OR conversation_id:{second} -is:retweet") == [
        answer,
        second,
        first,
    ]
    assert search(f"{tag} (from:lea OR from:noor) -is:retweet") == [elsewhere, answer]
    assert search(f"to:velosboreal {tag}") == [answer]
    assert search(f'"réponse {tag}"') == [answer]  # a phrase, whatever the case
    assert search(f"#velo {tag}") == [elsewhere]  # accents folded, as X does
    assert len(search(f"{tag} is:retweet")) == 1

    for query in ("-is:retweet", f"({tag}", f"{tag} OR", "x" * 513, "nope:op"):
        refused = brand.get("/2/tweets/search/recent", params={"query": query})
        assert refused.status_code == 400, query
        assert list(refused.json()["errors"][0]["parameters"]) == ["query"]


def test_mentions_page_backwards_and_since_id_brings_only_the_new(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand = people["velosboreal"]
    root = post(brand, {"text": f"Sondage {tag}"})
    replies = [
        post(people[name], {"text": f"Avis {n} {tag}", "reply": reply_to(root)})
        for n, name in enumerate(["lea", "samuel", "noor"] * 2 + ["lea"])
    ]
    path = f"/2/users/{x_server.brand.user_id}/mentions"
    first = brand.get(path, params={"since_id": root, "max_results": 5}).json()
    assert ids_of(first) == replies[::-1][:5]
    meta = first["meta"]
    assert (meta["newest_id"], meta["oldest_id"], meta["result_count"]) == (
        replies[-1],
        replies[2],
        5,
    )
    rest = brand.get(
        path, params={"since_id": root, "max_results": 5, "pagination_token": meta["next_token"]}
    ).json()
    assert ids_of(rest) == replies[1::-1] and "next_token" not in rest["meta"]
    nothing = brand.get(path, params={"since_id": replies[-1]}).json()
    assert nothing == {"meta": {"result_count": 0}}


def test_a_protected_readers_posts_come_marked_protected(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand = people["velosboreal"]
    root = post(brand, {"text": f"Question du jour {tag}"})
    reply = post(people["noor"], {"text": f"Ma réponse {tag}", "reply": reply_to(root)})
    x_server.protect("noor")
    try:
        found = brand.get(
            "/2/tweets/search/recent",
            params={
                "query": f"conversation_id:{root}",
                "expansions": "author_id",
                "user.fields": "protected",
            },
        ).json()
    finally:
        x_server.protect("noor", False)
    assert reply in ids_of(found)  # as for an approved follower: X shows no one else
    users = {u["username"]: u["protected"] for u in found["includes"]["users"]}
    assert users == {"noor": True, "velosboreal": False}


def test_a_hidden_reply_is_hidden_by_the_root_author_only_and_still_read(
    x_server: XServer, people: dict[str, httpx.Client], tag: str
) -> None:
    brand, lea = people["velosboreal"], people["lea"]
    root = post(brand, {"text": f"Nouveautés {tag}"})
    reply = post(lea, {"text": f"Hors sujet {tag}", "reply": reply_to(root)})
    refused = lea.put(f"/2/tweets/{reply}/hidden", json={"hidden": True})
    assert refused.status_code == 403
    hidden = brand.put(f"/2/tweets/{reply}/hidden", json={"hidden": True})
    assert hidden.json() == {"data": {"hidden": True}}
    # X documents no field that says a reply is hidden; lookups and search still return it.
    search = brand.get("/2/tweets/search/recent", params={"query": f"conversation_id:{root}"})
    assert reply in ids_of(search.json())
    shown = brand.put(f"/2/tweets/{reply}/hidden", json={"hidden": False})
    assert shown.json() == {"data": {"hidden": False}}


def test_api_accounts_reply_and_quote_only_where_summoned(
    people: dict[str, httpx.Client], tag: str
) -> None:
    brand, camille, lea = people["velosboreal"], people["camille"], people["lea"]
    unrelated = post(lea, {"text": f"Mon vélo est prêt {tag}"})
    for body in ({"reply": reply_to(unrelated)}, {"quote_tweet_id": unrelated}):
        refused = camille.post("/2/tweets", json={"text": f"Bravo {uuid.uuid4()}", **body})
        assert refused.status_code == 403
        assert refused.json()["detail"] == (
            "You can only reply to or quote posts where you are mentioned or are the author."
        )
    calling = post(lea, {"text": f"@camille une question {tag}"})
    post(camille, {"text": f"Avec plaisir {tag}", "reply": reply_to(calling)})
    root = post(brand, {"text": f"Billet {tag}"})
    question = post(lea, {"text": f"Et le prix ? {tag}", "reply": reply_to(root)})
    post(brand, {"text": f"Dès 900 $ {tag}", "reply": reply_to(question)})  # a reply to the brand
    post(people["samuel"], {"text": f"Je cite {tag}", "quote_tweet_id": unrelated})  # a reader


def test_rate_limits_are_counted_and_enforced_per_user() -> None:
    server = new_server(LOCAL)
    app = create_app(server.to_json())
    brand, lea = signed_client(app, server, "velosboreal"), signed_client(app, server, "lea")
    for used in range(1, 76):
        answer = brand.get("/2/users/me")
        assert answer.status_code == 200
        assert answer.headers["x-rate-limit-limit"] == "75"
        assert answer.headers["x-rate-limit-remaining"] == str(75 - used)
    limited = brand.get("/2/users/me")
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert 0 < int(limited.headers["x-rate-limit-reset"]) - time.time() <= 15 * 60
    assert lea.get("/2/users/me").status_code == 200  # per user
    assert brand.get("/2/tweets", params={"ids": "1"}).status_code == 200  # per endpoint
