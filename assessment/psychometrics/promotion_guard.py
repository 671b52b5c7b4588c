"""Guarded promotion: what makes a calibration unfit to become the scoring model.

``promote`` refuses a model file with any of these problems unless it is forced with a
written reason (kept in the audit log):

- the calibration did not converge, or reported a fatal problem (a divergent estimate);
- an item's parameters are implausible: an effective slope beyond ``SLOPE_BOUND`` (the spread
  of the category slopes per point of category score; the common slope of a graded item), a
  spread of category intercepts beyond ``INTERCEPT_BOUND``, or a standard error beyond
  ``SE_BOUND``;
- an item was calibrated from fewer than ``ANSWERS_PER_PARAMETER`` answers per free
  parameter (known when the file lists ``item_answers``, as ``sjt calibrate`` writes it; a
  joint most/least item's parameters are those of both its picks);
  items carried over from an earlier version are exempt, they keep their earlier estimates;
- linking to the active version is impossible on a dimension (fewer than
  ``MIN_COMMON_ITEMS`` common items, or a different item model), so the carried norms would
  not describe the new scale.

The bounds are deliberately wide: a realistic SJT item has slopes near 0.5 and intercepts
within ±10. They catch estimates that ran away (a slope of 116, an intercept of 41, a
standard error of 10⁷), not merely weak items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from assessment.model_document import ModelDocument
from scoring import ModelParameters
from scoring.linking import LinkingResult
from scoring.models import ItemModel
from scoring.most_least import SequentialMostLeast, split_pair_scores

SLOPE_BOUND = 6.0
"""Largest plausible effective slope (category-slope spread per point of score)."""
INTERCEPT_BOUND = 30.0
"""Largest plausible spread (max − min) of an item's category intercepts."""
SE_BOUND = 10.0
"""Largest plausible standard error of a free parameter."""
ANSWERS_PER_PARAMETER = 20
"""Fewest answers per free parameter an item needs to be re-estimated."""
MIN_COMMON_ITEMS = 3
"""Common items a dimension needs to be linked to the active version (Stocking–Lord)."""


@dataclass(frozen=True)
class PromotionProblem:
    """One reason not to promote: what, where (item or dimension) and why."""

    kind: str
    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "message": self.message}


def carried_item_ids(document: ModelDocument) -> set[str]:
    """Items a model document marks as carried over (``sjt calibrate`` or an earlier
    promotion)."""
    return set(document.carried_over or ())


def calibration_problems(document: ModelDocument) -> list[PromotionProblem]:
    """Non-convergence and fatal problems that the calibration itself recorded."""
    fit = document.fit
    if fit is None:
        return []
    problems = [
        PromotionProblem(issue.kind, issue.item_id or issue.dimension, issue.message)
        for issue in fit.problems or ()
        if issue.fatal
    ]
    if fit.converged is False and not any(p.kind == "not_converged" for p in problems):
        problems.insert(
            0, PromotionProblem("not_converged", "calibration", "the EM did not converge")
        )
    return problems


def parameter_problems(
    parameters: ModelParameters, answers: Mapping[str, int], exempt: set[str]
) -> list[PromotionProblem]:
    """Implausible estimates and too few answers per parameter, item by item."""
    problems = []
    for column, item in enumerate(parameters.items):
        if item.item_id in exempt:
            continue
        item_model = parameters.item_model_for(column)
        found: list[tuple[str, str]] = []
        slope, spread = _slope_and_spread(item_model, item.params, item.spec.scores)
        if slope > SLOPE_BOUND:
            found.append(("implausible_slope", f"effective slope {slope:.1f} (> {SLOPE_BOUND:g})"))
        if spread > INTERCEPT_BOUND:
            text = f"category intercepts spread over {spread:.1f} (> {INTERCEPT_BOUND:g})"
            found.append(("implausible_intercept", text))
        ses = np.array([v for v in (item.se or ()) if np.isfinite(v)])
        if ses.size and ses.max() > SE_BOUND:
            found.append(
                ("implausible_se", f"a standard error of {ses.max():.3g} (> {SE_BOUND:g})")
            )
        n_params = len(item.params)
        n = answers.get(item.item_id)
        if n is not None and n < ANSWERS_PER_PARAMETER * n_params:
            # What to do about it is said once, after the list, in the words of the command
            # line or of the workbench (``PromotionRefusedError``).
            found.append(("too_few_answers",
                          f"{n} answers for {n_params} parameters (needs "
                          f"{ANSWERS_PER_PARAMETER * n_params})"))  # fmt: skip
        problems += [
            PromotionProblem(kind, item.item_id, f"item {item.item_id}: {text}")
            for kind, text in found
        ]
    return problems


