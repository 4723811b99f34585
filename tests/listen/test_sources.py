"""The listening file: what a person writes in it, and the one sentence a mistake gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndication.errors import ConfigError
from syndication.listen.sources import Feed, load, parse

GOOD = """\
# Écoute
[terms]
us = ["Vélos Boréal", "velosboreal.example", "Vélos Boréal"]
competitors = ["Cycles Nordet"]

[[feeds]]
label = "Actualités"
url = "https://news.example/rss?q=boreal"

[[feeds]]
label = "Forum"
url = "http://forum.example/search.atom"

[searches]
bluesky = ["Vélos Boréal"]
"""


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(text, Path("listening.toml"))
    return str(caught.value)


def test_a_good_file_is_read_in_order_without_repeats() -> None:
    listening = parse(GOOD, Path("listening.toml"))
    assert listening.terms == {
        "us": ("Vélos Boréal", "velosboreal.example"),
        "competitors": ("Cycles Nordet",),
        "industry": (),
    }
    assert listening.feeds == (
        Feed("Actualités", "https://news.example/rss?q=boreal"),
        Feed("Forum", "http://forum.example/search.atom"),
    )
    assert listening.searches == {"bluesky": ("Vélos Boréal",)}


def test_no_file_means_nothing_to_listen_to(tmp_path: Path) -> None:
    assert load(tmp_path / "listening.toml").empty


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        # A feed's url that is not a URL: the line of that url (the second feed's).
        (('url = "http://forum.example/search.atom"', 'url = "forum.example"'), 12, "not an http"),
        (
            ('url = "http://forum.example/search.atom"', 'url = "ftp://x.example/f"'),
            12,
            "not an http",
        ),
        # An unknown key in a feed, in a table, at the top.
        (('label = "Forum"', 'label = "Forum"\ntitle = "x"'), 12, "'title' is not a key of a feed"),
        (("competitors =", "rivals ="), 4, "'rivals' is not a kind of term"),
        (("[searches]", "[search]"), 14, "'search' is not a section"),
        (('bluesky = ["Vélos Boréal"]', 'x = ["Vélos Boréal"]'), 15, "cannot search 'x'"),
        # Wrong types and empty words.
        (('competitors = ["Cycles Nordet"]', 'competitors = "Cycles Nordet"'), 4, "list of words"),
        (('competitors = ["Cycles Nordet"]', 'competitors = ["  "]'), 4, "not a word"),
        (('label = "Forum"', 'label = ""'), 11, "needs a label"),
        # The same feed twice.
        (("http://forum.example/search.atom", "https://news.example/rss?q=boreal"), 12, "twice"),
    ],
)
def test_a_wrong_entry_is_one_sentence_naming_its_line(
    change: tuple[str, str], line: int, words: str
) -> None:
    message = error_of(GOOD.replace(*change))
    assert message.startswith(f"listening.toml, line {line}: ")
    assert words in message
    assert message.count("\n") == 0 and message.endswith(".")


def test_invalid_toml_names_its_line() -> None:
    message = error_of(GOOD.replace('us = ["Vélos Boréal",', 'us = ["Vélos Boréal"'))
    assert message.startswith("listening.toml: this is not valid TOML")
    assert "line 3" in message


def test_feeds_without_terms_are_refused() -> None:
    text = '[[feeds]]\nlabel = "A"\nurl = "https://a.example/feed"\n'
    assert "no terms to look for" in error_of(text)


def test_the_sample_sites_file_shows_one_of_each_kind_and_is_valid() -> None:
    path = Path(__file__).resolve().parents[2] / "content" / "listening.toml"
    text = path.read_text(encoding="utf-8")
    listening = parse(text, path)
    assert all(listening.terms[kind] for kind in ("us", "competitors", "industry"))
    assert set(listening.searches) == {"bluesky", "mastodon"}
    # Every feed is an example to uncomment: a test or a demo that copies the sample content
    # never reads the Internet through it.
    assert listening.feeds == ()
    for kind in ("news search", "alert", "forum", "Mastodon tag", "competitor", "video"):
        assert kind.lower() in text.lower(), kind
