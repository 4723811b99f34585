"""The local sandbox: real peers on loopback to syndicate to, backfeed from and test against.

Bluesky: its own reference servers from ``@atproto/dev-env`` (``bluesky.py``). Mastodon: the
``mastodon-mock`` server (``mastodon.py``). LinkedIn: our double of its REST API
(``linkedin.py``). X: our double of its API v2 (``x.py``, proven against X's OpenAPI document).
Facebook, Threads and Instagram: our double of Meta's Graph API (``meta.py``, held to Meta's spec
files; its Threads part under ``/threads``, held to Threads' reference pages; its Instagram part
under ``/instagram``). The doubles run as child processes the same way (``doubles.py``).
``start`` runs them with demo accounts and writes
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

from sandbox import bluesky, linkedin, mastodon, meta, x
from sandbox.bluesky import BlueskyAccount, BlueskyNetwork, Ports
from sandbox.linkedin import LinkedInAccount, LinkedInServer
from sandbox.mastodon import MastodonAccount, MastodonServer
from sandbox.meta import MetaReader, MetaServer
from sandbox.processes import SandboxError
from sandbox.x import XAccount, XServer

__all__ = [
    "BlueskyAccount",
    "BlueskyNetwork",
    "LinkedInAccount",
    "LinkedInServer",
    "MastodonAccount",
    "MastodonServer",
    "MetaReader",
    "MetaServer",
    "Ports",
    "SandboxError",
    "SandboxInfo",
    "XAccount",
    "XServer",
    "env_lines",
    "env_values",
    "start",
    "status",
    "stop",
]

MASTODON_PORT = 3000
LINKEDIN_PORT = 3200
X_PORT = 3100
META_PORT = 3300
# Relative to the repository root, as every AGORA_STATE_PATH is.
SANDBOX_STATE = ".sandbox/state"
SANDBOX_SITEURL = "http://localhost:8000"


@dataclass(frozen=True)
class SandboxInfo:
    """The running peers, and whether this call started them or found them running."""

    bluesky: BlueskyNetwork
    mastodon: MastodonServer
    linkedin: LinkedInServer | None = None
    x: XServer | None = None
    meta: MetaServer | None = None
    already_running: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``info.json``."""
        data = {"bluesky": self.bluesky.to_json(), "mastodon": self.mastodon.to_json()}
        if self.linkedin is not None:
            data["linkedin"] = self.linkedin.to_json()
        if self.x is not None:
            data["x"] = self.x.to_json()
        if self.meta is not None:
            data["meta"] = self.meta.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], already_running: bool = False) -> SandboxInfo:
        """The inverse of ``to_json``."""
        return cls(
            bluesky=BlueskyNetwork.from_json(data["bluesky"]),
            mastodon=MastodonServer.from_json(data["mastodon"]),
            linkedin=LinkedInServer.from_json(data["linkedin"]) if "linkedin" in data else None,
            x=XServer.from_json(data["x"]) if "x" in data else None,
            meta=MetaServer.from_json(data["meta"]) if "meta" in data else None,
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
    if info.linkedin is not None:
        values |= {
            "AGORA_LINKEDIN_API_URL": info.linkedin.base_url,
            "AGORA_LINKEDIN_OAUTH_URL": info.linkedin.base_url,
            "AGORA_LINKEDIN_ORGANIZATION": info.linkedin.organization,
            "AGORA_LINKEDIN_ACCESS_TOKEN": info.linkedin.brand_token,
            "AGORA_LINKEDIN_CLIENT_ID": info.linkedin.client_id,
            "AGORA_LINKEDIN_CLIENT_SECRET": info.linkedin.client_secret,
            "AGORA_LINKEDIN_ACCESS_TOKEN_CAMILLE_TREMBLAY": info.linkedin.account("camille").token,
        }
    if info.x is not None:
        brand_x, camille_x = info.x.brand, info.x.account("camille")
        values |= {
            "AGORA_X_API_URL": info.x.base_url,
            "AGORA_X_HANDLE": brand_x.username,
            "AGORA_X_CONSUMER_KEY": info.x.consumer_key,
            "AGORA_X_CONSUMER_SECRET": info.x.consumer_secret,
            "AGORA_X_ACCESS_TOKEN": brand_x.access_token,
            "AGORA_X_ACCESS_TOKEN_SECRET": brand_x.access_token_secret,
            "AGORA_X_ACCESS_TOKEN_CAMILLE_TREMBLAY": camille_x.access_token,
            "AGORA_X_ACCESS_TOKEN_SECRET_CAMILLE_TREMBLAY": camille_x.access_token_secret,
        }
    if info.meta is not None:
        values |= info.meta.env() | info.meta.threads_env() | info.meta.instagram_env()
    return values


def status(root: Path) -> SandboxInfo | None:
    """The running sandbox under ``root``, or None when either peer is down."""
    home = _home(root)
    peers = (
        bluesky.running(home / "bluesky"),
        mastodon.running(home / "mastodon"),
        linkedin.running(home / "linkedin"),
        x.running(home / "x"),
        meta.running(home / "meta"),
    )
    if not all(peers):
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
        *(
            [f"  LinkedIn {info.linkedin.base_url} (our double of its API)"]
            if info.linkedin
            else []
        ),
        *([f"  X        {info.x.base_url} (our double of its API v2)"] if info.x else []),
        *(
            [f"  Facebook {info.meta.base_url} (our double of Meta's Graph API)"]
            if info.meta
            else []
        ),
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
    if info.linkedin is not None:
        page = f"urn:li:organization:{info.linkedin.organization}"
        lines += [
            f"  LinkedIn {person.username:<18} {person.role:<9} {person.display_name}"
            + (f" (administers {page})" if person.role == "brand" else "")
            for person in info.linkedin.accounts
        ]
    if info.x is not None:
        lines += [
            f"  X        @{person.username:<17} {person.role:<9} {person.display_name}"
            for person in info.x.accounts
        ]
    if info.meta is not None:
        lines.append(f"  Facebook Page {info.meta.page_id:<13} brand     Vélos Boréal")
        lines += [
            f"  Facebook {reader.username:<18} reader    {reader.name}"
            for reader in info.meta.readers
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
    with ThreadPoolExecutor(max_workers=5) as pool:
        network = pool.submit(bluesky.start, home / "bluesky")
        server = pool.submit(mastodon.start, home / "mastodon", MASTODON_PORT)
        double = pool.submit(linkedin.start, home / "linkedin", LINKEDIN_PORT)
        x_double = pool.submit(x.start, home / "x", X_PORT)
        graph = pool.submit(meta.start, home / "meta", META_PORT)
        try:
            info = SandboxInfo(
                bluesky=network.result(),
                mastodon=server.result(),
                linkedin=double.result(),
                x=x_double.result(),
                meta=graph.result(),
            )
        except BaseException:
            network.exception()  # wait for all, so nothing is left half-started
            server.exception()
            double.exception()
            x_double.exception()
            graph.exception()
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
    linkedin.stop(home / "linkedin")
    x.stop(home / "x")
    meta.stop(home / "meta")
    for name in ("info.json", "env"):
        (home / name).unlink(missing_ok=True)
    # Copies recorded in the sandbox's state point at networks that are gone now.
    shutil.rmtree(home / "state", ignore_errors=True)
