"""Rater agreement: ICC(2,k) against Shrout & Fleiss's worked example and known variance
components; r_wg against its definition; Student-t intervals."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.agreement import icc2k, rwg, summarise, uniform_null_variance

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges; ICC(2,4) = .62.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)


def test_icc2k_reproduces_shrout_and_fleiss() -> None:
    assert icc2k(SHROUT_FLEISS) == pytest.approx(0.62, abs=0.005)


def test_icc2k_recovers_known_variance_components(rng: np.random.Generator) -> None:
    n, k = 4000, 8
    target, rater, error = 1.0, 0.3, 2.0
    ratings = (
        rng.normal(0, np.sqrt(target), (n, 1))
        + rng.normal(0, np.sqrt(rater), (1, k))
        + rng.normal(0, np.sqrt(error), (n, k))
    )
    truth = target / (target + (rater + error) / k)
    assert icc2k(ratings) == pytest.approx(truth, abs=0.02)


def test_icc2k_is_one_for_identical_raters_and_near_zero_for_random_ones(
    rng: np.random.Generator,
) -> None:
    column = np.array([[7.0], [5.0], [3.0], [1.0]])
    assert icc2k(np.repeat(column, 8, axis=1)) == pytest.approx(1.0)
    random = rng.integers(1, 8, size=(3000, 8)).astype(float)
    assert abs(icc2k(random)) < 0.1  # standard error about 0.026
    assert np.isnan(icc2k(np.full((4, 8), 5.0)))


def test_icc2k_rejects_incomplete_or_too_small_matrices() -> None:
    with pytest.raises(ValueError, match="complete"):
        icc2k([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match="at least 2 targets and 2 raters"):
        icc2k([[1.0, 2.0, 3.0]])


def test_rwg_against_the_uniform_null() -> None:
    assert uniform_null_variance(7) == pytest.approx(4.0)
    ratings = np.array([[4, 5, 5, 6], [6, 6, 6, 6], [1, 7, 1, 7]], dtype=float)
    # variances (ddof=1): 2/3, 0, 12 → 1 - var/4, the last truncated at 0
    assert rwg(ratings) == pytest.approx([1 - (2 / 3) / 4, 1.0, 0.0])


def test_summary_interval_uses_student_t() -> None:
    summary = summarise([4, 5, 6, 5, 5, 4, 6, 5])
    sd = np.std([4, 5, 6, 5, 5, 4, 6, 5], ddof=1)
    half = 2.364624251592785 * sd / np.sqrt(8)  # t(0.975, 7)
    assert summary.mean == pytest.approx(5.0)
    assert summary.n == 8
    assert (summary.ci_low, summary.ci_high) == pytest.approx((5.0 - half, 5.0 + half))
    single = summarise([3])
    assert single.n == 1
    assert np.isnan(single.sd)
