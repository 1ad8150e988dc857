"""The console channel, the simulator: any process sends its entries, and ``orderbot chat`` prints each once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.chat import chat
from bot.conversation import Conversation
from bot.notifier import Notifier
from channels.console import ConsoleChannel
from orders.import_history import row
from orders.importing import Pending, import_orders
from orders.lifecycle import Status
from orders.model import (
    Customer,
    CustomerId,
    CustomerRecord,
    Direction,
    Message,
    MessageId,
    NotifyPolicy,
    Order,
    OrderData,
    OutboxKind,
    Shop,
    new_id,
)
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock, flush_counters
from webhooks.keys import DATABASE, NOTIFIER, SERVICE

PHONE = "+14155550101"


async def question_left_by_another_process(
    db: Database, shop: Shop, clock: Clock, provider_id: str, console_style: str = "console"
) -> tuple[CustomerRecord, Message]:
    """A console question handled by a process whose store is not the app's (``orderbot chat``), so the app
    hears nothing of the reply it queues; the customer and the question."""
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=PHONE)
    question = Message(
        id=MessageId(new_id("msg")), shop_id=shop.id, customer_id=CustomerId(customer.id), channel="console",
        direction=Direction.INBOUND, provider_id=provider_id, sender=PHONE, recipient=shop.id, body="hi",
        state="received", created_at=clock(), updated_at=clock(),
    )  # fmt: skip
    await Conversation(
        OrderUseCases.build(db, clock).desk, clock, console_style=console_style, stores=db
    ).handle(shop, customer, question)
    return customer, question


async def test_a_serve_process_sends_a_console_reply_left_by_chat(
    client: TestClient[Any, Any], db: Database, shop: Shop, clock: Clock
) -> None:
    """``orderbot chat`` queued a reply and stopped before sending it: the web/worker process's dispatcher
    sends it on the console channel (recorded, delivered, counted) instead of failing it."""
    customer, question = await question_left_by_another_process(
        db, shop, clock, "console-1", console_style="sms"
    )

    assert await client.app[NOTIFIER].run_once() == 1
    entry = await db.outbox.find_key(shop.id, f"reply:{question.id}")
    assert entry is not None and entry.kind == OutboxKind.REPLY
    assert (entry.state, entry.error) == ("delivered", None)
    sent = [m for m in await db.messages.recent(shop.id, CustomerId(customer.id)) if m.outbox_id == entry.id]
    assert [(m.channel, m.state) for m in sent] == [("console", "delivered")]
    assert "order number" in sent[0].body
    await flush_counters(client.app)  # counted by the app's client, read through the test's
    stats = await db.stats.get(shop.id)
    assert (stats["notifications.sent"], stats["notifications.delivered"]) == (1, 1)
    assert "notifications.failed" not in stats


async def test_chat_prints_every_reply_once_while_a_dispatcher_races_it(
    client: TestClient[Any, Any], db: Database, shop: Shop, clock: Clock
) -> None:
    """A dispatcher polling as fast as it can takes many of chat's replies first; chat still prints each,
    once, in order, and none is failed."""
    questions = ["hi", "where is order 1042?", "thanks"] * 5
    lines = iter(questions)
    printed: list[str] = []

    async def read() -> str | None:
        return next(lines, None)

    dispatcher = asyncio.create_task(client.app[NOTIFIER].run_forever(idle_seconds=0.001))
    try:
        service: OrderUseCases = client.app[SERVICE]
        await chat(
            service,
            shop.id,
            PHONE,
            stores=client.app[DATABASE],
            style="sms",
            read=read,
            write=printed.append,
            clock=clock,
        )
        # chat prints a reply once it is recorded; the dispatcher that sent it counts it just after.
        for _ in range(200):
            if (await db.stats.get(shop.id)).get("notifications.delivered") == len(questions):
                break
            await asyncio.sleep(0.01)
    finally:
        dispatcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatcher

    assert len(printed) == len(questions)
    assert ["order number" in text for text in printed[::3]] == [True] * 5
    assert all("couldn't find order #1042" in text for text in printed[1::3])
    assert all(text.endswith("-Acme Coffee") for text in printed)  # SMS style: signed
    stats = await db.stats.get(shop.id)
    assert (stats["notifications.sent"], stats["notifications.delivered"]) == (15, 15)
    assert "notifications.failed" not in stats


async def test_a_process_without_the_console_leaves_its_entries_to_one_that_has_it(
    client: TestClient[Any, Any], db: Database, shop: Shop, clock: Clock
) -> None:
    _, question = await question_left_by_another_process(db, shop, clock, "console-2")

    without = Notifier(client.app[SERVICE].desk, {}, clock, stores=client.app[DATABASE])
    assert await without.run_once() == 1
    entry = await db.outbox.find_key(shop.id, f"reply:{question.id}")
    assert entry is not None and (entry.state, entry.error_code) == (
        "queued",
        "no_channel",
    )  # left, not failed

    clock.advance(minutes=5)  # past the retry's backoff
    assert await client.app[NOTIFIER].run_once() == 1
    entry = await db.outbox.find_key(shop.id, f"reply:{question.id}")
    assert entry is not None and entry.state == "delivered"
    assert "notifications.failed" not in await db.stats.get(shop.id)


async def test_a_date_chat_tells_goes_into_the_promise_ledger(
    client: TestClient[Any, Any], db: Database, shop: Shop, clock: Clock
) -> None:
    """``orderbot chat`` sends its own dated reply (no dispatcher beside it): the date it told is recorded
    in the promise ledger, as the service's own sends record theirs. Its store is not the app's, as for a
    separate process, so the app's prompt sends never see the reply."""
    service = OrderUseCases.build(db, clock)
    past = [
        row(
            external_id=f"H-{index}", number=str(900 + index), created_at=clock() - timedelta(days=20, hours=index),
            shipped_at=clock() - timedelta(days=19, hours=index),
            delivered_at=clock() - timedelta(days=16, hours=index),
        )
        for index in range(40)
    ]  # fmt: skip
    shipped = row(
        external_id="A-1042", number="1042", created_at=clock() - timedelta(days=1),
        shipped_at=clock() - timedelta(hours=20), customer=Customer(name="Ana Lima", phone=PHONE),
    )  # fmt: skip
    rows = [Pending(index, data=data) for index, data in enumerate([*past, shipped], 1)]
    assert {r.outcome for r in await import_orders(service, shop, rows)} == {"created"}
    lines = iter(["when will order 1042 arrive?"])
    printed: list[str] = []

    async def read() -> str | None:
        return next(lines, None)

    await chat(
        service, shop.id, PHONE, stores=db, style="sms", read=read, write=printed.append,
        clock=clock,
    )  # fmt: skip

    assert len(printed) == 1 and "by " in printed[0], printed
    order = await db.orders.find_external(shop.id, "A-1042")
    assert order is not None
    told = await db.promises.for_order(shop.id, order.id)
    assert [(p.channel, p.outcome.value) for p in told] == [("console", "open")]


