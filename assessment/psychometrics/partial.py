"""Promoting a calibration that covers only some competencies.

Every item measures one competency, so one competency's items can be calibrated again on new
data while the others keep the active version's: a psychometrician who recalibrates one
competency should not have to recalibrate all five to promote it. The competencies the
calibration does not cover are carried over from the active version whole: their items with
the same parameters and standard errors, their norm tables and their marginal reliability.
The calibrated competencies are linked onto the active scale (Stocking–Lord on their items
in common, ``versions.promote``), so every competency of the new version stays on the scale
of the active one and its reference norms apply to all of them.

Linking is what makes the mixture one scale. A partial calibration is therefore refused when
it cannot be linked: with another item model than the active version (whose items it would
have to carry), or when promoted without linking (the calibrated competencies would start a
scale of their own beside the carried ones on the active scale).

Latent correlation: the pairs of calibrated competencies take this calibration's estimates;
a pair with a carried competency keeps the active version's, since the calibration had no
data on it. When the mixture is not positive definite it is replaced by the nearest
correlation matrix (Higham, 2002, ``scoring.correlation.nearest_correlation``) and the record
says so. The record (``estimation.carried_competencies``) names the source version, the
competencies and the number of items carried; the items are also listed in ``carried_over``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.errors import AssessmentError
from assessment.model_document import FitSection, ModelDocument
from assessment.persistence.store import StoredModel
from scoring.correlation import nearest_correlation

RECORD = "carried_competencies"
"""Key of the carry-over record in a promoted version's ``estimation``."""


@dataclass(frozen=True)
class CarriedCompetencies:
    """Competencies a promoted version kept from an earlier version, as recorded."""

    source: str
    competencies: tuple[str, ...]
    n_items: int
    correlation_adjusted: bool


def uncalibrated_competencies(
    dimensions: tuple[str, ...], active: StoredModel | None
) -> tuple[str, ...]:
    """The active version's competencies a calibration of ``dimensions`` does not cover."""
    if active is None:
        return ()
    return tuple(d for d in active.document.dimensions if d not in dimensions)


def scope_note(dimensions: tuple[str, ...], active: StoredModel | None) -> str | None:
    """What promoting a calibration of ``dimensions`` would carry over from ``active`` (None
    when it covers every competency), said before promoting."""
    missing = uncalibrated_competencies(dimensions, active)
    if active is None or not missing:
        return None
    return (
        f"This calibration covers {_listed(dimensions)} only. Promoted, it is linked to the "
        f"scale of {active.label}, and the other competencies ({_listed(missing)}) keep that "
        "version's items, norms, reliability and latent correlations unchanged."
    )


def check_partial(
    document: ModelDocument, active: StoredModel, missing: tuple[str, ...], link: bool
) -> None:
    """Refuse a calibration of some competencies that cannot be promoted with the others
    carried over: another item model than the active version's, or no linking."""
    covered = _listed(document.dimensions)
    start = (
        f"this calibration covers {covered} only; the other competencies ({_listed(missing)}) "
        f"would keep the items and norms of the active version {active.label}"
    )
    if document.model != active.document.model:
        raise AssessmentError(
            f"{start}, which is a {active.document.model} model, but this calibration is "
            f"{document.model}, and competencies of different item models cannot be linked "
            f"to one scale (--force does not override this): calibrate {covered} with the "
            f"{active.document.model} model (sjt calibrate --model {active.document.model}), or "
            "calibrate every competency"
        )
    if not link:
        raise AssessmentError(
            f"{start} on its scale, so the calibrated competencies must be linked to it: "
            "promote with linking (without --no-link), or calibrate every competency"
        )


