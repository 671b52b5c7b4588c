"""Calibration from sparse, adaptive data: leave out thinly answered items, carry theirs over.

An adaptive test shows some items rarely and some never. Their parameters cannot be
re-estimated from a few dozen answers (slope errors of ±0.5 and more), so ``sjt calibrate
--min-answers N`` leaves out every item with fewer than N answers (items with none are always
left out, with a warning) and lists them; with ``--carry-over MODEL.json`` the left-out items
keep their parameters from that model.

Scale. A calibration fixes its own sample's latent distribution to N(0, 1); the carried
parameters live on the scale of MODEL.json. To write one coherent file, the new calibration
is linked to MODEL.json by the Stocking–Lord method on the items both estimate (per
dimension), and the carried items are moved onto the new calibration's scale with the inverse
transformation ``θ_new = (θ_old − B) / A``. The file therefore keeps the scale that the model
file format promises (N(0, 1) in the calibration sample), and promotion links it to the active
version as usual. With fewer than 3 common items on a dimension no link can be estimated and
that dimension's carried items are copied unchanged (noted in the file).

References
----------
Stocking, M. L., & Lord, F. M. (1983). Developing a common metric in item response theory.
Applied Psychological Measurement, 7, 201–210.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assessment.model_document import ModelDocument
from assessment.psychometrics.data_files import align_to_model
from assessment.psychometrics.model_files import calibrated_model_file
from scoring import CalibrationResult, ModelParameters, ResponseMatrix, ScoringError
from scoring.linking import stocking_lord, transform

MIN_COMMON = 3
"""Common items a dimension needs for the Stocking–Lord link of carried-over items."""


@dataclass(frozen=True)
class ItemSelection:
    """The items a calibration keeps, and those it leaves out with their answer counts."""

    data: ResponseMatrix
    left_out: tuple[tuple[str, int], ...]
    """(item id, answers) of items with fewer than the minimum (but some) answers."""
    empty: tuple[str, ...]
    """Items nobody answered."""

    @property
    def left_out_ids(self) -> tuple[str, ...]:
        return tuple(item_id for item_id, _ in self.left_out) + self.empty


def select_items(data: ResponseMatrix, min_answers: int = 1) -> ItemSelection:
    """Keep the items with at least ``min_answers`` answers (and always at least one)."""
    counts = data.answered_counts()
    keep = counts >= max(min_answers, 1)
    if not keep.any():
        raise ScoringError(
            f"no item has {max(min_answers, 1)} or more answers "
            f"(most answered: {int(counts.max(initial=0))}); collect more data or lower "
            "--min-answers"
        )
    left_out = tuple(
        (item_id, int(n))
        for item_id, n, kept in zip(data.item_ids, counts, keep, strict=True)
        if not kept and n > 0
    )
    empty = tuple(item_id for item_id, n in zip(data.item_ids, counts, strict=True) if n == 0)
    return ItemSelection(data.select_items(keep), left_out, empty)


@dataclass(frozen=True)
class CarryOver:
    """Calibrated items plus carried-over ones, all on the calibration's scale.

    Attributes
    ----------
    parameters : ModelParameters
        Every calibrated item and every carried item, in the order of the data's items.
    carried : tuple of str
        Items whose parameters come from the previous model.
    not_found : tuple of str
        Left-out items the previous model does not have (they get no parameters).
    linking : dict
        Per dimension with carried items: ``A``, ``B`` (``θ_previous = A θ_new + B``),
        ``n_common``, or a ``note`` when no link could be estimated.
    source : str
    """

    parameters: ModelParameters
    carried: tuple[str, ...]
    not_found: tuple[str, ...]
    linking: dict[str, dict[str, Any]]
    source: str


def carry_over(
    calibrated: ModelParameters,
    previous: ModelParameters,
    left_out: tuple[str, ...],
    item_order: tuple[str, ...],
    source: str,
) -> CarryOver:
    """Add the ``left_out`` items' parameters from ``previous``, moved onto the new scale."""
    if previous.model != calibrated.model:
        raise ScoringError(
            f"{source} is a {previous.model} model but this calibration is {calibrated.model}; "
            "carry-over needs the same item model"
        )
    available = set(previous.item_ids)
    carried_ids = [item_id for item_id in left_out if item_id in available]
    not_found = tuple(item_id for item_id in left_out if item_id not in available)
    carried = previous.restricted(carried_ids)
    dimensions = sorted({item.dimension for item in carried})
    slope: dict[str, float] = {}
    intercept: dict[str, float] = {}
    linking: dict[str, dict[str, Any]] = {}
    common = set(calibrated.item_ids) & available
    for dimension in dimensions:
        shared = [i for i in calibrated.items if i.dimension == dimension and i.item_id in common]
        if len(shared) < MIN_COMMON:
            linking[dimension] = {
                "note": f"{len(shared)} common items (fewer than {MIN_COMMON}): carried items "
                "copied unchanged, assuming both samples share one scale",
                "n_common": len(shared),
            }
            continue
        link = stocking_lord(
            calibrated.restricted(i.item_id for i in shared),
            previous.restricted(i.item_id for i in shared),
            min_common=MIN_COMMON,
        )
        a, b = link.slope[dimension], link.intercept[dimension]
        slope[dimension], intercept[dimension] = 1.0 / a, -b / a
        linking[dimension] = {"A": a, "B": b, "n_common": link.n_common[dimension]}
    moved = transform(carried, slope, intercept) if carried_ids else carried
    by_id = {item.item_id: item for item in calibrated.items}
    by_id.update({item.item_id: dataclasses.replace(item, se=None) for item in moved.items})
    items = tuple(by_id[item_id] for item_id in item_order if item_id in by_id)
    used = {item.dimension for item in items}
    order = list(calibrated.dimensions) + [
        d for d in previous.dimensions if d not in calibrated.dimensions
    ]
    merged_dimensions = tuple(d for d in order if d in used)
    # the latent correlation was estimated on the calibrated dimensions; a dimension whose
    # items are all carried over has no estimate, so the file then states none
    correlation = (
        calibrated.latent_correlation if merged_dimensions == calibrated.dimensions else None
    )
    merged = ModelParameters(calibrated.model, merged_dimensions, items, correlation)
    return CarryOver(merged, tuple(carried_ids), not_found, linking, source)


