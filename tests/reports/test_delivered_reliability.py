"""The reliability printed in a profile rests on real candidates' usable results only.

Demo data under the synthetic model and flagged sessions (random responders among them) are
never counted as candidates: the empirical reliability of the delivered test needs 30 real,
completed, unflagged sessions scored with the version, and until then the profile prints the
version's simulation and says it is one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from sqlalchemy import update

from assessment.delivery.service import Delivery
from assessment.delivery.simulation import load_simulation_record
from assessment.demo import seed_demo
from assessment.persistence.results import latest_completed_result
from assessment.persistence.store import ScoreRecord, Store
from assessment.persistence.tables import Candidate, TestSession
from assessment.psychometrics.versions import rescore
from assessment.recruiting.overview import candidate_overview
from assessment.vocabulary import raised_flags
from items import COMPETENCIES, load_bank
from reports.assemble import (
    MIN_CANDIDATES_FOR_RELIABILITY,
    profile_for_candidate,
    render_candidate_pdf,
)
from reports.formatting import fmt_reliability
from reports.wording import load_wording
from tests.assessment.delivery.test_random_responders import HUMAN, random_responder
from tests.reports.conftest import pdf_text, requires_pdftotext


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path_factory.mktemp('reliability') / 'r.db'}")
    yield opened
    opened.engine.dispose()


def test_reliability_counts_only_real_completed_unflagged_candidates(store: Store) -> None:
    bank = load_bank()
    demo = seed_demo(store, bank, 50)
    assert demo.completed >= MIN_CANDIDATES_FOR_RELIABILITY
    delivery = Delivery.from_store(store, bank)
    rng = np.random.default_rng(8)
    clickers = [random_responder(delivery, rng, HUMAN, synthetic=False) for _ in range(8)]
    record = load_simulation_record()
    assert record is not None
    # Demo data and random clickers only: the old code printed their empirical reliability
    # as "the scores of the candidates" (and without the synthetic model's caveat).
    profile = profile_for_candidate(store, clickers[0])
    assert profile.reliability_source == "synthetic_simulation"
    assert [s.reliability for s in profile.scores] == [
        pytest.approx(record["reliability"][c]) for c in COMPETENCIES
    ]

    # The demo candidates become real ones: now their completed, unflagged sessions count.
    with store.transaction() as db:
        db.execute(update(Candidate).values(synthetic=False))
    usable: list[dict[str, ScoreRecord]] = []
    flagged = 0
    for row in candidate_overview(store, status="completed"):
        result = latest_completed_result(store, row.candidate_id)
        assert result.session is not None
        if raised_flags(result.session.flags):
            flagged += 1
        elif result.session.form == "adaptive":  # the clicker's form: never pooled with fixed
            usable.append({score.competency: score for score in result.scores})
    assert len(usable) >= MIN_CANDIDATES_FOR_RELIABILITY
    assert flagged >= len(clickers)  # every random clicker is flagged, some fast demo ones too
    profile = profile_for_candidate(store, clickers[0])
    assert profile.reliability_source == "candidates"
    for c in COMPETENCIES:
        theta = np.array([scores[c].theta for scores in usable])
        se = np.array([scores[c].se for scores in usable])
        variance = float(np.var(theta, ddof=1))
        expected = variance / (variance + float(np.mean(se**2)))
        assert profile.score(c).reliability == pytest.approx(expected)


def test_each_form_shows_its_own_reliability_never_one_pooled_across_forms(
    store: Store,
) -> None:
    # A fixed-form candidate was shown the adaptive test's reliability: the simulation
    # figure was the adaptive one, and the empirical figure pooled both forms.
    bank = load_bank()
    seed_demo(store, bank, 50)
    with store.transaction() as db:
        db.execute(update(Candidate).values(synthetic=False))
    usable = []
    for row in candidate_overview(store, status="completed"):
        result = latest_completed_result(store, row.candidate_id)
        assert result.session is not None
        if not raised_flags(result.session.flags):
            usable.append((row.candidate_id, result.session.id))
    assert len(usable) > MIN_CANDIDATES_FOR_RELIABILITY
    set_form = _form_setter(store)
    set_form([session for _, session in usable], "adaptive")  # the demo has fixed ones too
    record = load_simulation_record()
    assert record is not None
    fixed_figures = [pytest.approx(record["fixed_reliability"][c]) for c in COMPETENCIES]

    # one fixed-form session among many adaptive ones: too few for its own empirical figure
    (fixed_candidate, fixed_session), *adaptive = usable
    set_form([fixed_session], "fixed")
    fixed = profile_for_candidate(store, fixed_candidate)
    assert (fixed.form, fixed.reliability_source) == ("fixed", "synthetic_simulation")
    assert [s.reliability for s in fixed.scores] == fixed_figures
    assert fixed.reliability_n is None
    adaptive_profile = profile_for_candidate(store, adaptive[0][0])
    assert adaptive_profile.reliability_source == "candidates"
    assert adaptive_profile.reliability_n == len(adaptive)  # the fixed session is not pooled

    # every usable session fixed: the fixed form has its own empirical figure, with n and a
    # bootstrap interval around it; the adaptive test falls back to its own simulation
    set_form([session for _, session in usable], "fixed")
    fixed = profile_for_candidate(store, fixed_candidate)
    assert (fixed.reliability_source, fixed.reliability_n) == ("candidates", len(usable))
    for score in fixed.scores:
        assert score.reliability_interval is not None
        low, high = score.reliability_interval
        assert low < score.reliability < high
    set_form([adaptive[0][1]], "adaptive")
    adaptive_profile = profile_for_candidate(store, adaptive[0][0])
    assert adaptive_profile.reliability_source == "synthetic_simulation"
    assert [s.reliability for s in adaptive_profile.scores] == [
        pytest.approx(record["reliability"][c]) for c in COMPETENCIES
    ]


@requires_pdftotext
def test_without_a_figure_of_the_delivered_test_no_reliability_is_printed_as_one(
    store: Store,
) -> None:
    """A version without a simulation (stored before promotion simulated the delivered
    test), before 30 real candidates: the profile printed the calibration's whole-bank
    marginal reliability (0.95 beside an SE implying about 0.70) under a note calling it "the
    reliability of the test as delivered"."""
    bank = load_bank()
    seed_demo(store, bank, 6)
    active = store.active_model_document()
    assert active is not None
    bank_figures = dict.fromkeys(COMPETENCIES, 0.95)  # what a calibration on the bank states
    fit = (active.document.fit.model_dump() if active.document.fit else {}) | {
        "marginal_reliability": bank_figures
    }
    store.add_model_version(  # as promotion stored it before it simulated the test
        "v1", active.document.with_changes(simulation=None, fit=fit), created_by="psy",
        note="v1", activate=True,
    )  # fmt: skip
    rescore(store, bank)
    row = candidate_overview(store, status="completed")[0]
    words = load_wording()
    for lang in ("en", "zh"):
        profile = profile_for_candidate(store, row.candidate_id, lang)
        assert profile.reliability_source == "unavailable"
        assert [s.reliability for s in profile.scores] == [None] * len(COMPETENCIES)
        text = " ".join(pdf_text(render_candidate_pdf(store, row.candidate_id, lang)).split())
        assert fmt_reliability(0.95) not in text
        profile_words = words.get(lang).profile
        note = profile_words.reliability_note_unavailable.format(model_version="v1")
        squeezed = "".join(text.split())  # Chinese lines break anywhere
        assert "".join(note.split()) in squeezed
        assert "".join(profile_words.reliability_note.split()[:3]) not in squeezed
        for score in profile.scores:  # each row ends with the SEM and a dash, not a figure
            assert f"{score.t_se:.1f} –" in text


def _form_setter(store: Store) -> Callable[[list[str], str], None]:
    """Set the form of sessions (a test's stand-in for candidates taking the other form)."""

    def set_form(session_ids: list[str], form: str) -> None:
        with store.transaction() as db:
            db.execute(update(TestSession).where(TestSession.id.in_(session_ids)).values(form=form))

    return set_form
