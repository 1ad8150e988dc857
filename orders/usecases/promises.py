"""The promise ledger's use cases: record a date when it is told, settle it at delivery, watch it meanwhile.

``record`` runs when a message that states a date (``OutboxEntry.promised_date``: a chat answer, a delay
message) has been handed to its provider, never when it is only queued. Promises are settled with every
order change that closes an order (``UnitOfWork``, ``orders.usecases.settling``), and ``watch`` (a periodic job) settles what that missed,
raises ``promise_at_risk`` on orders whose latest promise may not be kept, with the reason on the
timeline, and tells the customer once when the carrier's estimate is later than what they were told, or
on the day promised that it may not come that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from orders import promises
from orders.lifecycle import TERMINAL
from orders.model import (
    NotificationId,
    Order,
    OutboxEntry,
    OutboxKind,
    Promise,
    Shop,
    Source,
    TimelineEvent,
    new_id,
)
from orders.rules import Reason
from orders.store import Database, NotFound
from orders.usecases.settling import settle_promises
from orders.usecases.unit_of_work import Clock, UnitOfWork, retrying

PROMISE_AT_RISK_FLAG = Reason.PROMISE_AT_RISK.value
#: Open promises one watch reads per shop, the soonest due first; the rest wait for a later run.
WATCH_LIMIT = 2000


def delay_entry(order: Order, day: date, timezone: str, now: datetime) -> OutboxEntry:
    """The message telling the customer the parcel now comes on ``day``: once per order and day (its key),
    however many webhooks or watches find the same delay. It states a date, so it is a promise too."""
    promised = promises.day_end(day, timezone)
    return OutboxEntry(
        id=NotificationId(new_id("ntf")), shop_id=order.shop_id, order_id=order.id, kind=OutboxKind.DELAY,
        channel=order.channel, due_at=now, created_at=now, idempotency_key=f"delay:{order.id}:{day.isoformat()}",
        promised_date=promised, promised_likely=promised,
    )  # fmt: skip


def late_entry(order: Order, promised_day: str, now: datetime) -> OutboxEntry:
    """The message telling the customer, on the day promised, that the parcel may not come today: once per
    order and promised day. It names no new date, so it promises nothing."""
    return OutboxEntry(
        id=NotificationId(new_id("ntf")), shop_id=order.shop_id, order_id=order.id, kind=OutboxKind.DELAY,
        channel=order.channel, due_at=now, created_at=now, idempotency_key=f"late:{order.id}:{promised_day}",
    )  # fmt: skip


@dataclass(frozen=True)
class PromiseLedger:
    uow: UnitOfWork

    @property
    def db(self) -> Database:
        return self.uow.db

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    async def record(self, entry: OutboxEntry, channel: str, wording: str) -> bool:
        """Record the date ``entry`` told, now that it was sent; False when it told none or was recorded."""
        if entry.promised_date is None or entry.order_id is None:
            return False
        try:
            shop = await self.db.shops.get(entry.shop_id)
            order = await self.db.orders.get(shop.id, entry.order_id)
        except NotFound:
            return False
        promise = Promise(
            id=entry.id, shop_id=shop.id, order_id=order.id, order_number=order.number, channel=channel,
            kind=entry.kind.value, wording=wording, told_at=self.clock(), promised_date=entry.promised_date,
            promised_likely=entry.promised_likely,
            promised_day=promises.local_day(entry.promised_date, shop.timezone).isoformat(),
            timezone=shop.timezone, lane=promises.lane_of(order),
        )  # fmt: skip
        if not await self.db.promises.add(promise):
            return False
        await settle_promises(self.db, order, self.clock(), [promise])  # closed while it was being sent
        return True

    async def watch(self, shop: Shop) -> int:
        """Settle what closed, flag what is at risk (and clear what is not), tell customers of later
        carrier dates; how many orders newly entered the attention queue."""
        now = self.clock()
        by_order: dict[str, list[Promise]] = defaultdict(list)
        for promise in await self.db.promises.open(shop.id, WATCH_LIMIT):
            by_order[promise.order_id].append(promise)
        orders = await self.db.orders.get_many(shop.id, list(by_order))
        flagged = {o.id for o in await self.db.orders.flagged(shop.id, PROMISE_AT_RISK_FLAG, WATCH_LIMIT)}
        at_risk: set[str] = set()
        entered = 0
        for order_id, found in by_order.items():
            order = orders.get(order_id)
            if order is None:
                continue
            if order.status in TERMINAL:
                await settle_promises(self.db, order, now, found)
                continue
            told = promises.latest(found)
            why = promises.risk(told, order, now) if told is not None else None
            if why is None or told is None:
                continue
            at_risk.add(order.id)
            if order.id not in flagged:
                await self._flag(shop, order.id, why)
                entered += 1
            await self._tell_later_date(shop, order, told, now)
        for order_id in flagged - at_risk:
            await self._unflag(shop, order_id)
        return entered

    async def _tell_later_date(self, shop: Shop, order: Order, told: Promise, now: datetime) -> None:
        """The carrier's estimate is after the day the customer was told: tell them the carrier's day. Else,
        on the day itself, past noon and not out for delivery: tell them it may not come today."""
        estimate = order.tracking.estimated_delivery if order.tracking else None
        day = promises.carrier_day(estimate, shop.timezone) if estimate is not None else None
        if day is not None and day > date.fromisoformat(told.promised_day):
            await self.db.outbox.add(delay_entry(order, day, shop.timezone, now))
        elif promises.running_late(told, order, now):
            await self.db.outbox.add(late_entry(order, told.promised_day, now))

    async def _flag(self, shop: Shop, order_id: str, why: str) -> None:
        """Raise the flag, with why on the timeline where staff read the order's story."""

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            if PROMISE_AT_RISK_FLAG in order.flags:
                return order
            now = self.clock()
            event = TimelineEvent(
                kind="promise",
                status=order.status,
                at=now,
                source=Source.RULES,
                note=f"delivery date at risk: {why}",
            )
            after = order.model_copy(
                update={
                    "flags": sorted({*order.flags, PROMISE_AT_RISK_FLAG}),
                    "timeline": [*order.timeline, event],
                    "updated_at": now,
                }
            )
            return await self.uow.commit(order, after, [])

        await retrying(attempt)

    async def _unflag(self, shop: Shop, order_id: str) -> None:
        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            if PROMISE_AT_RISK_FLAG not in order.flags:
                return order
            flags = [flag for flag in order.flags if flag != PROMISE_AT_RISK_FLAG]
            return await self.uow.commit(order, order.model_copy(update={"flags": flags}), [])

        try:
            await retrying(attempt)
        except NotFound:
            return

    async def report(self, shop: Shop, first_day: date, last_day: date) -> Report:
        """How the promises due from ``first_day`` to ``last_day`` (the shop's days) fared."""
        found = await self.db.promises.due_between(shop.id, first_day.isoformat(), last_day.isoformat())
        by_lane, by_month = promises.grouped(found)
        return Report(promises.figures(found), by_lane, by_month)


@dataclass(frozen=True)
class Report:
    total: promises.Figures
    by_lane: dict[str, promises.Figures]
    by_month: dict[str, promises.Figures]


__all__ = ["PROMISE_AT_RISK_FLAG", "PromiseLedger", "Report", "delay_entry", "late_entry"]
