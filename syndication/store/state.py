"""The state store: one JSON file per post in the repository, written atomically.

Layout under the state folder (``content/state`` by default, setting ``AGORA_STATE_PATH``)::

    posts/{slug}.{lang}.json   one PostState per post: its copies and its conversation
    networks.json              per-network cursors (notification streams), small and diffable
    index.json                 what a backfeed run needs of every post (``index.py``): a cache,
                               rebuilt from the posts, not committed
    .lock                      taken by every command that writes, so two runs never interleave

Files are written to a temporary file in the same folder, flushed to disk and renamed over the old
one, so a crash leaves either the old file or the new one, never half of either. Keys are written in
a stable order and the JSON is indented, so a change shows as a small diff a person can review.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from syndication.errors import StateError
from syndication.model import PostState

DEFAULT_STATE_PATH = Path("content/state")
LOCK_TIMEOUT_SECONDS = 600.0
SAVE_WORKERS = 16  # files flushed side by side by save_all


def write_json_atomically(path: Path, data: Any) -> None:
    """Write ``data`` as stable, indented JSON to ``path`` through a rename (all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    """Read a JSON state file; a corrupt one is a StateError naming the file, never a crash."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise StateError(
            f"{path}: the state file is not valid JSON (line {error.lineno}); "
            f"restore it from git (`git checkout -- {path}`) and run the command again."
        ) from error


class StateStore:
    """Reads and writes the state of posts and networks under one folder."""

    def __init__(self, root: Path = DEFAULT_STATE_PATH) -> None:
        self.root = root

    @property
    def posts_dir(self) -> Path:
        """The folder of per-post state files."""
        return self.root / "posts"

    def path_for(self, key: str) -> Path:
        """The state file of the post ``key`` (``{slug}.{lang}``)."""
        if not key or "/" in key or key.startswith("."):
            raise StateError(f"{key!r} is not a valid post key; expected '{{slug}}.{{lang}}'.")
        return self.posts_dir / f"{key}.json"

    def load(self, key: str) -> PostState:
        """The state of ``key``, or an empty one if the post has none yet."""
        path = self.path_for(key)
        if not path.exists():
            return PostState(key=key)
        try:
            return PostState.from_dict(read_json(path))
        except (KeyError, TypeError, ValueError) as error:
            raise StateError(
                f"{path}: the state file has an unexpected shape ({error}); "
                "restore it from git and run the command again."
            ) from error

    def save(self, state: PostState) -> None:
        """Write ``state`` atomically."""
        write_json_atomically(self.path_for(state.key), state.to_dict())

    def save_all(self, states: Sequence[PostState]) -> None:
        """Write each of ``states`` atomically, several at once.

        Each file is written as ``save`` writes it (flushed to disk, then renamed); a backfeed
        saves hundreds an hour, and the flushes, made side by side, share the filesystem's
        journal commits instead of waiting for one each (``fsync`` lets other threads run).
        """
        if len(states) <= 1:
            for state in states:
                self.save(state)
            return
        with ThreadPoolExecutor(max_workers=SAVE_WORKERS) as pool:
            list(pool.map(self.save, states))  # list(): the first error is raised here

    def keys(self) -> list[str]:
        """Every post key that has a state file, sorted."""
        if not self.posts_dir.is_dir():
            return []
        return sorted(p.name.removesuffix(".json") for p in self.posts_dir.glob("*.json"))

    def all(self) -> Iterator[PostState]:
        """Every recorded post state, in key order."""
        for key in self.keys():
            yield self.load(key)

    def load_cursors(self) -> dict[str, dict[str, str]]:
        """Per-network cursors (e.g. the last notification seen)."""
        path = self.root / "networks.json"
        if not path.exists():
            return {}
        data = read_json(path)
        if not isinstance(data, dict):
            raise StateError(f"{path}: expected an object of network cursors.")
        return {str(name): dict(value) for name, value in data.items()}

    def save_cursors(self, cursors: dict[str, dict[str, str]]) -> None:
        """Write the per-network cursors atomically, sorted."""
        ordered = {name: dict(sorted(cursors[name].items())) for name in sorted(cursors)}
        write_json_atomically(self.root / "networks.json", ordered)

    @contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
        """Hold the store's lock: commands that write take it so two runs never interleave."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".lock"))
        try:
            with lock.acquire(timeout=timeout):
                yield
        except Timeout as error:
            raise StateError(
                f"another Agora command has held {self.root / '.lock'} for {timeout:.0f} s; "
                "wait for it to finish (or remove the file if no command is running)."
            ) from error
