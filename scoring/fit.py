"""Model fit and measurement precision: item fit S-X2, person fit lz*, test information.

* :func:`item_fit` — Orlando & Thissen's summed-score item fit statistic S-X2 in its polytomous
  form (Kang & Chen), for every item model of :mod:`scoring.models`, with expected proportions
  from the generalised Lord–Wingersky recursion (:func:`summed_score_distribution`).
* :func:`person_fit` — Snijders' lz*, the log-likelihood person-fit statistic standardised with
  the correction for an estimated theta, in its polytomous form (Sinharay).
* :func:`test_information` and :func:`conditional_se` — information and conditional standard
  error curves per dimension.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.data import MISSING, ResponseMatrix
from scoring.errors import ScoringError
from scoring.parameters import ItemGroup, ModelParameters
from scoring.quadrature import DEFAULT_GRID, QuadratureGrid
from scoring.scoring import score_eap, theta_mode
from scoring.sparse_cells import merge_sparse_cells, smaller_neighbour

SCORE_DECIMALS = 9
"""Summed scores are rounded to this many decimals to merge equal sums of fractional credits."""


# ------------------------------------------------------------------ summed-score distribution


def summed_score_distribution(
    probabilities: Sequence[FloatArray], scores: Sequence[FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Distribution of the summed score at each theta by the Lord–Wingersky recursion.

    Parameters
    ----------
    probabilities : sequence of J arrays, each of shape (K_j, Q)
        Category probabilities of each item at Q theta values.
    scores : sequence of J arrays, each of shape (K_j,)
        Score of each category; any real values (SME credits, ties allowed).

    Returns
    -------
    support : ndarray, shape (n_scores,)
        The attainable summed scores ``Σ_j score_j(x_j)``, ascending.
    distribution : ndarray, shape (n_scores, Q)
        ``P(S = support[s] | θ_q)``; every column sums to 1.

    Notes
    -----
    Items are added one at a time: with ``f_j(s | θ)`` the distribution of the sum of the first
    ``j`` items, ``f_{j+1}(s | θ) = Σ_k f_j(s − score_{j+1,k} | θ) P_{j+1,k}(θ)``, starting from
    a point mass at 0. For integer scores ``0..K_j-1`` this is the polytomous recursion of
    Thissen et al. (1995); for arbitrary scores the support is kept as the sorted set of
    attainable sums, so the cost grows with the number of distinct sums, not with ``Π_j K_j``.

    References
    ----------
    Lord, F. M., & Wingersky, M. S. (1984). Comparison of IRT true-score and equipercentile
    observed-score "equatings". Applied Psychological Measurement, 8, 453–461.
    Thissen, D., Pommerich, M., Billeaud, K., & Williams, V. S. L. (1995). Item response theory
    for scores on tests including polytomous items with ordered responses. Applied
    Psychological Measurement, 19, 39–49.
    """
    if len(probabilities) != len(scores):
        raise ScoringError("probabilities and scores must list the same items")
    if not probabilities:
        raise ScoringError("the summed-score distribution needs at least one item")
    n_points = np.asarray(probabilities[0]).shape[1]
    support = np.zeros(1)
    distribution = np.ones((1, n_points))
    for prob, item_scores in zip(probabilities, scores, strict=True):
        prob = np.asarray(prob, dtype=float)
        item_scores = np.asarray(item_scores, dtype=float)
        if prob.ndim != 2 or prob.shape != (item_scores.size, n_points):
            raise ScoringError(
                f"item probabilities must have shape ({item_scores.size}, {n_points}), "
                f"got {prob.shape}"
            )
        sums = np.round(support[:, None] + item_scores[None, :], SCORE_DECIMALS)
        new_support, inverse = np.unique(sums, return_inverse=True)
        inverse = inverse.reshape(sums.shape)
        new = np.zeros((new_support.size, n_points))
        for k in range(item_scores.size):
            # s ↦ s + score_k is one-to-one for a fixed k, so fancy-index addition is safe.
            new[inverse[:, k]] += distribution * prob[k][None, :]
        support, distribution = new_support, new
    return support, distribution


# ----------------------------------------------------------------------------- item fit S-X2


