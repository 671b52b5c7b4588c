"""Fairness monitoring counts the decisions recruiters see: the profiles' overall results."""

from __future__ import annotations

from collections import Counter
from typing import get_args

import numpy as np
import pytest
from sqlalchemy import select, update

from assessment.errors import AssessmentError
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.persistence.tables import Score, TestSession
from assessment.psychometrics.fairness import (
    DECISION_BASIS,
    OVERALL_BANDS,
    SELECTIONS,
    CutRule,
    fairness_report,
    record_groups,
)
from assessment.psychometrics.versions import collected_responses
from assessment.session_values import stored_evidence
from items import COMPETENCIES, load_bank
from reports.assemble import overall_rule, profile_for_candidate
from reports.profile import OverallBand, composite_and_band

BANK = load_bank()


@pytest.fixture
def grouped(seeded: Store) -> Store:
    """The seeded demo candidates, answering gender alternately."""
    store = seeded
    sessions = collected_responses(store, BANK, EVERY_COMPLETED_SESSION).session_ids
    for n, session_id in enumerate(sessions):
        record_groups(store, session_id, {"gender": "woman" if n % 2 else "man"})
    return store


def candidate_of(store: Store) -> dict[str, str]:
    with store.transaction() as db:
        rows = db.execute(select(TestSession.id, TestSession.candidate_id)).all()
    return {str(session_id): str(candidate_id) for session_id, candidate_id in rows}


def widen_posterior(store: Store, candidate_id: str) -> None:
    """Store a wide posterior covariance with the candidate's session (SE 1.5 per competency)."""
    with store.transaction() as db:
        session = db.scalars(
            select(TestSession).where(TestSession.candidate_id == candidate_id)
        ).one()
        posterior = dict(session.flags["posterior"])
        posterior["covariance"] = (np.eye(len(COMPETENCIES)) * 2.25).tolist()
        session.flags = {**session.flags, "posterior": posterior}


def test_a_group_answer_is_kept_once_and_unknown_fields_are_refused(grouped: Store) -> None:
    sessions = collected_responses(grouped, BANK, EVERY_COMPLETED_SESSION).session_ids
    assert record_groups(grouped, sessions[0], {"gender": "woman"}) == 0  # first answer stands
    with pytest.raises(AssessmentError, match="unknown group field"):
        record_groups(grouped, sessions[0], {"religion": "x"})
    report = fairness_report(grouped, BANK, "gender", CutRule(50.0), with_dif=False)
    assert {g.group for g in report.impact} == {"woman", "man"}
    assert sum(g.n for g in report.impact) == len(sessions)
    assert all(g.small for g in report.impact)  # a handful of candidates: marked as small


def test_the_bands_are_those_of_the_profiles_with_their_stored_posterior(grouped: Store) -> None:
    owner = candidate_of(grouped)
    sessions = collected_responses(grouped, BANK, EVERY_COMPLETED_SESSION).session_ids
    before = {s: profile_for_candidate(grouped, owner[s]).overall.band for s in sessions}
    recommended = next(owner[s] for s in sessions if before[s] == "recommended")
    widen_posterior(grouped, recommended)  # the stored matrix decides: now borderline
    profile = profile_for_candidate(grouped, recommended)
    assert profile.overall.band == "borderline"
    diagonal = composite_and_band(
        {s.competency_id: s.theta for s in profile.scores},
        {s.competency_id: s.se for s in profile.scores},
        {s.competency_id: s.t_score for s in profile.scores},
    )
    assert diagonal[1] == "recommended"  # a rule blind to the stored posterior would differ

    report = fairness_report(grouped, BANK, "gender", overall_rule(grouped), with_dif=False)

    gender = {s: "woman" if n % 2 else "man" for n, s in enumerate(sessions)}
    bands = {s: profile_for_candidate(grouped, owner[s]).overall.band for s in sessions}
    expected: dict[str, Counter[str]] = {}
    for session_id in sessions:
        expected.setdefault(gender[session_id], Counter())[bands[session_id]] += 1
    assert report.basis == DECISION_BASIS
    assert report.n_sessions == len(sessions)
    assert {
        g: Counter({b: k for b, k in c.items() if k}) for g, c in report.band_counts.items()
    } == expected
    assert [s.selection for s in report.selections] == [name for name, _ in SELECTIONS]
    for selection, (_, chosen) in zip(report.selections, SELECTIONS, strict=True):
        for g in selection.impact:
            assert g.n == sum(expected[g.group].values())
            assert g.selected == sum(expected[g.group][band] for band in chosen)
    assert report.impact == report.selections[0].impact  # "recommended" comes first
    assert len(set(bands.values())) >= 3  # the demo reaches several results, review included


