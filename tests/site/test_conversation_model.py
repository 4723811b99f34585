"""``article.agora`` built from a state: copies, threads, faces, counts, moderation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plugins.agora.conversation import build_conversation
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LABELS = {"bluesky": "Bluesky", "mastodon": "Mastodon"}


def _copy(network: str, status: CopyStatus, item_id: str = "", url: str = "") -> Copy:
    return Copy(network=network, status=status, key="k", intent_at=START, id=item_id, url=url)


def _item(
    network: str, kind: InteractionKind, item_id: str, minutes: int, parent: str = "", who: str = ""
) -> Interaction:
    author = Person(network=network, id=who or f"id-{item_id}", handle=who or item_id, name=who)
    return Interaction(
        network=network,
        kind=kind,
        id=item_id,
        author=author,
        published_at=START + timedelta(minutes=minutes),
        in_reply_to=parent,
    )


def _state(*items: Interaction) -> PostState:
    state = PostState(key="x.fr")
    state.copies["mastodon"] = _copy("mastodon", CopyStatus.PUBLISHED, "100", "https://m/100")
    state.copies["bluesky"] = _copy("bluesky", CopyStatus.PENDING, "", "")
    for item in items:
        state.interactions[interaction_key(item.network, item.id)] = item
    return state


def test_only_published_copies_are_linked_with_their_label() -> None:
    conversation = build_conversation(_state(), LABELS)
    assert [(c.network, c.label, c.url) for c in conversation.copies] == [
        ("mastodon", "Mastodon", "https://m/100")
    ]
    assert not conversation.has_conversation
    assert conversation.counts.total == 0


def test_replies_nest_under_their_parent_oldest_first_at_each_level() -> None:
    reply = InteractionKind.REPLY
    state = _state(
        _item("mastodon", reply, "b", 20, "100"),
        _item("mastodon", reply, "a", 10, "100"),
        _item("mastodon", reply, "a2", 40, "a"),
        _item("mastodon", reply, "a1", 30, "a"),
        _item("mastodon", InteractionKind.QUOTE, "q", 5, "100"),
        _item("mastodon", reply, "orphan", 50, "gone"),
    )
    conversation = build_conversation(state, LABELS)
    assert [n.item.id for n in conversation.replies] == ["q", "a", "b", "orphan"]
    thread_a = conversation.replies[1]
    assert [n.item.id for n in thread_a.children] == ["a1", "a2"]
    assert conversation.counts.replies == 6


def test_likes_and_reposts_are_people_per_network_sorted_and_counted_once() -> None:
    like, repost = InteractionKind.LIKE, InteractionKind.REPOST
    state = _state(
        _item("mastodon", like, "l1", 1, who="zoe"),
        _item("mastodon", like, "l2", 2, who="Ana"),
        _item("mastodon", like, "l3", 3, who="zoe"),
        _item("mastodon", repost, "r1", 4, who="paul"),
        _item("bluesky", like, "l4", 5, who="ghost"),  # its copy is not published
    )
    conversation = build_conversation(state, LABELS)
    assert {n: [p.name for p in people] for n, people in conversation.likes.items()} == {
        "mastodon": ["Ana", "zoe"]
    }
    assert [p.name for p in conversation.reposts["mastodon"]] == ["paul"]
    assert (conversation.counts.likes, conversation.counts.reposts) == (2, 1)
    assert conversation.has_conversation


def test_the_moderation_hook_runs_over_every_item() -> None:
    reply = InteractionKind.REPLY
    state = _state(_item("mastodon", reply, "a", 1, "100"), _item("mastodon", reply, "b", 2, "100"))
    conversation = build_conversation(
        state, LABELS, keep=lambda items: [i for i in items if i.id != "b"]
    )
    assert [n.item.id for n in conversation.replies] == ["a"]


def test_an_answer_sent_by_the_company_shows_before_backfeed_brings_it_back() -> None:
    state = _state(_item("mastodon", InteractionKind.REPLY, "a", 1, "100"))
    answer = _copy("mastodon", CopyStatus.PUBLISHED, "900", "https://m/900")
    answer.account = "velosboreal"
    answer.published_at = START + timedelta(hours=1)
    answer.extra = {"text": "Merci!", "signed_by": "Awa Diallo"}
    state.answers[interaction_key("mastodon", "a")] = answer
    conversation = build_conversation(state, LABELS)
    (thread,) = conversation.replies
    (child,) = thread.children
    assert child.item.by_company and child.item.content_text == "Merci!"
    assert child.item.signed_by == "Awa Diallo"
    # Once backfeed recorded the same reply, it is shown once.
    state.interactions[interaction_key("mastodon", "900")] = _item(
        "mastodon", InteractionKind.REPLY, "900", 60, "a"
    )
    again = build_conversation(state, LABELS)
    assert [n.item.id for n in again.replies[0].children] == ["900"]