@dataclass(frozen=True)
class ItemFit:
    """S-X2 item fit of one item.

    Attributes
    ----------
    item_id, dimension : str
    sx2 : float
        The statistic; NaN when it could not be computed (see ``note``).
    df : int
        Degrees of freedom: Σ over summed-score groups of (cells in the group − 1), minus the
        number of item parameters; 0 when undefined.
    p_value : float
        Upper tail of the chi-square distribution with ``df`` degrees of freedom.
    n_candidates : int
        Candidates with complete responses on the dimension (those used).
    n_groups : int
        Summed-score groups after pooling.
    note : str
        Why the statistic is NaN; empty otherwise.
    """

    item_id: str
    dimension: str
    sx2: float
    df: int
    p_value: float
    n_candidates: int
    n_groups: int
    note: str = ""


@dataclass(frozen=True)
class ItemFitResult:
    """S-X2 item fit of every item, in the order of the model's items.

    Attributes
    ----------
    items : tuple of ItemFit
    min_expected : float
        Minimum expected cell count used when collapsing.
    n_quad : int
        Quadrature nodes of the summed-score integrals.
    """

    items: tuple[ItemFit, ...]
    min_expected: float
    n_quad: int

    def item(self, item_id: str) -> ItemFit:
        """Fit of the item ``item_id``."""
        for entry in self.items:
            if entry.item_id == item_id:
                return entry
        raise ScoringError(f"no item fit for item {item_id!r}")

    @property
    def p_values(self) -> FloatArray:
        """p-values of all items, shape (n_items,)."""
        return np.array([entry.p_value for entry in self.items])

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per item (for tables and CSV export)."""
        return [asdict(entry) for entry in self.items]


def item_fit(
    model: ModelParameters,
    data: ResponseMatrix,
    min_expected: float = 1.0,
    min_candidates: int = 100,
    grid: QuadratureGrid = DEFAULT_GRID,
) -> ItemFitResult:
    """Orlando–Thissen S-X2 item fit for every item, polytomous form.

    Parameters
    ----------
    model : ModelParameters
        Calibrated items; any item model (divide-by-total or graded). The latent distribution
        is N(0, 1), the scale fixed by calibration.
    data : ResponseMatrix
        Responses to the same items in the same order.
    min_expected : float
        Cells are collapsed until every expected count is at least this (mirt's ``mincell``).
    min_candidates : int
        Below this many complete response vectors on a dimension, its items get NaN.
    grid : QuadratureGrid
        Nodes of the rectangular quadrature for the integrals over theta.

    Returns
    -------
    ItemFitResult

    Notes
    -----
    **Complete data only.** The summed score is only comparable across candidates who answered
    the same items, so for each dimension S-X2 uses the candidates who answered *every* item of
    that dimension; the others are ignored (not imputed). With fewer than ``min_candidates``
    such candidates — as with most adaptive or planned-missing designs — the dimension's items
    get NaN with a note, and fit must be judged otherwise.

    For item ``i`` with category scores ``v_ik``, summed score ``S`` over the dimension's ``J``
    items and the summed-score distribution ``f*`` of the other ``J − 1`` items, the expected
    proportion choosing category ``k`` in summed-score group ``s`` is

    ``E_iks = ∫ P_ik(θ) f*(s − v_ik | θ) φ(θ) dθ / ∫ f(s | θ) φ(θ) dθ``,

    both summed-score distributions from :func:`summed_score_distribution`. With ``N_s``
    candidates and ``O_iks`` of them choosing ``k``,

    ``S-X2_i = Σ_s Σ_k (O_iks − N_s E_iks)² / (N_s E_iks)``.

    Groups in which the summed score determines the item's category (the lowest and highest
    sums, for ordered integer scores) carry no information and are left out, as are empty
    groups; structurally impossible cells (``E_iks = 0``) are not cells. Sparse cells are
    collapsed in the spirit of mirt's default (``mincell = 1``): within each group, while a cell
    has an expected count below ``min_expected`` and more than two cells remain, it is merged
    with its neighbour in score order that has the smaller expected count; a group still holding
    a cell below ``min_expected`` is pooled with the neighbouring group (of adjacent summed
    scores) with fewer candidates, and the category collapsing is redone on the pooled counts,
    so cells always stay aligned with categories. The degrees of freedom are the free cells,
    ``Σ_groups (cells − 1)``, minus the item's parameter count; the p-value is the chi-square
    upper tail. Parameters are treated as known (Orlando & Thissen, 2000).

    References
    ----------
    Orlando, M., & Thissen, D. (2000). Likelihood-based item-fit indices for dichotomous item
    response theory models. Applied Psychological Measurement, 24, 50–64.
    Orlando, M., & Thissen, D. (2003). Further investigation of the performance of S-X2: An item
    fit index for use with dichotomous item response theory models. Applied Psychological
    Measurement, 27, 289–298.
    Kang, T., & Chen, T. T. (2008). Performance of the generalized S-X2 item fit index for
    polytomous IRT models. Journal of Educational Measurement, 45, 391–406.
    Thissen, D., Pommerich, M., Billeaud, K., & Williams, V. S. L. (1995). Item response theory
    for scores on tests including polytomous items with ordered responses. Applied
    Psychological Measurement, 19, 39–49.
    Chalmers, R. P. (2012). mirt: A multidimensional item response theory package for the R
    environment. Journal of Statistical Software, 48(6), 1–29.
    """
    model.check_responses(data)
    if min_expected < 0:
        raise ScoringError("min_expected must not be negative (0 turns collapsing off)")
    if min_candidates < 1:
        raise ScoringError("min_candidates must be at least 1")
    quad = grid.normal()
    results: dict[int, ItemFit] = {}
    for dimension in model.dimensions:
        columns = np.array(
            [j for j, item in enumerate(model.items) if item.dimension == dimension],
            dtype=np.int64,
        )
        if columns.size == 0:
            continue
        responses = data.responses[:, columns]
        complete = np.all(responses != MISSING, axis=1)
        n_complete = int(complete.sum())
        note = ""
        if columns.size < 2:
            note = "S-X2 needs at least 2 items on the dimension"
        elif n_complete < min_candidates:
            note = (
                f"only {n_complete} candidates answered all {columns.size} items of "
                f"{dimension!r}; S-X2 needs complete responses from at least {min_candidates}"
            )
        if note:
            for column in columns:
                item = model.items[int(column)]
                results[int(column)] = ItemFit(
                    item.item_id, dimension, np.nan, 0, np.nan, n_complete, 0, note
                )
            continue
        table = _SummedScoreTable.build(model, columns, responses[complete], quad.points)
        for position, column in enumerate(columns):
            results[int(column)] = table.sx2(position, quad.weights, min_expected)
    return ItemFitResult(
        items=tuple(results[j] for j in sorted(results)),
        min_expected=min_expected,
        n_quad=grid.n_points,
    )


@dataclass(frozen=True)
class _SummedScoreTable:
    """What S-X2 needs of one dimension: item curves, summed-score distribution, groups.

    ``probabilities[j]`` (K_j, Q) and ``scores[j]`` (K_j,) per item; ``support`` (S,) and
    ``distribution`` (S, Q) of the summed score; ``group_of`` (n,) the support index of each
    candidate's summed score; ``responses`` (n, J) complete responses.
    """

    model: ModelParameters
    columns: IntArray
    probabilities: list[FloatArray]
    scores: list[FloatArray]
    support: FloatArray
    distribution: FloatArray
    group_of: IntArray
    responses: IntArray

    @classmethod
    def build(
        cls, model: ModelParameters, columns: IntArray, responses: IntArray, points: FloatArray
    ) -> _SummedScoreTable:
        probabilities = [model.probabilities(int(c), points) for c in columns]
        scores = [np.asarray(model.items[int(c)].spec.scores, dtype=float) for c in columns]
        support, distribution = summed_score_distribution(probabilities, scores)
        totals = np.zeros(responses.shape[0])
        for j, item_scores in enumerate(scores):
            totals += item_scores[responses[:, j]]
        group_of = np.searchsorted(support, np.round(totals, SCORE_DECIMALS))
        return cls(
            model, columns, probabilities, scores, support, distribution, group_of, responses
        )

    def sx2(self, position: int, weights: FloatArray, min_expected: float) -> ItemFit:
        """S-X2 of the item at ``position`` among the dimension's columns."""
        item = self.model.items[int(self.columns[position])]
        n_candidates = self.responses.shape[0]
        marginal = self.distribution @ weights  # (S,)
        n_per_group = np.bincount(self.group_of, minlength=self.support.size).astype(float)

        others = [j for j in range(len(self.columns)) if j != position]
        rest_support, rest_distribution = summed_score_distribution(
            [self.probabilities[j] for j in others], [self.scores[j] for j in others]
        )
        own_scores, own_probs = self.scores[position], self.probabilities[position]
        n_categories = own_scores.size
        joint = np.zeros((self.support.size, n_categories))
        possible = np.zeros((self.support.size, n_categories), dtype=bool)
        for k in range(n_categories):
            shifted = np.round(rest_support + own_scores[k], SCORE_DECIMALS)
            target = np.searchsorted(self.support, shifted)
            joint[target, k] += rest_distribution @ (weights * own_probs[k])
            possible[target, k] = True
        possible &= joint > 0  # a cell whose probability underflows is treated as impossible
        proportion = joint / np.maximum(marginal, 1e-300)[:, None]
        expected = n_per_group[:, None] * proportion
        observed = np.zeros((self.support.size, n_categories))
        np.add.at(observed, (self.group_of, self.responses[:, position]), 1.0)

        # Groups where the summed score fixes the item's category carry no information.
        keep = (n_per_group > 0) & (possible.sum(axis=1) >= 2)
        order = np.argsort(own_scores, kind="stable")
        statistic, free_cells, n_groups = _collapse_and_sum(
            observed[keep][:, order],
            expected[keep][:, order],
            possible[keep][:, order],
            min_expected,
        )
        n_params = self.model.item_model_for(int(self.columns[position])).n_params(n_categories)
        df = free_cells - n_params
        if df <= 0:
            note = f"too few cells after collapsing ({free_cells} free, {n_params} parameters)"
            return ItemFit(
                item.item_id, item.dimension, np.nan, 0, np.nan, n_candidates, n_groups, note
            )
        from scipy.stats import chi2  # imported here: scipy.stats is slow to import

        return ItemFit(
            item.item_id,
            item.dimension,
            statistic,
            int(df),
            float(chi2.sf(statistic, df)),
            n_candidates,
            n_groups,
        )


