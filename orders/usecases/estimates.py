"""Delivery dates for a shop's orders (``orders.eta``), over its delivered history read once and kept.

Reading a shop's orders costs a read of every one delivered or on its way, far more than an estimate, so
the history is kept per shop and read again
once it is ``FRESH_FOR`` old: a date then misses at most the last few minutes' deliveries, which move no
quantile of hundreds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from orders.eta import Answer, History, Parcel, area_key, region_key
from orders.lifecycle import Status
from orders.model import Order, Place, Shop, ShopId
from orders.store import Database
from orders.usecases.unit_of_work import Clock

log = logging.getLogger(__name__)

#: How long a shop's history read from the database answers before it is read again.
FRESH_FOR = timedelta(minutes=10)


def parcel_of(order: Order) -> Parcel:
    """What a date for ``order`` depends on: when it was made, handed over and delivered, its lane."""
    shipped = next(
        (event.at for event in order.timeline if event.kind == "status" and event.status == Status.SHIPPED),
        None,
    )
    if shipped is None and order.status == Status.SHIPPED:
        shipped = order.status_since
    tracking = order.tracking
    return Parcel(
        created_at=order.created_at,
        shipped_at=shipped,
        delivered_at=order.status_since if order.status == Status.FULFILLED else None,
        stage=tracking.stage if tracking else None,
        origin=_region(order.ship_from),
        destination=_region(order.ship_to),
        carrier=tracking.carrier if tracking else None,
        origin_area=_area(order.ship_from),
        destination_area=_area(order.ship_to),
    )


def _region(place: Place | None) -> str | None:
    return region_key(place.country, place.region) if place else None


def _area(place: Place | None) -> str | None:
    return area_key(place.country, place.region, place.postal_code) if place else None


class DeliveryEstimates:
    """Dates for orders of any shop, each shop's history kept for ``fresh_for``.

    Once a kept history is older than that, the next question still gets its answer from it at once while
    the history is read again in the background: a customer never waits for the read of a large shop. An
    import forgets the shop's history (``forget``): its orders count from the next question on.
    """

    def __init__(self, db: Database, clock: Clock, fresh_for: timedelta = FRESH_FOR) -> None:
        self.db = db
        self.clock = clock
        self.fresh_for = fresh_for
        self._kept: dict[ShopId, tuple[datetime, History]] = {}
        self._reading: dict[ShopId, asyncio.Lock] = {}
        self._refreshing: dict[ShopId, asyncio.Task[History]] = {}

    async def history(self, shop_id: ShopId) -> History:
        """The shop's history: as kept, read again behind the answer once stale, read now when not kept."""
        kept = self._kept.get(shop_id)
        if kept is None:
            return await self._read(shop_id)
        if self.clock() - kept[0] >= self.fresh_for and shop_id not in self._refreshing:
            task = asyncio.create_task(self._read(shop_id))
            self._refreshing[shop_id] = task
            task.add_done_callback(lambda done: self._refreshed(shop_id, done))
        return kept[1]

    async def close(self) -> None:
        """Stop the reads running behind answers, and wait for them: the database closes next."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def forget(self, shop_id: ShopId) -> None:
        """Drop the shop's kept history: its orders changed in bulk (an import)."""
        self._kept.pop(shop_id, None)

    async def _read(self, shop_id: ShopId) -> History:
        """Read the shop's history once however many ask at the same time, and keep it."""
        lock = self._reading.setdefault(shop_id, asyncio.Lock())
        async with lock:
            kept = self._kept.get(shop_id)
            if kept is not None and self.clock() - kept[0] < self.fresh_for:
                return kept[1]
            at = self.clock()
            history = History(await self.db.orders.shipments(shop_id))
            self._kept[shop_id] = (at, history)
            return history

    def _refreshed(self, shop_id: ShopId, task: asyncio.Task[History]) -> None:
        self._refreshing.pop(shop_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("delivery history of shop %s not read again: %s", shop_id, task.exception())

    async def for_order(
        self, shop: Shop, order: Order, as_of: datetime | None = None, level: float | None = None
    ) -> Answer:
        """The dates of ``order`` as of ``as_of`` (now) at ``level`` (the shop's promise level)."""
        history = await self.history(shop.id)
        # in a thread: the first date of a week at a level learns the value of a promise day by dating
        # the shop's last orders (``History._price``), which must not hold up every other answer
        return await asyncio.to_thread(
            history.estimate,
            parcel_of(order),
            as_of if as_of is not None else self.clock(),
            level if level is not None else shop.rules.promise_level,
            shop.timezone,
        )
