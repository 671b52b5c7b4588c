"""Norm tables of one form's estimates: the reference group as that form measures it.

EAP estimates shrink towards the prior by an amount that depends on the items answered, so
the distribution of a norm group's estimates differs between the adaptive test and the fixed
form; a percentile read from one form's distribution is biased for the other (a shorter,
less informative form gives estimates with a smaller spread, so its candidates cluster near
the middle of a table built from the longer one). Each form is therefore referenced to
estimates from that same form (Kolen & Brennan, 2014, ch. 9: norms belong to the scores of
the form as administered).

When a form's estimates are not observed for a reference group, they are simulated under the
active model: θ values of the group (simulated candidates' true θ, or plausible values drawn
from each respondent's posterior, Mislevy, 1991) answer the form's items, and the answers
are scored as delivery scores them. Plausible values reproduce the group's latent
distribution, which the estimates from another design do not.

References
----------
Kolen, M. J., & Brennan, R. L. (2014). *Test equating, scaling, and linking* (3rd ed.).
Springer.
Mislevy, R. J. (1991). Randomization-based inference about latent variables from complex
samples. *Psychometrika*, 56(2), 177–196.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from assessment.delivery.policy import CATPolicy
from assessment.errors import AssessmentError
from assessment.model_document import EstimateCorrelation, FormNormMethod, FormNorms, NormSection
from scoring import MISSING, ModelParameters, ResponseMatrix, score_eap_correlated
from scoring.arrays import FloatArray
from scoring.multivariate import LatentPrior
from scoring.norms import NormTable
from scoring.simulate import simulate_responses


def delivered_estimates(parameters: ModelParameters, data: ResponseMatrix) -> FloatArray:
    """EAP estimates of ``data`` as delivery scores them (multivariate, under the model's
    N(0, R), on the engine's grid), shape (n, D) in the model's dimension order."""
    prior = LatentPrior(parameters.correlation, n_grid=CATPolicy().n_quad)
    return np.asarray(score_eap_correlated(parameters, data, prior=prior).theta)


def form_norms(
    theta: FloatArray,
    dimensions: tuple[str, ...],
    group: str,
    method: FormNormMethod,
    names: dict[str, str] | None = None,
    note: str | None = None,
) -> FormNorms:
    """The ``form_norms`` entry of a form from its estimates ``theta`` (n, D)."""
    tables = {
        dimension: NormSection.from_table(NormTable.from_estimates(theta[:, d], group, names))
        for d, dimension in enumerate(dimensions)
    }
    correlation = EstimateCorrelation.of_estimates(theta, dimensions)
    return FormNorms(norms=tables, method=method, estimate_correlation=correlation, note=note)


def simulated_form_estimates(
    parameters: ModelParameters,
    theta: FloatArray,
    form_items: Collection[str],
    rng: np.random.Generator,
) -> FloatArray:
    """Estimates of people at ``theta`` (n, D) answering only the items ``form_items``,
    with answers drawn from ``parameters`` and scored as delivery scores them."""
    columns = [j for j, item_id in enumerate(parameters.item_ids) if item_id in form_items]
    missing = sorted(set(form_items) - set(parameters.item_ids))
    if missing or not columns:
        raise AssessmentError(
            f"the form's items {missing[:5]} are not in the model; a form's norm tables need "
            "every item of the form calibrated"
        )
    data = simulate_responses(parameters, theta, rng)
    responses = np.full_like(data.responses, MISSING)
    responses[:, columns] = data.responses[:, columns]
    return delivered_estimates(parameters, ResponseMatrix(responses, data.items, data.dimensions))


def plausible_values(
    theta: FloatArray, covariance: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """One draw per respondent from the normal approximation of their posterior,
    N(θ̂, Σ) with the posterior covariance Σ (n, D, D): together the draws reproduce the
    group's latent distribution (Mislevy, 1991)."""
    factor = np.linalg.cholesky(np.asarray(covariance) + 1e-12 * np.eye(theta.shape[1]))
    z = rng.standard_normal(theta.shape)
    return np.asarray(theta + np.einsum("nde,ne->nd", factor, z))


__all__ = [
    "delivered_estimates",
    "form_norms",
    "plausible_values",
    "simulated_form_estimates",
]
