"""The theme's words for what a hostile conversation needs, in French and in English.

A state file written here gives the talked-about post a thread 8 replies deep, a reply too long to
show whole and a reader named like the company; the real site is built and both faces of the post
are read: "in reply to", "read the rest on" and "a reader, not" in each language, every reader's
name isolated for direction, and the company's badge only on the company's answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import Tag
from theme_site import COMPANY, TALKED_ABOUT, BuiltSite, build, fixture_state

from syndication.model import Interaction, InteractionKind, Person
from syndication.store.state import StateStore

DEPTH = 8
WORDS = {
    "fr": ("en réponse à", "Lire la suite sur Mastodon", f"lecteur ou lectrice, pas {COMPANY}"),
    "en": ("in reply to", "Read the rest on Mastodon", f"a reader, not {COMPANY}"),
}


def _reply(number: int, parent: str, name: str, text: str) -> Interaction:
    return Interaction(
        network="mastodon",
        kind=InteractionKind.REPLY,
        id=f"deep{number}",
        author=Person(
            network="mastodon", id=f"p{number}", handle=f"p{number}@masto.example", name=name
        ),
        published_at=datetime(2025, 4, 24, 10, number, tzinfo=UTC),
        url=f"https://masto.example/@p{number}/{number}",
        content_html=f"<p>{text}</p>",
        in_reply_to=parent,
    )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    workdir = tmp_path_factory.mktemp("hostile-theme")
    states = workdir / "hostile-state"
    store = StateStore(states)
    for lang in ("fr", "en"):
        state = fixture_state(lang)
        parent = "mastodon-copy"
        for number in range(DEPTH):
            name = COMPANY.replace(" ", "\u200d ") if number == 1 else f"Lecteur\u202e {number}"
            text = "mot " * 2_000 if number == 2 else f"réponse {number}"
            item = _reply(number, parent, name, text)
            state.interactions[f"mastodon:{item.id}"] = item
            parent = item.id
        store.save(state)
    return build(workdir, AGORA_STATE_PATH=str(Path(states)))


def _thread(site: BuiltSite, lang: str) -> Tag:
    page = f"/{TALKED_ABOUT}/" if lang == "fr" else f"/en/{TALKED_ABOUT}/"
    thread = site.soup(page).select_one(".conversation .thread")
    assert isinstance(thread, Tag)
    return thread


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_deep_long_and_impostor_replies_speak_the_page_s_language(
    hostile_site: BuiltSite, lang: str
) -> None:
    in_reply_to, read_more, reader = WORDS[lang]
    thread = _thread(hostile_site, lang)
    notes = [" ".join(note.get_text().split()) for note in thread.select(".in-reply-to")]
    # levels 1-4 nested, the 5th under the 4th that it answers, the 6th to 8th flat beside it
    assert notes == [f"{in_reply_to} Lecteur {n}" for n in range(4, DEPTH - 1)]
    assert [a.get_text() for a in thread.select(".read-more a")] == [read_more]
    assert [mark.get_text() for mark in thread.select(".reader-mark")] == [reader]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_name_is_isolated_and_only_the_company_wears_its_badge(
    hostile_site: BuiltSite, lang: str
) -> None:
    thread = _thread(hostile_site, lang)
    for who in thread.select(".who"):
        assert who.name == "bdi" or who.find("bdi") is not None, who
    assert "\u202e" not in str(thread) and "\u200d" not in str(thread)
    badges = [badge.find_parent("article") for badge in thread.select(".badge")]
    assert len(badges) == 1 and badges[0] is not None
    assert "company" in badges[0].get_attribute_list("class")
    assert badges[0].select_one(".reader-mark") is None
