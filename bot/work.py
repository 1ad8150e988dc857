"""Work shared fairly between keys (shops): a bounded queue of background jobs with a fixed number of
workers (``WorkQueue``), and a gate of a fixed number of slots (``FairSlots``), both ordered by the same
pure bookkeeping (``FairTurns``); the ``Alarm`` that wakes a polling loop when work is known to be due lives
in ``bot.alarm`` and is named here too.

Webhooks acknowledge once a delivery is durably stored and leave the rest to the queue's workers. What
overflows the queue is still stored, and the periodic recovery picks it up.

Jobs carry a key (the shop they belong to). Ordering alone is not fairness: a job holds its worker while it
waits for the database, so one shop's burst could hold every worker and another shop's job would wait for
the whole burst's pace. So a key holds at most ``per_key`` workers while another key has work waiting; a
key alone may use them all (nothing else wants them), and the worker its job frees goes to the waiting key
instead of back to it. The workers take the keys in turn; within a key, urgent jobs (a customer's reply) go
before the rest (a bulk of notifications), and otherwise the oldest first.

Several queues of one process may share a ``FairSlots`` (``WorkQueue(gate=...)``): each job runs only once it
holds one of its slots. The database is the resource their jobs share, and every job in flight puts its
calls in the database's queue, where a webhook's acknowledgement then waits behind them; so the process
bounds its background work in flight as a whole, fair between shops across the queues, while each queue
keeps its own workers and backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from bot.alarm import Alarm

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
Queued = tuple[Job, contextvars.Context, bool]  # the job, its submitter's context, urgent
T = TypeVar("T")


def fair_share(workers: int) -> int:
    """The most workers one key holds while another waits: half, rounded up.

    Half leaves the other half to everyone else, so a key arriving behind a burst finds a worker once the
    burst's extra jobs end; rounded up, two keys at their share fill every worker, so the limit never
    leaves a worker idle while work waits (with three workers, a share of one would idle the third).
    """
    return max(1, (workers + 1) // 2)


class FairTurns(Generic[T]):
    """Which waiting item goes next when a worker (or slot) is free: pure bookkeeping, no tasks, no clock.

    Items wait in their key's lanes (urgent, rest); keys with waiting items take turns; a key holds at most
    ``per_key`` of ``workers`` while another key waits (``take``), and gives them back with ``release``.
    The caller decides when a worker is free: ``take`` only picks.
    """

    def __init__(self, workers: int) -> None:
        self.per_key = fair_share(workers)
        self.waiting = 0
        self._lanes: dict[str, tuple[deque[T], deque[T]]] = {}
        self._turns: deque[str] = deque()
        self._held: dict[str, int] = {}  # key -> workers its items hold

    def add(self, key: str, item: T, *, urgent: bool = False) -> None:
        if key not in self._lanes:
            self._lanes[key] = (deque(), deque())
            self._turns.append(key)
        self._lanes[key][0 if urgent else 1].append(item)
        self.waiting += 1

    def remove(self, key: str, item: T) -> bool:
        """Take a waiting item back (its waiter gave up); False when it is not waiting."""
        lanes = self._lanes.get(key)
        for lane in lanes or ():
            if item in lane:
                lane.remove(item)
                self.waiting -= 1
                if not any(lanes or ()):
                    del self._lanes[key]
                    self._turns.remove(key)
                return True
        return False

    def held(self, key: str) -> int:
        return self._held.get(key, 0)

    def _may_take(self, key: str, freed_by: str | None) -> bool:
        """Whether ``key`` may have a free worker: under its share, or alone in wanting one.

        The key whose item just ended (``freed_by``, not released yet) still counts the worker it frees, so
        a worker goes back to that key only when no other key may have it.
        """
        held = self.held(key) + (key == freed_by)
        return held < self.per_key or len(self._turns) == 1

    def take(self, freed_by: str | None = None) -> tuple[str, T] | None:
        """The next item for a free worker: the first in line of the first key, in turn, that may take one;
        that key goes to the back of the turns and holds one more worker. None when no key may."""
        key = next((key for key in self._turns if self._may_take(key, freed_by)), None)
        if key is None:
            return None
        self._turns.remove(key)
        urgent, rest = self._lanes[key]
        item = urgent.popleft() if urgent else rest.popleft()
        if urgent or rest:
            self._turns.append(key)
        else:
            del self._lanes[key]
        self.waiting -= 1
        self._held[key] = self.held(key) + 1
        return key, item

    def release(self, key: str) -> None:
        """A worker ``key`` held is free again."""
        self._held[key] -= 1
        if not self._held[key]:
            del self._held[key]

    def clear(self) -> None:
        """Forget every waiting item (the workers held stay held until released)."""
        self._lanes.clear()
        self._turns.clear()
        self.waiting = 0


class WorkQueue:
    def __init__(self, name: str, workers: int, backlog: int = 5000, gate: FairSlots | None = None) -> None:
        self.name = name
        self.workers = workers
        self.backlog = backlog
        self.gate = gate  # slots shared with other queues: a job runs once it holds one
        # Queued jobs keep the submitter's context, so the request id that caused a job follows it.
        self._turns: FairTurns[Queued] = FairTurns(workers)
        self.per_key = self._turns.per_key
        self._running: set[asyncio.Task[None]] = set()
        self.overflowed = 0  # jobs left for recovery since the backlog last had room

    def submit(self, job: Job, key: str = "", *, urgent: bool = False) -> bool:
        """Queue ``job`` under ``key``; False when there are no workers or the backlog is full (recovery
        will do it)."""
        if self.workers <= 0:
            return False
        if self._turns.waiting >= self.backlog:
            # said once per overflow, not once per job: a line per delivery would cost a burst ~5% of its speed
            if not self.overflowed:
                log.warning("%s backlog full: what arrives is left for recovery until it has room", self.name)
            self.overflowed += 1
            return False
        self._turns.add(key, (job, contextvars.copy_context(), urgent), urgent=urgent)
        if self.overflowed:
            log.warning("%s backlog has room again; %d left for recovery", self.name, self.overflowed)
            self.overflowed = 0
        self._start(freed_by=None)
        return True

    def _start(self, freed_by: str | None) -> None:
        while len(self._running) < self.workers and (taken := self._turns.take(freed_by)) is not None:
            key, (job, context, urgent) = taken
            self._running.add(asyncio.create_task(self._run(key, job, urgent), context=context))

    async def _run(self, key: str, job: Job, urgent: bool) -> None:
        try:
            if self.gate is None:
                await job()
            else:
                async with self.gate.hold(key, urgent=urgent):
                    await job()
        except Exception:
            log.exception("%s job failed; recovery will retry it", self.name)
        finally:
            task = asyncio.current_task()
            assert task is not None
            self._running.discard(task)
            self._start(freed_by=key)  # another key's job, if one may have this worker
            self._turns.release(key)
            self._start(freed_by=None)  # otherwise this key's own next job

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until queued work is done (tests, graceful shutdown); what is left is recovered later."""

        async def idle() -> None:
            while self._running:  # a queued job always has a running one ahead of it
                await asyncio.wait(set(self._running))

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle(), timeout)

    async def close(self) -> None:
        self._turns.clear()
        running, self._running = list(self._running), set()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


