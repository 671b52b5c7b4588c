"""Classical item statistics: hand-checked values, alpha/omega identities, planned missingness."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import (
    MISSING,
    ItemParameters,
    ItemSpec,
    ModelParameters,
    ResponseMatrix,
    ScoringError,
)
from scoring.classical import (
    classical_statistics,
    cronbach_alpha,
    mcdonald_omega,
    pairwise_covariance,
)
from tests.scoring.builders import ordered_spec, simulate, with_responses
from tests.scoring.conftest import gpcm_model


def tiny_matrix() -> ResponseMatrix:
    """Four candidates, three items; item 1 is keyed in reverse (option A earns 2).

    Item scores by candidate: (0, 0, 1), (1, 1, 1), (1, 2, 2), (2, 1, 2).
    """
    items = (
        ItemSpec("i1", "d", ("A", "B", "C"), (2.0, 1.0, 0.0)),
        ItemSpec("i2", "d", (0, 1, 2), (0.0, 1.0, 2.0)),
        ItemSpec("i3", "d", (0, 1, 2), (0.0, 1.0, 2.0)),
    )
    responses = np.array([[2, 0, 1], [1, 1, 1], [1, 2, 2], [0, 1, 2]])
    return ResponseMatrix(responses, items, ("d",))


def test_alpha_on_a_tiny_matrix_equals_the_hand_computed_formula() -> None:
    # Variances (ddof 1): 2/3, 2/3, 1/3; summed scores 1, 3, 5, 5 have variance 11/3.
    # alpha = 3/2 · (1 − (5/3) / (11/3)) = 9/11.
    result = classical_statistics(tiny_matrix())
    assert result.dimension("d").alpha == pytest.approx(9 / 11, abs=1e-12)
    # Without item 3: cov(i1, i2) = 1/3, so alpha = 2 · (1 − (4/3) / 2) = 2/3.
    assert result.item("i3").alpha_if_deleted == pytest.approx(2 / 3, abs=1e-12)


def test_item_statistics_of_a_tiny_matrix_match_hand_computation() -> None:
    result = classical_statistics(tiny_matrix())
    first = result.item("i1")
    # scores 0, 1, 1, 2 from options C, B, B, A
    assert first.option_proportions == pytest.approx((0.25, 0.5, 0.25))
    assert first.mean == pytest.approx(1.0)
    assert first.sd == pytest.approx(np.sqrt(2 / 3))
    # item 3 against rest = i1 + i2 = (0, 2, 3, 3): r = 2 / sqrt(6 · 1)
    assert result.item("i3").item_rest_correlation == pytest.approx(2 / np.sqrt(6))
    # option A of item 1 (chosen by the last candidate only) against rest (1, 2, 4, 3)
    expected = np.corrcoef([0, 0, 0, 1], [1, 2, 4, 3])[0, 1]
    assert first.option_rest_correlations[0] == pytest.approx(expected)


def test_rows_are_plain_dicts_with_one_row_per_item_option_and_dimension() -> None:
    result = classical_statistics(tiny_matrix())
    assert [row["item_id"] for row in result.item_rows()] == ["i1", "i2", "i3"]
    options = result.option_rows()
    assert len(options) == 9
    assert options[0] == {
        "item_id": "i1",
        "dimension": "d",
        "option": "A",
        "score": 2.0,
        "proportion": 0.25,
        "rest_correlation": pytest.approx(np.corrcoef([0, 0, 0, 1], [1, 2, 4, 3])[0, 1]),
    }
    (dimension_row,) = result.dimension_rows()
    assert dimension_row["n_items"] == 3
    assert dimension_row["complete"] is True


def test_omega_equals_alpha_when_loadings_and_variances_are_equal() -> None:
    loading, n_items, variance = 0.6, 6, 2.0
    covariance = variance * np.full((n_items, n_items), loading**2)
    np.fill_diagonal(covariance, variance)
    estimate = mcdonald_omega(covariance)
    np.testing.assert_allclose(estimate.loadings, loading, atol=1e-6)
    assert estimate.omega == pytest.approx(cronbach_alpha(covariance), abs=1e-8)
    # k r / (1 + (k − 1) r) with r = λ²
    assert estimate.omega == pytest.approx(6 * 0.36 / (1 + 5 * 0.36), abs=1e-8)


def test_omega_exceeds_alpha_for_unequal_loadings() -> None:
    loadings = np.linspace(0.3, 0.8, 6)
    correlation = np.outer(loadings, loadings)
    np.fill_diagonal(correlation, 1.0)
    estimate = mcdonald_omega(correlation)
    np.testing.assert_allclose(estimate.loadings, loadings, atol=1e-6)
    common = loadings.sum() ** 2
    assert estimate.omega == pytest.approx(common / (common + np.sum(1 - loadings**2)), abs=1e-8)
    assert estimate.omega > cronbach_alpha(correlation) + 0.01


def test_omega_is_close_to_alpha_for_simulated_parallel_items(rng: np.random.Generator) -> None:
    spec = [ordered_spec(f"e{j}", "d1", 4) for j in range(8)]
    params = (1.2, 1.2, 1.2, 0.0)  # slope 1.2, thresholds −1, 0, 1 for every item
    model = ModelParameters("gpcm", ("d1",), tuple(ItemParameters(s, params) for s in spec))
    data = simulate(model, 4000, rng)
    entry = classical_statistics(data).dimension("d1")
    assert entry.omega == pytest.approx(entry.alpha, abs=0.005)
    assert np.ptp(entry.loadings) < 0.08


def test_pairwise_covariance_uses_only_candidates_answering_both(
    rng: np.random.Generator,
) -> None:
    scores = rng.normal(size=(50, 3))
    answered = rng.random((50, 3)) > 0.3
    covariance, counts = pairwise_covariance(scores, answered)
    both = answered[:, 0] & answered[:, 2]
    assert counts[0, 2] == both.sum()
    assert covariance[0, 2] == pytest.approx(np.cov(scores[both, 0], scores[both, 2])[0, 1])
    assert covariance[1, 1] == pytest.approx(np.var(scores[answered[:, 1], 1], ddof=1))


def test_alpha_with_missing_by_design_is_close_to_complete_data_alpha(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng)
    full = simulate(model, 3000, rng)
    planned = full.responses.copy()
    planned[rng.random(planned.shape) < 0.4] = MISSING
    complete = classical_statistics(full).dimension("d1")
    partial = classical_statistics(with_responses(full, planned))
    entry = partial.dimension("d1")
    assert entry.alpha == pytest.approx(complete.alpha, abs=0.02)
    assert entry.omega == pytest.approx(complete.omega, abs=0.02)
    assert not entry.complete
    assert "pairwise" in entry.note
    assert partial.items[0].n_answered == np.sum(planned[:, 0] != MISSING)


def test_items_never_answered_together_leave_alpha_undefined_with_a_note() -> None:
    items = tuple(ordered_spec(f"i{j}", "d", 2) for j in range(3))
    responses = np.array([[0, 1, MISSING], [1, 1, MISSING], [MISSING, 0, 1], [MISSING, 1, 0]])
    entry = classical_statistics(ResponseMatrix(responses, items, ("d",))).dimension("d")
    assert np.isnan(entry.alpha)
    assert np.isnan(entry.omega)
    assert entry.min_pair_count == 0
    assert "fewer than 2" in entry.note


def test_keyed_best_option_correlates_positively_and_worst_negatively(
    rng: np.random.Generator,
) -> None:
    model = gpcm_model(rng)
    data = simulate(model, 2000, rng)
    for item in classical_statistics(data).items:
        assert item.option_rest_correlations[-1] > 0.1
        assert item.option_rest_correlations[0] < -0.1
        assert item.item_rest_correlation > 0.4


def test_alpha_and_omega_reject_non_square_or_too_small_matrices() -> None:
    with pytest.raises(ScoringError, match="square"):
        cronbach_alpha(np.ones((2, 3)))
    with pytest.raises(ScoringError, match="at least 2"):
        cronbach_alpha(np.ones((1, 1)))
    with pytest.raises(ScoringError, match="at least 3"):
        mcdonald_omega(np.eye(2))
