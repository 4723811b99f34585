"""X's converters and declaration: what X counts, what is composed, what is stored or dropped."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from syndication.errors import ConfigError, ContentError
from syndication.model import InteractionKind, Post
from syndication.networks.base import TextLimits
from syndication.networks.registry import configured_networks, network, posting_account
from syndication.networks.x import XSettings, convert
from syndication.publish.compose import compose

LIMITS = TextLimits(convert.MAX_WEIGHTED_LENGTH, convert.URL_WEIGHT)
AUTHORS = {"Camille Tremblay": {"first_name": "Camille", "x": "camille_velo"}}
VIEW = convert.Viewpoint.of(["velosboreal", "camille_velo"])
USERS = {
    "10": {"id": "10", "name": "Léa", "username": "lea", "profile_image_url": "https://pbs/lea"},
    "11": {"id": "11", "name": "Samuel", "username": "samuel", "protected": True},
    "1": {"id": "1", "name": "Vélos Boréal", "username": "VelosBoreal"},
}
BRAND = {
    "AGORA_X_HANDLE": "@velosboreal",
    "AGORA_X_CONSUMER_KEY": "consumer-key-1",
    "AGORA_X_CONSUMER_SECRET": "consumer-secret-1",
    "AGORA_X_ACCESS_TOKEN": "1-access-token",
    "AGORA_X_ACCESS_TOKEN_SECRET": "access-secret-1",
}


def post(**extra: object) -> Post:
    values: dict[str, object] = {
        "key": "freins.fr",
        "slug": "freins",
        "lang": "fr",
        "title": "Des freins qui tiennent l'hiver",
        "summary": "Trois gestes simples avant la première neige, et ce qu'il faut éviter.",
        "url": "https://blogue.example.com/" + "tres-long-chemin/" * 8 + "freins/",
        "date": datetime(2026, 11, 20, tzinfo=UTC),
        "author": "Camille Tremblay",
        "tags": ("hiver", "entretien"),
    }
    values.update(extra)
    return Post(**values)  # type: ignore[arg-type]


def test_weighted_length_counts_as_x_does() -> None:
    assert convert.weighted_length("a" * 10) == 10
    # Every link weighs 23, however long it is.
    assert convert.weighted_length("https://blogue.example.com/" + "x" * 200) == 23
    # CJK characters and emoji weigh 2 (twitter-text's ranges).
    assert convert.weighted_length("日本語") == 6
    assert convert.weighted_length("👩‍🔧") == 2
    assert network("x").counter(LIMITS)("日本語 https://velos.example.com/b") == 6 + 1 + 23
    # twitter-text knows the top-level domains: a name under .example is not a link to X.
    assert convert.weighted_length("https://a.example/b") == len("https://a.example/b")


def test_a_long_post_is_cut_at_a_word_and_keeps_its_link_within_280() -> None:
    long_post = post(summary=" ".join(["mot"] * 200))
    draft = compose(long_post, "x", LIMITS, authors=AUTHORS, account="@velosboreal")
    assert draft.length == convert.weighted_length(draft.text) <= 280
    assert draft.truncated and draft.warnings
    assert long_post.url in draft.text  # a 150-character link counts 23 and stays whole
    assert "— Camille" in draft.text
    assert "#Hiver" in draft.text or draft.text.endswith(long_post.url)
    assert "X_text" in draft.warnings[0]


def test_an_override_over_280_is_refused_with_the_field_to_shorten() -> None:
    too_long = post(overrides={"x": "é" * 300})
    with pytest.raises(ContentError, match=r"X_text is \d+ weighted characters"):
        compose(too_long, "x", LIMITS, authors=AUTHORS, account="@velosboreal")


def test_settings_come_from_the_environment_and_stay_secret() -> None:
    settings = configured_networks(BRAND)["x"]
    assert isinstance(settings, XSettings)
    assert settings.handle == "velosboreal" and settings.api_url == "https://api.x.com"
    for secret in ("consumer-key-1", "consumer-secret-1", "1-access-token", "access-secret-1"):
        assert secret not in repr(settings)
    assert settings.prices["create_with_url"] == 0.2
    # A pull request's dry run has the handle only.
    preview = configured_networks({"AGORA_X_HANDLE": "velosboreal"}, preview=True)["x"]
    assert isinstance(preview, XSettings) and not preview.can_sign
    with pytest.raises(ConfigError, match="AGORA_X_CONSUMER_KEY is not set"):
        configured_networks({"AGORA_X_HANDLE": "velosboreal"})
    with pytest.raises(ConfigError, match="AGORA_X_HANDLE is not set"):
        configured_networks({"AGORA_X_ACCESS_TOKEN": "t"})
    with pytest.raises(ConfigError, match="AGORA_X_PRICES names 'reads'"):
        configured_networks({**BRAND, "AGORA_X_PRICES": "reads=1"})
    with pytest.raises(ConfigError, match="is not a price"):
        configured_networks({**BRAND, "AGORA_X_PRICES": "create=free"})


def test_an_employee_posts_from_their_own_account_with_both_token_parts() -> None:
    env = {
        **BRAND,
        "AGORA_X_ACCESS_TOKEN_CAMILLE_TREMBLAY": "2-camille",
        "AGORA_X_ACCESS_TOKEN_SECRET_CAMILLE_TREMBLAY": "camille-secret",
    }
    brand = configured_networks(env)["x"]
    own, is_own = posting_account(brand, "Camille Tremblay", AUTHORS, env)
    assert is_own and isinstance(own, XSettings)
    assert own.handle == "camille_velo" and own.consumer_key == "consumer-key-1"
    assert "AGORA_X_ACCESS_TOKEN_SECRET_CAMILLE_TREMBLAY" in own.credential_variable
    half = {**BRAND, "AGORA_X_ACCESS_TOKEN_CAMILLE_TREMBLAY": "2-camille"}
    with pytest.raises(ConfigError, match="AGORA_X_ACCESS_TOKEN_SECRET_CAMILLE_TREMBLAY"):
        posting_account(configured_networks(half)["x"], "Camille Tremblay", AUTHORS, half)


def test_the_dry_run_says_what_a_post_costs_at_the_configured_prices() -> None:
    env = {**BRAND, "AGORA_X_PRICES": "create_with_url=0.25"}
    settings = configured_networks(env)["x"]
    draft = compose(post(), "x", LIMITS, authors=AUTHORS, account="@velosboreal")
    [note] = network("x").dry_run_notes(draft, settings)
    assert "$0.250 for a post with a link" in note
    assert "$0.010" in note and "$0.005" in note and "AGORA_X_PRICES" in note


def test_replies_are_nested_and_protected_accounts_never_kept() -> None:
    posts = [
        {
            "id": "200",
            "text": "Et les patins ?",
            "author_id": "10",
            "conversation_id": "100",
            "created_at": "2026-11-21T10:00:00.000Z",
            "referenced_posts": [{"type": "replied_to", "id": "100"}],
        },
        {
            "id": "201",
            "text": "Bonne question",
            "author_id": "1",
            "conversation_id": "100",
            "created_at": "2026-11-21T11:00:00.000Z",
            "referenced_tweets": [{"type": "replied_to", "id": "200"}],
        },
        {
            "id": "202",
            "text": "privé",
            "author_id": "11",
            "conversation_id": "100",
            "created_at": "2026-11-21T12:00:00.000Z",
            "referenced_posts": [{"type": "replied_to", "id": "100"}],
        },
        {
            "id": "203",
            "text": "sous le privé",
            "author_id": "10",
            "conversation_id": "100",
            "created_at": "2026-11-21T13:00:00.000Z",
            "referenced_posts": [{"type": "replied_to", "id": "202"}],
        },
    ]
    items = convert.thread("100", posts, USERS, VIEW)
    assert [(i.id, i.in_reply_to) for i in items] == [("200", "100"), ("201", "200")]
    assert items[1].by_company and not items[0].by_company
    assert items[0].url == "https://x.com/lea/status/200"
    assert items[0].author.avatar_url == "https://pbs/lea"


def test_links_are_shown_as_written_not_as_t_co() -> None:
    item = {
        "id": "300",
        "text": "Lu ici https://t.co/abc123 merci",
        "author_id": "10",
        "created_at": "2026-11-21T10:00:00.000Z",
        "entities": {
            "urls": [
                {
                    "start": 7,
                    "end": 30,
                    "url": "https://t.co/abc123",
                    "expanded_url": "https://blogue.example.com/freins/",
                }
            ]
        },
    }
    assert convert.expanded_text(item) == "Lu ici https://blogue.example.com/freins/ merci"
    assert convert.links_to(item, "https://blogue.example.com/freins")
    assert not convert.links_to(item, "https://blogue.example.com/autre/")
    assert convert.same_text(item, "Lu ici https://blogue.example.com/freins/ merci")


def test_mentions_become_activities_that_carry_the_whole_reply() -> None:
    reply = {
        "id": "400",
        "text": "@velosboreal encore en panne",
        "author_id": "10",
        "conversation_id": "100",
        "created_at": "2026-11-21T10:00:00.000Z",
        "referenced_posts": [{"type": "replied_to", "id": "250"}],
    }
    quote = {
        "id": "401",
        "text": "À lire",
        "author_id": "10",
        "created_at": "2026-11-21T10:00:00.000Z",
        "referenced_posts": [{"type": "quoted", "id": "100"}],
    }
    repost = {
        "id": "402",
        "text": "RT",
        "author_id": "10",
        "referenced_posts": [{"type": "retweeted", "id": "100"}],
    }
    protected = {**reply, "id": "403", "author_id": "11"}
    first = convert.activity_from_post(reply, USERS, VIEW)
    assert first is not None and first.item is not None
    assert (first.kind, first.subject_id, first.root_id) == (InteractionKind.REPLY, "250", "100")
    second = convert.activity_from_post(quote, USERS, VIEW)
    assert second is not None and (second.kind, second.root_id) == (InteractionKind.QUOTE, "100")
    assert convert.activity_from_post(repost, USERS, VIEW) is None
    assert convert.activity_from_post(protected, USERS, VIEW) is None


def test_conversations_are_searched_in_as_few_queries_as_512_characters_allow() -> None:
    ids = [str(1_800_000_000_000_000_000 + n) for n in range(40)]
    groups = convert.conversation_queries(ids)
    assert [cid for group in groups for cid in group] == ids
    assert all(len(convert.conversation_query(g)) <= convert.MAX_QUERY_LENGTH for g in groups)
    # each group is as full as the limit allows: one more id would not fit
    for group, following in itertools.pairwise(groups):
        longer = convert.conversation_query([*group, following[0]])
        assert len(longer) > convert.MAX_QUERY_LENGTH
    assert len(groups) == 4  # 40 ids of 19 digits: 13 a query


def test_counts_read_both_spellings_of_reposts() -> None:
    new = convert.counts_from_post(
        {"public_metrics": {"repost_count": 2, "reply_count": 1, "like_count": 5, "quote_count": 0}}
    )
    old = convert.counts_from_post(
        {
            "public_metrics": {
                "retweet_count": 2,
                "reply_count": 1,
                "like_count": 5,
                "quote_count": 0,
            }
        }
    )
    assert new == old and (new.reposts, new.likes, new.replies) == (2, 5, 1)
