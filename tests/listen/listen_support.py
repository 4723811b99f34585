"""Support of the listening tests. A real web server: Debian's nginx, started per test on loopback.

nginx answers static files with ``ETag`` and ``Last-Modified`` and a ``304`` to a request whose
``If-None-Match`` or ``If-Modified-Since`` still holds (https://nginx.org/en/docs/http/ngx_http_core_module.html#etag),
as most feed hosts do. It runs as the current user (``master_process off``: one process, no
switch to another user), in the foreground, with its configuration, pid file, logs and temporary
folders in the test's folder, on a free port; ``Makefile``'s ``system-deps`` installs it. Its
access log says, per request, the status and the validators sent, so a test counts what a run
cost. A few locations answer what failing feeds answer: 403, 500, a redirect loop.

Also here: a fixture site for the listening command (a settings file, a listening file, a state
folder; nothing from the sample site's ``content/``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sandbox.processes import free_port

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
START_TIMEOUT = 10.0

CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format listening escape=none '$request_method $uri $status '
                         'inm=$http_if_none_match ims=$http_if_modified_since';
    access_log {home}/access.log listening;
    client_body_temp_path {home}/tmp/body;
    proxy_temp_path {home}/tmp/proxy;
    fastcgi_temp_path {home}/tmp/fastcgi;
    uwsgi_temp_path {home}/tmp/uwsgi;
    scgi_temp_path {home}/tmp/scgi;
    types {{
        application/atom+xml atom;
        application/rss+xml rss;
        application/xml xml;
        text/html html;
    }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {home}/www;
        location = /forbidden.xml {{ return 403; }}
        location = /broken.xml {{ return 500; }}
        location = /loop.xml {{ return 302 /loop.xml; }}
    }}
}}
"""


def nginx_binary() -> str:
    """Where nginx is; the test fails (never skips) with what to do when it is missing."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail("nginx is not installed; run `make system-deps` (Debian's nginx).", pytrace=False)


@dataclass
class Nginx:
    """A running nginx serving ``www``; ``requests()`` reads its access log."""

    home: Path
    port: int

    @property
    def www(self) -> Path:
        """The folder it serves."""
        return self.home / "www"

    def url(self, path: str) -> str:
        """The address of ``path`` under ``www``."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def requests(self) -> list[str]:
        """Every request so far: ``GET /uri STATUS inm=... ims=...``, in order."""
        log = self.home / "access.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    """nginx on a free loopback port, stopped after the test whatever happens."""
    home = tmp_path / "nginx"
    for folder in ("www", "tmp"):
        (home / folder).mkdir(parents=True)
    port = free_port()
    (home / "nginx.conf").write_text(CONFIG.format(home=home, port=port), encoding="utf-8")
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(home), "-c", str(home / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Nginx(home, port)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                httpx.get(server.url("/"), timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = (
                        (home / "error.log").read_text() if (home / "error.log").exists() else ""
                    )
                    pytest.fail(f"nginx did not start: {error.strip()}", pytrace=False)
                time.sleep(0.05)
        (home / "access.log").write_text("", encoding="utf-8")  # the probe is not a test's
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


SETTINGS = """\
PATH = {content!r}
AGORA_STATE_PATH = {state!r}
AGORA_LISTENING_FILE = {listening!r}
SITENAME = "Listening test"
SITEURL = "http://127.0.0.1"
PLUGINS = []
PLUGIN_PATHS = []
"""


@dataclass
class ListeningSite:
    """A fixture site's settings, listening file and state folder."""

    root: Path

    @property
    def settings(self) -> Path:
        return self.root / "listenconf.py"

    @property
    def listening(self) -> Path:
        return self.root / "listening.toml"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def files(self) -> dict[str, tuple[bytes, int]]:
        """Every file of the state folder: its bytes and modification time (nanoseconds)."""
        return {
            str(path.relative_to(self.state)): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(self.state.rglob("*"))
            if path.is_file() and path.name != ".lock"
        }


@pytest.fixture
def site(tmp_path: Path) -> ListeningSite:
    """A site with no content but a listening file (written by each test) and a state folder."""
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    # The desk's complaint words (`invoke inbox` and `invoke reply` read them).
    (root / "content" / "complaint-words.txt").write_text("# words\ndéçu\n", encoding="utf-8")
    found = ListeningSite(root)
    found.settings.write_text(
        SETTINGS.format(
            content=str(root / "content"), state=str(found.state), listening=str(found.listening)
        ),
        encoding="utf-8",
    )
    return found
