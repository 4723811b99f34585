"""Which posts exist: read with Pelican's own readers from a temporary content folder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from syndicate_support import Site, post_file

from syndication.errors import ContentError
from syndication.posts import load_settings, read_posts, wants_syndication

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_published_posts_with_urls_as_pelican_computes_them(site: Site) -> None:
    image = site.add_image("hiver.jpg")
    site.add_post(
        "hiver.md",
        post_file(
            "rouler-l-hiver",
            extra={
                "Image": image,
                "Image_alt": "Une chaîne de vélo couverte de sel.",
                "Mastodon_text": "Trois gestes pour votre chaîne cet hiver.",
            },
        ),
    )
    site.add_post(
        "hiver-en.md",
        post_file(
            "rouler-l-hiver", lang="en", title="Riding through winter", summary="*Three* steps."
        ),
    )
    posts = {post.key: post for post in read_posts(load_settings(site.settings_file), NOW)}

    assert sorted(posts) == ["rouler-l-hiver.en", "rouler-l-hiver.fr"]
    french, english = posts["rouler-l-hiver.fr"], posts["rouler-l-hiver.en"]
    assert french.url == f"{site.url}/rouler-l-hiver/"
    assert english.url == f"{site.url}/en/rouler-l-hiver/"
    assert english.summary == "Three steps."  # Markdown rendered by Pelican, then plain text
    assert french.tags == ("hiver", "entretien", "chaîne")
    assert french.author == "Mathieu Gagnon" and french.lang == "fr"
    assert french.image_url == f"{site.url}/images/posts/hiver.jpg"
    assert french.image_path == str(site.content / "images/posts/hiver.jpg")
    assert french.image_alt == "Une chaîne de vélo couverte de sel."
    assert french.networks is None  # every configured network
    assert french.overrides == {"mastodon": "Trois gestes pour votre chaîne cet hiver."}
    assert french.date == datetime(2025, 11, 12, 14, 0, tzinfo=UTC)  # 9:00 in Toronto


def test_future_drafts_and_opted_out_posts_are_left_out(site: Site) -> None:
    site.add_post("now.md", post_file("maintenant"))
    site.add_post("later.md", post_file("plus-tard", date="2026-11-23 09:00"))  # 14:00 UTC
    site.add_post("draft.md", post_file("brouillon", extra={"Status": "draft"}))
    site.add_post("team.md", post_file("note-equipe", extra={"Syndicate": "none"}))
    site.add_post("bsky.md", post_file("bluesky-seulement", extra={"Syndicate": "Bluesky"}))
    settings = load_settings(site.settings_file)

    posts = {post.slug: post for post in read_posts(settings, NOW)}
    assert sorted(posts) == ["bluesky-seulement", "maintenant", "note-equipe"]
    assert posts["note-equipe"].networks == ()
    assert posts["bluesky-seulement"].networks == ("bluesky",)
    assert sorted(p.slug for p in posts.values() if wants_syndication(p)) == [
        "bluesky-seulement",
        "maintenant",
    ]

    # The first run after its date picks the scheduled post up.
    later = read_posts(settings, datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    assert "plus-tard" in {post.slug for post in later}


def test_bad_front_matter_is_one_sentence_naming_the_file(site: Site) -> None:
    site.add_post("bad.md", post_file("x", extra={"Syndicate": "twitter"}))
    with pytest.raises(ContentError, match=r"bad\.md: Syndicate names twitter"):
        read_posts(load_settings(site.settings_file), NOW)


def test_unknown_author_is_refused(site: Site) -> None:
    site.add_post("who.md", post_file("x", author="Personne Inconnue"))
    with pytest.raises(ContentError, match=r"who\.md: the author 'Personne Inconnue'"):
        read_posts(load_settings(site.settings_file), NOW)


def test_missing_settings_file_is_one_sentence(site: Site) -> None:
    with pytest.raises(ContentError, match="no such settings file"):
        load_settings(site.root / "nope.py")
