"""What the hot paths of a message cost the database, in round trips, and that the fewer trips stay exact:
a sender's flood window counts in one write, an idle dispatcher's pass reads the due queue alone, the sender
of an order this process just wrote does not read it again, and a status update looks at its order's other
updates once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient, monitoring

from bot.notifier import Notifier
from bot.planner import Planner, Send
from orders.lifecycle import Status
from orders.model import (
    Customer,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    NotifyPolicy,
    Order,
    OrderData,
    Shop,
    ShopId,
)
from orders.shops import new_shop
from orders.store import Database, NotFound
from orders.usecases import OrderUseCases
from tests.conftest import SECRET_KEY, Clock
from webhooks.settings import Settings

SHOP = ShopId("shp_1")
CRUD = frozenset({"find", "insert", "update", "delete", "findAndModify", "aggregate", "count"})


class Trips(monitoring.CommandListener):
    """The data commands sent, by (command, collection)."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in CRUD:
            self.sent[(event.command_name, str(event.command[event.command_name]))] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def since(self, before: Counter[tuple[str, str]]) -> int:
        return sum((self.sent - before).values())


@pytest.fixture
async def counted(db: Database, settings: Settings) -> AsyncIterator[tuple[Database, Trips]]:
    """The test's database through a client whose commands are counted."""
    trips = Trips()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongodb_uri, tz_aware=True, event_listeners=[trips]
    )
    yield Database(client, settings.mongodb_db, secret_keys=[SECRET_KEY]), trips
    await client.close()


async def test_a_flood_window_counts_in_one_write_and_lets_exactly_its_limit_through(
    counted: tuple[Database, Trips], clock: Clock
) -> None:
    db, trips = counted
    before = trips.sent.copy()
    assert await db.rate_limits.allow("inbound:a", clock(), limit=8, window_seconds=60)
    assert trips.since(before) == 1  # a new window: no update that misses first
    answers = await asyncio.gather(
        *(db.rate_limits.allow("inbound:b", clock(), limit=8, window_seconds=60) for _ in range(20))
    )
    assert sum(answers) == 8
    assert not await db.rate_limits.allow("inbound:b", clock(), limit=8, window_seconds=60)
    assert await db.rate_limits.allow(
        "inbound:b", clock() + timedelta(seconds=60), limit=8, window_seconds=60
    )


async def test_an_idle_dispatchers_pass_reads_the_due_queue_alone(
    counted: tuple[Database, Trips], clock: Clock
) -> None:
    db, trips = counted
    notifier = Notifier(OrderUseCases.build(db, clock).desk, {}, clock, stores=db)
    await notifier.run_once()  # the first pass also counts the queue and looks for expired leases and nudges
    before = trips.sent.copy()
    await notifier.run_once()
    assert trips.since(before) == 1


async def _shipped(db: Database, shop: Shop, clock: Clock) -> Order:
    """An order created, then moved to shipped by its shop's events (two status updates queued)."""
    events = OrderUseCases.build(db, clock).shop_events
    customer = Customer(name="Ana Lima", phone="+14155550100")
    created = OrderData(external_id="ext-1", number="1001", status=Status.PROCESSING, customer=customer)
    await events.apply_event(shop, "created", created)
    shipped = OrderData(external_id="ext-1", status=Status.SHIPPED, updated_at=clock())
    return (await events.apply_event(shop, "updated", shipped)).order


async def test_the_sender_of_an_order_this_process_just_wrote_does_not_read_it_again(
    counted: tuple[Database, Trips], settings: Settings, clock: Clock
) -> None:
    db, trips = counted
    shop = new_shop("Acme", clock(), sms_number="+14155550001")
    await db.shops.add(shop)
    order = await _shipped(db, shop, clock)
    await db.feed.drain()
    before = trips.sent.copy()
    assert await db.orders.recent(shop.id, order.id) == order
    assert trips.since(before) == 0
    elsewhere = Database(
        db.client, settings.mongodb_db, secret_keys=[SECRET_KEY]
    )  # another process's store reads it
    assert await elsewhere.orders.recent(shop.id, order.id) == order
    assert trips.since(before) == 1
    with pytest.raises(NotFound):  # only for its own shop
        await db.orders.recent(ShopId("shop_other"), order.id)


async def test_a_status_update_looks_at_its_orders_other_updates_once(
    counted: tuple[Database, Trips], clock: Clock
) -> None:
    db, trips = counted
    shop = new_shop(
        "Acme",
        clock(),
        sms_number="+14155550001",
        notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"),
    )
    await db.shops.add(shop)
    order = await _shipped(db, shop, clock)
    older, newer = await db.outbox.for_order(shop.id, order.id)
    before = trips.sent.copy()
    assert isinstance(await Planner(db, clock).plan(newer), Send)
    assert (trips.sent - before)[("find", "outbox")] == 1
    assert [entry.state for entry in await db.outbox.for_order(shop.id, order.id)] == ["skipped", "queued"]
    assert older.status == Status.PROCESSING


async def test_messages_handled_together_leave_the_inbox_in_one_write(
    counted: tuple[Database, Trips], db: Database, shop: Shop, clock: Clock
) -> None:
    store, trips = counted
    messages = [
        Message(
            id=MessageId(f"msg_{n}"), shop_id=shop.id, channel="sms", direction=Direction.INBOUND,
            provider_id=f"SM{n}", sender="+4915112340001", recipient="+14155550100", body="hi",
            state=DeliveryState.RECEIVED,
            created_at=clock(), updated_at=clock(),
        )
        for n in range(20)
    ]  # fmt: skip
    for message in messages:
        assert await store.inbox.add(message)
    before = trips.sent.copy()
    await asyncio.gather(*(store.inbox.remove(message) for message in messages))
    assert trips.since(before) <= 2  # the first alone, the rest together while it is under way
    assert await db.inbox.pending(clock()) == []
    await store.inbox.remove(messages[0])  # gone already: nothing to take out, no error


async def test_messages_stored_together_cost_one_write_and_a_retried_one_is_still_refused(
    counted: tuple[Database, Trips], db: Database, shop: Shop, clock: Clock
) -> None:
    store, trips = counted
    messages = [
        Message(
            id=MessageId(f"msg_{n}"), shop_id=shop.id, channel="sms", direction=Direction.INBOUND,
            provider_id=f"SM{n}", sender="+4915112340001", recipient="+14155550100", body="hi",
            state=DeliveryState.PROCESSED, created_at=clock(), updated_at=clock(),
        )
        for n in range(20)
    ]  # fmt: skip
    before = trips.sent.copy()
    assert all(await asyncio.gather(*(store.messages.add(message) for message in messages)))
    assert trips.since(before) <= 2  # the first alone, the rest together while it is under way
    retried = messages[3].model_copy(update={"id": MessageId("msg_again")})
    refused = await asyncio.gather(store.messages.add(retried), store.messages.add(messages[0]))
    assert list(refused) == [False, False]
    assert (await db.messages.by_provider_id("sms", "SM3")) == messages[3]
