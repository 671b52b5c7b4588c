"""Stores for tests: opened on a URL and disposed afterwards, or set up for the app under test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st

from assessment.persistence.store import Store

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def opened_store(url: str) -> Iterator[Store]:
    """A migrated store on ``url`` whose connections are closed when the block ends."""
    store = Store.open(url)
    try:
        yield store
    finally:
        store.engine.dispose()


@contextmanager
def app_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty migrated SQLite store that the app under test uses (``SJT_DATABASE_URL``),
    run from the repository root, with Streamlit's resource cache cleared before and after."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    with opened_store(url) as store:
        yield store
        st.cache_resource.clear()
