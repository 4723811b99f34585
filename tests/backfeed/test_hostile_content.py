"""Hostile content that cannot run, case by case: what the sanitiser stores and the page shows.

The end-to-end proof (the Mastodon peer, Pelican, Chromium) is ``test_hostile_layout``; here each
rule is held on its own, with the cases a browser or a language makes subtle: a link whose text is
its own host is left alone, a legitimate internationalised domain keeps its letters, the joiners
that emoji and Persian need survive, a cut never splits an emoji.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from plugins.agora.conversation import (
    NAME_CHARACTERS,
    REPLY_CHARACTERS,
    THREAD_LEVELS,
    ThreadNode,
    build_conversation,
    identity,
)
from syndication.backfeed.sanitize import (
    MAX_DEPTH,
    MAX_NESTING,
    clean_for_page,
    clean_html,
    shown_host,
    strip_invisibles,
    text_to_html,
)
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
)

CYRILLIC_E = "\u0435"
RLO = "\u202e"


def _links(fragment: str) -> dict[str, str]:
    """href -> visible text of each link of a fragment."""
    soup = BeautifulSoup(fragment, "html.parser")
    return {str(a["href"]): a.get_text() for a in soup.find_all("a")}


@pytest.mark.parametrize(
    ("href", "text", "shown"),
    [
        # text naming one host, link to another: the real one is shown
        ("https://evil.example/login", "velos-boreal.example", "evil.example/login"),
        (
            "https://velos-boreal.example.evil.example/",
            "velos-boreal.example",
            "velos-boreal.example.evil.example",
        ),
        ("https://evil.example/", "see www.velos-boreal.example now", "evil.example"),
        ("mailto:thief@evil.example", "aide@velos-boreal.example", "thief@evil.example"),
        # a look-alike host: punycode and the warning sign, as a browser would show it
        (
            f"https://v{CYRILLIC_E}los-boreal.example/",
            "velos-boreal.example",
            "⚠\u00a0xn--vlos-boreal-okj.example",
        ),
    ],
)
def test_a_link_whose_text_names_another_host_shows_the_real_one(
    href: str, text: str, shown: str
) -> None:
    cleaned = clean_html(f'<p><a href="{href}">{text}</a></p>')
    assert _links(cleaned) == {href: shown}


def test_links_that_say_where_they_go_are_left_as_written() -> None:
    mastodon = (
        '<p><a href="https://velos-boreal.example/a/very/long/path">'
        '<span class="invisible">https://</span><span class="ellipsis">velos-boreal.example/a/'
        'very</span><span class="invisible">/long/path</span></a> '
        '<a href="https://masto.example/@lea">@<span>lea</span></a> '
        '<a href="https://masto.example/tags/velo">#<span>velo</span></a> '
        '<a href="https://other.example/">this page</a></p>'
    )
    cleaned = clean_html(mastodon)
    assert _links(cleaned) == _links(mastodon)
    assert "lookalike" not in cleaned and cleaned.count('class="invisible"') == 2


HOSTILE = [
    f'<p><a href="https://shop.v{CYRILLIC_E}los-boreal.example/">our shop</a> and '
    '<a href="https://evil.example/x">velos-boreal.example</a></p>',
    f'<p><a href="https://\u0430\u0440\u0440\u04cf\u0435.com/">apple.com</a>{RLO}</p>',
    "<blockquote>" * 50 + "<ul><li>a<ul><li>b</li></ul></li></ul>" + "</blockquote>" * 50,
    '<p><span class="lookalike">fake warning</span> <a href="https://a.example/">'
    '<span class="lookalike">mine</span></a></p>',
]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_cleaning_again_gives_what_cleaning_once_gave(fragment: str) -> None:
    """The build cleans what backfeed stored: a host beside a link must not come twice."""
    once = clean_html(fragment)
    assert clean_html(once) == once
    assert clean_for_page(once, REPLY_CHARACTERS) == (once, False)
    assert once.count("lookalike") == fragment.count("v\u0435los") + fragment.count("\u0430\u0440")


def test_a_link_whose_address_was_unsafe_keeps_its_words() -> None:
    cleaned = clean_html('<p><a href="javascript:alert(1)">velos-boreal.example</a></p>')
    assert BeautifulSoup(cleaned, "html.parser").get_text() == "velos-boreal.example"
    assert "javascript" not in cleaned


def test_a_link_to_a_look_alike_host_gets_the_real_host_beside_it() -> None:
    cleaned = clean_html(
        f'<p><a href="https://shop.v{CYRILLIC_E}los-boreal.example/">our shop</a></p>'
    )
    soup = BeautifulSoup(cleaned, "html.parser")
    assert soup.a is not None and soup.a.get_text() == "our shop"
    mark = soup.select_one("span.lookalike")
    assert mark is not None and mark.get_text() == " (⚠\u00a0shop.xn--vlos-boreal-okj.example)"


@pytest.mark.parametrize(
    ("host", "shown", "flagged"),
    [
        ("bücher.example", "bücher.example", False),  # one script: shown in Unicode
        ("xn--bcher-kva.example", "bücher.example", False),
        ("日本語.example", "日本語.example", False),
        ("\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "пример.рф", False),  # Cyrillic TLD
        (f"v{CYRILLIC_E}los.example", "xn--vlos-v4d.example", True),  # Latin + Cyrillic
        ("\u0430\u0440\u0440\u04cf\u0435.com", "xn--80ak6aa92e.com", True),  # all-Cyrillic "apple"
        ("\u03b1\u03b2c.example", "xn--c-ylbd.example", True),  # Greek + Latin
        ("Velos-Boreal.Example", "velos-boreal.example", False),
    ],
)
def test_hosts_are_shown_the_way_chromium_shows_them(host: str, shown: str, flagged: bool) -> None:
    assert shown_host(host) == (shown, flagged)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"Mallory{RLO} ecnarf", "Mallory ecnarf"),  # an override: gone
        ("a\u2067b\u2069c\u200ed\u200ff\u061cg", "abcdfg"),  # isolates and marks
        ("Vélos\u200b Bo\u00adréal\ufeff\u2060", "Vélos Boréal"),  # zero-width, soft hyphen, BOM
        ("\u3164\u115fname", "name"),  # Hangul fillers, blank "letters"
        ("line\u0007 bell\u001b[2J", "line bell[2J"),  # control characters
        ("👩\u200d💻 🏳\ufe0f\u200d🌈", "👩\u200d💻 🏳\ufe0f\u200d🌈"),  # emoji sequences keep ZWJ
        ("a\u200db", "ab"),  # ZWJ between two Latin letters serves nothing
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),  # Persian ZWNJ
        ("un\u200cseen", "unseen"),  # ZWNJ inside a Latin word
        (
            "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
            "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        ),
        ("\u0600\u0661", "\u0600\u0661"),  # an Arabic number sign is visible
        ("tabs\tand\nlines", "tabs\tand\nlines"),
    ],
)
def test_invisible_and_direction_characters_are_removed_unless_a_language_needs_them(
    text: str, kept: str
) -> None:
    assert strip_invisibles(text) == kept
    assert BeautifulSoup(clean_html(f"<p>{text}</p>"), "html.parser").get_text() == kept


def test_plain_text_replies_lose_them_too() -> None:
    assert text_to_html(f"Bonjour {RLO}à tous") == "<p>Bonjour à tous</p>"


def test_quotes_and_lists_nest_a_few_levels_and_keep_their_words() -> None:
    quotes = clean_html("<blockquote>" * 2_000 + "<p>fond</p>" + "</blockquote>" * 2_000)
    soup = BeautifulSoup(quotes, "html.parser")
    assert len(soup.find_all("blockquote")) == MAX_NESTING and soup.get_text() == "fond"
    items = "".join(f"<ul><li>item {n}" for n in range(10)) + "</li></ul>" * 10
    lists = BeautifulSoup(clean_html(items), "html.parser")
    assert len(lists.find_all("ul")) == MAX_NESTING
    assert lists.get_text("|").split("|") == [f"item {n}" for n in range(10)]
    emphasis = clean_html("<p>" + "<em>" * 500 + "deep" + "</em>" * 500 + "</p>")
    assert emphasis.count("<em>") == MAX_DEPTH - 1 and "deep" in emphasis


def test_a_long_reply_is_cut_between_words_and_a_long_word_between_characters() -> None:
    words = "<p>" + " ".join(f"word{n}" for n in range(5_000)) + "</p>"
    cut, was_cut = clean_for_page(words, 100)
    text = BeautifulSoup(cut, "html.parser").get_text()
    assert was_cut and text.endswith(" …") and len(text) <= 102
    assert all(word.startswith("word") for word in text.split()[:-1])
    emoji, was_cut = clean_for_page("<p>" + "👩\u200d💻" * 1_000 + "</p>", 100)
    shown = BeautifulSoup(emoji, "html.parser").get_text()
    assert was_cut and shown.rstrip("…") == "👩\u200d💻" * (100 // 3)  # whole emoji only
    short, was_cut = clean_for_page("<p>Merci!</p>", 100)
    assert short == "<p>Merci!</p>" and not was_cut


def _person(name: str, handle: str = "reader@masto.example") -> Person:
    return Person(network="mastodon", id=handle, handle=handle, name=name)


def _state(items: list[Interaction]) -> PostState:
    moment = datetime(2026, 6, 1, tzinfo=UTC)
    state = PostState(key="post.fr")
    state.copies["mastodon"] = Copy(
        network="mastodon",
        status=CopyStatus.PUBLISHED,
        key="k",
        intent_at=moment,
        id="copy",
        url="https://masto.example/@velosboreal/1",
        published_at=moment,
    )
    for item in items:
        state.interactions[f"{item.network}:{item.id}"] = item
    return state


def _reply(number: int, parent: str, author: Person, html: str = "<p>Bonjour</p>") -> Interaction:
    return Interaction(
        network="mastodon",
        kind=InteractionKind.REPLY,
        id=f"r{number}",
        author=author,
        published_at=datetime(2026, 6, 2, tzinfo=UTC).replace(
            minute=number % 60, hour=number // 60
        ),
        url=f"https://masto.example/@reader/{number}",
        content_html=html,
        in_reply_to=parent,
    )


@pytest.mark.parametrize(
    "name",
    [
        "Vélos Boréal",
        "VELOS BOREAL",
        "Ve\u0301los\u200b Bore\u0301al",
        f"V{CYRILLIC_E}los Boréal",
        "vélos-boréal",
    ],
)
def test_names_that_read_as_the_company_have_its_identity(name: str) -> None:
    assert identity(name) == identity("Vélos Boréal")


def test_only_the_company_s_accounts_pass_for_it_and_impostors_are_marked() -> None:
    impostor = _reply(1, "copy", _person("Vélos\u200b Boréal"))
    fan = _reply(2, "copy", _person("Fan de Vélos Boréal"))
    answer = _reply(3, "r1", _person("Vélos Boréal", "velosboreal@masto.example"))
    answer.by_company = True
    conversation = build_conversation(
        _state([impostor, fan, answer]), {"mastodon": "Mastodon"}, company_names=["Vélos Boréal"]
    )
    first, second = conversation.replies
    assert first.who == "Vélos Boréal" and first.impostor
    assert not first.children[0].impostor and first.children[0].item.by_company
    assert not second.impostor


def test_the_build_cleans_again_what_a_state_file_holds() -> None:
    """A state file edited by hand, or written by an older version, is held to today's rules."""
    raw = (
        f'<p onclick="x()">Bonjour {RLO}<a href="https://evil.example/">velos-boreal.example</a>'
        "<script>alert(1)</script></p>" + "<blockquote>" * 10 + "fond" + "</blockquote>" * 10
    )
    item = _reply(1, "copy", _person(f"Mallory{RLO}" + "x" * 500), raw)
    item.summary = f"colère{RLO}"
    (node,) = build_conversation(_state([item]), {}).replies
    soup = BeautifulSoup(str(node.content), "html.parser")
    assert RLO not in str(node.content) and "onclick" not in str(node.content)
    assert "script" not in str(node.content) and len(soup.find_all("blockquote")) == MAX_NESTING
    assert _links(str(node.content)) == {"https://evil.example/": "evil.example"}
    assert RLO not in node.who and len(node.who) == NAME_CHARACTERS and node.summary == "colère"


