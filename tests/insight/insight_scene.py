"""A small November 2026 built by hand, whose figures the insight tests worked out on paper.

Montréal is on EST (UTC-5) all month (daylight saving time ended on Sunday 1 November).
Opening hours are the default: Monday to Friday, 9:00 to 17:00. Mondays: 2, 9, 16, 23, 30.

Post ``velo.fr``: copies on Mastodon and Bluesky published Thursday 5 November.
Post ``hiver.fr``: a Bluesky copy published in October (outside the period).

Comments (replies, quotes) of the period, and the company's first answer:

====  =========  ========================  ====================  ==========================
id    network    who, when (local)         answered (local)      business time to answer
====  =========  ========================  ====================  ==========================
A     mastodon   Léa, Fri 6 Nov 16:00      Mon 9 Nov 10:00       Fri 16-17 (1 h), the
                 "retard" (a complaint)    Camille (signed)      weekend 0, Mon 9-10 (1 h):
                                                                 2 h (66 h of wall time)
B     bluesky    Samuel, Tue 10 Nov 20:00  Wed 11 Nov 09:30      closed until Wed 9:00,
                                           Mathieu, `invoke      then 9:00-9:30: 30 min
                                           reply` (also backfed)
C     mastodon   Noor, Wed 11 Nov 10:00    Wed 11 Nov 14:00      4 h
                                           brand, unsigned
D     bluesky    Léa (her Bluesky), a      never                 -, waits 18 d at the report
                 quote, Thu 12 Nov 11:00                         (over 7 days)
                 "déçu" (a complaint)
E     mastodon   Noor, Mon 30 Nov 08:00    never                 -, waits 4 h at the report
                 "remboursement ?"                               (under 24 h)
====  =========  ========================  ====================  ==========================

Overall: 5 comments, 3 answered (60 %); times 30 min, 2 h, 4 h: median (low) 2 h, 90th
percentile by nearest rank ceil(0.9 x 3) = 3rd = 4 h. Mastodon: A, C, E: 3 comments, 2
answered, times 2 h and 4 h: median (low) 2 h, p90 ceil(0.9 x 2) = 2nd = 4 h. Bluesky: B, D: 2
comments, 1 answered, 30 min both. Negative (complaint words): A, D, E = 3, answered 1 (A).

Clicks of the period: Léa likes the Mastodon copy (Fri 6 Nov 15:00), Samuel likes the Bluesky
copy (Tue 10 Nov 19:00) and the October post's copy (Sun 15 Nov), Olivier (opted out) reposts
both copies and likes the Mastodon one (Fri 20 Nov), Camille (an employee, not flagged by the
network) likes the Mastodon copy, the brand likes A (flagged). Outside the counts: a spam reply
the moderation file hides (Mon 16 Nov), Léa's reply of 30 October (before the period).

Activity (readers only): Mastodon 2 copies... no, 1 copy; replies A, C, E = 3, likes Léa +
Olivier = 2, reposts Olivier = 1. Bluesky: 1 copy; replies B = 1, quotes D = 1, likes Samuel x2
= 2, reposts Olivier = 1. Total 11 reader items, 2 copies. Employees' answers: Camille 1
(Mastodon), Mathieu 1 (Bluesky, counted once), the brand 1 (Mastodon).

The report is made on Mon 30 Nov 12:00 local (17:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from syndication.listen.store import FEED, ListenStore, Mention
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)
from syndication.store.state import StateStore

EST = timedelta(hours=-5)
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
LEA = Person("mastodon", "101", "lea@velo.example", name="Léa")
LEA_BSKY = Person("bluesky", "did:plc:lea", "lea.example.com", name="Léa M.")
SAM = Person("bluesky", "did:plc:sam", "samuel.test", name="Samuel")
NOOR = Person("mastodon", "103", "noor@velo.example", name="Noor")
OLIVIER = Person("mastodon", "104", "olivier@velo.example", name="Olivier")
OLIVIER_BSKY = Person("bluesky", "did:plc:oli", "olivier.test", name="Olivier")
SPAMMER = Person("mastodon", "105", "promo@spam.example", name="Promo")
BRAND = Person("mastodon", "99", "velosboreal@velo.example", name="Vélos Boréal")
BRAND_BSKY = Person("bluesky", "did:plc:brand", "velosboreal.test", name="Vélos Boréal")
CAMILLE = Person("mastodon", "98", "camille@velo.example", name="Camille")
AUTHORS = {
    "Camille Tremblay": {"first_name": "Camille", "mastodon": "@camille@velo.example"},
    "Mathieu Gagnon": {"first_name": "Mathieu", "bluesky": "mathieu.test"},
}
PEOPLE_TOML = """
opted_out = ["mastodon:olivier@velo.example", "olivier.test"]

