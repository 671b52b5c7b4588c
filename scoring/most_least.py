"""Joint item models for most/least (best–worst) answers: the least pick given the most pick.

A ``most_least`` item asks for the most effective and then the least effective of ``K``
options; the two picks cannot coincide. Treating them as two conditionally independent items
ignores that constraint and overstates the information in an answer. The models here take the
answer as one response with ``K(K−1)`` categories, the ordered pairs (most, least) with
most ≠ least, and model it sequentially: first the most pick among all options, then the least
pick among the remaining ones.

Category order
--------------
Pairs are ordered by the most pick, then by the least pick, skipping ``least == most``: for
options ``A, B, C, D`` the categories are ``A>B, A>C, A>D, B>A, B>C, B>D, C>A, …, D>C`` (the
code ``"A>D"`` reads "A picked as most, D as least"). Category ``c`` of pair (j, k) is
``j·(K−1) + k − [k > j]``.

Category scores
---------------
A pair's score is the most pick's score plus the least pick's score, ``s(j, k) = m_j + l_k``,
the summed score of the two parts as they were scored separately (``m`` the SME credits,
``l = max credit − credit``). The option scores are recovered from the pair scores
(:func:`split_pair_scores`), so the generic model interface of :mod:`scoring.models`, which
passes one score per category, carries everything the joint models need.

Parameters
----------
The utilities of the options are linear in θ, as in the divide-by-total models:
``u_j(θ) = α_j θ + γ_j`` for the most pick and ``v_k(θ) = β_k θ + δ_k`` for the least pick. The
``base`` model (nominal or generalized partial credit) says how they depend on the parameters;
a joint item's parameters are the base parameters of the most part followed by those of the
least part (nominal: ``α_1..α_{K−1}, γ_1..γ_{K−1}, β_1..β_{K−1}, δ_1..δ_{K−1}``; GPCM:
``a, γ_1..γ_{K−1}, b, δ_1..δ_{K−1}`` with ``α_j = a (m_j − m_0)``, ``β_k = b (l_k − l_0)``) — the
same numbers as the two-part calibration, which makes the two directly comparable. The
*shared* variant (Marley–Louviere's sequential best–worst model) has one utility per option,
``v = −u``, and only the most part's parameters.

Choice of the default (separate least utilities)
------------------------------------------------
``nrm_most_least`` / ``gpcm_most_least`` (separate least utilities) are the models
``sjt calibrate`` uses for ``most_least`` items. They nest the shared model (``β = −α``,
``δ = −γ``), keep the parameter count and layout of the two-part treatment they replace, and
allow an option to be seldom picked at either end — common in SJTs, where a plausible middle
option is neither best nor worst, which a single utility scale cannot express. The recovery
study in ``tests/scoring/test_most_least.py`` shows both sides: when the least utilities are
not the negated most utilities, the shared model loses far more log-likelihood than its fewer
parameters save (AIC prefers the separate model), while data from the shared model are
recovered without bias by the separate model. The shared models stay available
(``nrm_best_worst`` / ``gpcm_best_worst``) for banks where a likelihood-ratio test supports
them.

References
----------
Marley, A. A. J., & Louviere, J. J. (2005). Some probabilistic models of best, worst, and
best–worst choices. Journal of Mathematical Psychology, 49, 464–480.
Flynn, T. N., Louviere, J. J., Peters, T. J., & Coast, J. (2007). Best–worst scaling: What it
can do for health care research and how to do it. Journal of Health Economics, 26, 171–189.
Bock, R. D. (1972). Estimating item parameters and latent ability when responses are scored
in two or more nominal categories. Psychometrika, 37, 29–51.
Muraki, E. (1992). A generalized partial credit model: Application of an EM algorithm.
Applied Psychological Measurement, 16, 159–176.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal, TypeGuard

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.data import ItemSpec, ResponseMatrix
from scoring.errors import ScoringError
from scoring.models import (
    DivideByTotalModel,
    Form,
    GeneralizedPartialCredit,
    ItemModel,
    NominalResponse,
)

PAIR_SEPARATOR = ">"
"""Joins the most and least option codes of a pair category: ``"A>D"``."""


# ------------------------------------------------------------------------- pair categories


def options_of(n_categories: int) -> int:
    """Number of options ``K`` of a joint item with ``K(K−1)`` categories (K ≥ 3).

    Raises ``ScoringError`` when ``n_categories`` is not ``K(K−1)`` for an integer K ≥ 3.
    """
    k = int(np.rint((1.0 + np.sqrt(1.0 + 4.0 * n_categories)) / 2.0))
    if k < 3 or k * (k - 1) != n_categories:
        raise ScoringError(
            f"a joint most/least item has K(K-1) categories for K >= 3 options "
            f"(6, 12, 20, ...), got {n_categories}"
        )
    return k


def pair_options(n_options: int) -> tuple[IntArray, IntArray]:
    """Most and least option index of every pair category, each shape (K(K−1),)."""
    most = np.repeat(np.arange(n_options), n_options - 1)
    least = np.array(
        [k for j in range(n_options) for k in range(n_options) if k != j], dtype=np.int64
    )
    return most.astype(np.int64), least


def pair_category(most: IntArray, least: IntArray, n_options: int) -> IntArray:
    """Pair category of (most, least) option indices (arrays of equal shape, most ≠ least)."""
    most = np.asarray(most, dtype=np.int64)
    least = np.asarray(least, dtype=np.int64)
    return most * (n_options - 1) + least - (least > most)


def pair_codes(codes: Sequence[str | int]) -> tuple[str, ...]:
    """Codes of the pair categories: ``"<most>><least>"`` in category order."""
    most, least = pair_options(len(codes))
    return tuple(f"{codes[j]}{PAIR_SEPARATOR}{codes[k]}" for j, k in zip(most, least, strict=True))


def option_codes(pair: Sequence[str | int]) -> tuple[str, ...]:
    """Option codes of a joint item from its pair codes (inverse of :func:`pair_codes`)."""
    n_options = options_of(len(pair))
    firsts = [str(code).split(PAIR_SEPARATOR)[0] for code in pair[:: n_options - 1]]
    if pair_codes(firsts) != tuple(str(code) for code in pair):
        raise ScoringError(f"pair codes {list(pair)[:4]}… are not in most>least category order")
    return tuple(firsts)


def split_pair_scores(pair_scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Option scores (most part, least part), each (J, K), from pair scores (J, K(K−1)).

    Solves ``s(j, k) = m_j + l_k`` by least squares; the solution is unique up to moving a
    constant from ``l`` to ``m``, fixed by ``min(l) = 0`` (true of the bank's parts, whose least
    scores are ``max credit − credit``). Raises ``ScoringError`` when the pair scores are not
    such sums.
    """
    pair_scores = np.atleast_2d(np.asarray(pair_scores, dtype=float))
    n_options = options_of(pair_scores.shape[1])
    most, least = pair_options(n_options)
    design = np.zeros((most.size, 2 * n_options))
    design[np.arange(most.size), most] = 1.0
    design[np.arange(most.size), n_options + least] = 1.0
    solution, *_ = np.linalg.lstsq(design, pair_scores.T, rcond=None)
    if not np.allclose(design @ solution, pair_scores.T, atol=1e-8):
        raise ScoringError("pair scores must be sums of a most-pick and a least-pick score")
    m, ell = solution[:n_options].T, solution[n_options:].T
    shift = ell.min(axis=1, keepdims=True)
    return np.round(m + shift, 12) + 0.0, np.round(ell - shift, 12) + 0.0


