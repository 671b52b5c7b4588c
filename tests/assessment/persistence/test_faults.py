"""Faults: a locked SQLite file and a restarted PostgreSQL server lose nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from assessment.delivery.service import Delivery
from assessment.delivery.simulation import draw_answers
from assessment.demo import ensure_active_model
from assessment.errors import DatabaseError
from assessment.persistence.store import Store
from items import load_bank
from tests.assessment.conftest import POSTGRES_ADMIN_URL


def started(store: Store) -> tuple[Delivery, str]:
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    _, token = store.create_invitation(store.add_candidate("Fault"))
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)
    delivery.practice_done(session_id)
    return delivery, session_id


def answer_one(delivery: Delivery, session_id: str, answers: object, n: int = 0) -> str:
    view = delivery.current_item(session_id)
    assert view is not None
    index = delivery.pool.index(view.item.id)
    response = answers.response(delivery.pool, n, index)  # type: ignore[attr-defined]
    assert delivery.answer(session_id, view.item.id, response.most, response.least)
    return view.item.id


def test_locked_sqlite_file_fails_fast_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SJT_SQLITE_BUSY_MS", "300")
    path = tmp_path / "locked.db"
    store = Store.open(f"sqlite:///{path}")
    delivery, session_id = started(store)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(1))
    first = answer_one(delivery, session_id, answers)
    view = delivery.current_item(session_id)
    assert view is not None
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        index = delivery.pool.index(view.item.id)
        response = answers.response(delivery.pool, 0, index)
        with pytest.raises(DatabaseError, match="locked"):
            delivery.answer(session_id, view.item.id, response.most, response.least)
    finally:
        blocker.rollback()
        blocker.close()
    # the candidate retries the same submit: it is saved once, the first answer is intact
    assert delivery.answer(session_id, view.item.id, response.most, response.least)
    assert delivery.store.load_session(session_id).session.answered_ids == (first, view.item.id)
    store.engine.dispose()


@pytest.mark.postgres
def test_postgres_restart_mid_session_loses_nothing(postgres_store: Store) -> None:
    store = postgres_store
    delivery, session_id = started(store)
    answers = draw_answers(delivery.pool, delivery.model.parameters, 1, np.random.default_rng(2))
    done = [answer_one(delivery, session_id, answers) for _ in range(3)]
    # What a server restart looks like to the client: every connection is cut.
    with store.engine.connect() as connection:
        database = connection.execute(text("select current_database()")).scalar_one()

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :d"),
            {"d": database},
        )
    admin.dispose()
    done.append(answer_one(delivery, session_id, answers))  # pre-ping reconnects
    assert delivery.store.load_session(session_id).session.answered_ids == tuple(done)
