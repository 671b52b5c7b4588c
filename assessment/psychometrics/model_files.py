"""The model document of a calibration: parameters, fit, norms from the calibration sample and
provenance — what ``sjt calibrate`` writes and the workbench promotes.

Kept apart from ``versions`` (which stores, promotes and rescores versions) so that building a
model file needs no database: ``sjt calibrate`` runs without one.
"""

from __future__ import annotations

import datetime as dt

from assessment.model_document import (
    EstimateCorrelation,
    ModelDocument,
    NormReference,
    NormSection,
    Provenance,
)
from scoring import (
    CalibrationResult,
    ModelParameters,
    PosteriorEstimate,
    ResponseMatrix,
    ThetaEstimate,
    score_eap,
    score_eap_correlated,
)
from scoring.norms import NormTable

SOFTWARE = "sjt-service 0.1.0"


def calibrated_model_file(
    result: CalibrationResult,
    data: ResponseMatrix,
    source: str,
    parameters: ModelParameters | None = None,
) -> ModelDocument:
    """The model document of a calibration: parameters, fit, norms from the calibration
    sample (EAP estimates; correlated EAP when the calibration estimated a latent correlation),
    provenance. This is what ``sjt calibrate`` writes and what is promoted.

    ``parameters`` replaces the calibration's items (for example with carried-over items
    added); ``data`` must then list the same items in the same order."""
    parameters = parameters or result.parameters
    estimate = eap_estimates(parameters, data)
    sample = f"calibration sample ({source}, n={data.n_candidates})"
    norms = {
        dimension: NormSection.from_table(
            NormTable.from_estimates(estimate.theta[:, d], sample, {"zh": f"校准样本（{source}）"}),
            synthetic=False,
        )
        for d, dimension in enumerate(parameters.dimensions)
    }
    now = dt.datetime.now(dt.UTC)
    provenance = Provenance(
        kind="calibrated",
        created_at=now.isoformat(timespec="seconds"),
        software=SOFTWARE,
        data=source,
        scale="theta ~ N(0, 1) in the calibration sample on every dimension",
    )
    reference = NormReference(
        sample=sample, n=data.n_candidates, date=now.date().isoformat(),
        estimate_correlation=EstimateCorrelation.of_estimates(
            estimate.theta, tuple(parameters.dimensions)
        ),
    )  # fmt: skip
    answers = dict(zip(data.item_ids, map(int, data.answered_counts()), strict=True))
    layout = parameters.to_dict()
    items = {k: layout[k] for k in ("dimensions", "latent_correlation", "items") if k in layout}
    return ModelDocument.from_dict(
        {**result.to_dict(), **items, "norms": {d: n.model_dump() for d, n in norms.items()},
         "norm_reference": reference.model_dump(), "item_answers": answers,
         "provenance": provenance.model_dump()},
        source=f"calibration of {source}",
    )  # fmt: skip


def eap_estimates(
    parameters: ModelParameters, data: ResponseMatrix
) -> ThetaEstimate | PosteriorEstimate:
    """EAP estimates of a norm sample (correlated EAP when the model states a latent
    correlation), as norm tables are built from them."""
    if parameters.latent_correlation is not None:
        return score_eap_correlated(parameters, data)
    return score_eap(parameters, data)


def reference_of(document: ModelDocument) -> NormReference:
    """A model document's ``norm_reference``; for older files, the one its norm tables imply
    (the first table's group and size, the file's creation date)."""
    if document.norm_reference is not None:
        return document.norm_reference
    table = next(iter((document.norms or {}).values()), None)
    created = (document.provenance.created_at or "") if document.provenance else ""
    return NormReference(
        sample=table.group if table else "unknown", n=table.n if table else 0, date=created[:10]
    )


__all__ = ["SOFTWARE", "calibrated_model_file", "eap_estimates", "reference_of"]
