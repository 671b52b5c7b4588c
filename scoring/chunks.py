"""Work on many candidates in blocks of rows, on several threads.

Batch scoring handles candidates independently, so blocks of rows can run side by side: the
heavy numpy operations release the GIL, and each block writes only its own rows of the
caller's output arrays, so the result does not depend on the number of threads or the order
in which blocks finish. BLAS is held to one thread per worker meanwhile (``threadpoolctl``),
so workers do not compete with BLAS threads for the same cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from scoring.data import IntArray

MAX_WORKERS = 4
"""At most this many threads, however many cores the process may use."""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def for_each_block(
    work: Callable[[IntArray], None], n_rows: int, block: int, workers: int | None = None
) -> None:
    """Call ``work(rows)`` for consecutive blocks of at most ``block`` rows of ``n_rows``.

    ``workers`` threads (default: the usable cores, at most :data:`MAX_WORKERS`); one worker
    runs the blocks in order on the calling thread. An exception in any block is raised here.
    """
    blocks = [np.arange(start, min(start + block, n_rows)) for start in range(0, n_rows, block)]
    workers = min(workers or min(usable_cores(), MAX_WORKERS), len(blocks))
    if workers <= 1:
        for rows in blocks:
            work(rows)
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work, rows) for rows in blocks]:
            future.result()
