"""The model document of a calibration: parameters, fit, norms from the calibration sample and
provenance — what ``sjt calibrate`` writes and the workbench promotes.

Kept apart from ``versions`` (which stores, promotes and rescores versions) so that building a
model file needs no database: ``sjt calibrate`` runs without one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from assessment.errors import DataFileError
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

if TYPE_CHECKING:
    from items import ItemBank

SOFTWARE = "sjt-service 0.1.0"


def calibrated_model_file(
    result: CalibrationResult,
    data: ResponseMatrix,
    source: str,
    parameters: ModelParameters | None = None,
    n_synthetic: int = 0,
) -> ModelDocument:
    """The model document of a calibration: parameters, fit, norms from the calibration
    sample (EAP estimates; correlated EAP when the calibration estimated a latent correlation),
    provenance. This is what ``sjt calibrate`` writes and what is promoted.

    ``parameters`` replaces the calibration's items (for example with carried-over items
    added); ``data`` must then list the same items in the same order. ``n_synthetic``
    respondents of ``data`` are synthetic (a ``_synthetic`` column): with any, the norm
    group includes synthetic people, so the norms, their group's name and the provenance
    say synthetic (and how many), as reports then do."""
    parameters = parameters or result.parameters
    estimate = eap_estimates(parameters, data)
    n = data.n_candidates
    synthetic = n_synthetic > 0
    kind = "synthetic " if n_synthetic == n else ("partly synthetic " if synthetic else "")
    sample = f"{kind}calibration sample ({source}, n={n})"
    zh = ("合成" if synthetic else "") + f"校准样本（{source}）"
    norms = {
        dimension: NormSection.from_table(
            NormTable.from_estimates(estimate.theta[:, d], sample, {"zh": zh}),
            synthetic=synthetic,
        )
        for d, dimension in enumerate(parameters.dimensions)
    }
    now = dt.datetime.now(dt.UTC)
    provenance = Provenance(
        kind="synthetic" if synthetic else "calibrated",
        created_at=now.isoformat(timespec="seconds"),
        software=SOFTWARE,
        data=source,
        scale="theta ~ N(0, 1) in the calibration sample on every dimension",
        note=(
            f"calibrated on {n_synthetic} synthetic of {n} respondents ({source}: _synthetic)"
            if synthetic
            else None
        ),
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


def check_bank_codes(parameters: ModelParameters, bank: ItemBank, source: str) -> None:
    """Refuse a model whose codes of a bank item are not the item's option ids
    (``bank_code_problems``): scored against the bank, every answer would look wrong and the
    data file would be blamed for the model file's fault. Raises ``DataFileError`` naming
    ``source``, each such item, its codes and the bank's options."""
    from items.scoring_map import bank_code_problems, reading_specs

    specs = reading_specs(parameters)
    if not any(isinstance(code, str) for spec in specs for code in spec.codes):
        return
    problems = bank_code_problems(specs, {item.id: item.option_ids for item in bank})
    if problems:
        raise DataFileError(source, problems)


__all__ = [
    "SOFTWARE",
    "calibrated_model_file",
    "check_bank_codes",
    "eap_estimates",
    "reference_of",
]
