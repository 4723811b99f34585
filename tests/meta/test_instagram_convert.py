"""Instagram's pure converters: the caption (where to read the post, no link, 2,200 characters
and 30 hashtags), the image (JPEG only: a social card's twin), the comments, and the dry run's
notes."""

from __future__ import annotations

import pytest

from syndication.errors import ConfigError, Rejected
from syndication.model import InteractionKind, Post, utc_now
from syndication.networks.base import Draft, LinkCard
from syndication.networks.instagram import NETWORK, InstagramSettings
from syndication.networks.instagram.convert import (
    MAX_CAPTION,
    MAX_HASHTAGS,
    caption,
    hashtag_count,
    image_url,
    interaction,
    length,
    names_post,
)

SITE = "https://blogue.velosboreal.example"
URL = f"{SITE}/freins/"


def post(lang: str = "fr", title: str = "Freins à disque", summary: str = "Tout.") -> Post:
    return Post(
        key=f"freins.{lang}",
        slug="freins",
        lang=lang,
        title=title,
        summary=summary,
        url=URL,
        date=utc_now(),
        author="Camille",
    )


def draft(of: Post, text: str, image: str | None = "https://b.example/c.jpg") -> Draft:
    card = LinkCard(of.url, of.title, of.summary, image_url=image)
    return Draft("instagram", of, text, len(text), 2100, False, card, of.lang, of.author, "")


def test_the_caption_says_where_to_read_the_post_in_its_language_without_the_link() -> None:
    fr = post()
    text = f"{fr.title}\n\nTout. — Camille\n\n{URL}\n\n#Vélo"
    assert caption(draft(fr, text), "Vélos Boréal") == (
        "À lire sur le blogue de Vélos Boréal : Freins à disque\n\nTout. — Camille\n\n#Vélo"
    )
    en = post("en", "Disc brakes")
    said = caption(draft(en, f"Disc brakes\n\nRead {URL} now"), "Vélos Boréal")
    assert said == "Read it on the Vélos Boréal blog: Disc brakes\n\nRead now"
    assert "http" not in said
    # Without a blog name: the site's host.
    assert caption(draft(fr, "x"), "").startswith(
        "À lire sur le blogue de blogue.velosboreal.example : Freins"
    )


def test_the_caption_keeps_30_hashtags_and_2200_characters() -> None:
    tags = " ".join(f"#Tag{n}" for n in range(40))
    said = caption(draft(post(), f"Freins à disque\n\n{tags}"), "Vélos Boréal")
    assert hashtag_count(said) == MAX_HASHTAGS and "#Tag29" in said and "#Tag30" not in said
    assert hashtag_count("#a #b #a c#d") == 3  # every #word, repeats too; c#d is none
    long = caption(draft(post(), "mot " * 1000), "Vélos Boréal")
    assert len(long) <= MAX_CAPTION and long.endswith("…")
    assert long.startswith("À lire sur le blogue de Vélos Boréal : Freins à disque")


def test_the_length_counts_the_text_without_its_links() -> None:
    assert length(f"Freins\n\n{URL}") == len("Freins")
    assert NETWORK.counter(None)("abc https://x.example/y") == 3  # type: ignore[arg-type]


def test_a_media_names_a_post_by_its_title_on_the_first_line() -> None:
    fr = post()
    assert names_post({"caption": "À lire sur le blogue de B : Freins à disque\n\nx"}, fr)
    assert not names_post({"caption": "Autre\n\nFreins à disque"}, fr)
    assert not names_post({"id": "1"}, fr)


