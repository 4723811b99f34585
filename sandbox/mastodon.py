"""The local Mastodon peer: ``mastodon-mock`` (PyPI), a stateful server of Mastodon's REST API.

It is not Mastodon, but it answers the API the adapter uses (statuses with ``Idempotency-Key``,
context, favourited_by, reblogged_by, quotes, notifications, ``/api/v2/instance``, media) from a
SQLite file in the run folder; the one field of Mastodon 4.5 it leaves out, ``quotes_count``, is
added at its edge, which also lets one request in at a time (``mastodon_edge``). Its mock-only
routes (``/api/v1/_mock/dev_user``, ``/api/v1/_mock/faults``) let tests create people and inject
errors. Accounts and their tokens are seeded at start; tokens are random per start and live only in
the run folder (mode 600) and ``.sandbox/env``.

``start`` runs it in a child process of its own (``serve``), in a new session.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.processes import (
    SandboxError,
    kill_group,
    port_in_use,
    read_pid,
    spawn,
    tail,
)

ROOT = Path(__file__).resolve().parent.parent
# The child's program (``-m`` on this module would import it twice: once via the package).
_SERVE = "import sys; from sandbox.mastodon import serve; serve(*sys.argv[1:3])"
START_TIMEOUT = 30.0
BRAND = "velosboreal"
# username, display name, role: the brand, three readers and one employee with her own account.
ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (BRAND, "Vélos Boréal", "brand"),
    ("lea", "Léa Gagnon", "reader"),
    ("samuel", "Samuel Okafor", "reader"),
    ("noor", "Noor Haddad", "reader"),
    ("camille", "Camille Tremblay", "employee"),
)


@dataclass(frozen=True)
class MastodonAccount:
    """A demo account and its access token (read, write, follow, push)."""

    username: str
    display_name: str
    role: str
    token: str


@dataclass(frozen=True)
class MastodonServer:
    """A running local Mastodon peer."""

    base_url: str
    accounts: tuple[MastodonAccount, ...]

    def account(self, username: str) -> MastodonAccount:
        """The demo account ``username``."""
        for account in self.accounts:
            if account.username == username.lstrip("@"):
                return account
        raise KeyError(username)

    @property
    def brand(self) -> MastodonAccount:
        """The company's account."""
        return self.account(BRAND)

    @property
    def brand_token(self) -> str:
        """The company's access token."""
        return self.brand.token

    @property
    def readers(self) -> tuple[MastodonAccount, ...]:
        """The demo readers."""
        return tuple(a for a in self.accounts if a.role == "reader")

    @property
    def tokens(self) -> dict[str, str]:
        """Access token by username."""
        return {a.username: a.token for a in self.accounts}

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``.sandbox/info.json``."""
        return {"base_url": self.base_url, "accounts": [a.__dict__ for a in self.accounts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MastodonServer:
        """The inverse of ``to_json``."""
        return cls(
            base_url=data["base_url"],
            accounts=tuple(MastodonAccount(**a) for a in data["accounts"]),
        )


def start(home: Path, port: int = 3000) -> MastodonServer:
    """Start the peer on loopback ``port`` with its files in ``home``; return when it answers."""
    if port_in_use(port):
        raise SandboxError(
            f"Port {port} is already in use on localhost; stop whatever listens there "
            "(`invoke sandbox --stop` if it is an earlier sandbox)."
        )
    home.mkdir(parents=True, exist_ok=True)
    accounts = tuple(
        MastodonAccount(name, display, role, secrets.token_urlsafe(24))
        for name, display, role in ACCOUNTS
    )
    config = {
        "domain": f"localhost:{port}",
        "url_scheme": "http",
        "title": "Mastodon (sandbox)",
        "media_storage_path": str(home / "media"),
        "database": {"path": str(home / "mastodon.sqlite3")},
        "server": {"host": "127.0.0.1", "port": port},
        "seed": {
            "accounts": [
                {"username": a.username, "display_name": a.display_name, "access_token": a.token}
                for a in accounts
            ],
        },
    }
    config_file = home / "config.json"
    config_file.touch(mode=0o600)
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    log = home / "server.log"
    process = spawn(
        [sys.executable, "-c", _SERVE, str(config_file), str(port)],
        log=log,
        pid_file=home / "pid",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
    )
    if process.stdout:
        process.stdout.close()
    base_url = f"http://localhost:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/api/v2/instance", timeout=2).status_code == 200:
                return MastodonServer(base_url=base_url, accounts=accounts)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(home)
    raise SandboxError(f"The local Mastodon peer did not start (log: {log}):\n{tail(log)}")


def stop(home: Path) -> None:
    """Stop the peer and delete its database, media and configuration (with the tokens)."""
    pid = read_pid(home / "pid")
    if pid is not None:
        kill_group(pid)
    for name in ("pid", "config.json", "mastodon.sqlite3"):
        (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / "media", ignore_errors=True)


def running(home: Path) -> bool:
    """Whether the peer recorded in ``home`` is alive."""
    return read_pid(home / "pid") is not None


def serve(config_file: str, port: str) -> None:
    """Run mastodon-mock in this process (the child ``start`` spawns)."""
    import uvicorn
    from mastodon_mock.app import create_app
    from mastodon_mock.config import MastodonMockConfig

    from sandbox.mastodon_edge import OneAtATime, QuotesCount

    data = json.loads(Path(config_file).read_text(encoding="utf-8"))
    config = MastodonMockConfig.model_validate(data)
    uvicorn.run(
        OneAtATime(QuotesCount(create_app(config), Path(data["database"]["path"]))),
        host="127.0.0.1",
        port=int(port),
        server_header=False,
        log_level="warning",
    )
