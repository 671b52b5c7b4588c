"""The candidate-page journeys of ``test_candidate_page.py`` under many fixed session ids.

Each session id gives the adaptive test another first item (a ``best`` or a ``most_least``
item, another scenario), so a test that passes only for some items fails here for a fixed,
reproducible seed instead of now and then in CI. Slow: 20 seeds × every journey that reaches
an item.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from assessment.persistence import store as store_module
from assessment.persistence.store import Store
from tests.app import test_candidate_page as page
from tests.session_ids import CANDIDATE_SEEDS, seeded_ids

JOURNEYS: tuple[Callable[..., None], ...] = (
    page.test_chinese_journey_reaches_the_first_item,
    page.test_answering_saves_and_moves_on_and_reload_resumes,
    page.test_missing_choice_is_refused_without_saving,
    page.test_a_locked_database_shows_a_calm_retry_message_and_loses_nothing,
    page.test_the_progress_bar_says_what_it_counts_to,
    page.test_an_answer_from_a_second_window_is_not_recorded_and_the_candidate_is_told,
)
"""The tests of the candidate page that reach an item (their outcome can depend on it)."""


@pytest.mark.slow
@pytest.mark.parametrize("seed", CANDIDATE_SEEDS)
@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda journey: journey.__name__[5:])
def test_candidate_page_journeys_pass_for_every_seed(
    app_store: Store, monkeypatch: pytest.MonkeyPatch, journey: Callable[..., None], seed: int
) -> None:
    monkeypatch.setattr(store_module, "new_id", seeded_ids(seed))
    available = {"monkeypatch": monkeypatch, "language": "en"}
    wanted = inspect.signature(journey).parameters
    journey(app_store, **{name: value for name, value in available.items() if name in wanted})


def test_every_journey_that_reaches_an_item_is_run_over_the_seeds() -> None:
    """A new candidate-page test that goes past the practice item must be added to JOURNEYS."""
    source = inspect.getsource(page)
    reaching = {
        name
        for name, function in inspect.getmembers(page, inspect.isfunction)
        if name.startswith("test_") and "through_practice(" in inspect.getsource(function)
    }
    assert "def through_practice" in source
    assert reaching == {journey.__name__ for journey in JOURNEYS}
