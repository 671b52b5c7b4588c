"""Workbench logic: version comparison, rollback with reason, v1, a progress bar that moves."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import numpy as np
import pytest

from assessment.demo import ensure_active_model, seed_demo, synthetic_responses
from assessment.errors import AssessmentError
from assessment.model_document import NormSection
from assessment.persistence.store import Store
from assessment.psychometrics.jobs import (
    UNEXPECTED_FAILURE,
    CalibrationJob,
    JobRegistry,
    progress_fraction,
    without_constant_items,
)
from assessment.psychometrics.model_files import calibrated_model_file
from assessment.psychometrics.review import sample_warnings
from assessment.psychometrics.version_compare import (
    compare_versions,
    diff_models,
    load_version,
)
from assessment.psychometrics.versions import next_version_label, promote, validate_model
from assessment.psychometrics.workbench import (
    key_table,
    parameter_table,
    rescore_confirmed,
    rollback_with_reason,
)
from items import load_bank
from items.scoring_map import joined_for_calibration, split_most_least, synthetic_model
from scoring import MMLCalibrator, ScoringError, simulate_responses, simulate_theta
from scoring.diagnostics import EMStep
from scoring.errors import ConvergenceWarning
from scoring.norms import NormTable
from tests.assessment.psychometrics.conftest import active_of, with_scaled_slopes
from tests.scoring.conftest import gpcm_model

BANK = load_bank()


def promote_steeper_first_item(store: Store) -> None:
    """Promote the active model with its first item's option slopes doubled (raising every
    slope would be undone exactly by the linking to the old scale)."""
    active = active_of(store)
    first, *others = active.document.items
    document = active.document.with_changes(items=[with_scaled_slopes(first, 2.0), *others])
    promote(store, document, BANK, "psy", "steeper first item")


@pytest.fixture
def promoted(store: Store) -> tuple[Store, str, str]:
    """The synthetic version and the promoted one with a steeper first item."""
    ensure_active_model(store, BANK)
    first = store.active_model_version()
    assert first is not None
    promote_steeper_first_item(store)
    second = store.active_model_version()
    assert second is not None
    return store, first.label, second.label


def test_first_calibrated_version_is_v1_and_numbers_continue() -> None:
    assert next_version_label({"v0-synthetic"}) == "v1"
    assert next_version_label(set()) == "v1"
    assert next_version_label({"v0-synthetic", "v1", "v3", "spring-2026"}) == "v4"


def test_comparing_two_versions_shows_drift_parameters_and_norms(
    promoted: tuple[Store, str, str],
) -> None:
    store, first, second = promoted
    assert second == "v1"
    diff = compare_versions(store, first, second)
    model = load_version(store, first).parameters
    assert len(diff.items) == len(model.items)
    assert all(i.in_a and i.in_b for i in diff.items)
    drift = {i.item_id: i.probability_change for i in diff.items}
    changed = model.items[0].item_id
    assert drift[changed] == max(d for d in drift.values() if d is not None)
    assert drift[changed] is not None
    assert drift[changed] > 0.1
    n_params = sum(len(item.params) for item in model.items)
    assert len(diff.parameters) == n_params
    biggest = max(diff.parameters, key=lambda p: abs(p.difference))
    assert biggest.item_id == changed
    assert abs(biggest.difference) > 0.3
    assert diff.mean_drift.keys() == set(model.dimensions)
    assert {n.dimension for n in diff.norms} == set(model.dimensions)
    same = compare_versions(store, first, first)
    assert all(i.probability_change == 0 for i in same.items)
    assert all(p.difference == 0 for p in same.parameters)
    assert all(shift == pytest.approx(0) for n in same.norms for shift in n.t_shift.values())
    with pytest.raises(AssessmentError, match="no model version"):
        compare_versions(store, first, "v9")


def test_a_norm_shifted_by_half_an_sd_moves_t_by_five(promoted: tuple[Store, str, str]) -> None:
    store, first, _ = promoted
    a = load_version(store, first)
    shifted = {
        d: NormSection.from_table(
            NormTable(t.group, t.n, t.mean + 0.5 * t.sd, t.sd, t.quantiles + 0.5 * t.sd)
        )
        for d, t in a.norms.items()
    }
    moved = dataclasses.replace(a, document=a.document.with_changes(norms=shifted))
    diff = diff_models(a, moved)
    for norm in diff.norms:
        assert norm.t_shift == pytest.approx({30.0: -5.0, 50.0: -5.0, 70.0: -5.0})


def test_rollback_needs_confirmation_and_a_reason_kept_in_the_audit(
    promoted: tuple[Store, str, str],
) -> None:
    store, first, second = promoted
    with pytest.raises(AssessmentError, match="confirmation"):
        rollback_with_reason(store, "psy", "drift", confirmed=False)
    with pytest.raises(AssessmentError, match="reason"):
        rollback_with_reason(store, "psy", "   ", confirmed=True)
    active = store.active_model_version()
    assert active is not None
    assert active.label == second  # nothing happened
    outcome = rollback_with_reason(store, "psy", " norms look wrong ", confirmed=True)
    assert (outcome.label, outcome.rescored) == (first, None)  # no rescore unless asked
    entry = store.audit_entries("model.activate")[0]
    assert (entry.actor, entry.target, entry.detail) == ("psy", first, {"note": "norms look wrong"})


def test_workbench_tables_have_one_row_per_item(promoted: tuple[Store, str, str]) -> None:
    store, first, _ = promoted
    model = load_version(store, first).parameters
    table = parameter_table(model)
    assert [row["item"] for row in table] == list(model.item_ids)
    assert model.model == "gpcm"
    assert {"a", "a SE", "intercept_B", "intercept_B SE"} <= set(table[0])
    keys = key_table(model)
    assert len(keys) == len(model.items)
    # GPCM option weights are a · SME credit with a > 0: the empirical key is the SME key
    assert all(row["empirical order"] == row["SME order"] for row in keys)
    assert not any(row["flags"] for row in keys)


def test_progress_fraction_advances_steadily_with_the_em_iterations() -> None:
    """Fed the EM steps of a real two-dimension calibration, the bar moves in small steps."""
    rng = np.random.default_rng(3)
    model = gpcm_model(rng, n_items=8, dimensions=("d1", "d2"))
    data = simulate_responses(model, simulate_theta(800, 2, rng), rng)
    steps: list[EMStep] = []
    calibrator = MMLCalibrator("gpcm", standard_errors="none")
    calibrator.fit(data, progress=steps.append)
    job = CalibrationJob("j", "gpcm", data.n_candidates, calibrator.max_iter, calibrator.tol)
    fractions = []
    for step in steps:
        job.report(step)
        fractions.append(job.status()["fraction"])
    assert len(steps) > 10
    assert np.all(np.diff(fractions) >= 0)
    assert fractions[-1] == pytest.approx((1 + 0.8) / 2)
    assert np.max(np.diff(fractions)) < 0.25  # no jump from a few per cent to finished
    halfway = fractions[len(fractions) // 4]  # a quarter of the steps: well inside dimension 1
    assert 0.05 < halfway < 0.5


def test_progress_fraction_of_single_steps() -> None:
    def step(index: int, iteration: int, change: float, finished: bool = False) -> EMStep:
        return EMStep("d", index, 2, iteration, -100.0, change, 500, finished)

    assert progress_fraction(step(0, 1, float("nan")), None, 1e-4) == pytest.approx(0.8 / 500 / 2)
    # halfway in log terms from a change of 1 to the tolerance 1e-4: 40% of the first half
    assert progress_fraction(step(0, 5, 1e-2), 1.0, 1e-4) == pytest.approx(0.4 / 2)
    assert progress_fraction(step(1, 9, 0.5, finished=True), 1.0, 1e-4) == pytest.approx(0.9)


def test_a_calibration_job_models_most_least_items_jointly_as_sjt_calibrate_does() -> None:
    """The workbench calibrates a data file's .most/.least parts as one joint answer, so a part
    whose answers all fall in one option is flagged (held by the prior), not a crash."""
    items = [item for item in BANK.items if item.competency == "composure"][:8]
    model = synthetic_model(items)
    rng = np.random.default_rng(5)
    data = split_most_least(simulate_responses(model, simulate_theta(300, 1, rng), rng), model)
    joint = next(item.id for item in items if item.format == "most_least")
    most, least = (data.item_ids.index(joint + part) for part in (".most", ".least"))
    d = data.items[least].codes.index("D")
    responses = data.responses.copy()
    responses[responses[:, most] == d, most] = -1  # "D" picked as most: answer left out
    responses[:, least] = np.where(responses[:, most] >= 0, d, -1)  # "D" always least
    data = dataclasses.replace(data, responses=responses)
    job = JobRegistry().start(data, "gpcm", owner="psy")
    for _ in range(600):
        if job.status()["finished"]:
            break
        time.sleep(0.1)
    assert job.status()["error"] is None
    assert job.result is not None
    assert job.data is not None
    assert joint in job.data.item_ids
    assert joint + ".least" not in job.data.item_ids
    assert job.result.parameters.item_ids == job.data.item_ids
    flagged = {(p.kind, p.item_id) for p in job.result.problems if not p.fatal}
    assert ("unused_category", joint) in flagged


def test_demo_responses_calibrate_as_collected_data_do_into_a_promotable_model() -> None:
    """The workbench's synthetic demo data come as a data file does (``.most``/``.least``
    parts), so the job joins them and fits the joint most/least model: every bank item gets
    real parameters and the model file covers the bank (before, the joint columns were fitted
    as plain 12-category items and promotion named 210 missing parts)."""
    data = synthetic_responses(BANK, n=200, seed=3)
    assert "SO-002.most" in data.item_ids
    assert "SO-002" not in data.item_ids
    joined, item_models = joined_for_calibration(data, "gpcm")
    assert "SO-002" in item_models
    with pytest.warns(ConvergenceWarning):  # two EM steps are enough to check the layout
        result = MMLCalibrator("gpcm", max_iter=2, item_models=item_models).fit(joined)
    row = next(row for row in parameter_table(result.parameters) if row["item"] == "SO-002")
    for name in ("most_a", "least_a", "most_a SE", "least_a SE"):
        assert np.isfinite(row[name])
    validate_model(calibrated_model_file(result, joined, "synthetic"), BANK)  # covers the bank


def wait_until_finished(job: CalibrationJob) -> None:
    for _ in range(300):
        if job.status()["finished"]:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job.job_id} did not finish")


def test_calibration_jobs_are_listed_and_found_for_the_user_who_started_them_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reloaded page finds its user's jobs in the registry; another user's stay hidden."""
    release = threading.Event()

    def held_fit(self: MMLCalibrator, data: Any, *args: Any, **kwargs: Any) -> Any:
        release.wait(15)  # the job stays running until the test lets it fail
        raise ScoringError("item SO-002, row 5: the same option is picked as most and as least")

    monkeypatch.setattr(MMLCalibrator, "fit", held_fit)
    rng = np.random.default_rng(3)
    data = simulate_responses(gpcm_model(rng, n_items=4), simulate_theta(30, 1, rng), rng)
    registry = JobRegistry()
    first = registry.start(data, "gpcm", {"label": "upload.csv"}, owner="ana")
    other = registry.start(data, "gpcm", {"label": "theirs.csv"}, owner="ben")
    second = registry.start(data, "gpcm", {"label": "collected"}, owner="ana")
    try:
        assert registry.jobs_of("ana") == [second, first]
        assert registry.jobs_of("ben") == [other]
        assert registry.jobs_of("carl") == []
        assert registry.get(other.job_id, "ana") is None
        assert registry.get(other.job_id, "ben") is other
        assert registry.get(first.job_id, "ana") is first
        assert first.describe().startswith("upload.csv · GPCM · started ")
        assert first.describe().endswith(" UTC")
        assert not first.status()["finished"]
    finally:
        release.set()
    for job in (first, other, second):
        wait_until_finished(job)
    # the user reads what is wrong with the data, never an exception class name
    assert first.status()["error"] == (
        "item SO-002, row 5: the same option is picked as most and as least"
    )


