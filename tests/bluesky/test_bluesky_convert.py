"""The Bluesky converters on golden fixtures recorded from the real local network.

``fixtures/`` holds the AppView's answers for a post of the brand with three nested replies, a
reply hidden by the brand's threadgate, a reply and a quote from an author self-labelled
``!no-unauthenticated``, a like, a repost and another quote (recorded by the flow in
``test_bluesky_network.py``).
"""

from __future__ import annotations

import copy
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from syndication.model import Copy, CopyStatus, InteractionKind
from syndication.networks.bluesky import convert

FIXTURES = Path(__file__).parent / "fixtures"
BRAND = "did:plc:dg5xvmo2twb4cdnm3zyubhe5"
VIEW = convert.Viewpoint.of(["velosboreal.test", BRAND])


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def the_copy() -> Copy:
    thread = fixture("getPostThread.json")
    post = thread["thread"]["post"]
    return Copy(
        network="bluesky",
        status=CopyStatus.PUBLISHED,
        key=post["uri"].rsplit("/", 1)[1],
        intent_at=datetime(2026, 11, 23, tzinfo=UTC),
        id=post["uri"],
        url=convert.post_url("velosboreal.test", post["uri"]),
        published_at=datetime(2026, 11, 23, 0, 2, 49, tzinfo=UTC),
        extra={"cid": post["cid"]},
    )


# -- text ------------------------------------------------------------------------------------


def test_graphemes_count_what_a_person_sees() -> None:
    assert convert.count_graphemes("Vélos") == 5
    assert convert.count_graphemes("e\u0301te\u0301") == 3  # combining accents
    assert convert.count_graphemes("👍🏽") == 1  # emoji with a skin tone
    assert convert.count_graphemes("👨‍👩‍👧") == 1  # a family joined by ZWJ
    assert convert.count_graphemes("🇨🇦🇫🇷") == 2  # flags
    assert convert.count_graphemes("") == 0
    assert convert.count_graphemes("é" * 300) == 300
    assert len("👨‍👩‍👧") == 5  # what a code-point count would wrongly say


def test_facets_use_utf8_byte_offsets_in_accented_french() -> None:
    text = (
        "Été à vélo : « on s\u2019équipe » https://velosboreal.test/fr/été-à-vélo/ "
        "#VéloHiver #2026 merci @lea.test et @inconnu.test !"
    )
    facets = convert.facets_for(text, {"lea.test": "did:plc:lea"})
    data = text.encode("utf-8")
    shown = [
        (
            f["features"][0]["$type"].rsplit("#", 1)[1],
            data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
        )
        for f in facets
    ]
    assert shown == [
        ("link", "https://velosboreal.test/fr/été-à-vélo/"),
        ("tag", "#VéloHiver"),
        ("mention", "@lea.test"),
    ]
    link, tag, mention = facets
    # 29 characters before the link, 38 bytes: É é à é « » take 2 bytes each, U+2019 takes 3
    assert link["index"] == {"byteStart": 38, "byteEnd": 81}  # the link itself: 39 chars, 43 bytes
    assert link["features"][0]["uri"] == "https://velosboreal.test/fr/été-à-vélo/"
    assert tag["features"][0]["tag"] == "VéloHiver"
    assert mention["features"][0]["did"] == "did:plc:lea"
    # the character offsets differ: that is the point of counting bytes
    assert text.index("https") == 29


def test_facets_leave_sentence_punctuation_and_unknown_people_out() -> None:
    text = "Voir (https://velosboreal.test/a). Et https://velosboreal.test/b, #été! @nobody.test"
    facets = convert.facets_for(text, {})
    data = text.encode()
    assert [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets] == [
        "https://velosboreal.test/a",
        "https://velosboreal.test/b",
        "#été",
    ]
    assert convert.mentions_in(text) == ["nobody.test"]