async def delivered_to_ana(db: Database, clock: Clock) -> tuple[Shop, OrderUseCases, Order]:
    """A simulator shop's order to Ana, shipped and then delivered by the shop's events at her midday: its
    satisfaction request is queued, due an hour later."""
    demo = new_shop(
        "Demo", clock(), timezone="America/New_York", simulator=True,
        notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"),
    )  # fmt: skip
    await db.shops.add(demo)
    clock.now = clock.now.replace(hour=19)  # midday for a +1 415 customer: the request waits for no morning
    service = OrderUseCases.build(db, clock, survey_hours=1)
    shipped = OrderData(
        external_id="A-1042", number="1042", status=Status.SHIPPED, created_at=clock() - timedelta(days=2),
        updated_at=clock() - timedelta(days=1), customer=Customer(name="Ana Lima", phone=PHONE), channel="whatsapp",
    )  # fmt: skip
    await service.shop_events.apply_event(demo, "created", shipped)
    delivered = shipped.model_copy(update={"status": Status.FULFILLED, "updated_at": clock()})
    return demo, service, (await service.shop_events.apply_event(demo, "updated", delivered)).order


async def test_a_satisfaction_request_not_sent_yet_is_shown_as_one_in_the_conversation(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    """Its words are made when it goes; meanwhile the conversation names it, not "satisfaction: fulfilled"."""
    demo, service, _ = await delivered_to_ana(db, clock)
    customer = await db.customers.find_or_create(demo.id, now=clock(), phone=PHONE)

    items, _ = await service.conversations.messages(demo, customer.id, cursor=None, limit=20)

    queued = [(item.text, item.state) for item in items if item.state == "queued"]
    assert ("satisfaction request (how was your order?)", "queued") in queued, queued


async def test_chat_takes_a_score_as_the_answer_to_the_satisfaction_request(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    """A customer told their order was delivered gets the satisfaction request; their "5" in ``orderbot chat``
    answers it (recorded on the order and thanked), as it would on any other channel."""
    demo, service, order = await delivered_to_ana(db, clock)
    survey = await db.outbox.find_key(demo.id, f"satisfaction:{order.id}")
    assert survey is not None
    clock.now = survey.due_at
    sender = Notifier(service.desk, {"console": ConsoleChannel()}, clock, stores=db)
    assert await sender.send_now(survey.id, shop_id=demo.id)
    lines = iter(["5"])
    printed: list[str] = []

    async def read() -> str | None:
        return next(lines, None)

    await chat(
        service, demo.id, PHONE, stores=db, style="whatsapp", read=read, write=printed.append, clock=clock
    )

    answered = await db.orders.get(demo.id, order.id)
    assert answered.satisfaction is not None
    assert (answered.satisfaction.state, answered.satisfaction.score) == ("answered", 5)
    assert len(printed) == 1 and "order number" not in printed[0], printed


async def test_a_simulated_message_counts_as_sent_and_delivered_on_the_channel_it_went_on(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    """A simulator shop's status updates go to the console in WhatsApp's style: the analytics page counts
    them sent and delivered on the console, so the delivery rate is delivered out of sent on one channel
    (sent on WhatsApp and delivered on the console showed WhatsApp at 0 % and the console far past 100 %)."""
    demo, service, _ = await delivered_to_ana(db, clock)
    assert await client.app[NOTIFIER].run_once() >= 1
    await flush_counters(client.app)
    day = clock().date()
    channels = (await service.analytics.report(demo, day - timedelta(days=2), day)).notifications
    assert channels["console"].sent == channels["console"].delivered >= 1
    assert channels["whatsapp"].sent == 0
