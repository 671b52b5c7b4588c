"""The joint most/least item models: identities, data mapping, model file, and recovery."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoring import (
    ItemParameters,
    ItemSpec,
    ModelParameters,
    ResponseMatrix,
    ScoringError,
    calibrate_mml,
    get_model,
    item_fit,
    score_eap,
    score_map,
    simulate_responses,
)
from scoring.most_least import (
    join_parts,
    joint_item_spec,
    option_codes,
    options_of,
    pair_category,
    pair_codes,
    pair_options,
    part_specs,
    split_pair_scores,
    split_pairs,
)
from scoring.quadrature import QuadratureGrid
from tests.scoring.conftest import joint_model, split_parts

THETA = np.linspace(-4, 4, 17)
JOINT = ["nrm_most_least", "gpcm_most_least", "nrm_best_worst", "gpcm_best_worst"]


def bank_parts(credits: tuple[float, ...] = (3.0, 1.0, 2.0, 0.0)) -> tuple[ItemSpec, ItemSpec]:
    top = max(credits)
    codes = tuple("ABCD"[: len(credits)])
    return (
        ItemSpec("EM-1.most", "empathy", codes, credits),
        ItemSpec("EM-1.least", "empathy", codes, tuple(top - c for c in credits)),
    )


def random_joint(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    spec = joint_item_spec("EM-1", *bank_parts())
    scores = np.array([spec.scores])
    model = get_model(name)
    params = model.start_values(scores) + rng.normal(0, 0.4, (1, model.n_params(12)))
    return params, scores


# ----------------------------------------------------------------------- pair categories


def test_pair_categories_are_ordered_by_most_then_least() -> None:
    assert pair_codes(("A", "B", "C")) == ("A>B", "A>C", "B>A", "B>C", "C>A", "C>B")
    most, least = pair_options(4)
    np.testing.assert_array_equal(pair_category(most, least, 4), np.arange(12))
    again = split_pairs(np.arange(12), 4)
    np.testing.assert_array_equal(again[0], most)
    np.testing.assert_array_equal(again[1], least)
    assert option_codes(pair_codes(("A", "B", "C", "D"))) == ("A", "B", "C", "D")


@pytest.mark.parametrize("n_categories", [2, 4, 10, 13])
def test_category_counts_other_than_k_times_k_minus_one_are_rejected(n_categories: int) -> None:
    with pytest.raises(ScoringError, match="K\\(K-1\\)"):
        options_of(n_categories)
    with pytest.raises(ScoringError, match="nrm_most_least"):
        get_model("nrm_most_least").check_categories(n_categories)


def test_pair_scores_are_part_sums_and_split_back_into_the_parts() -> None:
    most, least = bank_parts()
    spec = joint_item_spec("EM-1", most, least)
    assert spec.scores[spec.codes.index("A>D")] == 3.0 + 3.0  # best as most, worst as least
    assert spec.scores[spec.codes.index("D>A")] == 0.0
    assert part_specs(spec, "EM-1.most", "EM-1.least") == (most, least)
    with pytest.raises(ScoringError, match="sums"):
        split_pair_scores(np.array([np.arange(12.0) ** 2]))


# ------------------------------------------------------------------------ probabilities


@pytest.mark.parametrize("name", JOINT)
def test_probability_is_most_choice_times_least_choice_among_the_rest(
    name: str, rng: np.random.Generator
) -> None:
    model = get_model(name)
    params, scores = random_joint(name, rng)
    slopes, intercepts = model.to_categories(params, scores)
    alpha, beta = slopes[0, :4], slopes[0, 4:]
    gamma, delta = intercepts[0, :4], intercepts[0, 4:]
    prob = model.probabilities(params, scores, THETA)[0]
    codes = joint_item_spec("EM-1", *bank_parts()).codes
    for q, t in enumerate(THETA):
        u, v = np.exp(alpha * t + gamma), np.exp(beta * t + delta)
        for j in range(4):
            for k in range(4):
                if k != j:
                    expected = u[j] / u.sum() * v[k] / (v.sum() - v[j])
                    c = codes.index(f"{'ABCD'[j]}>{'ABCD'[k]}")
                    assert prob[c, q] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", JOINT)
def test_information_equals_the_variance_identity(name: str, rng: np.random.Generator) -> None:
    """I(θ) = Var(α_J) + E_J[Var(β_K | J)], computed here option by option."""
    model = get_model(name)
    params, scores = random_joint(name, rng)
    slopes, intercepts = model.to_categories(params, scores)
    alpha, beta = slopes[0, :4], slopes[0, 4:]
    gamma, delta = intercepts[0, :4], intercepts[0, 4:]
    expected = []
    for t in THETA:
        p_most = np.exp(alpha * t + gamma)
        p_most /= p_most.sum()
        value = p_most @ alpha**2 - (p_most @ alpha) ** 2
        for j in range(4):
            rest = [k for k in range(4) if k != j]
            p_least = np.exp(beta[rest] * t + delta[rest])
            p_least /= p_least.sum()
            value += p_most[j] * (p_least @ beta[rest] ** 2 - (p_least @ beta[rest]) ** 2)
        expected.append(value)
    np.testing.assert_allclose(model.information(params, scores, THETA)[0], expected, rtol=1e-9)
    prob = model.probabilities(params, scores, THETA)
    fisher = np.sum(model.theta_derivative(params, scores, THETA) ** 2 / prob, axis=1)[0]
    np.testing.assert_allclose(fisher, expected, rtol=1e-9)


def test_shared_utilities_are_the_separate_model_with_negated_least_utilities(
    rng: np.random.Generator,
) -> None:
    shared, separate = get_model("nrm_best_worst"), get_model("nrm_most_least")
    params, scores = random_joint("nrm_best_worst", rng)
    slopes, intercepts = shared.to_categories(params, scores)
    np.testing.assert_allclose(slopes[0, 4:], -slopes[0, :4])
    as_separate = separate.from_categories(slopes, intercepts, scores)
    np.testing.assert_allclose(
        separate.probabilities(as_separate, scores, THETA),
        shared.probabilities(params, scores, THETA),
        atol=1e-12,
    )
    with pytest.raises(ScoringError, match="negated"):
        shared.from_categories(slopes + np.arange(8.0), intercepts, scores)


def test_the_least_pick_never_equals_the_most_pick_in_simulated_data(
    rng: np.random.Generator,
) -> None:
    model, parts = joint_model(rng, n_items=3)
    data = simulate_responses(model, rng.normal(size=(500, 1)), rng)
    two = split_parts(data, parts)
    assert np.all(two.responses[:, 0::2] != two.responses[:, 1::2])


def test_simulated_pair_frequencies_match_the_probabilities(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=1, name="nrm_most_least")
    theta = np.full((20_000, 1), 0.7)
    data = simulate_responses(model, theta, rng)
    observed = np.bincount(data.responses[:, 0], minlength=12) / theta.shape[0]
    expected = model.probabilities(0, np.array([0.7]))[:, 0]
    np.testing.assert_allclose(observed, expected, atol=4 * np.sqrt(0.25 / theta.shape[0]))


# -------------------------------------------------------------------------- data mapping


def test_join_parts_turns_two_part_columns_into_pair_categories() -> None:
    most, least = bank_parts()
    best = ItemSpec("EM-2", "empathy", tuple("ABCD"), (3.0, 1.0, 2.0, 0.0))
    data = ResponseMatrix(
        np.array([[0, 3, 1], [2, 1, -1], [-1, -1, 0]]), (most, least, best), ("empathy",)
    )
    joined = join_parts(data, {"EM-1": ("EM-1.most", "EM-1.least")})
    assert joined.item_ids == ("EM-1", "EM-2")
    codes = joined.items[0].codes
    assert [codes[c] if c >= 0 else None for c in joined.responses[:, 0]] == ["A>D", "C>B", None]
    np.testing.assert_array_equal(joined.responses[:, 1], [1, -1, 0])


@pytest.mark.parametrize(
    ("row", "message"),
    [([0, -1], "least pick is missing"), ([-1, 2], "most pick is missing"), ([1, 1], "same")],
)
def test_join_parts_names_item_row_and_candidate_of_a_bad_pair(
    row: list[int], message: str
) -> None:
    data = ResponseMatrix(np.array([[0, 3], row]), bank_parts(), ("empathy",))
    with pytest.raises(ScoringError, match=message) as caught:
        join_parts(data, {"EM-1": ("EM-1.most", "EM-1.least")}, row_labels=("c1", "c2"))
    assert "item EM-1, row 2 (candidate 'c2')" in str(caught.value)


# ---------------------------------------------------------------------------- model file


def test_joint_items_round_trip_through_the_model_file(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=2, name="nrm_most_least")
    best = ItemParameters(
        ItemSpec("EM-9", "d1", tuple("ABCD"), (3.0, 1.0, 2.0, 0.0)), (0.5, 1.0, -0.4, 0, 0.2, 0.1)
    )
    mixed = ModelParameters("nrm", ("d1",), (*model.items, best))
    written = json.loads(json.dumps(mixed.to_dict()))
    entry = written["items"][0]
    assert entry["item_model"] == "nrm_most_least"
    assert [option["code"] for option in entry["options"]] == ["A", "B", "C", "D"]
    assert [category["code"] for category in entry["categories"]] == ["A", "B", "C", "D"]
    assert "item_model" not in written["items"][2]
    again = ModelParameters.from_dict(written)
    assert again.item_ids == mixed.item_ids
    assert again.items[0].item_model == "nrm_most_least"
    assert again.items[2].item_model is None
    for column in range(3):
        np.testing.assert_allclose(
            again.probabilities(column, THETA), mixed.probabilities(column, THETA), atol=1e-12
        )


@pytest.mark.parametrize("name", ["nrm_most_least", "gpcm_most_least", "gpcm_best_worst"])
def test_a_joint_items_categories_give_the_most_picks_probabilities(
    rng: np.random.Generator, name: str
) -> None:
    """interfaces.md: every item has categories and P(k | θ) = exp(a_k θ + c_k) / Σ …; for a
    joint item that is exactly the marginal of the most pick under the joint model."""
    model, _ = joint_model(rng, n_items=2, name=name)
    written = json.loads(json.dumps(model.to_dict()))
    for column, entry in enumerate(written["items"]):
        categories = entry["categories"]
        slopes = np.array([c["slope"] for c in categories])
        intercepts = np.array([c["intercept"] for c in categories])
        logits = slopes[:, None] * THETA[None, :] + intercepts[:, None]
        contract = np.exp(logits) / np.exp(logits).sum(axis=0)
        pairs = model.probabilities(column, THETA)  # (K(K-1), Q)
        most, _ = pair_options(len(categories))
        marginal = np.stack([pairs[most == k].sum(axis=0) for k in range(len(categories))])
        np.testing.assert_allclose(contract, marginal, atol=1e-12)
        assert [c["code"] for c in categories] == [o["code"] for o in entry["options"]]
        assert [c["score"] for c in categories] == [o["most_score"] for o in entry["options"]]


def test_a_joint_item_reads_with_or_without_categories_and_refuses_a_contradiction(
    rng: np.random.Generator,
) -> None:
    model, _ = joint_model(rng, n_items=1, name="gpcm_most_least")
    written = json.loads(json.dumps(model.to_dict()))
    without = json.loads(json.dumps(written))
    del without["items"][0]["categories"]
    for data in (written, without):
        again = ModelParameters.from_dict(data)
        np.testing.assert_allclose(
            again.probabilities(0, THETA), model.probabilities(0, THETA), atol=1e-12
        )
    shifted = json.loads(json.dumps(written))
    for category in shifted["items"][0]["categories"]:
        category["intercept"] += 2.0  # the same probabilities: accepted
    ModelParameters.from_dict(shifted)
    for field, value in (("slope", 9.0), ("intercept", -9.0), ("code", "Z"), ("score", 7.0)):
        broken = json.loads(json.dumps(written))
        broken["items"][0]["categories"][2][field] = value
        where = rf"item d1-0\.categories\[2\]\.{field}: "
        with pytest.raises(ScoringError, match=where + ".*contradicts"):
            ModelParameters.from_dict(broken)
    short = json.loads(json.dumps(written))
    del short["items"][0]["categories"][3]
    with pytest.raises(ScoringError, match=r"item d1-0\.categories: .*one per option"):
        ModelParameters.from_dict(short)


def test_a_bad_joint_item_in_the_model_file_is_named(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=1, name="gpcm_most_least")
    written = model.to_dict()
    del written["items"][0]["options"][1]["least_slope"]
    with pytest.raises(ScoringError, match=r"item d1-0\.options\[1\]\.least_slope"):
        ModelParameters.from_dict(written)
    written = model.to_dict()
    written["items"][0]["item_model"] = "most_least_rasch"
    with pytest.raises(ScoringError, match=r"item d1-0\.item_model.*choose one of"):
        ModelParameters.from_dict(written)


# ------------------------------------------------------------------------------- scoring


def test_eap_of_joint_items_is_the_posterior_mean_on_the_grid(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=4, name="nrm_most_least")
    data = simulate_responses(model, np.array([[0.8]]), rng)
    estimate = score_eap(model, data, grid=QuadratureGrid(201, 7.0))
    grid = np.linspace(-7, 7, 2001)
    log_post = -0.5 * grid**2
    for column, category in enumerate(data.responses[0]):
        log_post += np.log(model.probabilities(column, grid)[category])
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    assert estimate.theta[0, 0] == pytest.approx(post @ grid, abs=1e-6)
    assert estimate.se[0, 0] == pytest.approx(np.sqrt(post @ grid**2 - (post @ grid) ** 2), 1e-5)


def test_item_fit_is_computed_over_the_pair_categories(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=6, name="gpcm_most_least")
    data = simulate_responses(model, rng.normal(size=(3000, 1)), rng)
    fit = item_fit(model, data)
    for entry, item in zip(fit.items, model.items, strict=True):
        assert np.isfinite(entry.sx2), entry.note
        assert entry.df > 0
        assert entry.n_candidates == 3000
        assert item.item_model == "gpcm_most_least"
    assert np.mean(fit.p_values < 0.01) <= 1 / 6  # the true model fits


# -------------------------------------------------------------------- recovery (issue 12)


def test_joint_model_recovers_slopes_and_honest_ses_where_independent_parts_fail() -> None:
    """Data with the dependency: the joint model recovers, the two-part treatment does not.

    24 most/least items, 5,000 candidates, θ ~ N(0, 1). Joint calibration: mean slope ratio
    (estimate / truth) of the most and of the least part within 5% of 1, and RMSE of the EAP
    over the RMS posterior SD within .95–1.05. Independent parts: least slopes inflated by
    more than 10% and RMSE / SD above 1.1 (SEs too small).
    """
    rng = np.random.default_rng(13)
    true, parts = joint_model(rng, n_items=24, name="gpcm_most_least")
    theta = rng.normal(size=(5000, 1))
    data = simulate_responses(true, theta, rng)
    ids = [item.item_id for item in true]
    joint = calibrate_mml(
        data, "gpcm", item_models=dict.fromkeys(ids, "gpcm_most_least"), standard_errors="none"
    )
    truth = np.array([item.params for item in true])
    found = np.array([item.params for item in joint.parameters])
    assert abs(np.mean(found[:, 0] / truth[:, 0]) - 1) <= 0.05  # most-pick slope a
    assert abs(np.mean(found[:, 4] / truth[:, 4]) - 1) <= 0.05  # least-pick slope b
    estimate = score_eap(joint.parameters, data)
    ratio = np.sqrt(np.mean((estimate.theta - theta) ** 2) / np.mean(estimate.se**2))
    assert 0.95 <= ratio <= 1.05

    two = split_parts(data, parts)
    independent = calibrate_mml(two, "gpcm", standard_errors="none")
    slopes = np.array([item.params[0] for item in independent.parameters])
    assert np.mean(slopes[1::2] / truth[:, 4]) > 1.1  # least parts inflated
    estimate = score_eap(independent.parameters, two)
    ratio = np.sqrt(np.mean((estimate.theta - theta) ** 2) / np.mean(estimate.se**2))
    assert ratio > 1.1


def test_shared_utilities_misfit_data_whose_least_utilities_are_their_own() -> None:
    """Why the separate model is the default: the shared model cannot express separate
    least utilities (AIC prefers the separate model by far), while the separate model
    recovers data from the shared model (its least utilities come out as the negated most
    utilities)."""
    rng = np.random.default_rng(5)
    true, _ = joint_model(rng, n_items=10, name="nrm_most_least")
    data = simulate_responses(true, rng.normal(size=(3000, 1)), rng)
    ids = [item.item_id for item in true]
    separate = calibrate_mml(
        data, "nrm", item_models=dict.fromkeys(ids, "nrm_most_least"), standard_errors="none"
    )
    shared = calibrate_mml(
        data, "nrm", item_models=dict.fromkeys(ids, "nrm_best_worst"), standard_errors="none"
    )
    assert shared.aic - separate.aic > 100 * len(ids)

    shared_true, _ = joint_model(rng, n_items=10, name="nrm_best_worst")
    data = simulate_responses(shared_true, rng.normal(size=(5000, 1)), rng)
    fitted = calibrate_mml(
        data, "nrm", item_models=dict.fromkeys(ids, "nrm_most_least"), standard_errors="none"
    )
    model = get_model("nrm_most_least")
    for item, truth in zip(fitted.parameters, shared_true, strict=True):
        slopes, _ = model.to_categories(np.array([item.params]), np.array([item.spec.scores]))
        true_slopes, _ = get_model("nrm_best_worst").to_categories(
            np.array([truth.params]), np.array([truth.spec.scores])
        )
        recovered = slopes[0] - np.concatenate([slopes[0, :1].repeat(4), slopes[0, 4:5].repeat(4)])
        target = true_slopes[0] - np.concatenate(
            [true_slopes[0, :1].repeat(4), true_slopes[0, 4:5].repeat(4)]
        )
        assert np.max(np.abs(recovered - target)) < 0.35


def test_standard_errors_of_joint_items_match_the_estimation_error() -> None:
    """Observed-information SEs (Oakes) of the joint parameters: z-scores of the estimates
    against the truth have SD near 1 and about 90% fall inside ±1.645."""
    rng = np.random.default_rng(23)
    true, _ = joint_model(rng, n_items=10, name="gpcm_most_least")
    data = simulate_responses(true, rng.normal(size=(3000, 1)), rng)
    ids = [item.item_id for item in true]
    result = calibrate_mml(data, "gpcm", item_models=dict.fromkeys(ids, "gpcm_most_least"))
    se = np.array([item.se for item in result.parameters])
    found = np.array([item.params for item in result.parameters])
    z = (found - np.array([item.params for item in true])) / se
    assert np.all(se > 0)
    assert 0.75 < float(np.std(z)) < 1.3  # the bounds of the GPCM test in test_calibration
    assert np.mean(np.abs(z) < 1.645) > 0.8


def test_map_of_joint_items_is_the_posterior_mode(rng: np.random.Generator) -> None:
    model, _ = joint_model(rng, n_items=5, name="nrm_most_least")
    data = simulate_responses(model, np.array([[-0.6], [1.1]]), rng)
    estimate = score_map(model, data)
    grid = np.linspace(-5, 5, 100_001)
    for n in range(2):
        log_post = -0.5 * grid**2
        for column, category in enumerate(data.responses[n]):
            log_post += np.log(model.probabilities(column, grid)[category])
        assert estimate.theta[n, 0] == pytest.approx(grid[np.argmax(log_post)], abs=2e-4)
