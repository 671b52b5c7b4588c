"""Helpers of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessment.demo import ensure_active_model, seed_demo, synthetic_model_document
from assessment.persistence import store as store_module
from assessment.persistence.store import Store
from cli.main import app
from items import load_bank
from tests.session_ids import seeded_ids

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    """Run ``sjt`` with ``args``; its exit code and output."""
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.output


def use_copy_of(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Copy the SQLite file ``seeded`` and select the copy for ``sjt`` (SJT_DATABASE_URL)."""
    copy = tmp_path / "sjt.db"
    copy.write_bytes(seeded.read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    return url


def seeded_database(folder: Path, n_candidates: int, seed: int | None = None) -> Path:
    """An SQLite file in ``folder`` with the synthetic model active (audited, as the demo
    installs it) and ``n_candidates`` demo candidates; the model file beside it as
    ``model.json``.

    Its session ids are seeded too: a module-scoped fixture runs before the per-test seeding
    of ``tests/conftest.py``, and the adaptive engine draws from the ids, so random ids gave
    other demo results (other flags, other counts of clean sessions) on every run."""
    path = folder / "seeded.db"
    store = Store.open(f"sqlite:///{path}")
    bank = load_bank()
    ensure_active_model(store, bank)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "new_id", seeded_ids(0 if seed is None else seed))
        if seed is None:
            seed_demo(store, bank, n_candidates)
        else:
            seed_demo(store, bank, n_candidates, seed=seed)
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    (folder / "model.json").write_text(synthetic_model_document(bank).to_json(), encoding="utf-8")
    return path
