"""Profiles assembled from the store show exactly the stored scores, in the PDF a reader sees."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from assessment.delivery.simulation import load_simulation_record
from assessment.demo import seed_demo
from assessment.persistence.store import ScoreRecord, Store
from assessment.persistence.tables import TestSession
from assessment.recruiting.exports import scores_csv
from assessment.recruiting.overview import CandidateRow, candidate_overview
from items import COMPETENCIES, load_bank, load_competencies
from reports.assemble import (
    ProfileUnavailableError,
    overall_rule,
    pdf_file_name,
    profile_for_candidate,
    profiles_zip,
    render_candidate_pdf,
)
from reports.errors import ReportError
from reports.formatting import fmt_interval, fmt_percentile, fmt_reliability, fmt_sem, fmt_t
from reports.profile import RoleProfile
from reports.wording import load_wording
from tests.reports.conftest import pdf_text, requires_pdftotext


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A SQLite store with eight demo candidates taken through the engine and one who has
    started the test."""
    folder = tmp_path_factory.mktemp("assemble")
    opened = Store.open(f"sqlite:///{folder / 'reports.db'}")
    seed_demo(opened, load_bank(), 8)
    candidate = opened.add_candidate("Sid Started")
    _, token = opened.create_invitation(candidate)
    version = opened.active_model_version()
    assert version is not None
    opened.start_session(opened.resolve_token(token), "en", version.id)
    yield opened
    opened.engine.dispose()


@pytest.fixture(scope="module")
def completed(store: Store) -> list[CandidateRow]:
    rows = candidate_overview(store, status="completed")
    assert len(rows) >= 2
    return rows


def stored_scores(store: Store, row: CandidateRow) -> dict[str, ScoreRecord]:
    assert row.session_id is not None
    return {score.competency: score for score in store.scores(row.session_id)}


def test_profile_uses_the_latest_completed_session_and_its_model_version(
    store: Store, completed: list[CandidateRow]
) -> None:
    row = completed[0]
    profile = profile_for_candidate(store, row.candidate_id)
    stored = stored_scores(store, row)
    for c in COMPETENCIES:
        score = profile.score(c)
        assert score.theta == stored[c].theta
        assert score.se == stored[c].se
        assert score.t_score == pytest.approx(stored[c].t_score, abs=1e-9)
        assert score.percentile == pytest.approx(stored[c].percentile, abs=1e-9)
        assert 0 < score.reliability < 1
    assert profile.candidate_name == row.display_name
    assert profile.position == row.position
    assert profile.language == row.language
    assert profile.form == row.form
    assert profile.n_items == row.n_items == store.count_responses(row.session_id)
    assert profile.model_version == "v0-synthetic"
    assert row.completed_at is not None
    assert profile.test_date == row.completed_at.date()
    # the norm group is named in the profile's language, and says it is synthetic
    assert ("合成数据" if profile.language == "zh" else "synthetic") in profile.norm_group


def test_language_and_role_profile_can_be_chosen(
    store: Store, completed: list[CandidateRow]
) -> None:
    candidate_id = completed[0].candidate_id
    assert profile_for_candidate(store, candidate_id, "zh").language == "zh"
    role = RoleProfile(name="Chat agent", weights={"empathy": 2.0, "composure": 1.0})
    assert profile_for_candidate(store, candidate_id, role=role).overall.role_name == "Chat agent"
    with pytest.raises(ReportError, match="language"):
        profile_for_candidate(store, candidate_id, "fr")


@requires_pdftotext
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_shows_the_stored_t_scores(
    store: Store, completed: list[CandidateRow], lang: str
) -> None:
    names = {definition.id: definition for definition in load_competencies()}
    for row in completed[:2]:
        profile = profile_for_candidate(store, row.candidate_id, lang)
        text = pdf_text(render_candidate_pdf(store, row.candidate_id, lang))
        assert row.candidate_id in text
        stored = stored_scores(store, row)
        for c in COMPETENCIES:
            name = names[c].name.get(lang)
            score = profile.score(c)
            t = stored[c].t_score
            assert t is not None
            pattern = (
                rf"{re.escape(name)}\s+{fmt_t(t)}\s+"
                rf"{fmt_interval(score.t_low, score.t_high)}\s+{fmt_percentile(score.percentile)}"
            )
            assert re.search(pattern, text), pattern


@requires_pdftotext
@pytest.mark.parametrize(
    ("report", "tested_in", "printed"),
    [("en", "zh", "Chinese"), ("zh", "en", "英语"), ("en", "en", "English"), ("zh", "zh", "中文")],
)
def test_the_test_language_is_the_one_the_candidate_took_the_test_in(
    store: Store, completed: list[CandidateRow], report: str, tested_in: str, printed: str
) -> None:
    """The field said the report's language: a Chinese test read "English" in English."""
    row = next(r for r in completed if r.language == tested_in)
    profile = profile_for_candidate(store, row.candidate_id, report)
    assert (profile.language, profile.tested_in) == (report, tested_in)
    lines = pdf_text(render_candidate_pdf(store, row.candidate_id, report)).splitlines()
    label = load_wording().get(report).profile.labels.language
    at = next(i for i, line in enumerate(lines) if label in line)
    values = next(line for line in lines[at + 1 :] if line.strip())  # the row under the labels
    assert printed in values.split()


