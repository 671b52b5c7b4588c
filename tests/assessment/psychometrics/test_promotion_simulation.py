"""Promotion simulates the test as delivered under the version's final parameters, so a
calibrated version's profiles print a reliability of the delivered test from its first
candidate (before 30 real candidates give an empirical one)."""

from __future__ import annotations

from assessment.delivery.policy import CATPolicy
from assessment.model_document import ModelDocument, SimulationSection
from assessment.persistence.store import Store
from assessment.psychometrics.versions import (
    PROMOTION_SIMULATION_SEED,
    delivered_simulation,
    promote,
    rescore,
)
from assessment.recruiting.overview import candidate_overview
from items import COMPETENCIES, load_bank
from reports.assemble import profile_for_candidate
from tests.assessment.psychometrics.conftest import stronger_model
from tests.conftest import TEST_SIMULATION_N

BANK = load_bank()


def calibrated(document: ModelDocument) -> ModelDocument:
    """``document`` as a calibration on real candidates brings it: no simulation section."""
    return document.with_changes(simulation=None, provenance={"kind": "calibrated"})


def test_a_calibrated_version_gets_a_simulated_reliability_of_the_delivered_test(
    seeded: Store,
) -> None:
    # Old code stored the version without a simulation: every profile printed a dash
    # ("unavailable") until 30 real candidates had taken the test.
    version_id = promote(
        seeded, calibrated(stronger_model(seeded)), BANK, "psy", "recalibration", simulation_n=12
    )
    stored = seeded.model_document(version_id)
    assert stored is not None
    simulation = stored.document.simulation
    assert simulation is not None
    assert simulation.fixed_reliability is not None
    for figures in (simulation.reliability, simulation.fixed_reliability):
        assert set(figures) == set(COMPETENCIES)
        assert all(0 < value < 1 for value in figures.values())
    assert simulation.synthetic is False
    provenance = simulation.provenance or {}
    assert provenance["computed_at"] == "promotion"
    assert (provenance["model"], provenance["n"], provenance["seed"], provenance["rho"]) == (
        stored.label, 12, PROMOTION_SIMULATION_SEED, None,
    )  # fmt: skip
    assert provenance["policy"] == CATPolicy().model_dump()  # the policy delivery uses
    spread = provenance["monte_carlo_se"]
    assert isinstance(spread, dict)
    assert set(spread) == {"reliability", "fixed_reliability"}

    rescore(seeded, BANK)
    candidate = candidate_overview(seeded, status="completed")[0].candidate_id
    for lang in ("en", "zh"):
        profile = profile_for_candidate(seeded, candidate, lang)
        assert profile.reliability_source == "simulation"
        figures = simulation.reliability if profile.form == "adaptive" else (
            simulation.fixed_reliability
        )  # fmt: skip
        assert [s.reliability for s in profile.scores] == [figures[c] for c in COMPETENCIES]


def test_the_simulation_is_of_the_linked_parameters_and_replaces_the_files(
    seeded: Store,
) -> None:
    file = stronger_model(seeded)  # the synthetic model's own simulation comes along
    assert file.simulation is not None
    steps: list[str] = []
    version_id = promote(seeded, file, BANK, "psy", "recalibration", progress=steps.append)
    stored = seeded.model_document(version_id)
    assert stored is not None
    assert stored.document.linking is not None
    simulation = stored.document.simulation
    assert simulation is not None
    provenance = simulation.provenance or {}
    # the file's simulation (of other parameters, n=1000) is not kept
    assert (provenance["computed_at"], provenance["n"]) == ("promotion", TEST_SIMULATION_N)
    assert simulation.synthetic is True  # the document is the synthetic model's
    assert len(steps) == 1
    assert f"{TEST_SIMULATION_N} simulated candidates" in steps[0]
    # the stored figures are those of the linked parameters, not of the file's
    linked = delivered_simulation(stored.document, BANK, stored.label, TEST_SIMULATION_N)
    assert SimulationSection.model_validate(linked) == simulation
    unlinked = delivered_simulation(file, BANK, stored.label, TEST_SIMULATION_N)
    assert unlinked["reliability"] != linked["reliability"]
