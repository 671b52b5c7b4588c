"""Information criteria of a fitted model: AIC and BIC from its log-likelihood.

References
----------
Akaike, H. (1974). A new look at the statistical model identification. IEEE Transactions on
Automatic Control, 19, 716–723.
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics, 6, 461–464.
"""

from __future__ import annotations

import math


def aic(loglik: float, n_params: int) -> float:
    """Akaike's information criterion, ``−2 log L + 2 p``."""
    return -2.0 * loglik + 2.0 * n_params


def bic(loglik: float, n_params: int, n_observations: int) -> float:
    """Bayesian information criterion, ``−2 log L + p log n`` (n candidates)."""
    return -2.0 * loglik + math.log(n_observations) * n_params
