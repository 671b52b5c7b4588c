"""Review benchmark: the workbench's item analysis of a finished calibration.

Design
------
The workbench's own synthetic dataset (``assessment.demo.synthetic_responses``: 500 simulated
candidates answering the packaged bank, 315 response columns) is calibrated once with the
nominal response model as a calibration job does (most_least parts joined into 210 items,
one E-step thread; not timed). Then each part of the Review tab's item statistics
(``scoring.item_analysis.analyse_items``) is timed on it: classical statistics, S-X2 item fit
(Orlando & Thissen 2000) with its sparse-cell collapsing, rest-posterior fit and Yen's Q3,
and the whole. S-X2 dominated: collapsing recomputed every score group after each merge and
the whole took 70 s here (2026-12-07), a minute a psychometrician waited before the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assessment.demo import synthetic_responses
from assessment.psychometrics.jobs import without_constant_items
from benchmarks import Figure
from items import load_bank
from items.scoring_map import joined_for_calibration
from scoring import MMLCalibrator
from scoring.adaptive_fit import residual_dependence, rest_posterior_fit
from scoring.classical import classical_statistics
from scoring.fit import item_fit
from scoring.item_analysis import analyse_items

MODEL = "nrm"


def _seconds(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run() -> list[Figure]:
    """Time the Review tab's item statistics of the workbench's synthetic calibration."""
    data = synthetic_responses(load_bank())
    joined, item_models = joined_for_calibration(data, MODEL)
    joined, _ = without_constant_items(joined)
    model = MMLCalibrator(MODEL, item_models=item_models, workers=1).fit(joined).parameters
    shape = f"{joined.n_candidates} candidates × {joined.n_items} items"
    parts: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("classical statistics", lambda: classical_statistics(joined)),
        ("S-X2 item fit", lambda: item_fit(model, joined)),
        ("rest-posterior item fit", lambda: rest_posterior_fit(model, joined)),
        ("Q3 residual dependence", lambda: residual_dependence(model, joined)),
        ("item analysis (all of the above)", lambda: analyse_items(model, joined)),
    )
    return [
        Figure(name=name, value=_seconds(work), unit="s", digits=2, note=shape)
        for name, work in parts
    ]
