"""Outbox entries ride inside the order's own write: a crash right after it loses none."""

from __future__ import annotations

from datetime import timedelta

from orders import domain
from orders.lifecycle import Status
from orders.model import Customer, OrderData, Shop, Source
from orders.store import Database
from orders.usecases import OrderUseCases
from orders.usecases.unit_of_work import status_update
from tests.conftest import Clock
from webhooks.settings import Settings


async def test_entries_written_with_the_order_are_queued_once_and_cleared(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    order = (
        await service.shop_events.apply_event(
            shop, "created", OrderData(external_id="x1", number="1", customer=Customer(phone="+14155550101"))
        )
    ).order
    # The process dies after the order's write and before it queues: write as UnitOfWork.commit does, skip the rest.
    moved = domain.move(order, Status.PROCESSING, at=clock(), source=Source.STAFF)
    assert moved is not None
    entry = status_update(moved, clock())
    await db.orders.save(order, moved, [entry])
    assert await db.outbox.find_key(shop.id, entry.idempotency_key) is None

    # maybe in flight
    assert await service.recovery.recover_pending_outbox(older_than=timedelta(seconds=30)) == 0
    clock.advance(minutes=1)
    assert await service.recovery.recover_pending_outbox(older_than=timedelta(seconds=30)) == 1
    assert await db.outbox.find_key(shop.id, entry.idempotency_key) is not None
    assert await service.recovery.recover_pending_outbox(older_than=timedelta(seconds=30)) == 0  # cleared
    # queued once, however often recovery runs
    assert [e.idempotency_key for e in await db.outbox.for_order(shop.id, order.id)].count(
        entry.idempotency_key
    ) == 1


async def test_a_later_write_never_drops_entries_an_earlier_one_carried(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    order = (
        await service.shop_events.apply_event(shop, "created", OrderData(external_id="x2", number="2"))
    ).order
    first = domain.move(order, Status.PROCESSING, at=clock(), source=Source.STAFF)
    assert first is not None
    entry = status_update(first, clock())
    saved = await db.orders.save(order, first, [entry])  # crash: never queued
    await service.desk.update_status(
        shop, saved.id, Status.SHIPPED, source=Source.STAFF, actor="ana"
    )  # next change
    clock.advance(minutes=1)
    await service.recovery.recover_pending_outbox()
    assert await db.outbox.find_key(shop.id, entry.idempotency_key) is not None


async def test_copies_of_entries_that_were_queued_are_cleared_and_not_counted_as_interrupted(
    db: Database, shop: Shop, clock: Clock, settings: Settings
) -> None:
    service = OrderUseCases.build(db, clock)
    for n in range(30):
        await service.shop_events.apply_event(shop, "created", OrderData(external_id=f"q{n}", number=str(n)))
    raw = db.client[settings.mongodb_db]
    assert await raw["orders"].count_documents({"outbox_pending_since": {"$exists": True}}) == 30
    queued = await raw["outbox"].count_documents({})

    clock.advance(minutes=1)
    # every write queued its own: nothing was lacking
    assert await service.recovery.recover_pending_outbox() == 0
    assert await raw["orders"].count_documents({"outbox_pending_since": {"$exists": True}}) == 0
    assert await raw["orders"].count_documents({"outbox_pending.0": {"$exists": True}}) == 0
    assert await raw["outbox"].count_documents({}) == queued == 30
