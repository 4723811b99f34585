"""Read the state files and the moderation file once, and again only when they change.

Under ``pelican --autoreload`` and with i18n sub-sites the same process builds many times; each
file is parsed again only when its modification time or size changes. The cache belongs to one
``StateReader`` (held by the plugin instance), never to the module. Sections rendered in a worker
(``sections``, a site of more than a few posts) read their states there, once per build, and
keep none of them: a cache there would end with the worker, after holding every post's state
(the peak of a build with 100,000 stored interactions, issue 20).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from syndication.model import Interaction, PostState
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

T = TypeVar("T")
Stamp = tuple[int, int]  # (mtime_ns, size)


def _stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_mtime_ns, info.st_size)


class _FileCache:
    """Values parsed from files, kept while the file's stamp is unchanged."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[Stamp | None, object]] = {}
        self.parsed = 0  # how many times a file was actually read (for tests and logs)

    def get(self, path: Path, parse: Callable[[], T]) -> T:
        stamp = _stamp(path)
        entry = self._entries.get(path)
        if entry is not None and entry[0] == stamp:
            return entry[1]  # type: ignore[return-value]
        value = parse()
        self.parsed += 1
        self._entries[path] = (stamp, value)
        return value


def moderation_filter(path: Path) -> Callable[[list[Interaction]], list[Interaction]]:
    """The build-time moderation hook: ``syndication.backfeed.moderation`` applied to a list.

    The module is the one backfeed uses, so the same file hides the same items at both ends.
    """
    from syndication.backfeed.moderation import Moderation

    return Moderation.load(path).filter


class StateReader:
    """Post states and the moderation hook, cached by file stamp."""

    def __init__(self) -> None:
        self._states = _FileCache()
        self._moderation = _FileCache()

    @property
    def parsed(self) -> int:
        """How many state and moderation files were read from disk so far."""
        return self._states.parsed + self._moderation.parsed

    def post_state(self, root: Path, key: str) -> PostState:
        """The state of post ``key`` under ``root`` (an empty one when it has no file yet)."""
        store = StateStore(root)
        return self._states.get(store.path_for(key), lambda: store.load(key))

    def moderation(self, path: Path) -> Callable[[list[Interaction]], list[Interaction]]:
        """The moderation hook for the file at ``path`` (a missing file hides nothing)."""
        return self._moderation.get(path, lambda: moderation_filter(path))
