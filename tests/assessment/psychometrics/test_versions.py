"""Model versions: promote, roll back, rescore with history; collected data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from assessment.delivery.quality import answer_counts, model_fit_verdicts, quality_flags
from assessment.errors import AssessmentError
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.persistence.tables import Score, TestSession
from assessment.psychometrics.renorm import apply_renorm, preview_renorm
from assessment.psychometrics.review import band_index
from assessment.psychometrics.versions import (
    PromotionRefusedError,
    aligned_as_delivered,
    collected_responses,
    list_versions,
    promote,
    rescore,
    rollback,
)
from assessment.recruiting.overview import candidate_overview
from assessment.session_values import CompletedScores
from items import COMPETENCIES, load_bank
from reports.assemble import overall_rule, profile_for_candidate
from scoring import MISSING, simulate_responses, simulate_theta
from tests.assessment.psychometrics.conftest import (
    active_of,
    add_random_responder,
    stronger_model,
    with_scaled_slopes,
)

BANK = load_bank()


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
    completed = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).session_ids
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


def test_rescoring_with_the_delivering_model_reproduces_the_delivered_scores(
    seeded: Store,
) -> None:
    """Delivery and rescoring score alike: joint most/least answers, the model's N(0, R)."""
    completed = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).session_ids
    before = {session_id: seeded.scores(session_id) for session_id in completed}
    with seeded.transaction() as db:
        stored = {s: dict(db.get(TestSession, s).flags["posterior"]) for s in completed}
    assert rescore(seeded, BANK) == len(completed)
    for session_id in completed:
        old = {s.competency: s for s in before[session_id]}
        for score in seeded.scores(session_id):
            assert score.theta == pytest.approx(old[score.competency].theta, abs=1e-6)
            assert score.se == pytest.approx(old[score.competency].se, abs=1e-6)
        with seeded.transaction() as db:
            posterior = db.get(TestSession, session_id).flags["posterior"]
        assert posterior["competencies"] == stored[session_id]["competencies"]
        np.testing.assert_allclose(
            posterior["covariance"], stored[session_id]["covariance"], atol=1e-6
        )


def model_flags(flags: dict[str, Any]) -> dict[str, Any]:
    """The stored data-quality flags without the posterior and the engine's stop reason."""
    return {k: v for k, v in flags.items() if k not in ("posterior", "stop_reason")}


def same_flags(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every flag, count and verdict equal; the statistics to rounding (1e-12): the batch and
    a single row sum the same terms in another order."""
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value, rel=0, abs=1e-12) if isinstance(value, float)
                            else value), key  # fmt: skip


def test_rescoring_with_the_delivering_model_keeps_the_delivered_quality_flags(
    seeded: Store,
) -> None:
    """Rescoring judges every session's answers in one batch; the stored flags are those
    delivery stored, session by session, under the same model."""
    add_random_responder(seeded)  # a flagged session, whatever the demo's seed gave
    before = {s: state.flags for s, state in seeded.completed_session_states().items()}
    assert any(model_flags(flags)["raised"] for flags in before.values())
    rescore(seeded, BANK)
    after = {s: state.flags for s, state in seeded.completed_session_states().items()}
    assert after.keys() == before.keys()
    for session_id, flags in before.items():
        same_flags(model_flags(after[session_id]), model_flags(flags))
        assert after[session_id]["stop_reason"] == flags["stop_reason"]


def test_the_batch_verdicts_are_each_rows_verdict_alone(seeded: Store) -> None:
    """A row's misfit statistics do not depend on the other rows judged with it (each MAP
    estimate stops at its own convergence, not when the slowest row converges)."""
    active = active_of(seeded)
    collected = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    data = aligned_as_delivered(collected.data, active.parameters)
    counts = answer_counts(collected.data).tolist()
    together = model_fit_verdicts(active.parameters, data, counts)
    for n, verdict in enumerate(together):
        alone = model_fit_verdicts(active.parameters, data.subset(np.array([n])), counts[n : n + 1])
        assert verdict.raised == alone[0].raised
        assert verdict.lz_star == pytest.approx(alone[0].lz_star, rel=0, abs=1e-13)
        assert verdict.random_log_odds == pytest.approx(alone[0].random_log_odds, rel=0, abs=1e-12)


def test_answers_are_counted_as_delivery_counts_them(seeded: Store) -> None:
    """One answer per item: a most/least item's two columns count once (``len(responses)``)."""
    collected = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    counts = answer_counts(collected.data)
    for n, session_id in enumerate(collected.session_ids):
        assert counts[n] == len(seeded.load_session(session_id).session.responses)
    parts = (collected.data.responses != MISSING).sum(axis=1)
    assert np.all(parts > counts)  # every demo session answered most/least items


