"""`invoke tokens`: every configured credential is tried, and one about to expire fails the run."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.mastodon import MastodonServer
from sandbox.x import XServer
from syndication.cli.tokens import RENEW_BEFORE, run, verdict
from syndication.networks.registry import configured_networks

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.py"
    path.write_text(
        'AGORA_AUTHORS = {"Camille Tremblay": {"first_name": "Camille", "mastodon": "camille"}}\n',
        encoding="utf-8",
    )
    return path


def test_a_credential_expiring_within_14_days_is_a_failure_with_the_steps() -> None:
    settings = configured_networks(
        {"AGORA_MASTODON_BASE_URL": "https://m.example", "AGORA_MASTODON_ACCESS_TOKEN": "t"}
    )["mastodon"]
    soon = verdict(settings, NOW + timedelta(days=9, hours=3), "regenerate it", NOW)
    assert not soon.ok
    assert soon.line == (
        "FAILED Mastodon the account of AGORA_MASTODON_ACCESS_TOKEN: AGORA_MASTODON_ACCESS_TOKEN "
        "expires in 9 days (2026-12-10); renew it now: regenerate it."
    )
    later = verdict(settings, NOW + RENEW_BEFORE + timedelta(hours=1), "", NOW)
    assert later.ok and later.line.endswith("works until 2026-12-15")
    assert verdict(settings, None, "", NOW).line.endswith(": works")


@pytest.mark.mastodon
@pytest.mark.x
def test_every_account_is_tried_and_a_refused_one_fails_the_run(
    tmp_path: Path, mastodon_server: MastodonServer, x_server: XServer
) -> None:
    env = {
        "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": mastodon_server.brand_token,
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": mastodon_server.tokens["camille"],
        "AGORA_X_API_URL": x_server.base_url,
        "AGORA_X_HANDLE": x_server.brand.username,
        "AGORA_X_CONSUMER_KEY": x_server.consumer_key,
        "AGORA_X_CONSUMER_SECRET": x_server.consumer_secret,
        "AGORA_X_ACCESS_TOKEN": x_server.brand.access_token,
        "AGORA_X_ACCESS_TOKEN_SECRET": x_server.brand.access_token_secret,
    }
    out = io.StringIO()
    assert run(settings_file(tmp_path), env=env, stdout=out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and all(line.endswith(": works") for line in lines)
    assert any(line.startswith("Mastodon camille") for line in lines)  # the employee's own

    wrong = {**env, "AGORA_X_ACCESS_TOKEN_SECRET": "not-the-secret-at-all"}
    out = io.StringIO()
    assert run(settings_file(tmp_path), env=wrong, stdout=out) == 1
    failed = [line for line in out.getvalue().splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED X @velosboreal: X refused")
    assert "AGORA_X_ACCESS_TOKEN_SECRET" in failed[0]
    assert "not-the-secret-at-all" not in out.getvalue()


def test_nothing_configured_is_nothing_to_check(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run(settings_file(tmp_path), env={}, stdout=out) == 0
    assert out.getvalue().startswith("No network is configured")
