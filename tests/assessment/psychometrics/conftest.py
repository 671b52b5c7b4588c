"""The demo store the psychometric-operation tests share."""

from __future__ import annotations

import pytest

from assessment.demo import seed_demo
from assessment.persistence import store as store_module
from assessment.persistence.store import Store
from items import load_bank
from tests.session_ids import seeded_ids


@pytest.fixture
def seeded(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Fourteen demo candidates (ten completed) with seeded ids: the adaptive engine draws
    from the ids, so random ids gave other demo results on every run (and tests that need a
    clear "recommended" or a band change failed now and then)."""
    monkeypatch.setattr(store_module, "new_id", seeded_ids(3))
    seed_demo(store, load_bank(), 14, seed=3)
    return store
