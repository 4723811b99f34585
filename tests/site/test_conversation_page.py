"""A post's state file shows on its page: syndication links and the threaded conversation."""

from __future__ import annotations

import mf2py
from bs4 import BeautifulSoup, Tag
from site_build import (
    ANSWER,
    ANSWER_TO_HIDDEN,
    BLUESKY_COPY,
    EARLY_REPLY,
    HIDDEN_REPLY,
    MASTODON_COPY,
    QUESTION,
    SITEURL,
    SPRING,
    WINTER,
    BuiltSite,
)

PAGE = f"{SPRING.slug}/index.html"  # the post with the conversation (CONVERSATION_POST)
URL = f"{SITEURL}/{SPRING.slug}/"


def _cite_holding(soup: BeautifulSoup, text: str) -> Tag:
    """The innermost ``h-cite`` whose text holds ``text``."""
    holders = [cite for cite in soup.select(".h-cite") if text in cite.get_text(" ", strip=True)]
    assert holders, f"no h-cite holds {text!r}"
    return min(holders, key=lambda cite: len(cite.get_text()))


def test_the_post_links_its_copies_with_u_syndication(site: BuiltSite) -> None:
    parsed = mf2py.parse(doc=site.read(PAGE), url=URL)
    entry = next(item for item in parsed["items"] if "h-entry" in item["type"])
    assert set(entry["properties"].get("syndication", [])) == {BLUESKY_COPY, MASTODON_COPY}


def test_replies_are_threaded_oldest_first_and_hidden_ones_are_gone(site: BuiltSite) -> None:
    html = site.read(PAGE)
    soup = BeautifulSoup(html, "html.parser")
    question = _cite_holding(soup, QUESTION)
    answer = _cite_holding(soup, ANSWER)
    early = _cite_holding(soup, EARLY_REPLY)
    # A reply's thread is what its h-cite's container holds (nested inside the h-cite, or in a
    # list beside it): the answer belongs to the question's thread, not to the other reply's.
    assert question.parent in list(answer.parents), "the answer is not under the question"
    assert early.parent not in list(answer.parents), "the answer is under the wrong reply"
    assert question.parent not in list(early.parents), "two roots are nested"
    assert html.index(EARLY_REPLY) < html.index(QUESTION) < html.index(ANSWER)
    assert HIDDEN_REPLY not in html
    assert ANSWER_TO_HIDDEN not in html


def test_the_entry_carries_comments_likes_and_reposts_as_microformats(site: BuiltSite) -> None:
    parsed = mf2py.parse(doc=site.read(PAGE), url=URL)
    entry = next(item for item in parsed["items"] if "h-entry" in item["type"])
    comments = entry["properties"].get("comment", [])
    texts = " ".join(str(c.get("properties", {}).get("content", c)) for c in comments)
    assert QUESTION in texts and EARLY_REPLY in texts
    assert len(entry["properties"].get("like", [])) == 3
    assert len(entry["properties"].get("repost", [])) == 1


def test_a_post_without_state_shows_no_syndication_link(site: BuiltSite) -> None:
    parsed = mf2py.parse(
        doc=site.read(f"{WINTER.slug}/index.html"), url=f"{SITEURL}/{WINTER.slug}/"
    )
    entry = next(item for item in parsed["items"] if "h-entry" in item["type"])
    assert not entry["properties"].get("syndication")
    assert not entry["properties"].get("comment")
