"""Per-process caches in front of the database: requests that miss at the same moment share one read.

A burst of webhooks all find the cached shop expired at once; without sharing, each of them would read it
(32 clients, 32 reads a second), which costs a burst a few percent of its speed. A thing whose failed
credentials are over the limit is known here for the rest of its window.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from pymongo import AsyncMongoClient, monitoring

from orders.model import Shop
from orders.shops import ShopDirectory, new_shop
from orders.store import Database
from orders.store.documents import Doc
from tests.conftest import SECRET_KEY, Clock
from webhooks.access.counters import FailureLocks
from webhooks.settings import Settings

CONCURRENT = 32


class Finds(monitoring.CommandListener):
    """``find`` commands, and writes, per collection, as the driver sends them."""

    def __init__(self) -> None:
        self.by_collection: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.by_collection[event.command["find"]] += 1
        elif event.command_name in ("insert", "update"):
            self.writes[event.command[event.command_name]] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(settings: Settings, db: Database) -> AsyncIterator[tuple[Database, Finds]]:
    finds = Finds()
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        settings.mongodb_uri, event_listeners=[finds], tz_aware=True
    )
    try:
        yield Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY]), finds
    finally:
        await client.close()


async def test_a_burst_that_misses_the_shop_cache_reads_the_shop_once(
    watched: tuple[Database, Finds], db: Database, clock: Clock
) -> None:
    watched_db, finds = watched
    shop = new_shop("Burst Coffee", clock(), sms_number="+14155550100")
    await db.shops.add(shop)
    now = [clock()]
    directory = ShopDirectory(watched_db.shops, lambda: now[0], ttl=timedelta(seconds=5))

    async def burst() -> list[Shop | None]:
        return await asyncio.gather(
            *(directory.by_address("sms_number", "+14155550100") for _ in range(CONCURRENT))
        )

    assert {found.id if found else None for found in await burst()} == {shop.id}
    assert finds.by_collection["shops"] == 1
    await burst()
    assert finds.by_collection["shops"] == 1  # still fresh
    now[0] += timedelta(seconds=6)
    assert {found.id if found else None for found in await burst()} == {shop.id}
    assert finds.by_collection["shops"] == 2  # expired: read again, once for the whole burst
    ids = await asyncio.gather(*(directory.get(shop.id) for _ in range(CONCURRENT)))
    assert {found.id for found in ids} == {shop.id}
    assert finds.by_collection["shops"] == 3


async def test_failures_of_a_full_thing_cost_no_more_writes_in_this_process(
    watched: tuple[Database, Finds], clock: Clock
) -> None:
    watched_db, finds = watched
    locks = FailureLocks(limit=3, window=60)
    now: datetime = clock()
    store = watched_db.rate_limits

    answers = await asyncio.gather(*(locks.over_limit(store, "k", now) for _ in range(CONCURRENT)))
    assert answers.count(False) == 3  # exactly the limit keep their own answer
    writes = finds.writes["rate_limits"]
    assert all(await asyncio.gather(*(locks.over_limit(store, "k", now) for _ in range(CONCURRENT))))
    assert finds.writes["rate_limits"] == writes  # full until the window ends: known here, not asked
    assert finds.by_collection["rate_limits"] == 0  # and never read
    assert not await locks.over_limit(store, "k", now + timedelta(seconds=60))  # the next window
