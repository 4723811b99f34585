"""The worker processes a build hands its slow, independent work to (cards, conversation sections).

Forked, not spawned: a worker starts in milliseconds with what the build already loaded (fonts,
compiled templates). One core is left to Pelican, and the workers run at a lower priority:
Pelican's own process is the build's critical path, and a worker that competes with it for a
core (cards and sections at once, on two cores) would slow every page it writes.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

NICENESS = 10  # how much lower than Pelican the workers run


def _yield_to_pelican() -> None:
    os.nice(NICENESS)


def fork_pool() -> ProcessPoolExecutor | None:
    """A pool of ``cpu_count - 1`` forked workers; None where forking is not possible or useful."""
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    return ProcessPoolExecutor(
        max_workers=max(1, (os.cpu_count() or 2) - 1),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_yield_to_pelican,
    )
