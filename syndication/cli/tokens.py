"""`invoke tokens`: does every configured credential still work, and for how long?

For every configured network, the brand's account and each employee's own (``AGORA_AUTHORS``
with a credential set), one cheap authenticated call (``Adapter.credential_status``) says whether
the credential works and, where the network tells (a token's introspection), when it expires.
One line per account goes to standard output; a credential that is refused, or that expires in
less than ``RENEW_BEFORE``, is a failure that names the account, the variable and the network's
own steps to renew it. The exit code is 0 when all is well, 1 when anything needs a person, 2 when
the check could not start. A daily workflow (``.github/workflows/tokens.yml``) runs it, so a
token is renewed before a post goes unpublished.

With ``--refresh``, a credential the network renews through its API (``base.Refreshable``: a
long-lived Threads or Instagram Login token at least a day old) that expires within
``REFRESH_BEFORE`` is refreshed, and the new value is handed to the store the next run reads it
from: the repository's GitHub Actions secret of the same name, written by GitHub's own CLI
(``gh secret set NAME``, https://cli.github.com/manual/gh_secret_set, installed on GitHub's
runners) with the value on its standard input, never in an argument, a file or a log. ``gh``
runs with ``AGORA_SECRETS_TOKEN``, a token allowed to write the repository's secrets (the
workflow's own ``GITHUB_TOKEN`` never is). Without it the line says so, with the days left and
the steps to renew by hand; the credential is then not refreshed, since nothing would keep the
new value. The store is tried (``gh secret list``) before the first refresh, for the same reason.

    python -m syndication.cli.tokens [--settings publishconf.py] [--refresh]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx

from syndication.cli.common import (
    DEFAULT_SETTINGS,
    authors_of,
    emit,
    http_client,
    setup_logging,
)
from syndication.config import Authors
from syndication.errors import AgoraError, ConfigError
from syndication.model import utc_now
from syndication.networks.base import CredentialStatus, Refreshable
from syndication.networks.registry import (
    adapter_for,
    author_account,
    configured_networks,
    label,
    setup_hint,
)
from syndication.networks.spec import AccountSettings
from syndication.posts import load_settings
from syndication.secrets import redact, register

RENEW_BEFORE = timedelta(days=14)
# A credential with less left is refreshed: a daily run has two weeks of chances before it fails.
REFRESH_BEFORE = timedelta(days=30)
SECRETS_TOKEN_VARIABLE = "AGORA_SECRETS_TOKEN"
GH_TIMEOUT_SECONDS = 60
# What ``gh`` is given of the environment: where it is and its home, never the AGORA_ secrets.
GH_ENVIRONMENT = ("PATH", "HOME", "XDG_CONFIG_HOME", "GH_HOST", "GITHUB_REPOSITORY")


@dataclass(frozen=True)
class Checked:
    """One account's credential: works or not, until when, and the sentence to show."""

    network: str
    account: str
    ok: bool
    line: str


class SecretStore:
    """The repository's GitHub Actions secrets, written with ``gh secret set`` (see the module's
    docstring). ``missing`` says why it is not configured; ``problem`` tries it (``gh secret
    list``, before any token is refreshed, so a new token is never made that cannot be kept)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.token = env.get(SECRETS_TOKEN_VARIABLE, "").strip()
        if self.token:
            register(self.token)
        self.gh = shutil.which("gh", path=env.get("PATH")) or ""
        self.repository = env.get("GITHUB_REPOSITORY", "").strip()
        self.env = {name: env[name] for name in GH_ENVIRONMENT if name in env}
        self._tried: str | None = None

    @property
    def missing(self) -> str:
        """Why a refreshed credential could not be stored, or ""."""
        if not self.token:
            return f"{SECRETS_TOKEN_VARIABLE} is not set (see the README)"
        if not self.gh:
            return "GitHub's CLI (gh) is not installed"
        return ""

    def _gh(self, *args: str, stdin: str = "") -> str:
        """Run gh with the secrets token alone; its first error line, "" when it succeeded."""
        command = [self.gh, "secret", *args]
        if self.repository:
            command += ["--repo", self.repository]
        try:
            done = subprocess.run(
                command,
                input=stdin,
                env={**self.env, "GH_TOKEN": self.token, "GH_PROMPT_DISABLED": "1"},
                capture_output=True,
                text=True,
                timeout=GH_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return type(error).__name__
        if done.returncode == 0:
            return ""
        said = next((line for line in done.stderr.splitlines() if line.strip()), "")
        return redact(said).strip() or f"exit code {done.returncode}"

    def problem(self) -> str:
        """Why the repository's secrets cannot be written, or "" (tried once a run)."""
        if self._tried is None:
            said = self._gh("list")
            self._tried = (
                f"the repository's secrets cannot be reached with {SECRETS_TOKEN_VARIABLE} "
                f"(gh: {said}); give it the Secrets permission in read and write"
                if said
                else ""
            )
        return self._tried

    def write(self, name: str, value: str) -> None:
        """Set the secret ``name`` to ``value``, given on gh's standard input."""
        if said := self._gh("set", name, stdin=value):
            raise ConfigError(
                f"the new token could not be written to the secret {name} (gh: {said}); check "
                f"that {SECRETS_TOKEN_VARIABLE} may write the repository's secrets."
            )