def _collapse_categories(
    expected: FloatArray, possible: BoolArray, min_expected: float
) -> tuple[list[list[int]], list[float]]:
    """Partition the possible categories of one group (in score order) into cells.

    The possible categories are merged by :func:`scoring.sparse_cells.merge_sparse_cells` until
    every cell expects at least ``min_expected`` or two cells remain. Returns the category
    indices of each cell and the cells' expected counts.
    """
    categories = np.flatnonzero(possible)
    cells, totals = merge_sparse_cells([float(expected[k]) for k in categories], min_expected)
    return [[int(categories[p]) for p in cell] for cell in cells], totals


def _collapse_and_sum(
    observed: FloatArray, expected: FloatArray, possible: BoolArray, min_expected: float
) -> tuple[float, int, int]:
    """Collapse sparse cells; return (S-X2, free cells Σ(cells − 1), number of groups).

    ``observed``, ``expected`` and ``possible`` are (G, K) with groups in summed-score order
    and categories in score order.
    """
    groups = [
        (observed[g].copy(), expected[g].copy(), possible[g].copy())
        for g in range(observed.shape[0])
    ]
    if not groups:
        return 0.0, 0, 0

    def sparse(exp: FloatArray, pos: BoolArray) -> bool:
        return min(_collapse_categories(exp, pos, min_expected)[1]) < min_expected

    # Whether each group stays sparse after collapsing its categories, and its expected total,
    # kept per group and recomputed only for a merged group: recomputing every group after
    # each merge made S-X2 quadratic in the number of score groups (70 s for the workbench's
    # 500-candidate, 315-column review).
    is_sparse = [sparse(exp, pos) for _, exp, pos in groups]
    sizes = [float(exp.sum()) for _, exp, _ in groups]
    while len(groups) > 1 and any(is_sparse):
        g = is_sparse.index(True)
        low, high = sorted((g, smaller_neighbour(sizes, g)))
        merged = (
            groups[low][0] + groups[high][0],
            groups[low][1] + groups[high][1],
            groups[low][2] | groups[high][2],
        )
        groups[low] = merged
        is_sparse[low] = sparse(merged[1], merged[2])
        sizes[low] = float(merged[1].sum())
        del groups[high], is_sparse[high], sizes[high]
    statistic = 0.0
    free_cells = 0
    for obs, exp, pos in groups:
        cells, _ = _collapse_categories(exp, pos, min_expected)
        o = np.array([obs[c].sum() for c in cells])
        e = np.array([exp[c].sum() for c in cells])
        statistic += float(np.sum((o - e) ** 2 / e))
        free_cells += len(cells) - 1
    return statistic, free_cells, len(groups)


