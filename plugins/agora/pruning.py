"""The drawing caches (social cards, resized images) do not grow for ever.

Both caches are named by what they hold: a retitled post, a recropped photo or a new renderer
version leaves the old files behind, and CI keeps the folders between runs (``actions/cache`` in
the workflows), so without pruning they would grow with every change, for as long as the blog
lives, and every run would restore and save them whole.

A build marks each cached file or folder it uses by giving it the current time as its
modification time (``actions/cache`` archives with ``tar``, which keeps it), and a full build then
deletes what is older than ``AGORA_CACHE_KEEP_DAYS`` days (default 30). By age, not by "what this
build did not use": the writer's preview, the production build and a pull request's build share
the caches with other settings, and one must not delete what another is about to use.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from syndication.errors import ConfigError
from syndication.site.preview import is_partial

logger = logging.getLogger("agora")

DEFAULT_KEEP_DAYS = 30
DAY = 24 * 3600


def keep_days(settings: Mapping[str, Any]) -> float:
    """``AGORA_CACHE_KEEP_DAYS``, checked: a positive number of days."""
    value = settings.get("AGORA_CACHE_KEEP_DAYS", DEFAULT_KEEP_DAYS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(
            f"AGORA_CACHE_KEEP_DAYS is {value!r}; it must be a number of days above 0, like 30"
        )
    return float(value)


def mark_used(paths: Iterable[Path], now: float | None = None) -> None:
    """Give each of ``paths`` (files or folders of a cache) ``now`` as its modification time."""
    moment = time.time() if now is None else now
    for path in paths:
        try:
            os.utime(path, (moment, moment))
        except FileNotFoundError:
            continue  # not drawn (a failed drawing raised already): nothing to keep


def prune(root: Path, days: float, now: float | None = None) -> int:
    """Delete what lies directly in ``root`` and was last used more than ``days`` ago; how many.

    A folder (one image's variants) goes whole. Half-written files a crash left (``.card-*``)
    are old too, and go the same way.
    """
    limit = (time.time() if now is None else now) - days * DAY
    removed = 0
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= limit:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            continue  # another build removed it first
        removed += 1
    if removed:
        logger.info(
            "agora: %d cached drawings unused for %g days removed from %s", removed, days, root
        )
    return removed


def after_build(used: Iterable[Path], roots: Iterable[Path], settings: Mapping[str, Any]) -> None:
    """Mark what a build used (``used``), then, after a whole build, prune each cache of ``roots``.

    A preview's rebuild of a few posts uses a few drawings only: what the other posts use must
    not look unused to it, so it prunes nothing (``is_partial``).
    """
    mark_used(used)
    if is_partial(settings):
        return
    days = keep_days(settings)
    for root in roots:
        prune(root, days)
