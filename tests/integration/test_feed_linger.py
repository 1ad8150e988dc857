"""The live feed's writes gather what a shop publishes within ``LINGER_SECONDS`` (``orders.store.feed``),
on the real embedded database: one write per shop for a burst of changes, and a reader sees them well
within half a second."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from orders.model import ShopId
from orders.store import Database
from orders.store.feed import LINGER_SECONDS
from tests.conftest import SECRET_KEY
from webhooks.settings import Settings


class FeedWrites(monitoring.CommandListener):
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update" and event.command["update"] == "feed":
            self.sent["feed"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
async def counted(db: Database, settings: Settings) -> AsyncIterator[tuple[Database, FeedWrites]]:
    writes = FeedWrites()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        settings.mongodb_uri, tz_aware=True, event_listeners=[writes]
    )
    yield Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY]), writes
    await client.close()


async def test_a_burst_of_changes_costs_one_write_per_shop_and_a_reader_sees_it_promptly(
    counted: tuple[Database, FeedWrites], db: Database
) -> None:
    store, writes = counted
    shops = [ShopId("shop_a"), ShopId("shop_b")]
    started = time.monotonic()
    for n in range(20):  # a message, its reply, order changes: a moment apart each
        store.feed.publish(shops[n % 2], "order", order_id=f"ord_{n}")
        await asyncio.sleep(LINGER_SECONDS / 40)
    while len((await db.feed.read(shops[1])).events) < 10:
        assert time.monotonic() - started < 0.5, "the desk waited too long for the changes"
        await asyncio.sleep(0.01)
    await store.feed.drain()
    assert writes.sent["feed"] == 2
    for shop in shops:
        window = await db.feed.read(shop)
        assert (window.last, len(window.events)) == (10, 10)
