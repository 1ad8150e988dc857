"""The attention hint (``orders.waiting``): kept with every change, read only as far as needed, never trusted.

Orders are created a day apart, so the queue's oldest ones lie on the oldest days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pymongo import AsyncMongoClient, monitoring

from orders.lifecycle import Status
from orders.model import Customer, OrderData, Shop, Source
from orders.store import Database
from orders.store.documents import Doc
from orders.usecases import OrderUseCases
from tests.conftest import SECRET_KEY, Clock
from webhooks.settings import Settings

DAYS = 12
LIMIT = 4


async def day_by_day(db: Database, shop: Shop, clock: Clock) -> tuple[OrderUseCases, list[str]]:
    """``DAYS`` pending orders, one a day, then three more days for all of them to be stale."""
    service = OrderUseCases.build(db, clock)
    ids: list[str] = []
    for day in range(DAYS):
        data = OrderData(external_id=f"x{day}", number=f"#{day}", customer=Customer(phone="+14155550101"))
        ids.append((await service.shop_events.apply_event(shop, "created", data)).order.id)
        clock.advance(days=1)
    clock.advance(days=3)
    return service, ids


async def queue(db: Database, clock: Clock, shop: Shop, **query: object) -> list[str]:
    """The attention queue as a fresh process computes it (no answer kept from earlier)."""
    items = await OrderUseCases.build(db, clock).attention.requiring_attention(shop, limit=LIMIT, **query)  # type: ignore[arg-type]
    return [item.order.id for item in items]


async def test_the_days_follow_every_change_of_the_orders(db: Database, shop: Shop, clock: Clock) -> None:
    service, ids = await day_by_day(db, shop, clock)
    await service.desk.update_status(shop, ids[0], Status.PROCESSING, source=Source.STAFF, actor="ana")
    await service.desk.update_status(shop, ids[1], Status.CANCELLED, source=Source.STAFF, actor="ana")
    await service.desk.record_contact(shop.id, ids[2], clock())
    counted = {
        f"{group}.{day}": count
        for group, days in (await db.stats.waiting(shop.id)).items()
        for day, count in days.items()
        if count
    }
    assert counted == dict(await db.orders.waiting_counts(shop.id))
    assert counted["processing." + clock().strftime("%Y%m%d")] == 1
    assert "waiting" not in str(await db.stats.get(shop.id))  # the figures stay as they were


class OrderReads(monitoring.CommandListener):
    """The time bounds of the queries for pending or uncontacted orders, as the driver sends them."""

    def __init__(self) -> None:
        self.bounds: list[datetime] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        query = event.command.get("filter", {})
        wanted = query.get("status") == "pending" or query.get("awaiting_contact") is True
        if event.command_name == "find" and event.command["find"] == "orders" and wanted:
            for field in ("status_since", "created_at"):
                if isinstance(bound := query.get(field), dict) and "$lte" in bound:
                    self.bounds.append(bound["$lte"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_only_the_oldest_days_are_read(
    db: Database, shop: Shop, clock: Clock, settings: Settings
) -> None:
    _, ids = await day_by_day(db, shop, clock)
    await db.counters.flush()  # the waiting days, read through another client
    reads = OrderReads()
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        settings.mongodb_uri, event_listeners=[reads], tz_aware=True
    )
    watched = Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY])
    try:
        last_needed = (await db.orders.get(shop.id, ids[LIMIT - 1])).created_at
        assert await queue(watched, clock, shop) == ids[:LIMIT]
        assert (
            len(reads.bounds) == 2
        )  # stale pending and no contact, each read up to the end of the fourth day
        assert all(bound - last_needed < timedelta(days=1) for bound in reads.bounds)

        await db._db.stats.update_one({"_id": shop.id}, {"$unset": {"waiting": ""}})
        reads.bounds.clear()
        assert await queue(watched, clock, shop) == ids[:LIMIT]  # the same answer, from the whole range
        assert max(reads.bounds) > clock() - timedelta(days=3)
    finally:
        await client.close()


@pytest.mark.parametrize("error", [+5, -5])
async def test_wrong_counts_cost_time_never_an_order(
    db: Database, shop: Shop, clock: Clock, error: int
) -> None:
    _, ids = await day_by_day(db, shop, clock)
    oldest_day = (await db.orders.get(shop.id, ids[0])).status_since.strftime("%Y%m%d")
    # counts ahead of the orders make the window too short; counts behind make it too long
    await db._db.stats.update_one(
        {"_id": shop.id},
        {"$inc": {f"waiting.pending.{oldest_day}": error, f"waiting.uncontacted.{oldest_day}": error}},
    )
    assert await queue(db, clock, shop) == ids[:LIMIT]
    assert await queue(db, clock, shop, reason="no_customer_contact") == ids[:LIMIT]


async def test_shops_counted_by_an_earlier_version_are_counted_at_start(
    db: Database, shop: Shop, clock: Clock
) -> None:
    await day_by_day(db, shop, clock)
    kept = await db.stats.waiting(shop.id)
    await db._db.stats.update_one({"_id": shop.id}, {"$unset": {"waiting": ""}})
    assert await db.stats.waiting(shop.id) == {}

    await db.ensure_indexes()
    assert await db.stats.waiting(shop.id) == kept
    await db.ensure_indexes()  # once
    assert await db.stats.waiting(shop.id) == kept


async def test_days_that_count_no_order_are_dropped(db: Database, shop: Shop, clock: Clock) -> None:
    service, ids = await day_by_day(db, shop, clock)
    first_day = (await db.orders.get(shop.id, ids[0])).status_since.strftime("%Y%m%d")
    await service.desk.update_status(shop, ids[0], Status.CANCELLED, source=Source.STAFF, actor="ana")
    assert (await db.stats.waiting(shop.id))["pending"][first_day] == 0

    assert await db.stats.drop_empty_days(shop.id) == 2  # pending and uncontacted
    days = await db.stats.waiting(shop.id)
    assert first_day not in days["pending"]
    assert first_day not in days["uncontacted"]
    assert len(days["pending"]) == DAYS - 1
    assert await db.stats.drop_empty_days(shop.id) == 0
