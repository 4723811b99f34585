"""Preview the site on a port of this machine: ``python -m syndication.site.preview -p 8001``.

``invoke serve`` and ``invoke livereload`` run this. A preview:

- is built into its own folder (``output-preview/``), never into ``output/``, which ``invoke
  publish`` deploys and ``make demo`` serves;
- has ``SITEURL`` and ``FEED_DOMAIN`` at ``http://localhost:PORT``, so its links, fonts and feeds
  work on the port it is served on;
- claims its port before building: a busy port is one sentence and exit status 1 (Pelican's own
  ``--listen`` logs CRITICAL and exits 0);
- with ``--watch``, is rebuilt when the content, the theme or the settings change (their files'
  times and sizes, read every half second against a fingerprint taken before the site is served,
  so an edit saved the moment the page first answers is not missed, as it could be by a watcher
  started after serving); a rebuild that fails says why in one line and the
  previous site stays served.

The requests are answered by Pelican's development handler
(``pelican.server.ComplexHTTPRequestHandler``: ``/post/`` finds ``post/index.html``, web fonts get
their type) in a threading server from the standard library, so a browser's parallel requests do
not wait for each other. https://docs.python.org/3/library/http.server.html
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from syndication.site.build import BuildFailed, build

WATCH_SECONDS = 0.5  # how often the preview looks for a change

HOST = "127.0.0.1"
DEFAULT_OUTPUT = "output-preview"


class PortUnavailable(Exception):
    """The port cannot be listened on; the message is the one sentence shown."""


class _Server(ThreadingHTTPServer):
    # A preview restarted at once finds its port in TIME_WAIT: that is not "busy". Linux still
    # refuses a port another program listens on.
    allow_reuse_address = True
    daemon_threads = True


def site_url(port: int) -> str:
    """The address the preview's pages link to."""
    return f"http://localhost:{port}"


def _handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    """Pelican's development handler serving ``folder``, answering 404 for a missing page.

    Pelican's own closes the connection without an answer (a browser shows a network error) and
    logs several lines; here the site's own 404 page is answered, as the real host would.
    """
    from pelican.server import ComplexHTTPRequestHandler

    class PreviewHandler(ComplexHTTPRequestHandler):  # type: ignore[misc]  # Pelican: untyped
        base_path = str(folder)
        path: str  # the request's, set by the standard handler

        def do_GET(self) -> None:
            """The file, ``.html`` page or ``/index.html`` the path names, or the 404 page."""
            wanted = self.path.split("?", 1)[0]
            trailing = wanted.endswith("/")
            for suffix in self.SUFFIXES:
                if suffix == "/" and not trailing:
                    continue  # the standard handler redirects /post to /post/ itself
                candidate = wanted.rstrip("/") + suffix
                if os.path.exists(self.translate_path(candidate)):
                    self.path = candidate
                    SimpleHTTPRequestHandler.do_GET(self)
                    return
            page = folder / "404.html"
            body = page.read_bytes() if page.is_file() else b"Not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a preview's requests are not news."""

    return PreviewHandler


def open_server(folder: Path, port: int, host: str = HOST) -> ThreadingHTTPServer:
    """A server of ``folder`` bound to ``host:port`` (not serving yet); PortUnavailable if not."""
    if not 0 < port < 65536:
        raise PortUnavailable(f"{port} is not a port number; choose one from 1024 to 65535.")
    try:
        # A handler class of its own: Pelican's RootedHTTPServer sets base_path on a shared class.
        return _Server((host, port), _handler(folder))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} is busy: another program listens on it; stop it or choose another "
                f"port, e.g. --port {port + 1 if port < 65535 else 8001}."
            ) from None
        raise PortUnavailable(
            f"cannot listen on {host}:{port} ({error.strerror or error}); choose another port "
            "from 1024 to 65535 with --port."
        ) from None


def _build(settings_file: Path, output: Path, port: int) -> bool:
    """Build the preview; False (after saying why in one line) when the build failed."""
    url = site_url(port)
    try:
        seconds = build(settings_file, output, overrides={"SITEURL": url, "FEED_DOMAIN": url})
    except BuildFailed as failure:
        print(str(failure), file=sys.stderr, flush=True)
        return False
    print(f"Built the preview into {output} in {seconds:.1f} s.", flush=True)
    return True


def _watched(settings_file: Path) -> list[Path]:
    """What a change of rebuilds the preview: the settings file, the content and the theme."""
    from pelican.settings import read_settings

    settings: Any = read_settings(str(settings_file))
    return [settings_file, Path(str(settings["PATH"])), Path(str(settings["THEME"]))]


def fingerprint(paths: Sequence[Path]) -> frozenset[tuple[str, int, int]]:
    """Every file under ``paths`` with its modification time and size (hidden ones left out)."""
    found: set[tuple[str, int, int]] = set()
    for top in paths:
        if top.is_file():
            info = top.stat()
            found.add((str(top), info.st_mtime_ns, info.st_size))
            continue
        for folder, names, files in os.walk(top):
            names[:] = [name for name in names if not name.startswith(".")]
            for name in files:
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except FileNotFoundError:  # removed while walking: the next look sees it
                    continue
                found.add((path, info.st_mtime_ns, info.st_size))
    return frozenset(found)


def _watch(
    settings_file: Path, output: Path, port: int, seen: frozenset[tuple[str, int, int]]
) -> None:
    """Rebuild whenever the content, theme or settings change, until interrupted."""
    while True:
        time.sleep(WATCH_SECONDS)
        now = fingerprint(_watched(settings_file))
        if now == seen:
            continue
        names = ", ".join(sorted({Path(path).name for path, *_ in now ^ seen}))
        print(f"Changed: {names}; rebuilding.", flush=True)
        seen = now
        _build(settings_file, output, port)


def serve(settings_file: Path, output: Path, port: int, *, watch: bool = False) -> int:
    """Claim the port, build the preview, serve it (and rebuild on change); the exit status."""
    try:
        server = open_server(output, port)
    except PortUnavailable as problem:
        print(f"The preview did not start: {problem}", file=sys.stderr, flush=True)
        return 1
    with server:
        # Taken before the build and the serving: an edit made from then on is rebuilt.
        seen = fingerprint(_watched(settings_file)) if watch else frozenset()
        built = _build(settings_file, output, port)
        if not built and not watch:
            return 1
        print(f"Serving the preview at {site_url(port)}/ (Ctrl-C to stop).", flush=True)
        thread = threading.Thread(target=server.serve_forever, name="preview", daemon=True)
        thread.start()
        try:
            if watch:
                _watch(settings_file, output, port, seen)
            else:
                thread.join()
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
        finally:
            server.shutdown()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m syndication.site.preview",
        description="Build the site for a local port into its own folder and serve it.",
    )
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="Pelican settings file")
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help="the preview's own folder")
    parser.add_argument("-p", "--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--watch", action="store_true", help="rebuild when anything changes")
    args = parser.parse_args(argv)
    settings_file = Path(args.settings)
    if not settings_file.is_file():
        print(f"{settings_file}: no such settings file.", file=sys.stderr)
        return 1
    return serve(settings_file, Path(args.output), args.port, watch=args.watch)


if __name__ == "__main__":
    sys.exit(main())
