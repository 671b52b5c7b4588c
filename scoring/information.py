"""Observed information of the marginal likelihood by Louis' identity, for item-parameter SEs.

For candidates (response patterns) ``n`` with posterior weights ``w_nq`` over the nodes ``θ_q``
and the complete-data score ``s_n(θ) = ∂ log f(x_n | θ, φ) / ∂φ``, the observed information of
the marginal log-likelihood is

``I(φ) = Σ_n c_n { E_n[−∂² log f(x_n | θ, φ)] − Cov_n[s_n(θ)] }``

(Louis, 1982), with ``c_n`` the pattern frequencies and expectations over each pattern's
posterior. Analytically this is what Oakes' (1999) identity gives; the numerical version of
that identity costs two E-steps per parameter, whereas this costs one E-step and a few matrix
products.

Divide-by-total models (nominal, GPCM, 2PL) have ``log P_jk(θ) = η_jk(θ) − log Σ_m exp η_jm``
with ``η`` linear in the parameters, so the complete-data score of item j is
``s_j(θ) = θ S_jx + C_jx − g_j(θ)`` with the design rows ``S_jx, C_jx`` of the chosen category
and ``g_j(θ) = Σ_m P_jm(θ) (θ S_jm + C_jm)``. Its posterior moments need only ``E_n[θ]``,
``E_n[θ²]``, ``E_n[g(θ)]`` and ``E_n[θ g(θ)]`` per pattern and, for the ``g g'`` part, the
posterior weight of each pair of administered items at each node — all dense products of
size (patterns × parameters²) at most. The complete-data information of these models does
not depend on the chosen category: ``Σ_q n_jq Cov_{P_j(θ_q)}[∂η_j]``. Other models (graded,
and the joint most/least models of :mod:`scoring.most_least`, whose second choice is
normalised over the options left after the first, so ``g`` depends on the response) use the
general route: the per-node scores are formed explicitly in chunks of patterns. A dimension
with any such item takes the general route for all its items, because the posterior couples
every pair of items.

References
----------
Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm.
Journal of the Royal Statistical Society B, 44, 226–233.
Oakes, D. (1999). Direct calculation of the information matrix via the EM algorithm. Journal
of the Royal Statistical Society B, 61, 479–482.
Chalmers, R. P. (2018). Numerical approximation of the observed information matrix with Oakes'
identity. British Journal of Mathematical and Statistical Psychology, 71, 415–436.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.models import DivideByTotalModel, ItemModel

CHUNK_CELLS = 4_000_000
"""Patterns × nodes × parameters per chunk of the general route (about 32 MB of float64)."""


@dataclass(frozen=True)
class GroupBlock:
    """One group of items (same category count) as laid out in the information matrix.

    Attributes
    ----------
    params : ndarray, shape (J, P)
    scores : ndarray, shape (J, K)
    responses : ndarray of int, shape (n_patterns, J)
        Category index of each pattern's response, ``-1`` where not administered.
    """

    params: FloatArray
    scores: FloatArray
    responses: IntArray


def observed_information(
    item_model: ItemModel | Sequence[ItemModel],
    blocks: Sequence[GroupBlock],
    weights: FloatArray,
    counts: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """Observed information (p, p) of the marginal log-likelihood (no prior).

    Parameters
    ----------
    item_model : ItemModel or sequence of ItemModel
        The model of every block, or one model per block.
    blocks : sequence of GroupBlock
        The parameters are ordered block by block, item by item, as ``params.ravel()``.
    weights : ndarray, shape (n_patterns, Q)
        Posterior weights of each pattern over the nodes (rows sum to 1).
    counts : ndarray, shape (n_patterns,)
        Frequency of each pattern.
    theta : ndarray, shape (Q,)
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    models = list(item_model) if isinstance(item_model, Sequence) else [item_model] * len(blocks)
    if len(models) != len(blocks):
        raise ValueError(f"{len(models)} item models for {len(blocks)} blocks")
    divide_by_total = [m for m in models if isinstance(m, DivideByTotalModel)]
    if len(divide_by_total) == len(models):
        return _divide_by_total(divide_by_total, blocks, weights, counts, theta)
    return _general(models, blocks, weights, counts, theta)


