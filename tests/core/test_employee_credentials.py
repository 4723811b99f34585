"""An employee's credential that nothing can use is reported, not silently ignored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from syndication import pipeline
from syndication.cli import syndicate as syndicate_cli
from syndication.errors import ConfigError
from syndication.networks.registry import unused_employee_credentials

AUTHORS = {
    "Camille Tremblay": {"first_name": "Camille", "bluesky": "camille.example", "x": "camille"},
    "Mathieu Gagnon": {"first_name": "Mathieu"},
}


def test_only_credentials_without_a_handle_or_an_author_are_reported() -> None:
    env = {
        # Used: Camille has these handles. X's brand token secret shares the token's prefix.
        "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY": "pw",
        "AGORA_X_ACCESS_TOKEN_CAMILLE_TREMBLAY": "t",
        "AGORA_X_ACCESS_TOKEN_SECRET_CAMILLE_TREMBLAY": "s",
        "AGORA_X_ACCESS_TOKEN_SECRET": "brand",
        # Unused: no Mastodon handle for Camille; a misspelt author; an empty one is no setting.
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": "m",
        "AGORA_LINKEDIN_ACCESS_TOKEN_MATHIEU_GAGNONN": "l",
        "AGORA_MASTODON_ACCESS_TOKEN_MATHIEU_GAGNON": " ",
    }
    assert unused_employee_credentials(env, AUTHORS) == [
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY is set but Camille Tremblay has no "
        'Mastodon handle ("mastodon") in AGORA_AUTHORS, so it is never used; add the handle or '
        "remove the credential.",
        "AGORA_LINKEDIN_ACCESS_TOKEN_MATHIEU_GAGNONN is set but no author in AGORA_AUTHORS is "
        "called MATHIEU_GAGNONN, so it is never used; rename it after an author or remove it.",
    ]
    assert "secret-value" not in " ".join(unused_employee_credentials(env, AUTHORS))


def test_the_pipeline_says_so_before_syndicating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warning is a line of the syndicate step; the value of the credential is never shown."""
    out = io.StringIO()
    run = pipeline.Pipeline(
        root=tmp_path,
        env={"AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": "token-value-123"},
        out=out,
        settings_file=tmp_path / "publishconf.py",
        settings={"AGORA_AUTHORS": AUTHORS},
        target="",
        wait_seconds=0,
    )

    def no_syndication(*_: object) -> None:
        raise ConfigError("stop here")

    monkeypatch.setattr(syndicate_cli, "syndicate_report", no_syndication)
    pipeline.step_syndicate(run)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "syndicate: warning: AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY is set but Camille "
        'Tremblay has no Mastodon handle ("mastodon") in AGORA_AUTHORS, so it is never used; add '
        "the handle or remove the credential."
    )
    assert "token-value-123" not in out.getvalue()