def _slope_and_spread(
    item_model: ItemModel, params: tuple[float, ...], scores: tuple[float, ...]
) -> tuple[float, float]:
    """Effective slope and intercept spread of one item; a joint most/least item's largest
    over its most and its least part (each part's option utilities against its scores)."""
    score_rows = np.array([scores], dtype=float)
    slopes, intercepts = item_model.to_categories(np.array([params]), score_rows)
    if isinstance(item_model, SequentialMostLeast):
        most, least = split_pair_scores(score_rows)
        k = most.shape[1]
        parts = [
            (slopes[0, :k], intercepts[0, :k], most[0]),
            (slopes[0, k:], intercepts[0, k:], least[0]),
        ]
    else:
        parts = [(slopes[0], intercepts[0], score_rows[0])]
    cumulative = item_model.form == "cumulative"
    slope = max(_effective_slope(s, sc, cumulative) for s, _, sc in parts)
    spread = max(_spread(c) for _, c, _ in parts)
    return slope, spread


def _spread(intercepts: np.ndarray) -> float:
    finite = intercepts[np.isfinite(intercepts)]
    return float(finite.max() - finite.min()) if finite.size else 0.0


def _effective_slope(slopes: np.ndarray, scores: np.ndarray, cumulative: bool) -> float:
    finite = slopes[np.isfinite(slopes)]
    if not finite.size:
        return 0.0
    if cumulative:
        return float(np.abs(finite).max())
    spread = float(scores.max() - scores.min())
    return float(finite.max() - finite.min()) / spread if spread > 0 else 0.0


def linking_problems(
    linking: LinkingResult | None, new_model: str, active_model: str | None, active_label: str
) -> list[PromotionProblem]:
    """Dimensions the new version cannot be linked on to the active version's scale."""
    if active_model is None:
        return []
    if linking is None:
        return [
            PromotionProblem("not_linkable", "model",
                f"a {new_model} model cannot be linked to the active {active_model} version "
                f"{active_label} (linking needs the same item model); calibrate with "
                f"{active_model}, or promote it without linking and re-norm it"),
        ]  # fmt: skip
    return [
        PromotionProblem("not_linkable", dimension,
            f"{dimension}: only {n} item(s) in common with {active_label} (needs "
            f"{MIN_COMMON_ITEMS}), so the scale cannot be linked")
        for dimension, n in linking.n_common.items()
        if n < MIN_COMMON_ITEMS
    ]  # fmt: skip


def promotion_problems(document: ModelDocument) -> list[PromotionProblem]:
    """Everything in a model document that makes it unfit for promotion (linking aside)."""
    answers = dict(document.item_answers or {})
    return calibration_problems(document) + parameter_problems(
        document.parameters, answers, carried_item_ids(document)
    )


__all__ = [
    "ANSWERS_PER_PARAMETER",
    "INTERCEPT_BOUND",
    "MIN_COMMON_ITEMS",
    "SE_BOUND",
    "SLOPE_BOUND",
    "PromotionProblem",
    "carried_item_ids",
    "linking_problems",
    "promotion_problems",
]
