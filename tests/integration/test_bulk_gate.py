"""Bulk actions share one bound per process, and a shop's share of it, on the real database (issue 24, item 7).

Twenty 100-order bulks from one shop used to put hundreds of order changes in flight at once, and every
other shop's requests queued behind them. The driver's own command events show how many order reads and
writes are in flight while bulks run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient, monitoring

from orders.lifecycle import Status
from orders.model import OrderData, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.store.documents import Doc
from orders.usecases import BULK_CONCURRENCY, BULK_CONCURRENCY_PER_SHOP, OrderUseCases
from tests.conftest import SECRET_KEY, Clock
from webhooks.settings import Settings

ORDERS = 60
COMMANDS = frozenset({"find", "update", "findAndModify", "insert"})


class OrdersInFlight(monitoring.CommandListener):
    """Commands on the ``orders`` collection in flight at once, at most, as the driver sends them."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self._mine: set[int] = set()

    def reset(self) -> None:
        self.most = self.now

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in COMMANDS and event.command.get(event.command_name) == "orders":
            self._mine.add(event.request_id)
            self.now += 1
            self.most = max(self.most, self.now)

    def _ended(self, request_id: int) -> None:
        if request_id in self._mine:
            self._mine.discard(request_id)
            self.now -= 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._ended(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._ended(event.request_id)


@pytest.fixture
async def watched(settings: Settings, db: Database) -> AsyncIterator[tuple[Database, OrdersInFlight]]:
    listener = OrdersInFlight()
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        settings.mongodb_uri, event_listeners=[listener], tz_aware=True
    )
    try:
        yield Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY]), listener
    finally:
        await client.close()


async def _shop_with_orders(service: OrderUseCases, clock: Clock, name: str) -> tuple[Shop, list[str]]:
    shop = new_shop(name, clock())
    await service.db.shops.add(shop)
    orders = await asyncio.gather(
        *(
            service.desk.create_order(shop, OrderData(external_id=f"{name}-{n}"), "test")
            for n in range(ORDERS)
        )
    )
    return shop, [order.id for order in orders]


async def test_one_shops_bulks_together_change_at_most_its_share_of_orders_at_once(
    watched: tuple[Database, OrdersInFlight], clock: Clock
) -> None:
    watched_db, in_flight = watched
    service = OrderUseCases.build(watched_db, clock)
    shop, ids = await _shop_with_orders(service, clock, "bulky")
    half = ORDERS // 2
    in_flight.reset()

    results = await asyncio.gather(
        service.bulk.run(shop, ids[:half], "update_status", actor="a", status=Status.PROCESSING),
        service.bulk.run(shop, ids[half:], "update_status", actor="b", status=Status.PROCESSING),
        service.bulk.run(shop, ids, "notify", actor="c"),
    )

    assert all(result.ok for bulk in results for result in bulk)
    assert 1 < in_flight.most <= BULK_CONCURRENCY_PER_SHOP


async def test_several_shops_bulks_share_the_process_bound_without_waiting_on_each_other(
    watched: tuple[Database, OrdersInFlight], clock: Clock
) -> None:
    watched_db, in_flight = watched
    service = OrderUseCases.build(watched_db, clock)
    shops = [await _shop_with_orders(service, clock, f"shop{n}") for n in range(3)]
    in_flight.reset()

    results = await asyncio.gather(
        *(
            service.bulk.run(shop, ids, "update_status", actor="x", status=Status.PROCESSING)
            for shop, ids in shops
        )
    )

    assert all(result.ok for bulk in results for result in bulk)
    assert BULK_CONCURRENCY_PER_SHOP < in_flight.most <= BULK_CONCURRENCY
