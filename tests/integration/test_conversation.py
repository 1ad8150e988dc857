"""Inbox → conversation → outbox on the real database: what customers are told, and what they are not."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.conversation import Conversation
from bot.inbox import FloodLimit, Inbox
from channels.base import ChannelName, InboundMessage
from orders.lifecycle import Status
from orders.model import Customer, DeliveryState, OrderData, OutboxEntry, OutboxKind, Shop, Tracking
from orders.service import OrderService
from orders.store import Database, NotFound
from tests.conftest import Clock

ANA = "+14155550101"
BEN = "+447700900102"


@pytest.fixture
def service(db: Database, clock: Clock) -> OrderService:
    return OrderService(db, clock)


@pytest.fixture
def inbox(service: OrderService, clock: Clock) -> Inbox:
    return Inbox(service.db, clock, Conversation(service, clock, stores=service.db))


async def place(
    service: OrderService, shop: Shop, number: str, phone: str, status: Status, **extra: object
) -> None:
    data = OrderData(
        external_id=f"ext-{number}",
        number=number,
        status=status,
        customer=Customer(
            name="Ana Lima" if phone == ANA else "Ben Okafor",
            phone=phone,
            email="ana@example.com" if phone == ANA else None,
        ),
        total=Decimal("12.50"),
        **extra,
    )
    await service.apply_event(shop, "created", data)


_provider_ids = itertools.count(1)


async def say(
    inbox: Inbox,
    shop: Shop,
    clock: Clock,
    text: str,
    *,
    sender: str = ANA,
    channel: ChannelName = ChannelName.WHATSAPP,
) -> list[OutboxEntry]:
    """Send ``text`` as a customer; return what was queued in answer (replies and staff alerts)."""
    inbound = InboundMessage(
        channel=channel,
        provider_id=f"SM{next(_provider_ids):032d}",
        sender=sender,
        recipient=shop.id,
        text=text,
        received_at=clock(),
    )
    message = await inbox.accept(shop, inbound)
    assert message is not None
    await inbox.drain()
    stored = await inbox.stores.messages.get(shop.id, message.id)
    assert stored.state == DeliveryState.PROCESSED
    queued = []
    for key in (f"reply:{message.id}", f"alert:{message.id}"):
        entry = await inbox.stores.outbox.find_key(shop.id, key)
        if entry is not None:
            queued.append(entry)
    return queued


def reply_text(entries: list[OutboxEntry]) -> str:
    replies = [e for e in entries if e.kind == OutboxKind.REPLY]
    assert len(replies) == 1, entries
    assert replies[0].message is not None
    return replies[0].message


async def test_status_question_answers_about_the_senders_order(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(
        service,
        shop,
        "1042",
        ANA,
        Status.SHIPPED,
        tracking=Tracking(carrier="UPS", number="1Z9", url="https://ups.example/1Z9"),
    )
    text = reply_text(await say(inbox, shop, clock, "hey where's my stuff?? order 1042"))
    assert "#1042" in text
    assert "on its way" in text
    assert "https://ups.example/1Z9" in text
    assert "Ana" in text  # WhatsApp: casual, first name


async def test_another_customers_order_number_reveals_nothing(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "2001", BEN, Status.SHIPPED, tracking=Tracking(number="SECRET123"))
    theirs = reply_text(await say(inbox, shop, clock, "status of order 2001?"))
    missing = reply_text(await say(inbox, shop, clock, "status of order 9999?"))
    assert "SECRET123" not in theirs
    assert "shipped" not in theirs and "on its way" not in theirs
    assert theirs == missing.replace("9999", "2001")


async def test_without_a_number_the_latest_active_orders(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    assert "couldn't find any orders" in reply_text(await say(inbox, shop, clock, "where is my order"))
    await place(service, shop, "1001", ANA, Status.PROCESSING)
    assert "#1001 is being prepared" in reply_text(await say(inbox, shop, clock, "where is my order"))
    clock.advance(hours=1)
    await place(service, shop, "1002", ANA, Status.PENDING)
    listing = reply_text(await say(inbox, shop, clock, "any news?"))
    assert "#1001" in listing and "#1002" in listing


async def test_sms_replies_are_gsm7_signed_and_short(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", ANA, Status.PROCESSING)
    text = reply_text(await say(inbox, shop, clock, "1042", channel=ChannelName.SMS))
    assert text.endswith("-Acme Coffee")
    assert len(text) <= 160
    assert text.isascii()


async def test_human_request_alerts_staff_and_flags_the_order(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", ANA, Status.PROCESSING)
    entries = await say(inbox, shop, clock, "can I talk to a real person please")
    alert = next(e for e in entries if e.kind == OutboxKind.STAFF_ALERT)
    assert alert.channel == "telegram"
    assert alert.message is not None and "#1042" in alert.message
    assert "team" in reply_text(entries)
    order = await service.db.orders.find_number(shop.id, "1042")
    assert order is not None and "customer_waiting" in order.flags
    attention = await service.requiring_attention(shop)
    assert any("customer_waiting" in item.reasons for item in attention)


async def test_cancel_request_goes_to_staff_not_straight_to_cancelled(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", ANA, Status.PENDING)
    entries = await say(inbox, shop, clock, "please cancel my order 1042")
    assert any(e.kind == OutboxKind.STAFF_ALERT for e in entries)
    assert "cancel" in reply_text(entries)
    order = await service.db.orders.find_number(shop.id, "1042")
    assert order is not None and order.status == Status.PENDING


async def test_stop_silences_the_channel_until_start(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", ANA, Status.PENDING)
    assert await say(inbox, shop, clock, "STOP", channel=ChannelName.SMS) == []  # Twilio confirms STOP itself
    assert await say(inbox, shop, clock, "where is 1042", channel=ChannelName.SMS) == []
    assert "#1042" in reply_text(await say(inbox, shop, clock, "1042"))  # other channels are unaffected
    assert "resume" not in reply_text(await say(inbox, shop, clock, "START", channel=ChannelName.SMS))
    assert "#1042" in reply_text(await say(inbox, shop, clock, "1042", channel=ChannelName.SMS))


async def test_other_ways_of_opting_out_get_our_confirmation(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    """Twilio only confirms its exact keywords; "stop sending me updates" is ours to confirm."""
    assert "won't get more messages" in reply_text(
        await say(inbox, shop, clock, "stop sending me updates", channel=ChannelName.SMS)
    )
    assert await say(inbox, shop, clock, "where is 1042", channel=ChannelName.SMS) == []


async def test_instagram_links_only_with_matching_details(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    await place(service, shop, "1042", ANA, Status.SHIPPED)
    ig = "17841400000000001"

    async def dm(text: str) -> str:
        return reply_text(await say(inbox, shop, clock, text, sender=ig, channel=ChannelName.INSTAGRAM))

    assert "last 4 digits" in await dm("where is my order 1042")
    wrong = await dm("order 1042, email bob@example.com")
    assert "don't match" in wrong and "on its way" not in wrong
    assert "don't match" in await dm("order 1042 phone ending 9999")
    assert "verified" in await dm("order 1042 ana@example.com")
    assert "on its way" in await dm("and where is it now? 1042")


async def test_a_redelivered_message_is_answered_once(
    inbox: Inbox, service: OrderService, shop: Shop, clock: Clock
) -> None:
    inbound = InboundMessage(ChannelName.WHATSAPP, "SMdup", ANA, shop.id, "hi", clock())
    assert await inbox.accept(shop, inbound) is not None
    assert await inbox.accept(shop, inbound) is None
    await inbox.drain()
    customer = await inbox.stores.customers.find_or_create(shop.id, now=clock(), phone=ANA)
    assert len(await inbox.stores.outbox.queued_for(shop.id, customer.id, "whatsapp")) == 1


async def test_a_flood_is_answered_once_then_only_recorded(
    service: OrderService, shop: Shop, clock: Clock
) -> None:
    inbox = Inbox(
        service.db,
        clock,
        Conversation(service, clock, stores=service.db),
        FloodLimit(messages=1, window_seconds=60),
    )
    flood = [InboundMessage(ChannelName.SMS, f"SMf{i}", ANA, shop.id, "hi", clock()) for i in range(1, 6)]
    stored = [await inbox.accept(shop, inbound) for inbound in flood]
    await inbox.drain()
    states = [(await service.db.messages.get(shop.id, m.id)) for m in stored if m is not None]
    assert len(states) == 5, states  # every message is recorded
    assert sum(m.state == DeliveryState.PROCESSED for m in states) == 1
    assert all(m.note == "rate_limited" for m in states if m.state == DeliveryState.IGNORED)
    customer = await service.db.customers.find_or_create(shop.id, now=clock(), phone=ANA)
    assert len(await service.db.outbox.queued_for(shop.id, customer.id, "sms")) == 1
    clock.advance(minutes=2)
    again = await inbox.accept(shop, InboundMessage(ChannelName.SMS, "SMf9", ANA, shop.id, "hi", clock()))
    await inbox.drain()
    assert again is not None
    assert (await service.db.messages.get(shop.id, again.id)).state == DeliveryState.PROCESSED


async def test_messages_left_unprocessed_by_a_crash_are_recovered(
    service: OrderService, shop: Shop, clock: Clock
) -> None:
    crashed = Inbox(service.db, clock, handler=None)
    crashed.work.workers = 0  # the process dies right after the 200: nothing handles the message
    message = await crashed.accept(
        shop, InboundMessage(ChannelName.WHATSAPP, "SMcrash", ANA, shop.id, "hello", clock())
    )
    assert message is not None
    assert [m.id for m in await service.db.inbox.pending(clock())] == [message.id]
    with pytest.raises(NotFound):
        await service.db.messages.get(shop.id, message.id)  # moved there once handled

    restarted = Inbox(service.db, clock, Conversation(service, clock, stores=service.db))
    assert await restarted.recover(older_than=timedelta(seconds=30)) == 0  # too fresh: maybe still in flight
    clock.advance(minutes=1)
    assert await restarted.recover(older_than=timedelta(seconds=30)) == 1
    assert (await service.db.messages.get(shop.id, message.id)).state == DeliveryState.PROCESSED
    assert await service.db.outbox.find_key(shop.id, f"reply:{message.id}") is not None
    assert await restarted.recover(older_than=timedelta(seconds=30)) == 0
    assert await service.db.inbox.pending(clock()) == []