def test_rescoring_under_a_new_version_recomputes_the_model_based_quality_flags(
    seeded: Store,
) -> None:
    """Misfit and the evidence against random picking are judged under the scoring model:
    after a rescore they are the new version's, while the timing flags stay as they were."""
    before = {s: state.flags for s, state in seeded.completed_session_states().items()}
    # Unlinked: linking would undo the uniform slope change (A = 1.2) and leave every answer
    # exactly as probable as before.
    promote(seeded, stronger_model(seeded), BANK, "psy", "new", link=False)
    rescore(seeded, BANK)
    after = {s: state.flags for s, state in seeded.completed_session_states().items()}
    active = active_of(seeded)
    moved = 0
    for session_id, flags in after.items():
        responses = seeded.load_session(session_id).session.responses
        expected = quality_flags(BANK, active.parameters, responses, flags["incomplete"])
        same_flags(model_flags(flags), expected.stored())
        for key in ("fast_share", "longest_run", "too_fast", "same_position_run", "incomplete"):
            assert flags[key] == before[session_id][key]
        moved += abs(flags["random_log_odds"] - before[session_id]["random_log_odds"]) > 1e-6
    assert moved == len(after)  # steeper slopes change every candidate's evidence


def test_collected_responses_exclude_flagged_sessions_by_default(seeded: Store) -> None:
    everything = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    clean = collected_responses(seeded, BANK)
    assert clean.data.n_candidates + clean.excluded_flagged == everything.data.n_candidates
    answered = (everything.data.responses >= 0).sum(axis=1)
    assert np.all(answered >= 15)


def test_linked_promotion_keeps_the_reference_norms(seeded: Store) -> None:
    before = active_of(seeded)
    norms = before.document.norms
    assert norms is not None
    model = stronger_model(seeded).with_changes(  # the new sample's own norms must not be used
        norms={c: table.model_copy(update={"mean": table.mean + 1.0}) for c, table in norms.items()}
    )
    promote(seeded, model, BANK, "psy", "recalibration")
    after = active_of(seeded)
    assert after.document.norms == norms
    reference = after.document.norm_reference
    assert reference is not None
    assert reference.carried_from == before.label
    assert reference.defined_in == before.label  # v0-synthetic defined them (implied)
    assert "reference norms carried" in seeded.audit_entries("model.promote")[0].detail["norms"]


def test_guard_refuses_implausible_items_unless_forced_with_a_reason(seeded: Store) -> None:
    model = stronger_model(seeded)
    first = model.items[0]
    runaway = with_scaled_slopes(first, 100)  # a slope that ran away
    model = model.with_changes(
        items=[runaway, *model.items[1:]],
        item_answers={first.item_id: 30},
        fit={"converged": False, "problems": []},
    )
    with pytest.raises(PromotionRefusedError) as refused:
        promote(seeded, model, BANK, "psy", "diverged")
    kinds = {problem.kind for problem in refused.value.problems}
    assert kinds == {"not_converged", "implausible_slope", "too_few_answers"}
    assert first.item_id in str(refused.value)
    with pytest.raises(AssessmentError, match="reason"):
        promote(seeded, model, BANK, "psy", "diverged", force=True, reason=" ")
    promote(seeded, model, BANK, "psy", "diverged", force=True, reason="audit test")
    detail = seeded.audit_entries("model.promote")[0].detail
    assert detail["forced"] is True
    assert detail["reason"] == "audit test"
    assert len(detail["problems"]) == 3
    with pytest.raises(AssessmentError, match="reason"):
        rollback(seeded, "psy", "  ")


