"""Server-side time per answer: store + interim scoring + next-item selection, full bank.

Each simulated answer is timed from the submit to the next item being chosen and stored as
pending (what the candidate waits for after pressing *Next*): ``Delivery.answer`` followed by
``Delivery.current_item``. Runs on SQLite (file, WAL) and, when a server answers, PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from assessment.delivery.service import Delivery
from assessment.delivery.simulation import draw_answers
from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from benchmarks import Figure, quick_mode
from items import load_bank

POSTGRES_ADMIN = os.environ.get(
    "SJT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TARGET_P95_MS = 20.0


def _time_answers(url: str, n_candidates: int) -> np.ndarray:
    store = Store.open(url)
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    answers = draw_answers(
        delivery.pool, delivery.model.parameters, n_candidates, np.random.default_rng(11), None
    )
    index = {item_id: j for j, item_id in enumerate(delivery.pool.item_ids)}
    times: list[float] = []
    for k in range(n_candidates):
        candidate = store.add_candidate(f"bench {k}", synthetic=True)
        _, token = store.create_invitation(candidate)
        session_id = delivery.start(delivery.open(token), "en")
        delivery.consent(session_id)
        delivery.practice_done(session_id)
        view = delivery.current_item(session_id)
        while view is not None:
            response = answers.response(delivery.pool, k, index[view.item.id])
            started = time.perf_counter()
            delivery.answer(session_id, view.item.id, response.most, response.least)
            view = delivery.current_item(session_id)
            times.append(time.perf_counter() - started)
    store.engine.dispose()
    return np.array(times) * 1000.0


def _figures(backend: str, ms: np.ndarray) -> list[Figure]:
    p95 = float(np.percentile(ms, 95))
    verdict = "meets" if p95 <= TARGET_P95_MS else "misses"
    return [
        {"name": f"{backend}: answers timed", "value": float(ms.size), "digits": 0},
        {"name": f"{backend}: time per answer p50", "value": float(np.median(ms)), "unit": "ms",
         "digits": 2},
        {"name": f"{backend}: time per answer p95", "value": p95, "unit": "ms", "digits": 2,
         "note": f"{verdict} target <= {TARGET_P95_MS:.0f} ms"},
    ]  # fmt: skip


def run() -> list[Figure]:
    """Time answers of simulated candidates on SQLite and PostgreSQL."""
    n = 10 if quick_mode() else 40
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        figures += _figures("sqlite", _time_answers(f"sqlite:///{Path(folder) / 'b.db'}", n))
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"sjt_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        return [*figures, {"name": "postgres", "value": None, "note": f"skipped: {error.orig}"}]
    try:
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        figures += _figures("postgres", _time_answers(url, n))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return figures
