"""Sending what is due the moment it is queued, rather than at the dispatcher's next look at the outbox.

The outbox store asks this process of every entry before it stores it (``OutboxStore.send_when_queued``):
one that is due now, while fewer than the notifier's ``concurrency`` sends wait here, is stored already
claimed by this process (sending, under a lease) and sent at once, so its claim costs no write. The entry
is durable before anyone is told of it. One this process cannot take after all (a stop) is put back in
the queue with a compare-and-set on its lease, for a dispatcher; a crash leaves it to its lease, and so to
review, as any entry a crash cut short mid-send (never sent twice). An entry stored queued (due later, a
full queue here, another process's) is told of once stored (``OutboxStore.listen``) and claimed by its id
when due now; a claim is a compare-and-set, so an entry a dispatcher's poll also reaches is sent once.

Sends wait in a queue fair between shops (one shop's burst of replies, held back by its own sending rate,
never stands in front of another shop's), and within a shop a customer's reply or a staff alert goes
before a run of notifications.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.notifier import Notifier
from bot.quiet_hours import URGENT_KINDS
from bot.work import WorkQueue
from orders.model import OutboxEntry, OutboxState
from orders.store import DatabaseError

__all__ = ["PromptSends"]

log = logging.getLogger(__name__)


class PromptSends:
    def __init__(self, notifier: Notifier, clock: Callable[[], datetime], backlog: int = 2000) -> None:
        self.notifier = notifier
        self.clock = clock
        self._work = WorkQueue("prompt sends", notifier.concurrency, backlog)
        self._closed = False
        self.claimed = 0  # entries this process claimed and sent (or tried to) the moment they were queued
        self._held: dict[str, OutboxEntry] = {}  # stored claimed by this process, not being sent yet
        self._giving_back: set[asyncio.Task[None]] = set()

    def lease(self, entry: OutboxEntry) -> datetime | None:
        """The lease to store ``entry`` under, claimed by this process, when it will send it at once: due now,
        and few enough sends waiting that it gets a slot long before its lease is half gone."""
        now = self.clock()
        if self._closed or entry.due_at > now or len(self._held) >= self.notifier.concurrency:
            return None
        return now + self.notifier.lease

    def queued(self, entry: OutboxEntry) -> None:
        """An entry was just stored: send it now if it is due; one for later (a follow-up) wakes this
        process's dispatcher, if it has one, when it falls due, as does one the backlog has no room for."""
        if entry.state == OutboxState.SENDING:  # stored claimed by this process (``lease``)
            self._send_claimed(entry)
            return
        if self._closed:
            return
        if entry.due_at > self.clock():
            self.notifier.alarm.at(entry.due_at)
            return
        entry_id, shop_id, urgent = entry.id, entry.shop_id, entry.kind in URGENT_KINDS

        async def send() -> None:
            if self._closed:  # stopping: what was not claimed yet stays queued for a dispatcher
                return
            if await self.notifier.send_now(entry_id, shop_id=shop_id, urgent=urgent):
                self.claimed += 1

        if not self._work.submit(send, shop_id, urgent=urgent):
            self.notifier.alarm.ring()

    def _send_claimed(self, entry: OutboxEntry) -> None:
        self._held[entry.id] = entry

        async def send() -> None:
            if self._held.pop(entry.id, None) is None:  # given back already (a stop)
                return
            if self._closed:
                await self._give_back(entry)
                return
            self.claimed += 1
            await self.notifier.send_claimed(entry, urgent=entry.kind in URGENT_KINDS)

        if not self._work.submit(send, entry.shop_id, urgent=entry.kind in URGENT_KINDS):
            del self._held[entry.id]
            task = asyncio.get_running_loop().create_task(self._give_back(entry))
            self._giving_back.add(task)
            task.add_done_callback(self._giving_back.discard)

    async def _give_back(self, entry: OutboxEntry) -> None:
        """Put an entry this process stored claimed but will not send back in the queue, while its lease
        holds (a compare-and-set: one whose lease ran out is in review already), and wake a dispatcher."""
        try:
            await self.notifier.stores.outbox.finish(
                entry, state=OutboxState.QUEUED.value, lease_until=None, attempts=entry.attempts - 1
            )
        except DatabaseError:
            log.warning("outbox entry %s could not be given back; its lease runs out into review", entry.id)
        self.notifier.alarm.ring()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until what was queued here is sent (tests, graceful shutdown)."""
        await self._work.drain(timeout)

    async def close(self, timeout: float = 10.0) -> None:
        """Stop taking entries, let the sends under way finish (one cut short mid-send would go to review),
        and stop the senders; what they had not claimed stays queued for a dispatcher, and what this
        process stored claimed but had not started is given back to the queue."""
        self._closed = True
        await self._work.drain(timeout)
        await self._work.close()
        held, self._held = list(self._held.values()), {}
        await asyncio.gather(*(self._give_back(entry) for entry in held), *self._giving_back)
