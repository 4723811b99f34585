"""Mentions as the desk shows them: newest first, flagged like comments, the ID only where a
post can be answered, a stranger's control characters never obeyed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from syndication.cli.common import shown
from syndication.cli.listen import mentions_json, render_mentions
from syndication.listen.mentions import listed, recent
from syndication.listen.store import FEED, Mention
from syndication.model import Copy, CopyStatus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WORDS = ("decu", "retard")


def mentions() -> list[Mention]:
    return [
        Mention(
            id="feed-0001",
            network=FEED,
            native_id="https://journal.example/a",
            source="Revue de presse",
            published_at=NOW - timedelta(days=3),
            url="https://journal.example/a",
            title="Le vélo cargo gagne l'hiver",
            text="Les livreurs l'adoptent.",
            author="La rédaction",
            about="industry",
            matched=("vélo cargo",),
        ),
        Mention(
            id="bluesky-0002",
            network="bluesky",
            native_id="at://did:plc:lea/app.bsky.feed.post/1",
            source="Bluesky: Vélos Boréal",
            published_at=NOW - timedelta(hours=2),
            url="https://bsky.app/profile/lea.test/post/1",
            text="Pourquoi Vélos Boréal est en retard\x1b[2J ? Très déçu.",
            author="Léa Gagnon",
            handle="@lea.test",
            about="us",
            matched=("Vélos Boréal",),
        ),
        Mention(
            id="mastodon-0003",
            network="mastodon",
            native_id="42",
            source="Mastodon: Vélos Boréal",
            published_at=NOW - timedelta(days=10),
            url="https://mastodon.example/@noor/42",
            text="Merci Vélos Boréal",
            handle="noor@mastodon.example",
            about="us",
            matched=("Vélos Boréal",),
            answer=Copy("mastodon", CopyStatus.PUBLISHED, "k", NOW, id="43", url="u"),
        ),
    ]


def test_listed_newest_first_with_the_inboxs_flags() -> None:
    items = listed(mentions(), WORDS)
    assert [i.mention.id for i in items] == ["bluesky-0002", "feed-0001", "mastodon-0003"]
    first = items[0]
    assert first.question and first.complaint == ("decu", "retard")
    assert [i.answerable for i in items] == [True, False, False]  # a feed; answered already
    assert [i.mention.id for i in recent(items, NOW)] == ["bluesky-0002", "feed-0001"]
    assert listed(mentions(), WORDS, since=NOW - timedelta(days=1))[0].mention.id == "bluesky-0002"


def test_the_terminal_view_says_where_who_what_matched_flags_link_and_id() -> None:
    text = shown(render_mentions(listed(mentions(), WORDS), NOW))
    blocks = text.split("\n\n")
    assert blocks[0].startswith("Mentions elsewhere: 3 mentions, newest first;")
    assert blocks[1].splitlines() == [
        "2 h   Bluesky: Vélos Boréal (Bluesky)  Léa Gagnon (@lea.test)",
        "      about us: Vélos Boréal  [question, complaint (decu, retard)]",
        "      « Pourquoi Vélos Boréal est en retard\\x1b[2J ? Très déçu. »",
        "      https://bsky.app/profile/lea.test/post/1",
        "      ID bluesky-0002",
    ]
    assert blocks[2].splitlines()[:2] == [
        "3 d   Revue de presse (feed)  La rédaction",
        "      about the industry: vélo cargo",
    ]
    assert "ID" not in blocks[2]  # an article elsewhere has no thread to answer in
    assert "[answered]" in blocks[3] and "ID" not in blocks[3]
    assert all(len(line) < 100 for line in text.splitlines()[1:])


def test_json_for_tools() -> None:
    data = json.loads(mentions_json(listed(mentions(), WORDS), NOW, None))
    assert data["count"] == 3
    first = data["mentions"][0]
    assert first["id"] == "bluesky-0002" and first["about"] == "us"
    assert first["author"] == {"name": "Léa Gagnon", "handle": "@lea.test"}
    assert first["text"].endswith("en retard\x1b[2J ? Très déçu.")  # lossless, JSON-escaped
    assert "\\u001b" in mentions_json(listed(mentions(), WORDS), NOW, None)
    assert (first["question"], first["complaint"], first["answerable"]) == (
        True,
        ["decu", "retard"],
        True,
    )


def test_nothing_heard() -> None:
    assert render_mentions([], NOW) == "Mentions elsewhere: none.\n"
