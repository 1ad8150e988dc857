"""A message parked behind a WhatsApp nudge does not wait forever: without a reply in the shop's time it
goes by SMS, then email, or is skipped with the reason; a reply and the expiry never both move it.

The real notifier, the real database and the real twilio SDK against the Messages API stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from orders.lifecycle import Status
from orders.model import CustomerId, NotifyPolicy
from orders.store import Database
from tests.conftest import Clock
from tests.integration.notifier_desk import ANA, NUDGE_SID, SHOP_SMS, Desk, Server, open_desk

NUDGE_ONLY = NotifyPolicy(whatsapp_templates={"nudge": NUDGE_SID}, quiet_start="00:00", quiet_end="00:00")


@pytest.fixture
async def desk(db: Database, clock: Clock, aiohttp_server: Server) -> AsyncIterator[Desk]:
    async with open_desk(db, clock, aiohttp_server) as opened:
        opened.twilio.approve(NUDGE_SID)
        yield opened


async def test_without_a_reply_in_24_hours_the_parked_update_goes_by_sms(desk: Desk) -> None:
    shop = await desk.shop(notify=NUDGE_ONLY, sms_number=SHOP_SMS)
    order_id = await desk.order(shop, wrote_hours_ago=30)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    [nudge] = desk.twilio.created
    assert nudge["ContentSid"] == NUDGE_SID
    parked = (await desk.entries(shop, order_id))[-1]
    assert (parked.state, parked.due_at) == ("parked", desk.clock() + timedelta(hours=24))

    desk.clock.advance(hours=23, minutes=59)
    await desk.drain()
    assert len(desk.twilio.created) == 1 and (await desk.entries(shop, order_id))[-1].state == "parked"

    desk.clock.advance(minutes=1)
    await desk.drain()
    [_, sms] = desk.twilio.created
    assert (sms["To"], sms["From"]) == (ANA, SHOP_SMS) and "1042" in sms["Body"]
    sent = (await desk.entries(shop, order_id))[-1]
    assert (sent.state, sent.nudge_unanswered, sent.attempts) == ("sent", True, 1)

    desk.clock.advance(hours=48)
    await desk.drain()
    assert len(desk.twilio.created) == 2  # once: no second nudge, no second SMS


async def test_a_newer_update_parked_behind_the_nudge_expires_with_it_at_the_shops_time(desk: Desk) -> None:
    shop = await desk.shop(notify=NUDGE_ONLY.model_copy(update={"nudge_wait_hours": 2}))
    order_id = await desk.order(shop, wrote_hours_ago=30)
    await desk.move(shop, order_id, Status.SHIPPED)
    await desk.drain()
    nudged_until = desk.clock() + timedelta(hours=2)
    desk.clock.advance(hours=1)
    await desk.move(shop, order_id, Status.FULFILLED)
    await desk.drain()
    latest = (await desk.entries(shop, order_id))[-1]
    assert (latest.status, latest.state, latest.due_at) == (Status.FULFILLED, "parked", nudged_until)

    desk.clock.advance(hours=1)
    await desk.drain()
    assert len(desk.twilio.created) == 1  # the nudge only: no SMS number, no email, no second nudge
    skipped = (await desk.entries(shop, order_id))[-1]
    assert skipped.state == "skipped"
    assert skipped.error == "outside the 24-hour whatsapp window and no reply to the nudge"


async def test_a_reply_and_the_expiry_move_a_parked_entry_once(desk: Desk) -> None:
    shop = await desk.shop(notify=NUDGE_ONLY, sms_number=SHOP_SMS)
    first = await desk.order(shop, wrote_hours_ago=30, number="1042")
    await desk.move(shop, first, Status.SHIPPED)
    await desk.drain()
    parked = (await desk.entries(shop, first))[-1]
    assert parked.customer_id is not None and parked.state == "parked"
    desk.clock.advance(hours=24)

    # the reply comes first (as the inbox records it): the expiry finds nothing parked
    await desk.db.customers.record_inbound(shop.id, CustomerId(parked.customer_id), "whatsapp", desk.clock())
    desk.twilio.customer_wrote(ANA)
    assert await desk.db.outbox.release_parked(shop.id, parked.customer_id, "whatsapp", desk.clock()) == 1
    assert await desk.db.outbox.expire_parked(desk.clock()) == []
    released = (await desk.entries(shop, first))[-1]
    assert (released.state, released.nudge_unanswered) == ("queued", False)

    # the expiry comes first: the reply finds nothing parked
    second = await desk.order(shop, wrote_hours_ago=None, number="1043", phone="+4915112345679")
    await desk.move(shop, second, Status.SHIPPED)
    await desk.drain()  # sends the first (released) update as free text and nudges for the second
    assert (await desk.entries(shop, first))[-1].state == "sent"
    waiting = (await desk.entries(shop, second))[-1]
    assert waiting.state == "parked" and waiting.customer_id is not None
    desk.clock.advance(hours=24)
    [expired] = await desk.db.outbox.expire_parked(desk.clock())
    assert (expired.id, expired.state, expired.nudge_unanswered) == (waiting.id, "queued", True)
    assert await desk.db.outbox.release_parked(shop.id, waiting.customer_id, "whatsapp", desk.clock()) == 0
