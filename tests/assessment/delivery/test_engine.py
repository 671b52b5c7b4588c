"""The adaptive engine: content balance, stop rules, exposure, fixed form, EAP, ``sjt cat-sim``."""

from __future__ import annotations

import csv
import json
from collections import Counter
from itertools import pairwise, permutations
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assessment.delivery.engine import AdaptiveEngine, ItemPool
from assessment.delivery.exposure import load_exposure_parameters
from assessment.delivery.exposure_control import lottery
from assessment.delivery.policy import CATPolicy
from assessment.delivery.simulation import (
    SimulatedAnswers,
    draw_answers,
    load_simulation_record,
    run_sessions,
    simulate_cat,
)
from assessment.errors import AssessmentError, CATConfigurationError
from assessment.session_values import CandidateSession, Response
from cli.main import app
from items import COMPETENCIES, ItemBank, load_bank
from items.forms import load_fixed_form
from items.scoring_map import synthetic_model
from scoring import MISSING, ModelParameters, ResponseMatrix
from scoring.multivariate import LatentPrior, score_eap_correlated
from tests.binomial import not_above

POLICY = CATPolicy()
FREE = CATPolicy(exposure_control="none")
SHIPPED = load_exposure_parameters()[0]
"""The shipped Sympson–Hetter parameters (the engine reads nothing from disk)."""


@pytest.fixture(scope="module")
def model(bank: ItemBank) -> ModelParameters:
    return synthetic_model(bank)


@pytest.fixture(scope="module")
def pool(bank: ItemBank, model: ModelParameters) -> ItemPool:
    return ItemPool.build(bank, model, POLICY)


@pytest.fixture(scope="module")
def answers(pool: ItemPool, model: ModelParameters) -> SimulatedAnswers:
    """Every answer of 300 simulated candidates to every bank item."""
    return draw_answers(pool, model, 300, np.random.default_rng(20261123))


def run_one(
    engine: AdaptiveEngine,
    answers: SimulatedAnswers,
    candidate: int = 0,
    rng: np.random.Generator | None = None,
) -> CandidateSession:
    """Give one simulated candidate the test until the engine stops."""
    rng = rng or np.random.default_rng(7)
    session = CandidateSession(f"c{candidate}", form=engine.policy.form)
    while (item_id := engine.next_item(session, rng)) is not None:
        j = engine.pool.index(item_id)
        session = session.with_response(answers.response(engine.pool, candidate, j))
    return session


def competencies_of(pool: ItemPool, session: CandidateSession) -> list[str]:
    return [pool.competencies[pool.competency_idx[pool.index(i)]] for i in session.answered_ids]


def test_pool_table_of_a_joint_item_is_the_joint_models_pair_probabilities(
    pool: ItemPool, model: ModelParameters
) -> None:
    j = next(j for j, fmt in enumerate(pool.formats) if fmt == "most_least")
    item_id = pool.item_ids[j]
    assert pool.joint[j]
    column = model.item_ids.index(item_id)
    codes = [str(code) for code in model.items[column].spec.codes]
    prob = model.probabilities(column, pool.nodes)  # (12, Q), pair codes "A>B"
    options = pool.option_ids[j]
    for most, least in permutations(range(len(options)), 2):
        category = pool.category(Response(item_id, options[most], options[least]))[1]
        row = prob[codes.index(f"{options[most]}>{options[least]}")]
        np.testing.assert_allclose(np.exp(pool.log_prob[j, category]), row, rtol=1e-10)
    assert np.all(np.isneginf(pool.log_prob[pool.formats.index("best"), 4:]))
    item = model.items[column]
    info = model.item_model_for(column).information(
        np.array([item.params]), np.array([item.spec.scores]), pool.nodes
    )[0]
    np.testing.assert_allclose(pool.info[j], info, rtol=1e-12)


