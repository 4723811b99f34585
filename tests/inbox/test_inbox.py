"""The inbox lists what waits for an answer, flags it, and measures how fast we answer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from inbox_people import BRAND, LEA, NOW, SAM, reply_item

from syndication.desk.inbox import (
    complaint_words,
    find,
    is_question,
    item_id,
    load_word_list,
    response_stats,
    waiting,
)
from syndication.errors import ConfigError
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, PostState

WORDS = load_word_list(Path(__file__).parents[2] / "content" / "complaint-words.txt")


def state_with(*items: Interaction, key: str = "freins.fr") -> PostState:
    state = PostState(key=key)
    state.copies["mastodon"] = Copy("mastodon", CopyStatus.PUBLISHED, "k", NOW, id="copy", url="u")
    for one in items:
        state.interactions[f"{one.network}:{one.id}"] = one
    return state


def test_word_list_is_in_the_repository_and_extensible(tmp_path: Path) -> None:
    assert "decu" in WORDS and "refund" in WORDS  # accents folded
    path = tmp_path / "words.txt"
    path.write_text("# mine\nbof\n\n", encoding="utf-8")
    assert load_word_list(path) == ("bof",)
    with pytest.raises(ConfigError, match="missing"):
        load_word_list(tmp_path / "none.txt")


def test_flags() -> None:
    assert is_question("Quand arrivent les freins de remplacement")
    assert is_question("Is the recall for 2024 models too?")
    assert not is_question("Merci pour la réparation rapide.")
    assert complaint_words("Très DÉÇU, toujours en retard!", WORDS) == [
        "decu",
        "en retard",
        "retard",
    ]
    assert complaint_words("Merci, réparation impeccable.", WORDS) == []


def test_unanswered_oldest_first_with_flags() -> None:
    answered = reply_item("mastodon", "10", LEA, 30, "Bonjour ?")
    answer = reply_item(
        "mastodon", "11", BRAND, 29, "Bonjour Léa!", by_company=True, in_reply_to="10"
    )
    complaint = reply_item("mastodon", "12", LEA, 5, "Je suis déçue, toujours pas reçu.")
    question = reply_item("bluesky", "at://x/3", SAM, 8, "Pourquoi ce rappel?")
    like = reply_item("bluesky", "at://x/4", SAM, 9, "", kind=InteractionKind.LIKE)
    states = [state_with(answered, answer, complaint, question, like)]
    listed = waiting(states, WORDS)
    assert [w.item.id for w in listed] == ["at://x/3", "12"]
    assert listed[0].question and listed[0].first_time is False  # Samuel liked first
    assert listed[1].complaint and not listed[1].question and listed[1].first_time is False
    assert [w.item.id for w in waiting(states, WORDS, since=NOW - timedelta(hours=6))] == ["12"]


def test_answer_sent_from_repo_counts_before_backfeed() -> None:
    question = reply_item("mastodon", "20", LEA, 3, "Ouvert dimanche?")
    state = state_with(question)
    state.answers["mastodon:20"] = Copy(
        "mastodon", CopyStatus.PUBLISHED, "key", NOW, id="21", published_at=NOW - timedelta(hours=1)
    )
    assert waiting([state], WORDS) == []
    state.answers["mastodon:20"].status = CopyStatus.PENDING
    assert len(waiting([state], WORDS)) == 1  # only a published answer counts


def test_ids_are_stable_and_findable() -> None:
    question = reply_item("mastodon", "20", LEA, 3, "Ouvert dimanche?")
    states = [state_with(question)]
    short = item_id("mastodon", "20")
    assert short.startswith("mastodon-") and short == item_id("mastodon", "20")
    assert find(states, short)[1] is question
    assert find(states, "mastodon:20")[1] is question
    with pytest.raises(ConfigError, match="no comment has the ID 'nope'"):
        find(states, "nope")


def test_response_stats_median_p90_and_late() -> None:
    items = []
    for number, delay_hours in enumerate([1, 2, 3, 4, 10]):
        asked = reply_item("mastodon", f"q{number}", LEA, 50, "?")
        items += [
            asked,
            reply_item(
                "mastodon",
                f"a{number}",
                BRAND,
                50 - delay_hours,
                "ok",
                by_company=True,
                in_reply_to=f"q{number}",
            ),
        ]
    items.append(reply_item("mastodon", "late", LEA, 30, "Allô?"))
    items.append(reply_item("bluesky", "fresh", SAM, 2, "Allô?"))
    stats = response_stats([state_with(*items)], NOW)
    mastodon = stats["mastodon"]
    assert mastodon.answered == 5 and mastodon.median == timedelta(hours=3)
    assert mastodon.p90 == timedelta(hours=10)
    assert (mastodon.waiting, mastodon.waiting_late) == (1, 1)
    assert (stats["bluesky"].waiting, stats["bluesky"].waiting_late) == (1, 0)
    assert list(stats) == ["bluesky", "mastodon", "overall"]
    assert stats["overall"].waiting == 2
