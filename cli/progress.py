"""Calibration progress on stderr: a line per dimension started and finished, and running
lines at most once per ``interval`` seconds in between (never one per EM step)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from scoring.diagnostics import EMStep


class ProgressPrinter:
    """Callable for ``MMLCalibrator.fit(progress=...)`` that writes to ``stream``."""

    def __init__(self, stream: TextIO | None = None, interval: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.last = -float("inf")
        self.dimension = ""
        self.started = time.perf_counter()

    def __call__(self, step: EMStep) -> None:
        now = time.perf_counter()
        where = f"[{step.dimension_index + 1}/{step.n_dimensions}] {step.dimension}"
        if step.finished:
            outcome = "converged" if step.converged else "NOT converged"
            self.write(
                f"{where}: {outcome} after {step.iteration} iterations, "
                f"log-likelihood {step.loglik:,.2f} ({now - self.started:.1f} s)"
            )
            self.last = now
            return
        if step.dimension != self.dimension:
            self.dimension = step.dimension
            self.write(f"{where}: calibrating …")
            self.last = now
        elif now - self.last >= self.interval:
            self.write(
                f"{where}: iteration {step.iteration}/{step.max_iter}, log-likelihood "
                f"{step.loglik:,.2f}, largest change {step.max_change:.2g}"
            )
            self.last = now

    def write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


__all__ = ["ProgressPrinter"]