@requires_pdftotext
def test_profile_and_pdf_print_the_reliability_of_the_delivered_test(
    store: Store, completed: list[CandidateRow]
) -> None:
    """Fewer than 30 scored candidates: the synthetic model's simulation of the adaptive test
    as delivered (the shipped record), labelled so, not the whole-bank marginal reliability."""
    record = load_simulation_record()
    assert record is not None
    row = completed[0]
    profile = profile_for_candidate(store, row.candidate_id)
    assert profile.reliability_source == "synthetic_simulation"
    text = pdf_text(render_candidate_pdf(store, row.candidate_id, "en"))
    assert "from a simulation under a synthetic model" in " ".join(text.split())
    for c in COMPETENCIES:
        score = profile.score(c)
        assert score.reliability == pytest.approx(record["reliability"][c])
        row_text = rf"{fmt_sem(score.t_se)}\s+{fmt_reliability(score.reliability)}"
        assert re.search(row_text, text), row_text


@requires_pdftotext
def test_feedback_pdf_prints_no_t_scores(store: Store, completed: list[CandidateRow]) -> None:
    row = completed[0]
    text = pdf_text(render_candidate_pdf(store, row.candidate_id, "en", feedback=True))
    assert "feedback" in text.lower()
    assert "T-score" not in text
    assert "percentile" not in text.lower()


def test_stored_flags_reach_the_profile_and_unknown_keys_are_dropped(
    store: Store, completed: list[CandidateRow]
) -> None:
    row = completed[1]
    with store.transaction() as db:
        db.execute(
            update(TestSession)
            .where(TestSession.id == row.session_id)
            .values(flags={"raised": ["incomplete", "too_fast", "from_a_newer_version"]})
        )
    try:
        assert profile_for_candidate(store, row.candidate_id).flags == ("too_fast", "incomplete")
    finally:
        with store.transaction() as db:
            db.execute(update(TestSession).where(TestSession.id == row.session_id).values(flags={}))


def test_unknown_candidate_is_a_clear_lookup_error(store: Store) -> None:
    with pytest.raises(ProfileUnavailableError, match="no candidate has the id 'C-NOPE'") as caught:
        profile_for_candidate(store, "C-NOPE")
    assert caught.value.reason == "unknown"
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, ReportError)


def test_candidate_without_a_completed_test_is_refused(store: Store) -> None:
    started = candidate_overview(store, status="started")[0]
    with pytest.raises(ProfileUnavailableError, match=r"no completed test yet \(status: started"):
        profile_for_candidate(store, started.candidate_id)
    fresh = store.add_candidate("Nia New")
    store.create_invitation(fresh)
    with pytest.raises(ProfileUnavailableError, match="not started") as caught:
        profile_for_candidate(store, fresh)
    assert caught.value.reason == "not_completed"


def test_model_version_without_norms_is_reported(store: Store) -> None:
    seed = candidate_overview(store, status="completed")[0]
    assert seed.session_id is not None
    active = store.active_model_document()
    assert active is not None
    version = store.add_model_version("no-norms", active.document.with_changes(norms=None))
    old = store.scores(seed.session_id)
    store.replace_scores(
        seed.session_id,
        [ScoreRecord(s.competency, s.theta, s.se, None, None, s.n_items, version) for s in old],
    )
    try:
        with pytest.raises(ReportError, match="model version no-norms has no norm tables"):
            profile_for_candidate(store, seed.candidate_id)
    finally:
        store.replace_scores(seed.session_id, old)
    assert profile_for_candidate(store, seed.candidate_id).model_version == "v0-synthetic"


def test_zip_holds_one_pdf_per_completed_candidate_and_names_the_skipped(
    store: Store, completed: list[CandidateRow]
) -> None:
    started = candidate_overview(store, status="started")[0].candidate_id
    ids = [row.candidate_id for row in completed[:2]] + [started, "C-NOPE"]
    data, skipped = profiles_zip(store, ids, "en", feedback=True)
    assert skipped == (started, "C-NOPE")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(pdf_file_name(c, feedback=f) for c in ids[:2] for f in (False, True))
        assert all(archive.read(name).startswith(b"%PDF-") for name in names)
    assert profiles_zip(store, ids, "en", feedback=True)[0] == data  # byte-identical


@requires_pdftotext
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_session_stored_before_the_random_like_rule_is_read_by_it(
    store: Store, completed: list[CandidateRow], lang: str
) -> None:
    """The reviewer's fixed-form random responder: no flag stored, log odds −0.77. Its
    profile, PDF and export row now say the answers cannot be told apart from random picking
    (the old code printed an ordinary profile and "No data-quality concerns were detected")."""
    row = completed[1]
    with store.transaction() as db:
        db.execute(
            update(TestSession)
            .where(TestSession.id == row.session_id)
            .values(flags={"raised": [], "random_log_odds": -0.77})
        )
    try:
        profile = profile_for_candidate(store, row.candidate_id, lang)
        assert profile.flags == ("random_like",)
        assert (profile.overall.band, profile.overall.headline) == ("review", "random_like")
        words = load_wording().get(lang).profile
        text = " ".join(pdf_text(render_candidate_pdf(store, row.candidate_id, lang)).split())
        for expected in (words.overall.random_like, words.flag_labels.random_like):
            assert expected in text
        assert " ".join(words.random_like_caveat.split()) in text
        assert words.quality_none not in text
        export = csv.DictReader(
            io.StringIO(scores_csv(candidate_overview(store), overall_rule(store)))
        )
        exported = next(line for line in export if line["candidate_id"] == row.candidate_id)
        assert (exported["flags"], exported["band"]) == ("random_like", "review")
    finally:
        with store.transaction() as db:
            db.execute(update(TestSession).where(TestSession.id == row.session_id).values(flags={}))
