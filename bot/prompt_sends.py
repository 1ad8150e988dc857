"""Sending what is due the moment it is queued, rather than at the dispatcher's next look at the outbox.

The outbox store tells this process of every entry it queues (``OutboxStore.listen``); one that is due now
is claimed by its id and sent by this process's notifier at once. The entry is durable before anyone is
told of it, so nothing depends on this: an entry that was not sent here (a full backlog, a stop, a crash)
is still queued, and a dispatcher's poll or a worker finds it. A claim is a compare-and-set, so an entry
both paths reach is sent once.

Sends wait in a queue fair between shops (one shop's burst of replies, held back by its own sending rate,
never stands in front of another shop's), and within a shop a customer's reply or a staff alert goes
before a run of notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.notifier import Notifier
from bot.quiet_hours import URGENT_KINDS
from bot.work import WorkQueue
from orders.model import OutboxEntry

__all__ = ["PromptSends"]


class PromptSends:
    def __init__(self, notifier: Notifier, clock: Callable[[], datetime], backlog: int = 2000) -> None:
        self.notifier = notifier
        self.clock = clock
        self._work = WorkQueue("prompt sends", notifier.concurrency, backlog)
        self._closed = False
        self.claimed = 0  # entries this process claimed and sent (or tried to) the moment they were queued

    def queued(self, entry: OutboxEntry) -> None:
        """An entry was just stored: send it now if it is due; one for later (a follow-up) wakes this
        process's dispatcher, if it has one, when it falls due, as does one the backlog has no room for."""
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

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until what was queued here is sent (tests, graceful shutdown)."""
        await self._work.drain(timeout)

    async def close(self, timeout: float = 10.0) -> None:
        """Stop taking entries, let the sends under way finish (one cut short mid-send would go to review),
        and stop the senders; what they had not claimed stays queued for a dispatcher."""
        self._closed = True
        await self._work.drain(timeout)
        await self._work.close()
