"""Work on many rows (candidates, response patterns) in blocks, on several threads.

Batch scoring and the E-step of calibration handle rows independently, so blocks of rows can
run side by side: the heavy numpy operations (matrix products, element-wise passes over large
arrays) release the GIL. Each block's result is returned or written in block order, so results
do not depend on the number of threads or on the order in which blocks finish.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")

MAX_WORKERS = 4
"""At most this many threads, however many cores the process may use."""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """Threads to use when the caller does not say: the usable cores, at most MAX_WORKERS."""
    return max(1, min(usable_cores(), MAX_WORKERS))


def row_blocks(n_rows: int, size: int) -> list[slice]:
    """Consecutive slices of at most ``size`` rows covering ``range(n_rows)``."""
    return [slice(start, min(start + size, n_rows)) for start in range(0, n_rows, size)]


def map_blocks(
    work: Callable[[slice], Result], blocks: list[slice], workers: int | None = None
) -> list[Result]:
    """``[work(block) for block in blocks]`` on up to ``workers`` threads (default
    :func:`default_workers`), in block order; an exception in any block is raised here."""
    workers = min(workers or default_workers(), len(blocks))
    if workers <= 1:
        return [work(block) for block in blocks]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, blocks))