def test_the_decision_report_states_its_caveats(grouped: Store) -> None:
    report = fairness_report(grouped, BANK, "gender", overall_rule(grouped), with_dif=False)
    caveats = "\n".join(report.caveats)
    assert "borderline, review and not a match count as not selected" in caveats
    assert "fewer than 30 members" in caveats  # five per group
    assert f"{report.n_sessions} of the {report.n_sessions} sessions are synthetic" in caveats
    assert "scoring model is synthetic" in caveats


def test_the_plain_t_cut_stays_available(grouped: Store) -> None:
    report = fairness_report(grouped, BANK, "gender", CutRule(50.0), with_dif=False)
    sessions = collected_responses(grouped, BANK, EVERY_COMPLETED_SESSION).session_ids
    with grouped.transaction() as db:
        rows = db.execute(select(Score.session_id, Score.t_score).where(Score.current)).all()
    mean_t = {s: float(np.mean([t for sid, t in rows if sid == s])) for s in sessions}
    passed = Counter("woman" if n % 2 else "man" for n, s in enumerate(sessions) if mean_t[s] >= 50)
    assert report.basis == "mean T of the five competencies"
    assert report.band_counts == {}
    assert [s.selection for s in report.selections] == [
        "T >= 50 on mean T of the five competencies"
    ]
    assert {g.group: g.selected for g in report.impact} == {g: passed[g] for g in ("man", "woman")}
    assert "not the decision recruiters see" in report.caveats[0]
    with pytest.raises(AssessmentError, match="unknown competency 'charm'"):
        fairness_report(grouped, BANK, "gender", CutRule(50.0, "charm"), with_dif=False)


def test_sessions_without_complete_scores_are_left_out_and_counted(grouped: Store) -> None:
    first = collected_responses(grouped, BANK, EVERY_COMPLETED_SESSION).session_ids[0]
    with grouped.transaction() as db:  # scored by a version without norms: no T-scores
        db.execute(update(Score).where(Score.session_id == first).values(t_score=None))
    report = fairness_report(grouped, BANK, "gender", overall_rule(grouped), with_dif=False)
    assert report.n_unscored == 1
    assert sum(g.n for g in report.impact) == report.n_sessions
    assert any("1 session(s) with a group answer" in caveat for caveat in report.caveats)


def test_the_bands_listed_are_the_profiles_bands() -> None:
    assert set(OVERALL_BANDS) == set(get_args(OverallBand))


def test_stored_evidence_reads_numbers_only() -> None:
    assert stored_evidence({"random_log_odds": 7}) == 7.0
    assert stored_evidence({"random_log_odds": "7"}) is None


def test_too_few_groups_says_how_many_tests_have_an_answer(seeded: Store) -> None:
    sessions = collected_responses(seeded, BANK, EVERY_COMPLETED_SESSION).session_ids
    record_groups(seeded, sessions[0], {"gender": "woman"})
    with pytest.raises(AssessmentError) as refused:
        fairness_report(seeded, BANK, "gender", CutRule(50.0), with_dif=False)
    message = str(refused.value)
    expected = f"1 of {len(sessions)} completed tests have an answer and complete scores"
    assert f"{expected}, all 'woman'" in message
    assert "at least two" in message
