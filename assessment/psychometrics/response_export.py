"""The completed responses in the database as a response data file (``DATA.csv``).

``sjt responses`` and the workbench's download write this file, so that ``sjt calibrate``,
``sjt item-analysis`` and independent checks run on the data the test really collected. It
holds candidate ids and option ids only: never a name, an e-mail address or a group answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.persistence.answers import SessionFilter
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import (
    FORM_COLUMN,
    SYNTHETIC_COLUMN,
    response_csv_text,
)
from assessment.psychometrics.versions import collected_responses
from assessment.spreadsheets import neutralise
from items import ItemBank

UNFLAGGED_REAL_SESSIONS = SessionFilter(include_synthetic=False)
"""The export's default: completed sessions without data-quality flags, of real candidates."""


@dataclass(frozen=True)
class ResponseExport:
    """A response data file of completed sessions and what was left out of it."""

    text: str
    """``DATA.csv``: ``candidate_id``, then the ``.most``/``.least`` and other item columns
    that at least one exported candidate answered (option ids; empty = not presented)."""
    n_candidates: int
    excluded_flagged: int
    """Completed sessions with data-quality flags (0 when flagged ones are included)."""
    excluded_synthetic: int
    """Completed sessions of synthetic demo candidates (0 when they are included)."""
    excluded_earlier: int
    """Earlier completed sessions of a candidate who completed the test again (one row per
    candidate: their latest session)."""

    def summary(self) -> str:
        """One line: how many candidates were written and how many sessions were left out."""
        left_out = [
            f"{n} {what}"
            for n, what in (
                (self.excluded_flagged, "with data-quality flags"),
                (self.excluded_synthetic, "of synthetic demo candidates"),
                (self.excluded_earlier, "earlier sessions of the same candidates"),
            )
            if n
        ]
        return f"{self.n_candidates} completed candidates" + (
            f"; left out {', '.join(left_out)}" if left_out else "; none left out"
        )


def export_responses(
    store: Store, bank: ItemBank, chosen: SessionFilter = UNFLAGGED_REAL_SESSIONS
) -> ResponseExport:
    """The responses of the completed sessions ``chosen`` as ``DATA.csv`` (by default: neither
    flagged sessions nor synthetic demo candidates).

    A candidate id must be unique in the file, so a candidate who completed the test more
    than once is written with their latest session. Candidate ids pass through ``neutralise``
    as in the recruiters' scores export, so the two files join on the same ids.
    """
    collected = collected_responses(store, bank, chosen)
    latest = {candidate: row for row, candidate in enumerate(collected.candidate_ids)}
    rows = np.array(sorted(latest.values()), dtype=np.int64)
    data = collected.data.subset(rows)
    answered = data.answered_counts() > 0
    if answered.any():
        data = data.select_items(answered)
    candidate_ids = [neutralise(collected.candidate_ids[row]) for row in rows]
    extra = {FORM_COLUMN: [collected.forms[row] for row in rows]}
    if any(collected.is_synthetic[row] for row in rows):  # demo candidates: a model says so
        marks = ["true" if collected.is_synthetic[row] else "false" for row in rows]
        extra = {SYNTHETIC_COLUMN: marks, **extra}
    return ResponseExport(
        text=response_csv_text(candidate_ids, data, extra),
        n_candidates=len(candidate_ids),
        excluded_flagged=collected.excluded_flagged,
        excluded_synthetic=collected.excluded_synthetic,
        excluded_earlier=len(collected.candidate_ids) - len(candidate_ids),
    )