def calibration_file(
    result: CalibrationResult,
    data: ResponseMatrix,
    source: str,
    selection: ItemSelection,
    carried: CarryOver | None = None,
    forms: Sequence[str | None] | None = None,
    n_synthetic: int = 0,
) -> ModelDocument:
    """The model document of a calibration on ``selection`` (of ``data``, whose rows took
    ``forms`` when recorded), with carried items: their ids in ``carried_over``, where they
    came from and how they were linked in ``estimation.carry_over``, and the left-out items
    with their answer counts in ``left_out``; ``n_synthetic`` as in ``calibrated_model_file``."""
    if carried is None:
        document = calibrated_model_file(
            result, selection.data, source, forms=forms, n_synthetic=n_synthetic
        )
    else:
        aligned = align_to_model(data, carried.parameters)
        document = calibrated_model_file(
            result, aligned, source, carried.parameters, forms=forms, n_synthetic=n_synthetic
        )
        document = document.with_changes(
            carried_over=list(carried.carried),
            estimation={
                **(document.estimation or {}),
                "carry_over": {
                    "from": carried.source,
                    "linking": carried.linking,
                    "not_found": list(carried.not_found),
                },
            },
        )
    left_out = [{"item_id": item_id, "answers": n} for item_id, n in selection.left_out] + [
        {"item_id": item_id, "answers": 0} for item_id in selection.empty
    ]
    return document.with_changes(extra={**document.extra, "left_out": left_out})


__all__ = ["CarryOver", "ItemSelection", "calibration_file", "carry_over", "select_items"]
