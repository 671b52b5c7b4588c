"""Simulated respondents taking the real test: model-conforming ones answering from answers
drawn beforehand from the model, and random ones picking options uniformly at random.

The data-quality studies (``tests/assessment/delivery/test_quality_rates.py``,
``benchmarks/quality_rates.py``, ``benchmarks/random_results.py``) run both kinds through the
delivery engine exactly as a candidate's session runs, at a human answer pace.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from assessment.delivery.engine import AdaptiveEngine, ItemPool
from assessment.delivery.exposure import delivered_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.delivery.quality import QualityFlags, quality_flags
from assessment.delivery.simulation import SimulatedAnswers, draw_answers
from assessment.session_values import CandidateSession, Response
from assessment.vocabulary import Form
from items import ItemBank
from scoring import ModelParameters

HUMAN_PACE_MS = 20_000
"""Answer time of every simulated answer: a human reading speed, so no speed flag fires."""


def random_response(
    bank: ItemBank, options: tuple[str, ...], item_id: str, rng: np.random.Generator, ms: int
) -> Response:
    """Uniform random picks of two different options: the first as most effective, the
    second as least effective when the item's format asks for both."""
    first, second = rng.choice(len(options), size=2, replace=False)
    least = options[second] if len(bank[item_id].scored_parts()) > 1 else None
    return Response(item_id, options[first], least, ms)


def finished_sessions(
    engine: AdaptiveEngine,
    bank: ItemBank,
    n: int,
    rng: np.random.Generator,
    prefix: str,
    answers: SimulatedAnswers | None = None,
    answer_ms: int = HUMAN_PACE_MS,
) -> Iterator[CandidateSession]:
    """``n`` sessions run until the engine stops, ids ``<prefix>-<k>``: candidate k answers
    from ``answers`` (model-conforming), or, when ``answers`` is None, picks at random.

    ``rng`` drives the engine's item selection and the random picks, in the order a live
    test would use it."""
    pool = engine.pool
    form = engine.policy.form
    for candidate in range(n):
        session = CandidateSession(f"{prefix}-{candidate}", form)
        while (item_id := engine.next_item(session, rng)) is not None:
            j = pool.index(item_id)
            if answers is None:
                response = random_response(bank, pool.option_ids[j], item_id, rng, answer_ms)
            else:
                drawn = answers.response(pool, candidate, j)
                response = Response(item_id, drawn.most, drawn.least, answer_ms)
            session = session.with_response(response)
        yield session


def simulated_quality_flags(
    bank: ItemBank,
    model: ModelParameters,
    form: Form,
    n: int,
    seed: int,
    random: bool,
) -> list[QualityFlags]:
    """The data-quality flags delivery gives ``n`` simulated candidates on ``form``.

    Model-conforming candidates answer from the model (true θ with its latent correlation,
    ``draw_answers``); random ones pick uniformly. Both answer at ``HUMAN_PACE_MS``, through
    the engine delivery runs (its exposure control included). The same ``seed`` gives the
    same flags on every machine, up to exact ties in item selection."""
    policy = CATPolicy(form=form)
    pool = ItemPool.build(bank, model, policy)
    engine = AdaptiveEngine(pool, policy, delivered_exposure_parameters(policy))
    rng = np.random.default_rng(seed)
    answers = draw_answers(pool, model, n, rng, None)
    sessions = finished_sessions(engine, bank, n, rng, f"q{seed}", None if random else answers)
    return [quality_flags(bank, model, s.responses, incomplete=False) for s in sessions]
