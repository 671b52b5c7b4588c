"""Model versions: promote, roll back, rescore with history; collected data; fairness."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from assessment.demo import seed_demo
from assessment.errors import AssessmentError
from assessment.model_document import ModelDocument
from assessment.persistence.store import Store
from assessment.persistence.tables import Score
from assessment.psychometrics.fairness import fairness_report, record_groups
from assessment.psychometrics.versions import (
    collected_responses,
    list_versions,
    promote,
    rescore,
    rollback,
)
from items import load_bank

BANK = load_bank()


@pytest.fixture
def seeded(store: Store) -> Store:
    seed_demo(store, BANK, 14, seed=3)
    return store


def stronger_model(store: Store) -> ModelDocument:
    """The active model with every slope raised by 20% (a stand-in for a new calibration)."""
    active = store.active_model_document()
    assert active is not None
    items = [
        item.model_copy(
            update={
                "categories": tuple(
                    c.model_copy(update={"slope": 1.2 * c.slope}) for c in item.categories
                )
            }
        )
        for item in active.document.items
    ]
    return active.document.with_changes(items=items)


def test_promote_creates_an_active_immutable_version_with_audit(seeded: Store) -> None:
    before = seeded.active_model_version()
    assert before is not None
    version_id = promote(seeded, stronger_model(seeded), BANK, "psy", "annual recalibration")
    versions = list_versions(seeded)
    assert [v.label for v in versions] == [before.label, "v1"]  # the first calibrated version
    assert [v.active for v in versions] == [False, True]
    stored = seeded.model_document(version_id)
    assert stored is not None
    assert stored.document.linking is not None
    assert stored.document.linking.method.startswith("Stocking-Lord")
    assert stored.document.linking.linked_to == before.label
    entry = seeded.audit_entries("model.promote")[0]
    assert (entry.actor, entry.target, entry.detail["note"]) == (
        "psy",
        "v1",
        "annual recalibration",
    )
    assert seeded.model_version(before.id).model_json == before.model_json  # unchanged


def test_promote_needs_a_note_and_a_complete_model(seeded: Store) -> None:
    with pytest.raises(AssessmentError, match="note"):
        promote(seeded, stronger_model(seeded), BANK, "psy", " ")
    partial = stronger_model(seeded)
    partial = partial.with_changes(items=partial.items[:10])
    with pytest.raises(AssessmentError, match="no parameters for"):
        promote(seeded, partial, BANK, "psy", "oops")


def test_rollback_reactivates_the_previous_version(seeded: Store) -> None:
    first = seeded.active_model_version()
    assert first is not None
    promote(seeded, stronger_model(seeded), BANK, "psy", "new")
    assert rollback(seeded, "psy", "drift too large") == first.label
    active = seeded.active_model_version()
    assert active is not None
    assert active.label == first.label
    assert seeded.audit_entries("model.activate")[0].detail == {"note": "drift too large"}


def test_rescore_keeps_old_scores_as_history(seeded: Store) -> None:
    completed = collected_responses(seeded, BANK, include_flagged=True).session_ids
    assert completed
    old = seeded.scores(completed[0])
    version_id = promote(seeded, stronger_model(seeded), BANK, "psy", "new")
    assert rescore(seeded, BANK) == len(completed)
    new = seeded.scores(completed[0])
    assert {s.model_version_id for s in new} == {version_id}
    history = seeded.scores(completed[0], current_only=False)
    assert len(history) == len(old) + len(new)
    assert all(s.model_version_id != version_id for s in history[: len(old)])
    with seeded.transaction() as db:
        current = db.scalar(select(func.count(Score.id)).where(Score.current))
    assert current == 5 * len(completed)


def test_collected_responses_exclude_flagged_sessions_by_default(seeded: Store) -> None:
    everything = collected_responses(seeded, BANK, include_flagged=True)
    clean = collected_responses(seeded, BANK)
    assert clean.data.n_candidates + clean.excluded_flagged == everything.data.n_candidates
    answered = (everything.data.responses >= 0).sum(axis=1)
    assert np.all(answered >= 15)


def test_fairness_report_from_voluntary_groups(seeded: Store) -> None:
    sessions = collected_responses(seeded, BANK, include_flagged=True).session_ids
    for n, session_id in enumerate(sessions):
        gender = "woman" if n % 2 else "man"
        assert record_groups(seeded, session_id, {"gender": gender}) == 1
        assert record_groups(seeded, session_id, {"gender": "man"}) == 0  # first answer stands
    with pytest.raises(AssessmentError, match="unknown group field"):
        record_groups(seeded, sessions[0], {"religion": "x"})
    report = fairness_report(seeded, BANK, "gender", cut=50, with_dif=False)
    assert {g.group for g in report.impact} == {"woman", "man"}
    assert sum(g.n for g in report.impact) == len(sessions)
    assert all(g.small for g in report.impact)  # a handful of candidates: marked as small
