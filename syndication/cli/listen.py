"""`invoke listen`: read the listening file's feeds and searches, keep the new mentions.

Reads the settings (``publishconf.py`` by default), the listening file (``listening.toml`` in the
content folder, or ``AGORA_LISTENING_FILE``), the networks configured in the environment (for the
searches), then runs ``syndication.listen.engine`` and writes what it heard under the state
store's lock (``syndication.listen.store``), only when something changed. ``invoke inbox
--mentions`` lists the mentions.

Prints how many mentions are new and what they are about, how many feeds were read or unchanged,
one line per source that failed, and the sources failing ``BROKEN_AFTER`` runs in a row as broken,
with their labels; every secret redacted and every control character shown as an escape
(``syndication.cli.common.emit``). The exit code is 0 when every source answered or failed less
than three runs in a row, 1 when one is broken, 2 when the run could not start (a wrong
listening file: one sentence naming its line).

    python -m syndication.cli.listen [--settings publishconf.py]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from syndication.cli.common import (
    DEFAULT_SETTINGS,
    authors_of,
    emit,
    http_client,
    setup_logging,
    state_root,
)
from syndication.cli.terminal import json_text, one_line
from syndication.desk.inbox import human_duration
from syndication.errors import AgoraError, ConfigError
from syndication.listen import engine, feeds, sources
from syndication.listen.engine import Heard
from syndication.listen.mentions import MentionItem
from syndication.listen.store import FEED, ListenStore
from syndication.model import format_time, utc_now
from syndication.networks.registry import configured_networks
from syndication.networks.registry import label as network_label
from syndication.posts import load_settings
from syndication.store.state import StateStore

TEXT_WIDTH = 90  # characters of a mention shown, as for a comment in the inbox
INDENT = " " * 6
ABOUT = {"us": "about us", "competitors": "about a competitor", "industry": "about the industry"}


def listening_file(settings: Mapping[str, Any], settings_file: Path) -> Path:
    """``AGORA_LISTENING_FILE`` of the settings (relative to their folder), else the content's."""
    chosen = settings.get("AGORA_LISTENING_FILE")
    if chosen:
        path = Path(str(chosen))
        return path if path.is_absolute() else settings_file.resolve().parent / path
    return Path(str(settings.get("PATH") or "content")) / sources.DEFAULT_FILE


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def render_text(heard: Heard) -> str:
    """What a run did, for a terminal and the CI log."""
    kinds = [
        f"{sum(1 for m in heard.mentions if m.about == kind)} {ABOUT[kind]}"
        for kind in sources.KINDS
        if any(m.about == kind for m in heard.mentions)
    ]
    head = f"Listening: {_count(len(heard.mentions), 'new mention')}"
    if kinds:
        head += f" ({', '.join(kinds)})"
    feeds_said = f"{_count(heard.read, 'feed')} read, {heard.unchanged} unchanged"
    lines = [f"{head}; {feeds_said}, {_count(heard.searched, 'search', 'searches')} made."]
    lines += [f"  warning: {sentence}" for sentence in heard.warnings]
    lines += [
        f"  broken: {sentence}; fix or remove it in the listening file."
        for sentence in heard.broken
    ]
    if heard.mentions:
        lines.append("See them with `invoke inbox --mentions`.")
    return "\n".join(lines) + "\n"


def mention_flags(item: MentionItem) -> str:
    """``question, complaint (déçu), answered``: what deserves attention first."""
    found = []
    if item.question:
        found.append("question")
    if item.complaint:
        found.append(f"complaint ({', '.join(item.complaint)})")
    if item.answered:
        found.append("answered")
    return ", ".join(found)


def _who(item: MentionItem) -> str:
    m = item.mention
    handle = f"@{m.handle.lstrip('@')}" if m.handle else ""
    if m.author and handle:
        return f"{m.author} ({handle})"
    return m.author or handle or "unknown author"


