"""Information criteria of a fitted model: AIC and BIC from its log-likelihood.

References
----------
Akaike, H. (1974). A new look at the statistical model identification. IEEE Transactions on
Automatic Control, 19, 716–723.
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics, 6, 461–464.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def aic(loglik: float, n_params: int) -> float:
    """Akaike's information criterion, ``−2 log L + 2 p``."""
    return -2.0 * loglik + 2.0 * n_params


def bic(loglik: float, n_params: int, n_observations: int) -> float:
    """Bayesian information criterion, ``−2 log L + p log n`` (n candidates)."""
    return -2.0 * loglik + math.log(n_observations) * n_params


class InformationCriteria:
    """AIC and BIC of a fit that states its ``loglik``, ``n_params`` and ``n_candidates``: one
    definition for every fit type that reports them (mixed into frozen dataclasses)."""

    loglik: float
    n_params: int
    n_candidates: int

    @property
    def aic(self) -> float:
        return aic(self.loglik, self.n_params)

    @property
    def bic(self) -> float:
        return bic(self.loglik, self.n_params, self.n_candidates)


@dataclass(frozen=True)
class ModelFit(InformationCriteria):
    """Marginal log-likelihood and parameter count of a model fitted to ``n_candidates``."""

    loglik: float
    n_params: int
    n_candidates: int
