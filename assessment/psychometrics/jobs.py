"""Background calibration jobs, so a long EM run never freezes the page or other users."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from items.scoring_map import joined_for_calibration
from scoring import CalibrationResult, MMLCalibrator, ResponseMatrix
from scoring.data import MISSING
from scoring.diagnostics import EMStep

LOGGER = logging.getLogger(__name__)
UNEXPECTED_FAILURE = "an unexpected error stopped the calibration (details are in the server log)"
"""What a user is told when a calibration fails for a reason other than its data."""


@dataclass
class CalibrationJob:
    """One calibration running in a thread; the page polls ``progress``.

    Mutable on purpose: the worker thread writes progress under ``lock`` and the page reads a
    snapshot with ``status()``.
    """

    job_id: str
    model: str
    n_candidates: int
    max_iter: int
    tol: float = 1e-4
    owner: str = ""
    """Username of the staff member who started the job; only they see it (``JobRegistry``)."""
    started_at: float = field(default_factory=time.time)
    dimension: str = ""
    iteration: int = 0
    loglik: float | None = None
    fraction: float = 0.0
    first_change: float | None = None
    finished: bool = False
    result: CalibrationResult | None = None
    data: ResponseMatrix | None = None
    """The responses as calibrated (most_least parts joined), once the worker has them."""
    constant: tuple[str, ...] = ()
    """Items left out because every answer to them was the same (nothing to estimate from;
    like items below the minimum number of answers they keep their current parameters)."""
    error: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, step: EMStep) -> None:
        with self.lock:
            self.dimension, self.iteration, self.loglik = (
                step.dimension, step.iteration, step.loglik,
            )  # fmt: skip
            if step.iteration <= 1 or self.first_change is None:
                self.first_change = step.max_change if math.isfinite(step.max_change) else None
            self.fraction = max(self.fraction, self._fraction(step))

    def _fraction(self, step: EMStep) -> float:
        """Share of the whole calibration done after ``step`` (see ``progress_fraction``)."""
        return progress_fraction(step, self.first_change, self.tol)

    def describe(self) -> str:
        """One line naming the job in a list of jobs: data, model and start time (UTC). It
        never changes while the job runs (a list choice keeps its entry); ``status`` says
        whether the job is running, finished or failed."""
        started = dt.datetime.fromtimestamp(self.started_at, dt.UTC).strftime("%Y-%m-%d %H:%M")
        label = str(self.context.get("label", "calibration"))
        return f"{label} · {self.model.upper()} · started {started} UTC"

    def status(self) -> dict[str, Any]:
        with self.lock:
            return {
                "dimension": self.dimension,
                "iteration": self.iteration,
                "loglik": self.loglik,
                "fraction": 1.0 if self.finished else min(self.fraction, 0.99),
                "finished": self.finished,
                "error": self.error,
                "seconds": time.time() - self.started_at,
            }


JOB_WORKERS = 1
"""E-step threads of a calibration started from the workbench (see ``MMLCalibrator``)."""
EM_SHARE = 0.8
"""Share of a dimension's time counted for its EM iterations; the rest is its standard errors."""


def progress_fraction(step: EMStep, first_change: float | None, tol: float) -> float:
    """Share of a calibration done after ``step``, for a progress bar that moves steadily.

    Dimensions are calibrated one after another, so each is 1/n of the bar. EM converges
    geometrically: the largest parameter change shrinks by a roughly constant factor per
    iteration, so ``log(first change / change) / log(first change / tol)`` is the share of the
    way to convergence (the iteration count against ``max_iter`` would sit near zero and jump).
    A dimension's finishing report counts its EM as done; its standard errors follow.
    """
    if step.finished:
        within = EM_SHARE
    elif first_change is None or not first_change > tol or not step.max_change > 0:
        within = EM_SHARE * min(step.iteration / max(step.max_iter, 1), 1.0)
    else:
        ratio = math.log(first_change / step.max_change) / math.log(first_change / tol)
        within = EM_SHARE * min(max(ratio, 0.0), 1.0)
    return (step.dimension_index + within) / max(step.n_dimensions, 1)


