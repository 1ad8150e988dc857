"""Quiet hours, coalescing, debounce and send rates, through the real notifier and database.

The Twilio stand-in counts what arrives; the test clock stands still unless a test moves it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.notifier import Notifier
from orders.lifecycle import Status
from orders.model import NotificationId, NotifyPolicy, OutboxEntry, OutboxKind, Shop
from orders.store import Database
from tests.conftest import Clock
from tests.integration.notifier_desk import ANA, SHOP_SMS, Desk, Server, open_desk

LATE = datetime(2026, 11, 2, 22, 0, tzinfo=UTC)  # 23:00 in Berlin, where Ana's number is
BERLIN_EIGHT = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
async def desk(db: Database, clock: Clock, aiohttp_server: Server) -> AsyncIterator[Desk]:
    async with open_desk(db, clock, aiohttp_server) as opened:
        yield opened


def bodies(desk: Desk) -> list[str]:
    return [request.get("Body") or "" for request in desk.twilio.created]


async def reply(desk: Desk, shop: Shop, text: str) -> OutboxEntry:
    """An answer to Ana's own question, as the conversation queues it."""
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), phone=ANA)
    return await desk.db.outbox.add(
        OutboxEntry(
            id=NotificationId(f"ntf_{text}"), shop_id=shop.id, customer_id=customer.id, kind=OutboxKind.REPLY,
            channel="whatsapp", message=text, due_at=desk.clock(), idempotency_key=f"reply:{text}",
            created_at=desk.clock(),
        )
    )  # fmt: skip


async def test_quiet_hours_hold_updates_until_morning_but_answers_go_at_once(desk: Desk) -> None:
    desk.clock.now = LATE
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.move(shop, order_id, Status.SHIPPED)
    await reply(desk, shop, "It ships tomorrow")
    await desk.drain()
    assert bodies(desk) == ["It ships tomorrow"]
    held = (await desk.entries(shop, order_id))[-1]
    assert (held.state, held.held, held.due_at, held.attempts) == ("queued", "quiet_hours", BERLIN_EIGHT, 0)

    desk.clock.now = BERLIN_EIGHT - timedelta(minutes=1)
    await desk.drain()
    assert len(desk.twilio.created) == 1
    desk.clock.now = BERLIN_EIGHT
    await desk.drain()
    assert len(desk.twilio.created) == 2 and "1042" in bodies(desk)[-1]
    assert (await desk.entries(shop, order_id))[-1].state == "sent"


