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

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.delivery.policy import CATPolicy
from assessment.errors import AssessmentError
from assessment.model_document import EstimateCorrelation, FormNormMethod, FormNorms, NormSection
from assessment.vocabulary import form_problem
from scoring import (
    MISSING,
    ModelParameters,
    PosteriorEstimate,
    ResponseMatrix,
    ThetaEstimate,
    score_eap_correlated,
)
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


MIN_NORM_SAMPLE = 200
"""Fewest respondents a form's norm tables are made from: the tails (the 2nd and 98th
percentiles that the bands of a T-score rest on) of a smaller sample are too noisy to define
a scale on (``renorm`` refuses a smaller adaptive sample)."""
NORM_SEED = 20270101
"""Seed of the plausible values and simulated answers of a fixed form without enough
respondents of its own."""


@dataclass(frozen=True)
class SampleNorms:
    """A norm sample's tables by form: ``tables`` of its adaptive test's respondents (the
    ``norms`` section, ``norm_reference.form`` "adaptive") and ``fixed`` for the fixed form
    (the ``form_norms.fixed`` entry)."""

    tables: dict[str, NormTable]
    correlation: EstimateCorrelation
    """Correlation of the adaptive test's respondents' estimates."""
    fixed: FormNorms
    n_adaptive: int
    n_fixed: int


def norms_by_form(
    parameters: ModelParameters,
    estimate: ThetaEstimate | PosteriorEstimate,
    took_fixed: NDArray[np.bool_],
    name: str,
    form_items: Collection[str],
    minimum: int = MIN_NORM_SAMPLE,
    names: dict[str, str] | None = None,
) -> SampleNorms:
    """Norm tables of a sample whose rows took the adaptive test or, where ``took_fixed``,
    the fixed form (items ``form_items``), from the sample's EAP ``estimate`` (n, D).

    The adaptive test's respondents make ``tables``. The fixed form's tables come from its own
    respondents when there are at least ``minimum``; otherwise from the fixed form's answers
    simulated under ``parameters`` for one plausible value of every respondent (Mislevy,
    1991; seed ``NORM_SEED``). ``name`` names the sample in the tables' groups, ``names`` in
    other languages. Raises ``AssessmentError`` when the simulation needs items of the form
    that the model lacks.
    """
    dimensions = tuple(estimate.dimensions)
    theta = np.asarray(estimate.theta)
    n_adaptive, n_fixed = int((~took_fixed).sum()), int(took_fixed.sum())
    tables = {
        dimension: NormTable.from_estimates(
            theta[~took_fixed, d], f"{name} (n={n_adaptive})", names
        )
        for d, dimension in enumerate(dimensions)
    }
    correlation = EstimateCorrelation.of_estimates(theta[~took_fixed], dimensions)
    if n_fixed >= max(minimum, 2):
        fixed = form_norms(
            theta[took_fixed], dimensions, f"{name}, fixed form (n={n_fixed})", "respondents",
            names,
        )  # fmt: skip
    else:
        rng = np.random.default_rng(NORM_SEED)
        covariance = getattr(estimate, "covariance", None)
        if covariance is None:  # independent dimensions: the posterior SDs on the diagonal
            covariance = np.einsum(
                "nd,de->nde", np.asarray(estimate.se) ** 2, np.eye(theta.shape[1])
            )
        drawn = plausible_values(theta, covariance, rng)
        simulated = simulated_form_estimates(parameters, drawn, form_items, rng)
        fixed = form_norms(
            simulated, dimensions,
            f"{name} (n={theta.shape[0]}), fixed form simulated from plausible values",
            "plausible_values", names,
            note=f"{n_fixed} fixed-form respondents, fewer than {max(minimum, 2)}",
        )  # fmt: skip
    return SampleNorms(tables, correlation, fixed, n_adaptive, n_fixed)


def check_forms(forms: Sequence[str | None], n: int) -> None:
    """Refuse recorded ``forms`` (None: not recorded) that are not one per row of a sample
    of ``n``, or name an unknown form (``AssessmentError``)."""
    if len(forms) != n:
        raise AssessmentError(f"{len(forms)} recorded forms for a sample of {n} respondents")
    problems = sorted({p for form in forms if form is not None and (p := form_problem(form))})
    if problems:
        raise AssessmentError(f"recorded forms: {'; '.join(problems)}")


def packaged_fixed_form() -> tuple[str, ...]:
    """The packaged fixed form's items (the bank is loaded only when they are needed)."""
    from items import load_bank
    from items.forms import load_fixed_form

    return load_fixed_form(load_bank())


__all__ = [
    "MIN_NORM_SAMPLE",
    "NORM_SEED",
    "SampleNorms",
    "check_forms",
    "delivered_estimates",
    "form_norms",
    "norms_by_form",
    "packaged_fixed_form",
    "plausible_values",
    "simulated_form_estimates",
]