def test_a_hashtag_inside_a_link_stays_part_of_the_link() -> None:
    facets = convert.facets_for("https://velosboreal.test/page#section", {})
    assert len(facets) == 1 and facets[0]["features"][0]["$type"].endswith("#link")


def test_tid_is_sortable_and_carries_its_time() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert convert.new_tid(epoch, clock_id=0) == "2222222222222"
    moment = datetime(2026, 11, 22, 12, 0, 0, 123456, tzinfo=UTC)
    key = convert.new_tid(moment)
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert convert.tid_time(key) == moment
    later = convert.new_tid(moment + timedelta(microseconds=1), clock_id=0)
    assert convert.new_tid(moment, clock_id=1023) < later
    assert len({convert.new_tid(moment) for _ in range(50)}) > 40  # random clock ids


def test_records_carry_language_time_facets_and_card() -> None:
    card = convert.LinkCard("https://velosboreal.test/x/", "Titre", "Résumé")
    blob = {"$type": "blob", "ref": {"$link": "bafk"}, "mimeType": "image/jpeg", "size": 3}
    record = convert.post_record(
        "Bonjour",
        datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        lang="fr",
        facets=[],
        embed=convert.external_embed(card, blob),
    )
    assert record == {
        "$type": "app.bsky.feed.post",
        "text": "Bonjour",
        "createdAt": "2026-01-02T03:04:05.678Z",
        "langs": ["fr"],
        "embed": {
            "$type": "app.bsky.embed.external",
            "external": {
                "uri": "https://velosboreal.test/x/",
                "title": "Titre",
                "description": "Résumé",
                "thumb": blob,
            },
        },
    }


def test_published_from_the_recorded_record() -> None:
    answer = fixture("getRecord.json")
    published = convert.published_from_record(
        answer["uri"], answer["cid"], answer["value"], "velosboreal.test"
    )
    rkey = answer["uri"].rsplit("/", 1)[1]
    assert published.url == f"https://bsky.app/profile/velosboreal.test/post/{rkey}"
    assert published.extra == {"cid": answer["cid"]}
    assert published.id == answer["uri"]


# -- rendering ---------------------------------------------------------------------------------


def test_text_renders_from_facets_with_everything_else_escaped() -> None:
    text = "Été <script>x</script> https://velosboreal.test/é\n#vélo @lea.test javascript"
    facets = convert.facets_for(text, {"lea.test": "did:plc:lea"})
    facets.append(  # a hostile link facet on the word "javascript"
        {
            "index": {"byteStart": len(text.encode()) - 10, "byteEnd": len(text.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}],
        }
    )
    html = convert.render_html(text, facets)
    assert html == (
        "Été &lt;script&gt;x&lt;/script&gt; "
        '<a href="https://velosboreal.test/é">https://velosboreal.test/é</a><br>'
        '<a href="https://bsky.app/hashtag/v%C3%A9lo">#vélo</a> '
        '<a href="https://bsky.app/profile/did:plc:lea">@lea.test</a> javascript'
    )


def test_broken_facets_leave_the_text_whole() -> None:
    text = "é https://x.test"
    broken = [
        {
            "index": {"byteStart": 1, "byteEnd": 2},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://a.test"}],
        },
        {
            "index": {"byteStart": 5, "byteEnd": 99},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://b.test"}],
        },
        {"index": {"byteStart": 3}, "features": []},
        "nonsense",
    ]
    assert convert.render_html(text, broken) == "é https://x.test"
    assert convert.render_html(text, None) == "é https://x.test"


# -- conversation ------------------------------------------------------------------------------


def conversation(thread: dict[str, Any] | None = None) -> list[convert.Interaction]:
    return convert.conversation_from(
        the_copy(),
        thread or fixture("getPostThread.json"),
        fixture("getLikes.json")["likes"],
        fixture("getRepostedBy.json")["repostedBy"],
        fixture("getQuotes.json")["posts"],
        VIEW,
    )


