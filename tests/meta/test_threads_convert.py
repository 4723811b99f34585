"""Threads' pure converters: its length (an emoji counts its UTF-8 bytes), the nested thread."""

from __future__ import annotations

from typing import Any

from syndication.model import utc_now
from syndication.networks.base import TextLimits
from syndication.networks.threads import NETWORK
from syndication.networks.threads.convert import (
    MAX_LENGTH,
    links_to,
    published,
    replies_from_conversation,
)
from syndication.networks.threads.convert import length as threads_length


def test_length_counts_characters_and_an_emoji_as_its_utf8_bytes() -> None:
    assert threads_length("Vélos d'hiver") == 13
    assert threads_length("🚲") == 4
    assert threads_length("👩‍🔧") == len("👩‍🔧".encode())  # a whole ZWJ sequence
    assert threads_length("🇨🇦") == 8
    assert threads_length("a" * 496 + "🚲") == MAX_LENGTH
    assert NETWORK.counter(TextLimits(MAX_LENGTH))("🚲 ok") == 7


def test_a_post_links_to_the_page_by_its_attachment_or_its_text() -> None:
    url = "https://blogue.example/freins/"
    assert links_to({"id": "1", "link_attachment_url": url}, url)
    assert links_to({"id": "1", "text": f"Lire {url.rstrip('/')}"}, url)
    assert not links_to({"id": "1", "text": "Autre chose"}, url)
    copy = published({"id": "9", "permalink": "https://www.threads.com/@b/post/X"}, "1", utc_now())
    assert (copy.id, copy.url) == ("9", "https://www.threads.com/@b/post/X")


def test_the_conversation_is_threaded_and_hidden_branches_are_left_out() -> None:
    root = "100"
    replies: list[dict[str, Any]] = [
        {
            "id": "3",
            "text": "c",
            "username": "noor",
            "timestamp": "2026-11-30T12:03:00+0000",
            "replied_to": {"id": "2"},
            "root_post": {"id": root},
            "hide_status": "NOT_HUSHED",
        },
        {
            "id": "2",
            "text": "b",
            "username": "velosboreal",
            "timestamp": "2026-11-30T12:02:00+0000",
            "replied_to": {"id": "1"},
            "root_post": {"id": root},
            "is_reply_owned_by_me": True,
        },
        {
            "id": "1",
            "text": "a",
            "username": "lea",
            "timestamp": "2026-11-30T12:01:00+0000",
            "replied_to": {"id": root},
            "root_post": {"id": root},
            "hide_status": "UNHUSHED",
        },
        {
            "id": "4",
            "text": "x",
            "username": "sam",
            "timestamp": "2026-11-30T12:04:00+0000",
            "replied_to": {"id": root},
            "root_post": {"id": root},
            "hide_status": "HIDDEN",
        },
        {
            "id": "5",
            "text": "y",
            "username": "lea",
            "timestamp": "2026-11-30T12:05:00+0000",
            "replied_to": {"id": "4"},
            "root_post": {"id": root},
        },
        {
            "id": "6",
            "text": "z",
            "username": "camille",
            "timestamp": "2026-11-30T12:06:00+0000",
            "replied_to": {"id": root},
            "root_post": {"id": root},
        },
    ]
    items = replies_from_conversation(replies, root, frozenset({"camille"}))
    assert [(i.id, i.in_reply_to, i.by_company) for i in items] == [
        ("1", root, False),
        ("2", "1", True),
        ("3", "2", False),
        ("6", root, True),
    ]
    assert items[0].author.url == "https://www.threads.com/@lea"
