"""A connection pool that serves waiting threads in arrival order.

SQLAlchemy's ``QueuePool`` lets a thread that has just returned a connection take it back at
once, ahead of the threads already waiting: the woken waiter finds the queue empty and waits
again, at the back (sqlalchemy/sqlalchemy#7679). Under the load benchmark (hundreds of
candidate threads on two cores) some threads were passed over this way for more than the
pool timeout and got "the database is busy (no free connection)" while the others answered
quickly. ``FairQueuePool`` hands a returned connection straight to the longest-waiting
thread, so a thread waits only for those ahead of it.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

from sqlalchemy.pool import ConnectionPoolEntry, QueuePool
from sqlalchemy.util.queue import Empty, Queue

T = TypeVar("T")


class _Waiter(Generic[T]):
    """One thread waiting for an item, and the item once handed to it."""

    __slots__ = ("handed", "item", "ready")
    item: T
    """Set by ``put`` together with ``handed``."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.handed = False


class FairQueue(Queue[T]):
    """A queue whose blocking ``get`` calls are served first come, first served.

    ``put`` gives the item to the first waiter instead of queueing it, so an item is queued
    only while nobody waits and a later ``get`` can never take it ahead of an earlier one.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[_Waiter[T]] = deque()

    def waiting(self) -> int:
        """How many threads are waiting for an item."""
        with self.mutex:
            return len(self._waiters)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        with self.mutex:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.item, waiter.handed = item, True
                waiter.ready.set()
                return
            super().put(item, block, timeout)

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        with self.mutex:
            if self._waiters or self._empty():
                if not block:
                    raise Empty
                waiter: _Waiter[T] = _Waiter()
                self._waiters.append(waiter)
            else:
                return super().get(False)
        try:
            waiter.ready.wait(timeout)
        except BaseException:  # interrupted: leave the line, passing on an item handed meanwhile
            with self.mutex:
                if waiter.handed:
                    self.put(waiter.item)
                else:
                    self._waiters.remove(waiter)
            raise
        with self.mutex:
            if not waiter.handed:  # timed out (an item handed meanwhile is still taken)
                self._waiters.remove(waiter)
                raise Empty
        return waiter.item


class FairQueuePool(QueuePool):
    """``QueuePool`` whose waiting threads get connections in the order they asked."""

    _queue_class: type[Queue[ConnectionPoolEntry]] = FairQueue
