"""AppTest fixtures: a seeded SQLite database selected through SJT_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from items import load_bank
from tests.stores import app_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store with the synthetic model active, used by the app under test."""
    with app_database(tmp_path, monkeypatch) as store:
        ensure_active_model(store, load_bank())
        yield store


def invitation(store: Store, **options: object) -> str:
    candidate = store.add_candidate("Test candidate", position="Call centre agent")
    return store.create_invitation(candidate, **options)[1]  # type: ignore[arg-type]
