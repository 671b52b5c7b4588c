"""Scoring under a correlated prior: one candidate's update after an answer, and batch scoring.

Design
------
Five dimensions with all correlations 0.5; 26 items per dimension as in the bank (GPCM with 4
categories, slopes U(0.4, 0.9), sorted N(0, 1) thresholds), and the seed fixed.

* **Per answer** (the live adaptive test): a :class:`scoring.CandidatePosterior` takes one
  answer after another (30 answers, 6 per dimension, a new candidate every 30), and each time
  its posterior mean and covariance are computed (``with_answer`` + ``moments``): the median
  and 95th percentile over 600 answers, in milliseconds. Then the one-step expected posterior
  covariance of every one of the 130 items (``expected_posterior_covariance`` with all items'
  log-probability tables at once), the cost of one minimum-expected-variance item choice.
* **Batch**: ``score_eap_correlated`` of 100,000 candidates (10,000 with
  ``SJT_BENCH_QUICK=1``) who each answered a random half of the items, in seconds, next to the
  unidimensional ``score_eap`` of the same data; and the QMC-corrected integration
  (``integration="qmc"``, 1,024 points) on 2,000 candidates, for scale.

Run with one BLAS thread (``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``) on a shared machine.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import Figure, quick_mode
from scoring import (
    ItemParameters,
    ItemSpec,
    ModelParameters,
    score_eap,
    simulate_responses,
)
from scoring.multivariate import (
    CandidatePosterior,
    LatentPrior,
    expected_posterior_covariance,
    score_eap_correlated,
)
from scoring.simulate import simulate_theta

DIMENSIONS = ("service_orientation", "resilience", "composure", "empathy", "integrity")
RHO = 0.5


def _model(rng: np.random.Generator) -> ModelParameters:
    items = []
    for dimension in DIMENSIONS:
        for j in range(26):
            a = rng.uniform(0.4, 0.9)
            b = np.sort(rng.normal(0.0, 1.0, 3))
            spec = ItemSpec(f"{dimension}-{j}", dimension, (0, 1, 2, 3), (0.0, 1.0, 2.0, 3.0))
            items.append(ItemParameters(spec, (a, *(-a * np.cumsum(b)))))
    return ModelParameters("gpcm", DIMENSIONS, tuple(items))


def _correlation() -> np.ndarray:
    matrix = np.full((5, 5), RHO)
    np.fill_diagonal(matrix, 1.0)
    return matrix


def _per_answer(model: ModelParameters, rng: np.random.Generator) -> list[Figure]:
    prior = LatentPrior(_correlation())
    tables = np.stack([np.log(model.probabilities(j, prior.grid)) for j in range(130)])
    position = [DIMENSIONS.index(item.dimension) for item in model.items]
    times = []
    posterior = CandidatePosterior.start(prior)
    mean, covariance = posterior.moments()
    for answer in range(600):
        if answer % 30 == 0:
            posterior = CandidatePosterior.start(prior)
        column = int(rng.integers(130))
        category = int(rng.integers(4))
        started = time.perf_counter()
        posterior = posterior.with_answer(position[column], tables[column, category])
        mean, covariance = posterior.moments()
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    for d in range(5):
        members = [j for j in range(130) if position[j] == d]
        expected_posterior_covariance(mean, covariance, d, tables[members], prior)
    selection = time.perf_counter() - started
    milliseconds = 1000.0 * np.array(times)
    return [
        {"name": "update after an answer, median", "value": float(np.median(milliseconds)),
         "unit": "ms", "note": "5-D correlated prior, EP"},
        {"name": "update after an answer, p95", "value": float(np.percentile(milliseconds, 95)),
         "unit": "ms"},
        {"name": "expected posterior covariance, 130 items", "value": 1000.0 * selection,
         "unit": "ms", "note": "one minimum-expected-variance choice"},
    ]  # fmt: skip


def _batch(model: ModelParameters, rng: np.random.Generator) -> list[Figure]:
    n = 10_000 if quick_mode() else 100_000
    theta = simulate_theta(n, 5, rng, _correlation())
    data = simulate_responses(model, theta, rng, missing_rate=0.5)
    started = time.perf_counter()
    estimate = score_eap_correlated(model, data, _correlation())
    correlated = time.perf_counter() - started
    started = time.perf_counter()
    flat = score_eap(model, data)
    independent = time.perf_counter() - started
    subset = data.subset(np.arange(2_000))
    started = time.perf_counter()
    score_eap_correlated(model, subset, prior=LatentPrior(_correlation(), integration="qmc"))
    qmc = time.perf_counter() - started
    gain = float(
        np.mean(
            [
                np.corrcoef(estimate.theta[:, d], theta[:, d])[0, 1] ** 2
                - np.corrcoef(flat.theta[:, d], theta[:, d])[0, 1] ** 2
                for d in range(5)
            ]
        )
    )
    return [
        {"name": f"batch EAP, correlated prior, {n:,} candidates", "value": correlated,
         "unit": "s", "digits": 2, "note": "EP, 121-node grid"},
        {"name": f"batch EAP, independent prior, {n:,} candidates", "value": independent,
         "unit": "s", "digits": 2, "note": "score_eap, 61 nodes"},
        {"name": "batch EAP, QMC-corrected, 2,000 candidates", "value": qmc, "unit": "s",
         "digits": 2, "note": "1,024 Sobol points"},
        {"name": "reliability gain of the correlated prior", "value": gain, "digits": 3,
         "note": "mean over dimensions of the change in r^2(EAP, truth), rho = .5"},
    ]  # fmt: skip


def run() -> list[Figure]:
    """Time multivariate posterior updates and batch scoring."""
    rng = np.random.default_rng(2026)
    model = _model(rng)
    return _per_answer(model, rng) + _batch(model, rng)
