"""Facebook's converters on a golden answer of Graph's, itself held to Meta's spec files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from facebook_business.adobjects.profile import Profile
from meta_spec import MetaSpec

from syndication.model import InteractionKind
from syndication.networks.facebook import convert
from syndication.networks.meta_graph import graph_time

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "facebook-thread.json"
PAGE = "104857600123456"
POST = f"{PAGE}_900"
AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def node() -> dict[str, object]:
    data: dict[str, object] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def test_the_golden_answer_is_what_meta_describes() -> None:
    fields = convert.conversation_fields(replies=True, likes=True)
    spec = MetaSpec(PAGE)
    assert spec.request_errors("GET", f"/v26.0/{POST}", {"fields": fields}) == []
    assert spec.response_errors("GET", f"/v26.0/{POST}", {"fields": fields}, 200, node()) == []


def test_the_thread_is_threaded_and_hidden_comments_leave_with_their_answers() -> None:
    data = node()
    items = convert.conversation_from_node(
        data["comments"]["data"],  # type: ignore[index]
        convert.node_reactions(data),
        post_id=POST,
        post_address=convert.post_url(POST),
        published_at=AT,
        page_id=PAGE,
    )
    replies = [
        (i.id, i.in_reply_to, i.by_company) for i in items if i.kind is InteractionKind.REPLY
    ]
    assert replies == [("900_1", POST, False), ("900_4", "900_1", True), ("900_5", POST, False)]
    anonymous = next(i for i in items if i.id == "900_5")
    assert anonymous.author.name == "Facebook user" and anonymous.url.endswith("comment_id=900_5")
    page = next(i for i in items if i.id == "900_4").author
    assert page.url == f"https://www.facebook.com/{PAGE}"
    likes = [
        (i.content_text, i.author.id, i.author.avatar_url)
        for i in items
        if i.kind is InteractionKind.LIKE
    ]
    assert likes == [
        ("LIKE", "2001", "https://scontent.example/lea.jpg"),
        ("LOVE", "2003", ""),
    ]
    assert all(i.published_at == AT for i in items if i.kind is InteractionKind.LIKE)


def test_every_kind_of_reaction_meta_knows_is_asked() -> None:
    known = {v for k, v in vars(Profile.Type).items() if not k.startswith("_")} - {"NONE"}
    assert set(convert.REACTION_TYPES) == known


def test_counts_links_and_times() -> None:
    counts = convert.counts_from_node(
        {"comments": {"data": [], "summary": {"total_count": 3}}, "reactions": {"data": []}}
    )
    assert (counts.replies, counts.likes, counts.reposts) == (3, None, 0)  # never shared
    shared = convert.counts_from_node({"shares": {"count": 7}})
    assert shared.reposts == 7
    assert convert.counts_from_node({"shares": {"count": "7"}}).reposts is None  # not a count
    assert convert.post_url(POST) == f"https://www.facebook.com/{PAGE}/posts/900"
    assert convert.links_to({"message": "Lire https://b.example/x/ !"}, "https://b.example/x/")
    assert not convert.links_to({"message": "Lire https://b.example/y/"}, "https://b.example/x/")
    assert graph_time("2026-11-30T12:00:00+0000") == AT
    assert graph_time("nonsense") is None
