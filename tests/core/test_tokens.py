"""`invoke tokens`: every configured credential is tried, and one about to expire fails the run;
with ``--refresh``, what Meta renews is refreshed and handed to GitHub's secret store."""

from __future__ import annotations

import io
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.x import XServer
from syndication.cli.tokens import RENEW_BEFORE, run, verdict
from syndication.model import utc_now
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


# -- refreshing what the network renews (Threads, Instagram Login) ---------------------------

REPOSITORY = "velosboreal/blogue"


@dataclass(frozen=True)
class FakeGh:
    """GitHub's CLI, doubled: a ``gh`` first on PATH that records each call (its arguments,
    standard input and what it was given of the environment) and exits with ``code``."""

    bin: Path
    record: Path

    @classmethod
    def install(cls, where: Path, fail: tuple[str, ...] = ()) -> FakeGh:
        """A gh whose ``secret`` commands named in ``fail`` (``list``, ``set``) are refused."""
        where.mkdir(parents=True, exist_ok=True)
        record = where / "calls.jsonl"
        script = where / "gh"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys\n"
            f"with open({str(record)!r}, 'a', encoding='utf-8') as out:\n"
            "    out.write(json.dumps({'argv': sys.argv[1:], 'stdin': sys.stdin.read(),\n"
            "                          'env': dict(os.environ)}) + '\\n')\n"
            + f"if sys.argv[2] in {fail!r}:\n"
            "    print('HTTP 403: Resource not accessible', file=sys.stderr)\n"
            "    sys.exit(1)\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
        return cls(where, record)

    def calls(self) -> list[dict[str, Any]]:
        """Every ``gh secret set`` made (``gh secret list``, the store's check, left out)."""
        if not self.record.exists():
            return []
        made = [json.loads(line) for line in self.record.read_text().splitlines()]
        return [call for call in made if call["argv"][:2] == ["secret", "set"]]


def meta_env(meta: MetaServer, gh: FakeGh | None, secrets_token: str = "") -> dict[str, str]:
    env = {**meta.threads_env(), **meta.instagram_env(), "GITHUB_REPOSITORY": REPOSITORY}
    env["PATH"] = f"{gh.bin}{os.pathsep}{os.environ['PATH']}" if gh else os.environ["PATH"]
    if secrets_token:
        env["AGORA_SECRETS_TOKEN"] = secrets_token
    return env


@pytest.fixture
def near_the_end(meta_server: MetaServer) -> Iterator[MetaServer]:
    """Both tokens that Meta refreshes expire in 10 days (then as they were)."""
    meta_server.threads_token_days_left(10)
    meta_server.instagram_token_days_left(10)
    meta_server.reset_threads_requests()
    meta_server.reset_instagram_requests()
    try:
        yield meta_server
    finally:
        meta_server.threads_token_days_left(60)
        meta_server.instagram_token_days_left(None)


def refreshes(meta: MetaServer) -> tuple[int, int]:
    """How many refresh requests Threads and Instagram were sent."""
    name = "GET /refresh_access_token"
    return meta.threads_requests().get(name, 0), meta.instagram_requests().get(name, 0)


