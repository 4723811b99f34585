"""The conversation under a post, rendered from a fixture state through the real plugin."""

from __future__ import annotations

import itertools

import mf2py
import pytest
from bs4 import BeautifulSoup, Tag
from theme_site import (
    BSKY_POST,
    COMPANY,
    JUST_SHARED,
    MASTO_POST,
    QUIET,
    SITEURL,
    TALKED_ABOUT,
    BuiltSite,
)


def _conversation(site: BuiltSite, page: str) -> Tag:
    section = site.soup(page).find("section", class_="conversation")
    assert isinstance(section, Tag), f"{page} has no conversation area"
    return section


@pytest.mark.parametrize(
    ("page", "also", "invite"),
    [
        (f"/{TALKED_ABOUT}/", "Aussi sur", "Répondez-nous sur Bluesky ou Mastodon."),
        (f"/en/{TALKED_ABOUT}/", "Also on", "Reply to us on Bluesky or Mastodon."),
    ],
)
def test_copies_are_u_syndication_links_with_an_invitation(
    site: BuiltSite, page: str, also: str, invite: str
) -> None:
    section = _conversation(site, page)
    links = section.find_all("a", class_="u-syndication")
    assert [(a["href"], a.get_text(), a["rel"]) for a in links] == [
        (BSKY_POST, "Bluesky", ["syndication"]),
        (MASTO_POST, "Mastodon", ["syndication"]),
    ]
    assert section.find(class_="syndication").get_text(" ", strip=True).startswith(also)  # type: ignore[union-attr]
    invitation = section.find(class_="invite")
    assert isinstance(invitation, Tag)
    assert " ".join(invitation.get_text().split()).replace(" .", ".") == invite
    assert [a["href"] for a in invitation.find_all("a")] == [BSKY_POST, MASTO_POST]


def test_replies_are_threaded_oldest_first_with_the_company_answer_marked(site: BuiltSite) -> None:
    thread = _conversation(site, f"/{TALKED_ABOUT}/").find("ol", class_="thread")
    assert isinstance(thread, Tag)
    roots = thread.find_all("li", recursive=False)
    names = [li.find(class_="who").get_text() for li in roots]  # type: ignore[union-attr]
    assert names == ["<script>alert(1)</script>Zed", "Léa Fortin"]  # oldest first, as text
    nested = roots[1].find("ol")
    assert isinstance(nested, Tag), "the answer to Léa is not nested under her reply"
    answer = nested.find("article")
    assert isinstance(answer, Tag) and "company" in answer["class"]
    assert answer.find(class_="badge").get_text() == f"Réponse de {COMPANY} — signée Camille"  # type: ignore[union-attr]
    english = _conversation(site, f"/en/{TALKED_ABOUT}/").find(class_="badge")
    assert english is not None and english.get_text() == f"Answer from {COMPANY} — signed Camille"
    lea = roots[1].find("article")
    assert lea.find(class_="handle").get_text() == "@lea.bsky.example"  # type: ignore[union-attr]
    time = lea.find("time", class_="dt-published")  # type: ignore[union-attr]
    assert time["datetime"] == "2025-04-22T14:00:00+00:00" and time.get_text() == "22 avril 2025"  # type: ignore[index,union-attr]


def test_untrusted_fields_are_escaped_and_unsafe_links_dropped(site: BuiltSite) -> None:
    html = site.html(f"/{TALKED_ABOUT}/")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Zed" in html
    assert "javascript:" not in html


def test_content_warnings_stay_folded(site: BuiltSite) -> None:
    details = _conversation(site, f"/{TALKED_ABOUT}/").find("details")
    assert isinstance(details, Tag) and not details.has_attr("open")
    assert details.summary.get_text() == "Avertissement : freins, colère"  # type: ignore[union-attr]
    content = details.find(class_="p-content")
    assert content is not None and content["lang"] == "fr"
    assert content.get_text() == "Des freins qui lâchent, vraiment?"


def test_likes_and_reposts_are_rows_of_local_faces_with_counts(site: BuiltSite) -> None:
    section = _conversation(site, f"/{TALKED_ABOUT}/")
    likes = section.find(class_="reaction-likes")
    assert isinstance(likes, Tag)
    assert len(likes.find_all(class_="u-like")) == 12  # at most a dozen faces
    assert "14 mentions J'aime sur Bluesky" in likes.get_text()
    reposts = section.find(class_="reaction-reposts")
    assert isinstance(reposts, Tag) and "1 partage sur Mastodon" in reposts.get_text()
    english = _conversation(site, f"/en/{TALKED_ABOUT}/")
    assert "14 likes on Bluesky" in english.get_text()
    assert "1 repost on Mastodon" in english.get_text()
    for img in section.find_all("img"):
        src = str(img["src"])
        # From the site itself, addressed from the host's root like every link of the page.
        assert src.startswith("/") and not src.startswith("//"), f"avatar from elsewhere: {src}"
    placeholder = "/theme/images/avatar-placeholder.svg"
    assert site.path(placeholder).is_file()
    sources = {str(img["src"]) for img in section.find_all("img")}
    assert placeholder in sources and "/avatars/bluesky/lea.png" in sources


def test_mf2_parsers_see_comments_likes_reposts_and_syndication(site: BuiltSite) -> None:
    url = f"{SITEURL}/{TALKED_ABOUT}/"
    parsed = mf2py.parse(doc=site.html(f"/{TALKED_ABOUT}/"), url=url)
    entry = next(item for item in parsed["items"] if "h-entry" in item["type"])
    props = entry["properties"]
    assert props["syndication"] == [BSKY_POST, MASTO_POST]
    comments = props["comment"]
    assert {c["properties"]["author"][0]["properties"]["name"][0] for c in comments} >= {
        "Léa Fortin",
        "Vélos Boréal",
    }
    lea = next(c for c in comments if c["properties"]["url"][0].endswith("/r1"))
    assert lea["properties"]["published"][0].startswith("2025-04-22")
    assert len(props["like"]) == 12 and len(props["repost"]) == 1
    assert props["like"][0]["properties"]["author"][0]["properties"]["name"] == ["Fan 00"]


@pytest.mark.parametrize(
    ("page", "text"),
    [
        (
            f"/{JUST_SHARED}/",
            "Aucune réaction pour l'instant. Soyez la première personne à répondre sur "
            "Bluesky ou Mastodon.",
        ),
        (
            f"/en/{JUST_SHARED}/",
            "No reactions yet. Be the first to reply on Bluesky or Mastodon.",
        ),
        (f"/{QUIET}/", "Aucune réaction pour l'instant. La conversation s'ouvrira ici"),
    ],
)
def test_friendly_empty_state(site: BuiltSite, page: str, text: str) -> None:
    section = _conversation(site, page)
    empty = section.find(class_="empty")
    assert isinstance(empty, Tag)
    assert " ".join(empty.get_text().split()).startswith(text)
    assert not section.find(class_="thread") and not section.find(class_="reactions")


def test_conversation_headings_follow_the_page_outline(site: BuiltSite) -> None:
    soup: BeautifulSoup = site.soup(f"/{TALKED_ABOUT}/")
    levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
