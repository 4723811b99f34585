"""The local sandbox: real peers on loopback to syndicate to, backfeed from and test against.

Bluesky: its own reference servers from ``@atproto/dev-env`` (``bluesky.py``). Mastodon: the
``mastodon-mock`` server (``mastodon.py``). ``start`` runs both with demo accounts and writes
``.sandbox/env``, the variables the syndication tasks read (``set -a; . .sandbox/env``); the
credentials in it are throw-away ones, made at each start, in files of mode 600 that git ignores.

Files under ``<root>/.sandbox/``: ``info.json`` (addresses and accounts), ``env``, and one folder
per peer with its pid file, log and run data. ``stop`` ends the process groups and deletes the run
data, the throw-away PostgreSQL cluster included; logs stay for reading.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox import bluesky, mastodon
from sandbox.bluesky import BlueskyAccount, BlueskyNetwork, Ports
from sandbox.mastodon import MastodonAccount, MastodonServer
from sandbox.processes import SandboxError

__all__ = [
    "BlueskyAccount",
    "BlueskyNetwork",
    "MastodonAccount",
    "MastodonServer",
    "Ports",
    "SandboxError",
    "SandboxInfo",
    "env_lines",
    "env_values",
    "start",
    "status",
    "stop",
]

MASTODON_PORT = 3000
# Relative to the repository root, as every AGORA_STATE_PATH is.
SANDBOX_STATE = ".sandbox/state"
SANDBOX_SITEURL = "http://localhost:8000"


@dataclass(frozen=True)
class SandboxInfo:
    """Both running peers, and whether this call started them or found them running."""

    bluesky: BlueskyNetwork
    mastodon: MastodonServer
    already_running: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``info.json``."""
        return {"bluesky": self.bluesky.to_json(), "mastodon": self.mastodon.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any], already_running: bool = False) -> SandboxInfo:
        """The inverse of ``to_json``."""
        return cls(
            bluesky=BlueskyNetwork.from_json(data["bluesky"]),
            mastodon=MastodonServer.from_json(data["mastodon"]),
            already_running=already_running,
        )


def _home(root: Path) -> Path:
    return root / ".sandbox"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read (it holds throw-away credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def env_lines(info: SandboxInfo) -> str:
    """The contents of ``.sandbox/env``: the brand's and the employee's sandbox accounts."""
    header = "# The local sandbox's throw-away accounts: set -a; . .sandbox/env; set +a\n"
    return header + "".join(f"{key}={value}\n" for key, value in env_values(info).items())


def env_values(info: SandboxInfo) -> dict[str, str]:
    """The variables that point the project's commands at the sandbox and its accounts."""
    brand_bsky = info.bluesky.brand
    camille_bsky = info.bluesky.account("camille.test")
    values = {
        "AGORA_BLUESKY_SERVICE": info.bluesky.pds_url,
        "AGORA_BLUESKY_APPVIEW": info.bluesky.appview_url,
        "AGORA_BLUESKY_HANDLE": brand_bsky.handle,
        "AGORA_BLUESKY_APP_PASSWORD": brand_bsky.app_password,
        "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY": camille_bsky.app_password,
        "AGORA_MASTODON_BASE_URL": info.mastodon.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": info.mastodon.brand_token,
        "AGORA_MASTODON_ACCOUNT": info.mastodon.brand.username,
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": info.mastodon.account("camille").token,
        "AGORA_SANDBOX_BLUESKY_CONTROL": info.bluesky.control_url,
        # The sandbox's copies and conversations are throw-away too: kept apart from the real
        # state in content/state, and announced with the address the demo serves the site at.
        "AGORA_STATE_PATH": SANDBOX_STATE,
        "AGORA_SITEURL": SANDBOX_SITEURL,
    }
    return values


def status(root: Path) -> SandboxInfo | None:
    """The running sandbox under ``root``, or None when either peer is down."""
    home = _home(root)
    if not (bluesky.running(home / "bluesky") and mastodon.running(home / "mastodon")):
        return None
    try:
        data = json.loads((home / "info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return SandboxInfo.from_json(data, already_running=True)


def describe(info: SandboxInfo) -> str:
    """The sandbox's addresses and demo accounts, as ``invoke sandbox`` and the demo show them."""
    bsky, masto = info.bluesky, info.mastodon
    lines = [
        "Sandbox already running:" if info.already_running else "Sandbox started:",
        f"  Bluesky  PDS {bsky.pds_url}  AppView {bsky.appview_url}  PLC {bsky.plc_url}",
        f"           index now: curl -X POST {bsky.control_url}/process",
        f"  Mastodon {masto.base_url}",
        "Demo accounts (throw-away credentials, in .sandbox/info.json):",
    ]
    lines += [
        f"  Bluesky  {account.handle:<18} {account.role:<9} {account.display_name}"
        for account in bsky.accounts
    ]
    lines += [
        f"  Mastodon @{person.username:<17} {person.role:<9} {person.display_name}"
        for person in masto.accounts
    ]
    return "\n".join(lines)


def start(root: Path) -> SandboxInfo:
    """Start both peers (or find them running), write ``info.json`` and ``env``; return them."""
    found = status(root)
    if found is not None:
        return found
    stop(root)  # one peer may have survived the other: start from nothing
    home = _home(root)
    # Side by side: each spends its start-up waiting on its own child process.
    with ThreadPoolExecutor(max_workers=2) as pool:
        network = pool.submit(bluesky.start, home / "bluesky")
        server = pool.submit(mastodon.start, home / "mastodon", MASTODON_PORT)
        try:
            info = SandboxInfo(bluesky=network.result(), mastodon=server.result())
        except BaseException:
            network.exception()  # wait for both, so nothing is left half-started
            server.exception()
            stop(root)
            raise
    _write_private(home / "info.json", json.dumps(info.to_json(), indent=2) + "\n")
    _write_private(home / "env", env_lines(info))
    return info


def stop(root: Path) -> None:
    """Stop both peers and delete their run data, the credentials files included."""
    home = _home(root)
    bluesky.stop(home / "bluesky")
    mastodon.stop(home / "mastodon")
    for name in ("info.json", "env"):
        (home / name).unlink(missing_ok=True)
    # Copies recorded in the sandbox's state point at networks that are gone now.
    shutil.rmtree(home / "state", ignore_errors=True)