def test_a_calibration_that_fails_for_no_data_reason_says_so_without_internals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_fit(self: MMLCalibrator, data: Any, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("internal_state")

    monkeypatch.setattr(MMLCalibrator, "fit", broken_fit)
    rng = np.random.default_rng(3)
    data = simulate_responses(gpcm_model(rng, n_items=4), simulate_theta(30, 1, rng), rng)
    job = JobRegistry().start(data, "gpcm", owner="ana")
    wait_until_finished(job)
    assert job.status()["error"] == UNEXPECTED_FAILURE
    assert "KeyError" in job.context["traceback"]


def test_sample_warnings_count_a_most_least_item_once_as_the_calibration_does() -> None:
    items = [item for item in BANK.items if item.competency == "composure"][:8]
    model = synthetic_model(items)
    rng = np.random.default_rng(5)
    data = split_most_least(simulate_responses(model, simulate_theta(50, 1, rng), rng), model)
    n_most_least = sum(item.format == "most_least" for item in items)
    assert n_most_least > 0
    assert data.n_items == len(items) + n_most_least  # two part columns each
    warnings = sample_warnings(data, "gpcm")
    assert warnings.n_items == len(items)
    assert {item_id for item_id, _ in warnings.items_below_minimum} == {i.id for i in items}
    assert all(n == 50 for _, n in warnings.items_below_minimum)
    # rare options are options of the columns candidates answer, not the joint model's pairs
    assert {item_id for item_id, _, _ in warnings.rare_options} <= set(data.item_ids)
    independent = sample_warnings(data, "2pl")  # a model without a joint variant
    assert independent.n_items == data.n_items


def test_items_whose_answers_are_all_the_same_are_left_out_of_a_workbench_calibration() -> None:
    rng = np.random.default_rng(4)
    model = gpcm_model(rng, n_items=6)
    data = simulate_responses(model, simulate_theta(200, 1, rng), rng)
    responses = data.responses.copy()
    responses[:, 2] = -1
    responses[:5, 2] = 1  # five identical answers, as a rarely shown adaptive item gets
    constant_data = dataclasses.replace(data, responses=responses)
    kept, left_out = without_constant_items(constant_data)
    assert left_out == (data.item_ids[2],)
    assert kept.item_ids == tuple(i for i in data.item_ids if i != data.item_ids[2])
    assert without_constant_items(data) == (data, ())
    result = MMLCalibrator("gpcm").fit(kept)
    assert result.converged


def test_the_workbench_rescores_only_with_confirmation_and_audits_who_did(
    promoted: tuple[Store, str, str],
) -> None:
    store, first, second = promoted
    seed_demo(store, BANK, 3, seed=7)  # scored by the active (second) version
    completed = len(store.current_scores_of_completed())
    outcome = rollback_with_reason(store, "psy", "drift", confirmed=True)
    assert outcome.others is not None
    assert (outcome.others.active_label, outcome.others.by_version) == (first, {second: completed})
    with pytest.raises(AssessmentError, match="confirmation"):
        rescore_confirmed(store, BANK, "psy", confirmed=False)
    assert store.audit_entries("model.rescore") == []
    assert rescore_confirmed(store, BANK, "psy", confirmed=True) == completed > 0
    entry = store.audit_entries("model.rescore")[0]
    assert (entry.actor, entry.target, entry.detail) == ("psy", first, {"sessions": completed})
    promote_steeper_first_item(store)
    outcome = rollback_with_reason(store, "psy", "again", confirmed=True, rescore_bank=BANK)
    assert (outcome.label, outcome.rescored) == (first, completed)
    assert outcome.others is not None
    assert outcome.others.count == 0
