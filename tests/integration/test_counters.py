"""The stats and analytics counters, added up in memory and written together (``orders.store.counters``),
on the real embedded database: one write per document per interval, every count seen by a read in the same
process, a stop writes what waits, and a crash loses only what ``analytics rebuild`` recounts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pymongo import AsyncMongoClient, monitoring

from orders.model import Shop, ShopId
from orders.store import Database
from tests.conftest import SECRET_KEY, Api, token_for
from webhooks.app import build_app
from webhooks.bootstrap import Parts
from webhooks.keys import SERVICE
from webhooks.settings import Settings

YEAR = (date(2020, 1, 1), date(2030, 12, 31))
WRITES = {"insert", "update", "delete", "findAndModify"}


class Writes(monitoring.CommandListener):
    """The write commands a client sends, by collection."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in WRITES:
            self.sent[str(event.command[event.command_name])] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


Opener = Callable[..., Database]


@pytest.fixture
async def open_db(settings: Settings, db: Database) -> AsyncIterator[Opener]:
    """Other processes' databases (``db`` made the indexes): ``open_db(flush_seconds, listener)``."""
    clients: list[AsyncMongoClient[Any]] = []

    def opener(flush_seconds: float, listener: monitoring.CommandListener | None = None) -> Database:
        client: AsyncMongoClient[Any] = AsyncMongoClient(
            settings.mongodb_uri, tz_aware=True, event_listeners=[listener] if listener else []
        )
        clients.append(client)
        return Database(
            client, settings.mongodb_db, secret_keys=[SECRET_KEY], counter_flush_seconds=flush_seconds
        )

    yield opener
    for client in clients:
        await client.close()


async def test_many_changes_cost_one_write_per_collection_at_the_flush(open_db: Opener, db: Database) -> None:
    writes = Writes()
    counting = open_db(3600, writes)
    shops = [ShopId("shop_a"), ShopId("shop_b")]
    for n in range(40):
        await counting.stats.add(shops[n % 2], {"notifications.sent": 1, "by_status.pending": n % 3})
        await counting.analytics.add_days(shops[n % 2], {"2026-11-02": {"new_orders": 1}})
    await counting.analytics.add_days(shops[0], {"2026-11-03": {"new_orders": 2}})
    assert writes.sent == Counter()  # nothing written while the counts wait

    await counting.counters.flush()

    assert writes.sent == Counter({"stats": 1, "analytics_days": 1})  # one bulk write each, 80 changes
    a, b = [await db.stats.get(shop) for shop in shops]
    assert a == {
        "notifications.sent": 20,
        "by_status.pending": sum(n % 3 for n in range(0, 40, 2)),
        "revision": 20,
    }
    assert b == {
        "notifications.sent": 20,
        "by_status.pending": sum(n % 3 for n in range(1, 40, 2)),
        "revision": 20,
    }
    assert await db.analytics.days(shops[0], *YEAR) == {
        "2026-11-02": {"new_orders": 20}, "2026-11-03": {"new_orders": 2}
    }  # fmt: skip
    await counting.counters.flush()
    assert sum(writes.sent.values()) == 2  # nothing left to write


async def test_a_read_in_the_counting_process_sees_every_count_at_once(open_db: Opener) -> None:
    counting = open_db(3600)
    shop = ShopId("shop_a")
    await counting.stats.add(shop, {"total": 3})
    await counting.analytics.add_days(shop, {"2026-11-02": {"new_orders": 3}})
    assert await counting.stats.revision(shop) == 1
    assert (await counting.stats.get(shop))["total"] == 3
    assert await counting.analytics.days(shop, *YEAR) == {"2026-11-02": {"new_orders": 3}}


async def test_another_process_sees_the_counts_within_the_interval(open_db: Opener, db: Database) -> None:
    counting = open_db(0.2)
    shop = ShopId("shop_a")
    await counting.stats.add(shop, {"total": 1})
    started = time.monotonic()
    while await db.stats.revision(shop) == 0:
        assert time.monotonic() - started < 2.0, "the counts were not written within the interval"
        await asyncio.sleep(0.02)
    assert (await db.stats.get(shop))["total"] == 1
    assert counting.counters.pending == 0


async def test_a_stop_writes_what_waits(open_db: Opener, db: Database) -> None:
    counting = open_db(3600)
    shop = ShopId("shop_a")
    await counting.stats.add(shop, {"total": 2})
    await counting.analytics.add_days(shop, {"2026-11-02": {"new_orders": 2}})
    await counting.close()
    assert (await db.stats.get(shop))["total"] == 2
    assert await db.analytics.days(shop, *YEAR) == {"2026-11-02": {"new_orders": 2}}


async def test_a_document_that_refuses_its_counts_does_not_hold_back_the_others(
    open_db: Opener, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    counting = open_db(3600)
    broken, fine = ShopId("shop_broken"), ShopId("shop_fine")
    await counting.stats.add(broken, {"total": 1})
    await counting.counters.flush()
    await db._db.stats.update_one({"_id": broken}, {"$set": {"total": "not a number"}})
    await counting.stats.add(broken, {"total": 1})
    await counting.stats.add(fine, {"total": 1})
    await counting.counters.flush()
    assert (await db.stats.get(fine))["total"] == 1
    assert counting.counters.pending == 0  # dropped, not tried again forever
    assert "refused their counts" in caplog.text


async def test_a_crash_loses_only_the_last_interval_and_rebuild_recounts_it(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings, open_db: Opener, db: Database, shop: Shop,
) -> None:  # fmt: skip
    """The app counts two orders and is killed before its counters' write: the days miss them until
    ``orderbot analytics rebuild`` (the use case under it) recounts them from the orders."""
    crashing = open_db(3600)
    client = await aiohttp_client(build_app(settings, parts=Parts(database=crashing)))
    api = Api(client, token_for(shop))
    for number in ("1", "2"):
        await api.post("/orders", {"number": number, "customer": {"name": "Ana"}}, status=201)
    assert crashing.counters.pending > 0
    crashing.counters.discard()  # the process dies: what was in its memory is gone

    assert await db.analytics.days(shop.id, *YEAR) == {}
    assert await client.app[SERVICE].analytics.rebuild(shop.id) == 1
    [day] = (await db.analytics.days(shop.id, *YEAR)).values()
    assert day["new_orders"] == 2
