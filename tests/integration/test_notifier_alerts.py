"""Attention alerts reach staff once per order and reason, and a failed notification is one tap from a retry.

Through the real app (webhook, python-telegram-bot, notifier) and the Bot API stand-in, with the harness
of ``test_telegram``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff_alerts import StaffAlerts
from orders.model import NotificationId, OutboxEntry, OutboxKind, OutboxState, Shop
from orders.rules import Reason
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_telegram as harness
from tests.integration.test_telegram import STAFF, Harness, button_press, fixture
from webhooks.keys import NOTIFIER, SERVICE

telegram = harness.telegram
telegram_settings = harness.telegram_settings
desk_shop = harness.desk_shop
desk = harness.desk

pytestmark = harness.pytestmark

ANA = {"name": "Ana Gomez", "phone": "+4915112345678", "email": "ana@example.com"}


def app_of(desk: Harness) -> web.Application:
    app: web.Application | None = desk.client.app
    assert app is not None
    return app


def service_of(desk: Harness) -> OrderUseCases:
    return app_of(desk)[SERVICE]


async def alerts_for(desk: Harness, order: dict[str, Any]) -> list[OutboxEntry]:
    entries = await service_of(desk).db.outbox.for_order(desk.shop.id, order["order_id"])
    return [entry for entry in entries if entry.kind == OutboxKind.STAFF_ALERT]


async def test_each_order_and_reason_is_alerted_once_until_the_reason_goes_away(
    desk: Harness, clock: Clock
) -> None:
    scan = StaffAlerts(service_of(desk).attention, clock, stores=service_of(desk).db)
    order = await desk.order(number="1042", customer=ANA)
    clock.advance(hours=49)
    assert await scan.scan() == 1
    [alert] = await alerts_for(desk, order)
    assert alert.message is not None
    assert alert.message.splitlines()[0] == (
        "⚠️ Order #1042 needs attention: pending too long, customer not contacted yet."
    )
    for _ in range(3):
        clock.advance(minutes=30)
        assert await scan.scan() == 0  # every scan after: nothing new
    assert len(await alerts_for(desk, order)) == 1

    await desk.api.post("/orders/update-status", {"order_id": order["order_id"], "status": "processing"})
    assert await scan.scan() == 0  # pending_too_long went away (forgotten); no contact still alerted
    await desk.api.post(
        "/orders/update-status", {"order_id": order["order_id"], "status": "pending", "force": True}
    )
    clock.advance(hours=49)
    assert await scan.scan() == 1  # the same reason again, later: a new alert
    latest = (await alerts_for(desk, order))[-1].message or ""
    assert latest.splitlines()[0] == "⚠️ Order #1042 needs attention: pending too long."


async def test_an_alert_recorded_by_a_scan_that_stopped_is_queued_once_by_the_next(
    desk: Harness, clock: Clock, db: Database
) -> None:
    scan = StaffAlerts(service_of(desk).attention, clock, stores=service_of(desk).db)
    order = await desk.order(number="1042", customer=ANA)
    clock.advance(hours=49)
    # the process recorded the alert, then stopped before it queued the message
    assert await db.alerts.record(desk.shop.id, order["order_id"], "pending_too_long", clock()) is not None
    await scan.scan()
    await scan.scan()
    messages = [alert.message or "" for alert in await alerts_for(desk, order)]
    assert sorted(line.splitlines()[0] for line in messages) == [
        "⚠️ Order #1042 needs attention: customer not contacted yet.",
        "⚠️ Order #1042 needs attention: pending too long.",
    ]


async def failed_on_whatsapp(desk: Harness, db: Database, clock: Clock, order: dict[str, Any]) -> None:
    """The order's WhatsApp update was refused for good (as the notifier records it)."""
    await db.outbox.add(
        OutboxEntry(
            id=NotificationId("ntf_failed"), shop_id=desk.shop.id, order_id=order["order_id"],
            kind=OutboxKind.STATUS_UPDATE, channel="whatsapp", state=OutboxState.FAILED,
            error="Twilio refused the message (400): outside the WhatsApp 24-hour window", error_code="63016",
            due_at=clock(), created_at=clock(), idempotency_key="failed-update", sequence=1,
        )
    )  # fmt: skip
    await service_of(desk).desk.set_flag(
        desk.shop, order["order_id"], Reason.NOTIFICATION_FAILED, present=True
    )


