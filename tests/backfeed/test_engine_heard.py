"""The backfeed engine keeps a reader's words to the company outside our copies as a comment.

Driven through the ``Reader`` protocol with a scripted reader, case by case: which notifications
about none of our copies are kept (mentions, replies elsewhere, quotes with words) and which are
not (likes of something else, quotes without words, the company's own accounts, blocked
accounts, anything a first run finds); where they go (the listening store, one mention per inbox
ID whoever heard it first); and how a kept one is answered elsewhere or gone (its thread read on
a copy's schedule). The same against the real networks: ``tests/inbox/test_heard_outside.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from syndication.backfeed.engine import Backfeed, BackfeedReport
from syndication.backfeed.moderation import Moderation
from syndication.desk.inbox import item_id
from syndication.errors import NotFound
from syndication.listen.store import ListenStore, Mention
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Person, PostState
from syndication.networks.base import READ_KINDS, Activity, Counts
from syndication.store.state import StateStore

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEA = Person("mastodon", "1", "lea@velo.example", name="Léa")
SPAM = Person("mastodon", "66", "spam@bad.example")
BRAND = Person("mastodon", "9", "velosboreal@velo.example")


def said(
    item_id_: str,
    html: str,
    kind: InteractionKind = InteractionKind.MENTION,
    subject: str = "",
    author: Person = LEA,
    **extra: object,
) -> Activity:
    """A notification carrying its interaction (as Bluesky's and Mastodon's do)."""
    item = Interaction(
        "mastodon",
        kind,
        item_id_,
        author,
        NOW - timedelta(hours=1),
        url=f"https://velo.example/@x/{item_id_}",
        content_html=html,
        in_reply_to=subject,
        **extra,  # type: ignore[arg-type]
    )
    return Activity(kind, item_id_, subject, item=item)


@dataclass
class Reader:
    """Answers the scripted notifications and threads; counts the threads read."""

    activities: list[Activity] = field(default_factory=list)
    threads: dict[str, list[Interaction] | Exception] = field(default_factory=dict)
    network: str = "mastodon"
    counts_batch: int = 0
    read: list[str] = field(default_factory=list)

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        return READ_KINDS

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        return None

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        self.read.append(copy.id)
        answer = self.threads.get(copy.id, [])
        if isinstance(answer, Exception):
            raise answer
        return [item for item in answer if item.kind in kinds]

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        return list(self.activities), "c2"


def our_post(store: StateStore, cursor: str = "c1") -> None:
    """One post with a copy (id 100) on the scripted network; its stream started at ``cursor``."""
    state = PostState(key="freins.fr")
    published = NOW - timedelta(days=1)
    state.copies["mastodon"] = Copy(
        "mastodon", CopyStatus.PUBLISHED, "k", published, id="100", published_at=published
    )
    store.save(state)
    if cursor:
        store.save_cursors({"mastodon": {"notifications": cursor}})


def run(
    store: StateStore, reader: Reader, *, full: bool = False, moderation: Moderation | None = None
) -> BackfeedReport:
    async def go() -> BackfeedReport:
        async with httpx.AsyncClient() as client:
            engine = Backfeed(
                store,
                {"mastodon": reader},  # type: ignore[dict-item]
                client,
                now=lambda: NOW,
                moderation=moderation,
            )
            return await engine.run(full)

    return asyncio.run(go())


def kept(store: StateStore) -> dict[str, Mention]:
    return {m.native_id: m for m in ListenStore(store.root).mentions()}


def test_words_to_the_company_outside_our_copies_are_kept_once(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    our_post(store)
    # A listening search heard post 903 first, as a mention about us.
    ListenStore(tmp_path).add(
        [
            Mention(
                id=item_id("mastodon", "903"),
                network="mastodon",
                native_id="903",
                source="Mastodon: Boréal",
                published_at=NOW - timedelta(hours=1),
                text="Vélos Boréal ?",
                about="us",
                matched=("Vélos Boréal",),
            )
        ]
    )
    reader = Reader(
        activities=[
            said(
                "901", "<p>@velosboreal mon vélo est encore en panne<script>alert(1)</script></p>"
            ),
            said("2", "<p>Merci !</p>", InteractionKind.REPLY, subject="100"),  # under our copy
            said("902", "<p>Et en cargo ?</p>", InteractionKind.QUOTE, subject="800"),
            said("903", "<p>@velosboreal Vélos Boréal ?</p>"),
            said("904", "", InteractionKind.QUOTE, subject="800"),  # no words of its own
            said("905", "", InteractionKind.LIKE, subject="800"),  # a like of something else
            said("906", "<p>On s'en occupe</p>", author=BRAND, by_company=True),
            said("907", "<p>Achetez !</p>", author=SPAM),
        ]
    )
    blocked = Moderation(blocked_domains=frozenset({"bad.example"}))
    report = run(store, reader, moderation=blocked)

    assert report.lines()[0].startswith("mastodon: 4 new (3 outside our posts), 0 changed")
    assert list(store.load("freins.fr").interactions) == ["mastodon:2"]
    heard = kept(store)
    assert sorted(heard) == ["901", "902", "903"]
    assert all(m.addressed and m.about == "us" for m in heard.values())
    assert heard["901"].text == "@velosboreal mon vélo est encore en panne"  # sanitised
    assert heard["901"].source == "Mention on Mastodon"
    assert heard["901"].id == item_id("mastodon", "901")
    assert (heard["902"].kind, heard["902"].source) == (InteractionKind.QUOTE, "Quote on Mastodon")
    assert (heard["903"].source, heard["903"].matched) == ("Mastodon: Boréal", ("Vélos Boréal",))
    # Each thread was read once for an answer made elsewhere: none yet.
    assert sorted(set(reader.read) - {"100"}) == ["901", "902", "903"]
    assert all(m.checked_at == NOW and not m.answered for m in heard.values())

    # The same notifications again (a cursor that could not move): nothing more.
    again = run(store, reader, moderation=blocked)
    assert again.lines()[0].startswith("mastodon: 0 new, 0 changed")
    assert sorted(kept(store)) == ["901", "902", "903"]


def test_a_first_run_only_starts_the_stream(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    our_post(store, cursor="")
    run(store, Reader(activities=[said("901", "<p>@velosboreal Bonjour ?</p>")]))
    assert kept(store) == {}
    assert not (tmp_path / "listening").exists()


def test_an_answer_seen_in_the_thread_answers_it_and_a_deleted_post_leaves(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path)
    our_post(store)

    def waiting(native_id: str, checked: timedelta) -> Mention:
        return Mention(
            id=item_id("mastodon", native_id),
            network="mastodon",
            native_id=native_id,
            source="Mention on Mastodon",
            published_at=NOW - timedelta(days=1),
            text="@velosboreal Bonjour ?",
            about="us",
            addressed=True,
            checked_at=NOW - checked,
        )

    ListenStore(tmp_path).add(
        [
            waiting("910", timedelta(hours=2)),  # due: a day-old post is looked at hourly
            waiting("911", timedelta(hours=2)),
            waiting("912", timedelta(minutes=1)),  # looked at a minute ago: not due yet
        ]
    )
    answer = Interaction(
        "mastodon",
        InteractionKind.REPLY,
        "920",
        BRAND,
        NOW - timedelta(minutes=30),
        content_html="<p>Oui !<script>x</script></p>",
        in_reply_to="910",
        by_company=True,
    )
    reader = Reader(threads={"910": [answer], "911": NotFound("gone", network="mastodon")})
    run(store, reader)

    assert "912" not in reader.read
    heard = kept(store)
    assert sorted(heard) == ["910", "912"]  # 911 was deleted by its author
    assert heard["910"].answered and heard["910"].reply is not None
    assert heard["910"].reply.content_html == "<p>Oui !</p>"
    assert not heard["912"].answered

    full = Reader()
    run(store, full, full=True)
    assert "912" in full.read and "910" not in full.read  # an answered one is not read again
