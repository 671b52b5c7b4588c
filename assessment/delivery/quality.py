"""Data-quality flags of a completed session, computed on the server.

Flags tell a recruiter when a profile should be read with caution; flagged sessions are also
left out of calibration by default. None of them is proof of bad faith.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from assessment.session_values import Response
from items import ItemBank
from items.scoring_map import scored_responses
from scoring import MISSING, ModelParameters, ResponseMatrix
from scoring.fit import person_fit

FLAG_KEYS: tuple[str, ...] = ("too_fast", "same_position_run", "person_misfit", "incomplete")


@dataclass(frozen=True)
class QualityPolicy:
    """Thresholds of the data-quality flags."""

    fast_ms: int = 2000
    """An answer faster than this is too fast to have read the scenario."""
    max_fast_share: float = 0.2
    """Flag when more than this share of answers is too fast."""
    max_same_position_run: int = 8
    """Flag when this many consecutive answers pick the option in the same position."""
    misfit_z: float = -1.645
    """Flag when the combined lz* over competencies is below this (one-sided 5 %)."""
    min_items_for_misfit: int = 4


@dataclass(frozen=True)
class QualityFlags:
    too_fast: bool
    same_position_run: bool
    person_misfit: bool
    incomplete: bool
    fast_share: float
    longest_run: int
    lz_star: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def raised(self) -> tuple[str, ...]:
        """Keys of the flags that are set."""
        return tuple(key for key in FLAG_KEYS if getattr(self, key))


def longest_same_position_run(responses: Sequence[Response]) -> int:
    """Length of the longest run of consecutive answers whose (most) pick is the same letter."""
    longest = current = 0
    previous = None
    for response in responses:
        current = current + 1 if response.most == previous else 1
        previous = response.most
        longest = max(longest, current)
    return longest


def response_matrix(
    bank: ItemBank, model: ModelParameters, responses: Sequence[Response]
) -> ResponseMatrix:
    """One candidate's answers as a 1 × n_items matrix over the model's scored items."""
    column = {spec.item_id: j for j, spec in enumerate(model.specs)}
    row = np.full((1, len(model.specs)), MISSING, dtype=np.int64)
    for response in responses:
        picks = scored_responses(bank[response.item_id], response.most, response.least)
        for scored_id, option_id in picks.items():
            j = column.get(scored_id)
            if j is not None:
                row[0, j] = model.specs[j].codes.index(option_id)
    return ResponseMatrix(row, model.specs, model.dimensions)


def quality_flags(
    bank: ItemBank,
    model: ModelParameters,
    responses: Sequence[Response],
    incomplete: bool,
    policy: QualityPolicy | None = None,
) -> QualityFlags:
    """Compute every flag for one session."""
    policy = policy or QualityPolicy()
    times = np.array([r.response_ms for r in responses], dtype=float)
    fast_share = float(np.mean(times < policy.fast_ms)) if times.size else 0.0
    run = longest_same_position_run(responses)
    lz_combined: float | None = None
    if responses:
        fit = person_fit(model, response_matrix(bank, model, responses))
        usable = (fit.n_answered[0] >= policy.min_items_for_misfit) & np.isfinite(fit.lz_star[0])
        if usable.any():
            values = fit.lz_star[0][usable]
            lz_combined = float(values.sum() / np.sqrt(values.size))
    return QualityFlags(
        too_fast=fast_share > policy.max_fast_share,
        same_position_run=run >= policy.max_same_position_run,
        person_misfit=lz_combined is not None and lz_combined < policy.misfit_z,
        incomplete=incomplete,
        fast_share=fast_share,
        longest_run=run,
        lz_star=lz_combined,
    )
