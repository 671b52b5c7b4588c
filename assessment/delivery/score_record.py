"""The stored score of a competency and the posterior kept with a session: built here once,
for delivery (``DeliveryService.finish``) and for rescoring (``versions.rescore``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assessment.persistence.store import ScoreRecord, StoredModel


def score_record(
    model: StoredModel, competency: str, theta: float, se: float, n_items: int, form: str
) -> ScoreRecord:
    """A competency's estimate with its T-score and percentile under the version's norms for
    ``form`` (the form's own tables when it has them: estimates of different forms are
    spread differently, ``ModelDocument.form_reference``).

    ``t_score`` and ``percentile`` are None when the version has no norms for the competency.
    """
    table = model.norms_for(form).get(competency)
    return ScoreRecord(
        competency,
        float(theta),
        float(se),
        float(table.t_score(theta)) if table else None,
        float(table.percentile(theta)) if table else None,
        int(n_items),
        model.version_id,
    )


def posterior_record(
    competencies: Sequence[str],
    covariance: NDArray[np.float64],
    latent_correlation: NDArray[np.float64],
    model_version_id: int,
) -> dict[str, Any]:
    """The posterior covariance and prior correlation stored with a session, from which the
    composite's SE is computed (:mod:`scoring.composite`); rows in ``competencies`` order.
    Read back by ``StoredPosterior.from_flags``; the version says which scores it belongs to."""
    return {
        "competencies": list(competencies),
        "covariance": np.asarray(covariance, dtype=float).tolist(),
        "latent_correlation": np.asarray(latent_correlation, dtype=float).tolist(),
        "model_version_id": int(model_version_id),
    }


__all__ = ["posterior_record", "score_record"]
