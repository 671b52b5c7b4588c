"""Psychometric engine: item models, MML-EM calibration, EAP/MAP scoring, diagnostics.

Pure numpy/scipy; knows nothing of files, items or the user interface. Responses are integer
arrays (n_candidates, n_items) with ``MISSING = -1``.
"""

from __future__ import annotations

from scoring.calibration import CalibrationResult, MMLCalibrator, calibrate_mml
from scoring.classical import (
    ClassicalResult,
    DimensionStatistics,
    ItemStatistics,
    OmegaEstimate,
    classical_statistics,
    cronbach_alpha,
    mcdonald_omega,
)
from scoring.correlation import LatentCorrelation, estimate_latent_correlation
from scoring.data import MISSING, ItemSpec, ResponseMatrix
from scoring.errors import ConvergenceWarning, ScoringError
from scoring.fit import (
    ItemFit,
    ItemFitResult,
    PersonFitResult,
    conditional_se,
    item_fit,
    person_fit,
    summed_score_distribution,
    test_information,
)
from scoring.models import MODELS, ItemModel, Priors, get_model
from scoring.multivariate import (
    CandidatePosterior,
    LatentPrior,
    PosteriorEstimate,
    score_correlated,
    score_eap_correlated,
    score_map_correlated,
)
from scoring.parameters import ItemParameters, ModelParameters
from scoring.quadrature import DEFAULT_GRID, Quadrature, QuadratureGrid
from scoring.scoring import ThetaEstimate, score, score_eap, score_map
from scoring.simulate import simulate_responses, simulate_theta

__all__ = [
    "DEFAULT_GRID",
    "MISSING",
    "MODELS",
    "CalibrationResult",
    "CandidatePosterior",
    "ClassicalResult",
    "ConvergenceWarning",
    "DimensionStatistics",
    "ItemFit",
    "ItemFitResult",
    "ItemModel",
    "ItemParameters",
    "ItemSpec",
    "ItemStatistics",
    "LatentCorrelation",
    "LatentPrior",
    "MMLCalibrator",
    "ModelParameters",
    "OmegaEstimate",
    "PersonFitResult",
    "PosteriorEstimate",
    "Priors",
    "Quadrature",
    "QuadratureGrid",
    "ResponseMatrix",
    "ScoringError",
    "ThetaEstimate",
    "calibrate_mml",
    "classical_statistics",
    "conditional_se",
    "cronbach_alpha",
    "estimate_latent_correlation",
    "get_model",
    "item_fit",
    "mcdonald_omega",
    "person_fit",
    "score",
    "score_correlated",
    "score_eap",
    "score_eap_correlated",
    "score_map",
    "score_map_correlated",
    "simulate_responses",
    "simulate_theta",
    "summed_score_distribution",
    "test_information",
]
