"""`invoke demo`: the whole loop on this machine, with the local sandbox for networks.

1. start the sandbox (Bluesky's reference servers and the Mastodon peer) with its demo accounts;
2. build the sample site with production settings pointed at http://localhost:8000 and serve it;
3. syndicate the sample posts to both local networks (the pages are live, so each is posted once);
4. two demo readers answer a post: a question on Bluesky, a complaint on Mastodon;
5. backfeed the conversation, rebuild, listen (a local press feed and the networks' searches:
   ``.sandbox/listening.toml``), and print the engagement desk's inbox with the mentions;
6. the sandbox's employee answers a reader from her own account, and the site is rebuilt.

The sandbox gives its employee, Camille, her own accounts and credentials; the demo's settings
(``.sandbox/democonf.py``: the site's ``publishconf.py`` plus her handles in ``AGORA_AUTHORS``)
make them used, so her posts go out under her own name and so does one answer: people, not a logo.

Every step is the command a person would type (``python -m syndication.…``) run with the
sandbox's variables (``.sandbox/env``), so the demo proves the commands, not a shortcut. The
sandbox's state lives in ``.sandbox/state``: the repository's own ``content/state`` is untouched.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

import feedgenerator

from sandbox import SandboxInfo, env_values
from sandbox.readers import leave_comments
from syndication.desk.inbox import item_id
from syndication.errors import AgoraError
from syndication.listen import sources
from syndication.model import PostState, utc_now
from syndication.store.state import StateStore

SETTINGS = ".sandbox/democonf.py"
LISTENING = ".sandbox/listening.toml"  # the site's terms and searches, and a local press feed
PRESS = "revue-de-presse/atom.xml"  # under the served site: what others wrote, for the demo
EMPLOYEE = "Camille Tremblay"  # the sandbox's employee (her variables end in _CAMILLE_TREMBLAY)
ANSWER = "Merci de nous l'avoir signalé, nous regardons votre dossier aujourd'hui même."
PRESS_ITEMS = (
    ("Vélos Boréal rappelle-t-il ses freins ?", "Des lecteurs s'interrogent sur Vélos Boréal."),
    ("Cycles Nordet ouvre un atelier", "Le concurrent s'agrandit en ville."),
    ("Le vélo cargo gagne l'hiver", "Les livreurs adoptent le vélo cargo, même en février."),
    ("La météo de la semaine", "Neige attendue jeudi."),
)
# Settings Pelican reads as paths relative to the settings file's folder: made absolute, since
# the demo's settings live in .sandbox/ and the site's folders at the root.
PATH_SETTINGS = (
    "PATH",
    "OUTPUT_PATH",
    "THEME",
    "CACHE_PATH",
    "AGORA_STATE_PATH",
    "AGORA_MODERATION_FILE",
    "AGORA_CARD_CACHE",
)
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


def employee_handles(info: SandboxInfo) -> dict[str, str]:
    """The sandbox employee's handle on each running peer, as ``AGORA_AUTHORS`` takes them."""
    handles = {"bluesky": "camille.test", "mastodon": info.mastodon.account("camille").username}
    if info.x is not None:
        handles["x"] = info.x.account("camille").username
    if info.linkedin is not None:
        handles["linkedin"] = info.linkedin.account("camille").urn
    return handles


def write_settings(root: Path, info: SandboxInfo) -> Path:
    """``.sandbox/democonf.py``: the site's production settings with the employee's handles."""
    path = root / SETTINGS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'''"""The demo's settings (sandbox/demo.py): publishconf.py and {EMPLOYEE}'s handles."""

import os
import sys

ROOT = {str(root.resolve())!r}
sys.path.insert(0, ROOT)
from publishconf import *  # noqa: E402,F403

for _name in {PATH_SETTINGS!r}:
    _value = globals().get(_name)
    if isinstance(_value, str) and not os.path.isabs(_value):
        globals()[_name] = os.path.join(ROOT, _value)
PLUGIN_PATHS = [os.path.join(ROOT, _path) for _path in PLUGIN_PATHS]  # noqa: F405
AGORA_LISTENING_FILE = os.path.join(ROOT, {LISTENING!r})
if {EMPLOYEE!r} in AGORA_AUTHORS:  # noqa: F405
    AGORA_AUTHORS = {{
        **AGORA_AUTHORS,  # noqa: F405
        {EMPLOYEE!r}: {{**AGORA_AUTHORS[{EMPLOYEE!r}], **{employee_handles(info)!r}}},  # noqa: F405
    }}
''',
        encoding="utf-8",
    )
    return path


def write_listening(root: Path, site: str) -> None:
    """A local press review (an Atom feed by ``feedgenerator``, Pelican's own writer) served with
    the site, and ``.sandbox/listening.toml``: the site's terms and searches, and that feed."""
    listening = sources.load(root / "content" / sources.DEFAULT_FILE)
    feed = feedgenerator.Atom1Feed("Revue de presse du vélo", f"{site}/", "Démo", language="fr")
    for number, (title, text) in enumerate(PRESS_ITEMS):
        link = f"https://journal.example/velo/{number}?utm_source=rss"
        feed.add_item(title, link, text, pubdate=utc_now(), author_name="La rédaction")
    path = root / OUTPUT / PRESS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(feed.writeString("utf-8"), encoding="utf-8")
    lines = [
        "[terms]",
        *(
            f"{kind} = {json.dumps(list(terms), ensure_ascii=False)}"
            for kind, terms in listening.terms.items()
        ),
        "",
        "[[feeds]]",
        'label = "Revue de presse (démo locale)"',
        f'url = "{site}/{PRESS}"',
        "",
        "[searches]",
        *(
            f"{name} = {json.dumps(list(queries), ensure_ascii=False)}"
            for name, queries in listening.searches.items()
        ),
    ]
    (root / LISTENING).write_text("\n".join(lines) + "\n", encoding="utf-8")


def answer_one(store: StateStore) -> tuple[str, str] | None:
    """The demo's answer: the first reader's comment on Mastodon, as ``(post key, item id)``."""
    states: list[PostState] = sorted(store.all(), key=lambda state: state.key)
    for state in states:
        for interaction in state.interactions.values():
            reader = interaction.content_html and not interaction.by_company
            if interaction.network == "mastodon" and reader:
                return state.key, item_id("mastodon", interaction.id)
    return None


def run(root: Path, info: SandboxInfo, *, port: int, out: TextIO, wait: bool = True) -> str:
    """The demo's steps, then serve the site until Ctrl-C (``wait``); the site's address."""
    env = sandbox_env(info, port)
    write_settings(root, info)
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
        write_listening(root, site)
        step(
            "Listening: the local press feed and the networks' searches",
            ["syndication.cli.listen", "--settings", SETTINGS],
            root=root,
            env=env,
            out=out,
        )
        desk = ["syndication.cli.desk"]
        step(
            "The engagement desk",
            [*desk, "inbox", "--settings", SETTINGS],
            root=root,
            env=env,
            out=out,
        )
        chosen = answer_one(store)
        if chosen is not None:
            reply = [*desk, "reply", chosen[1], ANSWER, "--as", EMPLOYEE, "--settings", SETTINGS]
            title = f"{EMPLOYEE} answers from her own account"
            if not step(title, reply, root=root, env=env, out=out):
                step("Rebuilding with her answer", build, root=root, env=env, out=out)
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
