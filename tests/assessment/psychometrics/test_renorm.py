"""Re-norming: the reference sample is screened like delivered answers, and the preview counts
every tested candidate on the active scale."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from assessment.delivery.quality import model_fit_verdicts
from assessment.demo import synthetic_responses
from assessment.errors import AssessmentError
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import CompletedSessionState, Store
from assessment.psychometrics.renorm import preview_renorm
from assessment.psychometrics.versions import (
    ScoresFromOtherVersions,
    aligned_as_delivered,
    collected_responses,
    promote,
    rescore,
    rollback,
    same_scale_versions,
    scores_from_other_versions,
)
from items import load_bank
from scoring import MISSING, ResponseMatrix
from tests.assessment.psychometrics.conftest import active_of, stronger_model

BANK = load_bank()
N_RANDOM = 100
N_MODEL = 200


def with_random_pickers(clean: ResponseMatrix, n_random: int, seed: int) -> ResponseMatrix:
    """``clean`` with its first ``n_random`` rows replaced by uniformly random picks (one of the
    item's answers each, a distinct most/least pair for a joint item)."""
    rng = np.random.default_rng(seed)
    n_categories = np.array([spec.n_categories for spec in clean.items])
    random_rows = rng.integers(0, n_categories, size=(n_random, clean.n_items))
    responses = np.vstack([random_rows, clean.responses[n_random:]])
    return ResponseMatrix(responses, clean.items, clean.dimensions)


def test_a_renorm_sample_leaves_out_answers_like_random_picking(seeded: Store) -> None:
    drawn = synthetic_responses(BANK, n=N_RANDOM + N_MODEL, seed=11, joint=True)
    mixed = with_random_pickers(drawn, N_RANDOM, seed=12)
    clean = ResponseMatrix(drawn.responses[N_RANDOM:], drawn.items, drawn.dimensions)
    screened = preview_renorm(seeded, mixed, "mixed", minimum=2)
    reference = preview_renorm(seeded, clean, "model-conforming only", minimum=2)
    # every random picker is left out, and few model-conforming respondents (about 8%)
    assert screened.left_out_flags["random_like"] >= N_RANDOM
    assert N_RANDOM <= screened.left_out <= N_RANDOM + 0.15 * N_MODEL
    assert screened.n == N_RANDOM + N_MODEL - screened.left_out
    assert screened.n == reference.n  # the same respondents are kept
    for dimension, table in screened.tables.items():
        assert table.sd == pytest.approx(reference.tables[dimension].sd)
        assert table.mean == pytest.approx(reference.tables[dimension].mean)
    assert f"Left out {screened.left_out} of {N_RANDOM + N_MODEL} respondents" in (
        "\n".join(screened.lines())
    )
    assert "random picking" in screened.left_out_line()
    # the minimum applies to the respondents kept
    with pytest.raises(AssessmentError, match="pass the data-quality checks"):
        preview_renorm(seeded, mixed, "mixed", minimum=screened.n + 1)


def test_after_a_rollback_the_preview_counts_candidates_scored_by_the_linked_version(
    seeded: Store,
) -> None:
    synthetic = seeded.active_model_version()
    assert synthetic is not None
    completed = len(seeded.current_scores_of_completed())
    promote(seeded, stronger_model(seeded), BANK, "psy", "recalibration")  # v1, linked to it
    rescore(seeded, BANK)
    assert rollback(seeded, "psy", "drift") == synthetic.label
    others = scores_from_other_versions(seeded)
    assert others is not None
    assert (others.active_label, others.by_version) == (synthetic.label, {"v1": completed})
    assert "still come from v1, not from the active" in others.message("rescore them")
    sample = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).data
    preview = preview_renorm(seeded, sample, "demo", minimum=2)
    assert preview.n_candidates == completed > 0  # v1's scores are on the active scale
    rescore(seeded, BANK)
    assert scores_from_other_versions(seeded) == ScoresFromOtherVersions(synthetic.label, {})


def test_the_preview_reads_the_sessions_forms_and_flags_with_one_store_call(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    states = Store.completed_session_states

    def counted(store: Store) -> dict[str, CompletedSessionState]:
        calls.append(1)
        return states(store)

    monkeypatch.setattr(Store, "completed_session_states", counted)
    sample = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).data
    preview = preview_renorm(seeded, sample, "demo", minimum=2)
    assert calls == [1]
    assert preview.n_candidates == len(seeded.current_scores_of_completed()) > 0


