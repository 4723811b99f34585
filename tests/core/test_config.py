"""Network settings come from the environment only, and a wrong one names the variable."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from syndication import secrets
from syndication.config import answers_paused, author_suffix, posting_paused
from syndication.errors import ConfigError
from syndication.networks.bluesky import BlueskySettings
from syndication.networks.mastodon import MastodonSettings
from syndication.networks.registry import author_account, configured_networks

BRAND = {
    "AGORA_BLUESKY_HANDLE": "velosboreal.test",
    "AGORA_BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
    "AGORA_MASTODON_BASE_URL": "http://localhost:3000/",
    "AGORA_MASTODON_ACCESS_TOKEN": "token-that-is-secret",
}


def test_nothing_set_means_no_network() -> None:
    assert configured_networks({}) == {}


def test_both_networks_read_from_environment() -> None:
    networks = configured_networks(BRAND)
    assert list(networks) == ["bluesky", "mastodon"]
    bluesky = networks["bluesky"]
    assert isinstance(bluesky, BlueskySettings)
    assert bluesky.service == "https://bsky.social"
    mastodon = networks["mastodon"]
    assert isinstance(mastodon, MastodonSettings)
    assert mastodon.base_url == "http://localhost:3000"


def test_bluesky_conversations_are_read_from_the_public_appview_unless_told_otherwise() -> None:
    def appview(**env: str) -> str:
        settings = configured_networks(BRAND | env)["bluesky"]
        assert isinstance(settings, BlueskySettings)
        return settings.appview

    assert appview() == "https://public.api.bsky.app"
    # a PDS of one's own (a test network, a private one) may not be indexed by Bluesky's AppView
    assert appview(AGORA_BLUESKY_SERVICE="http://localhost:2583") == ""
    assert appview(AGORA_BLUESKY_APPVIEW="http://localhost:2584/") == "http://localhost:2584"
    assert appview(AGORA_BLUESKY_APPVIEW="") == ""  # empty: through the PDS
    with pytest.raises(ConfigError, match="AGORA_BLUESKY_APPVIEW"):
        appview(AGORA_BLUESKY_APPVIEW="appview.example")


def test_credentials_never_show_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    networks = configured_networks(BRAND)
    assert "abcd-efgh" not in repr(networks)
    assert "token-that" not in repr(networks)
    logger = logging.getLogger("agora.test")
    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    secrets.install_log_filter()
    caplog.handler.addFilter(secrets.RedactingFilter())
    logger.warning("sending %s", BRAND["AGORA_MASTODON_ACCESS_TOKEN"])
    logging.getLogger().removeHandler(handler)
    assert "token-that-is-secret" not in caplog.text
    assert "***" in caplog.text


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"AGORA_BLUESKY_HANDLE": "velosboreal.test"}, "AGORA_BLUESKY_APP_PASSWORD"),
        ({"AGORA_BLUESKY_APP_PASSWORD": "secret-secret"}, "AGORA_BLUESKY_HANDLE"),
        ({"AGORA_MASTODON_ACCESS_TOKEN": "secret-secret"}, "AGORA_MASTODON_BASE_URL"),
        ({"AGORA_MASTODON_BASE_URL": "https://m.example"}, "AGORA_MASTODON_ACCESS_TOKEN"),
    ],
)
def test_half_configured_network_names_missing_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        configured_networks(env)


def test_url_must_be_a_url() -> None:
    env = {**BRAND, "AGORA_MASTODON_BASE_URL": "localhost:3000"}
    with pytest.raises(ConfigError, match=r"AGORA_MASTODON_BASE_URL.*not a URL"):
        configured_networks(env)


def test_author_own_account_needs_handle_and_credential() -> None:
    brand = configured_networks(BRAND)["bluesky"]
    profile = {"bluesky": "camille.test"}
    assert author_account(brand, "Camille Tremblay", profile, BRAND) is None
    env = {**BRAND, "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY": "camille-app-password"}
    own = author_account(brand, "Camille Tremblay", profile, env)
    assert isinstance(own, BlueskySettings)
    assert own.handle == "camille.test"
    assert own.credential_variable == "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY"
    assert author_account(brand, "Camille Tremblay", {}, env) is None


def test_author_suffix_drops_accents() -> None:
    assert author_suffix("Hélène Côté-Lévesque") == "HELENE_COTE_LEVESQUE"


def test_kill_switch_from_variable_or_file(tmp_path: Path) -> None:
    assert posting_paused({}, tmp_path) == ""
    assert posting_paused({"AGORA_PAUSE_POSTING": "0"}, tmp_path) == ""
    assert "crise" in posting_paused({"AGORA_PAUSE_POSTING": "crise en cours"}, tmp_path)
    (tmp_path / "PAUSED").write_text("Rappel de freins: on se tait\n", encoding="utf-8")
    assert "Rappel de freins" in posting_paused({}, tmp_path)


def test_answers_have_their_own_switch(tmp_path: Path) -> None:
    """The kill switch does not silence people: answers stop only on the second switch."""
    (tmp_path / "PAUSED").write_text("Rappel de freins\n", encoding="utf-8")
    assert answers_paused({"AGORA_PAUSE_POSTING": "crise"}, tmp_path) == ""
    assert answers_paused({"AGORA_PAUSE_ANSWERS": "off"}, tmp_path) == ""
    assert "silence" in answers_paused({"AGORA_PAUSE_ANSWERS": "silence"}, tmp_path)
    (tmp_path / "PAUSED_ANSWERS").write_text("On se tait\n", encoding="utf-8")
    assert answers_paused({}, tmp_path).endswith("PAUSED_ANSWERS exists (On se tait)")