# --------------------------------------------------------------------------- person fit lz*


@dataclass(frozen=True)
class PersonFitResult:
    """Person fit lz* per candidate and dimension.

    Attributes
    ----------
    lz_star : ndarray, shape (n_candidates, n_dimensions)
        Snijders' corrected standardised log-likelihood; large negative values flag response
        vectors unlikely under the model (random or careless responding, misunderstanding).
        NaN with fewer than 2 answered items or no finite theta estimate.
    theta : ndarray, shape (n_candidates, n_dimensions)
        The estimate lz* was evaluated at.
    n_answered : ndarray of int, shape (n_candidates, n_dimensions)
    dimensions : tuple of str
    estimator : "map" or "ml"
    """

    lz_star: FloatArray
    theta: FloatArray
    n_answered: IntArray
    dimensions: tuple[str, ...]
    estimator: Literal["map", "ml"]

    def flagged(self, threshold: float = -1.645) -> BoolArray:
        """Misfit flags (n_candidates, n_dimensions): lz* below ``threshold`` (one-sided 5 %)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(self.lz_star < threshold)


def person_fit(
    model: ModelParameters,
    data: ResponseMatrix,
    estimator: Literal["map", "ml"] = "map",
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    bound: float = 6.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> PersonFitResult:
    """Snijders' lz* for polytomous items at the MAP or ML theta, per dimension.

    Parameters
    ----------
    model : ModelParameters
    data : ResponseMatrix
        Responses to the same items; any subset may be answered (missing items are left out).
    estimator : {"map", "ml"}
        MAP with a N(prior_mean, prior_sd²) prior (as :func:`scoring.score_map`), or maximum
        likelihood, both by :func:`scoring.scoring.theta_mode`. An ML estimate that runs to
        ``±bound`` (all responses in an extreme category) has no finite value and gives NaN.
    prior_mean, prior_sd : float
        The MAP prior; ignored for ML.
    bound : float
        Theta is searched in ``[-bound, bound]``.
    max_iter, tol : int, float
        Fisher scoring iterations and convergence tolerance on the theta step.

    Returns
    -------
    PersonFitResult

    Notes
    -----
    With ``d_jk`` the indicator of choosing category ``k`` of item ``j``, ``P_jk`` its
    probability and the sums over the answered items of the dimension, the statistic is of
    Snijders' form ``W(θ) = Σ_j Σ_k (d_jk − P_jk) w_jk(θ)`` with ``w_jk = log P_jk``, so that
    ``W = l₀ − E(l₀)`` for the log-likelihood ``l₀``. The estimate solves
    ``Σ_j Σ_k d_jk r_jk(θ) + r₀(θ) = 0`` with ``r_jk = ∂ log P_jk / ∂θ`` and ``r₀ = 0`` (ML) or
    ``r₀ = −(θ − μ)/σ²`` (MAP). The correction for using the estimate replaces ``w_jk`` by
    ``w̃_jk = w_jk − c(θ) r_jk`` with ``c = Σ_jk P'_jk w_jk / Σ_jk P'_jk r_jk``, and

    ``lz* = [W(θ̂) + c(θ̂) r₀(θ̂)] / sqrt(Σ_j [Σ_k P_jk w̃_jk² − (Σ_k P_jk w̃_jk)²])``,

    evaluated at ``θ̂``; it is asymptotically N(0, 1) for model-conforming candidates
    (Snijders, 2001, for dichotomous items; Sinharay, 2016, for polytomous items). In short
    tests it is skewed to the left with a small positive mean: in simulations with 20
    four-category GPCM items at the true parameters the mean is about +0.1 (+0.14 with 10
    items, +0.06 with 80) and the SD about 0.97, while the 5th percentile stays near −1.645,
    so one-sided flag rates hold.

    References
    ----------
    Snijders, T. A. B. (2001). Asymptotic null distribution of person fit statistics with
    estimated person parameter. Psychometrika, 66, 331–342.
    Sinharay, S. (2016). Asymptotically correct standardization of person-fit statistics beyond
    dichotomous items. Psychometrika, 81, 992–1013.
    Drasgow, F., Levine, M. V., & Williams, E. A. (1985). Appropriateness measurement with
    polychotomous item response models and standardized indices. British Journal of
    Mathematical and Statistical Psychology, 38, 67–86.
    """
    model.check_responses(data)
    if estimator not in ("map", "ml"):
        raise ScoringError(f"unknown estimator {estimator!r}; use 'map' or 'ml'")
    if prior_sd <= 0 or bound <= 0:
        raise ScoringError("prior_sd and bound must be positive")
    start = score_eap(model, data, prior_mean=prior_mean, prior_sd=prior_sd).theta
    shape = (data.n_candidates, len(model.dimensions))
    lz = np.full(shape, np.nan)
    theta = np.full(shape, np.nan)
    answered_count = np.zeros(shape, dtype=np.int64)
    precision = 1.0 / prior_sd**2 if estimator == "map" else 0.0
    for d, dimension in enumerate(model.dimensions):
        groups = model.groups(dimension)
        if not groups:
            continue
        n_answered = sum((data.responses[:, g.columns] != MISSING).sum(axis=1) for g in groups)
        answered_count[:, d] = n_answered
        t = theta_mode(
            groups,
            data.responses,
            start[:, d],
            prior_mean,
            precision,
            bound,
            max_iter,
            tol,
        )
        value = _lz_star(groups, data.responses, t, -(t - prior_mean) * precision)
        finite = (
            np.ones(t.shape, dtype=bool)
            if estimator == "map"
            else (np.abs(t) < bound - 1e-6) & (n_answered > 0)
        )
        theta[:, d] = np.where(finite, t, np.nan)
        lz[:, d] = np.where(finite & (n_answered >= 2) & np.isfinite(value), value, np.nan)
    for array in (lz, theta, answered_count):
        array.setflags(write=False)
    return PersonFitResult(lz, theta, answered_count, model.dimensions, estimator)


def _lz_star(
    groups: Sequence[ItemGroup],
    responses: IntArray,
    theta: FloatArray,
    r0: FloatArray,
) -> FloatArray:
    """Snijders' lz* at ``theta`` (N,) with prior term ``r0`` (N,); see :func:`person_fit`."""
    terms = []
    numerator = np.zeros_like(theta)
    cov_wr = np.zeros_like(theta)  # Σ_jk P'_jk w_jk = Σ_jk P_jk r_jk w_jk
    info = np.zeros_like(theta)  # Σ_jk P'_jk r_jk = Σ_jk P_jk r_jk²
    for group in groups:
        x = responses[:, group.columns].T  # (J, N)
        answered = x != MISSING
        prob = np.maximum(group.item_model.probabilities(group.params, group.scores, theta), 1e-300)
        r = group.item_model.theta_derivative(group.params, group.scores, theta) / prob
        w = np.log(prob)
        chosen_w = np.take_along_axis(w, np.where(answered, x, 0)[:, None, :], axis=1)[:, 0]
        numerator += np.sum(answered * (chosen_w - np.sum(prob * w, axis=1)), axis=0)
        cov_wr += np.sum(answered * np.sum(prob * r * w, axis=1), axis=0)
        info += np.sum(answered * np.sum(prob * r * r, axis=1), axis=0)
        terms.append((answered, prob, w, r))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov_wr / info
    variance = np.zeros_like(theta)
    for answered, prob, w, r in terms:
        w_tilde = w - c[None, None, :] * r
        mean = np.sum(prob * w_tilde, axis=1)
        variance += np.sum(answered * (np.sum(prob * w_tilde**2, axis=1) - mean**2), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(variance > 0, (numerator + c * r0) / np.sqrt(variance), np.nan)


# ------------------------------------------------------------------------ information, SE


def test_information(model: ModelParameters, theta_grid: FloatArray) -> dict[str, FloatArray]:
    """Test information curve of each dimension: the sum of its items' information.

    Parameters
    ----------
    model : ModelParameters
    theta_grid : array_like, shape (Q,)
        Theta values.

    Returns
    -------
    dict
        Dimension name → information at each theta, shape (Q,); zeros for a dimension
        without items.

    Notes
    -----
    ``I(θ) = Σ_j I_j(θ)`` with the Fisher information of item j,
    ``I_j(θ) = Σ_k P'_jk(θ)² / P_jk(θ)``. For the divide-by-total models this equals
    ``Var(slope_{X_j} | θ)``, for the GPCM with scores 0..K−1 ``a² Var(X_j | θ)`` (Muraki, 1993).

    References
    ----------
    Birnbaum, A. (1968). Some latent trait models and their use in inferring an examinee's
    ability. In F. M. Lord & M. R. Novick, Statistical Theories of Mental Test Scores.
    Addison-Wesley.
    Samejima, F. (1969). Estimation of latent ability using a response pattern of graded
    scores. Psychometrika Monograph Supplement, 34(4, Pt. 2).
    Muraki, E. (1993). Information functions of the generalized partial credit model. Applied
    Psychological Measurement, 17, 351–363.
    """
    grid = _grid(theta_grid)
    out: dict[str, FloatArray] = {}
    for dimension in model.dimensions:
        info = np.zeros(grid.size)
        for group in model.groups(dimension):
            info += group.item_model.information(group.params, group.scores, grid).sum(axis=0)
        out[dimension] = info
    return out


test_information.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def conditional_se(
    model: ModelParameters, theta_grid: FloatArray, prior_sd: float | None = None
) -> dict[str, FloatArray]:
    """Conditional standard error curve of each dimension from its test information.

    Parameters
    ----------
    model : ModelParameters
    theta_grid : array_like, shape (Q,)
    prior_sd : float or None
        ``None`` (default): ``SE(θ) = 1 / sqrt(I(θ))``, the asymptotic SE of the maximum
        likelihood estimate — the conventional curve for describing a test and the one to
        compare across forms, independent of any prior. A number:
        ``1 / sqrt(I(θ) + 1/prior_sd²)``, the SE that :func:`scoring.score_map` reports for a
        MAP estimate with a N(·, prior_sd²) prior (smaller where the test is weak, because the
        prior adds information there).

    Returns
    -------
    dict
        Dimension name → SE at each theta, shape (Q,); ``inf`` where the information is zero
        and no prior is used.

    References
    ----------
    Lord, F. M. (1980). Applications of Item Response Theory to Practical Testing Problems.
    Lawrence Erlbaum.
    Mislevy, R. J. (1986). Bayes modal estimation in item response models. Psychometrika,
    51, 177–195.
    """
    if prior_sd is not None and prior_sd <= 0:
        raise ScoringError("prior_sd must be positive")
    prior_information = 0.0 if prior_sd is None else 1.0 / prior_sd**2
    out = {}
    for dimension, info in test_information(model, theta_grid).items():
        total = info + prior_information
        with np.errstate(divide="ignore"):
            out[dimension] = np.where(total > 0, 1.0 / np.sqrt(total), np.inf)
    return out


# --------------------------------------------------------------------------------- helpers


def _grid(theta: FloatArray) -> FloatArray:
    grid = np.asarray(theta, dtype=float)
    if grid.ndim == 0:
        grid = grid.reshape(1)
    if grid.ndim != 1 or not np.all(np.isfinite(grid)):
        raise ScoringError(f"theta must be a finite 1-D grid, got shape {grid.shape}")
    return grid
