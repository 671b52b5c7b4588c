"""Promoting a calibration of some competencies: the others carried over from the active
version with their norms, or a clear refusal when they cannot be."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.demo import ensure_active_model
from assessment.errors import AssessmentError
from assessment.persistence.store import Store
from assessment.psychometrics.partial import carried_competencies, carried_note
from assessment.psychometrics.versions import collected_responses, promote, rescore
from items import load_bank
from reports.assemble import profile_for_candidate
from tests.assessment.psychometrics.conftest import active_of, calibration_of

BANK = load_bank()
SO = "service_orientation"


def test_a_calibration_of_one_competency_is_promoted_with_the_others_carried_over(
    seeded: Store,
) -> None:
    active = active_of(seeded)
    before = active.document
    promote(seeded, calibration_of(before, (SO,)), BANK, "psy", "service orientation, new data")
    after = active_of(seeded)
    document = after.document
    others = tuple(d for d in before.dimensions if d != SO)
    assert document.dimensions == before.dimensions
    # the other competencies: the same items, norms and reliability, marked carried over
    kept = {item.item_id: item for item in before.items if item.dimension != SO}
    assert {i.item_id: i for i in document.items if i.dimension != SO} == kept
    assert set(document.carried_over or ()) == set(kept)
    assert document.norms == before.norms  # every competency on the active reference norms
    assert document.reliability == before.reliability
    assert document.correlation_matrix() == pytest.approx(before.correlation_matrix())
    # the calibrated competency is linked onto the active scale, and only it
    assert document.linking is not None
    assert set(document.linking.slope) == {SO}
    assert document.linking.n_common_items == {SO: len(before.items) - len(kept)}
    carried = carried_competencies(document)
    assert carried is not None
    assert (carried.source, carried.competencies, carried.n_items) == (
        active.label, others, len(kept),
    )  # fmt: skip
    note = carried_note(document)
    assert note is not None
    assert note.startswith("calibrated: service orientation; carried over unchanged from ")
    assert "resilience, composure, empathy, integrity" in note
    entry = seeded.audit_entries("model.promote")[0]
    assert entry.detail["carried_competencies"] == list(others)
    # the promoted version scores and reports like any other
    assert rescore(seeded, BANK, None, "psy") > 0
    candidate = collected_responses(seeded, BANK).candidate_ids[0]
    profile = profile_for_candidate(seeded, candidate)
    assert [score.competency_id for score in profile.scores] == list(before.dimensions)


@pytest.fixture
def modelled(store: Store) -> Store:
    """A store with the synthetic model active and no candidates."""
    ensure_active_model(store, BANK)
    return store


def test_the_latent_correlation_keeps_calibrated_pairs_and_the_active_versions_others(
    modelled: Store,
) -> None:
    active = active_of(modelled)
    before = active.document
    pair = (SO, "empathy")
    # with the active version's 0.5 to every other competency, -0.9 between the two is not a
    # correlation matrix: the mixture is moved to the nearest one, and the record says so
    for rho, adjusted in ((0.3, False), (-0.9, True)):
        model = calibration_of(before, pair, ((1.0, rho), (rho, 1.0)))
        promote(modelled, model, BANK, "psy", f"two competencies, rho {rho}")
        after = active_of(modelled)
        matrix = after.document.correlation_matrix()
        i, j = (after.document.dimensions.index(d) for d in pair)
        carried = carried_competencies(after.document)
        assert carried is not None
        assert carried.correlation_adjusted is adjusted
        assert np.all(np.linalg.eigvalsh(matrix) > 0)
        if not adjusted:
            assert matrix[i, j] == pytest.approx(rho)
            expected = before.correlation_matrix()
            others = [n for n, d in enumerate(after.document.dimensions) if d not in pair]
            assert matrix[np.ix_(others, others)] == pytest.approx(expected[np.ix_(others, others)])
            assert matrix[i, others] == pytest.approx(expected[i, others])
        else:
            assert matrix[i, j] < 0
            assert "nearest correlation matrix" in (carried_note(after.document) or "")
        modelled.activate_model_version(active.label)


def test_a_partial_calibration_that_cannot_be_linked_is_refused_up_front(modelled: Store) -> None:
    active = active_of(modelled)
    model = calibration_of(active.document, (SO,))
    with pytest.raises(AssessmentError) as unlinked:
        promote(modelled, model, BANK, "psy", "no link", link=False)
    message = str(unlinked.value)
    assert message.startswith("this calibration covers service orientation only")
    assert "must be linked" in message
    assert "without --no-link" in message
    other_model = model.model_copy(update={"model": "nrm"})
    with pytest.raises(AssessmentError, match="is a gpcm model, but this calibration is nrm"):
        promote(modelled, other_model, BANK, "psy", "another model", force=True, reason="try")
    assert [v.label for v in modelled.model_versions()] == [active.label]
    assert modelled.audit_entries("model.promote") == []