def make_real(store: Store, candidate_ids: list[str]) -> None:
    """Turn demo candidates into real ones (the demo makes synthetic candidates only)."""
    with store.engine.begin() as connection:
        for candidate_id in candidate_ids:
            connection.execute(
                text("UPDATE candidates SET synthetic = :no WHERE id = :id"),
                {"no": False, "id": candidate_id},
            )


def test_the_preview_says_how_many_of_its_counts_are_synthetic_demo_candidates(
    seeded: Store,
) -> None:
    collected = collected_responses(seeded, BANK)
    real = list(collected.candidate_ids[:2])
    make_real(seeded, real)
    collected = collected_responses(seeded, BANK)
    assert sum(not s for s in collected.is_synthetic) == 2
    preview = preview_renorm(
        seeded, collected.data, "demo", minimum=2, forms=collected.forms,
        synthetic=collected.is_synthetic,
    )  # fmt: skip
    assert preview.synthetic == preview.n - 2  # the two real candidates pass the checks
    scored = seeded.current_scores_of_completed()
    states = seeded.completed_session_states()
    assert preview.synthetic_candidates == sum(states[s].synthetic for s in scored)
    assert 0 < preview.synthetic_candidates < preview.n_candidates
    text = "\n".join(preview.lines())
    assert f"n={preview.n} ({preview.synthetic} of them synthetic demo candidates)" in text
    assert (
        f"of {preview.n_candidates} tested candidates ({preview.synthetic_candidates} of them "
        "synthetic demo candidates) would change band"
    ) in text
    adaptive = preview.n - preview.n_fixed
    assert (
        f"Adaptive test: norm tables of {adaptive} respondents "
        f"({preview.synthetic - preview.synthetic_fixed} of them synthetic"
    ) in text
    unknown = preview_renorm(seeded, collected.data, "demo", minimum=2, forms=collected.forms)
    assert unknown.synthetic is None  # a response file does not say: nothing is claimed
    assert f"(n={unknown.n}, " in "\n".join(unknown.lines())


def test_a_version_promoted_without_linking_has_a_scale_of_its_own(seeded: Store) -> None:
    synthetic = seeded.active_model_version()
    assert synthetic is not None
    document = stronger_model(seeded)  # from the synthetic version: no linking of its own
    linked = promote(seeded, document, BANK, "psy", "linked")
    own = promote(seeded, document, BANK, "psy", "own scale", link=False)
    assert same_scale_versions(seeded, synthetic.id) == {synthetic.id, linked}
    assert same_scale_versions(seeded, linked) == {synthetic.id, linked}
    assert same_scale_versions(seeded, own) == {own}


def test_a_sample_is_judged_row_by_row_as_delivery_judges_one_session(seeded: Store) -> None:
    active = active_of(seeded)
    drawn = synthetic_responses(BANK, n=12, seed=13, joint=True)
    sample = aligned_as_delivered(with_random_pickers(drawn, 4, seed=14), active.parameters)
    n_answers = (sample.responses != MISSING).sum(axis=1)
    together = model_fit_verdicts(active.parameters, sample, n_answers)
    one_by_one = [
        model_fit_verdicts(active.parameters, sample.subset(np.array([n])), n_answers[n : n + 1])[0]
        for n in range(sample.n_candidates)
    ]
    for row, alone in zip(together, one_by_one, strict=True):
        assert row.raised == alone.raised
        assert row.lz_star == pytest.approx(alone.lz_star)
        assert row.random_log_odds == pytest.approx(alone.random_log_odds)
    assert all(verdict.random_like for verdict in together[:4])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (" ", "name the reference sample"),
        ("x" * 81, "the reference sample's name is longer than 80 characters (81)"),
        ("applicants\n2027", "the reference sample's name contains line breaks"),
        ("applicants \u202e7202", "the reference sample's name contains line breaks"),
    ],
)
def test_a_reference_sample_name_that_reports_cannot_print_is_refused(
    seeded: Store, name: str, expected: str
) -> None:
    """The name is printed on every profile's norm-group line: 10,000 characters or a line
    break would have broken each report after the re-norm."""
    sample = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).data
    with pytest.raises(AssessmentError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        preview_renorm(seeded, sample, name, minimum=2)
    assert preview_renorm(seeded, sample, "x" * 80, minimum=2).sample == "x" * 80