@pytest.mark.meta
def test_a_token_near_its_end_is_refreshed_and_handed_to_the_secret_store_on_stdin(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    gh = FakeGh.install(tmp_path / "bin")
    secrets_token = "github_pat_" + uuid.uuid4().hex
    env = meta_env(meta, gh, secrets_token)
    out = io.StringIO()

    assert run(settings_file(tmp_path), env=env, stdout=out, refresh=True) == 0, out.getvalue()

    calls = {call["argv"][2]: call for call in gh.calls()}
    assert sorted(calls) == ["AGORA_INSTAGRAM_ACCESS_TOKEN", "AGORA_THREADS_ACCESS_TOKEN"]
    for name, call in calls.items():
        assert call["argv"] == ["secret", "set", name, "--repo", REPOSITORY]
        assert call["env"]["GH_TOKEN"] == secrets_token
        assert not [k for k in call["env"] if k.startswith("AGORA_")]  # no other secret
        assert call["stdin"] and call["stdin"] != env[name]
    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and all(": refreshed, works until " in line for line in lines)
    assert "the new token is in the secret AGORA_THREADS_ACCESS_TOKEN" in text
    for secret in (secrets_token, *(call["stdin"] for call in calls.values())):
        assert secret not in text
    for name in calls:
        assert env[name] not in text

    # What the store received is what the next run reads: a token that works for 60 days.
    renewed = {**env, **{name: call["stdin"] for name, call in calls.items()}}
    out = io.StringIO()
    assert run(settings_file(tmp_path), env=renewed, stdout=out) == 0, out.getvalue()
    later = (utc_now() + timedelta(days=59)).date()
    assert all(
        datetime.fromisoformat(line.rsplit(" ", 1)[1]).date() >= later
        for line in out.getvalue().splitlines()
    ), out.getvalue()


@pytest.mark.meta
def test_a_token_far_from_its_end_is_left_alone(tmp_path: Path, meta_server: MetaServer) -> None:
    gh = FakeGh.install(tmp_path / "bin")
    meta_server.reset_threads_requests()
    meta_server.reset_instagram_requests()
    out = io.StringIO()

    code = run(
        settings_file(tmp_path),
        env=meta_env(meta_server, gh, "github_pat_x" + uuid.uuid4().hex),
        stdout=out,
        refresh=True,
    )

    assert code == 0, out.getvalue()
    assert gh.calls() == [] and refreshes(meta_server) == (0, 0)
    threads = next(line for line in out.getvalue().splitlines() if line.startswith("Threads"))
    assert " works until " in threads  # 60 days: more than the 30 under which it is refreshed


@pytest.mark.meta
def test_without_a_secret_writer_nothing_is_refreshed_and_the_line_says_what_to_do(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    meta.threads_token_days_left(20)  # not yet the 14 days that fail the run
    gh = FakeGh.install(tmp_path / "bin")
    out = io.StringIO()

    code = run(settings_file(tmp_path), env=meta_env(meta, gh), stdout=out, refresh=True)

    lines = out.getvalue().splitlines()
    assert code == 1  # Instagram's token expires in 10 days: a person must act
    assert gh.calls() == [] and refreshes(meta) == (0, 0)
    threads = next(line for line in lines if line.startswith("Threads"))
    assert re.fullmatch(
        r"Threads \d+: AGORA_THREADS_ACCESS_TOKEN was not refreshed, as AGORA_SECRETS_TOKEN is "
        r"not set \(see the README\); it expires in (19|20) days, renew it by hand: .+\.",
        threads,
    ), threads
    assert "refresh_access_token" in threads and ". " not in threads  # Threads' own steps
    instagram = next(line for line in lines if "Instagram" in line)
    assert instagram.startswith("FAILED Instagram") and "renew it by hand" in instagram


@pytest.mark.meta
def test_a_refused_refresh_is_one_sentence_and_the_other_accounts_go_on(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    meta.threads_fault(
        "/refresh_access_token", 400, 190, message="Error validating access token. Session ended"
    )
    gh = FakeGh.install(tmp_path / "bin")
    env = meta_env(meta, gh, "github_pat_" + uuid.uuid4().hex)
    out = io.StringIO()

    assert run(settings_file(tmp_path), env=env, stdout=out, refresh=True) == 1

    lines = out.getvalue().splitlines()
    [failed] = [line for line in lines if line.startswith("FAILED")]
    assert failed.startswith(
        f"FAILED Threads {meta.threads_user_id}: Threads did not refresh the token in "
        "AGORA_THREADS_ACCESS_TOKEN (Error validating access token)"
    )
    assert failed.endswith(".") and ". " not in failed  # one sentence, Meta's cut to its first
    assert env["AGORA_THREADS_ACCESS_TOKEN"] not in out.getvalue()
    assert [call["argv"][2] for call in gh.calls()] == ["AGORA_INSTAGRAM_ACCESS_TOKEN"]
    assert any(line.startswith("Instagram") and "refreshed" in line for line in lines)


@pytest.mark.meta
def test_a_secret_store_that_refuses_is_found_before_any_token_is_refreshed(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    gh = FakeGh.install(tmp_path / "bin", fail=("list", "set"))
    env = meta_env(meta, gh, "github_pat_" + uuid.uuid4().hex)
    out = io.StringIO()

    assert run(settings_file(tmp_path), env=env, stdout=out, refresh=True) == 1

    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith("FAILED") for line in lines)
    assert refreshes(meta) == (0, 0) and gh.calls() == []  # no new token made to be lost
    threads = next(line for line in lines if "Threads" in line)
    assert re.match(
        f"FAILED Threads {meta.threads_user_id}: AGORA_THREADS_ACCESS_TOKEN was not refreshed, "
        r"as the repository's secrets cannot be reached with AGORA_SECRETS_TOKEN \(gh: HTTP 403: "
        r"Resource not accessible\); give it the Secrets permission in read and write; it "
        r"expires in (9|10) days, renew it by hand: ",
        threads,
    ), threads
    assert ". " not in threads and threads.endswith(".")


@pytest.mark.meta
def test_a_new_token_the_store_refuses_is_one_sentence_and_never_shown(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    gh = FakeGh.install(tmp_path / "bin", fail=("set",))
    env = meta_env(meta, gh, "github_pat_" + uuid.uuid4().hex)
    out = io.StringIO()

    assert run(settings_file(tmp_path), env=env, stdout=out, refresh=True) == 1

    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and all(line.startswith("FAILED") for line in lines)
    assert (
        "the new token could not be written to the secret AGORA_THREADS_ACCESS_TOKEN (gh: HTTP "
        "403: Resource not accessible); check that AGORA_SECRETS_TOKEN may write the "
        "repository's secrets."
    ) in text
    assert len(gh.calls()) == 2
    for call in gh.calls():
        assert call["stdin"] and call["stdin"] not in text


@pytest.mark.meta
def test_a_check_alone_refreshes_nothing_and_says_the_api_can(
    tmp_path: Path, near_the_end: MetaServer
) -> None:
    meta = near_the_end
    meta.threads_token_days_left(20)
    gh = FakeGh.install(tmp_path / "bin")
    out = io.StringIO()

    code = run(
        settings_file(tmp_path),
        env=meta_env(meta, gh, "github_pat_" + uuid.uuid4().hex),
        stdout=out,
    )

    assert code == 1  # Instagram's 10 days
    assert gh.calls() == [] and refreshes(meta) == (0, 0)
    threads = next(line for line in out.getvalue().splitlines() if "Threads" in line)
    assert re.fullmatch(
        r"Threads \d+: works until \d{4}-\d\d-\d\d \(invoke tokens --refresh renews it\)",
        threads,
    ), threads
    instagram = next(line for line in out.getvalue().splitlines() if "Instagram" in line)
    assert instagram.startswith("FAILED") and instagram.endswith(
        " (invoke tokens --refresh renews it)."
    )
