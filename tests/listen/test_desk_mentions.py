"""`invoke inbox` with what listening heard: a section after the comments, `--mentions`, JSON.

The mentions are written by the listening store into a fixture site's state (no network here);
``test_searches`` answers one found on the local peers with ``invoke reply``.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from listen_support import ListeningSite

from syndication.cli.desk import run_inbox, run_reply
from syndication.listen.store import FEED, ListenStore, Mention

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def heard(site: ListeningSite) -> None:
    (site.root / "content" / "complaint-words.txt").write_text("# words\ndéçu\n", "utf-8")
    ListenStore(site.state).add(
        [
            Mention(
                id="feed-00000001",
                network=FEED,
                native_id="https://journal.example/cargo",
                source="Revue de presse",
                published_at=NOW - timedelta(days=2),
                url="https://journal.example/cargo",
                title="Le vélo cargo gagne l'hiver",
                about="industry",
                matched=("vélo cargo",),
            ),
            Mention(
                id="bluesky-00000002",
                network="bluesky",
                native_id="at://did:plc:lea/app.bsky.feed.post/3kq",
                source="Bluesky: Vélos Boréal",
                published_at=NOW - timedelta(hours=3),
                url="https://bsky.app/profile/lea.test/post/3kq",
                text="Vélos Boréal m'a déçu, quelqu'un d'autre ?",
                author="Léa Gagnon",
                handle="@lea.test",
                about="us",
                matched=("Vélos Boréal",),
            ),
            Mention(
                id="feed-00000003",
                network=FEED,
                native_id="https://journal.example/old",
                source="Revue de presse",
                published_at=NOW - timedelta(days=30),
                url="https://journal.example/old",
                title="Vélos Boréal a dix ans",
                about="us",
                matched=("Vélos Boréal",),
            ),
        ]
    )


def inbox(site: ListeningSite, **options: object) -> str:
    out = io.StringIO()
    assert run_inbox(site.settings, now=NOW, stdout=out, **options) == 0  # type: ignore[arg-type]
    return out.getvalue()


def test_the_inbox_shows_the_weeks_mentions_after_the_comments(site: ListeningSite) -> None:
    heard(site)
    text = inbox(site)
    comments, _, section = text.partition("\n\nMentions elsewhere in the last 7 days")
    assert comments.startswith("Nothing waits for an answer")
    assert section.startswith(" (all: --mentions): 2 mentions, newest first;")
    assert section.index("Léa Gagnon (@lea.test)") < section.index("Revue de presse (feed)")
    assert "[question, complaint (decu)]" in section
    assert "ID bluesky-00000002" in section and "dix ans" not in section


def test_mentions_lists_them_all_and_as_json(site: ListeningSite) -> None:
    heard(site)
    assert inbox(site, mentions=True).startswith("Mentions elsewhere: 3 mentions, newest first;")
    data = json.loads(inbox(site, mentions=True, as_json=True))
    assert [m["id"] for m in data["mentions"]] == [
        "bluesky-00000002",
        "feed-00000001",
        "feed-00000003",
    ]
    assert data["mentions"][0]["complaint"] == ["decu"]
    since = json.loads(inbox(site, mentions=True, as_json=True, since="7d"))
    assert since["count"] == 2


def test_an_article_elsewhere_cannot_be_answered(site: ListeningSite) -> None:
    heard(site)
    authors = '\nAGORA_AUTHORS = {"Camille Tremblay": {"first_name": "Camille"}}\n'
    site.settings.write_text(site.settings.read_text("utf-8") + authors, "utf-8")
    out = io.StringIO()
    code = run_reply("feed-00000001", "Merci", "Camille", site.settings, env={}, stdout=out)
    assert code == 2
    said = out.getvalue()
    assert said.startswith("Nothing was posted: no comment has the ID 'feed-00000001'"), said