def test_conversation_nests_replies_and_keeps_reactions() -> None:
    copy_ = the_copy()
    items = conversation()
    by_text = {i.content_text: i for i in items if i.kind is InteractionKind.REPLY}
    assert sorted(by_text) == ["3e niveau", "Oui @lea.test", "Super ! <b>"]
    first, second, third = by_text["Super ! <b>"], by_text["Oui @lea.test"], by_text["3e niveau"]
    assert first.in_reply_to == copy_.id
    assert second.in_reply_to == first.id
    assert third.in_reply_to == second.id
    assert first.content_html == "Super ! &lt;b&gt;"
    assert first.lang == "fr"
    assert first.author.handle == "@lea.test" and first.author.name == "Léa Gagnon"
    assert first.author.id.startswith("did:plc:")
    assert first.author.url == "https://bsky.app/profile/lea.test"
    assert first.url.startswith("https://bsky.app/profile/lea.test/post/")
    assert not first.by_company and first.updated_at is None
    kinds = sorted(i.kind.value for i in items)
    assert kinds == ["like", "quote", "reply", "reply", "reply", "repost"]
    like = next(i for i in items if i.kind is InteractionKind.LIKE)
    assert like.id == f"{copy_.id}/liked_by/{like.author.id}"
    assert like.in_reply_to == copy_.id and like.author.handle == "@lea.test"
    repost = next(i for i in items if i.kind is InteractionKind.REPOST)
    assert repost.published_at == copy_.published_at  # getRepostedBy gives no time
    quote = next(i for i in items if i.kind is InteractionKind.QUOTE)
    assert quote.content_text == "citation sam" and quote.in_reply_to == copy_.id


def test_hidden_and_opted_out_replies_are_left_out() -> None:
    thread = fixture("getPostThread.json")
    hidden = thread["threadgate"]["record"]["hiddenReplies"]
    texts = {r["post"]["uri"]: r["post"]["record"]["text"] for r in thread["thread"]["replies"]}
    assert texts[hidden[0]] == "à cacher"  # the fixture really holds the hidden reply...
    labelled = [
        r["post"]["author"]["handle"]
        for r in thread["thread"]["replies"]
        if r["post"]["author"]["labels"]
    ]
    assert labelled == ["noor.test"]  # ...and the self-labelled author, as the AppView gives them
    items = conversation()
    assert "à cacher" not in {i.content_text for i in items}
    assert all(i.author.handle != "@noor.test" for i in items)  # her reply and her quote
    quotes = fixture("getQuotes.json")["posts"]
    assert any(q["author"]["handle"] == "noor.test" for q in quotes)


def test_hidden_subtrees_and_placeholders_are_left_out() -> None:
    thread = copy.deepcopy(fixture("getPostThread.json"))
    replies = thread["thread"]["replies"]
    lea = next(r for r in replies if r["post"]["record"]["text"] == "Super ! <b>")
    # the threadgate hides Léa's reply: the two answers under it go with it
    thread["threadgate"]["record"]["hiddenReplies"].append(lea["post"]["uri"])
    assert [i.kind for i in conversation(thread)].count(InteractionKind.REPLY) == 0
    thread = copy.deepcopy(fixture("getPostThread.json"))
    replies = thread["thread"]["replies"]
    lea = next(r for r in replies if r["post"]["record"]["text"] == "Super ! <b>")
    # the shapes of app.bsky.feed.defs#notFoundPost and #blockedPost
    lea["replies"][0]["replies"] = [
        {
            "$type": "app.bsky.feed.defs#notFoundPost",
            "uri": "at://did:plc:x/app.bsky.feed.post/1",
            "notFound": True,
        },
    ]
    replies.append(
        {
            "$type": "app.bsky.feed.defs#blockedPost",
            "uri": "at://did:plc:y/app.bsky.feed.post/2",
            "blocked": True,
            "author": {"did": "did:plc:y", "viewer": {"blockedBy": True}},
        }
    )
    texts = [i.content_text for i in conversation(thread) if i.kind is InteractionKind.REPLY]
    assert texts == ["Super ! <b>", "Oui @lea.test"]


