"""What customers want besides "where is it": when it arrives, a problem, a change, a refund, other topics.

Through the real inbox, conversation and database: the reply each gets, what staff are alerted to (with the
kind of request), and that nothing acts on an order the customer did not ask about.
"""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from bot.inbox import Inbox
from channels.base import ChannelName
from orders.lifecycle import DeliveryStage, Status
from orders.model import OutboxEntry, OutboxKind, Shop, Tracking
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock
from tests.integration.test_conversation import place, reply_text, say


@pytest.fixture
def service(db: Database, clock: Clock) -> OrderUseCases:
    return OrderUseCases.build(db, clock)


@pytest.fixture
def inbox(service: OrderUseCases, clock: Clock) -> Inbox:
    return Inbox(service.db, clock, Conversation(service.desk, clock, stores=service.db))


def alerts(entries: list[OutboxEntry]) -> list[str]:
    return [e.message or "" for e in entries if e.kind == OutboxKind.STAFF_ALERT]


async def flags(service: OrderUseCases, shop: Shop, number: str) -> list[str]:
    order = await service.db.orders.find_number(shop.id, number)
    assert order is not None
    return order.flags


async def test_when_it_arrives_without_a_date_says_so_and_invents_none(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    await place(
        service, shop, "1042", "+14155550101", Status.SHIPPED, tracking=Tracking(url="https://t.example/1")
    )
    await place(service, shop, "1043", "+14155550101", Status.PROCESSING)
    shipped = reply_text(await say(inbox, shop, clock, "how long until order 1042 gets here?"))
    assert "#1042 is on its way" in shipped
    assert "don't have an exact delivery date" in shipped and "https://t.example/1" in shipped
    preparing = reply_text(await say(inbox, shop, clock, "eta for 1043?"))
    assert "#1043 is being prepared" in preparing and "hasn't shipped yet" in preparing


async def test_when_it_arrives_is_the_carriers_date_when_there_is_one(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    await place(
        service, shop, "1042", "+14155550101", Status.SHIPPED,
        tracking=Tracking(carrier="UPS", number="1Z9", stage=DeliveryStage.OUT_FOR_DELIVERY),
    )  # fmt: skip
    await place(service, shop, "1043", "+14155550101", Status.SHIPPED, tracking=Tracking(carrier="UPS"))
    today = reply_text(await say(inbox, shop, clock, "when will my order 1042 arrive?"))
    assert "#1042 is out for delivery today" in today and "don't have" not in today
    unknown = reply_text(await say(inbox, shop, clock, "when will my order 1043 arrive?"))
    assert "#1043 is on its way" in unknown and "don't have an exact delivery date for it yet" in unknown


@pytest.mark.parametrize(
    ("status", "text", "alert", "reply"),
    [
        pytest.param(
            Status.FULFILLED, "the mug in order 1042 arrived broken",
            "⚠️ Ana Lima on whatsapp reports a problem (damaged item) about order #1042.",
            "a person will look into it", id="complaint-with-its-kind",
        ),
        pytest.param(
            Status.FULFILLED, "I need help to make a claim",
            "⚠️ Ana Lima on whatsapp reports a problem (complaint) about order #1042.",
            None, id="claim-without-a-number-is-about-the-latest-order",
        ),
        pytest.param(
            Status.CANCELLED, "I'm still waiting for the refund of order 1042",
            "💸 Ana Lima on whatsapp asks for a refund about order #1042.",
            "refund request for order #1042", id="refund",
        ),
    ],
)  # fmt: skip
async def test_a_request_goes_to_a_person(
    inbox: Inbox,
    service: OrderUseCases,
    shop: Shop,
    clock: Clock,
    status: Status,
    text: str,
    alert: str,
    reply: str | None,
) -> None:
    await place(service, shop, "1042", "+14155550101", status)
    entries = await say(inbox, shop, clock, text)
    assert alerts(entries) == [alert]
    if reply is not None:
        assert reply in reply_text(entries)
    assert "customer_waiting" in await flags(service, shop, "1042")


async def test_a_change_is_recorded_for_staff_to_confirm(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", "+14155550101", Status.PROCESSING)
    entries = await say(inbox, shop, clock, "I put the wrong delivery address, can you update it?")
    assert alerts(entries) == ["✏️ Ana Lima on whatsapp asks to change the delivery address of order #1042."]
    assert "a person will confirm" in reply_text(entries)
    assert "customer_waiting" in await flags(service, shop, "1042")
    entries = await say(inbox, shop, clock, "remove the kettle from order 1042", channel=ChannelName.SMS)
    assert alerts(entries) == ["✏️ Ana Lima on sms asks to change the items of order #1042."]
    order = await service.db.orders.find_number(shop.id, "1042")
    assert order is not None and order.status == Status.PROCESSING  # staff decide; nothing changed yet


async def test_a_delivered_order_cannot_be_changed_and_alerts_no_one(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", "+14155550101", Status.FULFILLED)
    entries = await say(inbox, shop, clock, "help me modify order 1042")
    assert alerts(entries) == []
    assert "can't be changed" in reply_text(entries)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("cancel the newsletter subscription", "newsletters"),
        ("I want to cancel my account, not the order", "accounts"),
        ("help to list the payment options you accept", "payments"),
        ("I forgot my password", "passwords and logins"),
    ],
)
async def test_other_topics_act_on_no_order(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock, text: str, topic: str
) -> None:
    await place(service, shop, "1042", "+14155550101", Status.PENDING)
    await place(service, shop, "1043", "+14155550101", Status.PROCESSING)
    entries = await say(inbox, shop, clock, text)
    assert alerts(entries) == []
    reply = reply_text(entries)
    assert f"can't help with {topic}" in reply and "'human'" in reply
    assert "#1042" not in reply and "#1043" not in reply  # no listing of orders it did not ask about
    for number in ("1042", "1043"):
        assert await flags(service, shop, number) == []
    order = await service.db.orders.find_number(shop.id, "1042")
    assert order is not None and order.status == Status.PENDING


async def test_a_negated_cancel_is_no_cancel(
    inbox: Inbox, service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", "+14155550101", Status.PENDING)
    entries = await say(inbox, shop, clock, "I don't want to cancel order 1042, where is it?")
    assert alerts(entries) == []
    assert "#1042 is received" in reply_text(entries)
    assert await flags(service, shop, "1042") == []


async def test_an_alert_from_the_console_names_the_console_not_the_style_its_replies_take(
    service: OrderUseCases, shop: Shop, clock: Clock
) -> None:
    """``orderbot chat`` answers in WhatsApp's style by default; staff still read where the customer wrote."""
    conversation = Conversation(service.desk, clock, console_style="whatsapp", stores=service.db)
    inbox = Inbox(service.db, clock, conversation)
    await place(service, shop, "1042", "+14155550101", Status.PROCESSING)
    entries = await say(
        inbox, shop, clock, "I want to talk to a person about 1042", channel=ChannelName.CONSOLE
    )
    assert alerts(entries) == ["🙋 Ana Lima on the console asks for a person about order #1042."]
    entries = await say(inbox, shop, clock, "please cancel order 1042", channel=ChannelName.CONSOLE)
    assert alerts(entries) == ["❌ Cancel request for order #1042 on the console."]
