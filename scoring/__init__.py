"""Psychometric engine: item models, MML-EM calibration, EAP/MAP scoring, diagnostics.

Pure numpy/scipy; knows nothing of files, items or the user interface. Responses are integer
arrays (n_candidates, n_items) with ``MISSING = -1``.
"""

from __future__ import annotations

from scoring.calibration import CalibrationResult, MMLCalibrator, calibrate_mml
from scoring.data import MISSING, ItemSpec, ResponseMatrix
from scoring.errors import ConvergenceWarning, ScoringError
from scoring.models import MODELS, ItemModel, Priors, get_model
from scoring.parameters import ItemParameters, ModelParameters
from scoring.quadrature import Quadrature, normal_quadrature
from scoring.scoring import ThetaEstimate, score, score_eap, score_map
from scoring.simulate import simulate_responses, simulate_theta

__all__ = [
    "MISSING",
    "MODELS",
    "CalibrationResult",
    "ConvergenceWarning",
    "ItemModel",
    "ItemParameters",
    "ItemSpec",
    "MMLCalibrator",
    "ModelParameters",
    "Priors",
    "Quadrature",
    "ResponseMatrix",
    "ScoringError",
    "ThetaEstimate",
    "calibrate_mml",
    "get_model",
    "normal_quadrature",
    "score",
    "score_eap",
    "score_map",
    "simulate_responses",
    "simulate_theta",
]
