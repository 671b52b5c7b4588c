"""Classical item statistics: option proportions, option–rest and item–rest correlations,
Cronbach's alpha, McDonald's omega and alpha-if-item-deleted, per dimension.

The score of a response is the score of the chosen category (``ItemSpec.scores``: SME credits
for bank options, the integer code otherwise). The rest score of a candidate for item ``j`` is
the sum of the scores of the *other* items of the same dimension that the candidate answered.

Missing-by-design data
----------------------
Cells equal to ``MISSING`` are excluded pairwise, never imputed:

* proportions, means and SDs of an item use the candidates who answered it;
* option–rest and item–rest correlations use the candidates who answered the item and at least
  one other item of its dimension. When candidates answer different subsets (planned missingness,
  adaptive forms), their rest scores sum different numbers of items, which adds variance unrelated
  to the item and attenuates these correlations; compare them only across items with similar
  patterns of missingness;
* the inter-item covariance and correlation matrices behind alpha and omega are
  pairwise-complete: each entry uses the candidates who answered both items (each variance the
  candidates who answered that item), as ``cov(..., use = "pairwise.complete.obs")`` in R. Such
  a matrix need not be positive semi-definite; alpha is still defined, and the one-factor fit
  behind omega only uses the off-diagonal correlations. A pair of items answered together by
  fewer than 2 candidates leaves alpha and omega undefined (NaN with a note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.data import MISSING, ResponseMatrix
from scoring.errors import ScoringError

MIN_PAIR_COUNT = 2
"""Candidates needed to answer both items of a pair for its covariance to be defined."""


@dataclass(frozen=True)
class ItemStatistics:
    """Classical statistics of one item.

    Attributes
    ----------
    item_id, dimension : str
    codes : tuple, length K
        Category (option) codes in the order of the response matrix.
    scores : tuple of float, length K
        Score of each category.
    n_answered : int
        Candidates who answered the item.
    mean, sd : float
        Mean and standard deviation (ddof = 1) of the item score over those candidates.
    option_proportions : tuple of float, length K
        Share of the answering candidates choosing each category.
    option_rest_correlations : tuple of float, length K
        Point-biserial correlation of choosing each category (0/1) with the rest score; NaN for a
        category chosen by all or none of them. A keyed-best option should correlate positively,
        a distractor negatively.
    item_rest_correlation : float
        Pearson correlation of the item score with the rest score (corrected item–total).
    alpha_if_deleted : float
        Cronbach's alpha of the dimension without this item (NaN with fewer than 3 items).
    n_rest : int
        Candidates entering the rest-score correlations (answered this and another item).
    """

    item_id: str
    dimension: str
    codes: tuple[str | int, ...]
    scores: tuple[float, ...]
    n_answered: int
    mean: float
    sd: float
    option_proportions: tuple[float, ...]
    option_rest_correlations: tuple[float, ...]
    item_rest_correlation: float
    alpha_if_deleted: float
    n_rest: int


@dataclass(frozen=True)
class DimensionStatistics:
    """Internal-consistency reliability of one dimension's summed score.

    Attributes
    ----------
    dimension : str
    item_ids : tuple of str, length J
    n_candidates : int
        Candidates who answered at least one item of the dimension.
    alpha : float
        Cronbach's alpha from the pairwise-complete covariance matrix.
    omega : float
        McDonald's omega (total) of the unweighted sum of item scores, from a one-factor model.
    loadings : tuple of float, length J
        Standardised one-factor (minres) loadings behind omega, in the order of ``item_ids``.
    min_pair_count : int
        Smallest number of candidates who answered both items of any pair.
    complete : bool
        Whether every candidate answered every item (no pairwise deletion happened).
    note : str
        Why a statistic is NaN or a caveat about it; empty when there is none.
    alpha_administered : float
        Available-case alpha of a test as long as the average candidate's: see
        :func:`administered_alpha`. Equals ``alpha`` for complete data; defined on adaptive
        data, where many pairs of items are never answered together and ``alpha`` is NaN.
    mean_administered : float
        Average number of the dimension's items a candidate answered (of those who answered
        any).
    """

    dimension: str
    item_ids: tuple[str, ...]
    n_candidates: int
    alpha: float
    omega: float
    loadings: tuple[float, ...]
    min_pair_count: int
    complete: bool
    note: str = ""
    alpha_administered: float = float("nan")
    mean_administered: float = float("nan")

    @property
    def n_items(self) -> int:
        return len(self.item_ids)


@dataclass(frozen=True)
class ClassicalResult:
    """Classical statistics of every item and every dimension of a response matrix."""

    items: tuple[ItemStatistics, ...]
    dimensions: tuple[DimensionStatistics, ...]

    def item(self, item_id: str) -> ItemStatistics:
        """Statistics of the item ``item_id``."""
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise ScoringError(f"no statistics for item {item_id!r}")

    def dimension(self, dimension: str) -> DimensionStatistics:
        """Reliability statistics of ``dimension``."""
        for entry in self.dimensions:
            if entry.dimension == dimension:
                return entry
        raise ScoringError(f"no statistics for dimension {dimension!r}")

    def item_rows(self) -> list[dict[str, Any]]:
        """One plain dict per item (for tables and CSV export)."""
        return [
            {
                "item_id": item.item_id,
                "dimension": item.dimension,
                "n_answered": item.n_answered,
                "mean": item.mean,
                "sd": item.sd,
                "item_rest_correlation": item.item_rest_correlation,
                "alpha_if_deleted": item.alpha_if_deleted,
            }
            for item in self.items
        ]

    def option_rows(self) -> list[dict[str, Any]]:
        """One plain dict per item and option."""
        return [
            {
                "item_id": item.item_id,
                "dimension": item.dimension,
                "option": code,
                "score": score,
                "proportion": proportion,
                "rest_correlation": correlation,
            }
            for item in self.items
            for code, score, proportion, correlation in zip(
                item.codes,
                item.scores,
                item.option_proportions,
                item.option_rest_correlations,
                strict=True,
            )
        ]

    def dimension_rows(self) -> list[dict[str, Any]]:
        """One plain dict per dimension."""
        return [
            {
                "dimension": entry.dimension,
                "n_items": entry.n_items,
                "n_candidates": entry.n_candidates,
                "alpha": entry.alpha,
                "omega": entry.omega,
                "min_pair_count": entry.min_pair_count,
                "complete": entry.complete,
                "alpha_administered": entry.alpha_administered,
                "mean_administered": entry.mean_administered,
                "note": entry.note,
            }
            for entry in self.dimensions
        ]


def classical_statistics(data: ResponseMatrix) -> ClassicalResult:
    """Classical item analysis of every item and dimension of ``data``.

    Parameters
    ----------
    data : ResponseMatrix
        Responses (n_candidates, n_items) with ``MISSING`` cells; the module docstring explains
        how they are excluded pairwise.

    Returns
    -------
    ClassicalResult
        Item statistics in the order of ``data.items``; dimension statistics in the order of
        ``data.dimensions`` (dimensions without items are left out).

    Notes
    -----
    Option–rest correlations are point-biserial correlations, i.e. Pearson correlations of the
    0/1 indicator of choosing the option with the rest score; the item–rest correlation is the
    corrected item–total correlation (Lord & Novick, 1968). Alpha and omega are computed by
    :func:`cronbach_alpha` and :func:`mcdonald_omega` from the pairwise-complete covariance
    matrix of the item scores.

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). Statistical Theories of Mental Test Scores.
    Addison-Wesley.
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297–334.
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Lawrence Erlbaum.
    """
    item_stats: dict[int, ItemStatistics] = {}
    dimension_stats = []
    for dimension in data.dimensions:
        columns = data.dimension_items(dimension)
        if columns.size == 0:
            continue
        responses = data.responses[:, columns]
        answered = responses != MISSING
        scores = _item_scores(data, columns)
        entry, alpha_deleted = _dimension_statistics(
            dimension, tuple(data.items[c].item_id for c in columns), scores, answered
        )
        dimension_stats.append(entry)
        for position, column in enumerate(columns):
            item_stats[int(column)] = _item_statistics(
                data, int(column), position, responses, scores, answered, alpha_deleted[position]
            )
    return ClassicalResult(
        items=tuple(item_stats[c] for c in sorted(item_stats)),
        dimensions=tuple(dimension_stats),
    )


def cronbach_alpha(covariance: FloatArray) -> float:
    """Cronbach's alpha of the unweighted sum of items with covariance matrix ``covariance``.

    Parameters
    ----------
    covariance : ndarray, shape (J, J)
        Covariance matrix of the item scores (may be pairwise-complete); J >= 2.

    Returns
    -------
    float
        ``J / (J - 1) · (1 - Σ_j σ_jj / Σ_jk σ_jk)``; NaN if the matrix has NaN entries or the
        total variance is not positive.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297–334.
    """
    covariance = _square(covariance, "covariance")
    n_items = covariance.shape[0]
    if n_items < 2:
        raise ScoringError("alpha needs at least 2 items")
    total = float(covariance.sum())
    if not np.all(np.isfinite(covariance)) or total <= 0:
        return float("nan")
    return n_items / (n_items - 1) * (1.0 - float(np.trace(covariance)) / total)


def administered_alpha(covariance: FloatArray, counts: IntArray, length: float) -> float:
    """Available-case coefficient alpha for a test of ``length`` items.

    Parameters
    ----------
    covariance : ndarray, shape (J, J)
        Pairwise-complete covariance matrix (NaN where a pair was answered by too few).
    counts : ndarray of int, shape (J, J)
        Candidates behind each entry; entries are weighted by them.
    length : float
        Number of items per candidate (the average administered length).

    Returns
    -------
    float
        ``L c̄ / (v̄ + (L − 1) c̄)`` with ``v̄`` the average item variance and ``c̄`` the average
        inter-item covariance over the available pairs (each weighted by its count). For
        complete data and ``L = J`` this is exactly Cronbach's alpha, since
        ``Σσ_jj = J v̄`` and ``Σ_{j≠k}σ_jk = J(J−1) c̄``. With missing-by-design data it is the
        alpha of a test of the length candidates actually took, built from the item pairs
        they took together: the available-case average covariance needs no complete pair,
        only some observed pairs.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297–334.
    Lord, F. M., & Novick, M. R. (1968). Statistical Theories of Mental Test Scores.
    Addison-Wesley.
    """
    covariance = _square(covariance, "covariance")
    n_items = covariance.shape[0]
    if n_items < 2 or not length >= 2:
        return float("nan")
    weights = np.where(np.isfinite(covariance), counts, 0).astype(float)
    values = np.where(np.isfinite(covariance), covariance, 0.0)
    diagonal = np.eye(n_items, dtype=bool)
    if weights[diagonal].sum() <= 0 or weights[~diagonal].sum() <= 0:
        return float("nan")
    variance = float((weights * values)[diagonal].sum() / weights[diagonal].sum())
    covariance_mean = float((weights * values)[~diagonal].sum() / weights[~diagonal].sum())
    total = variance + (length - 1.0) * covariance_mean
    if total <= 0:
        return float("nan")
    return length * covariance_mean / total


@dataclass(frozen=True)
class OmegaEstimate:
    """McDonald's omega with the one-factor solution it comes from.

    Attributes
    ----------
    omega : float
    loadings : ndarray, shape (J,)
        Standardised loadings (on the correlation scale), signed so that their sum is positive.
    converged : bool
        Whether the minres fit reported success.
    heywood : bool
        Whether a loading reached ±1 (a Heywood case: a uniqueness of zero).
    """

    omega: float
    loadings: FloatArray
    converged: bool
    heywood: bool


def mcdonald_omega(covariance: FloatArray) -> OmegaEstimate:
    """McDonald's omega (total) of the unweighted sum of items from a one-factor model.

    Parameters
    ----------
    covariance : ndarray, shape (J, J)
        Covariance matrix of the item scores (may be pairwise-complete); J >= 3.

    Returns
    -------
    OmegaEstimate

    Notes
    -----
    A one-factor model ``R ≈ λλᵀ + Ψ`` is fitted to the correlation matrix
    ``R = D^{-1/2} C D^{-1/2}`` by minimum residuals (unweighted least squares on the
    off-diagonal correlations, ``min Σ_{j<k} (r_jk − λ_j λ_k)²`` with ``|λ_j| ≤ 1``), the
    converged form of iterated principal-axis factoring. Loadings and uniquenesses are rescaled
    to the item scores, ``λ*_j = λ_j σ_j`` and ``ψ*_j = (1 − λ_j²) σ_j²``, and

    ``ω = (Σ_j λ*_j)² / ((Σ_j λ*_j)² + Σ_j ψ*_j)``,

    the share of the variance of the summed score due to the common factor. When all items have
    equal loadings and variances (essential tau-equivalence), ω equals Cronbach's alpha.
    Three items are the minimum for the one-factor model to be identified.

    References
    ----------
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Lawrence Erlbaum. (Ch. 6.)
    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika, 31, 351–368.
    """
    covariance = _square(covariance, "covariance")
    n_items = covariance.shape[0]
    if n_items < 3:
        raise ScoringError("omega needs at least 3 items for the one-factor model")
    sd = np.sqrt(np.diag(covariance))
    if not np.all(np.isfinite(covariance)) or np.any(sd <= 0):
        return OmegaEstimate(float("nan"), np.full(n_items, np.nan), False, False)
    correlation = covariance / np.outer(sd, sd)
    loadings, converged = _minres_one_factor(correlation)
    heywood = bool(np.any(np.abs(loadings) > 1.0 - 1e-6))
    raw_loadings = loadings * sd
    uniqueness = (1.0 - loadings**2) * sd**2
    common = float(raw_loadings.sum()) ** 2
    omega = common / (common + float(uniqueness.sum()))
    return OmegaEstimate(omega, loadings, converged, heywood)


def pairwise_covariance(scores: FloatArray, answered: BoolArray) -> tuple[FloatArray, IntArray]:
    """Pairwise-complete covariance matrix of item scores (ddof = 1).

    Parameters
    ----------
    scores : ndarray, shape (n_candidates, J)
        Item scores; values where ``answered`` is False are ignored.
    answered : ndarray of bool, shape (n_candidates, J)

    Returns
    -------
    covariance : ndarray, shape (J, J)
        Entry (j, k) from the candidates who answered both j and k, with means taken over those
        candidates; NaN where fewer than 2 did.
    counts : ndarray of int, shape (J, J)
        Candidates who answered both items.
    """
    mask = answered.astype(np.float64)
    values = np.where(answered, scores, 0.0)
    counts = mask.T @ mask
    sums = values.T @ mask  # (j, k): Σ over candidates answering both of the scores of item j
    cross = values.T @ values
    with np.errstate(invalid="ignore", divide="ignore"):
        covariance = (cross - sums * sums.T / counts) / (counts - 1.0)
    covariance[counts < MIN_PAIR_COUNT] = np.nan
    return covariance, counts.astype(np.int64)


# --------------------------------------------------------------------------------- helpers


def _square(matrix: FloatArray, name: str) -> FloatArray:
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ScoringError(f"{name} must be a square matrix, got shape {matrix.shape}")
    return matrix


def _item_scores(data: ResponseMatrix, columns: IntArray) -> FloatArray:
    """Score of each response (n_candidates, J), NaN where missing."""
    out = np.full((data.n_candidates, columns.size), np.nan)
    for position, column in enumerate(columns):
        table = np.asarray(data.items[column].scores, dtype=float)
        responses = data.responses[:, column]
        answered = responses != MISSING
        out[answered, position] = table[responses[answered]]
    return out


def _correlation(x: FloatArray, y: FloatArray) -> float:
    """Pearson correlation, NaN with fewer than 3 pairs or a constant variable."""
    if x.size < 3:
        return float("nan")
    x = x - x.mean()
    y = y - y.mean()
    denominator = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    if denominator <= 1e-12 * max(x.size, 1):
        return float("nan")
    return float(np.dot(x, y)) / denominator


def _item_statistics(
    data: ResponseMatrix,
    column: int,
    position: int,
    responses: IntArray,
    scores: FloatArray,
    answered: BoolArray,
    alpha_if_deleted: float,
) -> ItemStatistics:
    spec = data.items[column]
    mine = answered[:, position]
    chosen = responses[mine, position]
    n_answered = int(mine.sum())
    counts = np.bincount(chosen, minlength=spec.n_categories)
    proportions = counts / n_answered if n_answered else np.full(spec.n_categories, np.nan)
    item_scores = scores[mine, position]
    mean = float(item_scores.mean()) if n_answered else float("nan")
    sd = float(item_scores.std(ddof=1)) if n_answered > 1 else float("nan")

    others = np.delete(np.arange(scores.shape[1]), position)
    n_other = answered[:, others].sum(axis=1)
    rest = np.where(answered[:, others], scores[:, others], 0.0).sum(axis=1)
    rows = mine & (n_other > 0)
    rest_rows = rest[rows]
    option_r = tuple(
        _correlation((responses[rows, position] == k).astype(float), rest_rows)
        for k in range(spec.n_categories)
    )
    return ItemStatistics(
        item_id=spec.item_id,
        dimension=spec.dimension,
        codes=spec.codes,
        scores=tuple(float(s) for s in spec.scores),
        n_answered=n_answered,
        mean=mean,
        sd=sd,
        option_proportions=tuple(float(p) for p in proportions),
        option_rest_correlations=option_r,
        item_rest_correlation=_correlation(scores[rows, position], rest_rows),
        alpha_if_deleted=alpha_if_deleted,
        n_rest=int(rows.sum()),
    )


def _dimension_statistics(
    dimension: str, item_ids: Sequence[str], scores: FloatArray, answered: BoolArray
) -> tuple[DimensionStatistics, list[float]]:
    """Alpha, omega and alpha-if-deleted of one dimension."""
    n_items = len(item_ids)
    covariance, counts = pairwise_covariance(scores, answered)
    complete = bool(answered.all())
    min_pair = int(counts.min()) if n_items else 0
    notes: list[str] = []
    nan = float("nan")
    if n_items < 2:
        notes.append("alpha and omega need at least 2 and 3 items")
        alpha, omega, loadings = nan, nan, np.full(n_items, np.nan)
        alpha_deleted = [nan] * n_items
    else:
        if not np.all(np.isfinite(covariance)):
            notes.append(
                f"some item pairs were answered together by fewer than {MIN_PAIR_COUNT} "
                "candidates; alpha and omega are undefined"
            )
        alpha = cronbach_alpha(covariance)
        alpha_deleted = [
            cronbach_alpha(np.delete(np.delete(covariance, j, 0), j, 1)) if n_items > 2 else nan
            for j in range(n_items)
        ]
        if n_items < 3:
            notes.append("omega needs at least 3 items")
            omega, loadings = nan, np.full(n_items, np.nan)
        else:
            estimate = mcdonald_omega(covariance)
            omega, loadings = estimate.omega, estimate.loadings
            if np.any(np.diag(covariance) <= 0):
                notes.append("an item without variance leaves omega undefined")
            if estimate.heywood:
                notes.append("Heywood case in the one-factor model (a loading of ±1)")
            if not estimate.converged and np.isfinite(omega):
                notes.append("the one-factor fit behind omega did not converge")
        if not complete:
            notes.append("missing responses: pairwise-complete covariances")
    taken = answered.sum(axis=1)
    mean_length = float(taken[taken > 0].mean()) if np.any(taken > 0) else float("nan")
    entry = DimensionStatistics(
        dimension=dimension,
        item_ids=tuple(item_ids),
        n_candidates=int(answered.any(axis=1).sum()),
        alpha=alpha,
        omega=omega,
        loadings=tuple(float(v) for v in loadings),
        min_pair_count=min_pair,
        complete=complete,
        note="; ".join(notes),
        alpha_administered=administered_alpha(covariance, counts, mean_length),
        mean_administered=mean_length,
    )
    return entry, alpha_deleted


def _minres_one_factor(correlation: FloatArray) -> tuple[FloatArray, bool]:
    """Minres loadings (J,) of one factor fitted to the off-diagonal of ``correlation``."""
    n_items = correlation.shape[0]
    upper = np.triu_indices(n_items, k=1)
    target = correlation[upper]

    # Start: principal axis of R with squared multiple correlations (or max |r|) on the diagonal.
    reduced = correlation.copy()
    try:
        communality = 1.0 - 1.0 / np.diag(np.linalg.inv(correlation))
    except np.linalg.LinAlgError:
        communality = np.full(n_items, np.nan)
    off = np.abs(correlation - np.diag(np.diag(correlation)))
    fallback = off.max(axis=1)
    bad = ~np.isfinite(communality) | (communality <= 0) | (communality >= 1)
    communality = np.where(bad, fallback, communality)
    np.fill_diagonal(reduced, communality)
    values, vectors = np.linalg.eigh(reduced)
    start = vectors[:, -1] * np.sqrt(max(values[-1], 1e-6))
    start = np.clip(start, -0.95, 0.95)
    if start.sum() < 0:
        start = -start

    def residuals(loadings: FloatArray) -> FloatArray:
        return np.outer(loadings, loadings)[upper] - target

    def jacobian(loadings: FloatArray) -> FloatArray:
        jac = np.zeros((target.size, n_items))
        rows = np.arange(target.size)
        jac[rows, upper[0]] = loadings[upper[1]]
        jac[rows, upper[1]] = loadings[upper[0]]
        return jac

    from scipy.optimize import least_squares  # imported here: scipy is slow to import

    fit = least_squares(
        residuals, start, jac=jacobian, bounds=(-1.0, 1.0), xtol=1e-12, ftol=1e-12, gtol=1e-12
    )
    loadings = fit.x
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, bool(fit.success)
