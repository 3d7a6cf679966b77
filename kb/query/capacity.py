"""Load shedding: a bound on the searches and suggestions one process ranks, and lets wait, at a time.

Ranking is CPU work (embedding the query above all). Past what the cores can do, more requests only queue,
and every answer comes later until clients time out. So each process ranks at most ``SEARCH_CONCURRENCY``
requests at once and lets at most ``SEARCH_QUEUE`` more wait; any request beyond that is refused at once
with 503 and ``Retry-After``, which costs the server next to nothing and tells the client when to try again.

Customers' requests shed; an agent's or an integration's wait their turn (``shed=False``): they are few, and
an agent looking at a ticket should get suggestions even on a busy day.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from kb.state import state_of

log = logging.getLogger(__name__)
RETRY_AFTER = 1  # seconds: a queue this short drains within one
MAX_WAIT = 10.0  # seconds a queued request may wait before it is refused after all
REPORT_EVERY = 10.0  # seconds between log lines about refused requests


class Busy(ServiceUnavailable):
    """Every ranking slot and queue place of this process is taken."""

    def __init__(self):
        super().__init__("The help center is busy right now; please try again in a moment.", retry_after=RETRY_AFTER)


class Gate:
    """``concurrency`` slots and a waiting line of ``queue`` places, shared by the threads of one process."""

    def __init__(self, concurrency: int, queue: int):
        self.concurrency = concurrency
        self.queue = queue
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self.waiting = 0
        self.refused = 0
        self._refused_since_report = 0
        self._reported = time.monotonic()

    @contextmanager
    def slot(self, *, shed: bool = True):
        """Hold a ranking slot for the ``with`` block.

        Raises:
            Busy: when ``shed`` and the waiting line is full, or no slot came free within ``MAX_WAIT``.
        """
        if not self._slots.acquire(blocking=False):
            self._wait(shed)
        try:
            yield
        finally:
            self._slots.release()

    def _wait(self, shed: bool) -> None:
        with self._lock:
            if shed and self.waiting >= self.queue:
                self._refuse()
            self.waiting += 1
        try:
            got = self._slots.acquire(timeout=MAX_WAIT if shed else None)
        finally:
            with self._lock:
                self.waiting -= 1
        if not got:
            with self._lock:
                self._refuse()

    def _refuse(self) -> None:
        """Count and raise (called with the lock held); say so in the log at most every few seconds."""
        self.refused += 1
        self._refused_since_report += 1
        now = time.monotonic()
        if now - self._reported >= REPORT_EVERY:
            log.warning(
                "overloaded: refused %d searches/suggestions in the last %.0f s (KB_SEARCH_CONCURRENCY=%d, "
                "KB_SEARCH_QUEUE=%d per process)",
                self._refused_since_report,
                now - self._reported,
                self.concurrency,
                self.queue,
            )
            self._refused_since_report, self._reported = 0, now
        raise Busy()


def init_app(app) -> None:
    state_of(app).gate = Gate(app.config["SEARCH_CONCURRENCY"], app.config["SEARCH_QUEUE"])


def ranking_slot(*, shed: bool = True):
    """The current app's :meth:`Gate.slot`."""
    return state_of(current_app).gate.slot(shed=shed)
