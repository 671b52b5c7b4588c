"""Re-norming per form: each respondent's recorded form decides their norm group; the fixed
form's tables come from its own respondents, or, with too few of them, from simulated answers
to the fixed form, and the preview and the audit log say which; a linked promotion keeps them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assessment.delivery.quality import model_fit_verdicts
from assessment.demo import synthetic_responses
from assessment.errors import AssessmentError, DataFileError
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import read_response_csv, response_forms
from assessment.psychometrics.model_files import eap_estimates
from assessment.psychometrics.renorm import apply_renorm, preview_renorm
from assessment.psychometrics.versions import (
    aligned_as_delivered,
    collected_responses,
    promote,
)
from items import load_bank
from items.forms import load_fixed_form
from items.scoring_map import item_specs
from scoring import MISSING, ResponseMatrix
from scoring.norms import NormTable
from tests.assessment.psychometrics.conftest import active_of, stronger_model

BANK = load_bank()
FORM = load_fixed_form(BANK)
MINIMUM = 20


def on_fixed_form(data: ResponseMatrix, rows: slice) -> ResponseMatrix:
    """``data`` with ``rows`` answering only the fixed form's items (the rest not presented)."""
    responses = data.responses.copy()
    outside = np.array([spec.item_id not in FORM for spec in data.items])
    responses[rows] = np.where(outside[None, :], MISSING, responses[rows])
    return ResponseMatrix(responses, data.items, data.dimensions)


def kept_estimates(store: Store, data: ResponseMatrix, rows: np.ndarray) -> np.ndarray:
    """EAP estimates of the ``rows`` of ``data`` that pass the data-quality checks, computed on
    their own (as a norm sample of those respondents alone would be)."""
    model = active_of(store)
    aligned = aligned_as_delivered(data, model.parameters).subset(rows)
    n_answers = (aligned.responses != MISSING).sum(axis=1)
    verdicts = model_fit_verdicts(model.parameters, aligned, n_answers)
    kept = np.array([not v.raised for v in verdicts])
    return np.asarray(eap_estimates(model.parameters, aligned.subset(np.flatnonzero(kept))).theta)


def test_recorded_fixed_form_respondents_make_the_fixed_tables_from_their_own_estimates(
    seeded: Store,
) -> None:
    # rows 0-29 answered the fixed form: 24 recorded so, 6 not recorded (judged by pattern);
    # rows 30-59 answered every item, recorded as adaptive
    data = on_fixed_form(synthetic_responses(BANK, n=60, seed=31, joint=True), slice(0, 30))
    forms = ["fixed"] * 24 + [None] * 6 + ["adaptive"] * 30
    preview = preview_renorm(seeded, data, "by form", minimum=MINIMUM, forms=forms)
    own = kept_estimates(seeded, data, np.arange(30))
    assert preview.n_fixed == own.shape[0] >= MINIMUM
    assert preview.fixed is not None
    assert preview.fixed.method == "respondents"
    dimensions = list(preview.tables)  # the order of the estimates
    for d, dimension in enumerate(dimensions):
        expected = NormTable.from_estimates(own[:, d], "fixed")
        table = preview.fixed.norms[dimension].table()
        assert table.mean == pytest.approx(expected.mean)
        assert table.sd == pytest.approx(expected.sd)
    assert 0 < preview.forms_judged <= 6
    text = "\n".join(preview.lines())
    assert f"norm tables of the sample's {preview.n_fixed} fixed-form respondents" in text
    assert f"judged from the answered items for {preview.forms_judged}" in text
    assert f"Adaptive test: norm tables of {preview.n - preview.n_fixed} respondents" in text


def test_a_recorded_form_is_believed_over_the_answer_pattern(seeded: Store) -> None:
    data = on_fixed_form(synthetic_responses(BANK, n=60, seed=31, joint=True), slice(0, 30))
    judged = preview_renorm(seeded, data, "pattern", minimum=MINIMUM)
    recorded = preview_renorm(
        seeded, data, "recorded", minimum=MINIMUM, forms=["adaptive"] * 60
    )  # for example a fixed form whose items have since changed
    assert judged.n_fixed >= MINIMUM
    assert judged.forms_judged == judged.n
    assert recorded.n_fixed == 0
    assert recorded.forms_judged == 0
    assert "Forms: as recorded for every respondent" in recorded.lines()[2]
    with pytest.raises(AssessmentError, match="form must be one of adaptive, fixed, got 'Fixed'"):
        preview_renorm(seeded, data, "typo", minimum=MINIMUM, forms=["Fixed"] * 60)
    with pytest.raises(AssessmentError, match="59 recorded forms for a sample of 60"):
        preview_renorm(seeded, data, "short", minimum=MINIMUM, forms=["adaptive"] * 59)


