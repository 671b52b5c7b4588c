"""The expectation step shared by calibration, scoring and standard errors.

For one dimension, the log-likelihood of every candidate at every quadrature node is a matrix
product of the candidates' one-hot responses (N, ΣK) with the log category probabilities
(ΣK, Q). Identical response patterns are collapsed first, so the cost grows with the number of
distinct patterns rather than candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.chunks import map_blocks, row_blocks
from scoring.data import one_hot
from scoring.models import ItemModel


@dataclass(frozen=True)
class PatternData:
    """Distinct response patterns of one dimension's items with their frequencies.

    Attributes
    ----------
    indicators : ndarray, shape (n_patterns, ΣK)
        One-hot responses of each distinct pattern (float32 or float64).
    counts : ndarray, shape (n_patterns,)
        How many candidates gave each pattern.
    inverse : ndarray, shape (n_candidates,)
        Pattern index of each candidate.
    n_categories : ndarray, shape (J,)
    responses : ndarray of int, shape (n_patterns, J)
        Category of each item in each pattern (``MISSING`` where not answered).
    """

    indicators: FloatArray
    counts: FloatArray
    inverse: IntArray
    n_categories: IntArray
    responses: IntArray

    @classmethod
    def build(
        cls, responses: IntArray, n_categories: IntArray, dtype: type = np.float32
    ) -> PatternData:
        """Collapse the rows of ``responses`` (N, J) to distinct patterns."""
        inverse, first, counts = _unique_rows(responses, n_categories)
        distinct = responses[first]
        return cls(
            indicators=one_hot(distinct, n_categories, dtype),
            counts=counts.astype(np.float64),
            inverse=inverse,
            n_categories=n_categories,
            responses=distinct,
        )

    def as_dtype(self, dtype: type) -> PatternData:
        return dataclasses.replace(self, indicators=self.indicators.astype(dtype))


def _unique_rows(
    responses: IntArray, n_categories: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct rows: (inverse index per row, first row of each pattern, pattern counts).

    Rows are encoded as one mixed-radix integer when that fits in 63 bits (fast 1-D unique);
    otherwise rows are compared whole.
    """
    radix = n_categories.astype(np.float64) + 1.0
    if np.sum(np.log2(radix)) < 62:
        weights = np.concatenate([[1], np.cumprod(radix[:-1].astype(np.int64))])
        keys = (responses + 1) @ weights
        _, first, inverse, counts = np.unique(
            keys, return_index=True, return_inverse=True, return_counts=True
        )
    else:
        _, first, inverse, counts = np.unique(
            responses, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    return inverse.reshape(-1).astype(np.int64), first, counts


def log_probability_table(
    model: ItemModel | Sequence[ItemModel],
    params: list[FloatArray],
    scores: list[FloatArray],
    theta: FloatArray,
) -> FloatArray:
    """Stack log P(category | theta) of several item groups into (ΣK, Q).

    ``model`` is the model of every group, or one model per group.
    """
    models = list(model) if isinstance(model, Sequence) else [model] * len(params)
    blocks = []
    for group_model, group_params, group_scores in zip(models, params, scores, strict=True):
        logp = group_model.log_probabilities(group_params, group_scores, theta)
        blocks.append(np.maximum(logp, np.log(1e-300)).reshape(-1, theta.size))
    return np.concatenate(blocks, axis=0)


BLOCK_PATTERNS = 16384
"""Patterns per block of the threaded E-step (fixed, so results do not depend on threads)."""


@dataclass(frozen=True)
class Posterior:
    """Posterior over quadrature nodes for each pattern, and the marginal log-likelihood."""

    weights: FloatArray
    """shape (n_patterns, Q); rows sum to 1."""
    pattern_loglik: FloatArray
    """shape (n_patterns,); log marginal likelihood of each pattern."""

    @property
    def loglik(self) -> float:  # pragma: no cover - convenience
        return float(self.pattern_loglik.sum())


def _node_weights(
    indicators: FloatArray, table: FloatArray, prior: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Unnormalised posterior weights (Q, patterns), scaled so that each pattern's largest is
    1, and each pattern's log marginal likelihood: Bayes' rule on the grid.

    ``table`` is log P(category | node) transposed (Q, ΣK) and ``prior`` the log prior
    weights (Q, 1), both of the indicators' dtype. The work array is nodes × patterns, so the
    maximum and the sum over the nodes run along contiguous rows (several times faster than
    along a short last axis).
    """
    weights = table @ indicators.T  # (Q, patterns)
    weights += prior
    peak = weights.max(axis=0)
    weights -= peak
    # Weights below e^-80 are negligible; clipping keeps float32 out of subnormal numbers,
    # which would slow the following matrix products about tenfold.
    np.maximum(weights, -80.0, out=weights)
    np.exp(weights, out=weights)
    total = np.ones(weights.shape[0], dtype=weights.dtype) @ weights
    weights /= total
    pattern_loglik = peak.astype(np.float64) + np.log(total.astype(np.float64))
    return weights, pattern_loglik


def posterior(data: PatternData, log_table: FloatArray, log_prior: FloatArray) -> Posterior:
    """Posterior weights of each distinct pattern over the nodes (Bayes' rule on the grid);
    ``weights`` is the transpose of the nodes × patterns work array, a view."""
    dtype = data.indicators.dtype
    weights, pattern_loglik = _node_weights(
        data.indicators,
        log_table.astype(dtype, copy=False).T,
        log_prior.astype(dtype, copy=False)[:, None],
    )
    return Posterior(weights=weights.T, pattern_loglik=pattern_loglik)


def expected_counts_only(
    data: PatternData,
    log_table: FloatArray,
    log_prior: FloatArray,
    workers: int = 1,
) -> tuple[FloatArray, float]:
    """Expected category counts (ΣK, Q) and the marginal log-likelihood, without keeping the
    posterior: what an EM iteration needs.

    :func:`posterior` then :func:`expected_counts`, block by block. Blocks of
    :data:`BLOCK_PATTERNS` patterns run on ``workers`` threads (the matrix products and
    element-wise passes release the GIL); their counts are added in block order, so the
    result does not depend on ``workers``.
    """
    blocks = row_blocks(data.counts.size, size=BLOCK_PATTERNS)
    table = log_table.astype(data.indicators.dtype, copy=False).T
    prior = log_prior.astype(data.indicators.dtype, copy=False)[:, None]

    def block_counts(rows: slice) -> tuple[FloatArray, float]:
        indicators, counts = data.indicators[rows], data.counts[rows]
        weights, pattern_loglik = _node_weights(indicators, table, prior)
        weights *= counts.astype(weights.dtype)
        return (weights @ indicators).T.astype(np.float64), float(np.dot(counts, pattern_loglik))

    parts = map_blocks(block_counts, blocks, workers)
    counts, loglik = parts[0]
    for block, block_loglik in parts[1:]:
        counts += block
        loglik += block_loglik
    return counts, loglik


def expected_counts(data: PatternData, post: Posterior) -> tuple[FloatArray, float]:
    """Expected category counts at each node (ΣK, Q) and the total marginal log-likelihood."""
    weighted = post.weights.T * data.counts.astype(post.weights.dtype)  # (Q, n_patterns)
    counts = (weighted @ data.indicators).T.astype(np.float64)
    return counts, float(np.dot(data.counts, post.pattern_loglik))
