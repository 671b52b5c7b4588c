"""Load on loopback: hundreds of simulated candidates answering at once, engine + store.

Every candidate runs in its own thread and answers as fast as the server allows (no think
time), which is far harsher than real use. The run is bounded in time; at the end every
accepted answer is checked against the database: lost or duplicated answers must be zero.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sqlalchemy import text

from benchmarks import Figure, quick_mode
from benchmarks.databases import on_both_backends, simulated_candidates

TIME_LIMIT_S = 300.0


def run_load(url: str, n_candidates: int, time_limit: float = TIME_LIMIT_S) -> dict[str, Any]:
    """Run ``n_candidates`` concurrent candidates against ``url``; returns the figures."""
    store, delivery, answers = simulated_candidates(url, n_candidates, seed=17)
    sessions = []
    for k in range(n_candidates):
        _, token = store.create_invitation(store.add_candidate(f"load {k}", synthetic=True))
        session_id = delivery.start(delivery.open(token), "en")
        delivery.consent(session_id)
        delivery.practice_done(session_id)
        sessions.append(session_id)
    deadline = time.monotonic() + time_limit
    start_gate = threading.Barrier(n_candidates)
    timings: list[list[float]] = [[] for _ in range(n_candidates)]
    accepted = [0] * n_candidates
    errors: list[str] = []

    def candidate(k: int) -> None:
        start_gate.wait()
        try:
            view = delivery.current_item(sessions[k])
            while view is not None and time.monotonic() < deadline:
                response = answers.response(delivery.pool, k, delivery.pool.index(view.item.id))
                started = time.perf_counter()
                accepted[k] += delivery.answer(
                    sessions[k], view.item.id, response.most, response.least
                )
                view = delivery.current_item(sessions[k])
                timings[k].append(time.perf_counter() - started)
        except Exception as error:  # counted and reported, never hidden
            errors.append(f"{type(error).__name__}: {error}")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_candidates) as pool:
        list(pool.map(candidate, range(n_candidates)))
    elapsed = time.perf_counter() - began
    with store.engine.connect() as connection:
        stored: dict[str, int] = dict(
            connection.execute(
                text("select session_id, count(*) from responses group by session_id")
            ).all()
        )
        duplicates = connection.execute(
            text(
                "select count(*) from (select session_id, item_id from responses "
                "group by session_id, item_id having count(*) > 1) d"
            )
        ).scalar_one()
    lost = sum(max(0, accepted[k] - stored.get(s, 0)) for k, s in enumerate(sessions))
    extra = sum(max(0, stored.get(s, 0) - accepted[k]) for k, s in enumerate(sessions))
    completed = sum(delivery.record(s).session.completed for s in sessions)
    store.engine.dispose()
    ms = np.concatenate([np.array(t) for t in timings if t]) * 1000.0
    return {
        "answers": float(ms.size),
        "p50_ms": float(np.median(ms)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(ms.max()),
        "answers_per_s": float(ms.size / elapsed),
        "lost": float(lost + extra + duplicates),
        "completed": float(completed),
        "errors": float(len(errors)),
        "error_kinds": sorted({e[:160] for e in errors})[:3],  # class and message, whole
        "seconds": elapsed,
    }


def _figures(backend: str, n: int, result: dict[str, Any]) -> list[Figure]:
    lost = result["lost"]
    return [
        {"name": f"load {backend}: concurrent candidates", "value": float(n), "digits": 0},
        {"name": f"load {backend}: answers", "value": result["answers"], "digits": 0},
        {"name": f"load {backend}: p50 per answer", "value": result["p50_ms"], "unit": "ms",
         "digits": 1},
        {"name": f"load {backend}: p95 per answer", "value": result["p95_ms"], "unit": "ms",
         "digits": 1, "note": "no think time: all answer as fast as the server allows"},
        {"name": f"load {backend}: slowest answer", "value": result["max_ms"], "unit": "ms",
         "digits": 0, "note": "a candidate passed over for a connection shows here"},
        {"name": f"load {backend}: throughput", "value": result["answers_per_s"], "unit": "/s",
         "digits": 0},
        {"name": f"load {backend}: lost or duplicated answers", "value": lost, "digits": 0,
         "note": "must be 0" + ("" if lost == 0 else " — FAILED")},
        {"name": f"load {backend}: errors", "value": result["errors"], "digits": 0,
         "note": "; ".join(result["error_kinds"])},
        {"name": f"load {backend}: tests completed", "value": result["completed"], "digits": 0},
    ]  # fmt: skip


def run() -> list[Figure]:
    """300 concurrent candidates on SQLite and on PostgreSQL."""
    n = 30 if quick_mode() else 300
    return on_both_backends(
        "load", lambda backend, url: _figures(backend, n, run_load(url, n)), "load postgres"
    )
