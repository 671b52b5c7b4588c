"""Differential item functioning: Mantel–Haenszel with ETS classes and logistic regression.

Both methods compare a *reference* and a *focal* group matched on the trait. The item response
is dichotomised as "chose the best-scoring option" (1) or not (0), the form used by the ETS
delta scale; the matching variable is a rest score or a trait estimate cut into strata.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.data import ResponseMatrix
from scoring.errors import ScoringError

EtsClass = Literal["A", "B", "C"]


@dataclass(frozen=True)
class MantelHaenszelResult:
    """Mantel–Haenszel DIF statistics of one item.

    Attributes
    ----------
    alpha : float
        Common odds ratio (reference vs focal) of answering correctly, across strata.
    delta : float
        ETS delta, ``-2.35 ln(alpha)``; negative values favour the reference group.
    se_delta : float
        Standard error of delta (Robins, Breslow & Greenland, 1986).
    chi2, p_value : float
        MH chi-square with continuity correction (1 df) and its p-value.
    ets_class : "A", "B" or "C"
        Negligible, slight-to-moderate, or moderate-to-large DIF.
    n_reference, n_focal : int
    """

    alpha: float
    delta: float
    se_delta: float
    chi2: float
    p_value: float
    ets_class: EtsClass
    n_reference: int
    n_focal: int


def mantel_haenszel(
    correct: BoolArray | IntArray,
    focal: BoolArray,
    strata: IntArray,
) -> MantelHaenszelResult:
    """Mantel–Haenszel DIF for one dichotomised item.

    Parameters
    ----------
    correct : array, shape (n,)
        1 where the candidate chose the best option, 0 otherwise.
    focal : bool array, shape (n,)
        Membership of the focal group (the rest are the reference group).
    strata : int array, shape (n,)
        Matching stratum of each candidate.

    Notes
    -----
    ``alpha = Σ_k A_k D_k / N_k / Σ_k B_k C_k / N_k`` with A, B the reference group's correct and
    incorrect counts and C, D the focal group's in stratum k; ``delta = -2.35 ln alpha``. ETS
    classes (Zwick, 2012): C when ``|delta| >= 1.5`` and ``|delta|`` is significantly above 1
    (one-sided 5 %); A when ``|delta| < 1`` or the MH chi-square is not significant at 5 %; B
    otherwise.

    References
    ----------
    Holland, P. W., & Thayer, D. T. (1988). Differential item performance and the
    Mantel–Haenszel procedure. In Wainer & Braun (Eds.), Test Validity (pp. 129–145).
    Robins, J., Breslow, N., & Greenland, S. (1986). Estimators of the Mantel–Haenszel variance
    consistent in both sparse data and large-strata limiting models. Biometrics, 42, 311–323.
    Zwick, R. (2012). A review of ETS differential item functioning assessment procedures.
    ETS Research Report RR-12-08.
    """
    correct = np.asarray(correct).astype(bool)
    focal = np.asarray(focal, dtype=bool)
    strata = np.asarray(strata)
    if not (correct.shape == focal.shape == strata.shape):
        raise ScoringError("correct, focal and strata must have the same length")
    n_focal, n_reference = int(focal.sum()), int((~focal).sum())
    if n_focal == 0 or n_reference == 0:
        raise ScoringError("both the reference and the focal group need candidates")
    sum_r = sum_s = 0.0
    rbg_pr = rbg_ps_qr = rbg_qs = 0.0
    observed = expected = variance = 0.0
    for k in np.unique(strata):
        in_k = strata == k
        a = float(np.sum(in_k & ~focal & correct))
        b = float(np.sum(in_k & ~focal & ~correct))
        c = float(np.sum(in_k & focal & correct))
        d = float(np.sum(in_k & focal & ~correct))
        n = a + b + c + d
        if n < 2 or (a + b) == 0 or (c + d) == 0:
            continue
        r, s = a * d / n, b * c / n
        p, q = (a + d) / n, (b + c) / n
        sum_r += r
        sum_s += s
        rbg_pr += p * r
        rbg_ps_qr += p * s + q * r
        rbg_qs += q * s
        m1, m0 = a + c, b + d
        observed += a
        expected += (a + b) * m1 / n
        variance += (a + b) * (c + d) * m1 * m0 / (n * n * (n - 1))
    if sum_r == 0 or sum_s == 0 or variance == 0:
        return MantelHaenszelResult(
            math.nan, math.nan, math.nan, math.nan, math.nan, "A", n_reference, n_focal
        )
    alpha = sum_r / sum_s
    var_log = rbg_pr / (2 * sum_r**2) + rbg_ps_qr / (2 * sum_r * sum_s) + rbg_qs / (2 * sum_s**2)
    delta = -2.35 * math.log(alpha)
    se_delta = 2.35 * math.sqrt(var_log)
    chi2 = (abs(observed - expected) - 0.5) ** 2 / variance
    p_value = float(stats.chi2.sf(chi2, 1))
    return MantelHaenszelResult(
        alpha, delta, se_delta, chi2, p_value, ets_class(delta, se_delta, p_value),
        n_reference, n_focal,
    )  # fmt: skip


def ets_class(delta: float, se_delta: float, p_value: float) -> EtsClass:
    """ETS A/B/C category of a Mantel–Haenszel delta (Zwick, 2012)."""
    size = abs(delta)
    if not math.isfinite(size) or size < 1.0 or p_value >= 0.05:
        return "A"
    if size >= 1.5 and (size - 1.0) / se_delta > stats.norm.ppf(0.95):
        return "C"
    return "B"


@dataclass(frozen=True)
class LogisticDifResult:
    """Logistic-regression DIF of one item.

    Attributes
    ----------
    uniform_chi2, uniform_p : float
        Likelihood-ratio test of the group term (model 2 vs 1, 1 df).
    nonuniform_chi2, nonuniform_p : float
        Likelihood-ratio test of the group × trait interaction (model 3 vs 2, 1 df).
    delta_r2_uniform, delta_r2_nonuniform : float
        Change in Nagelkerke R² (effect sizes).
    effect : "A", "B" or "C"
        Jodoin & Gierl (2001) size of the total (model 3 vs 1) change: < .035 negligible,
        .035–.070 moderate, > .070 large; A also when the 2-df test is not significant at 5 %.
    """

    uniform_chi2: float
    uniform_p: float
    nonuniform_chi2: float
    nonuniform_p: float
    delta_r2_uniform: float
    delta_r2_nonuniform: float
    effect: EtsClass


def logistic_dif(
    correct: IntArray | BoolArray,
    focal: BoolArray,
    matching: FloatArray,
) -> LogisticDifResult:
    """Logistic-regression DIF: trait, + group (uniform), + group × trait (non-uniform).

    References
    ----------
    Swaminathan, H., & Rogers, H. J. (1990). Detecting differential item functioning using
    logistic regression procedures. Journal of Educational Measurement, 27, 361–370.
    Zumbo, B. D. (1999). A Handbook on the Theory and Methods of Differential Item Functioning.
    Ottawa: Directorate of Human Resources Research and Evaluation.
    Jodoin, M. G., & Gierl, M. J. (2001). Evaluating type I error and power rates using an
    effect size measure with the logistic regression procedure for DIF detection. Applied
    Measurement in Education, 14, 329–349.
    """
    y = np.asarray(correct, dtype=float)
    g = np.asarray(focal, dtype=float)
    x = np.asarray(matching, dtype=float)
    if not (y.shape == g.shape == x.shape):
        raise ScoringError("correct, focal and matching must have the same length")
    x = (x - x.mean()) / (x.std() or 1.0)
    ones = np.ones_like(x)
    designs = [
        np.column_stack([ones, x]),
        np.column_stack([ones, x, g]),
        np.column_stack([ones, x, g, g * x]),
    ]
    null = _logistic_loglik(np.column_stack([ones]), y)
    logliks = [_logistic_loglik(design, y) for design in designs]
    r2 = [_nagelkerke(null, value, y.size) for value in logliks]
    uniform = 2 * (logliks[1] - logliks[0])
    nonuniform = 2 * (logliks[2] - logliks[1])
    total_p = float(stats.chi2.sf(2 * (logliks[2] - logliks[0]), 2))
    total_r2 = r2[2] - r2[0]
    if total_p >= 0.05 or total_r2 < 0.035:
        effect: EtsClass = "A"
    elif total_r2 <= 0.070:
        effect = "B"
    else:
        effect = "C"
    return LogisticDifResult(
        uniform_chi2=uniform,
        uniform_p=float(stats.chi2.sf(uniform, 1)),
        nonuniform_chi2=nonuniform,
        nonuniform_p=float(stats.chi2.sf(nonuniform, 1)),
        delta_r2_uniform=r2[1] - r2[0],
        delta_r2_nonuniform=r2[2] - r2[1],
        effect=effect,
    )


def _logistic_loglik(design: FloatArray, y: FloatArray, max_iter: int = 50) -> float:
    """Maximised log-likelihood of a logistic regression (Newton–Raphson, tiny ridge)."""
    beta = np.zeros(design.shape[1])
    for _ in range(max_iter):
        eta = design @ beta
        p = special.expit(eta)  # 1 / (1 + exp(-eta)) without overflow when eta << 0
        gradient = design.T @ (y - p)
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-8 * np.eye(beta.size)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    eta = design @ beta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def _nagelkerke(null: float, model: float, n: int) -> float:
    cox_snell = 1.0 - math.exp(2.0 * (null - model) / n)
    maximum = 1.0 - math.exp(2.0 * null / n)
    return cox_snell / maximum if maximum > 0 else 0.0


def strata_from(matching: FloatArray, n_strata: int = 10) -> IntArray:
    """Cut a matching variable into up to ``n_strata`` quantile strata (ties kept together)."""
    values = np.asarray(matching, dtype=float)
    unique = np.unique(values)
    if unique.size <= n_strata:
        return np.searchsorted(unique, values).astype(np.int64)
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_strata + 1)[1:-1]))
    return np.searchsorted(edges, values, side="right").astype(np.int64)


@dataclass(frozen=True)
class ItemDif:
    """DIF of one item for one focal group against the reference group."""

    item_id: str
    dimension: str
    reference: str
    focal: str
    mantel_haenszel: MantelHaenszelResult
    logistic: LogisticDifResult

    def row(self) -> dict[str, object]:
        mh, lr = self.mantel_haenszel, self.logistic
        return {
            "item_id": self.item_id,
            "dif_reference": self.reference,
            "dif_focal": self.focal,
            "mh_alpha": mh.alpha,
            "mh_delta": mh.delta,
            "mh_se": mh.se_delta,
            "mh_chi2": mh.chi2,
            "mh_p": mh.p_value,
            "mh_class": mh.ets_class,
            "lr_uniform_p": lr.uniform_p,
            "lr_nonuniform_p": lr.nonuniform_p,
            "lr_delta_r2_uniform": lr.delta_r2_uniform,
            "lr_delta_r2_nonuniform": lr.delta_r2_nonuniform,
            "lr_class": lr.effect,
        }


def dif_analysis(
    data: ResponseMatrix,
    groups: Sequence[str],
    matching: Mapping[str, FloatArray] | None = None,
    reference: str | None = None,
    n_strata: int = 10,
) -> list[ItemDif]:
    """Mantel–Haenszel and logistic DIF of every item, worst focal group per item.

    Parameters
    ----------
    data : ResponseMatrix
    groups : sequence of str, length n_candidates
        Group label per candidate; empty labels are left out.
    matching : mapping dimension → array (n_candidates,), optional
        Trait estimates to match on. By default the total score of the dimension's items is
        used (it must then be complete data: adaptive data need trait estimates).
    reference : str, optional
        Reference group; by default the largest group.

    Returns
    -------
    list of ItemDif
        One entry per item that the reference group and at least one focal group answered;
        items without answers from both are left out (they cannot be compared).
    """
    labels = np.asarray(groups, dtype=str)
    if labels.shape != (data.n_candidates,):
        raise ScoringError("one group label per candidate is required")
    known = labels != ""
    names, counts = np.unique(labels[known], return_counts=True)
    if names.size < 2:
        raise ScoringError("DIF needs at least two groups in the group column")
    reference = reference or str(names[np.argmax(counts)])
    if reference not in names:
        listed = ", ".join(f"{str(name)!r} (n={n})" for name, n in zip(names, counts, strict=True))
        raise ScoringError(
            f"reference group {reference!r} does not occur in the group column; its groups "
            f"are {listed}"
        )
    results = []
    for dimension in data.dimensions:
        columns = data.dimension_items(dimension)
        responses = data.responses[:, columns]
        scores = [np.asarray(data.items[c].scores) for c in columns]
        answered = responses >= 0
        item_scores = np.where(
            answered,
            np.stack([s[np.maximum(responses[:, j], 0)] for j, s in enumerate(scores)], axis=1),
            0.0,
        )
        if matching is not None and dimension in matching:
            match = np.asarray(matching[dimension], dtype=float)
        elif answered.all():
            match = item_scores.sum(axis=1)
        else:
            raise ScoringError(
                f"{dimension}: responses are incomplete; pass trait estimates to match on"
            )
        for j, column in enumerate(columns):
            best = scores[j].max()
            rows = answered[:, j] & known
            correct = item_scores[rows, j] == best
            strata = strata_from(match[rows], n_strata)
            present = set(labels[rows].tolist())
            comparisons = []
            for focal in names:
                if focal == reference or not {focal, reference} <= present:
                    continue  # an adaptive test may give an item to one group only
                pair = (labels[rows] == focal) | (labels[rows] == reference)
                is_focal = labels[rows][pair] == focal
                mh = mantel_haenszel(correct[pair], is_focal, strata[pair])
                lr = logistic_dif(correct[pair], is_focal, match[rows][pair])
                comparisons.append(
                    ItemDif(data.items[column].item_id, dimension, reference, str(focal), mh, lr)
                )
            if comparisons:
                results.append(max(comparisons, key=_dif_size))
    return results


def _dif_size(entry: ItemDif) -> float:
    delta = entry.mantel_haenszel.delta
    return abs(delta) if math.isfinite(delta) else -1.0
