"""The local Bluesky network: Bluesky's own PLC, PDS and AppView (``@atproto/dev-env``).

``bluesky/launcher.mjs`` runs them in one Node 22 process; this module gives it a throw-away
PostgreSQL cluster, a run folder as ``TMPDIR`` (the PDS's data and blobs land there), its ports,
and waits for its ``ready`` line. Handles end in ``.test`` and resolve only inside that process, so
clients log in through the PDS URL and never resolve handles themselves.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox import postgres
from sandbox.processes import (
    SandboxError,
    kill_group,
    port_in_use,
    read_pid,
    spawn,
    tail,
)

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "bluesky"
ROOT = HERE.parent
NODE_HOME = ROOT / ".node"
START_TIMEOUT = 120.0

BRAND = "velosboreal.test"
# handle, display name, role: the brand, three readers and one employee with her own account.
ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (BRAND, "Vélos Boréal", "brand"),
    ("lea.test", "Léa Gagnon", "reader"),
    ("samuel.test", "Samuel Okafor", "reader"),
    ("noor.test", "Noor Haddad", "reader"),
    ("camille.test", "Camille Tremblay", "employee"),
)


@dataclass(frozen=True)
class Ports:
    """The ports the network listens on (dev-env's defaults unless a test asks for free ones)."""

    plc: int = 2582
    pds: int = 2583
    appview: int = 2584
    control: int = 2585


@dataclass(frozen=True)
class BlueskyAccount:
    """A demo account: log in through the PDS with ``handle`` and ``app_password``."""

    handle: str
    did: str
    display_name: str
    role: str
    password: str
    app_password: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BlueskyAccount:
        """An account from the launcher's JSON (camelCase)."""
        return cls(
            handle=data["handle"],
            did=data["did"],
            display_name=data.get("displayName") or data.get("display_name", ""),
            role=data["role"],
            password=data["password"],
            app_password=data.get("appPassword") or data.get("app_password") or data["password"],
        )


@dataclass(frozen=True)
class BlueskyNetwork:
    """A running local network: its URLs and demo accounts, and ``process()`` to index now."""

    pds_url: str
    appview_url: str
    plc_url: str
    control_url: str
    accounts: tuple[BlueskyAccount, ...]

    def account(self, handle: str) -> BlueskyAccount:
        """The demo account with ``handle`` (``lea`` or ``lea.test``)."""
        full = handle if "." in handle else f"{handle}.test"
        for account in self.accounts:
            if account.handle == full:
                return account
        raise KeyError(handle)

    @property
    def brand(self) -> BlueskyAccount:
        """The company's account."""
        return self.account(BRAND)

    @property
    def readers(self) -> tuple[BlueskyAccount, ...]:
        """The demo readers."""
        return tuple(a for a in self.accounts if a.role == "reader")

    def process(self) -> None:
        """Let the AppView index every write so far (``network.processAll()`` in the launcher)."""
        response = httpx.post(f"{self.control_url}/process", timeout=60)
        response.raise_for_status()

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``.sandbox/info.json``."""
        return {
            "pds_url": self.pds_url,
            "appview_url": self.appview_url,
            "plc_url": self.plc_url,
            "control_url": self.control_url,
            "accounts": [a.__dict__ for a in self.accounts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BlueskyNetwork:
        """The inverse of ``to_json``."""
        return cls(
            pds_url=data["pds_url"],
            appview_url=data["appview_url"],
            plc_url=data["plc_url"],
            control_url=data["control_url"],
            accounts=tuple(BlueskyAccount.from_json(a) for a in data["accounts"]),
        )


def node_binary() -> Path:
    """Node 22 from ``.node/``, or a clear error saying how to install it."""
    node = NODE_HOME / "bin" / "node"
    if not node.exists() or not (PROJECT / "node_modules" / "@atproto" / "dev-env").exists():
        raise SandboxError(
            "The local Bluesky network is not installed (Node 22 in .node/ and @atproto/dev-env "
            "in sandbox/bluesky/); run `make sandbox-deps`."
        )
    return node


def start(home: Path, ports: Ports | None = None) -> BlueskyNetwork:
    """Start the network with its run files in ``home``; return when its accounts exist."""
    ports = ports or Ports()
    node = node_binary()
    busy = [p for p in (ports.plc, ports.pds, ports.appview, ports.control) if port_in_use(p)]
    if busy:
        raise SandboxError(
            f"Port(s) {', '.join(map(str, busy))} already in use on localhost; stop whatever "
            "listens there (`invoke sandbox --stop` if it is an earlier sandbox)."
        )
    home.mkdir(parents=True, exist_ok=True)
    try:
        ready = _launch(home, ports, node)
    except BaseException:
        stop(home)  # whatever part did start (the PostgreSQL cluster, say) goes away
        raise
    return BlueskyNetwork(
        pds_url=ready["pds"],
        appview_url=ready["appview"],
        plc_url=ready["plc"],
        control_url=ready["control"],
        accounts=tuple(BlueskyAccount.from_json(a) for a in ready["accounts"]),
    )


def _launch(home: Path, ports: Ports, node: Path) -> dict[str, Any]:
    """Start PostgreSQL and the launcher; the launcher's ``ready`` event."""
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    log = home / "launcher.log"
    database = postgres.start(home / "postgres")
    env = {
        **os.environ,
        "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TMPDIR": str(tmp),
        "DB_POSTGRES_URL": database,
        "REDIS_HOST": "unused.invalid",
        "NODE_ENV": "development",
        "LOG_ENABLED": "false",
        "AGORA_SANDBOX_PLC_PORT": str(ports.plc),
        "AGORA_SANDBOX_PDS_PORT": str(ports.pds),
        "AGORA_SANDBOX_APPVIEW_PORT": str(ports.appview),
        "AGORA_SANDBOX_CONTROL_PORT": str(ports.control),
        "AGORA_SANDBOX_ACCOUNTS": ",".join(":".join(a) for a in ACCOUNTS),
    }
    process = spawn(
        [str(node), str(PROJECT / "launcher.mjs")],
        log=log,
        pid_file=home / "pid",
        env=env,
        cwd=PROJECT,
    )
    try:
        return _wait_ready(process.stdout, log)
    finally:
        if process.stdout:
            process.stdout.close()


def _wait_ready(stdout: Any, log: Path) -> dict[str, Any]:
    """The launcher's ``ready`` line; a clear error with its log when it fails or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    buffer = b""
    while time.monotonic() < deadline:
        readable, _, _ = select.select([stdout], [], [], 0.5)
        if not readable:
            continue
        chunk = os.read(stdout.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "ready":
                return dict(event)
            if event.get("event") == "failed":
                break
    raise SandboxError(f"The local Bluesky network did not start (log: {log}):\n{tail(log)}")


def stop(home: Path) -> None:
    """Stop the launcher's process group, its PostgreSQL cluster, and delete the run folder."""
    pid = read_pid(home / "pid")
    if pid is not None:
        kill_group(pid)
    postgres.stop(home / "postgres")
    shutil.rmtree(home / "tmp", ignore_errors=True)
    (home / "pid").unlink(missing_ok=True)


def running(home: Path) -> bool:
    """Whether the launcher recorded in ``home`` is alive."""
    return read_pid(home / "pid") is not None