def joint_item_spec(
    item_id: str, most: ItemSpec, least: ItemSpec, dimension: str | None = None
) -> ItemSpec:
    """The joint item of two parts that share their option codes.

    Codes are the pair codes, scores the sums ``most.scores[j] + least.scores[k]``.
    """
    if most.codes != least.codes:
        raise ScoringError(
            f"item {item_id}: the most and least parts list different options "
            f"({list(most.codes)} vs {list(least.codes)})"
        )
    if most.dimension != least.dimension:
        raise ScoringError(f"item {item_id}: the most and least parts measure different dimensions")
    n_options = most.n_categories
    if n_options < 3:
        raise ScoringError(f"item {item_id}: a most/least item needs at least 3 options")
    j, k = pair_options(n_options)
    scores = np.asarray(most.scores)[j] + np.asarray(least.scores)[k]
    return ItemSpec(
        item_id,
        dimension or most.dimension,
        pair_codes(most.codes),
        tuple(float(s) for s in scores),
    )


def part_specs(spec: ItemSpec, most_id: str, least_id: str) -> tuple[ItemSpec, ItemSpec]:
    """The most and least parts of a joint item (inverse of :func:`joint_item_spec`)."""
    codes: tuple[str | int, ...] = option_codes(spec.codes)
    m, ell = split_pair_scores(np.array([spec.scores]))
    return (
        ItemSpec(most_id, spec.dimension, codes, tuple(float(v) for v in m[0])),
        ItemSpec(least_id, spec.dimension, codes, tuple(float(v) for v in ell[0])),
    )