def test_too_few_fixed_form_respondents_give_simulated_tables_and_the_preview_says_so(
    seeded: Store,
) -> None:
    data = on_fixed_form(synthetic_responses(BANK, n=60, seed=32, joint=True), slice(0, 5))
    forms = ["fixed"] * 5 + ["adaptive"] * 55
    preview = preview_renorm(seeded, data, "few fixed", minimum=MINIMUM, forms=forms)
    assert preview.n_fixed <= 5
    assert preview.fixed is not None
    assert preview.fixed.method == "plausible_values"
    assert f"only {preview.n_fixed} respondents took it (fewer than {MINIMUM})" in (
        preview.fixed_line()
    )
    assert "simulated under" in preview.fixed_line()
    # the fixed form's estimates shrink more than those of the whole bank
    fixed_sd = np.mean([s.table().sd for s in preview.fixed.norms.values()])
    adaptive_sd = np.mean([t.sd for t in preview.tables.values()])
    assert fixed_sd < adaptive_sd
    version_id = apply_renorm(seeded, preview, "psy", "local norms")
    stored = seeded.model_document(version_id)
    assert stored is not None
    reference = stored.document.form_reference("fixed", stored.document.dimensions)
    assert (reference.norm_basis, reference.method) == ("form", "plausible_values")
    assert stored.document.norm_reference is not None
    assert stored.document.norm_reference.form == "adaptive"
    detail = seeded.audit_entries("model.renorm")[0].detail
    assert (detail["n_fixed"], detail["fixed_method"]) == (preview.n_fixed, "plausible_values")


def test_too_few_adaptive_respondents_are_refused_whatever_the_fixed_form_has(
    seeded: Store,
) -> None:
    data = on_fixed_form(synthetic_responses(BANK, n=45, seed=33, joint=True), slice(0, 30))
    forms = ["fixed"] * 30 + ["adaptive"] * 15
    with pytest.raises(AssessmentError, match=r"respondent\(s\) of the adaptive test"):
        preview_renorm(seeded, data, "mostly fixed", minimum=MINIMUM, forms=forms)


def test_collected_tests_carry_each_sessions_recorded_form(seeded: Store) -> None:
    collected = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION)
    recorded = seeded.completed_session_states()
    assert collected.forms == tuple(recorded[s].form for s in collected.session_ids)
    assert "fixed" in collected.forms
    assert "adaptive" in collected.forms


def test_a_response_files_form_column_is_read_and_a_misspelt_form_is_named(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        "candidate_id,SO-001,_form\nr1,A,fixed\nr2,B,\nr3,C,adaptive\n", encoding="utf-8"
    )
    loaded = read_response_csv(path, specs=item_specs(BANK))
    assert response_forms(loaded, "data.csv") == ("fixed", None, "adaptive")
    path.write_text("candidate_id,SO-001\nr1,A\n", encoding="utf-8")
    assert response_forms(read_response_csv(path, specs=item_specs(BANK)), "data.csv") is None
    path.write_text("candidate_id,SO-001,_form\nr1,A,fixd\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="candidate 'r1', column '_form': form must be one"):
        response_forms(read_response_csv(path, specs=item_specs(BANK)), "data.csv")


def test_a_linked_promotion_carries_the_fixed_forms_tables_with_the_norms(seeded: Store) -> None:
    active = active_of(seeded)
    before = active.document.form_reference("fixed", active.document.dimensions)
    assert before.norm_basis == "form"
    promoted = seeded.model_document(promote(seeded, stronger_model(seeded), BANK, "psy", "v1"))
    assert promoted is not None
    after = promoted.document.form_reference("fixed", promoted.document.dimensions)
    assert (after.norm_basis, after.method) == ("form", before.method)
    assert after.tables.keys() == before.tables.keys()
    for dimension, table in before.tables.items():
        assert (after.tables[dimension].mean, after.tables[dimension].sd) == (table.mean, table.sd)
        np.testing.assert_array_equal(after.tables[dimension].quantiles, table.quantiles)