def test_pool_of_a_two_part_model_adds_both_parts(bank: ItemBank) -> None:
    parts = synthetic_model(bank, joint=False)
    pool = ItemPool.build(bank, parts, POLICY)
    j = next(j for j, fmt in enumerate(pool.formats) if fmt == "most_least")
    item_id, options = pool.item_ids[j], pool.option_ids[j]
    assert not pool.joint.any()
    category = pool.category(Response(item_id, options[2], options[0]))[1]
    most = parts.probabilities(parts.item_ids.index(item_id + ".most"), pool.nodes)
    least = parts.probabilities(parts.item_ids.index(item_id + ".least"), pool.nodes)
    np.testing.assert_allclose(
        pool.log_prob[j, category], np.log(most[2]) + np.log(least[0]), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("fmt", "most", "least", "message"),
    [
        ("best", "A", "B", "single choice"),
        ("best", "E", None, "options shown"),
        ("most_least", "A", None, "different least"),
        ("most_least", "A", "A", "different least"),
    ],
)
def test_the_pool_refuses_answers_that_break_the_items_format(
    pool: ItemPool, fmt: str, most: str, least: str | None, message: str
) -> None:
    item_id = pool.item_ids[pool.formats.index(fmt)]
    with pytest.raises(AssessmentError, match=f"item {item_id} .*{message}"):
        pool.category(Response(item_id, most, least))


def test_each_answer_informs_every_correlated_competency(
    bank: ItemBank, model: ModelParameters, pool: ItemPool
) -> None:
    assert model.latent_correlation is not None
    assert model.correlation[0, 1] == pytest.approx(0.5)
    j = pool.competency_idx.tolist().index(0)
    options = pool.option_ids[j]
    best = options[int(np.argmax([o.credit for o in bank[pool.item_ids[j]].options]))]
    answer = Response(pool.item_ids[j], best, None if pool.formats[j] == "best" else
                      next(o for o in options if o != best))  # fmt: skip
    session = CandidateSession("c", responses=(answer,))
    correlated = AdaptiveEngine(pool, FREE).interim_estimate(session)
    identity = np.eye(len(model.dimensions))
    independent_pool = ItemPool.build(bank, model, POLICY, correlation=identity)
    independent = AdaptiveEngine(independent_pool, FREE).interim_estimate(session)
    own, other = pool.competencies[0], pool.competencies[1]
    assert correlated[other][0] > 0.02  # a good answer on one competency raises the others
    assert correlated[other][1] < 1.0
    assert independent[other] == pytest.approx((0.0, 1.0), abs=1e-9)
    assert correlated[own][0] == pytest.approx(independent[own][0], abs=0.05)


