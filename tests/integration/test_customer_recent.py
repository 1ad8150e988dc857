"""The reply's plan takes the customer its message just found (``CustomerStore.recent``), on the real
embedded database: no second read, yet every change this process made since is in it or read again."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from orders.model import Shop
from orders.store import Database, customers
from tests.conftest import SECRET_KEY, Clock
from webhooks.settings import Settings


class CustomerReads(monitoring.CommandListener):
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command["find"] == "customers":
            self.sent["find"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
async def counted(db: Database, settings: Settings) -> AsyncIterator[tuple[Database, CustomerReads]]:
    reads = CustomerReads()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        settings.mongodb_uri, tz_aware=True, event_listeners=[reads]
    )
    yield Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY]), reads
    await client.close()


async def test_the_customer_a_message_found_is_planned_for_without_reading_them_again(
    counted: tuple[Database, CustomerReads], db: Database, shop: Shop, clock: Clock
) -> None:
    store, reads = counted
    await store.customers.wrote(shop.id, "sms", clock(), now=clock(), phone="+4915112340001")
    clock.advance(minutes=5)
    known, new = await store.customers.wrote(
        shop.id, "whatsapp", clock(), now=clock(), phone="+4915112340001"
    )
    assert not new
    await store.customers.set_language(shop.id, known.id, "de")
    before = reads.sent["find"]

    planned = await store.customers.recent(shop.id, known.id)

    assert reads.sent["find"] == before  # no second read
    assert planned == await db.customers.get(shop.id, known.id)  # and just what a read gives
    assert (planned.preferred_channel, planned.language, planned.unread) == ("whatsapp", "de", 2)


async def test_a_change_it_cannot_apply_or_an_old_memory_reads_the_customer_again(
    counted: tuple[Database, CustomerReads], shop: Shop, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, reads = counted
    found, _ = await store.customers.wrote(shop.id, "sms", clock(), now=clock(), phone="+4915112340002")
    await store.customers.set_opt_out(shop.id, found.id, "sms", True)
    before = reads.sent["find"]
    assert (await store.customers.recent(shop.id, found.id)).opted_out == ["sms"]
    assert reads.sent["find"] == before + 1

    other, _ = await store.customers.wrote(shop.id, "sms", clock(), now=clock(), phone="+4915112340003")
    monkeypatch.setattr(customers, "RECENT_SECONDS", 0.0)
    before = reads.sent["find"]
    await store.customers.recent(shop.id, other.id)
    assert reads.sent["find"] == before + 1