class FairSlots:
    """At most ``slots`` holders at once, handed out in ``FairTurns`` order rather than first come.

    A semaphore serves whoever asked first, so a run of one shop's sends would hold every slot and stand
    in front of another shop's reply; here the next free slot goes to a waiting key below its share, and
    within a key to an urgent holder first.
    """

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._turns: FairTurns[asyncio.Future[None]] = FairTurns(slots)
        self._busy = 0

    @property
    def waiting(self) -> int:
        return self._turns.waiting

    @contextlib.asynccontextmanager
    async def hold(self, key: str, *, urgent: bool = False) -> AsyncIterator[None]:
        granted = asyncio.get_running_loop().create_future()
        self._turns.add(key, granted, urgent=urgent)
        self._grant(freed_by=None)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._free(key)  # granted, then cancelled before it could start: pass the slot on
            else:
                self._turns.remove(key, granted)
            raise
        try:
            yield
        finally:
            self._free(key)

    def _grant(self, freed_by: str | None) -> None:
        while self._busy < self.slots and (taken := self._turns.take(freed_by)) is not None:
            key, granted = taken
            if granted.cancelled():  # its holder gave up while waiting: the slot goes to the next
                self._turns.release(key)
                continue
            self._busy += 1
            granted.set_result(None)

    def _free(self, key: str) -> None:
        self._busy -= 1
        self._grant(freed_by=key)  # another key's holder, if one may have this slot
        self._turns.release(key)
        self._grant(freed_by=None)  # otherwise this key's own next one


__all__ = ["Alarm", "FairSlots", "FairTurns", "Job", "WorkQueue", "fair_share"]
