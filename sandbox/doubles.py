"""How the sandbox runs each of its API doubles (X, LinkedIn, Meta's Graph) as a child process.

A double is an ASGI app (``<module>.create_app(config)``) served by uvicorn on loopback, in a new
session of its own, so ``stop`` ends it and whatever it started. Its configuration (with the
throw-away credentials) is written mode 600 in the double's folder and deleted by ``stop``; its
log stays beside it. It is up once its control route ``/_double/requests`` answers.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from sandbox.processes import SandboxError, kill_group, port_in_use, read_pid, spawn, tail

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
# The child's program (``-m`` on a module of the package would import the package twice).
_SERVE = "import sys; from sandbox.doubles import serve; serve(*sys.argv[1:4])"


def start(home: Path, port: int, config: Mapping[str, Any], *, app: str, label: str) -> None:
    """Serve ``app`` (a module with ``create_app``) with ``config`` on ``port``; return once it
    answers, else SandboxError with the end of its log. ``label`` names it in messages."""
    if port_in_use(port):
        raise SandboxError(
            f"Port {port} is already in use on localhost; stop whatever listens there "
            "(`invoke sandbox --stop` if it is an earlier sandbox)."
        )
    home.mkdir(parents=True, exist_ok=True)
    config_file = home / "config.json"
    config_file.touch(mode=0o600)
    config_file.chmod(0o600)
    config_file.write_text(json.dumps(dict(config), indent=2), encoding="utf-8")
    log = home / "server.log"
    process = spawn(
        [sys.executable, "-c", _SERVE, app, str(config_file), str(port)],
        log=log,
        pid_file=home / "pid",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
    )
    if process.stdout:
        process.stdout.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            # The control route answers without credentials: it tells when the double is up.
            answer = httpx.get(f"http://localhost:{port}/_double/requests", timeout=2)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(home)
    raise SandboxError(f"The local {label} did not start (log: {log}):\n{tail(log)}")


def stop(home: Path) -> None:
    """Stop the double of ``home`` and delete its configuration (with the credentials)."""
    pid = read_pid(home / "pid")
    if pid is not None:
        kill_group(pid)
    for name in ("pid", "config.json"):
        (home / name).unlink(missing_ok=True)


def running(home: Path) -> bool:
    """Whether the double recorded in ``home`` is alive."""
    return read_pid(home / "pid") is not None


def serve(app: str, config_file: str, port: str) -> None:
    """Run the double in this process (the child ``start`` spawns)."""
    import importlib

    import uvicorn

    config = json.loads(Path(config_file).read_text(encoding="utf-8"))
    uvicorn.run(
        importlib.import_module(app).create_app(config),
        host="127.0.0.1",
        port=int(port),
        server_header=False,
        log_level="warning",
    )