async def test_quiet_hours_are_the_shops_setting(desk: Desk) -> None:
    desk.clock.now = LATE
    shop = await desk.shop(notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"))
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    assert len(desk.twilio.created) == 1


async def test_updates_held_overnight_coalesce_into_one_message_about_the_latest_state(desk: Desk) -> None:
    desk.clock.now = LATE
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    desk.clock.advance(hours=1)
    await desk.move(shop, order_id, Status.FULFILLED)
    await desk.drain()
    assert desk.twilio.created == []
    desk.clock.now = BERLIN_EIGHT
    await desk.drain()
    [sent] = bodies(desk)
    assert "delivered" in sent.lower() or "fulfilled" in sent.lower(), sent
    entries = await desk.entries(shop, order_id)
    assert [(e.status, e.state, e.error) for e in entries] == [
        (Status.PROCESSING, "skipped", "superseded"),
        (Status.SHIPPED, "skipped", "superseded"),
        (Status.FULFILLED, "sent", None),
    ]


async def test_a_backlog_of_updates_sends_only_the_latest_even_with_two_senders(desk: Desk) -> None:
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.move(shop, order_id, Status.FULFILLED)
    other = Notifier(desk.service, desk.notifier.channels, desk.clock, stores=desk.db)
    # two workers claim at once, one entry at a time, until nothing is due
    while sum(await asyncio.gather(desk.notifier.run_once(batch=1), other.run_once(batch=1))):
        pass
    assert len(desk.twilio.created) == 1
    states = [(e.status, e.state) for e in await desk.entries(shop, order_id)]
    assert states == [
        (Status.PROCESSING, "skipped"), (Status.SHIPPED, "skipped"), (Status.FULFILLED, "sent"),
    ]  # fmt: skip


async def test_the_shops_debounce_waits_for_the_last_of_a_quick_run_of_changes(desk: Desk) -> None:
    shop = await desk.shop(notify=NotifyPolicy(debounce_seconds=60))
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.drain()
    assert desk.twilio.created == []  # the "created" update waits out the debounce
    desk.clock.advance(seconds=20)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    desk.clock.advance(seconds=59)
    await desk.drain()
    assert desk.twilio.created == []
    desk.clock.advance(seconds=1)
    await desk.drain()
    assert len(desk.twilio.created) == 1
    [first, last] = await desk.entries(shop, order_id)
    assert (first.state, first.error, last.state) == ("skipped", "superseded", "sent")


async def test_without_debounce_an_update_goes_at_once(desk: Desk) -> None:
    shop = await desk.shop()
    await desk.order(shop, wrote_hours_ago=1)
    await desk.drain()
    assert len(desk.twilio.created) == 1


async def sms_orders(desk: Desk, shop: Shop, count: int) -> None:
    for n in range(count):
        await desk.order(shop, wrote_hours_ago=None, number=f"{2000 + n}", phone=f"+4915112345{n:03d}")


async def test_sms_is_sent_at_the_numbers_rate_and_the_rest_waits_without_spending_attempts(
    desk: Desk,
) -> None:
    shop = await desk.shop(sms_number=SHOP_SMS)  # WhatsApp windows closed: every update goes by SMS
    await sms_orders(desk, shop, 8)
    other = Notifier(desk.service, desk.notifier.channels, desk.clock, stores=desk.db)
    await asyncio.gather(desk.notifier.run_once(), other.run_once())
    assert len(desk.twilio.created) == 5  # 1 per second with a burst of 5, shared by both senders
    held = await held_entries(desk, shop)
    assert len(held) == 3 and {e.held for e in held} == {"rate_limited"}
    assert all(e.attempts == 0 and e.due_at <= desk.clock() + timedelta(seconds=3) for e in held)
    desk.clock.advance(seconds=3)
    await desk.drain()
    assert len(desk.twilio.created) == 8
    assert len({r["To"] for r in desk.twilio.created}) == 8


async def test_a_shop_can_set_its_own_rate(desk: Desk) -> None:
    shop = await desk.shop(sms_number=SHOP_SMS, notify=NotifyPolicy(rates={"sms": 2}))
    await sms_orders(desk, shop, 4)
    await desk.notifier.run_once()
    assert len(desk.twilio.created) == 2
    desk.clock.advance(seconds=1)
    await desk.notifier.run_once()
    assert len(desk.twilio.created) == 4


async def held_entries(desk: Desk, shop: Shop) -> list[OutboxEntry]:
    orders = await desk.db.orders.page(shop.id, limit=100, now=desk.clock())
    entries = [e for order in orders for e in await desk.db.outbox.for_order(shop.id, order.id)]
    return [e for e in entries if e.state == "queued"]


async def test_the_first_message_that_reaches_the_customer_is_recorded_on_the_order_and_later_ones_not(
    desk: Desk,
) -> None:
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=1)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    reached = await desk.db.orders.get(shop.id, order_id)
    assert reached.last_customer_contact_at == desk.clock()  # no longer "no customer contact"

    desk.clock.advance(hours=1)
    await desk.service.notify(shop, order_id, message="Packed with care!", channel=None, actor="ana")
    noted = await desk.db.orders.get(shop.id, order_id)
    await desk.drain()
    assert bodies(desk)[-1] == "Packed with care!"
    # the send wrote nothing more to the order: its customer was reached before
    assert await desk.db.orders.get(shop.id, order_id) == noted
