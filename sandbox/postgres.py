"""A private, throw-away PostgreSQL cluster for Bluesky's AppView: one per start, deleted at stop.

PostgreSQL refuses to run as root, so as root ``initdb`` and ``pg_ctl`` run as the ``postgres``
user, in a folder under the system temp folder (every parent of it must be traversable by that
user, which a repository under a private home may not be). It listens on 127.0.0.1 only, on a
private port, with ``fsync=off``: nothing in it is worth keeping.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from sandbox.processes import SandboxError, free_port, tail


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SandboxError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "run `make system-deps` or `apt-get install postgresql`."
        )
    return Path(found[-1]).parent


def _run(argv: list[str], as_postgres: bool) -> subprocess.CompletedProcess[str]:
    command = shlex.join(argv)
    if as_postgres:
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", command]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


def start(record: Path) -> str:
    """Create and start a cluster; write its folder and port to ``record``; return its URL."""
    bindir = _bindir()
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="agora-sandbox-pg-"))
    folder.chmod(0o755)
    data = folder / "data"
    port = free_port()
    record.write_text(f"{folder}\n{port}\n", encoding="utf-8")
    if as_postgres:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    initdb = _run(
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        as_postgres,
    )
    if initdb.returncode != 0:
        raise SandboxError(f"initdb failed for the sandbox's PostgreSQL: {initdb.stderr.strip()}")
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    log = folder / "postgres.log"
    started = _run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
        as_postgres,
    )
    if started.returncode != 0:
        raise SandboxError(
            f"PostgreSQL did not start for the sandbox:\n{started.stderr.strip()}\n{tail(log)}"
        )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def stop(record: Path) -> None:
    """Stop the cluster named in ``record`` (immediately: it is thrown away) and delete it."""
    try:
        folder = Path(record.read_text(encoding="utf-8").split()[0])
    except (OSError, IndexError):
        return
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        _run(
            [str(_bindir() / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            os.geteuid() == 0,
        )
    shutil.rmtree(folder, ignore_errors=True)
    record.unlink(missing_ok=True)