def without_constant_items(data: ResponseMatrix) -> tuple[ResponseMatrix, tuple[str, ...]]:
    """``data`` without the items whose observed answers all fall in one category, and their
    ids. Adaptive data can leave a rarely shown item with a handful of identical answers; the
    calibration cannot estimate it, so the workbench leaves it out (and promotion carries its
    current parameters over) instead of failing the whole run."""
    responses = data.responses
    constant = np.array(
        [np.unique(column[column != MISSING]).size < 2 for column in responses.T], dtype=bool
    )
    constant &= data.answered_counts() > 0
    if not constant.any() or constant.all():
        return data, ()
    ids = tuple(item_id for item_id, c in zip(data.item_ids, constant, strict=True) if c)
    return data.select_items(~constant), ids


class JobRegistry:
    """Running and finished calibration jobs of this server process, each kept for its owner.

    A job is private to the account that started it: ``get`` and ``jobs_of`` answer only for
    the owner. The role model (``assessment.access.accounts``) has no shared workspace for
    psychometricians (a role opens pages, it does not hand over colleagues' work), and a
    promotion is audited under the user who promotes, who should be the one who ran and
    reviewed the calibration. Admins hold every role but likewise see only their own jobs.
    The registry outlives a browser page, so a reloaded page finds its user's jobs again.
    """

    def __init__(self, keep: int = 20) -> None:
        self._jobs: dict[str, CalibrationJob] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def start(
        self,
        data: ResponseMatrix,
        model: str,
        context: dict[str, Any] | None = None,
        *,
        owner: str,
    ) -> CalibrationJob:
        """Start calibrating ``data`` with ``model`` in a daemon thread for user ``owner``.

        As ``sjt calibrate`` does, the two parts of each most_least item are joined into one
        response modelled by the joint model (``items.scoring_map.joined_for_calibration``);
        the job's ``data`` are the joined responses, which the review and promotion use.
        """
        # With the latent correlation: delivery scores under the model's N(0, R) (issue 12).
        settings = MMLCalibrator(model)
        job = CalibrationJob(
            uuid.uuid4().hex[:12], model, data.n_candidates, settings.max_iter,
            tol=settings.tol, owner=owner, context=dict(context or {}),
        )  # fmt: skip

        def work() -> None:
            try:
                joined, item_models = joined_for_calibration(data, model)
                joined, constant = without_constant_items(joined)
                item_models = {i: m for i, m in item_models.items() if i not in constant}
                with job.lock:
                    job.data, job.constant = joined, constant
                # One E-step thread: the job runs inside the web server, whose other cores
                # serve candidates' answers (the command line uses every core).
                estimator = MMLCalibrator(
                    model, max_iter=settings.max_iter, tol=settings.tol,
                    item_models=item_models, workers=JOB_WORKERS,
                )  # fmt: skip
                result = estimator.fit(joined, progress=job.report)
                with job.lock:
                    job.result = result
            except Exception as error:  # reported to the page, never lost silently
                # Problems of the data (ScoringError and the other ValueErrors) are told as
                # they are; anything else is a fault, logged with its traceback for the admin.
                message = str(error) if isinstance(error, ValueError) else ""
                if not message:
                    LOGGER.exception("calibration job %s failed", job.job_id)
                with job.lock:
                    job.error = message or UNEXPECTED_FAILURE
                    job.context["traceback"] = traceback.format_exc()
            finally:
                with job.lock:
                    job.finished = True

        with self._lock:
            self._jobs[job.job_id] = job
            for old in list(self._jobs)[: -self._keep]:
                if self._jobs[old].finished:
                    del self._jobs[old]
        threading.Thread(target=work, name=f"calibration-{job.job_id}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str) -> CalibrationJob | None:
        """Job ``job_id`` if ``owner`` started it (and it is still kept), else None."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def jobs_of(self, owner: str) -> list[CalibrationJob]:
        """The jobs ``owner`` started that are still kept, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [job for job in reversed(jobs) if job.owner == owner]
