"""Done-when of issue 13 (norms): recalibrating on a new sample from the same population and
promoting with linking moves T-scores by ≤ 1.5 on average and changes ≤ 5% of bands, measured
in the file ``sjt scores`` writes; after a +0.5 shift of the population, T follows linked θ."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assessment.demo import synthetic_model_document
from assessment.model_document import ModelDocument
from assessment.persistence.store import Store, new_id
from assessment.persistence.tables import Candidate, Invitation, ResponseRow, TestSession
from assessment.psychometrics.model_files import calibrated_model_file
from assessment.psychometrics.versions import promote, rescore
from assessment.recruiting.exports import scores_csv
from assessment.recruiting.overview import candidate_overview
from items import COMPETENCIES, load_bank
from items.formats import LEAST_SUFFIX, MOST_SUFFIX
from items.scoring_map import bank_item_id, joined_for_calibration, split_most_least
from reports.assemble import overall_rule
from scoring import MMLCalibrator, ResponseMatrix
from scoring.simulate import simulate_responses, simulate_theta

BANK = load_bank()
TRUE_MODEL = synthetic_model_document(BANK).parameters
N_SAMPLE = 1500
N_CANDIDATES = 400


def sample(seed: int, shift: float = 0.0, n: int = N_SAMPLE) -> ResponseMatrix:
    """Answers drawn from the synthetic model (joint most/least items), in the form of a
    response data file: each most_least item as its ``.most`` and ``.least`` columns."""
    rng = np.random.default_rng(seed)
    theta = simulate_theta(n, len(TRUE_MODEL.dimensions), rng) + shift
    return split_most_least(simulate_responses(TRUE_MODEL, theta, rng), TRUE_MODEL)


def calibrated(data: ResponseMatrix, source: str) -> ModelDocument:
    """The model file ``sjt calibrate`` writes: most/least parts joined, modelled jointly."""
    joined, item_models = joined_for_calibration(data, TRUE_MODEL.model)
    assert item_models, "the bank's most_least items are calibrated jointly"
    calibrator = MMLCalibrator(TRUE_MODEL.model, standard_errors="none", item_models=item_models)
    result = calibrator.fit(joined)
    assert result.usable
    return calibrated_model_file(result, joined, source)


def add_completed_candidates(store: Store, data: ResponseMatrix) -> None:
    """Completed tests whose answers are ``data`` (a most_least item's two columns are one
    answer: the most and the least pick)."""
    now = dt.datetime.now(dt.UTC)
    column = {spec.item_id: j for j, spec in enumerate(data.items)}
    bank_items = list(dict.fromkeys(map(bank_item_id, data.item_ids)))

    def pick(n: int, scored_id: str) -> str | None:
        j = column.get(scored_id)
        return None if j is None else str(data.items[j].codes[int(data.responses[n, j])])

    with store.transaction() as db:
        for n in range(data.n_candidates):
            candidate, session = new_id("C"), new_id("S", 12)
            invitation = Invitation(
                candidate_id=candidate, token_hash=new_id("T", 16), expires_at=now
            )
            db.add(Candidate(id=candidate, display_name=f"=cand {n}", synthetic=True))
            db.add(invitation)
            db.flush()
            db.add(TestSession(id=session, invitation_id=invitation.id, candidate_id=candidate,
                               form="fixed", language="en", status="completed",
                               completed_at=now))  # fmt: skip
            for position, item_id in enumerate(bank_items):
                most = pick(n, item_id) or pick(n, item_id + MOST_SUFFIX)
                db.add(ResponseRow(session_id=session, position=position, item_id=item_id,
                                   most=most, least=pick(n, item_id + LEAST_SUFFIX),
                                   response_ms=9000))  # fmt: skip


def exported(store: Store) -> dict[str, dict[str, str]]:
    """The ``sjt scores`` file (the recruiters' export) by candidate id."""
    rows = candidate_overview(store, status="completed")
    table = csv.DictReader(io.StringIO(scores_csv(rows, overall_rule(store))))
    return {row["candidate_id"]: row for row in table}


def t_matrix(table: dict[str, dict[str, str]], ids: list[str], column: str = "t") -> np.ndarray:
    return np.array([[float(table[i][f"{c}_{column}"]) for c in COMPETENCIES] for i in ids])


def band_of(t: np.ndarray) -> np.ndarray:
    return np.digitize(t, [40.0, 60.0 + 1e-9])


@pytest.fixture
def v1_store(tmp_path: Path) -> Iterator[Store]:
    """SQLite only: the figures do not depend on the database."""
    store = Store.open(f"sqlite:///{tmp_path / 'norms.db'}")
    promote(store, calibrated(sample(1), "sample A"), BANK, "psy", "first calibration")
    add_completed_candidates(store, sample(2, n=N_CANDIDATES))
    assert rescore(store, BANK) == N_CANDIDATES
    yield store
    store.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_promotion_on_a_new_sample_keeps_t_scores_and_bands(v1_store: Store, shift: float) -> None:
    before = exported(v1_store)
    ids = sorted(before)
    assert {before[i]["model_version"] for i in ids} == {"v1"}
    new = calibrated(sample(3, shift), "sample B")
    promote(v1_store, new, BANK, "psy", "recalibration on sample B")
    version = v1_store.active_model_version()
    assert version is not None
    stored = json.loads(version.model_json)
    assert stored["norm_reference"]["sample"].startswith("calibration sample (sample A")
    assert stored["norm_reference"]["defined_in"] == "v1"
    assert abs(np.mean(list(stored["linking"]["intercept"].values())) - shift) < 0.12
    rescore(v1_store, BANK)
    after = exported(v1_store)
    assert {after[i]["model_version"] for i in ids} == {"v2"}
    t_old, t_new = t_matrix(before, ids), t_matrix(after, ids)
    theta_old, theta_new = t_matrix(before, ids, "theta"), t_matrix(after, ids, "theta")
    mean_abs_dt = float(np.abs(t_new - t_old).mean())
    band_share = float((band_of(t_new) != band_of(t_old)).mean())
    overall_share = float(np.mean([before[i]["band"] != after[i]["band"] for i in ids]))
    print(f"shift {shift}: mean |dT| {mean_abs_dt:.2f}, competency bands changed "
          f"{band_share:.1%}, overall bands changed {overall_share:.1%}")  # fmt: skip
    assert mean_abs_dt <= 1.5
    assert band_share <= 0.05
    assert overall_share <= 0.05
    # T follows linked θ through the reference norms (10 T points per reference SD)
    norms = stored["norms"]
    dt_expected = 10 * (theta_new - theta_old) / np.array([norms[c]["sd"] for c in COMPETENCIES])
    assert np.allclose(t_new - t_old, dt_expected, atol=0.11)


@pytest.mark.slow
def test_rebuilding_norms_from_a_shifted_sample_would_move_t(v1_store: Store) -> None:
    """The contrast: norms of the +0.5 sample itself (a re-norm) would take about 5 T points
    off everyone — what promotion used to do silently."""
    shifted = calibrated(sample(3, 0.5), "sample B")
    version = v1_store.active_model_version()
    assert version is not None
    reference = json.loads(version.model_json)["norms"]
    promote(v1_store, shifted, BANK, "psy", "recalibration")
    promoted = v1_store.active_model_version()
    assert promoted is not None
    slope = json.loads(promoted.model_json)["linking"]["slope"]
    intercept = json.loads(promoted.model_json)["linking"]["intercept"]
    for c in COMPETENCIES:
        rebuilt_mean = slope[c] * shifted.norm_tables[c].mean + intercept[c]
        assert (rebuilt_mean - reference[c]["mean"]) / reference[c]["sd"] > 0.35
