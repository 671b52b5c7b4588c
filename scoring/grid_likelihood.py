"""Log-likelihoods on a fixed grid of theta, and the moments of a density on that grid.

The one numeric kernel of EAP scoring: :func:`scoring.scoring.score_eap` (independent normal
priors) applies :func:`grid_moments` once per dimension to the log-likelihood times the prior;
:func:`scoring.multivariate.posterior_moments` (correlated prior, live and batch) applies it to
the likelihood times each expectation-propagation cavity.

References
----------
Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a microcomputer
environment. Applied Psychological Measurement, 6, 431–444.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scoring.arrays import FloatArray, IntArray
from scoring.data import MISSING, ResponseMatrix
from scoring.estep import log_probability_table
from scoring.parameters import ModelParameters


@dataclass(frozen=True)
class GridLikelihood:
    """Each dimension's log-likelihood on the prior's 1-D grid, for many candidates.

    Identical response patterns of a dimension share one row.

    Attributes
    ----------
    patterns : tuple of D arrays, each (P_d, G)
        Log-likelihood of each distinct pattern of the dimension at the grid nodes.
    inverse : ndarray of int, shape (N, D)
        Row of each candidate's pattern, per dimension.
    n_answered : ndarray of int, shape (N, D)
    """

    patterns: tuple[FloatArray, ...]
    inverse: IntArray
    n_answered: IntArray

    @classmethod
    def build(
        cls, model: ModelParameters, data: ResponseMatrix, grid: FloatArray
    ) -> GridLikelihood:
        """Log-likelihoods of ``data`` under ``model`` at the nodes ``grid`` (exact)."""
        model.check_responses(data)
        n = data.n_candidates
        patterns: list[FloatArray] = []
        inverse = np.zeros((n, len(model.dimensions)), dtype=np.int64)
        answered = np.zeros((n, len(model.dimensions)), dtype=np.int64)
        for d, dimension in enumerate(model.dimensions):
            groups = model.groups(dimension)
            if not groups:
                patterns.append(np.zeros((1, grid.size)))
                continue
            columns = np.concatenate([g.columns for g in groups])
            n_categories = np.concatenate(
                [np.full(g.columns.size, g.scores.shape[1]) for g in groups]
            ).astype(np.int64)
            responses = data.responses[:, columns]
            first_inverse, unique = _distinct(responses, n_categories)
            table = log_probability_table(
                [g.item_model for g in groups],
                [g.params for g in groups],
                [g.scores for g in groups],
                grid,
            )
            patterns.append(_sum_chosen(unique, n_categories, table))
            inverse[:, d] = first_inverse.reshape(-1)
            answered[:, d] = (responses != MISSING).sum(axis=1)
        return cls(tuple(patterns), inverse, answered)

    def rows(self, candidates: slice | IntArray) -> FloatArray:
        """Log-likelihoods (n, D, G) of the selected candidates."""
        return np.stack(
            [table[self.inverse[candidates, d]] for d, table in enumerate(self.patterns)], axis=1
        )

    def columns(self, candidates: slice | IntArray) -> FloatArray:
        """Log-likelihoods (D, G, n) of the selected candidates, one candidate per column: the
        layout :func:`grid_moments` works on."""
        return np.stack(
            [table.T[:, self.inverse[candidates, d]] for d, table in enumerate(self.patterns)]
        )


def _distinct(responses: IntArray, n_categories: IntArray) -> tuple[IntArray, IntArray]:
    """(pattern of each row, distinct patterns) when rows fit one 63-bit key; otherwise every
    row is its own pattern (comparing whole rows costs more than it saves)."""
    radix = n_categories.astype(np.float64) + 1.0
    if np.sum(np.log2(radix)) < 62:
        weights = np.concatenate([[1], np.cumprod(radix[:-1].astype(np.int64))])
        _, first, inverse = np.unique(
            (responses + 1) @ weights, return_index=True, return_inverse=True
        )
        return inverse.reshape(-1).astype(np.int64), responses[first]
    return np.arange(responses.shape[0], dtype=np.int64), responses


def _sum_chosen(responses: IntArray, n_categories: IntArray, table: FloatArray) -> FloatArray:
    """Σ_j log P(x_j | θ) at the nodes for every row of ``responses`` (P, J), shape (P, G).

    ``table`` (ΣK, G) stacks the items' log-probabilities; the one-hot responses are sparse.
    """
    offsets = np.concatenate([[0], np.cumsum(n_categories)[:-1]])
    rows, items = np.nonzero(responses >= 0)
    indicator = sparse.csr_matrix(
        (np.ones(rows.size), (rows, offsets[items] + responses[rows, items])),
        shape=(responses.shape[0], table.shape[0]),
    )
    return np.asarray(indicator @ table, dtype=np.float64)


def grid_moments(log_density: FloatArray, grid: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of each density ``∝ exp(log_density)`` on the grid nodes.

    Parameters
    ----------
    log_density : ndarray, shape (G, n)
        Unnormalised log densities at ``grid``, one density per column; overwritten (it is the
        work array). Columns, not rows: the maximum runs along contiguous rows and the three
        sums are one matrix product, several times faster than reductions along a short last
        axis.
    grid : ndarray, shape (G,)

    Returns
    -------
    mean, variance : ndarrays, shape (n,)
        ``Σ_q t_q w_q / Σ_q w_q`` and the matching variance (at least 1e-12), the rectangle
        rule of Bock & Mislevy (1982) on equally spaced nodes.
    """
    log_density -= log_density.max(axis=0)
    weights = np.exp(log_density, out=log_density)
    total, first, second = np.stack([np.ones_like(grid), grid, grid**2]) @ weights
    mean = first / total
    variance = np.maximum(second / total - mean**2, 1e-12)
    return mean, variance
