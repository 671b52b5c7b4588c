"""What a calibration reports about itself: progress, per-dimension outcome and problems.

A calibration can fail quietly in three ways this module makes loud: the EM stops before its
convergence criterion, an estimate runs off to an implausible value (a slope of 100, an
intercept of 40: the likelihood keeps rising along a ridge, typically an item that separates
perfectly or a category nobody chose), or the information matrix is singular so standard
errors are missing. Each becomes a ``CalibrationProblem`` naming the dimension and item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from scoring.arrays import FloatArray
from scoring.data import ResponseMatrix
from scoring.errors import ScoringError
from scoring.models import ItemModel
from scoring.most_least import SequentialMostLeast, option_codes, split_pairs

SLOPE_LIMIT = 10.0
"""Largest plausible |slope| parameter (nrm option-slope contrast, gpcm/2pl/grm slope) on the
N(0, 1) scale; beyond it an estimate counts as divergent."""
INTERCEPT_LIMIT = 30.0
"""Largest plausible |intercept| parameter; beyond it an estimate counts as divergent."""
SE_LIMIT = 10.0
"""Largest plausible standard error of any parameter: beyond it the data say next to nothing
about the parameter (an estimate on a likelihood ridge, as for an item that separates
perfectly), and the estimate counts as divergent."""

ProblemKind = Literal["not_converged", "divergent", "unused_category", "no_standard_error"]


@dataclass(frozen=True)
class EMStep:
    """Progress of a calibration, passed to the ``progress`` callback of ``fit``.

    Attributes
    ----------
    dimension : str
    dimension_index, n_dimensions : int
        Position of ``dimension`` among the dimensions being calibrated (0-based) and their
        number.
    iteration : int
        E-steps so far on this dimension.
    loglik : float
        Marginal log-likelihood at the start of this EM step.
    max_change : float
        Largest absolute parameter change of the step (``nan`` before the first).
    max_iter : int
    finished : bool
        True for the single report sent when the dimension is done.
    converged : bool
        On the finishing report: whether the dimension met the convergence criterion.
    """

    dimension: str
    dimension_index: int
    n_dimensions: int
    iteration: int
    loglik: float
    max_change: float
    max_iter: int
    finished: bool = False
    converged: bool = False


@dataclass(frozen=True)
class CalibrationProblem:
    """Something wrong with a calibration, located by dimension and (where it applies) item.

    ``fatal`` problems (non-convergence, divergent estimates) make the calibration unusable;
    the others (an unused category held by the prior, a missing SE) are warnings.
    """

    kind: ProblemKind
    dimension: str
    item_id: str | None
    message: str
    fatal: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class DimensionReport:
    """How the EM went on one dimension.

    Attributes
    ----------
    dimension : str
    converged : bool
    n_iter : int
    max_change : float
        Largest parameter change in the last EM step.
    moving_item : str or None
        The item whose parameter changed most in that step (the one still moving when the
        EM did not converge).
    """

    dimension: str
    converged: bool
    n_iter: int
    max_change: float
    moving_item: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "dimension": self.dimension,
            "converged": self.converged,
            "n_iter": self.n_iter,
            "max_change": self.max_change if np.isfinite(self.max_change) else None,
            "moving_item": self.moving_item,
        }


def check_constant_items(data: ResponseMatrix) -> None:
    """Raise ``ScoringError`` naming every item whose answers all fall in one category.

    Such an item carries no information about θ: its slope is not identified and its
    intercepts run to ±∞ (a constant item once made every SE of its dimension NaN).
    """
    constant = []
    for j, spec in enumerate(data.items):
        observed = data.responses[:, j]
        observed = observed[observed >= 0]
        if observed.size and np.unique(observed).size == 1:
            code = spec.codes[int(observed[0])]
            constant.append(f"{spec.item_id} (all {observed.size} answers are {code!r})")
    if constant:
        listed = "; ".join(constant[:10]) + ("; …" if len(constant) > 10 else "")
        raise ScoringError(
            f"{len(constant)} item(s) have only one category observed: {listed}. A constant "
            "item carries no information about theta; leave it out of the data (or raise "
            "--min-answers) and calibrate again"
        )


def unused_categories(
    data: ResponseMatrix, models: Sequence[ItemModel] | None = None
) -> list[tuple[int, str]]:
    """(column, what) of every category no candidate chose, on answered items.

    ``what`` names the category: ``"option 'B'"``. For a joint most/least item (``models``
    gives the model of every column) its categories are option pairs, most of which may
    rightly go unchosen; the parameters belong to the options, so what counts is an option
    never picked as most (``"option 'B' as most"``) or, with separate least utilities, never
    picked as least.
    """
    out: list[tuple[int, str]] = []
    for j, spec in enumerate(data.items):
        observed = data.responses[:, j]
        observed = observed[observed >= 0]
        if not observed.size:
            continue
        model = models[j] if models is not None else None
        if isinstance(model, SequentialMostLeast):
            codes = option_codes(spec.codes)
            most, least = split_pairs(observed, len(codes))
            parts = [("most", most)] + ([] if model.shared else [("least", least)])
            for part, picks in parts:
                never = np.flatnonzero(np.bincount(picks, minlength=len(codes)) == 0)
                out.extend((j, f"option {codes[k]!r} as {part}") for k in never)
            continue
        counts = np.bincount(observed, minlength=spec.n_categories)
        out.extend((j, f"option {spec.codes[k]!r}") for k in np.flatnonzero(counts == 0))
    return out


def unused_category_problems(
    data: ResponseMatrix, priors_active: bool, models: Sequence[ItemModel] | None = None
) -> list[CalibrationProblem]:
    """A warning per never-chosen category; an error when no prior can hold it (without
    priors, or a category of a cumulative model between two chosen ones)."""
    problems = []
    _refuse_inner_gaps(data, models)
    unused = unused_categories(data, models)
    if unused and not priors_active:
        named = ", ".join(f"{what} of item {data.items[j].item_id}" for j, what in unused[:10])
        raise ScoringError(
            f"{len(unused)} categories were never chosen ({named}); their parameters are not "
            "identified without a prior (the estimates would run to infinity). Calibrate with "
            "the default priors, or merge or drop those categories in the data"
        )
    for j, what in unused:
        spec = data.items[j]
        problems.append(
            CalibrationProblem(
                "unused_category",
                spec.dimension,
                spec.item_id,
                f"{what} of item {spec.item_id} was never chosen; its "
                "parameters are held by the prior (no empirical information)",
                fatal=False,
            )
        )
    return problems


def _refuse_inner_gaps(data: ResponseMatrix, models: Sequence[ItemModel] | None) -> None:
    """Refuse a never-chosen category of a cumulative (graded) item that lies between chosen
    categories: the likelihood then drives its two boundary intercepts together, the edge of
    the parameter space, where the information matrix is singular, and the default priors
    (independent normal boundaries) do not keep them apart."""
    gaps = []
    for j, spec in enumerate(data.items):
        if models is None or models[j].form != "cumulative":
            continue
        observed = data.responses[:, j]
        counts = np.bincount(observed[observed >= 0], minlength=spec.n_categories)
        chosen = np.flatnonzero(counts)
        if chosen.size:
            inner = [k for k in range(chosen[0] + 1, chosen[-1]) if counts[k] == 0]
            gaps += [f"category {spec.codes[k]!r} of item {spec.item_id}" for k in inner]
    if gaps:
        raise ScoringError(
            f"{', '.join(gaps[:10])}: never chosen although a lower and a higher category "
            "were; the graded response model (grm) cannot estimate an unused category between "
            "used ones, not even with the default priors (its two boundaries would have to "
            "coincide). Merge it with a neighbouring category (recode the data so that the "
            "codes are consecutive), or calibrate with gpcm or nrm, whose default priors hold "
            "an unused category"
        )


def implausible_parameters(
    item_model: ItemModel,
    item_id: str,
    dimension: str,
    params: FloatArray,
    n_categories: int,
    se: FloatArray | None = None,
) -> CalibrationProblem | None:
    """A fatal problem when a slope, intercept or standard error is beyond the plausible
    limits (``SLOPE_LIMIT``, ``INTERCEPT_LIMIT``, ``SE_LIMIT``)."""
    mask = item_model.slope_mask(n_categories)
    slopes = np.abs(params[mask])
    intercepts = np.abs(params[~mask])
    worst_slope = float(slopes.max(initial=0.0))
    worst_intercept = float(intercepts.max(initial=0.0))
    finite_se = np.asarray(se)[np.isfinite(se)] if se is not None else np.zeros(0)
    worst_se = float(finite_se.max(initial=0.0))
    if not np.all(np.isfinite(params)):
        detail = "non-finite parameters"
    elif worst_slope > SLOPE_LIMIT:
        detail = f"slope {worst_slope:.1f} beyond ±{SLOPE_LIMIT:g}"
    elif worst_intercept > INTERCEPT_LIMIT:
        detail = f"intercept {worst_intercept:.1f} beyond ±{INTERCEPT_LIMIT:g}"
    elif worst_se > SE_LIMIT:
        detail = f"standard error {worst_se:.3g} beyond {SE_LIMIT:g}"
    else:
        return None
    return CalibrationProblem(
        "divergent",
        dimension,
        item_id,
        f"item {item_id} diverged ({detail}): the likelihood keeps rising along a ridge, "
        "usually too few answers or answers that separate perfectly; use the priors, leave "
        "the item out (--min-answers) or collect more data",
        fatal=True,
    )


__all__ = [
    "INTERCEPT_LIMIT",
    "SE_LIMIT",
    "SLOPE_LIMIT",
    "CalibrationProblem",
    "DimensionReport",
    "EMStep",
    "check_constant_items",
    "implausible_parameters",
    "unused_categories",
    "unused_category_problems",
]
