"""The pure converters on real responses recorded from a Mastodon 4.7 server (``fixtures/``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from mastodon_recorded import RECORDED_BASE, body

from syndication.model import Interaction, InteractionKind, Person, parse_time
from syndication.networks.base import TextLimits
from syndication.networks.mastodon import convert

VIEW = convert.Viewpoint.of(RECORDED_BASE, ["@admin"])
DOMAIN = "localhost:3000"


# -- lengths ----------------------------------------------------------------------------------


def test_limits_are_read_from_the_recorded_instance() -> None:
    assert convert.text_limits_from_instance(body("instance_v2")) == TextLimits(500, 23)


def test_limits_fall_back_to_mastodon_defaults_when_absent() -> None:
    assert convert.text_limits_from_instance({}) == TextLimits(500, 23)
    custom = {"configuration": {"statuses": {"max_characters": 5000}}}
    assert convert.text_limits_from_instance(custom) == TextLimits(5000, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour", 7),
        ("Lisez https://blog.example.com/une-tres-longue-adresse-de-billet/", 6 + 23),
        ("(voir https://a.example/x).", 6 + 23 + 2),  # closing punctuation is not in the link
        ("two http://a.example/1 http://b.example/2", 4 + 23 + 1 + 23),
        ("merci @camille@social.example !", len("merci @camille !")),
        ("mail: a@b.example", len("mail: a@b.example")),  # not a mention
        ("famille 👨‍👩‍👧", 8 + 1),  # ZWJ sequence: one grapheme
        ("drapeaux 🇫🇷🇨🇦", 9 + 2),  # regional indicator pairs
        ("café", 4),
        ("cafe\u0301", 4),  # combining accent
        ("👍🏽", 1),  # skin tone modifier
    ],
)
def test_mastodon_length_counts_like_mastodon(text: str, expected: int) -> None:
    assert convert.mastodon_length(text, 23) == expected


def test_url_weight_comes_from_the_instance() -> None:
    assert convert.mastodon_length("https://example.com", 40) == 40


# -- statuses ---------------------------------------------------------------------------------


def test_a_recorded_reply_becomes_a_nested_reply() -> None:
    reply = convert.interaction_from_status(body("status_reply"), InteractionKind.REPLY, VIEW)
    assert reply is not None
    assert reply.id == "117440826677780974"
    assert reply.in_reply_to == body("status_root")["id"]
    assert reply.url == "http://localhost:3000/@admin/117440826677780974"
    assert reply.content_html == body("status_reply")["content"]  # as given; backfeed sanitises
    assert reply.lang == "en"
    assert reply.published_at == datetime(2026, 10, 14, 19, 6, 41, 602000, tzinfo=UTC)
    assert reply.updated_at is None
    assert reply.author == Person(
        network="mastodon",
        id="117440810233042393",
        handle=f"admin@{DOMAIN}",
        name="admin",  # no display name: the username stands in
        url="http://localhost:3000/@admin",
        avatar_url="http://localhost:3000/avatars/original/missing.png",
    )
    assert reply.by_company  # @admin is the company in this viewpoint


def test_round_trip_through_the_state_file_format() -> None:
    reply = convert.interaction_from_status(body("status_reply"), InteractionKind.REPLY, VIEW)
    assert reply is not None
    assert Interaction.from_dict(reply.to_dict()) == reply


@pytest.mark.parametrize("name", ["status_private", "status_direct"])
def test_followers_only_and_direct_statuses_are_never_kept(name: str) -> None:
    status = body(name)
    assert status["visibility"] in ("private", "direct")  # really recorded that way
    for kind in (InteractionKind.REPLY, InteractionKind.MENTION, InteractionKind.QUOTE):
        assert convert.interaction_from_status(status, kind, VIEW) is None


def test_unlisted_statuses_are_public_enough() -> None:
    status = body("status_unlisted")
    assert status["visibility"] == "unlisted"
    assert convert.interaction_from_status(status, InteractionKind.REPLY, VIEW) is not None


def test_content_warning_becomes_the_summary() -> None:
    status = body("status_content_warning")
    item = convert.interaction_from_status(status, InteractionKind.REPLY, VIEW)
    assert item is not None
    assert item.summary == status["spoiler_text"] == "Content warning"


def test_an_edit_sets_updated_at() -> None:
    status = body("status_edited")
    item = convert.interaction_from_status(status, InteractionKind.REPLY, VIEW)
    assert item is not None
    assert item.updated_at == parse_time(status["edited_at"])
    assert "Kate" in item.content_html


def test_custom_emoji_stay_text() -> None:
    # The recordings hold no custom emoji: the recorded reply with the two forms servers send.
    status = body("status_reply")
    status["content"] = (
        '<p>bravo :blobcat: <img class="emoji" src="https://remote.example/e.png" '
        'alt=":blobfox:" title=":blobfox:"> !</p>'
    )
    status["account"]["display_name"] = "Dom :verified:"
    status["emojis"] = [{"shortcode": "blobcat", "url": "https://remote.example/c.png"}]
    item = convert.interaction_from_status(status, InteractionKind.REPLY, VIEW)
    assert item is not None
    assert item.content_html == "<p>bravo :blobcat: :blobfox: !</p>"
    assert item.author.name == "Dom :verified:"


def test_a_recorded_quote_points_at_the_quoted_status() -> None:
    item = convert.interaction_from_status(body("status_quote"), InteractionKind.QUOTE, VIEW)
    assert item is not None
    assert item.in_reply_to == "117440826455183695"


# -- a whole conversation ---------------------------------------------------------------------


def test_conversation_keeps_only_public_replies_and_their_public_children() -> None:
    root = body("status_root")
    reply = body("status_reply")
    hidden = body("status_private") | {"in_reply_to_id": root["id"]}
    secret = body("status_direct") | {"in_reply_to_id": reply["id"]}
    under_hidden = body("status_unlisted") | {"in_reply_to_id": hidden["id"]}
    items = convert.conversation_from(
        root["id"],
        parse_time(root["created_at"]),
        [reply, hidden, secret, under_hidden],
        body("favourited_by"),
        body("reblogged_by"),
        [body("status_quote")],
        VIEW,
    )
    kinds = {(item.kind, item.id) for item in items}
    assert (InteractionKind.REPLY, reply["id"]) in kinds
    assert all(item.id not in (hidden["id"], secret["id"], under_hidden["id"]) for item in items)
    likes = [item for item in items if item.kind is InteractionKind.LIKE]
    assert [like.author.name for like in likes] == ["John Lennon"]
    assert likes[0].id == f"{root['id']}/favourited_by/117440810532227399"
    assert likes[0].published_at == parse_time(root["created_at"])  # see the module's quirks
    boosts = [item for item in items if item.kind is InteractionKind.REPOST]
    assert [boost.author.handle for boost in boosts] == [f"mastodonpy_test_2@{DOMAIN}"]
    assert [item.kind for item in items].count(InteractionKind.QUOTE) == 1


def test_an_empty_recorded_context_gives_an_empty_conversation() -> None:
    context = body("context_empty")
    assert context == {"ancestors": [], "descendants": []}
    assert convert.conversation_from("1", datetime.now(UTC), [], [], [], [], VIEW) == []


# -- notifications ----------------------------------------------------------------------------


def test_a_recorded_mention_notification() -> None:
    [notification] = body("notifications_mention")
    activity = convert.activity_from_notification(notification, VIEW)
    assert activity is not None
    assert activity.kind is InteractionKind.MENTION  # not an answer to anything
    assert activity.subject_id == ""
    assert activity.item is not None
    assert activity.item.id == notification["status"]["id"] == activity.item_id


def test_a_reply_notification_names_its_parent() -> None:
    [notification] = body("notifications_mention")
    notification["status"] = body("status_reply")
    activity = convert.activity_from_notification(notification, VIEW)
    assert activity is not None
    assert activity.kind is InteractionKind.REPLY
    assert activity.subject_id == body("status_root")["id"]


@pytest.mark.parametrize("name", ["status_private", "status_direct"])
def test_notifications_about_non_public_statuses_are_dropped(name: str) -> None:
    [notification] = body("notifications_mention")
    notification["status"] = body(name) | {"in_reply_to_id": body("status_root")["id"]}
    assert convert.activity_from_notification(notification, VIEW) is None
    notification["type"] = "favourite"
    assert convert.activity_from_notification(notification, VIEW) is None


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("favourite", InteractionKind.LIKE), ("reblog", InteractionKind.REPOST)],
)
def test_like_and_boost_notifications_match_the_thread_ids(
    kind: str, expected: InteractionKind
) -> None:
    # The recordings hold no like notification: the recorded one with its type changed, as
    # Mastodon sends them (the account who liked, our status).
    [notification] = body("notifications_mention")
    notification["type"] = kind
    notification["account"] = body("favourited_by")[0]
    notification["status"] = body("status_root")
    activity = convert.activity_from_notification(notification, VIEW)
    assert activity is not None and activity.item is not None
    assert activity.kind is expected
    assert activity.subject_id == body("status_root")["id"]
    from_thread = convert.reaction(
        body("favourited_by")[0],
        expected,
        body("status_root")["id"],
        parse_time(body("status_root")["created_at"]),
        VIEW,
    )
    # A refresh finds the very same interaction; the notification knows when it happened.
    assert activity.item == replace(from_thread, published_at=activity.item.published_at)
    assert activity.item.published_at == parse_time(notification["created_at"])
    assert activity.item.published_at != from_thread.published_at


def test_a_quote_notification_names_the_quoted_status() -> None:
    [notification] = body("notifications_mention")
    notification["type"] = "quote"
    notification["status"] = body("status_quote")
    activity = convert.activity_from_notification(notification, VIEW)
    assert activity is not None
    assert activity.kind is InteractionKind.QUOTE
    assert activity.subject_id == "117440826455183695"


def test_other_notifications_are_ignored() -> None:
    [notification] = body("notifications_mention")
    notification["type"] = "follow"
    del notification["status"]
    assert convert.activity_from_notification(notification, VIEW) is None


# -- publishing -------------------------------------------------------------------------------


def test_published_from_the_recorded_status() -> None:
    published = convert.published_from_status(body("status_public"), VIEW)
    assert published.id == body("status_public")["id"]
    assert published.url.startswith("http://localhost:3000/@")
    assert published.account == f"mastodonpy_test@{DOMAIN}"
    assert published.published_at.tzinfo is not None


def test_a_status_carries_the_post_url_in_its_link_or_card() -> None:
    status = body("status_public")
    url = "https://blog.example.com/fr/velo-hiver/?a=1&b=2"
    assert not convert.links_to(status, url)
    status["content"] = (
        '<p>Nouveau billet <a href="https://blog.example.com/fr/velo-hiver/?a=1&amp;b=2">'
        '<span class="invisible">https://</span><span class="ellipsis">blog.example.com/fr/'
        "</span></a></p>"
    )
    assert convert.links_to(status, url)
    assert convert.links_to(body("status_public") | {"card": {"url": url}}, url)


def test_an_answer_is_recognised_by_its_rendered_text() -> None:
    assert convert.same_text(body("status_reply"), "@mastodonpy_test_2 same!")
    assert convert.same_text(body("status_reply"), "@mastodonpy_test_2@social.example same!")
    assert not convert.same_text(body("status_reply"), "@mastodonpy_test_2 other")


def _parent(handle: str) -> Interaction:
    author = Person(network="mastodon", id="9", handle=handle)
    return Interaction("mastodon", InteractionKind.REPLY, "5", author, datetime.now(UTC))


def test_an_answer_mentions_the_person_answered_once() -> None:
    remote = _parent("dom@remote.example")
    assert convert.reply_text(remote, "Merci !", VIEW) == "@dom@remote.example Merci !"
    assert convert.reply_text(remote, "@dom@remote.example Merci !", VIEW).count("@dom") == 1
    local = _parent(f"alice@{DOMAIN}")
    assert convert.reply_text(local, "Merci !", VIEW) == "@alice Merci !"
    assert convert.reply_text(local, "@alice merci", VIEW) == "@alice merci"


def test_the_status_request_is_public_with_its_language() -> None:
    assert convert.status_request("Bonjour", "fr") == {
        "status": "Bonjour",
        "visibility": "public",
        "language": "fr",
    }
    assert convert.status_request("Oui", "", "12")["in_reply_to_id"] == "12"