def with_carried_competencies(
    document: ModelDocument, active: StoredModel, missing: tuple[str, ...]
) -> ModelDocument:
    """``document`` (on the active scale) completed with the ``missing`` competencies of
    ``active``: their items, norm tables and marginal reliability as they are, the merged
    latent correlation, the items listed in ``carried_over`` and the record in
    ``estimation``."""
    previous = active.document
    carried = [item for item in previous.items if item.dimension in missing]
    order = (
        *previous.dimensions,
        *(d for d in document.dimensions if d not in previous.dimensions),
    )
    correlation, adjusted = _merged_correlation(document, previous, order)
    reliability = {d: r for d, r in previous.reliability.items() if d in missing}
    fit = document.fit or FitSection()
    merged_fit = fit.model_copy(
        update={"marginal_reliability": {**reliability, **(fit.marginal_reliability or {})}}
    )
    carried_norms = {d: s for d, s in (previous.norms or {}).items() if d in missing}
    record = {
        "from": active.label,
        "competencies": list(missing),
        "n_items": len(carried),
        "latent_correlation": "pairs of calibrated competencies from this calibration, pairs "
        f"with a carried competency from {active.label}",
        "adjusted_to_nearest_correlation_matrix": adjusted,
    }
    return document.with_changes(
        dimensions=order,
        latent_correlation=correlation,
        items=[*document.items, *carried],
        fit=merged_fit if merged_fit.marginal_reliability else document.fit,
        norms={**carried_norms, **(document.norms or {})},
        carried_over=sorted({*(document.carried_over or ()), *(i.item_id for i in carried)}),
        estimation={**(document.estimation or {}), RECORD: record},
    )


def without_carried_record(document: ModelDocument) -> ModelDocument:
    """``document`` without the carry-over record of an earlier promotion (a version's own
    exported file keeps it): only the promotion at hand decides what is carried over, so a
    file that covers every competency has nothing carried over whole, whoever wrote it."""
    estimation = dict(document.estimation or {})
    if estimation.pop(RECORD, None) is None:
        return document
    return document.with_changes(estimation=estimation or None)


def carried_note(document: ModelDocument) -> str | None:
    """Plain words on what a promoted version kept from an earlier one: the competencies it
    carried over whole, and the items of its calibrated competencies listed in
    ``carried_over`` (None when it kept nothing), for the person who promoted it."""
    carried = carried_competencies(document)
    whole = carried.competencies if carried else ()
    items = sorted(
        item.item_id
        for item in document.items
        if item.item_id in set(document.carried_over or ()) and item.dimension not in whole
    )
    parts = []
    if carried is not None:
        calibrated = tuple(d for d in document.dimensions if d not in whole)
        adjusted = (
            "; the mixed latent correlation matrix was not positive definite and was replaced "
            "by the nearest correlation matrix"
            if carried.correlation_adjusted
            else ""
        )
        parts.append(
            f"calibrated: {_listed(calibrated)}; carried over unchanged from {carried.source}: "
            f"{_listed(whole)} ({carried.n_items} items with their parameters, norm tables, "
            f"reliability and latent correlations){adjusted}"
        )
    if items:
        shown = ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")
        of_calibrated = " of the calibrated competencies" if carried is not None else ""
        parts.append(
            f"{len(items)} item(s){of_calibrated} keep earlier parameters (carried_over): {shown}"
        )
    return "; ".join(parts) or None


def carried_competencies(document: ModelDocument) -> CarriedCompetencies | None:
    """What a promoted version kept from an earlier one (None when it covers every
    competency itself)."""
    record = (document.estimation or {}).get(RECORD)
    if not isinstance(record, dict):
        return None
    competencies = record.get("competencies")
    n_items = record.get("n_items")
    return CarriedCompetencies(
        str(record.get("from")),
        tuple(str(c) for c in competencies) if isinstance(competencies, list) else (),
        n_items if isinstance(n_items, int) else 0,
        record.get("adjusted_to_nearest_correlation_matrix") is True,
    )


def _merged_correlation(
    document: ModelDocument, previous: ModelDocument, order: tuple[str, ...]
) -> tuple[list[list[float]] | None, bool]:
    """The latent correlation over ``order``: calibrated pairs from ``document``, the others
    from ``previous``; whether it had to be moved to the nearest correlation matrix."""
    if document.latent_correlation is None and previous.latent_correlation is None:
        return None, False
    sources = [
        (document.correlation_matrix(), {d: n for n, d in enumerate(document.dimensions)}),
        (previous.correlation_matrix(), {d: n for n, d in enumerate(previous.dimensions)}),
    ]
    matrix = np.eye(len(order))
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            found = next(((m, w) for m, w in sources if a in w and b in w), None)
            if found is not None and i != j:
                values, where = found
                matrix[i, j] = values[where[a], where[b]]
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return nearest_correlation(matrix).tolist(), True
    return matrix.tolist(), False


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(name.replace("_", " ") for name in names) or "none"


__all__ = [
    "CarriedCompetencies",
    "carried_competencies",
    "carried_note",
    "check_partial",
    "scope_note",
    "uncalibrated_competencies",
    "with_carried_competencies",
    "without_carried_record",
]