async def test_a_failure_alert_carries_retry_buttons_and_one_tap_queues_the_retry_once(
    desk: Harness, clock: Clock, db: Database
) -> None:
    order = await desk.order(number="1042", customer=ANA)
    await failed_on_whatsapp(desk, db, clock, order)
    assert await StaffAlerts(service_of(desk).attention, clock, stores=service_of(desk).db).scan() == 1
    await finish_background(app_of(desk))  # the app sends the alert it queued at once
    notifier = app_of(desk)[NOTIFIER]
    while await notifier.run_once():
        pass

    [alert] = [sent for sent in desk.telegram.sent if sent.chat_id == STAFF]
    assert alert.text.splitlines() == [
        "⚠️ Order #1042 needs attention: a notification failed.",
        "Customer: Ana Gomez · pending",
        "Last failure: Twilio refused the message (400): outside the WhatsApp 24-hour window",
    ]
    order_id = order["order_id"]
    assert alert.buttons() == [
        ("↻ Retry by SMS", f"rty:{order_id}:sms"), ("↻ Retry by email", f"rty:{order_id}:email"),
    ]  # fmt: skip

    for _ in range(2):  # a double tap
        await desk.deliver(button_press(alert, f"rty:{order_id}:sms"))
        assert desk.telegram.callback_answers[-1]["text"] == "↻ #1042 queued again by sms."
    await finish_background(app_of(desk))
    entries = await db.outbox.for_order(desk.shop.id, order_id)
    [retry] = [entry for entry in entries if entry.kind == OutboxKind.MANUAL]
    # queued once, and taken at once: this shop has no SMS number, so it is skipped, saying why
    assert (retry.channel, retry.state, retry.message) == ("sms", "skipped", None)
    assert retry.error == "no channel reaches this customer"
    assert retry.actor is not None and retry.actor.endswith(f"(tg:{STAFF})")

    await desk.deliver(fixture("command_order"))  # "/order 1042": the card offers the retry too
    assert ("↻ Retry by SMS", f"rty:{order_id}:sms") in desk.telegram.sent[-1].buttons()


async def test_retry_buttons_refuse_another_shops_order(desk: Harness, clock: Clock, db: Database) -> None:
    other: Shop = new_shop("Other Shop", clock())
    await db.shops.add(other)
    theirs: dict[str, Any] = await Api(desk.client, token_for(other)).post(
        "/orders", {"number": "2001", "customer": ANA}, status=201
    )
    mine = await desk.order(number="1042", customer=ANA)
    await failed_on_whatsapp(desk, db, clock, mine)
    await desk.deliver(fixture("command_order"))
    card = desk.telegram.sent[-1]
    await desk.deliver(button_press(card, f"rty:{theirs['order_id']}:sms"))
    assert desk.telegram.callback_answers[-1]["text"] == "No such order in Acme Coffee."
    await desk.deliver(button_press(card, f"rty:{mine['order_id']}:carrier-pigeon"))
    assert desk.telegram.callback_answers[-1]["text"] == "This button is no longer in use."
    kinds = [entry.kind for entry in await db.outbox.for_order(other.id, theirs["order_id"])]
    assert OutboxKind.MANUAL not in kinds
    assert OutboxKind.MANUAL not in [
        e.kind for e in await db.outbox.for_order(desk.shop.id, mine["order_id"])
    ]


async def test_an_alert_for_two_chats_is_not_repeated_to_the_one_it_reached_when_the_other_is_retried(
    desk: Harness, clock: Clock, db: Database
) -> None:
    colleague = 5087654321
    shop = desk.shop.model_copy(update={"staff_telegram_ids": [STAFF, colleague]})
    await db.shops.save(shop)
    alert = await db.outbox.add(
        OutboxEntry(
            id=NotificationId("ntf_two_chats"), shop_id=shop.id, kind=OutboxKind.STAFF_ALERT,
            message="Order #1042 needs a look", due_at=clock(), idempotency_key="alert:two-chats",
            created_at=clock(),
        )
    )  # fmt: skip
    desk.telegram.fail_next("sendMessage", 502, "Bad Gateway", chat_id=colleague)
    notifier = app_of(desk)[NOTIFIER]
    assert await notifier.run_once() == 1
    retried = await db.outbox.find_key(shop.id, alert.idempotency_key)
    assert retried is not None
    assert (retried.state, retried.reached) == (OutboxState.QUEUED, [str(STAFF)])

    clock.advance(minutes=10)  # past the retry's backoff
    assert await notifier.run_once() == 1
    assert [m.text for m in desk.telegram.messages_to(STAFF)] == ["Order #1042 needs a look"]
    assert [m.text for m in desk.telegram.messages_to(colleague)] == ["Order #1042 needs a look"]
    sent = await db.outbox.find_key(shop.id, alert.idempotency_key)
    assert sent is not None and sent.state == OutboxState.SENT