def test_renorm_previews_band_changes_and_applies_only_when_asked(seeded: Store) -> None:
    before = seeded.active_model_version()
    assert before is not None
    sessions = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    rescore(seeded, BANK)
    with pytest.raises(AssessmentError, match="at least 200"):
        preview_renorm(seeded, sessions.data, "demo candidates 2026")
    preview = preview_renorm(seeded, sessions.data, "demo candidates 2026", minimum=2)
    assert preview.n == sessions.data.n_candidates - preview.left_out
    assert preview.n_candidates == len(sessions.session_ids)
    assert seeded.active_model_version().label == before.label  # type: ignore[union-attr]
    # the demo candidates' own distribution differs from the synthetic norms: some bands move
    thetas = [
        {s.competency: s.theta for s in seeded.scores(session)} for session in sessions.session_ids
    ]
    expected = 0
    for row in thetas:
        changed = False
        for c, table in preview.tables.items():
            old = band_index(np.array([preview.old_tables[c].t_score(row[c])]))
            new = band_index(np.array([table.t_score(row[c])]))
            changed |= bool(old[0] != new[0])
        expected += changed
    assert preview.any_band_changes == expected
    with pytest.raises(AssessmentError, match="reason"):
        apply_renorm(seeded, preview, "psy", "")
    version_id = apply_renorm(seeded, preview, "psy", "local norms")
    stored = seeded.model_document(version_id)
    assert stored is not None
    reference = stored.document.norm_reference
    assert reference is not None
    assert (reference.sample, reference.defined_in) == ("demo candidates 2026", stored.label)
    assert stored.document.renormed_from == before.label
    assert stored.norms["empathy"].mean == pytest.approx(preview.tables["empathy"].mean)
    entry = seeded.audit_entries("model.renorm")[0]
    assert entry.detail["reason"] == "local norms"
    assert entry.detail["any_band_changes"] == expected
    assert entry.detail["minimum"] == 2
    assert rollback(seeded, "psy", "back to the synthetic norms") == before.label


def test_renorm_counts_the_overall_results_that_the_profiles_change(seeded: Store) -> None:
    sessions = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    rescore(seeded, BANK)
    completed = [row.candidate_id for row in candidate_overview(seeded, status="completed")]
    before = {c: profile_for_candidate(seeded, c).overall.band for c in completed}
    preview = preview_renorm(seeded, sessions.data, "local", overall_rule(seeded), minimum=2)
    apply_renorm(seeded, preview, "psy", "local norms")
    rescore(seeded, BANK)  # the same θ, T-scores and floors under the new norms
    after = {c: profile_for_candidate(seeded, c).overall.band for c in completed}
    changed = sum(before[c] != after[c] for c in completed)
    assert preview.overall_changes == changed


def test_renorm_on_a_strong_pool_moves_the_composite_with_the_competency_scores(
    seeded: Store,
) -> None:
    # 400 simulees 0.6 SD above the model's population as the new reference sample. The old
    # composite stayed on the model's N(0, R): every competency T fell by about 6 while the
    # composite and the overall band stayed put ("0 would change overall band").
    rescore(seeded, BANK)
    active = active_of(seeded)
    rng = np.random.default_rng(41)
    dimensions = len(active.parameters.dimensions)
    theta = simulate_theta(400, dimensions, rng, active.document.correlation_matrix()) + 0.6
    strong = simulate_responses(active.parameters, theta, rng)
    completed = [row.candidate_id for row in candidate_overview(seeded, status="completed")]
    before = {c: profile_for_candidate(seeded, c) for c in completed}
    assert {p.composite_basis for p in before.values()} == {"norm_group"}
    preview = preview_renorm(seeded, strong, "strong pool", overall_rule(seeded))
    apply_renorm(seeded, preview, "psy", "strong applicant pool")
    rescore(seeded, BANK)
    after = {c: profile_for_candidate(seeded, c) for c in completed}
    for c in completed:
        assert after[c].composite_basis == "norm_group"
        pairs = zip(before[c].scores, after[c].scores, strict=True)
        drops = [old.t_score - new.t_score for old, new in pairs]
        composite_drop = before[c].overall.composite_t - after[c].overall.composite_t
        # every competency T falls against the stronger group (by 6 at its mean, less for a
        # candidate far from it where the group's SD differs from the model's) …
        assert min(drops) > 2.0
        assert composite_drop > 3.0  # … and so does the composite referred to it
    changed = sum(before[c].overall.band != after[c].overall.band for c in completed)
    assert changed > 0
    assert preview.overall_changes == changed  # the preview used the profile's own rule
    # a candidate at the new group's mean is average on the composite too
    stored = active_of(seeded)
    reference = stored.document.norm_reference
    assert reference is not None
    assert reference.estimate_correlation is not None
    at_mean = {c: stored.norms[c].mean for c in COMPETENCIES}
    t_scores = {c: stored.norms[c].t_score(at_mean[c]) for c in COMPETENCIES}
    rule = overall_rule(seeded)
    composite_t, _ = rule(
        CompletedScores(
            at_mean, dict.fromkeys(COMPETENCIES, 0.3), t_scores, (), None, None,
            stored.version_id,
        )
    )  # fmt: skip
    assert composite_t == pytest.approx(50.0)
