"""Pelican's content cache kept in the preview's memory, not pickled to disk at every rebuild.

Pelican's content cache (``CACHE_CONTENT``, https://docs.getpelican.com/en/latest/settings.html
#reading-only-modified-content) saves what its readers made of every post to a file at the end
of each build and reads it back at the start of the next: at 4,000 posts, 1.4 s of unpickling
and 0.6 s of pickling per preview rebuild, more than a fifth of it. A preview process never
reads that file from another process (its first build reads every post, so a cache left by an
older settings file cannot lie), so while ``kept_in_memory`` is active the cache Pelican would
load is the one the previous build of this process saved, the same objects, and saving it
writes nothing. Pelican still checks each file's stamp against it, so an edited post is read
again.

What the readers gave is shared between builds: the plugin replaces a post's attributes and
never changes the metadata's values in place, which a pickled copy would have hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Pelican's cache file (its path) -> the cache that build saved.
_KEPT: dict[str, dict[Any, Any]] = {}


@contextmanager
def kept_in_memory() -> Iterator[None]:
    """While active, Pelican's content caches are loaded from and saved to this process."""
    from pelican.cache import FileDataCacher

    original_init = FileDataCacher.__init__
    original_save = FileDataCacher.save_cache

    def load(self: Any, settings: Any, cache_name: str, caching: bool, load_policy: bool) -> None:
        original_init(self, settings, cache_name, caching, False)  # the disk is never read
        if load_policy:
            self._cache = _KEPT.get(self._cache_path, {})

    def save(self: Any) -> None:
        if self._cache_data_policy:
            _KEPT[self._cache_path] = self._cache

    FileDataCacher.__init__ = load
    FileDataCacher.save_cache = save
    try:
        yield
    finally:
        FileDataCacher.__init__ = original_init
        FileDataCacher.save_cache = original_save


def forget() -> None:
    """Drop every kept cache (a settings change: every post is read again)."""
    _KEPT.clear()
