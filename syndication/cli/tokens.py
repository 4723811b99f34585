"""`invoke tokens`: does every configured credential still work, and for how long?

For every configured network, the brand's account and each employee's own (``AGORA_AUTHORS``
with a credential set), one cheap authenticated call (``Adapter.credential_status``) says whether
the credential works and, where the network tells (a token's introspection), when it expires.
One line per account goes to standard output; a credential that is refused, or that expires in
less than ``RENEW_BEFORE``, is a failure that names the account, the variable and the network's
own steps to renew it. The exit code is 0 when all is well, 1 when anything needs a person, 2 when
the check could not start. A daily workflow (``.github/workflows/tokens.yml``) runs it, so a
token is renewed before a post goes unpublished.

    python -m syndication.cli.tokens [--settings publishconf.py]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx

from syndication.cli.common import DEFAULT_SETTINGS, authors_of, http_client, setup_logging
from syndication.config import Authors
from syndication.errors import AgoraError
from syndication.model import utc_now
from syndication.networks.registry import (
    adapter_for,
    author_account,
    configured_networks,
    label,
    setup_hint,
)
from syndication.networks.spec import AccountSettings
from syndication.posts import load_settings
from syndication.secrets import redact

RENEW_BEFORE = timedelta(days=14)


@dataclass(frozen=True)
class Checked:
    """One account's credential: works or not, until when, and the sentence to show."""

    network: str
    account: str
    ok: bool
    line: str


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


async def check_all(
    found: Sequence[AccountSettings], client: httpx.AsyncClient, now: datetime
) -> list[Checked]:
    """Every account's credential, checked together."""

    async def one(settings: AccountSettings) -> Checked:
        try:
            status = await adapter_for(settings, client).credential_status()
        except (AgoraError, httpx.HTTPError) as error:
            said = str(error) if isinstance(error, AgoraError) else type(error).__name__
            who = f"{label(settings.network)} {settings.account}"
            return Checked(settings.network, settings.account, False, f"FAILED {who}: {said}")
        return verdict(settings, status.expires_at, status.renew, now)

    return list(await asyncio.gather(*(one(settings) for settings in found)))


def run(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now: datetime | None = None,
) -> int:
    """Check every credential of ``settings_file``'s authors and the environment; the exit code."""
    environment = os.environ if env is None else env
    output = stdout or sys.stdout
    try:
        found = accounts(environment, authors_of(load_settings(Path(settings_file))))
    except AgoraError as error:
        output.write(redact(f"The credentials could not be checked: {error}") + "\n")
        return 2
    if not found:
        output.write(
            f"No network is configured, so there is nothing to check: set {setup_hint()}.\n"
        )
        return 0

    async def main() -> list[Checked]:
        async with http_client(transport) as client:
            return await check_all(found, client, now or utc_now())

    checked = asyncio.run(main())
    output.write(redact("\n".join(c.line for c in checked)) + "\n")
    output.flush()
    return 0 if all(c.ok for c in checked) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke tokens`` calls ``run`` directly)."""
    parser = argparse.ArgumentParser(prog="tokens", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    args = parser.parse_args(argv)
    setup_logging()
    return run(args.settings)


if __name__ == "__main__":
    sys.exit(main())
