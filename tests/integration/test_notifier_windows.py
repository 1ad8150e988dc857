"""WhatsApp outside the 24-hour window: the shop's template, else park and nudge, else SMS or email.

The real notifier, the real database and the real twilio SDK against the Messages API stand-in, which
keeps WhatsApp windows itself: free text to a customer who has not written is refused with 63016.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]

from bot.inbox import Inbox
from channels.base import ChannelName, InboundMessage
from orders.lifecycle import Status
from orders.model import NotificationId, NotifyPolicy, OutboxEntry, OutboxKind
from orders.store import Database
from tests.conftest import Clock
from tests.integration.notifier_desk import (
    ANA,
    NUDGE_SID,
    SHIPPED_SID,
    SHOP_SMS,
    SHOP_WHATSAPP,
    Desk,
    Server,
    open_desk,
)


@pytest.fixture
async def desk(db: Database, clock: Clock, aiohttp_server: Server) -> AsyncIterator[Desk]:
    async with open_desk(db, clock, aiohttp_server) as opened:
        yield opened


async def test_inside_the_window_the_full_message_goes_as_free_text(desk: Desk) -> None:
    shop = await desk.shop(notify=NotifyPolicy(whatsapp_templates={"shipped": SHIPPED_SID}))
    order_id = await desk.order(shop, wrote_hours_ago=2)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    [sent] = desk.twilio.created
    assert sent.get("ContentSid") is None and "1042" in sent["Body"]


async def test_outside_the_window_the_shops_template_for_the_status_goes(desk: Desk) -> None:
    desk.twilio.approve(SHIPPED_SID)
    shop = await desk.shop(notify=NotifyPolicy(whatsapp_templates={"shipped": SHIPPED_SID}))
    order_id = await desk.order(shop, wrote_hours_ago=30)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    [sent] = desk.twilio.created
    assert sent["To"] == f"whatsapp:{ANA}" and sent.get("Body") is None
    assert sent["ContentSid"] == SHIPPED_SID
    assert json.loads(sent["ContentVariables"]) == {"1": "Ana", "2": "1042"}
    assert (await desk.entries(shop, order_id))[-1].state == "sent"


async def test_without_a_status_template_it_parks_nudges_once_and_sends_when_she_replies(
    desk: Desk,
) -> None:
    desk.twilio.approve(NUDGE_SID)
    shop = await desk.shop(notify=NotifyPolicy(whatsapp_templates={"nudge": NUDGE_SID}))
    order_id = await desk.order(shop, wrote_hours_ago=None)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    [nudge] = desk.twilio.created
    assert nudge["ContentSid"] == NUDGE_SID
    assert json.loads(nudge["ContentVariables"]) == {"1": "Ana", "2": "Acme Coffee"}
    parked = (await desk.entries(shop, order_id))[-1]
    assert parked.state == "parked" and parked.held and "nudged" in parked.held

    await desk.move(shop, order_id, Status.FULFILLED)  # a newer update while she has not replied
    await desk.drain()
    assert len(desk.twilio.created) == 1  # no second nudge
    states = [(e.status, e.state, e.error) for e in await desk.entries(shop, order_id)]
    assert states[-2:] == [(Status.SHIPPED, "skipped", "superseded"), (Status.FULFILLED, "parked", None)]

    # Ana writes back: the window opens and the parked update (the latest state only) goes as free text
    desk.twilio.customer_wrote(ANA)
    inbox = Inbox(desk.db, desk.clock)
    stored = await inbox.accept(
        shop,
        InboundMessage(ChannelName.WHATSAPP, "SM" + "9" * 32, ANA, SHOP_WHATSAPP, "hi", desk.clock()),
    )
    assert stored is not None
    await inbox.process(shop, stored)
    await desk.drain()
    [_, update] = desk.twilio.created
    assert update.get("ContentSid") is None and "1042" in update["Body"]
    assert (await desk.entries(shop, order_id))[-1].state == "sent"


async def test_without_templates_it_falls_back_to_sms(desk: Desk) -> None:
    shop = await desk.shop(sms_number=SHOP_SMS)
    order_id = await desk.order(shop, wrote_hours_ago=30)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    [sent] = desk.twilio.created
    assert (sent["To"], sent["From"]) == (ANA, SHOP_SMS)
    assert "1042" in sent["Body"]


async def test_with_no_template_and_no_fallback_it_is_skipped_with_the_reason(desk: Desk) -> None:
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=30)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    assert desk.twilio.requests == []
    last = (await desk.entries(shop, order_id))[-1]
    assert last.state == "skipped"
    assert last.error == "outside the 24-hour whatsapp window with no approved template"


async def test_free_text_outside_the_window_fails_with_63016_and_flags_the_order(desk: Desk) -> None:
    shop = await desk.shop()
    order_id = await desk.order(shop, wrote_hours_ago=2)
    desk.twilio.window_closed(ANA)  # our record says open; WhatsApp disagrees
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    last = (await desk.entries(shop, order_id))[-1]
    assert (last.state, last.error_code) == ("failed", "63016")
    assert "notification_failed" in (await desk.db.orders.get(shop.id, order_id)).flags


async def test_instagram_outside_its_window_falls_back_or_is_skipped(desk: Desk) -> None:
    shop = await desk.shop(instagram_id="17841400000000001", sms_number=SHOP_SMS)
    order_id = await desk.order(shop, wrote_hours_ago=None)
    # the order has a phone: SMS carries a message meant for Instagram
    entry = await desk.service.desk.notify(shop, order_id, message="Hi", channel="instagram", actor="ana")
    # an Instagram-only customer who last wrote two days ago: nothing may reach them
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), instagram_id="ig-ana")
    await desk.db.customers.record_inbound(
        shop.id, customer.id, "instagram", desk.clock() - timedelta(days=2)
    )
    lonely = await desk.db.outbox.add(
        OutboxEntry(
            id=NotificationId("ntf_ig"), shop_id=shop.id, customer_id=customer.id, kind=OutboxKind.MANUAL,
            channel="instagram", message="Hi", due_at=desk.clock(), idempotency_key="ig-only",
            created_at=desk.clock(),
        )
    )  # fmt: skip
    await desk.drain()
    [sent] = [r for r in desk.twilio.created if r.get("Body") == "Hi -Acme Coffee"]
    assert sent["To"] == ANA
    assert (await desk.db.outbox.find_key(shop.id, entry.idempotency_key)).state == "sent"  # type: ignore[union-attr]
    skipped = await desk.db.outbox.find_key(shop.id, lonely.idempotency_key)
    assert skipped is not None and skipped.state == "skipped"
    assert skipped.error == "outside the 24-hour instagram window"


async def test_the_standin_checks_content_requests_as_twilio_does(desk: Desk) -> None:
    desk.twilio.approve(SHIPPED_SID)
    client = desk.channels.whatsapp._client  # the SDK client, to send what our adapter never would
    cases = [
        ({"content_variables": '{"1": "Ana"}'}, 21654),  # variables without a template
        ({"content_sid": "HX123"}, 21655),  # not a Content SID
        ({"content_sid": NUDGE_SID}, 21655),  # not approved
        ({"content_sid": SHIPPED_SID, "content_variables": "not json"}, 21656),
        ({"content_sid": SHIPPED_SID, "content_variables": '{"1": ""}'}, 21656),  # empty value
        ({"body": "free text"}, 63016),  # outside the window
    ]
    for fields, code in cases:
        with pytest.raises(TwilioRestException) as raised:
            await client.messages.create_async(
                to=f"whatsapp:{ANA}", from_=f"whatsapp:{SHOP_WHATSAPP}", **fields
            )
        assert raised.value.code == code, fields
    created = await client.messages.create_async(
        to=f"whatsapp:{ANA}", from_=f"whatsapp:{SHOP_WHATSAPP}", content_sid=SHIPPED_SID,
        content_variables='{"1": "Ana", "2": "1042"}',
    )  # fmt: skip
    assert created.sid.startswith("SM")