# Léa links her Bluesky handle from her Mastodon profile (verified with rel=me).
[[person]]
name = "Léa Martin"
accounts = ["mastodon:@lea@velo.example", "bluesky:lea.example.com"]
"""
MODERATION_TOML = 'hidden_items = ["mastodon:spam-1"]\n'
WORDS = "# complaint words\ndéçu\nretard\nremboursement\n"


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Montréal wall time of 2026 (EST), in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - EST


def item(
    network: str,
    native: str,
    who: Person,
    at: datetime,
    kind: InteractionKind = InteractionKind.REPLY,
    text: str = "",
    **extra: object,
) -> Interaction:
    """An interaction of ``who`` on the copy (``in_reply_to`` defaults to it)."""
    fields: dict[str, object] = {"in_reply_to": f"copy-{network}", **extra}
    return Interaction(
        network=network,
        kind=kind,
        id=native,
        author=who,
        published_at=at,
        url=f"https://{network}.example/{native}",
        content_text=text,
        **fields,  # type: ignore[arg-type]
    )


def copy(network: str, at: datetime, account: str) -> Copy:
    return Copy(
        network,
        CopyStatus.PUBLISHED,
        f"key-{network}",
        at,
        id=f"copy-{network}",
        url=f"https://{network}.example/copy",
        published_at=at,
        account=account,
    )


LIKE, REPOST, QUOTE = InteractionKind.LIKE, InteractionKind.REPOST, InteractionKind.QUOTE


def states() -> list[PostState]:
    """The two posts of the module docstring."""
    velo = PostState(key="velo.fr")
    velo.copies["mastodon"] = copy("mastodon", local(5, 9), "velosboreal@velo.example")
    velo.copies["bluesky"] = copy("bluesky", local(5, 9), "velosboreal.test")
    items = [
        item("mastodon", "A", LEA, local(6, 16), text="Livraison en retard, encore ?"),
        item(
            "mastodon",
            "A-answer",
            BRAND,
            local(9, 10),
            text="Désolés, voici pourquoi.",
            in_reply_to="A",
            by_company=True,
            signed_by="Camille Tremblay",
        ),
        item("bluesky", "B", SAM, local(10, 20), text="Ouvert samedi ?"),
        # B's answer was sent with `invoke reply` (below, in answers) and backfed since.
        item(
            "bluesky",
            "B-answer",
            BRAND_BSKY,
            local(11, 9, 30),
            text="Oui, de 10 h à 16 h.",
            in_reply_to="B",
            by_company=True,
            signed_by="Mathieu Gagnon",
        ),
        item("mastodon", "C", NOOR, local(11, 10), text="Merci pour le billet"),
        item(
            "mastodon",
            "C-answer",
            BRAND,
            local(11, 14),
            text="Merci à vous !",
            in_reply_to="C",
            by_company=True,
        ),
        item("bluesky", "D", LEA_BSKY, local(12, 11), QUOTE, text="Franchement déçu du service"),
        item("mastodon", "E", NOOR, local(30, 8), text="Et mon remboursement ?"),
        item("mastodon", "like-lea", LEA, local(6, 15), LIKE),
        item("bluesky", "like-sam", SAM, local(10, 19), LIKE),
        item("mastodon", "repost-oli", OLIVIER, local(20, 10), REPOST),
        item("mastodon", "like-oli", OLIVIER, local(20, 10, 5), LIKE),
        item("bluesky", "repost-oli", OLIVIER_BSKY, local(20, 10, 10), REPOST),
        item("mastodon", "like-camille", CAMILLE, local(9, 11), LIKE),
        item("mastodon", "like-brand", BRAND, local(9, 11), LIKE, in_reply_to="A", by_company=True),
        item("mastodon", "spam-1", SPAMMER, local(16, 9), text="Gagnez un vélo !!!"),
        item("mastodon", "old", LEA, local(30, 12, month=10), text="Avant la période"),
    ]
    velo.interactions = {interaction_key(i.network, i.id): i for i in items}
    velo.answers["bluesky:B"] = Copy(
        "bluesky",
        CopyStatus.PUBLISHED,
        "answer-key",
        local(11, 9, 29),
        id="B-answer",
        published_at=local(11, 9, 30),
        account="mathieu.test",
        extra={"signed_by": "Mathieu Gagnon", "text": "Oui, de 10 h à 16 h."},
    )
    hiver = PostState(key="hiver.fr")
    hiver.copies["bluesky"] = copy("bluesky", local(20, 9, month=10), "velosboreal.test")
    like = item("bluesky", "like-sam-hiver", SAM, local(15, 13), LIKE)
    hiver.interactions = {interaction_key(like.network, like.id): like}
    return [hiver, velo]


def heard() -> list[Mention]:
    """What listening heard: in November, 3 mentions of us (2 articles, 1 Bluesky post), 1 of
    Cycles Nordet, 1 of the industry; one of us in October (outside the period). Share of voice
    in November: 3 / (3 + 1) = 75 %."""

    def mention(
        number: int, about: str, at: datetime, network: str = FEED, **extra: Any
    ) -> Mention:
        return Mention(
            id=f"feed-{number}",
            network=network,
            native_id=f"https://news.example/{number}",
            source="Actualités",
            published_at=at,
            about=about,
            **extra,
        )

    return [
        mention(1, "us", local(3, 8), matched=("Vélos Boréal",)),
        mention(2, "us", local(17, 8), matched=("Vélos Boréal",)),
        mention(3, "us", local(18, 8), network="bluesky", matched=("velosboreal.example",)),
        mention(4, "competitors", local(19, 8), matched=("Cycles Nordet",)),
        mention(5, "industry", local(20, 8), matched=("vélo cargo",)),
        mention(6, "us", local(20, 8, month=10), matched=("Vélos Boréal",)),
    ]


def project(folder: Path, *, listening: bool = False) -> Path:
    """A settings file, its state, people, moderation and complaint words (and what listening
    heard, with ``listening``); returns the settings file."""
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "people.toml").write_text(PEOPLE_TOML, encoding="utf-8")
    (content / "moderation.toml").write_text(MODERATION_TOML, encoding="utf-8")
    (content / "complaint-words.txt").write_text(WORDS, encoding="utf-8")
    store = StateStore(content / "state")
    for state in states():
        store.save(state)
    if listening:
        ListenStore(content / "state").add(heard())
    settings = folder / "settings.py"
    settings.write_text(
        'PATH = "content"\nAGORA_STATE_PATH = "content/state"\n'
        'AGORA_MODERATION_FILE = "content/moderation.toml"\n'
        'AGORA_PEOPLE_FILE = "content/people.toml"\nAGORA_REPORT_PATH = "report"\n'
        f"AGORA_AUTHORS = {AUTHORS!r}\n",
        encoding="utf-8",
    )
    return settings
