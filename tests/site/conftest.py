"""Fixtures for the site tests: the sample site built once per session, with a conversation.

``site``: the real build (``Pelican(settings).run()``) of a copy of the sample content into a
temporary folder, with one post's state file holding copies on both networks and a threaded
conversation, and a moderation file hiding one reply. ``rebuilt``: a second build of the same
workspace into another folder, with the card cache as the first build left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from site_build import SourcePost, build, copy_content, source_posts, write_state

from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)

CONVERSATION_POST = "mise-au-point-du-printemps.fr"
BLUESKY_COPY = "https://bsky.app/profile/velosboreal.example/post/3kspring"
MASTODON_COPY = "https://mastodon.example/@velosboreal/1100"
QUESTION = "Est-ce que les 95 $ comprennent la purge des freins?"
ANSWER = "Oui, la purge est comprise si le levier est mou. — Mathieu"
EARLY_REPLY = "Fait la semaine dernière, mon vélo est comme neuf."
HIDDEN_REPLY = "Achetez des abonnés pas chers sur notre site"
ANSWER_TO_HIDDEN = "Quelqu'un a cliqué sur ce lien?"


@dataclass(frozen=True)
class BuiltSite:
    """A built site and what it was built from."""

    workspace: Path
    output: Path
    posts: tuple[SourcePost, ...]

    def read(self, relative: str) -> str:
        """The text of a file of the output."""
        return (self.output / relative).read_text(encoding="utf-8")


def _person(network: str, handle: str, name: str) -> Person:
    return Person(network=network, id=f"{network}-{handle}", handle=handle, name=name)


def conversation_state() -> PostState:
    """Copies on both networks, a question answered by the company, an older reply, a hidden
    spam reply with an answer under it, likes and a repost."""
    start = datetime(2025, 3, 18, 13, 0, tzinfo=UTC)
    state = PostState(key=CONVERSATION_POST)
    state.copies["bluesky"] = Copy(
        network="bluesky",
        status=CopyStatus.PUBLISHED,
        key="3kspring",
        intent_at=start,
        id="at://did:plc:velos/app.bsky.feed.post/3kspring",
        url=BLUESKY_COPY,
        published_at=start,
    )
    state.copies["mastodon"] = Copy(
        network="mastodon",
        status=CopyStatus.PUBLISHED,
        key="k-1100",
        intent_at=start,
        id="1100",
        url=MASTODON_COPY,
        published_at=start,
    )
    lea = _person("mastodon", "lea@mastodon.example", "Léa Roy")
    items = [
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1201",
            author=lea,
            published_at=start + timedelta(hours=2),
            url="https://mastodon.example/@lea/1201",
            content_html=f"<p>{QUESTION}</p>",
            in_reply_to="1100",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1202",
            author=_person("mastodon", "velosboreal@mastodon.example", "Vélos Boréal"),
            published_at=start + timedelta(hours=3),
            url="https://mastodon.example/@velosboreal/1202",
            content_html=f"<p>{ANSWER}</p>",
            in_reply_to="1201",
            by_company=True,
            signed_by="Mathieu Gagnon",
        ),
        Interaction(
            network="bluesky",
            kind=InteractionKind.REPLY,
            id="at://did:plc:marc/app.bsky.feed.post/1",
            author=_person("bluesky", "marc.bsky.social", "Marc"),
            published_at=start + timedelta(hours=1),
            url="https://bsky.app/profile/marc.bsky.social/post/1",
            content_html=f"<p>{EARLY_REPLY}</p>",
            in_reply_to="at://did:plc:velos/app.bsky.feed.post/3kspring",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1300",
            author=_person("mastodon", "spam@spam.example", "Spam"),
            published_at=start + timedelta(hours=4),
            content_html=f"<p>{HIDDEN_REPLY}</p>",
            in_reply_to="1100",
        ),
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPLY,
            id="1301",
            author=lea,
            published_at=start + timedelta(hours=5),
            content_html=f"<p>{ANSWER_TO_HIDDEN}</p>",
            in_reply_to="1300",
        ),
    ]
    for number, (network, handle) in enumerate(
        [("bluesky", "ana.bsky.social"), ("bluesky", "zoe.bsky.social"), ("mastodon", "lea")]
    ):
        items.append(
            Interaction(
                network=network,
                kind=InteractionKind.LIKE,
                id=f"like-{number}",
                author=_person(network, handle, handle.split(".")[0].capitalize()),
                published_at=start + timedelta(hours=6 + number),
            )
        )
    items.append(
        Interaction(
            network="mastodon",
            kind=InteractionKind.REPOST,
            id="boost-1",
            author=_person("mastodon", "paul@mastodon.example", "Paul"),
            published_at=start + timedelta(hours=9),
        )
    )
    for item in items:
        state.interactions[interaction_key(item.network, item.id)] = item
    return state


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample site, built once for the session with the project's settings and plugin."""
    workspace = tmp_path_factory.mktemp("site")
    content = copy_content(workspace)
    write_state(content, CONVERSATION_POST, conversation_state().to_dict())
    (content / "moderation.toml").write_text(
        'blocked_accounts = []\nblocked_domains = []\nhidden_items = ["mastodon:1300"]\n',
        encoding="utf-8",
    )
    output = workspace / "output"
    build(workspace, output)
    return BuiltSite(workspace, output, tuple(source_posts(content)))


@dataclass(frozen=True)
class Rebuild:
    """A second build of the same workspace, and the card cache's files before it."""

    site: BuiltSite
    cache_before: dict[str, int]  # file name -> mtime_ns


@pytest.fixture(scope="session")
def rebuilt(site: BuiltSite) -> Rebuild:
    """The same site built a second time, into another folder, with the same card cache."""
    cache = site.workspace / "card-cache"
    before = {path.name: path.stat().st_mtime_ns for path in cache.glob("*.png")}
    output = site.workspace / "output-again"
    build(site.workspace, output)
    return Rebuild(BuiltSite(site.workspace, output, site.posts), before)
