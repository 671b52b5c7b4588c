"""Random responding never looks like a good result: random clickers through the real delivery.

Each simulated random responder opens an invitation, takes the adaptive test through
``Delivery`` (the engine, the store and the data-quality flags a real candidate meets) picking
options uniformly at random, and is then reported through ``profile_for_candidate``, the code
behind the recruiter's page and PDF.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assessment.clock import utcnow
from assessment.delivery.service import Delivery
from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from items import load_bank
from reports.assemble import profile_for_candidate

Seconds = Callable[[np.random.Generator], float]
BOT: Seconds = lambda rng: 0.3  # noqa: E731 - a clicking script
HUMAN: Seconds = lambda rng: float(rng.uniform(15.0, 60.0))  # noqa: E731 - reading speed


def random_responder(delivery: Delivery, rng: np.random.Generator, seconds: Seconds) -> str:
    """Take the test picking every option uniformly at random; returns the candidate id."""
    store = delivery.store
    candidate = store.add_candidate("Random responder (synthetic)", synthetic=True)
    _, token = store.create_invitation(candidate)
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)
    delivery.practice_done(session_id)
    now = utcnow()
    while (view := delivery.current_item(session_id, now=now)) is not None:
        now += dt.timedelta(seconds=seconds(rng))
        options = [option.id for option in view.item.options]
        most, least = rng.choice(len(options), size=2, replace=False)
        second = options[least] if view.item.format == "most_least" else None
        delivery.answer(session_id, view.item.id, options[most], second, now=now)
    return candidate


def overall_bands(store: Store, n: int, seconds: Seconds, seed: int) -> Counter[str]:
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    rng = np.random.default_rng(seed)
    candidates = [random_responder(delivery, rng, seconds) for _ in range(n)]
    return Counter(profile_for_candidate(store, c, "en").overall.band for c in candidates)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'random.db'}")


def test_a_few_random_responders_are_never_recommended(sqlite_store: Store) -> None:
    bots = overall_bands(sqlite_store, 8, BOT, seed=1)
    assert bots == {"review": 8}  # every answer too fast
    humans = overall_bands(sqlite_store, 12, HUMAN, seed=2)
    assert "recommended" not in humans


@pytest.mark.slow
def test_500_random_responders_at_bot_speed_and_500_at_human_speed_are_never_recommended(
    sqlite_store: Store,
) -> None:
    bots = overall_bands(sqlite_store, 500, BOT, seed=11)
    assert bots == {"review": 500}
    humans = overall_bands(sqlite_store, 500, HUMAN, seed=12)
    assert humans["recommended"] == 0, humans
    # Data-quality flags catch most of them (person misfit: lz* or random-picking odds).
    assert humans["review"] >= 0.75 * 500, humans