def test_company_answers_are_marked() -> None:
    thread = copy.deepcopy(fixture("getPostThread.json"))
    lea = next(
        r for r in thread["thread"]["replies"] if r["post"]["author"]["handle"] == "lea.test"
    )
    lea["post"]["author"] = copy.deepcopy(thread["thread"]["post"]["author"])
    items = conversation(thread)
    assert [i.by_company for i in items if i.content_text == "Super ! <b>"] == [True]
    by_handle = convert.Viewpoint.of(["@velosboreal.test"])
    assert by_handle.is_company({"did": "did:plc:other", "handle": "VelosBoreal.test"})


# -- notifications -----------------------------------------------------------------------------


def test_notifications_become_activities() -> None:
    copy_ = the_copy()
    notifications = fixture("listNotifications.json")["notifications"]
    assert {n["author"]["handle"] for n in notifications} >= {"noor.test"}
    activities = [
        a for a in (convert.activity_from_notification(n, VIEW) for n in notifications) if a
    ]
    kinds = sorted(a.kind.value for a in activities)
    assert kinds == ["like", "quote", "reply", "reply", "reply", "repost"]  # not Noor's two
    for activity in activities:
        assert activity.item is not None and activity.item.id == activity.item_id
        if activity.kind is InteractionKind.REPLY:
            assert activity.root_id == copy_.id
            assert activity.item.in_reply_to == activity.subject_id
    # a repost carries its own time (getRepostedBy gives none: a refresh would stamp the copy's)
    repost = next(a for a in activities if a.kind is InteractionKind.REPOST)
    record = next(n["record"] for n in notifications if n["reason"] == "repost")
    assert repost.subject_id == copy_.id and repost.item is not None
    assert repost.item.published_at == convert.parse_time(record["createdAt"]).replace(
        microsecond=0
    )
    like = next(a for a in activities if a.kind is InteractionKind.LIKE)
    assert like.item_id == f"{copy_.id}/liked_by/{like.item.author.id if like.item else ''}"
    # the same like from getLikes has the same id and time: no churn between the two paths
    from_thread = next(i for i in conversation() if i.kind is InteractionKind.LIKE)
    assert like.item == from_thread


def test_unknown_reasons_are_ignored() -> None:
    follow = copy.deepcopy(fixture("listNotifications.json")["notifications"][0])
    follow["reason"] = "follow"
    assert convert.activity_from_notification(follow, VIEW) is None


# -- images ------------------------------------------------------------------------------------


def test_a_large_image_is_brought_under_the_blob_limit() -> None:
    noise = random.Random(4).randbytes(1600 * 1200 * 3)
    image = Image.frombytes("RGB", (1600, 1200), noise)
    out = io.BytesIO()
    image.save(out, "PNG")
    assert out.tell() > convert.MAX_THUMB_BYTES
    data, mime = convert.fit_image(out.getvalue())
    assert mime == "image/jpeg" and len(data) <= convert.MAX_THUMB_BYTES
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    small = io.BytesIO()
    Image.new("RGB", (10, 10)).save(small, "PNG")
    assert convert.fit_image(small.getvalue()) == (small.getvalue(), "image/png")


def test_a_record_links_to_a_post_by_card_facet_or_text_but_not_as_a_reply() -> None:
    url = "https://blogue.example/rouler-l-hiver/"
    card = {"text": "Rouler l'hiver", "embed": {"external": {"uri": url}}}
    facet = {
        "text": "Lire",
        "facets": [{"features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}]}],
    }
    assert convert.record_links_to(card, url)
    assert convert.record_links_to(facet, url)
    assert convert.record_links_to({"text": f"Lire {url}"}, url)
    assert not convert.record_links_to({"text": "https://blogue.example/rouler/"}, url)
    answer = {"text": f"Voir {url}", "reply": {"root": {}, "parent": {}}}
    assert not convert.record_links_to(answer, url)
