"""`invoke demo`: the whole loop on this machine, with the local sandbox for networks.

1. start the sandbox (Bluesky's reference servers and the Mastodon peer) with its demo accounts;
2. build the sample site with production settings pointed at http://localhost:8000 and serve it;
3. syndicate the sample posts to both local networks (the pages are live, so each is posted once);
4. two demo readers answer a post: a question on Bluesky, a complaint on Mastodon;
5. backfeed the conversation, rebuild, and print the engagement desk's inbox and how to answer.

Every step is the command a person would type (``python -m syndication.…``) run with the
sandbox's variables (``.sandbox/env``), so the demo proves the commands, not a shortcut. The
sandbox's state lives in ``.sandbox/state``: the repository's own ``content/state`` is untouched.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from sandbox import SandboxInfo, env_values
from sandbox.readers import leave_comments
from syndication.errors import AgoraError
from syndication.store.state import StateStore

SETTINGS = "publishconf.py"
OUTPUT = "output"
STEP_TIMEOUT_SECONDS = 900


class DemoError(AgoraError):
    """A step of the demo failed; the message names it and what to do."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site without logging every request over the demo's own output."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@contextlib.contextmanager
def serving(folder: Path, port: int) -> Iterator[str]:
    """Serve ``folder`` on loopback ``port`` in a thread; the site's address."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        raise DemoError(
            f"port {port} is taken ({error.strerror}); stop what listens there or set AGORA_PORT."
        ) from None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}"
    finally:
        server.shutdown()
        server.server_close()


def sandbox_env(info: SandboxInfo, port: int) -> dict[str, str]:
    """This process's environment plus the sandbox's variables (those of ``.sandbox/env``)."""
    env = {**os.environ, **env_values(info)}
    if port != 8000:
        env["AGORA_SITEURL"] = f"http://localhost:{port}"  # where this demo serves the site
    return env


def step(title: str, args: list[str], *, root: Path, env: Mapping[str, str], out: TextIO) -> int:
    """Run one command of the project as a person would, its output shown; its exit code."""
    out.write(f"\n== {title}\n")
    out.flush()
    command = [sys.executable, "-m", *args]
    try:
        out.fileno()
    except (AttributeError, io.UnsupportedOperation):
        # Not a terminal or file (a test's buffer): collect the output and pass it on in order.
        done = subprocess.run(
            command,
            cwd=root,
            env=dict(env),
            check=False,
            timeout=STEP_TIMEOUT_SECONDS,
            capture_output=True,
            text=True,
        )
        out.write(done.stdout)
        out.write(done.stderr)
        return done.returncode
    # Inherited, so a progress bar shows as it moves.
    return subprocess.run(
        command, cwd=root, env=dict(env), check=False, timeout=STEP_TIMEOUT_SECONDS
    ).returncode


def run(root: Path, info: SandboxInfo, *, port: int, out: TextIO, wait: bool = True) -> str:
    """The demo's steps, then serve the site until Ctrl-C (``wait``); the site's address."""
    env = sandbox_env(info, port)
    build = ["syndication.site.build", "-s", SETTINGS, "-o", OUTPUT]
    if step("Building the site", build, root=root, env=env, out=out):
        raise DemoError("the site did not build; the line above says why.")
    with serving(root / OUTPUT, port) as site:
        out.write(f"Serving the site at {site}/\n")
        # Failures here are reported and the demo goes on: the site is still worth seeing.
        step(
            "Syndicating the sample posts to the local networks",
            ["syndication.cli.syndicate", "--settings", SETTINGS],
            root=root,
            env=env,
            out=out,
        )
        store = StateStore(root / env["AGORA_STATE_PATH"])
        comments = leave_comments(
            info.bluesky,
            info.mastodon,
            list(store.all()),
            store.root,
            x=info.x,
            linkedin=info.linkedin,
            meta=info.meta,
        )
        out.write("\n== Demo readers comment on the networks\n")
        for comment in comments:
            out.write(f"  {comment.network}: {comment.author} on {comment.post}: {comment.text}\n")
        step(
            "Bringing the conversation home (backfeed)",
            ["syndication.cli.backfeed", "--settings", SETTINGS],
            root=root,
            env=env,
            out=out,
        )
        if step("Rebuilding with copies and conversations", build, root=root, env=env, out=out):
            raise DemoError("the rebuild failed; the line above says why.")
        step("The engagement desk", ["syndication.cli.desk", "inbox"], root=root, env=env, out=out)
        _where(store, site, info, out)
        out.flush()
        if wait:
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return site


def _where(store: StateStore, site: str, info: SandboxInfo, out: TextIO) -> None:
    """Where to see what happened: each post's copies, readable on the local peers, and how to
    answer. The peers have no web app, so the links are their APIs' JSON (a browser shows it)."""
    out.write("\n== Where to look (the local peers answer JSON)\n")
    for state in sorted(store.all(), key=lambda s: s.key):
        links = [
            f"{name} {_readable(name, copy.id, info) or copy.url}"
            for name, copy in sorted(state.copies.items())
        ]
        if links:
            out.write(f"  {state.key}:\n" + "".join(f"    {link}\n" for link in links))
    out.write(
        "Answer a comment under your own name (IDs from the inbox above):\n"
        "  set -a; . .sandbox/env; set +a\n"
        '  .venv/bin/invoke reply <ID> "Merci de votre message…" --as Camille\n'
        "Then: .venv/bin/invoke backfeed && .venv/bin/invoke preview, and reload the post page.\n"
        f"The site: {site}/  (Ctrl-C stops it; invoke sandbox --stop ends the networks)\n"
    )


def _readable(network: str, native_id: str, info: SandboxInfo) -> str:
    """An address on the local peer that shows the copy and its thread without logging in."""
    if not native_id:
        return ""
    if network == "bluesky":
        query = urllib.parse.urlencode({"uri": native_id})
        return f"{info.bluesky.appview_url}/xrpc/app.bsky.feed.getPostThread?{query}"
    if network == "x" and info.x is not None:
        return f"{info.x.base_url}/_double/posts/{native_id}"
    if network == "linkedin" and info.linkedin is not None:
        query = urllib.parse.urlencode({"urn": native_id})
        return f"{info.linkedin.base_url}/_double/read?{query}"
    if network == "facebook" and info.meta is not None:
        query = urllib.parse.urlencode({"id": native_id})
        return f"{info.meta.base_url}/_double/post?{query}"
    if network == "threads" and info.meta is not None:
        query = urllib.parse.urlencode({"id": native_id})
        return f"{info.meta.threads_url}/_double/post?{query}"
    if network == "instagram" and info.meta is not None:
        query = urllib.parse.urlencode({"id": native_id})
        return f"{info.meta.instagram_url}/_double/media?{query}"
    return f"{info.mastodon.base_url}/api/v1/statuses/{native_id}/context"
