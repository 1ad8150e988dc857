"""Saving an order change: the version check, the outbox entries it causes, the shop's counters.

Every use case that changes an order reads it, computes the new order with pure functions (``orders.domain``,
``orders.event_decisions``) and hands before and after to ``UnitOfWork.commit``, which counts it (the shop's
stats and its analytics days, ``orders.analytics``) and also puts the change on
the shop's live feed (``orders.store.feed``) for the desks that show it. Outbox entries ride inside
the order's own write, so a crash right after it loses none; they are queued at once (idempotently) and
``Recovery.recover_pending_outbox`` clears them from the order later, off the request's path. On a version
conflict the use case computes the change again from the fresh order (``retrying``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from orders import analytics, domain, satisfaction
from orders.model import NotificationId, Order, OutboxEntry, OutboxKind, Shop, ShopId, new_id
from orders.numbering import claim_number
from orders.store import AlreadyExists, Conflict, Database
from orders.usecases.settling import closes, settle_promises

Clock = Callable[[], datetime]

#: Attempts of a change that keeps meeting a concurrent one before it gives up with Conflict.
RETRIES = 8


class StaleVersion(Exception):
    """Raised inside ``retrying`` to stop it: the caller asked for a version the order no longer has."""


def _nobody(_shop_id: ShopId) -> None:
    return None


@dataclass(frozen=True)
class UnitOfWork:
    """The store and clock every writing use case shares, and the one way an order change is saved.

    ``changed`` hears of every shop whose orders this process writes (the attention queue forgets its kept
    answers for it). ``survey_hours`` is the service's default delay of satisfaction requests (None: this
    process schedules none).
    """

    db: Database
    clock: Clock
    changed: Callable[[ShopId], None] = _nobody
    survey_hours: float | None = None

    async def commit(
        self, before: Order | None, after: Order, pending: list[OutboxEntry], *, shop: Shop | None = None
    ) -> Order:
        """Save ``after`` (insert when ``before`` is None), then queue its outbox entries and count it.

        With the ``shop``, a change that tells the customer their order was delivered also schedules its
        satisfaction request (``orders.satisfaction.schedule``), in the same write.

        A new order claims its number first (DuplicateNumber when another order holds it), and frees it
        again when the order turns out to exist already (AlreadyExists). A changed number is claimed before
        the write and the old one freed after it. Conflict when the order changed since ``before``.
        """
        if shop is not None:
            after, pending = satisfaction.schedule(
                shop, before, after, pending, self.clock(), self.survey_hours
            )
        if before is None:
            await self._claim(after)
            try:
                return await self._write(None, after, pending)
            except AlreadyExists:
                await self.db.numbers.release(after.shop_id, [after.number], after.id)
                raise
        if after.number == before.number:
            return await self._write(before, after, pending)
        await self._claim(after)
        saved = await self._write(before, after, pending)
        await self.db.numbers.release(after.shop_id, [before.number], after.id)
        return saved

    async def _claim(self, order: Order) -> None:
        await claim_number(
            self.db, order.shop_id, order.number, order.id, order.updated_at, order.external_id
        )

    async def _write(self, before: Order | None, after: Order, pending: list[OutboxEntry]) -> Order:
        self.changed(after.shop_id)
        if before is None:
            await self.db.orders.add(after, pending)
            saved = after
        else:
            saved = await self.db.orders.save(before, after, pending)
        await asyncio.gather(
            *(self.db.outbox.add(entry) for entry in pending),
            self.db.stats.add(saved.shop_id, domain.stats_deltas(before, saved)),
            self.db.analytics.add(saved.shop_id, analytics.order_tallies(before, saved)),
        )
        if closes(before, saved):  # a crash before this leaves them to the promise watch
            await settle_promises(self.db, saved, self.clock())
        self.db.feed.publish(saved.shop_id, "order", order_id=saved.id, status=saved.status.value)
        return saved


async def retrying(attempt: Callable[[], Awaitable[Order]]) -> Order:
    """Run ``attempt`` (read, change, commit) again while it meets a concurrent change; Conflict at last."""
    for _ in range(RETRIES):
        try:
            return await attempt()
        except Conflict:
            await asyncio.sleep(secrets.randbelow(5) / 1000)
    raise Conflict("the order kept changing; try again")


def status_update(order: Order, now: datetime, *, urgent: bool = False) -> OutboxEntry:
    """The message that tells the order's customer its new status (the notifier writes the words)."""
    return OutboxEntry(
        id=NotificationId(new_id("ntf")),
        shop_id=order.shop_id,
        order_id=order.id,
        kind=OutboxKind.STATUS_UPDATE,
        status=order.status,
        channel=order.channel,
        due_at=now,
        idempotency_key=f"status_update:{order.id}:{len(order.timeline)}",
        sequence=len(order.timeline),
        created_at=now,
        urgent=urgent,
    )