def render_mentions(items: list[MentionItem], now: datetime, *, heading: str = "") -> str:
    """Mentions for a terminal, newest first: a block each, under 100 columns wide.

    Its first line says how old it is, where it was heard, who wrote it, what it is about and
    the words that matched, and its flags; then its words on one line, its link, and the ID to
    answer it with when it is a post on a network.
    """
    if not items:
        return f"{heading or 'Mentions elsewhere'}: none.\n"
    count = f"{len(items)} mention{'s' if len(items) > 1 else ''}"
    lines = [
        f"{heading or 'Mentions elsewhere'}: {count}, newest first; answer a post with "
        '`invoke reply ID "text" --as NAME`.'
    ]
    for item in items:
        m = item.mention
        where = network_label(m.network) if m.network != FEED else "feed"
        flags = mention_flags(item)
        matched = f": {', '.join(m.matched)}" if m.matched else ""  # none: it names our account
        about = f"{ABOUT.get(m.about, m.about)}{matched}"
        lines += [
            "",
            f"{human_duration(now - m.published_at):<5} {one_line(m.source, 40)} ({where})  "
            f"{one_line(_who(item), 40)}",
            f"{INDENT}{about}{f'  [{flags}]' if flags else ''}",
            f"{INDENT}« {one_line(' — '.join(filter(None, (m.title, m.text))), TEXT_WIDTH)} »",
            f"{INDENT}{m.url or '-'}",
        ]
        if item.answerable:
            lines.append(f"{INDENT}ID {m.id}")
    return "\n".join(lines) + "\n"


def mentions_json(items: list[MentionItem], now: datetime, since: datetime | None) -> str:
    """Mentions for tools: stable keys, newest first."""
    data = {
        "generated_at": format_time(now),
        "since": format_time(since) if since else None,
        "count": len(items),
        "mentions": [item.to_json(now) for item in items],
    }
    return json_text(data) + "\n"


async def _listen(
    listening: sources.Listening,
    store: ListenStore,
    settings: Mapping[str, Any],
    env: Mapping[str, str],
    now: datetime,
    transport: httpx.AsyncBaseTransport | None,
) -> Heard:
    networks = configured_networks(env) if any(listening.searches.values()) else {}
    async with feeds.client(transport) as feed_client, http_client(transport) as network_client:
        return await engine.listen(
            listening,
            sources=store.load_sources(),
            seen=store.seen(),
            now=now,
            feed_client=feed_client,
            networks=networks,
            network_client=network_client,
            authors=authors_of(settings),
        )


def listen_report(
    settings_file: str | Path,
    env: Mapping[str, str],
    *,
    now: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Heard:
    """Run the listening of ``settings_file`` and write what it heard; AgoraError if it cannot."""
    path = Path(settings_file)
    try:
        settings = load_settings(path)
    except ValueError as error:  # Pelican's own check, e.g. a content folder that is missing
        raise ConfigError(f"{path}: Pelican cannot use these settings ({error}).") from error
    listening = sources.load(listening_file(settings, path))
    state = StateStore(state_root(settings, path))
    store = ListenStore(state.root)
    # The network is read without the lock (a slow feed must not hold up `invoke reply`); what
    # was heard is written under it, less what another run wrote meanwhile.
    heard = asyncio.run(_listen(listening, store, settings, env, now or utc_now(), transport))
    with state.locked():
        fresh = ListenStore(state.root)
        seen = fresh.seen()
        heard.mentions = [m for m in heard.mentions if m.id not in seen]
        fresh.add(heard.mentions)
        fresh.save_sources(heard.sources)
    return heard


def run(
    settings_file: str | Path = DEFAULT_SETTINGS,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    now: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Listen for ``settings_file`` and print what was heard; the exit code.

    ``transport`` is the HTTP seam of the tests; by default httpx's own.
    """
    output = stdout or sys.stdout
    try:
        heard = listen_report(
            settings_file, os.environ if env is None else env, now=now, transport=transport
        )
    except AgoraError as error:
        emit(output, f"Listening did not run: {error}\n")
        return 2
    emit(output, render_text(heard))
    return 1 if heard.broken else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``invoke listen`` calls ``run`` directly)."""
    parser = argparse.ArgumentParser(prog="listen", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Pelican settings file")
    args = parser.parse_args(argv)
    setup_logging()
    return run(args.settings)


if __name__ == "__main__":
    sys.exit(main())
