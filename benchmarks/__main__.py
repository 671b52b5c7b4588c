"""Run every benchmark section, print its figures and compare them with the previous run.

The previous figures live in ``benchmarks/results/last.json`` (ignored by git), one entry per
mode (``full`` or ``quick``), and are rewritten at the end of every run.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import Figure, quick_mode

SECTIONS: tuple[str, ...] = (
    "calibration",
    "scoring",
    "review",
    "delivery",
    "load",
    "reports",
    "audit",
    "throttle",
)
"""Modules of ``benchmarks`` run in this order; each has ``run() -> list[Figure]``."""

RESULTS = Path(__file__).resolve().parent / "results" / "last.json"
NAME_WIDTH = 44


def _load_previous(mode: str) -> dict[str, float]:
    """Figures of the previous run in ``mode``, keyed ``section/name``; empty if none."""
    try:
        stored = json.loads(RESULTS.read_text(encoding="utf-8"))
        figures = stored[mode]["figures"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): float(v) for k, v in figures.items() if isinstance(v, int | float)}


def _save(mode: str, figures: dict[str, float]) -> None:
    """Replace the ``mode`` entry of ``last.json`` with this run's figures."""
    try:
        stored: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            stored = {}
    except (OSError, ValueError):
        stored = {}
    stored[mode] = {
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "figures": figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _format(value: float | None, digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "—" if value is None else str(value)
    return f"{value:,.{digits}f}"


def _print_figure(figure: Figure, previous: float | None) -> None:
    value = figure["value"]
    digits = figure.get("digits", 3)
    unit = figure.get("unit", "")
    note = figure.get("note", "")
    if value is None:
        print(f"  {figure['name']:<{NAME_WIDTH}} {'':>12} {'':<4} {note}")
        return
    shown = f"{_format(value, digits):>12} {unit:<4}"
    if previous is None:
        change = f"{'(new)':>12} {'':>8}"
    else:
        pct = (value - previous) / abs(previous) * 100.0 if previous != 0 else math.nan
        pct_text = "n/a" if not math.isfinite(pct) else f"{pct:+.1f}%"
        change = f"{_format(previous, digits):>12} {pct_text:>8}"
    print(f"  {figure['name']:<{NAME_WIDTH}} {shown} {change}  {note}".rstrip())


def main() -> int:
    """Run ``SECTIONS``; return 1 if a section raised, else 0."""
    mode = "quick" if quick_mode() else "full"
    previous = _load_previous(mode)
    print(
        f"SJT benchmarks — mode {mode}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(f"  previous run: {RESULTS if previous else 'none in this mode'}")
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"  load average at start (1, 5, 15 min): {load} — timings are noisy above ~0.5")
    header = f"  {'figure':<{NAME_WIDTH}} {'value':>12} {'unit':<4} {'previous':>12} {'change':>8}"
    current: dict[str, float] = {}
    failed = False
    for section in SECTIONS:
        print(f"\n[{section}]")
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{section}")
            figures: list[Figure] = module.run()
        except Exception:
            failed = True
            print(f"  section {section!r} FAILED (its previous figures are kept):")
            print("    " + traceback.format_exc().replace("\n", "\n    ").rstrip())
            current.update({k: v for k, v in previous.items() if k.startswith(f"{section}/")})
            continue
        print(header)
        for figure in figures:
            key = f"{section}/{figure['name']}"
            _print_figure(figure, previous.get(key))
            value = figure["value"]
            if value is not None and math.isfinite(value):
                current[key] = float(value)
        print(f"  ({section} section took {time.perf_counter() - started:.1f} s wall time)")
    _save(mode, current)
    print(f"\nfigures written to {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
