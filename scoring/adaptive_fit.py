"""Item fit and local dependence that work when candidates answer different items.

Summed-score statistics (S-X2) need every candidate to answer the same items; in an adaptive
test nobody does, so they are blind exactly where the bank is calibrated. This module offers:

* :func:`rest_posterior_fit` — a generalised S-X2: candidates who answered an item are
  grouped by the information in their *other* answers (the EAP of their rest-posterior), and
  the observed category counts in each group are compared with the model's predictive
  probabilities given those other answers. Works with any pattern of missing responses.
* :func:`residual_dependence` — Yen's Q3: correlations of EAP residuals for pairs of items on
  a dimension, over the candidates who answered both, centred at their average (Q3*), which
  exposes a ``.most`` / ``.least`` pair of one scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.arrays import FloatArray
from scoring.data import MISSING, ResponseMatrix
from scoring.estep import PatternData, log_probability_table
from scoring.parameters import ModelParameters
from scoring.quadrature import DEFAULT_GRID, QuadratureGrid
from scoring.scoring import score_eap
from scoring.sparse_cells import merge_sparse_cells

MIN_ANSWERS = 100
"""Answers an item needs for its rest-posterior fit statistic."""
ANSWERS_PER_GROUP = 50
"""Candidates per rest-score group (at most ``MAX_GROUPS`` groups)."""
MAX_GROUPS = 10
MIN_EXPECTED = 2.0
"""Categories whose expected count per group averages below this are merged with the
neighbouring category in score order."""
Q3_FLAG = 0.2
"""|Q3*| above which a pair is flagged as locally dependent (Christensen et al., 2017)."""
MIN_PAIR = 30
"""Candidates who must answer both items of a pair for its Q3."""


@dataclass(frozen=True)
class RestFit:
    """Rest-posterior item fit of one item.

    Attributes
    ----------
    item_id, dimension : str
    statistic : float
        ``Σ_g (O_g − E_g)ᵀ V_g⁻¹ (O_g − E_g)`` over groups (NaN when not computed).
    df : int
        ``groups × (categories after merging − 1) − item parameters``.
    p_value : float
    n_answered : int
    n_groups : int
    note : str
        Why the statistic is NaN; empty otherwise.
    """

    item_id: str
    dimension: str
    statistic: float
    df: int
    p_value: float
    n_answered: int
    n_groups: int
    note: str = ""


def rest_posterior_fit(
    model: ModelParameters,
    data: ResponseMatrix,
    min_answers: int = MIN_ANSWERS,
    grid: QuadratureGrid = DEFAULT_GRID,
) -> tuple[RestFit, ...]:
    """Rest-posterior item fit (a generalised S-X2 for incomplete designs) of every item.

    Parameters
    ----------
    model : ModelParameters
    data : ResponseMatrix
        Responses to the model's items in the model's order; any cells may be missing.
    min_answers : int
        Items with fewer answers get NaN with a note.
    grid : QuadratureGrid
        Nodes of the rest-posterior integrals over theta.

    Returns
    -------
    tuple of RestFit, in the order of the model's items.

    Notes
    -----
    For item ``i`` and candidate ``n`` who answered it, the rest-posterior
    ``p(θ | x_{n,−i}) ∝ φ(θ) Π_{j≠i} P_j(x_nj | θ)`` uses every other answer of ``n`` on the
    dimension, and ``π_nk = ∫ P_ik(θ) p(θ | x_{n,−i}) dθ`` is the model's predictive probability
    of category ``k``. This is the quantity S-X2 uses — S-X2 conditions on the rest *summed
    score*, which only exists when everyone answered the same items; conditioning on the rest
    answers themselves works for any design (Orlando & Thissen, 2000). Candidates are sorted by
    the rest-posterior mean and cut into G groups of about ``ANSWERS_PER_GROUP``; because the
    grouping depends only on ``x_{−i}``, under the model the observed counts ``O_gk`` in group
    ``g`` are sums of independent categorical draws with probabilities ``π_nk``:
    ``E[O_g] = E_g = Σ_n π_n`` and ``Cov[O_g] = V_g = Σ_n (diag π_n − π_n π_nᵀ)``. The statistic
    is the sum over groups of the quadratic forms ``(O_g − E_g)ᵀ V_g⁻¹ (O_g − E_g)`` on the
    first K−1 categories (the last is determined), which is χ² with G(K−1) degrees of freedom
    when the parameters are known; as for S-X2, the item's parameter count is subtracted for
    estimated parameters (Orlando & Thissen, 2000; Kang & Chen, 2008). Rarely chosen
    categories are merged with their neighbour in score order first. The same posterior-
    predictive idea underlies Stone's (2000) pseudo-count statistic and the plausible-value
    statistics of Chalmers & Ng (2017).

    References
    ----------
    Orlando, M., & Thissen, D. (2000). Likelihood-based item-fit indices for dichotomous item
    response theory models. Applied Psychological Measurement, 24, 50–64.
    Kang, T., & Chen, T. T. (2008). Performance of the generalized S-X2 item fit index for
    polytomous IRT models. Journal of Educational Measurement, 45, 391–406.
    Stone, C. A. (2000). Monte Carlo based null distribution for an alternative goodness-of-fit
    test statistic in IRT models. Journal of Educational Measurement, 37, 58–75.
    Chalmers, R. P., & Ng, V. (2017). Plausible-value imputation statistics for detecting item
    misfit. Applied Psychological Measurement, 41, 372–387.
    """
    model.check_responses(data)
    quad = grid.normal()
    results: dict[int, RestFit] = {}
    for dimension in model.dimensions:
        groups = model.groups(dimension)
        if not groups:
            continue
        columns = np.concatenate([g.columns for g in groups])
        n_categories = np.concatenate([np.full(g.columns.size, g.scores.shape[1]) for g in groups])
        patterns = PatternData.build(
            data.responses[:, columns], n_categories.astype(np.int64), np.float64
        )
        table = log_probability_table(
            [g.item_model for g in groups],
            [g.params for g in groups],
            [g.scores for g in groups],
            quad.points,
        )
        full = patterns.indicators @ table + quad.log_weights[None, :]
        offsets = np.concatenate([[0], np.cumsum(n_categories)[:-1]])
        for position, column in enumerate(columns):
            k = int(n_categories[position])
            block = slice(int(offsets[position]), int(offsets[position]) + k)
            results[int(column)] = _item_fit(
                model, int(column), dimension, patterns, full, table[block], block,
                quad.points, min_answers,
            )  # fmt: skip
    return tuple(results[j] for j in sorted(results))


def _item_fit(
    model: ModelParameters,
    column: int,
    dimension: str,
    patterns: PatternData,
    full: FloatArray,
    item_table: FloatArray,
    block: slice,
    theta: FloatArray,
    min_answers: int,
) -> RestFit:
    item = model.items[column]
    indicators = patterns.indicators[:, block]
    answered = indicators.sum(axis=1) > 0
    counts = patterns.counts[answered]
    n_answered = round(float(counts.sum()))

    def nan(note: str, n_groups: int = 0) -> RestFit:
        return RestFit(item.item_id, dimension, np.nan, 0, np.nan, n_answered, n_groups, note)

    if n_answered < min_answers:
        return nan(f"{n_answered} answers; the statistic needs at least {min_answers}")
    chosen = indicators[answered]  # (n, K) one-hot
    rest = full[answered] - chosen @ item_table  # log rest-posterior, unnormalised
    rest -= rest.max(axis=1, keepdims=True)
    weights = np.exp(rest)
    weights /= weights.sum(axis=1, keepdims=True)
    predictive = weights @ np.exp(item_table).T  # (n, K): π_nk
    predictive /= predictive.sum(axis=1, keepdims=True)
    location = weights @ theta
    n_groups = int(min(MAX_GROUPS, max(2, n_answered // ANSWERS_PER_GROUP)))
    order = np.argsort(location, kind="stable")
    cumulative = np.cumsum(counts[order])
    group_of = np.empty(order.size, dtype=np.int64)
    group_of[order] = np.minimum(
        (cumulative - 0.5 * counts[order]) * n_groups // cumulative[-1], n_groups - 1
    ).astype(np.int64)
    merged_observed, merged_predictive = _merge_rare_categories(
        chosen, predictive, counts, np.asarray(item.spec.scores, dtype=float), n_groups
    )
    k = merged_observed.shape[1]
    if k < 2:
        return nan("one category carries nearly all answers", n_groups)
    statistic = 0.0
    for g in range(n_groups):
        members = group_of == g
        c = counts[members][:, None]
        observed = (merged_observed[members] * c).sum(axis=0)
        p = merged_predictive[members]
        expected = (p * c).sum(axis=0)
        covariance = np.diag(expected) - (p * c).T @ p
        d = (observed - expected)[:-1]
        v = covariance[:-1, :-1]
        try:
            statistic += float(d @ np.linalg.solve(v, d))
        except np.linalg.LinAlgError:
            return nan("singular group covariance", n_groups)
    n_params = model.item_model_for(column).n_params(item.spec.n_categories)
    df = n_groups * (k - 1) - n_params
    if df <= 0:
        return nan(f"too few cells ({n_groups} groups × {k} categories) for the parameters")
    from scipy.stats import chi2  # imported here: scipy.stats is slow to import

    return RestFit(
        item.item_id, dimension, statistic, int(df), float(chi2.sf(statistic, df)),
        n_answered, n_groups,
    )  # fmt: skip


def _merge_rare_categories(
    observed: FloatArray,
    predictive: FloatArray,
    counts: FloatArray,
    scores: FloatArray,
    n_groups: int,
) -> tuple[FloatArray, FloatArray]:
    """Merge categories whose expected count per group averages below ``MIN_EXPECTED`` into
    their neighbour in score order (the smaller of the two), until none is left or two remain."""
    order = np.argsort(scores, kind="stable")
    total = counts @ predictive  # expected count per category over all candidates
    cells, per_group = merge_sparse_cells([float(total[k]) / n_groups for k in order], MIN_EXPECTED)
    members = [[int(order[p]) for p in cell] for cell in cells]
    if len(members) == 2 and min(per_group) < 0.5:
        members = [[k for group in members for k in group]]
    merged_observed = np.column_stack([observed[:, m].sum(axis=1) for m in members])
    merged_predictive = np.column_stack([predictive[:, m].sum(axis=1) for m in members])
    return merged_observed, merged_predictive


# ---------------------------------------------------------------------- local dependence


@dataclass(frozen=True)
class DependenceResult:
    """Yen's Q3 for every pair of items on a dimension answered together often enough.

    Attributes
    ----------
    pairs : tuple of (item_id, item_id, q3, q3_star, n)
        ``q3_star`` is Q3 minus the average Q3 of the dimension's pairs.
    flag : float
        |Q3*| above which a pair counts as locally dependent.
    """

    pairs: tuple[tuple[str, str, float, float, int], ...]
    flag: float = Q3_FLAG

    def flagged(self) -> list[tuple[str, str, float, float, int]]:
        return [pair for pair in self.pairs if abs(pair[3]) > self.flag]

    def strongest(self) -> dict[str, tuple[str, float]]:
        """Per item: the partner with the largest |Q3*| and that Q3*."""
        out: dict[str, tuple[str, float]] = {}
        for first, second, _, star, _ in self.pairs:
            for item, partner in ((first, second), (second, first)):
                if item not in out or abs(star) > abs(out[item][1]):
                    out[item] = (partner, star)
        return out

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"item_a": a, "item_b": b, "q3": q3, "q3_star": star, "n": n}
            for a, b, q3, star, n in self.pairs
        ]


def residual_dependence(
    model: ModelParameters, data: ResponseMatrix, min_pair: int = MIN_PAIR
) -> DependenceResult:
    """Yen's Q3 from EAP residuals, pairwise over the candidates who answered both items.

    Notes
    -----
    With ``θ̂_n`` the EAP estimate and ``e_ni = v_i(x_ni) − E[v_i(X_i) | θ̂_n]`` the residual
    of candidate n on item i in score units ``v_i`` (SME credits or integer codes),
    ``Q3_ij = corr(e_i, e_j)`` over the candidates who answered both. Residual correlations
    are biased negative by about ``−1/(J−1)`` for J items (Yen, 1993), and more so for short
    adaptive tests; the average Q3 of the dimension is therefore subtracted (Q3*, Marais,
    2013; Christensen, Makransky & Horton, 2017), and pairs with |Q3*| > 0.2 are flagged. A
    ``.most`` and ``.least`` pick of one scenario share the scenario and exclude each other's
    option, which is exactly the kind of dependence Q3 exposes.

    References
    ----------
    Yen, W. M. (1984). Effects of local item dependence on the fit and equating performance of
    the three-parameter logistic model. Applied Psychological Measurement, 8, 125–145.
    Yen, W. M. (1993). Scaling performance assessments: Strategies for managing local item
    dependence. Journal of Educational Measurement, 30, 187–213.
    Chen, W.-H., & Thissen, D. (1997). Local dependence indexes for item pairs using item
    response theory. Journal of Educational and Behavioral Statistics, 22, 265–289.
    Christensen, K. B., Makransky, G., & Horton, M. (2017). Critical values for Yen's Q3:
    Identification of local dependence in the Rasch model using residual correlations.
    Applied Psychological Measurement, 41, 178–194.
    """
    model.check_responses(data)
    estimate = score_eap(model, data)
    pairs: list[tuple[str, str, float, float, int]] = []
    for d, dimension in enumerate(model.dimensions):
        columns = [j for j, item in enumerate(model.items) if item.dimension == dimension]
        if len(columns) < 2:
            continue
        theta = estimate.theta[:, d]
        residual = np.full((data.n_candidates, len(columns)), np.nan)
        for position, column in enumerate(columns):
            x = data.responses[:, column]
            answered = x != MISSING
            scores = np.asarray(model.items[column].spec.scores, dtype=float)
            prob = model.probabilities(column, theta[answered])  # (K, n)
            residual[answered, position] = scores[x[answered]] - scores @ prob
        mask = ~np.isnan(residual)
        values = np.where(mask, residual, 0.0)
        dimension_pairs = []
        for a in range(len(columns)):
            for b in range(a + 1, len(columns)):
                both = mask[:, a] & mask[:, b]
                n = int(both.sum())
                if n < min_pair:
                    continue
                q3 = _correlation(values[both, a], values[both, b])
                if np.isfinite(q3):
                    dimension_pairs.append((columns[a], columns[b], q3, n))
        if not dimension_pairs:
            continue
        mean = float(np.mean([q3 for _, _, q3, _ in dimension_pairs]))
        pairs += [
            (model.items[a].item_id, model.items[b].item_id, q3, q3 - mean, n)
            for a, b, q3, n in dimension_pairs
        ]
    return DependenceResult(tuple(pairs))


def _correlation(x: FloatArray, y: FloatArray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denominator = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return float(np.dot(x, y)) / denominator if denominator > 0 else float("nan")


__all__ = [
    "DependenceResult",
    "RestFit",
    "residual_dependence",
    "rest_posterior_fit",
]
