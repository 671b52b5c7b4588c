"""Databases for benchmarks: a temporary SQLite file and a scratch PostgreSQL database, and
simulated candidates on them.

The PostgreSQL database is created on ``SJT_TEST_POSTGRES_URL`` (default: the local server,
trust auth) and dropped afterwards; when no server answers, its half of the figures is one
``skipped`` figure instead.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from assessment.delivery.service import Delivery
from assessment.delivery.simulation import SimulatedAnswers, draw_answers
from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from benchmarks import Figure
from items import load_bank

POSTGRES_ADMIN = os.environ.get(
    "SJT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def on_both_backends(
    prefix: str, measure: Callable[[str, str], list[Figure]], skipped_name: str
) -> list[Figure]:
    """``measure(backend, url)`` on SQLite, then on PostgreSQL (``skipped_name`` if absent)."""
    with tempfile.TemporaryDirectory() as folder:
        figures = measure("sqlite", f"sqlite:///{Path(folder) / f'{prefix}.db'}")
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"sjt_{prefix}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        return [*figures, {"name": skipped_name, "value": None, "note": f"skipped: {error.orig}"}]
    try:
        return figures + measure("postgres", POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def simulated_candidates(
    url: str, n_candidates: int, seed: int
) -> tuple[Store, Delivery, SimulatedAnswers]:
    """A store on ``url`` with the synthetic model active, its delivery service, and the
    answers ``n_candidates`` simulated candidates give to every item of the pool."""
    store = Store.open(url)
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    rng = np.random.default_rng(seed)
    return (
        store,
        delivery,
        draw_answers(delivery.pool, delivery.model.parameters, n_candidates, rng),
    )
