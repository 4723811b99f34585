"""What to listen to: ``content/listening.toml``, read with the standard library's ``tomllib``.

The file is reviewed like the moderation file, so a wrong entry must be caught before any request:
an unknown key, a feed that is not an http(s) URL, a term that is empty or a search on a network
Agora cannot search fails with one sentence naming the file and the line. ``tomllib`` gives line
numbers for syntax errors only (https://docs.python.org/3/library/tomllib.html), so the line of a
wrong value is found again in the text, from the table it sits in (``_Lines``).

Layout (the sample site's file shows one of each, commented)::

    [terms]
    us = ["Vélos Boréal", "velosboreal.example"]   # company, products, the site's domain
    competitors = ["Cycles Nordet"]
    industry = ["vélo cargo"]

    [[feeds]]
    label = "Google Actualités : Vélos Boréal"
    url = "https://news.google.com/rss/search?q=%22V%C3%A9los+Bor%C3%A9al%22"

    [searches]
    bluesky = ["Vélos Boréal", "velosboreal.example"]
    mastodon = ["Vélos Boréal"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from syndication.errors import ConfigError
from syndication.networks import registry

DEFAULT_FILE = "listening.toml"  # in the content folder, unless AGORA_LISTENING_FILE says
KINDS: tuple[str, ...] = ("us", "competitors", "industry")  # in the order a mention is classed
# The networks with a post search Agora reads, as their declarations say.
SEARCHABLE: tuple[str, ...] = tuple(n.name for n in registry.NETWORKS if n.searchable)
TOP_KEYS = frozenset({"terms", "feeds", "searches"})
FEED_KEYS = frozenset({"label", "url"})


@dataclass(frozen=True)
class Feed:
    """One RSS or Atom feed to read, with the label people know it by."""

    label: str
    url: str


@dataclass(frozen=True)
class Listening:
    """The reviewed listening file, checked."""

    terms: dict[str, tuple[str, ...]]  # kind (KINDS) -> terms
    feeds: tuple[Feed, ...]
    searches: dict[str, tuple[str, ...]]  # network -> queries

    @property
    def empty(self) -> bool:
        """Whether there is nothing to listen to."""
        return not self.feeds and not any(self.searches.values())


class _Lines:
    """Find the line of a table, or of a key in it, in the file's text (1-based)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, name: str, occurrence: int = 0) -> int:
        """The line of ``[name]`` (or the ``occurrence``-th ``[[name]]``); 0 when not found."""
        pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?\s*(#.*)?$")
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                seen += 1
                if seen == occurrence:
                    return number
        return 0

    def key(self, key: str, table: str = "", occurrence: int = 0) -> int:
        """The line of ``key = ...`` in ``table`` (the file's top when ""); else the table's."""
        start = self.table(table, occurrence) if table else 0
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start + 1 and re.match(r"^\s*\[", line):
                break
            if pattern.match(line):
                return number
        return start


def _fail(path: Path, line: int, sentence: str) -> ConfigError:
    where = f"{path}, line {line}" if line else str(path)
    return ConfigError(f"{where}: {sentence}")


def _strings(path: Path, lines: _Lines, value: Any, what: str, line: int) -> tuple[str, ...]:
    """A list of non-empty strings, stripped, in the order written, without repeats."""
    if not isinstance(value, list):
        raise _fail(path, line, f'{what} must be a list of words in quotes, like ["Vélos Boréal"].')
    found: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _fail(path, line, f"{what} holds {item!r}, which is not a word in quotes.")
        if item.strip() not in found:
            found.append(item.strip())
    return tuple(found)


def _check_url(path: Path, line: int, label: str, url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(
            path, line, f"the feed {label!r} has {url!r} as its url, which is not an http(s) URL."
        )
    return url.strip()


def _terms(path: Path, lines: _Lines, table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise _fail(path, lines.key("terms"), "terms must be a table: [terms] then us = [...].")
    unknown = sorted(set(table) - set(KINDS))
    if unknown:
        raise _fail(
            path,
            lines.key(unknown[0], "terms"),
            f"{unknown[0]!r} is not a kind of term; use {', '.join(KINDS)}.",
        )
    return {
        kind: _strings(path, lines, table.get(kind, []), f"terms.{kind}", lines.key(kind, "terms"))
        for kind in KINDS
    }


def _feeds(path: Path, lines: _Lines, entries: Any) -> tuple[Feed, ...]:
    if not isinstance(entries, list):
        raise _fail(path, lines.key("feeds"), "feeds must be tables: [[feeds]] then label and url.")
    feeds: list[Feed] = []
    for index, entry in enumerate(entries):
        header = lines.table("feeds", index)
        if not isinstance(entry, dict):
            raise _fail(path, header, "each feed must be a [[feeds]] table with label and url.")
        unknown = sorted(set(entry) - FEED_KEYS)
        if unknown:
            raise _fail(
                path,
                lines.key(unknown[0], "feeds", index),
                f"{unknown[0]!r} is not a key of a feed; a feed has label and url.",
            )
        label, url = entry.get("label"), entry.get("url")
        if not isinstance(label, str) or not label.strip():
            raise _fail(
                path, lines.key("label", "feeds", index), "this feed needs a label in quotes."
            )
        if not isinstance(url, str):
            raise _fail(
                path, lines.key("url", "feeds", index), f"the feed {label!r} needs a url in quotes."
            )
        line = lines.key("url", "feeds", index)
        feed = Feed(label.strip(), _check_url(path, line, label.strip(), url))
        if any(known.url == feed.url for known in feeds):
            raise _fail(path, line, f"the feed {feed.url} is listed twice; keep one.")
        feeds.append(feed)
    return tuple(feeds)


def _searches(path: Path, lines: _Lines, table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise _fail(
            path,
            lines.key("searches"),
            "searches must be a table: [searches] then bluesky = [...].",
        )
    unknown = sorted(set(table) - set(SEARCHABLE))
    if unknown:
        raise _fail(
            path,
            lines.key(unknown[0], "searches"),
            f"Agora cannot search {unknown[0]!r}; searches can be {', '.join(SEARCHABLE)}.",
        )
    return {
        name: _strings(path, lines, table[name], f"searches.{name}", lines.key(name, "searches"))
        for name in SEARCHABLE
        if name in table
    }


def parse(text: str, path: Path) -> Listening:
    """The listening file's ``text`` checked; ConfigError (one sentence, with the line) if wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # its message already says the line and column
        raise ConfigError(f"{path}: this is not valid TOML ({error}).") from error
    lines = _Lines(text)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise _fail(
            path,
            lines.table(unknown[0]) or lines.key(unknown[0]),
            f"{unknown[0]!r} is not a section of the listening file; "
            f"use {', '.join(sorted(TOP_KEYS))}.",
        )
    listening = Listening(
        terms=_terms(path, lines, data.get("terms", {})),
        feeds=_feeds(path, lines, data.get("feeds", [])),
        searches=_searches(path, lines, data.get("searches", {})),
    )
    if not listening.empty and not any(listening.terms.values()):
        raise _fail(
            path,
            lines.table("terms"),
            "there are feeds or searches but no terms to look for; add terms.us at least.",
        )
    return listening


def load(path: Path) -> Listening:
    """The listening file at ``path``; an empty one (nothing to listen to) when there is none."""
    if not path.exists():
        return Listening(terms={kind: () for kind in KINDS}, feeds=(), searches={})
    return parse(path.read_text(encoding="utf-8"), path)
