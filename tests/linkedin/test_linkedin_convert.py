"""LinkedIn's converters: little text, lengths, Rest.li 2.0 encoding, JSON to the model, settings.

The Rest.li encoding is compared with LinkedIn's own client's encoder (``linkedin-api-client``);
the JSON fixtures follow LinkedIn's reference pages (``fixtures/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from linkedin_api.clients.restli.utils.encoder import encode, param_encode

from sandbox.linkedin_api import RestliError, decode_query, decode_restli, read_little
from syndication import secrets
from syndication.errors import ConfigError
from syndication.model import InteractionKind
from syndication.networks.base import Counts
from syndication.networks.linkedin import NETWORK, convert
from syndication.networks.linkedin.settings import brand_settings, employee_settings
from syndication.networks.spec import Variable

FIXTURES = Path(__file__).parent / "fixtures"
EVERY_RESERVED = (
    "Back\\slash | pipe {braces} @at [brackets] (parens) <angles> #Tag *star* _under_ ~tilde~"
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# -- little text ------------------------------------------------------------------------------


def test_every_reserved_character_is_escaped_and_reads_back_as_written() -> None:
    little = convert.little_text(EVERY_RESERVED)
    assert "{hashtag|\\#|Tag}" in little
    assert convert.plain_text(little) == EVERY_RESERVED
    # The double reads little text by LinkedIn's grammar, independently of the adapter, and
    # refuses any reserved character left unescaped.
    assert read_little(little) == EVERY_RESERVED


@pytest.mark.parametrize(
    ("text", "little"),
    [
        ("Freins (2026)", "Freins \\(2026\\)"),
        ("le_guide", "le\\_guide"),
        ("#Vélo et #vélo_cargo", "{hashtag|\\#|Vélo} et {hashtag|\\#|vélo\\_cargo}"),
        ("C#, a#b", "C\\#, a\\#b"),
        ("https://x.ca/a_b/#s", "https://x.ca/a\\_b/\\#s"),
        ("Q&A #1", "Q&A {hashtag|\\#|1}"),
    ],
)
def test_little_text_examples(text: str, little: str) -> None:
    assert convert.little_text(text) == little
    assert convert.plain_text(little) == text


def test_the_double_refuses_an_unescaped_reserved_character() -> None:
    with pytest.raises(ValueError, match="not escaped"):
        read_little("Freins (2026)")
    assert read_little("{hashtag|#|Tech} @[Acme](urn:li:organization:1)") == "#Tech Acme"


def test_length_is_the_text_as_written_in_utf16_units() -> None:
    assert convert.text_length("(a)_b") == 5  # escaping adds nothing
    assert convert.text_length("Vélo 🚲") == 7  # the emoji is two UTF-16 units
    counter = NETWORK.counter(convert_limits())
    assert counter("x" * 3000) == convert.MAX_LENGTH


def convert_limits() -> Any:
    from syndication.networks.base import TextLimits

    return TextLimits(convert.MAX_LENGTH)


# -- Rest.li 2.0 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "urn:li:share:7400000000000000001",
        "urn:li:comment:(urn:li:share:1,2)",
        ["urn:li:share:1", "urn:li:ugcPost:2"],
        [{"id": "AbC-12_x"}, {"id": "z"}],
        {"entity": "urn:li:share:1"},
        42,
        True,
        "é /?&=+",
    ],
)
def test_restli_encoding_is_linkedins_own(value: Any) -> None:
    assert convert.restli(value) == encode(value)
    if not isinstance(value, int | bool):
        assert decode_restli(convert.restli(value)) == value


def test_query_is_linkedins_own() -> None:
    params = {"q": "author", "author": "urn:li:organization:1", "count": 50, "sortBy": "CREATED"}
    assert convert.query(params) == param_encode(params)
    assert decode_query(convert.query(params)) == {**params, "count": "50"}


def test_the_double_refuses_a_urn_not_encoded() -> None:
    with pytest.raises(RestliError):
        decode_query("q=author&author=urn:li:organization:1")
    with pytest.raises(RestliError):
        decode_query("ids=urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2")  # a list without List()


# -- JSON to the model ------------------------------------------------------------------------


def test_comments_become_nested_replies() -> None:
    post = "urn:li:share:7400000000000000001"
    view = convert.Viewpoint.of("2414183", ["Cam1"])
    people = {
        "urn:li:person:Lea123": convert.person_from_profile(
            "urn:li:person:Lea123",
            {
                "localizedFirstName": "Léa",
                "localizedLastName": "Gagnon",
                "localizedHeadline": "Cyclist",
                "vanityName": "lea",
            },
            "https://media.licdn.com/lea.jpg",
        )
    }
    first, answer = (
        convert.interaction_from_comment(c, post, people, view)
        for c in fixture("comments.json")["elements"]
    )
    assert first is not None and answer is not None
    assert first.kind is InteractionKind.REPLY
    assert first.content_text == "Le modèle (2027) arrive quand ? #vélo_cargo"
    assert first.in_reply_to == post and not first.by_company
    assert first.author.name == "Léa Gagnon · Cyclist"
    assert first.author.avatar_url == "https://media.licdn.com/lea.jpg"
    assert first.author.url == "https://www.linkedin.com/in/lea/"
    assert first.updated_at is not None
    assert answer.in_reply_to == first.id and answer.by_company
    assert answer.content_text == "En mars, Léa Gagnon !"
    assert "commentUrn=urn%3Ali%3Acomment%3A%28" in answer.url


def test_reactions_are_likes_with_their_type() -> None:
    reaction = {
        "id": "urn:li:reaction:(urn:li:person:Sam,urn:li:share:1)",
        "reactionType": "PRAISE",
        "created": {"actor": "urn:li:person:Sam", "time": 1764600000000},
    }
    like = convert.interaction_from_reaction(
        reaction, "urn:li:share:1", {}, convert.Viewpoint.of("1", [])
    )
    assert like is not None
    assert (like.kind, like.content_text, like.in_reply_to) == (
        InteractionKind.LIKE,
        "PRAISE",
        "urn:li:share:1",
    )


def test_social_metadata_counts_top_level_comments_and_every_reaction() -> None:
    body = fixture("social_metadata.json")
    counts = convert.counts_from_metadata(body["results"]["urn:li:share:7400000000000000001"])
    assert counts == Counts(replies=2, likes=5, reposts=None, quotes=None)


def test_repost_counts_from_the_share_statistics_and_the_member_analytics() -> None:
    found = convert.reposts_from_statistics(fixture("share_statistics.json"))
    assert found == {"urn:li:share:7400000000000000001": 3, "urn:li:ugcPost:7400000000000000002": 0}
    # The aggregate element (no post named) and a count that is not one are left out.
    odd = {
        "elements": [
            {"totalShareStatistics": {"shareCount": 9}},
            {"share": "urn:li:share:1", "totalShareStatistics": {"shareCount": -1}},
            {"share": "urn:li:share:2", "totalShareStatistics": {"shareCount": "4"}},
            {"share": "urn:li:share:3", "totalShareStatistics": {"shareCount": True}},
        ]
    }
    assert convert.reposts_from_statistics(odd) == {}
    assert convert.reshares_from_analytics({"elements": [{"count": 5}]}) == 5
    assert convert.reshares_from_analytics({"elements": []}) is None
    assert convert.reshares_from_analytics({"elements": [{"count": True}]}) is None
    assert convert.post_entity("urn:li:ugcPost:7") == {"ugcPost": "urn:li:ugcPost:7"}
    assert convert.post_entity("urn:li:share:7") == {"share": "urn:li:share:7"}


def test_links_to_reads_the_card_or_the_text() -> None:
    url = "https://blogue.example/freins/"
    assert convert.links_to({"content": {"article": {"source": url.rstrip("/")}}}, url)
    assert convert.links_to({"commentary": convert.little_text(f"Lire {url}")}, url)
    assert not convert.links_to({"commentary": "Autre chose"}, url)


# -- settings ---------------------------------------------------------------------------------


def test_settings_of_the_page_and_of_an_employee() -> None:
    assert brand_settings({}) is None
    env = {"AGORA_LINKEDIN_ORGANIZATION": "2414183", "AGORA_LINKEDIN_ACCESS_TOKEN": "AQ-brand-tok"}
    brand = brand_settings(env)
    assert brand is not None
    assert brand.author_urn == "urn:li:organization:2414183"
    assert brand.version == "202611" and "AQ-brand-tok" not in repr(brand)
    assert secrets.redact("AQ-brand-tok") == "***"
    camille = employee_settings(
        brand,
        "Camille Tremblay",
        "AbC123",
        {**env, "AGORA_LINKEDIN_ACCESS_TOKEN_CAMILLE_TREMBLAY": "AQ-cam-tok"},
    )
    assert camille is not None
    assert camille.author_urn == "urn:li:person:AbC123"
    assert camille.credential_variable == "AGORA_LINKEDIN_ACCESS_TOKEN_CAMILLE_TREMBLAY"
    assert employee_settings(brand, "Camille Tremblay", "AbC123", env) is None
    preview = brand_settings({"AGORA_LINKEDIN_ORGANIZATION": "2414183"}, preview=True)
    assert preview is not None and preview.access_token == ""


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AGORA_LINKEDIN_ACCESS_TOKEN": "AQ-tok-1234"}, "AGORA_LINKEDIN_ORGANIZATION"),
        ({"AGORA_LINKEDIN_ORGANIZATION": "2414183"}, "AGORA_LINKEDIN_ACCESS_TOKEN"),
        ({"AGORA_LINKEDIN_ORGANIZATION": "velos"}, "AGORA_LINKEDIN_ORGANIZATION"),
        (
            {
                "AGORA_LINKEDIN_ORGANIZATION": "1",
                "AGORA_LINKEDIN_ACCESS_TOKEN": "AQ-tok-1234",
                "AGORA_LINKEDIN_VERSION": "2026-11",
            },
            "AGORA_LINKEDIN_VERSION",
        ),
        (
            {
                "AGORA_LINKEDIN_ORGANIZATION": "1",
                "AGORA_LINKEDIN_ACCESS_TOKEN": "AQ-tok-1234",
                "AGORA_LINKEDIN_CLIENT_ID": "abc",
            },
            "AGORA_LINKEDIN_CLIENT_SECRET",
        ),
    ],
)
def test_a_wrong_setting_is_one_sentence_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        brand_settings(env)


def test_every_variable_is_the_networks_own() -> None:
    assert all(
        isinstance(v, Variable) and v.name.startswith("AGORA_LINKEDIN_") for v in NETWORK.variables
    )