def _complete_information_dbt(
    item_model: DivideByTotalModel,
    block: GroupBlock,
    weights: FloatArray,
    counts: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """Expected complete-data information per item (J, P, P): Σ_q n_jq Cov_P[∂η]."""
    answered = (block.responses >= 0).astype(np.float64)  # (n, J)
    n_at_node = answered.T @ (weights * counts[:, None])  # (J, Q)
    prob = item_model.probabilities(block.params, block.scores, theta)  # (J, K, Q)
    S, C = item_model.design(block.scores)
    deta = S[:, :, :, None] * theta[None, None, None, :] + C[:, :, :, None]  # (J, K, P, Q)
    mean = np.einsum("jkq,jkpq->jpq", prob, deta)
    second = np.einsum("jkq,jkpq,jklq->jplq", prob, deta, deta)
    cov = second - mean[:, :, None, :] * mean[:, None, :, :]
    return np.asarray(np.einsum("jq,jplq->jpl", n_at_node, cov))


def _divide_by_total(
    models: Sequence[DivideByTotalModel],
    blocks: Sequence[GroupBlock],
    weights: FloatArray,
    counts: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """Louis' information with the per-pattern posterior covariance of the score written as
    ``Cov_n[s] = Var_n(θ) A Aᵀ − A Cov_n(θ, g)ᵀ − Cov_n(g, θ) Aᵀ + Cov_n[m ⊙ g]``, where
    ``A_n`` holds the slope design rows of the chosen categories (the intercept rows cancel).
    Only the parameters with a slope design (``active``) have non-zero columns in ``A``."""
    n_patterns = weights.shape[0]
    sizes = [b.params.size for b in blocks]
    p = int(sum(sizes))
    G = np.zeros((theta.size, p))  # g(θ_q) for every parameter
    item_of = np.zeros(p, dtype=np.int64)  # item (over all blocks) of each parameter
    active: list[int] = []  # parameters with a slope design (non-zero columns of A)
    A_parts: list[FloatArray] = []
    answered_items = []
    complete = np.zeros((p, p))
    start = 0
    first_item = 0
    for item_model, block, size in zip(models, blocks, sizes, strict=True):
        n_items, n_params = block.params.shape
        S, C = item_model.design(block.scores)  # (J, K, P)
        prob = item_model.probabilities(block.params, block.scores, theta)  # (J, K, Q)
        g = np.einsum("jkq,jkp->jpq", prob, S) * theta[None, None, :] + np.einsum(
            "jkq,jkp->jpq", prob, C
        )  # (J, P, Q)
        G[:, start : start + size] = g.transpose(2, 0, 1).reshape(theta.size, size)
        answered = block.responses >= 0
        chosen = np.where(answered, block.responses, 0)
        for j in range(n_items):
            used = np.flatnonzero(np.any(S[j] != 0, axis=0))
            A_parts.append(S[j][chosen[:, j]][:, used] * answered[:, j, None])
            active += (start + j * n_params + used).tolist()
        item_of[start : start + size] = first_item + np.repeat(np.arange(n_items), n_params)
        info = _complete_information_dbt(item_model, block, weights, counts, theta)
        for j in range(n_items):
            cols = slice(start + j * n_params, start + (j + 1) * n_params)
            complete[cols, cols] = info[j]
        answered_items.append(answered)
        start += size
        first_item += n_items
    A = np.concatenate(A_parts, axis=1) if A_parts else np.zeros((n_patterns, 0))
    index = np.array(active, dtype=np.int64)
    answered_all = np.concatenate(answered_items, axis=1)  # (n, J_total)
    e1 = weights @ theta
    variance = np.maximum(weights @ theta**2 - e1**2, 0.0)
    moments = weights @ np.concatenate([G, G * theta[:, None]], axis=1)  # (n, 2p)
    Eg = moments[:, :p]
    if not answered_all.all():
        mask = answered_all[:, item_of]
        Eg = np.where(mask, Eg, 0.0)
        K = np.where(mask, moments[:, p:], 0.0) - e1[:, None] * Eg  # Cov_n(θ, m ⊙ g)
    else:
        K = moments[:, p:] - e1[:, None] * Eg
    c = counts[:, None]
    cross = _gg_term(answered_all, item_of, weights, counts, G)
    cross -= (Eg * c).T @ Eg
    cross[np.ix_(index, index)] += (A * (c * variance[:, None])).T @ A
    ak = (A * c).T @ K  # (active, p)
    cross[index, :] -= ak
    cross[:, index] -= ak.T
    return np.asarray(complete - cross)


def _gg_term(
    answered: BoolArray,
    item_of: IntArray,
    weights: FloatArray,
    counts: FloatArray,
    G: FloatArray,
) -> FloatArray:
    """Σ_n c_n Σ_q w_nq (m_n ⊙ g_q)(m_n ⊙ g_q)ᵀ, shape (p, p)."""
    n_patterns, n_items = answered.shape
    weighted = weights * counts[:, None]  # (n, Q)
    if answered.all():
        pair_weight = np.broadcast_to(
            weighted.sum(axis=0)[:, None, None], (weights.shape[1], n_items, n_items)
        )
    else:
        pairs = np.zeros((n_items * n_items, weights.shape[1]))
        mask = answered.astype(np.float64)
        step = max(1, CHUNK_CELLS // max(n_items * n_items, 1))
        for lo in range(0, n_patterns, step):
            m = mask[lo : lo + step]
            outer = (m[:, :, None] * m[:, None, :]).reshape(m.shape[0], -1)
            pairs += outer.T @ weighted[lo : lo + step]
        pair_weight = pairs.T.reshape(weights.shape[1], n_items, n_items)
    expanded = pair_weight[:, item_of][:, :, item_of]  # (Q, p, p)
    return np.asarray(np.einsum("qab,qa,qb->ab", expanded, G, G))


def _general(
    models: Sequence[ItemModel],
    blocks: Sequence[GroupBlock],
    weights: FloatArray,
    counts: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """Any item model: per-node complete-data scores formed explicitly, chunk by chunk."""
    n_patterns, n_nodes = weights.shape
    sizes = [b.params.size for b in blocks]
    p = int(sum(sizes))
    scores_by_block = []
    complete = np.zeros((p, p))
    start = 0
    for item_model, block, size in zip(models, blocks, sizes, strict=True):
        prob = np.maximum(item_model.probabilities(block.params, block.scores, theta), 1e-300)
        jac = item_model.jacobian(block.params, block.scores, theta)  # (J, P, K, Q)
        scores_by_block.append(jac / prob[:, None, :, :])
        answered = block.responses >= 0
        chosen = np.where(answered, block.responses, 0)
        onehot = np.zeros((n_patterns, *prob.shape[:2]))
        rows = np.nonzero(answered)
        onehot[rows[0], rows[1], chosen[rows]] = 1.0
        r = np.einsum("njk,nq->jkq", onehot * counts[:, None, None], weights)
        info = _complete_information_numeric(item_model, block, r, theta)
        n_params = block.params.shape[1]
        for j in range(block.params.shape[0]):
            cols = slice(start + j * n_params, start + (j + 1) * n_params)
            complete[cols, cols] = info[j]
        start += size
    cross = np.zeros((p, p))
    total_score = np.zeros((n_patterns, p))
    step = max(1, CHUNK_CELLS // max(n_nodes * p, 1))
    for lo in range(0, n_patterns, step):
        hi = min(n_patterns, lo + step)
        s = np.zeros((hi - lo, n_nodes, p))
        start = 0
        for block, d in zip(blocks, scores_by_block, strict=True):
            n_items, n_params = block.params.shape
            responses = block.responses[lo:hi]
            for j in range(n_items):
                answered = responses[:, j] >= 0
                picked = d[j][:, np.where(answered, responses[:, j], 0), :]  # (P, b, Q)
                cols = slice(start + j * n_params, start + (j + 1) * n_params)
                s[:, :, cols] = np.where(answered[:, None, None], picked.transpose(1, 2, 0), 0.0)
            start += block.params.size
        w = weights[lo:hi]
        total_score[lo:hi] = np.einsum("nq,nqp->np", w, s)
        scaled = s * np.sqrt(w * counts[lo:hi, None])[:, :, None]
        flat = scaled.reshape(-1, p)
        cross += flat.T @ flat
    outer = (total_score * counts[:, None]).T @ total_score
    return np.asarray(complete - cross + outer)


def _complete_information_numeric(
    item_model: ItemModel, block: GroupBlock, r: FloatArray, theta: FloatArray
) -> FloatArray:
    """−∂² Σ_kq r_jkq log P_jk(θ_q) per item (J, P, P), by central differences of the
    analytic complete-data gradient (cheap: no E-step involved)."""

    def gradient(params: FloatArray) -> FloatArray:
        prob = np.maximum(item_model.probabilities(params, block.scores, theta), 1e-300)
        jac = item_model.jacobian(params, block.scores, theta)
        return np.asarray(np.einsum("jkq,jpkq->jp", r / prob, jac))

    params = block.params
    n_items, n_params = params.shape
    out = np.empty((n_items, n_params, n_params))
    for i in range(n_params):
        h = 1e-5 * np.maximum(1.0, np.abs(params[:, i]))
        up, down = params.copy(), params.copy()
        up[:, i] += h
        down[:, i] -= h
        out[:, :, i] = -(gradient(up) - gradient(down)) / (2 * h[:, None])
    return 0.5 * (out + out.transpose(0, 2, 1))


__all__ = ["GroupBlock", "observed_information"]
