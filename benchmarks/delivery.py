"""Server-side time per answer: store + interim scoring + next-item selection, full bank.

Each simulated answer is timed from the submit to the next item being chosen and stored as
pending (what the candidate waits for after pressing *Next*): ``Delivery.answer`` followed by
``Delivery.current_item``. Runs on SQLite (file, WAL) and, when a server answers, PostgreSQL.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import Figure, quick_mode
from benchmarks.databases import on_both_backends, simulated_candidates

TARGET_P95_MS = 20.0


def _time_answers(url: str, n_candidates: int) -> np.ndarray:
    store, delivery, answers = simulated_candidates(url, n_candidates, seed=11)
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
    return on_both_backends(
        "bench", lambda backend, url: _figures(backend, _time_answers(url, n)), "postgres"
    )
