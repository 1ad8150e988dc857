"""A bounded queue of background work with a fixed number of workers, fair between the keys it is given.

Webhooks acknowledge once a delivery is durably stored and leave the rest to these workers. What overflows
the queue is still stored, and the periodic recovery picks it up.

Jobs carry a key (the shop they belong to). Ordering alone is not fairness: a job holds its worker while it
waits for the database, so one shop's burst could hold every worker and another shop's job would wait for
the whole burst's pace. So a key holds at most ``per_key`` workers while another key has work waiting; a
key alone may use them all (nothing else wants them), and the worker its job frees goes to the waiting key
instead of back to it. The workers take the keys in turn; within a key, urgent jobs (a customer's reply) go
before the rest (a bulk of notifications), and otherwise the oldest first.
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
Queued = tuple[Job, contextvars.Context]


def fair_share(workers: int) -> int:
    """The most workers one key holds while another waits: half, rounded up.

    Half leaves the other half to everyone else, so a key arriving behind a burst finds a worker once the
    burst's extra jobs end; rounded up, two keys at their share fill every worker, so the limit never
    leaves a worker idle while work waits (with three workers, a share of one would idle the third).
    """
    return max(1, (workers + 1) // 2)


class WorkQueue:
    def __init__(self, name: str, workers: int, backlog: int = 5000) -> None:
        self.name = name
        self.workers = workers
        self.backlog = backlog
        self.per_key = fair_share(workers)
        # Queued jobs wait in their key's lanes (urgent, rest), with the submitter's context so the request
        # id that caused a job follows it; keys with queued jobs take turns. A running job is one task.
        self._lanes: dict[str, tuple[deque[Queued], deque[Queued]]] = {}
        self._turns: deque[str] = deque()
        self._queued = 0
        self._held: dict[str, int] = {}  # key -> workers its running jobs hold
        self._running: set[asyncio.Task[None]] = set()
        self.overflowed = 0  # jobs left for recovery since the backlog last had room

    def submit(self, job: Job, key: str = "", *, urgent: bool = False) -> bool:
        """Queue ``job`` under ``key``; False when there are no workers or the backlog is full (recovery
        will do it)."""
        if self.workers <= 0:
            return False
        if self._queued >= self.backlog:
            # said once per overflow, not once per job: a line per delivery would cost a burst ~5% of its speed
            if not self.overflowed:
                log.warning("%s backlog full: what arrives is left for recovery until it has room", self.name)
            self.overflowed += 1
            return False
        if key not in self._lanes:
            self._lanes[key] = (deque(), deque())
            self._turns.append(key)
        self._lanes[key][0 if urgent else 1].append((job, contextvars.copy_context()))
        self._queued += 1
        if self.overflowed:
            log.warning("%s backlog has room again; %d left for recovery", self.name, self.overflowed)
            self.overflowed = 0
        self._start(freed_by=None)
        return True

    def _may_take(self, key: str, freed_by: str | None) -> bool:
        """Whether ``key`` may have a free worker: under its share, or alone in wanting one.

        The key whose job just ended still counts the worker it frees, so a worker goes back to that key
        only when no other key may have it.
        """
        held = self._held.get(key, 0) + (key == freed_by)
        return held < self.per_key or len(self._turns) == 1

    def _take(self, freed_by: str | None) -> tuple[str, Queued] | None:
        """The next job: the first in line of the first key, in turn, that may take a worker; that key goes
        to the back of the turns."""
        key = next((key for key in self._turns if self._may_take(key, freed_by)), None)
        if key is None:
            return None
        self._turns.remove(key)
        urgent, rest = self._lanes[key]
        queued = urgent.popleft() if urgent else rest.popleft()
        if urgent or rest:
            self._turns.append(key)
        else:
            del self._lanes[key]
        self._queued -= 1
        return key, queued

    def _start(self, freed_by: str | None) -> None:
        while len(self._running) < self.workers and (taken := self._take(freed_by)) is not None:
            key, (job, context) = taken
            self._held[key] = self._held.get(key, 0) + 1
            self._running.add(asyncio.create_task(self._run(key, job), context=context))

    async def _run(self, key: str, job: Job) -> None:
        try:
            await job()
        except Exception:
            log.exception("%s job failed; recovery will retry it", self.name)
        finally:
            task = asyncio.current_task()
            assert task is not None
            self._running.discard(task)
            self._start(freed_by=key)  # another key's job, if one may have this worker
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]
            self._start(freed_by=None)  # otherwise this key's own next job

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until queued work is done (tests, graceful shutdown); what is left is recovered later."""

        async def idle() -> None:
            while self._running:  # a queued job always has a running one ahead of it
                await asyncio.wait(set(self._running))

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle(), timeout)

    async def close(self) -> None:
        self._lanes.clear()
        self._turns.clear()
        self._queued = 0
        running, self._running = list(self._running), set()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._held.clear()