def join_pairs(most: IntArray, least: IntArray, n_options: int) -> IntArray:
    """Pair categories of two part columns; -1 where both are missing.

    Raises ``ScoringError`` naming the first bad row (0-based) when exactly one part is
    missing or both picks are the same option; callers add the item id and file location.
    """
    most = np.asarray(most, dtype=np.int64)
    least = np.asarray(least, dtype=np.int64)
    problem = _pair_problem(most, least)
    if problem is not None:
        raise ScoringError(f"row {problem[0]}: {problem[1]}")
    out = np.where(
        most >= 0, pair_category(np.maximum(most, 0), np.maximum(least, 0), n_options), -1
    )
    return out.astype(np.int64)


def _pair_problem(most: IntArray, least: IntArray) -> tuple[int, str] | None:
    """The first row where the two picks cannot form a pair, and why; None if all can."""
    one_missing = (most < 0) != (least < 0)
    same = (most >= 0) & (most == least)
    bad = np.flatnonzero(one_missing | same)
    if bad.size == 0:
        return None
    row = int(bad[0])
    if same[row]:
        return row, "the same option is picked as most and as least"
    part = "least" if least[row] < 0 else "most"
    return row, f"the {part} pick is missing while the other is given"


def split_pairs(categories: IntArray, n_options: int) -> tuple[IntArray, IntArray]:
    """Most and least option indices of pair categories (-1 stays -1 in both)."""
    categories = np.asarray(categories, dtype=np.int64)
    most, least = pair_options(n_options)
    present = categories >= 0
    safe = np.where(present, categories, 0)
    return np.where(present, most[safe], -1), np.where(present, least[safe], -1)


def join_parts(
    data: ResponseMatrix,
    parts: Mapping[str, tuple[str, str]],
    row_labels: Sequence[str] | None = None,
) -> ResponseMatrix:
    """Replace each pair of part columns by one joint column.

    Parameters
    ----------
    data : ResponseMatrix
    parts : mapping
        Joint item id → (most part id, least part id), both columns of ``data`` with the same
        options and dimension.
    row_labels : sequence of str, optional
        Names of the rows (candidate ids) for error messages.

    Returns
    -------
    ResponseMatrix
        The joint column takes the place of the most part; the least part's column is dropped.
        Codes and scores of the joint item are those of :func:`joint_item_spec`.

    Raises
    ------
    ScoringError
        Naming the item and the row (candidate) where exactly one part is answered or both
        parts name the same option.
    """
    if not parts:
        return data
    position = {item_id: j for j, item_id in enumerate(data.item_ids)}
    replaced: dict[int, tuple[ItemSpec, IntArray]] = {}
    dropped: set[int] = set()
    for joint_id, (most_id, least_id) in parts.items():
        missing = [part for part in (most_id, least_id) if part not in position]
        if missing:
            raise ScoringError(f"item {joint_id}: no data column {missing[0]!r}")
        most_col, least_col = position[most_id], position[least_id]
        spec = joint_item_spec(joint_id, data.items[most_col], data.items[least_col])
        most, least = data.responses[:, most_col], data.responses[:, least_col]
        problem = _pair_problem(most, least)
        if problem is not None:
            row, reason = problem
            label = f" (candidate {row_labels[row]!r})" if row_labels is not None else ""
            raise ScoringError(
                f"item {joint_id}, row {row + 1}{label}: {reason} "
                f"(columns {most_id!r} and {least_id!r})"
            )
        column = join_pairs(most, least, data.items[most_col].n_categories)
        replaced[most_col] = (spec, column)
        dropped.add(least_col)
    specs, columns = [], []
    for j, item in enumerate(data.items):
        if j in dropped:
            continue
        spec, column = replaced.get(j, (item, data.responses[:, j]))
        specs.append(spec)
        columns.append(column)
    return ResponseMatrix(np.stack(columns, axis=1), tuple(specs), data.dimensions)


# ------------------------------------------------------------------------------ the models


