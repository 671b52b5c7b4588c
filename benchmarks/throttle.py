"""Candidate requests with a huge audit log: opening a link, and refusing a guessed one.

Issue 11 measured 0.7 ms per candidate request on an empty audit log and 105 ms with 10⁶
rows, because the old throttle counted a client's recent unknown links on every request
without an index. Now a valid link is looked up without counting anything, and the counts
asked for an unknown link are capped and served by the ``ix_audit_action_target_at`` /
``ix_audit_action_at`` indexes (migration 0006). This section fills the audit log of an
SQLite database with 10⁶ entries (10⁵ in quick mode), most of them guessed links within the
throttle window, then times both paths, and the unknown-link path once more without the
indexes to show what they are for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from assessment.clock import utcnow
from assessment.delivery.service import Delivery
from assessment.delivery.throttle import TokenThrottle
from assessment.demo import ensure_active_model
from assessment.errors import InvitationError
from assessment.persistence.store import Store
from assessment.persistence.tables import AuditEntry
from benchmarks import Figure, quick_mode
from items import load_bank

BATCH = 50_000
CLIENT = "203.0.113.9"


def _fill(store: Store, n_rows: int) -> None:
    """``n_rows`` audit entries: 90 % guessed links in the window from 10⁴ addresses."""
    now = utcnow()
    rng = np.random.default_rng(3)
    with store.engine.begin() as connection:
        for start in range(0, n_rows, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, n_rows)):
                recent = rng.random() < 0.9
                rows.append(
                    {
                        "at": now
                        - dt.timedelta(seconds=float(rng.uniform(0, 800 if recent else 9e6))),
                        "actor": "anonymous",
                        "action": "token.unknown" if recent else "login.failed",
                        "target": f"10.{n % 100}.{n // 100 % 100}.1",
                        "detail": {"length": 32},
                    }
                )
            connection.execute(insert(AuditEntry), rows)


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000.0)


def _refuse(delivery: Delivery, n: list[int]) -> None:
    n[0] += 1
    with contextlib.suppress(InvitationError):
        delivery.open(f"guessed-link-{n[0]:010d}", client=CLIENT)


def run() -> list[Figure]:
    n_rows = 100_000 if quick_mode() else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'audit.db'}")
        bank = load_bank()
        ensure_active_model(store, bank)
        model = Delivery.from_store(store, bank).model
        # no waiting: this measures the database work, not the deliberate delay
        delivery = Delivery(store, bank, model, throttle=TokenThrottle(), sleep=lambda _s: None)
        _, token = store.create_invitation(store.add_candidate("Bench candidate"))
        empty_open = _median_ms(lambda: delivery.open(token, client=CLIENT), 200)
        filled = time.perf_counter()
        _fill(store, n_rows)
        fill_s = time.perf_counter() - filled
        valid = _median_ms(lambda: delivery.open(token, client=CLIENT), 200)
        counter = [0]
        unknown = _median_ms(lambda: _refuse(delivery, counter), 100)
        with store.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_audit_action_target_at")
            connection.exec_driver_sql("DROP INDEX ix_audit_action_at")
        unindexed = _median_ms(lambda: _refuse(delivery, counter), 20)
        store.engine.dispose()
    label = f"{n_rows:,} audit rows"
    return [
        {"name": "valid link, empty audit log", "value": empty_open, "unit": "ms", "digits": 2},
        {"name": "valid link, large audit log", "value": valid, "unit": "ms", "digits": 2,
         "note": f"{label}; must stay close to the empty log"},
        {"name": "guessed link refused, large audit log", "value": unknown, "unit": "ms",
         "digits": 2, "note": f"{label}; two capped, indexed counts and one insert"},
        {"name": "guessed link refused, without the indexes", "value": unindexed, "unit": "ms",
         "digits": 2, "note": "what migration 0006 saves"},
        {"name": "filling the audit log", "value": fill_s, "unit": "s", "digits": 1},
    ]  # fmt: skip