def accounts(env: Mapping[str, str], authors: Authors) -> list[AccountSettings]:
    """The brand's account on every configured network, then each employee's own."""
    found: list[AccountSettings] = []
    for brand in configured_networks(env).values():
        found.append(brand)
        for author in sorted(authors):
            own = author_account(brand, author, authors[author], env)
            if own is not None:
                found.append(own)
    return found


def _days(span: timedelta) -> str:
    days = span.days
    return "less than a day" if days < 1 else f"{days} day{'s' if days > 1 else ''}"


def verdict(
    settings: AccountSettings, expires_at: datetime | None, renew: str, now: datetime
) -> Checked:
    """The line of a credential that works, and whether it expires too soon."""
    name = label(settings.network)
    who = f"{name} {settings.account}"
    if expires_at is None:
        return Checked(settings.network, settings.account, True, f"{who}: works")
    left = expires_at - now
    when = expires_at.date().isoformat()
    if left < RENEW_BEFORE:
        return Checked(
            settings.network,
            settings.account,
            False,
            f"FAILED {who}: {settings.credential_variable} expires in {_days(left)} ({when}); "
            f"renew it now: {renew}.",
        )
    return Checked(settings.network, settings.account, True, f"{who}: works until {when}")


def refresh_due(adapter: object, status: CredentialStatus, now: datetime) -> bool:
    """Whether the network can renew the credential now and it expires within
    ``REFRESH_BEFORE`` (not expired, old enough for the network)."""
    if not isinstance(adapter, Refreshable) or status.expires_at is None:
        return False
    if not now < status.expires_at < now + REFRESH_BEFORE:
        return False
    return status.issued_at is None or now - status.issued_at >= adapter.refresh_after


async def refresh(
    settings: AccountSettings,
    adapter: Refreshable,
    status: CredentialStatus,
    store: SecretStore,
    now: datetime,
) -> Checked:
    """Refresh the credential and store the new value; the line that says how it went."""
    who = f"{label(settings.network)} {settings.account}"
    variable = settings.credential_variable
    problem = store.missing or await asyncio.to_thread(store.problem)
    if problem:
        checked = verdict(settings, status.expires_at, status.renew, now)
        # Not configured: the days left decide; configured but refused: a person must look.
        ok = checked.ok and bool(store.missing)
        left = _days(status.expires_at - now) if status.expires_at else ""
        line = (
            f"{who}: {variable} was not refreshed, as {problem}; it expires in {left}, "
            f"renew it by hand: {status.renew}."
        )
        return replace(checked, ok=ok, line=("" if ok else "FAILED ") + line)
    try:
        renewed = await adapter.refresh_credential()
        await asyncio.to_thread(store.write, variable, renewed.value)
    except AgoraError as error:
        return Checked(settings.network, settings.account, False, f"FAILED {who}: {error}")
    until = f" until {renewed.expires_at.date().isoformat()}" if renewed.expires_at else ""
    return Checked(
        settings.network,
        settings.account,
        True,
        f"{who}: refreshed, works{until}; the new token is in the secret {variable}",
    )


async def check_all(
    found: Sequence[AccountSettings],
    client: httpx.AsyncClient,
    now: datetime,
    store: SecretStore | None = None,
) -> list[Checked]:
    """Every account's credential, checked together; refreshed where due when ``store``."""

    async def one(settings: AccountSettings) -> Checked:
        adapter = adapter_for(settings, client)
        try:
            status = await adapter.credential_status()
        except (AgoraError, httpx.HTTPError) as error:
            said = str(error) if isinstance(error, AgoraError) else type(error).__name__
            who = f"{label(settings.network)} {settings.account}"
            return Checked(settings.network, settings.account, False, f"FAILED {who}: {said}")
        checked = verdict(settings, status.expires_at, status.renew, now)
        if isinstance(adapter, Refreshable) and refresh_due(adapter, status, now):
            if store is not None:
                return await refresh(settings, adapter, status, store, now)
            # A check alone: say that the API can renew it, rather than only the steps by hand.
            line, end = (
                (checked.line[:-1], ".") if checked.line.endswith(".") else (checked.line, "")
            )
            return replace(checked, line=f"{line} (invoke tokens --refresh renews it){end}")
        return checked

    return list(await asyncio.gather(*(one(settings) for settings in found)))


def run(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now: datetime | None = None,
    refresh: bool = False,
) -> int:
    """Check every credential of ``settings_file``'s authors and the environment (and, with
    ``refresh``, renew those the network can); the exit code."""
    environment = os.environ if env is None else env
    output = stdout or sys.stdout
    try:
        found = accounts(environment, authors_of(load_settings(Path(settings_file))))
    except AgoraError as error:
        emit(output, f"The credentials could not be checked: {error}\n")
        return 2
    if not found:
        output.write(
            f"No network is configured, so there is nothing to check: set {setup_hint()}.\n"
        )
        return 0

    async def main() -> list[Checked]:
        async with http_client(transport) as client:
            store = SecretStore(environment) if refresh else None
            return await check_all(found, client, now or utc_now(), store)

    checked = asyncio.run(main())
    emit(output, "\n".join(c.line for c in checked) + "\n")
    return 0 if all(c.ok for c in checked) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke tokens`` calls ``run`` directly)."""
    parser = argparse.ArgumentParser(prog="tokens", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help=f"refresh what the networks can and store it with gh ({SECRETS_TOKEN_VARIABLE})",
    )
    args = parser.parse_args(argv)
    setup_logging()
    return run(args.settings, refresh=args.refresh)


if __name__ == "__main__":
    sys.exit(main())