def test_a_long_reply_is_cut_for_the_page_and_kept_whole_in_the_state() -> None:
    long = "<p>" + "mot " * (REPLY_CHARACTERS // 2) + "</p>"
    item = _reply(1, "copy", _person("Lea"), long)
    (node,) = build_conversation(_state([item]), {}).replies
    assert node.cut and len(BeautifulSoup(str(node.content), "html.parser").get_text()) < len(long)
    assert item.content_html == long


def test_replies_past_the_last_level_are_listed_flat_saying_whom_they_answer() -> None:
    items = [
        _reply(n, f"r{n - 1}" if n else "copy", _person(f"Reader {n}", f"r{n}@masto.example"))
        for n in range(12)
    ]
    (root,) = build_conversation(_state(items), {}).replies
    level: ThreadNode = root
    for _ in range(THREAD_LEVELS - 1):
        (level,) = level.children
    assert level.who == f"Reader {THREAD_LEVELS - 1}"
    assert [node.who for node in level.children] == [
        f"Reader {n}" for n in range(THREAD_LEVELS, 12)
    ]
    assert all(not node.children for node in level.children)
    assert level.children[0].reply_to == ""  # it answers the reply it is shown under
    assert [node.reply_to for node in level.children[1:]] == [
        f"Reader {n}" for n in range(THREAD_LEVELS, 11)
    ]
