"""Data-quality flags: their false-alarm rate on model-conforming candidates and their power
against random responding, through the real adaptive engine (simulated answers)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.delivery.quality import QualityFlags
from assessment.delivery.respondents import simulated_quality_flags
from assessment.vocabulary import Form
from items import load_bank
from items.scoring_map import synthetic_model
from tests.binomial import not_above

DOCUMENTED: dict[str, tuple[float, float, float]] = {
    "adaptive": (0.063, 0.087, 0.035),
    "fixed": (0.069, 0.087, 0.039),
}
"""Per form, the shares ``RANDOM_LIKE_BELOW``'s table gives at the chosen threshold (1,000
candidates per group, ``python -m benchmarks.quality_rates``): genuine ``random_like``,
genuine any flag, random with no flag."""

DOCUMENTED_N = 1000


def flag_runs(n: int, seed: int, random: bool, form: Form = "adaptive") -> list[QualityFlags]:
    bank = load_bank()
    return simulated_quality_flags(bank, synthetic_model(bank), form, n, seed, random)


def within_sampling_error(share: float, n: int, documented: float) -> bool:
    """Whether a share of ``n`` agrees with a documented share of ``DOCUMENTED_N`` within
    three standard errors of their difference."""
    p = max(documented, 1 / DOCUMENTED_N)
    se = np.sqrt(p * (1 - p) * (1 / n + 1 / DOCUMENTED_N))
    return abs(share - documented) <= 3 * se


@pytest.mark.slow
@pytest.mark.parametrize(("form", "seed"), [("adaptive", 101), ("fixed", 111)])
def test_flag_rates_on_both_forms(form: Form, seed: int) -> None:
    """The rates documented in ``QualityPolicy`` and ``RANDOM_LIKE_BELOW`` (500 candidates per
    group): all flags together within the 10% false-alarm budget, at most 5% of random
    responders at human speed escaping every flag, at least 80% of them flagged as misfitting,
    and the documented shares reproduced within sampling error."""
    genuine = flag_runs(500, seed, random=False, form=form)
    random = flag_runs(500, seed + 1, random=True, form=form)
    random_like = sum(f.random_like for f in genuine)
    any_flag = sum(bool(f.raised) for f in genuine)
    escaped = sum(not f.raised for f in random)
    assert not_above(any_flag, 500, 0.10)
    assert not_above(escaped, 500, 0.05)
    assert not_above(500 - sum(f.person_misfit for f in random), 500, 0.20)
    for count, documented in zip((random_like, any_flag, escaped), DOCUMENTED[form], strict=True):
        assert within_sampling_error(count / 500, 500, documented)
    assert all(f.random_like for f in genuine + random if f.random_log_odds < 0)  # type: ignore[operator]


def test_the_binomial_checks_tell_a_true_rate_from_sampling_error() -> None:
    """52 of 500 (10.4%) is consistent with a 10% budget, 70 of 500 (14%) is not; 70 of 500
    agrees with a documented 12% within sampling error, 100 of 500 does not."""
    assert not_above(52, 500, 0.10)
    assert not not_above(70, 500, 0.10)
    assert within_sampling_error(70 / 500, 500, 0.12)
    assert not within_sampling_error(100 / 500, 500, 0.12)


def test_random_picks_are_flagged_and_model_answers_mostly_not() -> None:
    conforming = flag_runs(12, 3, random=False)
    random = flag_runs(12, 4, random=True)
    assert sum(f.person_misfit for f in random) >= 9
    assert sum(f.person_misfit for f in conforming) <= 3
    assert sum(f.random_like for f in random) >= 11
    assert sum(f.random_like for f in conforming) <= 1
    for flags in conforming + random:
        assert flags.random_like == (
            flags.random_log_odds is not None and flags.random_log_odds < 0
        )
        assert flags.random_like == ("random_like" in flags.raised)
    assert all(f.random_log_odds is not None for f in conforming + random)
    assert (
        np.mean([f.random_log_odds for f in conforming])
        > 0
        > np.mean([f.random_log_odds for f in random])
    )
