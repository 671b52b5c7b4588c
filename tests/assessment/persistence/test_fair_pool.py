"""The connection pool serves waiting threads in arrival order, so none is passed over until
the pool timeout ("the database is busy (no free connection)") while others are served."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy.util.queue import Empty

from assessment.persistence.fair_pool import FairQueue, FairQueuePool
from assessment.persistence.store import Store


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 10 s) until ``condition()`` holds: a thread has reached its wait."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.001)


def test_an_item_put_back_goes_to_the_longest_waiting_thread_not_to_a_newcomer() -> None:
    queue: FairQueue[str] = FairQueue(1)
    served: list[tuple[str, str]] = []

    def wait_for_item(name: str) -> None:
        served.append((name, queue.get(timeout=10)))

    first = threading.Thread(target=wait_for_item, args=("first",))
    second = threading.Thread(target=wait_for_item, args=("second",))
    first.start()
    _until(lambda: queue.waiting() == 1, "the first thread waits")
    second.start()
    _until(lambda: queue.waiting() == 2, "the second thread waits")
    queue.put("a")
    with pytest.raises(Empty):  # the thread that returned it cannot take it back at once
        queue.get(block=False)
    first.join(10)
    queue.put("b")
    second.join(10)
    assert served == [("first", "a"), ("second", "b")]
    assert queue.waiting() == 0
    assert queue.qsize() == 0


def test_an_item_is_queued_while_nobody_waits_and_a_timed_out_waiter_leaves_the_line() -> None:
    queue: FairQueue[str] = FairQueue(2)
    with pytest.raises(Empty):
        queue.get(timeout=0.01)  # nothing is ever put: it always times out
    assert queue.waiting() == 0
    queue.put("a")
    queue.put("b")
    assert queue.qsize() == 2
    assert [queue.get(block=False), queue.get(timeout=1)] == ["a", "b"]


def test_the_stores_engine_uses_the_fair_pool(store: Store) -> None:
    assert isinstance(store.engine.pool, FairQueuePool)
    store.engine.dispose()  # a recreated pool is fair too
    assert isinstance(store.engine.pool, FairQueuePool)
    assert store.count_candidates() == 0
