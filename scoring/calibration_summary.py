"""The figures a person reads after a calibration, in one place for the CLI and the workbench."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CalibrationSummary:
    """Fit figures of one MML-EM calibration (``CalibrationResult.summary()``).

    Attributes
    ----------
    model : str
        Item model of the calibration (``nrm``, ``gpcm``, ``2pl``, ``grm``).
    converged : bool
        Whether EM met its tolerance on every dimension within ``max_iter``.
    n_iter : int
        EM iterations in total.
    iterations : Mapping[str, int]
        EM iterations per dimension.
    loglik : float
        Marginal log-likelihood at the estimates.
    n_params : int
        Number of free item parameters.
    n_candidates : int
        Number of respondents in the calibration sample.
    aic, bic : float
        Akaike (1974) and Schwarz (1978) information criteria, ``-2·loglik + 2·p`` and
        ``-2·loglik + ln(n)·p``.
    marginal_reliability : Mapping[str, float]
        Marginal reliability per dimension, in dimension order.
    """

    model: str
    converged: bool
    n_iter: int
    iterations: Mapping[str, int]
    loglik: float
    n_params: int
    n_candidates: int
    aic: float
    bic: float
    marginal_reliability: Mapping[str, float]

    def lines(self) -> list[str]:
        """The figures as the ``sjt calibrate`` printout shows them, one line each."""
        out = [
            f"converged:       {'yes' if self.converged else 'NO'}",
            f"iterations:      {self.n_iter} {dict(self.iterations)}",
            f"log-likelihood:  {self.loglik:.3f}",
            f"parameters:      {self.n_params}",
            f"AIC:             {self.aic:.3f}",
            f"BIC:             {self.bic:.3f}",
            "marginal reliability:",
        ]
        out += [f"  {name:<20} {value:.3f}" for name, value in self.marginal_reliability.items()]
        return out
