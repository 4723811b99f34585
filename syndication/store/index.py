"""The state index: what a backfeed run needs to know of every post, without reading every post.

A backfeed run must route each notification to its post (by the network's id of the copy, or of
an interaction under it) and know which copies are due for a refresh; with 100,000 copies,
reading every state file for that costs seconds and gigabytes per run (issue 20). The index
keeps, per post file, its published copies (network, id, publication and last refresh times)
and the ids of the interactions under them, in ``index.json`` beside the state::

    {"version": 1, "written_ns": 1764547200000000000, "posts": {
    "billet.fr": {"file": [mtime_ns, size, "blake2b of the bytes"],
                  "copies": {"mastodon": ["110", published, refreshed, ["111", "112"]]}},
    ...}}

(written one post a line; times in seconds since the epoch, ``null`` when never refreshed)

one post a line, so it stays plain and readable; it holds nothing a state file does not hold
(no secret). It is **never the source of truth**: each run checks it against the post files
(``os.scandir``, one ``stat`` each), and reads again a file whose size or modification time
differ, or whose content hash differs when only the time moved (a fresh ``git clone`` gives
every file a new time but the same bytes: the index kept by CI's cache stays good). A file
written in the same instant as the index is checked by content too, since a change within the
clock's resolution would keep the time (git's "racily clean" entries). A missing, unreadable or
older-version index is rebuilt from the post files, which costs one full read.

Only the standard library: ``hashlib.blake2b`` is quick and keyed by nothing secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syndication.model import CopyStatus, PostState
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

VERSION = 1
INDEX_NAME = "index.json"
# A file modified less than this before the index was written may have changed again within
# the filesystem's time resolution (a tick of a few milliseconds; FAT keeps 2 s): check its bytes.
RACY_NS = 2_000_000_000

# One published copy as the index keeps it: id, published and last refresh (epoch seconds;
# refresh None when never), ids of the interactions under it on that network.
Entry = list[Any]


@dataclass(frozen=True)
class IndexedCopy:
    """A published copy, as a backfeed run sees it before reading its post."""

    key: str  # the post
    network: str
    id: str
    published: datetime
    refreshed: datetime | None


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def entries_of(state: PostState) -> dict[str, Entry]:
    """The index's record of ``state``: its published copies, by network."""
    copies: dict[str, Entry] = {}
    for network, copy in sorted(state.copies.items()):
        if copy.status is not CopyStatus.PUBLISHED or not copy.id:
            continue
        refreshed = state.refreshed_at.get(network)
        items = sorted(item.id for item in state.interactions.values() if item.network == network)
        copies[network] = [
            copy.id,
            _epoch(copy.published_at or copy.intent_at),
            None if refreshed is None else _epoch(refreshed),
            items,
        ]
    return copies


class StateIndex:
    """The index of a ``StateStore``: load it with ``StateIndex.load``, inside the store's lock."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.posts: dict[str, dict[str, Any]] = {}  # key -> {"file": [...], "copies": {...}}
        self.changed = False
        self.read = 0  # post files parsed to bring the index up to date (for tests and benches)

    @property
    def path(self) -> Path:
        """The index file, beside the post files' folder."""
        return self.store.root / INDEX_NAME

    @classmethod
    def load(cls, store: StateStore) -> StateIndex:
        """The index of ``store``, brought up to date with its post files."""
        index = cls(store)
        written_ns = index._read()
        index._check(written_ns)
        return index

    def _read(self) -> int:
        """Load the index file; its write time, or 0 when there is none to trust."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as error:
            logger.info("%s cannot be read (%s); it is rebuilt from the posts", self.path, error)
            return 0
        if not isinstance(data, dict) or data.get("version") != VERSION:
            logger.info("%s is of another version; it is rebuilt from the post files", self.path)
            return 0
        posts = data.get("posts")
        if not isinstance(posts, dict):
            return 0
        self.posts = posts
        return int(data.get("written_ns", 0))

    def _check(self, written_ns: int) -> None:
        """Read again every post file the index does not describe as it is now."""
        folder = self.store.posts_dir
        seen: set[str] = set()
        if folder.is_dir():
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".json") or name.startswith("."):
                        continue
                    key = name[: -len(".json")]
                    seen.add(key)
                    info = entry.stat()
                    self._check_one(key, Path(entry.path), info, written_ns)
        for key in [key for key in self.posts if key not in seen]:
            del self.posts[key]  # its file was removed
            self.changed = True

    def _check_one(self, key: str, path: Path, info: os.stat_result, written_ns: int) -> None:
        known = self.posts.get(key)
        stamp = known.get("file") if isinstance(known, dict) else None
        if isinstance(stamp, list) and len(stamp) == 3 and stamp[1] == info.st_size:
            racy = info.st_mtime_ns >= written_ns - RACY_NS
            if stamp[0] == info.st_mtime_ns and not racy:
                return
            data = path.read_bytes()
            if _digest(data) == stamp[2]:
                if stamp[0] != info.st_mtime_ns:
                    stamp[0] = info.st_mtime_ns  # same bytes, a new time (a fresh checkout)
                    self.changed = True
                return
        self.record(self.store.load(key))
        self.read += 1

    def record(self, state: PostState) -> None:
        """Describe ``state`` as its file now holds it (call after ``StateStore.save``)."""
        path = self.store.path_for(state.key)
        data = path.read_bytes()
        info = path.stat()
        self.posts[state.key] = {
            "file": [info.st_mtime_ns, info.st_size, _digest(data)],
            "copies": entries_of(state),
        }
        self.changed = True

    def copies(self, network: str) -> Iterator[IndexedCopy]:
        """Every published copy on ``network``, in post key order."""
        for key in sorted(self.posts):
            entry = self.posts[key]["copies"].get(network)
            if entry is not None:
                copy_id, published, refreshed, _ = entry
                yield IndexedCopy(
                    key,
                    network,
                    copy_id,
                    _moment(published),
                    None if refreshed is None else _moment(refreshed),
                )

    def owners(self, network: str) -> dict[str, str]:
        """Every id on ``network`` we know (published copies and their interactions) -> post."""
        owners: dict[str, str] = {}
        for key, post in self.posts.items():
            entry = post["copies"].get(network)
            if entry is not None:
                owners[entry[0]] = key
                for item_id in entry[3]:
                    owners[item_id] = key
        return owners

    def save(self) -> None:
        """Write the index atomically, one post a line, when it changed."""
        if not self.changed:
            return
        written_ns = time.time_ns()
        lines = [
            f"{json.dumps(key, ensure_ascii=False)}: "
            f"{json.dumps(self.posts[key], ensure_ascii=False, separators=(',', ':'))}"
            for key in sorted(self.posts)
        ]
        head = f'{{"version": {VERSION}, "written_ns": {written_ns}, "posts": {{\n'
        text = head + ",\n".join(lines) + "\n}}\n"
        self.store.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{INDEX_NAME}.", suffix=".tmp", dir=self.store.root
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.changed = False