def test_a_comment_becomes_a_reply_and_a_hidden_one_is_left_out() -> None:
    comment = {
        "id": "1785",
        "text": "Bravo",
        "username": "lea",
        "from": {"id": "42", "username": "lea"},
        "timestamp": "2026-11-30T12:00:00+0000",
        "hidden": False,
    }
    made = interaction(comment, "1790", "https://www.instagram.com/p/X/", "9", frozenset())
    assert made is not None and made.kind is InteractionKind.REPLY
    assert (made.author.id, made.author.handle, made.in_reply_to) == ("42", "lea", "1790")
    assert not made.by_company
    mine = interaction({**comment, "from": {"id": "9"}}, "1790", "", "9", frozenset())
    assert mine is not None and mine.by_company
    assert interaction({**comment, "hidden": True}, "1790", "", "9", frozenset()) is None


def test_the_dry_run_shows_the_caption_and_the_image_or_says_nothing_goes_out() -> None:
    settings = InstagramSettings("https://g.example", "v26.0", "1", "", "Vélos Boréal")
    fr = post()
    notes = NETWORK.dry_run_notes(draft(fr, f"Freins à disque\n\n{URL}"), settings)
    assert "without the link" in notes[0] and "À lire sur le blogue de Vélos Boréal" in notes[0]
    assert notes[1] == "with the image https://b.example/c.jpg"
    bare = NETWORK.dry_run_notes(draft(fr, "x", image=None), settings)
    assert "nothing goes out to Instagram" in bare[1]
    card = NETWORK.dry_run_notes(draft(fr, "x", image=f"{SITE}/social-cards/0a1b.png"), settings)
    assert card[1] == f"with the image {SITE}/social-cards/0a1b.jpg"  # the card's JPEG twin
    png = NETWORK.dry_run_notes(draft(fr, "x", image=f"{SITE}/images/plan.png"), settings)
    assert png[1].startswith("Instagram publishes JPEG images only") and "plan.png" in png[1]


def test_instagram_is_given_a_jpeg_the_social_cards_twin_or_nothing() -> None:
    """JPEG only: a card's PNG becomes its twin ``.jpg`` beside it, a JPEG stays as it is, and
    any other image is refused in one sentence naming the post and the address."""
    fr = post()
    twin = image_url(draft(fr, "x", image=f"{SITE}/social-cards/0a1b2c3d4e5f6a7b.png"), "it")
    assert twin == f"{SITE}/social-cards/0a1b2c3d4e5f6a7b.jpg"
    photo = f"{SITE}/images/resized/freins-ab12-social-1200.JPEG"
    assert image_url(draft(fr, "x", image=photo), "it") == photo
    assert image_url(draft(fr, "x", image=None), "it") is None
    for refused in (f"{SITE}/images/plan.png", f"{SITE}/theme/images/og-default.png", URL):
        with pytest.raises(Rejected) as caught:
            image_url(draft(fr, "x", image=refused), "the Instagram account 1")
        said = str(caught.value)
        assert refused in said and "freins.fr" in said and "the Instagram account 1" in said
        assert said.startswith("Instagram publishes JPEG images only") and ". " not in said


def test_the_settings_need_the_account_id_in_digits_and_keep_the_token_out_of_repr() -> None:
    assert NETWORK.brand({}) is None
    env = {"AGORA_INSTAGRAM_USER_ID": "17841400000000001", "AGORA_INSTAGRAM_ACCESS_TOKEN": "EAAGx"}
    settings = NETWORK.brand(env)
    assert isinstance(settings, InstagramSettings) and "EAAGx" not in repr(settings)
    assert settings.graph_url == "https://graph.facebook.com" and settings.version == "v26.0"
    assert NETWORK.brand({"AGORA_INSTAGRAM_USER_ID": "17841400000000001"}, preview=True)
    with pytest.raises(ConfigError, match="AGORA_INSTAGRAM_USER_ID"):
        NETWORK.brand({**env, "AGORA_INSTAGRAM_USER_ID": "@velosboreal"})
    with pytest.raises(ConfigError, match="AGORA_INSTAGRAM_USER_ID"):
        NETWORK.brand({"AGORA_INSTAGRAM_ACCESS_TOKEN": "EAAGx"})