class SequentialMostLeast(ItemModel):
    """Sequential most/least (best–worst) choice model for one answer of K options.

    Parameters
    ----------
    base : DivideByTotalModel
        How the option utilities depend on the parameters (nominal: free option slopes;
        GPCM: a slope times the fixed option scores).
    shared : bool
        True for one utility per option (least utilities ``v = −u``); False for separate
        least utilities.

    Notes
    -----
    With most utilities ``u_j(θ) = α_j θ + γ_j`` and least utilities ``v_k(θ) = β_k θ + δ_k``,

    ``P(most = j | θ) = exp(u_j) / Σ_m exp(u_m)``,

    ``P(least = k | most = j, θ) = exp(v_k) / Σ_{m ≠ j} exp(v_m)`` for k ≠ j,

    and the pair category (j, k) has probability ``P(j, k | θ)`` = their product (Marley &
    Louviere, 2005, the sequential best-then-worst model; shared utilities ``v = −u``).

    The θ-derivative of the log-probability is ``(α_j − ᾱ) + (β_k − β̄_{−j})`` with
    ``ᾱ = Σ_m P(m) α_m`` and ``β̄_{−j} = Σ_{m≠j} P(m | j) β_m``. The second term has mean zero
    given the most pick, so the cross term vanishes and the Fisher information is the variance
    identity

    ``I(θ) = Var(α_J | θ) + E_J[ Var(β_K | J, θ) ]``,

    the variance of the most pick's slope plus the expected conditional variance of the least
    pick's slope (:meth:`information`).

    References
    ----------
    Marley, A. A. J., & Louviere, J. J. (2005). Some probabilistic models of best, worst, and
    best–worst choices. Journal of Mathematical Psychology, 49, 464–480.
    Bock, R. D. (1972). Estimating item parameters and latent ability when responses are
    scored in two or more nominal categories. Psychometrika, 37, 29–51.
    Muraki, E. (1992). A generalized partial credit model: Application of an EM algorithm.
    Applied Psychological Measurement, 16, 159–176.
    """

    form: ClassVar[Form] = "sequential"

    def __init__(self, name: str, base: DivideByTotalModel, shared: bool) -> None:
        self.name = name  # type: ignore[misc]  # the registry key of this instance
        self.base = base
        self.shared = shared
        self.default_priors = base.default_priors  # type: ignore[misc]
        self.needs_orientation = base.needs_orientation  # type: ignore[misc]

    # ------------------------------------------------------------------ layout and design
    def n_params(self, n_categories: int) -> int:
        per_part = self.base.n_params(options_of(n_categories))
        return per_part if self.shared else 2 * per_part

    def check_categories(self, n_categories: int) -> None:
        try:
            options_of(n_categories)
        except ScoringError as error:
            raise ScoringError(f"{self.name}: {error}") from None

    def slope_mask(self, n_categories: int) -> BoolArray:
        mask = self.base.slope_mask(options_of(n_categories))
        return mask if self.shared else np.concatenate([mask, mask])

    def design(self, scores: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Design arrays (J, K, P) of α, γ, β, δ: e.g. ``α = SM @ params``."""
        m, ell = split_pair_scores(scores)
        s_most, c_most = self.base.design(m)
        if self.shared:
            return s_most, c_most, -s_most, -c_most
        s_least, c_least = self.base.design(ell)
        zeros = np.zeros_like(s_most)
        return (
            np.concatenate([s_most, zeros], axis=2),
            np.concatenate([c_most, zeros], axis=2),
            np.concatenate([zeros, s_least], axis=2),
            np.concatenate([zeros, c_least], axis=2),
        )

    def utilities(
        self, params: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Option slopes and intercepts (J, K) of the most (α, γ) and least (β, δ) picks."""
        arrays = self.design(scores)
        alpha, gamma, beta, delta = (np.einsum("jkp,jp->jk", a, params) for a in arrays)
        return alpha, gamma, beta, delta

    # ----------------------------------------------------------------------- probabilities
    def _parts(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """(α, β, P(most) (J,K,Q), P(least | most) (J,K_most,K_least,Q), log P(pair) (J,C,Q))."""
        alpha, gamma, beta, delta = self.utilities(params, scores)
        theta = np.asarray(theta, dtype=float)
        u = alpha[:, :, None] * theta[None, None, :] + gamma[:, :, None]
        v = beta[:, :, None] * theta[None, None, :] + delta[:, :, None]
        log_most = u - _logsumexp(u, axis=1)
        n_options = alpha.shape[1]
        excluded = ~np.eye(n_options, dtype=bool)  # excluded[j, k]: k may follow most = j
        v_given = np.where(excluded[None, :, :, None], v[:, None, :, :], -np.inf)
        log_least = v_given - _logsumexp(v_given, axis=2)  # (J, K_most, K_least, Q)
        most_idx, least_idx = pair_options(n_options)
        log_pair = log_most[:, most_idx] + log_least[:, most_idx, least_idx]
        return alpha, beta, np.exp(log_most), np.exp(log_least), log_pair

    def probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        return np.exp(self._parts(params, scores, theta)[4])

    def log_probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        """log P(pair | θ), shape (J, K(K−1), Q), without underflow."""
        return self._parts(params, scores, theta)[4]

    def theta_derivative(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        alpha, beta, p_most, p_least, log_pair = self._parts(params, scores, theta)
        most_idx, least_idx = pair_options(alpha.shape[1])
        mean_alpha = np.einsum("jkq,jk->jq", p_most, alpha)  # (J, Q)
        mean_beta = np.einsum("jmkq,jk->jmq", p_least, beta)  # (J, K_most, Q)
        score = (
            alpha[:, most_idx, None]
            - mean_alpha[:, None, :]
            + beta[:, least_idx, None]
            - mean_beta[:, most_idx, :]
        )
        return np.exp(log_pair) * score

    def information(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        """Fisher information (J, Q) by the variance identity of the class Notes."""
        alpha, beta, p_most, p_least, _ = self._parts(params, scores, theta)
        mean_alpha = np.einsum("jkq,jk->jq", p_most, alpha)
        var_alpha = np.einsum("jkq,jk->jq", p_most, alpha**2) - mean_alpha**2
        mean_beta = np.einsum("jmkq,jk->jmq", p_least, beta)
        var_beta = np.einsum("jmkq,jk->jmq", p_least, beta**2) - mean_beta**2
        return np.maximum(var_alpha, 0.0) + np.einsum("jmq,jmq->jq", p_most, var_beta)

    def jacobian(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        # ∂ log P(j,k)/∂φ = (∂u_j − Σ_m P(m) ∂u_m) + (∂v_k − Σ_{m≠j} P(m | j) ∂v_m),
        # with ∂u_m/∂φ_p = θ SM_mp + CM_mp and ∂v_m/∂φ_p = θ SL_mp + CL_mp.
        s_most, c_most, s_least, c_least = self.design(scores)
        _, _, p_most, p_least, log_pair = self._parts(params, scores, theta)
        theta = np.asarray(theta, dtype=float)
        du = s_most[..., None] * theta + c_most[..., None]  # (J, K, P, Q)
        dv = s_least[..., None] * theta + c_least[..., None]
        mean_du = np.einsum("jmq,jmpq->jpq", p_most, du)
        mean_dv = np.einsum("jmkq,jkpq->jmpq", p_least, dv)  # given most = m
        most_idx, least_idx = pair_options(s_most.shape[1])
        grad = du[:, most_idx] - mean_du[:, None] + dv[:, least_idx] - mean_dv[:, most_idx]
        return np.moveaxis(np.exp(log_pair)[:, :, None, :] * grad, 2, 1)

    # ------------------------------------------------------------------ starts and layout
    def start_values(self, scores: FloatArray) -> FloatArray:
        m, ell = split_pair_scores(scores)
        most = self.base.start_values(m)
        return most if self.shared else np.concatenate([most, self.base.start_values(ell)], 1)

    def empirical_start(self, params: FloatArray, counts: FloatArray) -> FloatArray:
        """Starting intercepts from observed pair counts (J, K(K−1)): logits of the marginal
        most and least proportions against option 0."""
        n_options = options_of(counts.shape[1])
        most_idx, least_idx = pair_options(n_options)
        out = params.copy()
        per_part = self.base.n_params(n_options)
        intercept = ~self.base.slope_mask(n_options)
        for offset, index in ((0, most_idx), (per_part, least_idx)):
            if self.shared and offset:
                break
            marginal = np.stack([np.bincount(index, weights=row, minlength=n_options)
                                 for row in counts]) + 0.5  # fmt: skip
            logits = np.log(marginal[:, 1:] / marginal[:, :1])
            out[:, offset : offset + per_part][:, intercept] = logits
        return out

    def to_categories(
        self, params: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Option slopes and intercepts (J, 2K): the most part's, then the least part's.

        Not per category: a joint item's categories are option pairs, and its probabilities
        are products of two softmax choices (class Notes).
        """
        alpha, gamma, beta, delta = self.utilities(params, scores)
        return np.concatenate([alpha, beta], 1), np.concatenate([gamma, delta], 1)

    def from_categories(
        self, slopes: FloatArray, intercepts: FloatArray, scores: FloatArray
    ) -> FloatArray:
        """Parameters (J, P) from option slopes and intercepts (J, 2K) of :meth:`to_categories`."""
        m, ell = split_pair_scores(scores)
        n_options = m.shape[1]
        if slopes.shape[1] != 2 * n_options or intercepts.shape[1] != 2 * n_options:
            raise ScoringError(f"{self.name}: expected most and least utilities of {n_options} "
                               "options each")  # fmt: skip
        most = self.base.from_categories(slopes[:, :n_options], intercepts[:, :n_options], m)
        if self.shared:
            expected_slopes, expected_intercepts = self.to_categories(most, scores)
            if not (
                np.allclose(_relative(expected_slopes, n_options), _relative(slopes, n_options),
                            atol=1e-6)
                and np.allclose(_relative(expected_intercepts, n_options),
                                _relative(intercepts, n_options), atol=1e-6)
            ):  # fmt: skip
                raise ScoringError(
                    f"{self.name}: least utilities must be the negated most utilities"
                )
            return most
        least = self.base.from_categories(slopes[:, n_options:], intercepts[:, n_options:], ell)
        return np.concatenate([most, least], axis=1)

    def reflect(self, params: FloatArray) -> FloatArray:
        if self.shared:
            return self.base.reflect(params)
        half = params.shape[1] // 2
        return np.concatenate(
            [self.base.reflect(params[:, :half]), self.base.reflect(params[:, half:])], axis=1
        )


def _relative(values: FloatArray, n_options: int) -> FloatArray:
    """Most and least utilities (J, 2K), each half relative to its option 0."""
    most, least = values[:, :n_options], values[:, n_options:]
    return np.concatenate([most - most[:, :1], least - least[:, :1]], axis=1)


def _logsumexp(values: FloatArray, axis: int) -> FloatArray:
    """log Σ exp(values) along ``axis`` (kept), safe for -inf entries."""
    peak = np.max(values, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return peak + np.log(np.sum(np.exp(values - peak), axis=axis, keepdims=True))


JointVariant = Literal["separate", "shared"]

JOINT_MODELS: dict[str, ItemModel] = {
    model.name: model
    for model in (
        SequentialMostLeast("nrm_most_least", NominalResponse(), shared=False),
        SequentialMostLeast("gpcm_most_least", GeneralizedPartialCredit(), shared=False),
        SequentialMostLeast("nrm_best_worst", NominalResponse(), shared=True),
        SequentialMostLeast("gpcm_best_worst", GeneralizedPartialCredit(), shared=True),
    )
}
"""The joint models by registry key: ``<base>_most_least`` (separate least utilities, the
default) and ``<base>_best_worst`` (shared utilities)."""


def is_joint(model: ItemModel) -> TypeGuard[SequentialMostLeast]:
    """Whether ``model`` is a joint most/least model."""
    return isinstance(model, SequentialMostLeast)


JOINT_BASES: tuple[str, ...] = tuple(
    dict.fromkeys(model.base.name for model in JOINT_MODELS.values() if is_joint(model))
)
"""Keys of the base models that have joint most/least models, in registry order."""


def joint_model_name(base: str, variant: JointVariant = "separate") -> str:
    """Registry key of the joint model on ``base`` (one of :data:`JOINT_BASES`)."""
    if base not in JOINT_BASES:
        raise ScoringError(
            f"most/least items can be modelled jointly with {' or '.join(JOINT_BASES)}, "
            f"not {base!r}"
        )
    return f"{base}_most_least" if variant == "separate" else f"{base}_best_worst"


__all__ = [
    "JOINT_BASES",
    "JOINT_MODELS",
    "PAIR_SEPARATOR",
    "SequentialMostLeast",
    "is_joint",
    "join_pairs",
    "join_parts",
    "joint_item_spec",
    "joint_model_name",
    "option_codes",
    "options_of",
    "pair_category",
    "pair_codes",
    "pair_options",
    "part_specs",
    "split_pair_scores",
    "split_pairs",
]
