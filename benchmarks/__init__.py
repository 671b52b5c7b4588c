"""Performance benchmarks of the SJT service, run by ``make bench`` (``python -m benchmarks``).

Each section is a module of this package with a ``run() -> list[Figure]`` function; the
sections run in the order of ``SECTIONS`` in ``benchmarks.__main__``, which prints every figure
next to the value of the previous run (kept in ``benchmarks/results/last.json``, not in git).

Set ``SJT_BENCH_QUICK=1`` for a small, fast configuration during development; quick and full
runs are compared only with earlier runs of the same mode.
"""

from __future__ import annotations

import os
from typing import TypedDict


class _FigureRequired(TypedDict):
    name: str
    value: float | None


class Figure(_FigureRequired, total=False):
    """One reported figure.

    ``name`` is unique within its section and keys the comparison with the previous run;
    ``value`` is ``None`` for an informational line (then ``note`` says why). ``unit`` is
    printed after the value, ``digits`` sets its decimals (default 3) and ``note`` is printed
    in the last column.
    """

    unit: str
    digits: int
    note: str


def quick_mode() -> bool:
    """Whether ``SJT_BENCH_QUICK`` asks for the small development configuration."""
    return os.environ.get("SJT_BENCH_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


__all__ = ["Figure", "quick_mode"]
