"""Data-quality flags: their false-alarm rate on model-conforming candidates and their power
against random responding, through the real adaptive engine (simulated answers)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.delivery.engine import AdaptiveEngine, ItemPool
from assessment.delivery.exposure import load_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.delivery.quality import QualityFlags, quality_flags
from assessment.delivery.simulation import draw_answers
from assessment.session_values import CandidateSession, Response
from assessment.vocabulary import Form
from items import load_bank
from items.scoring_map import synthetic_model


def flag_runs(n: int, seed: int, random: bool, form: Form = "adaptive") -> list[QualityFlags]:
    bank = load_bank()
    model = synthetic_model(bank)
    policy = CATPolicy(form=form)
    pool = ItemPool.build(bank, model, policy)
    engine = AdaptiveEngine(pool, policy, load_exposure_parameters()[0])
    rng = np.random.default_rng(seed)
    answers = draw_answers(pool, model, n, rng, None)
    out = []
    for candidate in range(n):
        session = CandidateSession(f"q{seed}-{candidate}", form)
        while (item_id := engine.next_item(session, rng)) is not None:
            j = pool.index(item_id)
            options = pool.option_ids[j]
            if random:
                most, least = rng.choice(len(options), size=2, replace=False)
                second = options[least] if pool.formats[j] == "most_least" else None
                response = Response(item_id, options[most], second, 20_000)
            else:
                drawn = answers.response(pool, candidate, j)
                response = Response(item_id, drawn.most, drawn.least, 20_000)
            session = session.with_response(response)
        out.append(quality_flags(bank, model, session.responses, incomplete=False))
    return out


@pytest.mark.slow
def test_flags_rarely_fire_for_model_conforming_candidates_and_mostly_for_random_ones() -> None:
    """The rates documented in ``QualityPolicy``: at most 10% false alarms, at least 80% of
    random responders at human speed flagged (400 candidates each)."""
    conforming = flag_runs(400, 1, random=False)
    random = flag_runs(400, 2, random=True)
    false_alarms = np.mean([bool(f.raised) for f in conforming])
    power = np.mean([f.person_misfit for f in random])
    assert false_alarms <= 0.10
    assert power >= 0.80


@pytest.mark.slow
@pytest.mark.parametrize(("form", "seed"), [("adaptive", 101), ("fixed", 111)])
def test_random_like_rule_rates_on_both_forms(form: Form, seed: int) -> None:
    """The rates that chose ``RANDOM_LIKE_BELOW`` (its docstring; 500 candidates each): all
    flags together stay within 10% false alarms on either form, and at most 5% of random
    responders escape every flag."""
    genuine = flag_runs(500, seed, random=False, form=form)
    random = flag_runs(500, seed + 1, random=True, form=form)
    assert np.mean([f.random_like for f in genuine]) <= 0.06
    assert np.mean([bool(f.raised) for f in genuine]) <= 0.085
    assert np.mean([not f.raised for f in random]) <= 0.05
    assert all(f.random_like for f in genuine + random if f.random_log_odds < 0)  # type: ignore[operator]


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
