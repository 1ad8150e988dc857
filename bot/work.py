"""A bounded queue of background work with a fixed number of workers, fair between the keys it is given.

Webhooks acknowledge once a delivery is durably stored and leave the rest to these workers. What overflows
the queue is still stored, and the periodic recovery picks it up.

Jobs carry a key (the shop they belong to): the workers take the keys in turn, so one shop's burst waits
behind itself, never in front of another shop's customers. Within a key, urgent jobs (a customer's reply)
go before the rest (a bulk of notifications), and otherwise the oldest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


def _in_context(job: Job, context: contextvars.Context) -> Job:
    """``job``, run in the context it was submitted from, so the request id that caused it follows it."""

    async def call() -> object:
        return await job()

    async def run() -> object:
        return await asyncio.create_task(call(), context=context)

    return run


class WorkQueue:
    def __init__(self, name: str, workers: int, backlog: int = 5000) -> None:
        self.name = name
        self.workers = workers
        self.backlog = backlog
        # One token per queued job (it counts the backlog, wakes a worker and lets ``drain`` join); the
        # jobs themselves wait in their key's lanes, urgent first, and keys with work take turns.
        self._queue: asyncio.Queue[None] | None = None
        self._lanes: dict[str, tuple[deque[Job], deque[Job]]] = {}
        self._turns: deque[str] = deque()
        self._tasks: list[asyncio.Task[None]] = []
        self.overflowed = 0  # jobs left for recovery since the backlog last had room

    def submit(self, job: Job, key: str = "", *, urgent: bool = False) -> bool:
        """Queue ``job`` under ``key``; False when there are no workers or the backlog is full (recovery
        will do it)."""
        if self.workers <= 0:
            return False
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=self.backlog)
            self._tasks = [asyncio.create_task(self._work(self._queue)) for _ in range(self.workers)]
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            # said once per overflow, not once per job: a line per delivery would cost a burst ~5% of its speed
            if not self.overflowed:
                log.warning("%s backlog full: what arrives is left for recovery until it has room", self.name)
            self.overflowed += 1
            return False
        if key not in self._lanes:
            self._lanes[key] = (deque(), deque())
            self._turns.append(key)
        self._lanes[key][0 if urgent else 1].append(_in_context(job, contextvars.copy_context()))
        if self.overflowed:
            log.warning("%s backlog has room again; %d left for recovery", self.name, self.overflowed)
            self.overflowed = 0
        return True

    def _next(self) -> Job:
        """The next job: the first in line of the key whose turn it is; the key goes to the back."""
        key = self._turns.popleft()
        urgent, rest = self._lanes[key]
        job = urgent.popleft() if urgent else rest.popleft()
        if urgent or rest:
            self._turns.append(key)
        else:
            del self._lanes[key]
        return job

    async def _work(self, queue: asyncio.Queue[None]) -> None:
        while True:
            await queue.get()
            job = self._next()
            try:
                await job()
            except Exception:
                log.exception("%s job failed; recovery will retry it", self.name)
            finally:
                queue.task_done()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until queued work is done (tests, graceful shutdown); what is left is recovered later."""
        if self._queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks, self._queue = [], None
        self._lanes.clear()
        self._turns.clear()
