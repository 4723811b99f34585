"""The composer: text, length as each network counts it, cuts, hashtags, signature, overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from syndicate_support import AUTHORS

from syndication.errors import ContentError
from syndication.model import Post
from syndication.networks.base import TextLimits
from syndication.networks.bluesky.convert import count_graphemes
from syndication.networks.mastodon.convert import mastodon_length
from syndication.publish.compose import compose, hashtag, hashtags
from syndication.publish.live import PageCard

BLUESKY = TextLimits(300, None)
MASTODON = TextLimits(500, 23)
URL = "https://blogue.velosboreal.example/rouler-l-hiver/"
POST = Post(
    key="rouler-l-hiver.fr",
    slug="rouler-l-hiver",
    lang="fr",
    title="Rouler l'hiver sans y laisser sa chaîne",
    summary="Trois gestes simples avant la première neige, et pourquoi ils comptent.",
    url=URL,
    date=datetime(2025, 11, 12, 14, tzinfo=UTC),
    author="Mathieu Gagnon",
    tags=("hiver", "entretien", "chaîne"),
    image_url="https://blogue.velosboreal.example/images/posts/hiver.jpg",
    image_path="/site/content/images/posts/hiver.jpg",
    image_alt="Une chaîne salée.",
)
LONG_SUMMARY = " ".join(
    ["Le sel de nos rues ronge les chaînes, les dérailleurs et les câbles."] * 6
)


def test_default_text_title_summary_signature_link_hashtags() -> None:
    draft = compose(POST, "bluesky", BLUESKY, authors=AUTHORS, account="velosboreal.test")
    assert draft.text == (
        "Rouler l'hiver sans y laisser sa chaîne\n\n"
        "Trois gestes simples avant la première neige, et pourquoi ils comptent. — Mathieu\n\n"
        f"{URL}\n\n"
        "#Hiver #Entretien #Chaîne"
    )
    assert draft.length == count_graphemes(draft.text) and draft.limit == 300
    assert not draft.truncated and draft.warnings == ()
    assert draft.signed_by == "Mathieu Gagnon" and draft.account == "velosboreal.test"
    assert draft.lang == "fr" and draft.network == "bluesky"


def test_language_is_passed_on() -> None:
    english = replace(POST, key="rouler-l-hiver.en", lang="en")
    assert compose(english, "mastodon", MASTODON, authors=AUTHORS, account="b").lang == "en"


def test_hashtags_are_camel_case_with_accents_kept() -> None:
    assert hashtag("service à la clientèle") == "#ServiceÀLaClientèle"
    assert hashtag("après-vente") == "#AprèsVente"
    assert hashtag("l'hiver") == "#LHiver"
    assert hashtag("réseaux sociaux") == "#RéseauxSociaux"
    assert hashtag("2027") == "" and hashtag("!!") == ""
    assert hashtags(["vélo", "Vélo", "2027", "sécurité"]) == ["#Vélo", "#Sécurité"]


def test_own_account_is_not_signed() -> None:
    camille = replace(POST, author="Camille Tremblay")
    brand = compose(camille, "bluesky", BLUESKY, authors=AUTHORS, account="velosboreal.test")
    own = compose(
        camille, "bluesky", BLUESKY, authors=AUTHORS, account="camille.test", own_account=True
    )
    assert "— Camille" in brand.text
    assert "—" not in own.text and own.signed_by == "Camille Tremblay"


def test_too_long_for_bluesky_cuts_the_summary_at_a_word_keeping_link_and_signature() -> None:
    post = replace(POST, summary=LONG_SUMMARY)
    draft = compose(post, "bluesky", BLUESKY, authors=AUTHORS, account="b")

    assert draft.truncated and draft.length <= 300 and draft.length == count_graphemes(draft.text)
    assert draft.warnings and "cut to fit Bluesky's 300 graphemes" in draft.warnings[0]
    assert URL in draft.text and "— Mathieu" in draft.text
    assert draft.text.endswith("#Hiver #Entretien #Chaîne")
    summary_line = draft.text.split("\n\n")[1]
    kept = summary_line.removesuffix(" — Mathieu")
    assert kept.endswith("…") and not kept.endswith(" …") and not kept.endswith(",…")
    words = kept.removesuffix("…").split()
    assert words == LONG_SUMMARY.split()[: len(words)]  # whole words only, from the start
    assert LONG_SUMMARY.split()[len(words) - 1] in (words[-1], words[-1] + ",", words[-1] + ".")
    assert 20 < len(words) < len(LONG_SUMMARY.split())  # as much as fits, not a blunt cut


def test_mastodon_counts_links_at_the_instance_weight() -> None:
    long_url = "https://blogue.velosboreal.example/" + "tres-long-" * 30 + "/"
    post = replace(POST, url=long_url, summary="Court.")
    draft = compose(post, "mastodon", TextLimits(120, 23), authors=AUTHORS, account="b")
    assert not draft.truncated  # the text is over 300 characters, the link weighs 23
    assert len(draft.text) > 300
    assert draft.length == mastodon_length(draft.text, 23) <= 120
    assert draft.limit == 120


def test_too_long_for_mastodon_cuts_too() -> None:
    post = replace(POST, summary=LONG_SUMMARY * 2)
    draft = compose(post, "mastodon", MASTODON, authors=AUTHORS, account="b")
    assert draft.truncated and draft.length <= 500 and URL in draft.text
    assert "Mastodon's 500 characters" in draft.warnings[0]


def test_override_is_used_as_written_with_the_link_appended() -> None:
    text = "Rappel : vérifiez votre numéro de série. Les détails, signés Awa :"
    post = replace(POST, overrides={"bluesky": text, "mastodon": f"Rappel {URL} #Sécurité"})
    bluesky = compose(post, "bluesky", BLUESKY, authors=AUTHORS, account="b")
    mastodon = compose(post, "mastodon", MASTODON, authors=AUTHORS, account="b")
    assert bluesky.text == f"{text}\n\n{URL}" and not bluesky.truncated
    assert mastodon.text == f"Rappel {URL} #Sécurité"  # already carries the link
    assert mastodon.length == len("Rappel ") + 23 + len(" #Sécurité")


def test_an_override_too_long_is_an_error_for_that_network_only() -> None:
    post = replace(POST, overrides={"bluesky": "é" * 280})
    with pytest.raises(ContentError) as caught:
        compose(post, "bluesky", BLUESKY, authors=AUTHORS, account="b")
    message = str(caught.value)
    assert message.startswith("rouler-l-hiver.fr: Bluesky_text is 332 graphemes")
    assert "over Bluesky's 300" in message and "nothing was posted" in message
    assert compose(post, "mastodon", MASTODON, authors=AUTHORS, account="b").text


def test_graphemes_not_code_points() -> None:
    family = "👩‍👩‍👧‍👦"  # one grapheme, seven code points
    post = replace(POST, overrides={"bluesky": family * 240})
    draft = compose(post, "bluesky", BLUESKY, authors=AUTHORS, account="b")
    assert draft.length == 240 + 2 + len(URL)


def test_card_is_what_the_page_says_with_the_local_image_when_it_is_the_same() -> None:
    page = PageCard(
        url=URL,
        title="Titre de la page",
        description="Ce que dit la page.",
        image_url=POST.image_url,
        image_alt="",
    )
    card = compose(POST, "bluesky", BLUESKY, authors=AUTHORS, account="b", page=page).card
    assert card is not None
    assert (card.title, card.description, card.image_url) == (
        "Titre de la page",
        "Ce que dit la page.",
        POST.image_url,
    )
    assert card.image_path == POST.image_path and card.image_alt == "Une chaîne salée."
    other = replace(page, image_url="https://blogue.velosboreal.example/cards/x.png")
    card = compose(POST, "bluesky", BLUESKY, authors=AUTHORS, account="b", page=other).card
    assert card is not None and card.image_path is None
    assert compose(POST, "bluesky", BLUESKY, authors=AUTHORS, account="b").card is None
