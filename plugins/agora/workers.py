"""The worker processes a build hands its slow, independent work to (cards, images, sections).

Forked, not spawned: a worker starts in milliseconds with what the build already loaded (fonts,
compiled templates). One core is left to Pelican. The sections' worker runs at a lower priority:
Pelican's own process is the build's critical path, and with cards and sections drawn at once on
two cores, a section worker at Pelican's priority would slow every page it writes.

The drawing workers (cards, images) are one pool for the process, shared by the card and image
queues, and run at Pelican's own priority. Their work is the build's own, and no page waits for
it: niced, they got almost no core wherever another process was busy (another job of the CI
runner, a second build), and the build's process then drew everything itself once its pages
were written. At normal priority they take their fair share of the machine
from that other process instead (`bench/build.py --busy-core`, 1,000 posts, cold: 1.71 times plain
Pelican niced, 1.37 not). When the build has written its pages and still waits for drawings,
Pelican's process draws the ones no worker has started (``DrawingQueue.wait``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
NICENESS = 10  # how much lower than Pelican the sections' worker runs
DRAWING_NICENESS = 0  # the drawing workers run at Pelican's priority (see above)


def _start_worker(niceness: int) -> None:
    """A forked worker's first step: its priority (``niceness`` below Pelican's), and the
    build's objects out of its GC.

    What the worker inherits from Pelican's process is shared with it until either writes a page
    of memory; a collection writes into every object it visits, so the worker would soon hold its
    own copy of the whole build. Frozen (``gc.freeze``, made for this), they are never visited:
    https://docs.python.org/3/library/gc.html#gc.freeze
    """
    gc.freeze()
    if niceness:
        os.nice(niceness)


def fork_pool(niceness: int = NICENESS) -> ProcessPoolExecutor | None:
    """A pool of ``cpu_count - 1`` forked workers running ``niceness`` below this process; None
    where forking is not possible or useful."""
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    return ProcessPoolExecutor(
        max_workers=max(1, (os.cpu_count() or 2) - 1),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(niceness,),
    )


@dataclass(frozen=True)
class Drawn:
    """How many files one build drew, and how many of those worker processes drew."""

    drawn: int
    handed_off: int
    taken_back: int = 0  # of those handed off, drawn by the build's process (no worker began)


class _SharedPool:
    """The drawing workers, one pool for every ``DrawingQueue`` of the process (cards and
    images): two pools would fork two sets of ``cpu_count - 1`` workers, and leave Pelican no
    core of its own while both draw. Started on first need, shut down when no queue uses it."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.users = 0

    def acquire(self) -> ProcessPoolExecutor | None:
        """The pool, started if needed; None where processes cannot be forked."""
        if self.pool is None:
            # What the build loaded (fonts) comes with the fork.
            self.pool = fork_pool(DRAWING_NICENESS)
        if self.pool is not None:
            self.users += 1
        return self.pool

    def release(self) -> None:
        """One queue is done with the pool; the last one shuts it down."""
        self.users -= 1
        if self.users <= 0 and self.pool is not None:
            pool, self.pool, self.users = self.pool, None, 0
            pool.shutdown(wait=True, cancel_futures=True)


_DRAWING_POOL = _SharedPool()


class DrawingQueue:
    """Files drawn by a build (social cards, resized images): the first ``inline_limit`` in
    place, since starting workers would cost more than it saves, the rest by a forked pool while
    Pelican goes on writing pages; ``wait`` returns once every one of them is on disk.

    Each file is named by a key (its cached path); a key asked twice is drawn once.
    """

    def __init__(self, inline_limit: int) -> None:
        self.inline_limit = inline_limit
        self.drawn = 0  # drawn since the last ``wait`` (a rebuild of unchanged posts: none)
        self.handed_off = 0  # of those, drawn by worker processes
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[Path, Future[None]] = {}
        self._jobs: dict[Path, tuple[Callable[[object], None], object]] = {}
        self._inline = 0

    def queued(self, key: Path) -> bool:
        """Whether ``key`` is being drawn by a worker."""
        return key in self._pending

    def draw(self, key: Path, drawing: Callable[[T], None], what: T) -> None:
        """``drawing(what)`` now, or by a worker past the first ``inline_limit``."""
        pool = self._workers() if self._inline >= self.inline_limit else None
        self.drawn += 1
        if pool is None:
            self._inline += 1
            drawing(what)
            return
        self._pending[key] = pool.submit(drawing, what)
        self._jobs[key] = (drawing, what)  # type: ignore[assignment]  # T is the job's own
        self.handed_off += 1

    def wait(self) -> Drawn:
        """Block until every file asked is drawn; what was drawn since the last wait.

        A drawing that failed raises here. The counters start again at zero for the next build.
        """
        pending, self._pending = self._pending, {}
        jobs, self._jobs = self._jobs, {}
        pool, self._pool = self._pool, None
        drawn, handed_off = self.drawn, self.handed_off
        self._inline = self.drawn = self.handed_off = 0
        taken_back = 0
        try:
            # The workers take the queue from its start: this process takes it from its end,
            # drawing in place each one no worker has begun (a cancelled future never runs).
            for key in reversed(list(pending)):
                if pending[key].cancel():
                    drawing, what = jobs[key]
                    drawing(what)
                    taken_back += 1
            for future in pending.values():
                if not future.cancelled():
                    future.result()
        finally:
            if pool is not None:
                _DRAWING_POOL.release()
        return Drawn(drawn, handed_off, taken_back)

    def _workers(self) -> ProcessPoolExecutor | None:
        """The drawing pool, shared with the other queues; None where processes cannot be
        forked."""
        if self._pool is None:
            self._pool = _DRAWING_POOL.acquire()
        return self._pool
