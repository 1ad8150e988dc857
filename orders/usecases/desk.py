"""Commands from the order desk, staff chats and the REST API: create, move, flag, message, record contact.

Each reads the order, computes the change with ``orders.domain`` and commits it through the unit of work,
computing it again when the order changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from orders import domain
from orders.lifecycle import Status
from orders.model import (
    NotificationId,
    Order,
    OrderData,
    OrderId,
    OutboxEntry,
    OutboxKind,
    Shop,
    ShopId,
    Source,
    TimelineEvent,
    new_id,
)
from orders.store import AlreadyExists, Conflict, Database
from orders.usecases.unit_of_work import RETRIES, Clock, StaleVersion, UnitOfWork, retrying, status_update


@dataclass(frozen=True)
class DeskCommands:
    uow: UnitOfWork

    @property
    def db(self) -> Database:
        """The store the commands write to; progression and bulk actions read orders through it."""
        return self.uow.db

    @property
    def clock(self) -> Clock:
        return self.uow.clock

    async def create_order(self, shop: Shop, data: OrderData, actor: str | None) -> Order:
        """Create an order from the API; with an external id already used, the order that has it, unchanged.

        So a client that retries a create (a timeout, a lost answer) gets the first order back and never a
        second one. A number another order holds is refused with DuplicateNumber.
        """
        for _ in range(RETRIES):
            if (existing := await self.db.orders.find_external(shop.id, data.external_id)) is not None:
                return existing
            now = self.clock()
            order = domain.new_order(
                OrderId(new_id("ord")), shop.id, data, data.status, Source.API, actor, now
            )
            urgent = domain.delivery_news(None, order) is not None
            try:
                pending = [status_update(order, now, urgent=urgent)]
                return await self.uow.commit(None, order, pending, shop=shop)
            except AlreadyExists:
                continue  # created by a concurrent call: answer with that one
        raise Conflict(f"order {data.external_id} kept changing; try again")

    async def update_status(
        self,
        shop: Shop,
        order_id: str,
        target: Status,
        *,
        source: Source,
        actor: str | None,
        note: str | None = None,
        notify: bool = True,
        force: bool = False,
        expected_version: int | None = None,
        reason: str | None = None,
        confidence: float | None = None,
    ) -> Order:
        """Move an order; InvalidTransition when the lifecycle forbids it, Conflict on a stale version."""

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            if expected_version is not None and order.version != expected_version:
                raise StaleVersion(f"order {order_id} changed since version {expected_version}")
            now = self.clock()
            moved = domain.move(
                order, target, at=now, source=source, actor=actor, note=note,
                reason=reason, confidence=confidence, force=force,
            )  # fmt: skip
            if moved is None:
                return order
            pending = [status_update(moved, now)] if notify else []
            return await self.uow.commit(order, moved, pending, shop=shop)

        try:
            return await retrying(attempt)
        except StaleVersion as exc:
            raise Conflict(str(exc)) from None

    async def record_contact(self, shop_id: ShopId, order_id: str, at: datetime) -> None:
        """A message reached the order's customer: clears ``no_customer_contact``.

        Only whether the customer was ever reached is read (attention, the waiting counts), so a sender
        that knows the order was reached before need not call this on every message.
        """

        async def attempt() -> Order:
            order = await self.db.orders.get(shop_id, order_id)
            if order.last_customer_contact_at is not None and order.last_customer_contact_at >= at:
                return order
            return await self.uow.commit(order, order.model_copy(update={"last_customer_contact_at": at}), [])

        await retrying(attempt)

    async def set_flag(self, shop: Shop, order_id: str, flag: str, *, present: bool) -> Order:
        """Raise or clear an attention flag (``customer_waiting``, ``notification_failed``)."""

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            flags = sorted(set(order.flags) | {flag}) if present else [f for f in order.flags if f != flag]
            if flags == order.flags:
                return order
            return await self.uow.commit(order, order.model_copy(update={"flags": flags}), [])

        return await retrying(attempt)

    async def notify(
        self,
        shop: Shop,
        order_id: str,
        *,
        message: str | None,
        channel: str | None,
        actor: str | None,
        due_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> OutboxEntry:
        """Queue a message to the order's customer now (manual) or later (follow-up)."""
        now = self.clock()
        kind = OutboxKind.FOLLOW_UP if due_at is not None else OutboxKind.MANUAL
        entry_id = NotificationId(new_id("ntf"))
        key = f"{kind}:{shop.id}:{idempotency_key}" if idempotency_key else f"{kind}:{entry_id}"
        if idempotency_key and (earlier := await self.db.outbox.find_key(shop.id, key)) is not None:
            return earlier
        created: list[OutboxEntry] = []

        async def attempt() -> Order:
            order = await self.db.orders.get(shop.id, order_id)
            entry = OutboxEntry(
                id=entry_id, shop_id=shop.id, order_id=order.id, kind=kind, channel=channel or order.channel,
                status=order.status, message=message, due_at=due_at or now, idempotency_key=key,
                actor=actor, created_at=now,
            )  # fmt: skip
            note = f"{kind.value.replace('_', '-')} queued" + (
                f" for {_local(due_at, shop)}" if due_at else ""
            )
            event = TimelineEvent(
                kind=kind.value, status=order.status, at=now, source=Source.STAFF if actor else Source.API,
                actor=actor, note=note,
            )  # fmt: skip
            created[:] = [entry]
            return await self.uow.commit(order, domain.record(order, event), [entry])

        await retrying(attempt)
        return await self.db.outbox.add(created[0])


def _local(at: datetime, shop: Shop) -> str:
    """A time for people, in the shop's timezone and in words: "Tue 3 Nov 2026, 10:00 CET"."""
    local = at.astimezone(ZoneInfo(shop.timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"