def test_minimum_per_competency_is_given_first_interleaving_competencies(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    engine = AdaptiveEngine(pool, POLICY, SHIPPED)
    minimum = POLICY.min_items_per_competency
    for candidate in range(5):
        session = run_one(engine, answers, candidate)
        seen = competencies_of(pool, session)
        first = seen[: minimum * len(COMPETENCIES)]
        assert Counter(first) == dict.fromkeys(COMPETENCIES, minimum)
        for block in range(minimum):
            rounds = first[block * len(COMPETENCIES) : (block + 1) * len(COMPETENCIES)]
            assert sorted(rounds) == sorted(COMPETENCIES)


def test_no_item_is_presented_twice(pool: ItemPool, answers: SimulatedAnswers) -> None:
    # Sympson–Hetter passes items over, so giving the whole bank also exercises the fallback.
    engine = AdaptiveEngine(pool, CATPolicy(se_target=0.05, max_items=pool.n_items), SHIPPED)
    session = run_one(engine, answers, 3)
    assert len(session.answered_ids) == len(set(session.answered_ids)) == pool.n_items
    assert engine.final_estimate(session).stop_reason == "max_items"


def test_stops_when_every_competency_reaches_the_se_target(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    policy = CATPolicy(se_target=0.6, min_items_per_competency=1, max_items=60)
    engine = AdaptiveEngine(pool, policy, SHIPPED)
    for candidate in range(10):
        session = run_one(engine, answers, candidate)
        final = engine.final_estimate(session)
        assert final.stop_reason == "se_target"
        assert engine.is_finished(session)
        assert max(final.se.values()) <= 0.6
        before = CandidateSession("x", responses=session.responses[:-1])
        assert max(se for _, se in engine.interim_estimate(before).values()) > 0.6


def test_stops_at_max_items(pool: ItemPool, answers: SimulatedAnswers) -> None:
    engine = AdaptiveEngine(pool, CATPolicy(se_target=0.05, max_items=17), SHIPPED)
    session = run_one(engine, answers, 1)
    assert len(session.responses) == 17
    assert engine.final_estimate(session).stop_reason == "max_items"
    assert engine.next_item(session, np.random.default_rng(0)) is None


def test_selection_is_deterministic_given_the_generator(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    engine = AdaptiveEngine(pool, POLICY, SHIPPED)
    first = run_one(engine, answers, 2, np.random.default_rng(11))
    second = run_one(engine, answers, 2, np.random.default_rng(11))
    assert first.answered_ids == second.answered_ids


def test_default_sympson_hetter_keeps_exposure_at_most_025_over_300_candidates(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    def exposure(policy: CATPolicy) -> np.ndarray:
        run = run_sessions(AdaptiveEngine(pool, policy, SHIPPED), answers, np.random.default_rng(3))
        return run.seen.mean(axis=0)

    controlled = exposure(POLICY)
    assert POLICY.exposure_control == "sympson_hetter"
    # Each item's share of 300 is consistent with a true exposure at most max_exposure (a
    # one-sided binomial test per item, 1% over all items); the uncontrolled engine gives
    # some item to everyone.
    counts = np.rint(controlled * 300).astype(int)
    alpha = 0.01 / pool.n_items
    assert all(not_above(int(k), 300, POLICY.max_exposure, alpha) for k in counts)
    assert exposure(POLICY.model_copy(update={"exposure_control": "none"})).max() == 1.0


def test_exposure_stays_at_most_025_over_300_candidates_with_short_tests(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    # Mean exposure is (test length) / (bank size): two items per competency chosen at random
    # among the 26 of each give 2 / 26 on average.
    policy = CATPolicy(
        min_items_per_competency=2, max_items=10, exposure_control="randomesque", randomesque_n=26
    )
    run = run_sessions(AdaptiveEngine(pool, policy, SHIPPED), answers, np.random.default_rng(3))
    exposure = run.seen.mean(axis=0)
    assert exposure.max() <= 0.25
    assert exposure.mean() == pytest.approx(10 / pool.n_items)


def test_randomesque_lowers_exposure_of_the_most_informative_items(
    pool: ItemPool, answers: SimulatedAnswers
) -> None:
    def max_exposure(policy: CATPolicy) -> float:
        run = run_sessions(AdaptiveEngine(pool, policy, SHIPPED), answers, np.random.default_rng(3))
        return float(run.seen.mean(axis=0).max())

    short = {"min_items_per_competency": 2, "max_items": 10}
    assert max_exposure(CATPolicy(**short, exposure_control="none")) == 1.0
    randomesque = CATPolicy(**short, exposure_control="randomesque", randomesque_n=4)
    assert max_exposure(randomesque) < 0.75


def test_sympson_hetter_passes_over_an_item_with_a_tiny_control_parameter(
    pool: ItemPool,
) -> None:
    policy = CATPolicy(exposure_control="sympson_hetter")
    session = CandidateSession("sh")
    rng = np.random.default_rng(0)
    free = AdaptiveEngine(pool, policy, dict.fromkeys(pool.item_ids, 1.0))
    best = free.select(session, rng).item_id
    assert best is not None
    selection = AdaptiveEngine(pool, policy, {best: 1e-12}).select(session, rng)
    assert selection.item_id != best
    assert selection.considered[:2] == (best, selection.item_id)


def test_sympson_hetter_gives_the_item_closest_to_acceptance_when_all_are_passed_over(
    pool: ItemPool,
) -> None:
    tiny = dict.fromkeys(pool.item_ids, 1e-12)
    engine = AdaptiveEngine(pool, CATPolicy(exposure_control="sympson_hetter"), tiny)
    selection = engine.select(CandidateSession("all-passed"), np.random.default_rng(0))
    c = pool.competencies.index(selection.competency)
    candidates = [i for j, i in enumerate(pool.item_ids) if pool.competency_idx[j] == c]
    assert sorted(selection.considered) == sorted(candidates)
    draws = {item_id: lottery("all-passed", item_id) for item_id in candidates}
    assert selection.item_id == min(draws, key=draws.__getitem__)


def test_the_shipped_sympson_hetter_parameters_belong_to_the_default_policy(
    bank: ItemBank,
) -> None:
    shipped, provenance = load_exposure_parameters()
    assert set(shipped) == set(bank.ids)
    assert all(0.0 < k <= 1.0 for k in shipped.values())
    # Recompute them (sjt cat-sim --exposure-calibrate) whenever the default policy changes.
    assert provenance["policy"] == CATPolicy().model_dump()
    assert provenance["model"] == "synthetic"
    assert {"n", "seed"} <= set(provenance)


def test_the_shipped_simulation_record_belongs_to_the_default_test_and_meets_its_targets(
    bank: ItemBank,
) -> None:
    record = load_simulation_record()
    assert record is not None
    # Recompute (sjt cat-sim --n 1000 --seed 1 --rho 0.5 --save-record) when the policy,
    # the bank or the synthetic model changes.
    assert record["provenance"]["policy"] == CATPolicy().model_dump()
    assert record["provenance"]["model"] == "synthetic"
    assert set(record["norms"]) == set(record["reliability"]) == set(COMPETENCIES)
    assert min(record["reliability"].values()) >= 0.75
    assert record["composite_reliability"] >= 0.90
    # The target is a mean of at most 30 items; the record estimates it from 1,000 simulated
    # candidates, so it is met when the estimate is within two Monte-Carlo SEs of it.
    assert 0 < record["mean_items_se"] < 0.2
    assert record["mean_items"] <= 30.0 + 2 * record["mean_items_se"]
    assert all(0.9 <= v <= 1.1 for v in record["rmse_over_se"].values())


def test_sympson_hetter_without_parameters_for_the_bank_is_refused(pool: ItemPool) -> None:
    policy = CATPolicy(exposure_control="sympson_hetter")
    with pytest.raises(CATConfigurationError, match="control parameters"):
        AdaptiveEngine(pool, policy)
    with pytest.raises(CATConfigurationError, match="exposure-calibrate"):
        AdaptiveEngine(pool, policy, {"XX-001": 0.5})
    with pytest.raises(CATConfigurationError, match="not in"):
        AdaptiveEngine(pool, policy, {pool.item_ids[0]: 1.5})
    AdaptiveEngine(pool, CATPolicy(exposure_control="randomesque"))  # needs no parameters
    AdaptiveEngine(pool, CATPolicy(form="fixed"))


def test_fixed_form_presents_the_designated_form_once_rotating_competencies(
    pool: ItemPool, answers: SimulatedAnswers, bank: ItemBank
) -> None:
    form = load_fixed_form(bank)
    assert len(form) < pool.n_items
    engine = AdaptiveEngine(pool, CATPolicy(form="fixed", se_target=5.0))
    session = run_one(engine, answers, 4)
    assert sorted(session.answered_ids) == sorted(form)
    seen = competencies_of(pool, session)
    assert seen[: len(COMPETENCIES)] == list(COMPETENCIES)
    assert all(a != b for a, b in pairwise(seen))
    for competency in COMPETENCIES:  # form order within each competency
        listed = [i for i in form if bank[i].competency == competency]
        assert [i for i in session.answered_ids if bank[i].competency == competency] == listed
    assert engine.final_estimate(session).stop_reason == "fixed_form"
    assert engine.is_finished(session)
    assert run_one(engine, answers, 5).answered_ids == session.answered_ids


def test_pool_takes_a_fixed_form_and_refuses_unknown_or_repeated_items(
    bank: ItemBank, model: ModelParameters
) -> None:
    form = ("IN-003", "SO-004", "SO-005", "EM-001")
    pool = ItemPool.build(bank, model, POLICY, fixed_form=form)
    assert [pool.item_ids[j] for j in pool.fixed_order] == ["SO-004", "EM-001", "IN-003", "SO-005"]
    with pytest.raises(CATConfigurationError, match="XX-001"):
        ItemPool.build(bank, model, POLICY, fixed_form=("SO-004", "XX-001"))
    with pytest.raises(CATConfigurationError, match="more than once"):
        ItemPool.build(bank, model, POLICY, fixed_form=("SO-004", "SO-004"))


def test_interim_eap_with_no_responses_returns_prior_mean(pool: ItemPool) -> None:
    estimate = AdaptiveEngine(pool, POLICY, SHIPPED).interim_estimate(CandidateSession("new"))
    assert set(estimate) == set(COMPETENCIES)
    for theta, se in estimate.values():
        assert theta == pytest.approx(0.0, abs=1e-12)
        assert se == pytest.approx(1.0, abs=1e-6)


def test_engine_eap_equals_the_multivariate_eap_on_the_same_responses(
    pool: ItemPool, model: ModelParameters, answers: SimulatedAnswers
) -> None:
    engine = AdaptiveEngine(pool, FREE)
    rng = np.random.default_rng(5)
    sessions, rows = [], []
    for candidate in range(12):
        chosen = rng.choice(pool.n_items, size=int(rng.integers(0, 60)), replace=False)
        session = CandidateSession(f"c{candidate}")
        for j in chosen:
            session = session.with_response(answers.response(pool, candidate, int(j)))
        sessions.append(session)
        rows.append(response_row(model, session.responses))
    data = ResponseMatrix(np.array(rows), model.specs, model.dimensions)
    prior = LatentPrior(model.correlation, n_grid=POLICY.n_quad, bound=POLICY.quad_bound)
    reference = score_eap_correlated(model, data, prior=prior)
    for n, session in enumerate(sessions):
        final = engine.final_estimate(session)
        for d, dimension in enumerate(model.dimensions):
            assert final.theta[dimension] == pytest.approx(reference.theta[n, d], abs=1e-6)
            assert final.se[dimension] == pytest.approx(reference.se[n, d], abs=1e-6)
        np.testing.assert_allclose(final.covariance, reference.covariance[n], atol=1e-6)


def response_row(model: ModelParameters, responses: tuple[Response, ...]) -> list[int]:
    """Category indices of the model's items for one session (MISSING elsewhere)."""
    row = [MISSING] * len(model.items)
    for response in responses:
        if response.least is None:
            column, code = model.item_ids.index(response.item_id), response.most
        else:
            column = model.item_ids.index(response.item_id)
            code = f"{response.most}>{response.least}"
        row[column] = [str(c) for c in model.items[column].spec.codes].index(code)
    return row


def test_unknown_item_and_wrong_form_are_refused(pool: ItemPool) -> None:
    engine = AdaptiveEngine(pool, POLICY, SHIPPED)
    rng = np.random.default_rng(0)
    with pytest.raises(AssessmentError, match="not in the item pool"):
        engine.interim_estimate(CandidateSession("x", responses=(Response("XX-999", "A"),)))
    with pytest.raises(AssessmentError, match="fixed test"):
        engine.next_item(CandidateSession("x", form="fixed"), rng)


def test_pool_refuses_a_model_without_a_bank_item(bank: ItemBank, model: ModelParameters) -> None:
    partial = ModelParameters(model.model, model.dimensions, model.items[1:])
    with pytest.raises(CATConfigurationError, match="no parameters in the model"):
        ItemPool.build(bank, partial)


def test_engine_refuses_minimums_longer_than_the_test(pool: ItemPool) -> None:
    with pytest.raises(CATConfigurationError, match="max_items"):
        AdaptiveEngine(pool, CATPolicy(min_items_per_competency=3, max_items=14))


def test_simulate_cat_is_reproducible_and_more_precise_than_the_fixed_form(
    bank: ItemBank, model: ModelParameters
) -> None:
    first = simulate_cat(bank, model, n=40, seed=2, exposure_parameters=SHIPPED)
    second = simulate_cat(bank, model, n=40, seed=2, exposure_parameters=SHIPPED)
    assert first.summary() == second.summary()
    assert first.fixed_items == len(load_fixed_form(bank))
    assert first.mean_items <= POLICY.max_items
    for detail in first.details:  # the SE rule: every competency below the fixed form's SE
        assert detail.rms_se < detail.fixed_rms_se
    assert 0.0 < first.max_exposure <= 1.0
    assert set(first.competencies) == set(COMPETENCIES)


SIM_COLUMNS = [
    *(f"{c}_{part}" for c in COMPETENCIES for part in ("true", "theta", "se")),
    "n_items", "composite_true", "composite", "composite_se", "band_true", "band", "items",
]  # fmt: skip


def check_sim_file(file: Path, summary: dict[str, object], tolerance: float) -> None:
    """Recompute the done-when figures from SIM.csv (as an independent check would)."""
    with file.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == SIM_COLUMNS
    values = {key: np.array([float(r[key]) for r in rows]) for key in SIM_COLUMNS[:-3]}
    for c in COMPETENCIES:
        true, theta, se = (values[f"{c}_{part}"] for part in ("true", "theta", "se"))
        assert np.corrcoef(true, theta)[0, 1] ** 2 >= 0.75 - tolerance, c
        ratio = np.sqrt(np.mean((theta - true) ** 2)) / np.sqrt(np.mean(se**2))
        assert 0.9 - tolerance <= ratio <= 1.1 + tolerance, (c, ratio)
    truth, found = values["composite_true"], values["composite"]
    assert np.corrcoef(truth, found)[0, 1] ** 2 >= 0.90 - tolerance
    ratio = np.sqrt(np.mean((found - truth) ** 2)) / np.sqrt(np.mean(values["composite_se"] ** 2))
    assert 0.9 - tolerance <= ratio <= 1.1 + tolerance
    assert values["n_items"].mean() <= 30.0 + 20 * tolerance
    given = Counter(item for r in rows for item in r["items"].split())
    assert max(given.values()) / len(rows) <= 0.25 + tolerance
    assert sum(given.values()) == values["n_items"].sum()
    agreement = np.mean([r["band"] == r["band_true"] for r in rows])
    assert summary["band_agreement"] == pytest.approx(agreement, abs=1e-4)
    assert summary["mean_items"] == pytest.approx(values["n_items"].mean(), abs=1e-3)


def test_cat_sim_cli_writes_one_row_per_candidate(tmp_path: Path) -> None:
    out = tmp_path / "SIM.csv"
    result = CliRunner().invoke(
        app, ["cat-sim", "--n", "12", "--seed", "3", "--rho", "0.3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip())
    assert summary["rho"] == 0.3
    assert summary["out"] == str(out)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert list(rows[0]) == SIM_COLUMNS
    assert {r["band"] for r in rows} <= {"recommended", "with_care", "not_a_match"}
    for key in ("estimated_minutes", "composite_reliability", "band_agreement"):
        assert key in summary
    assert summary["estimated_minutes"] == pytest.approx(
        summary["mean_items"] * summary["seconds_per_item"] / 60, abs=0.06
    )


@pytest.mark.slow
def test_the_default_test_supports_five_scores(tmp_path: Path) -> None:
    """The done-when check of issue 12 at n = 400 (``sjt cat-sim --n 1000 --seed 1 --rho 0.5
    --out SIM.csv``), with a tolerance of .03 for the smaller sample."""
    out = tmp_path / "SIM.csv"
    arguments = ["cat-sim", "--n", "400", "--seed", "1", "--rho", "0.5", "--out", str(out)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    check_sim_file(out, json.loads(result.output.strip()), tolerance=0.03)


def test_cat_sim_cli_prints_one_json_line() -> None:
    result = CliRunner().invoke(app, ["cat-sim", "--n", "20", "--seed", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    required = {"mean_items", "fixed_items", "theta_r_min", "fixed_theta_r_min", "max_exposure"}
    assert required <= set(summary)
    assert summary["fixed_items"] == len(load_fixed_form(load_bank()))
    assert summary["exposure_matches_policy"] is True


def test_cat_sim_cli_calibrates_and_uses_exposure_parameters(tmp_path: Path) -> None:
    file = tmp_path / "exposure.json"
    options = ["cat-sim", "--n", "20", "--seed", "4", "--exposure-file", str(file)]
    result = CliRunner().invoke(app, [*options, "--exposure-calibrate", "--rounds", "2"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip())
    assert line["exposure_file"] == str(file)
    parameters, provenance = load_exposure_parameters(file)
    assert len(parameters) == line["items"] == len(load_bank())
    assert (provenance["n"], provenance["seed"], provenance["rounds"]) == (20, 4, 2)
    assert provenance["policy"] == CATPolicy().model_dump()
    result = CliRunner().invoke(app, options)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip())["exposure_file"] == str(file)
