"""Background work takes turns at the process's database slots; webhooks never wait for them.

Through the web app (``build_app`` without the worker) with one database slot, which the test holds itself
as a stand-in for another shop's work in flight: signed Twilio and order webhooks, the real database and
the twilio SDK against the Messages API stand-in, with the harness of ``test_twilio``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from bot.notifier import Notifier
from bot.work import FairSlots
from orders.lifecycle import Status
from orders.model import OutboxKind
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock, finish_background
from tests.integration import test_twilio as tw
from tests.integration.test_prompt_sends import sms, until
from tests.integration.test_send_scheduling import SHOP_A_WHATSAPP, entry_for, whatsapp_shop
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import DATABASE_SLOTS, TWILIO
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

# the harness's fixtures, used here by name
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings
raw = tw.raw


@pytest.fixture
async def one_slot(
    aiohttp_client: AiohttpClient, twilio_settings: Settings, db: Database, clock: Clock
) -> TestClient[Any, Any]:
    return await aiohttp_client(
        build_app(twilio_settings.model_copy(update={"database_slots": 1}), clock=clock)
    )


async def order_event(client: TestClient[Any, Any], shop_id: str, secret: str, n: int, **order: Any) -> int:
    body = json.dumps({"event": "order.updated" if n else "order.created", "order": order}).encode()
    headers = {"Content-Type": "application/json", "X-Orderbot-Signature": sign(secret, body),
               "X-Orderbot-Event-Id": f"event-{n}"}  # fmt: skip
    async with client.post(f"/webhooks/orders/{shop_id}", data=body, headers=headers) as response:
        return response.status


async def test_webhooks_answer_while_the_work_they_leave_waits_for_a_database_slot(
    one_slot: TestClient[Any, Any], standin_url: tuple[TwilioStandIn, str], db: Database, raw: tw.Raw,
    clock: Clock,
) -> None:  # fmt: skip
    standin = standin_url[0]
    shop = new_shop("Acme Coffee", clock(), sms_number=tw.SHOP_SMS)
    await db.shops.add(shop)
    order = {"id": "ext-1", "number": "1001", "customer": {"name": "Ada", "email": "ada@example.com"}}
    assert (
        await order_event(one_slot, shop.id, shop.webhook_secret, 0, **order) == 200
    )  # stored before its answer
    await finish_background(one_slot.app)

    async with one_slot.app[DATABASE_SLOTS].hold("another-shop"):
        assert (await tw.post(one_slot, sms(tw.CUSTOMER_SMS, tw.SHOP_SMS, 1))).status == 200
        assert await order_event(one_slot, shop.id, shop.webhook_secret, 1, **order, status="shipped") == 200
        await asyncio.sleep(0.3)  # time enough for the work to be done, were it not waiting for the slot
        assert await raw["inbox"].count_documents({}) == 1 and not standin.created
        assert (await db.orders.find_external(shop.id, "ext-1")).status == Status.PENDING  # type: ignore[union-attr]
        assert one_slot.app[DATABASE_SLOTS].waiting == 2  # the message's handling and the event's applying

    await until(lambda: bool(standin.created))  # the slot is free: the reply goes, the event is applied
    await finish_background(one_slot.app)
    assert [request["To"] for request in standin.created] == [tw.CUSTOMER_SMS]
    assert await raw["inbox"].count_documents({}) == 0
    assert (await db.orders.find_external(shop.id, "ext-1")).status == Status.SHIPPED  # type: ignore[union-attr]


async def test_a_send_takes_its_turns_at_the_slots_but_leaves_them_while_the_provider_answers(
    aiohttp_client: AiohttpClient, twilio_settings: Settings, standin_url: tuple[TwilioStandIn, str],
    db: Database, clock: Clock,
) -> None:  # fmt: skip
    app = build_app(twilio_settings, clock=clock)
    await aiohttp_client(app)
    standin = standin_url[0]
    standin.latency = 0.5  # every answer: while the first waits for it, the second send may take the slot
    slots = FairSlots(1)
    notifier = Notifier(
        OrderUseCases.build(db, clock).desk, {"whatsapp": app[TWILIO].whatsapp}, clock, stores=db,
        database_slots=slots,
    )  # fmt: skip
    shop = await whatsapp_shop(db, clock(), "Acme Coffee", SHOP_A_WHATSAPP)
    entries = [
        await db.outbox.add(
            await entry_for(db, shop, f"+491511234{n:04d}", OutboxKind.MANUAL, f"m{n}", clock())
        )
        for n in range(2)
    ]
    async with slots.hold("another-shop"):
        first = asyncio.create_task(notifier.send_now(entries[0].id, shop_id=shop.id))
        await asyncio.sleep(0.2)  # time enough to claim and send it, were it not waiting for the slot
        assert not standin.requests and slots.waiting == 1

    await until(lambda: len(standin.requests) == 1)
    second = asyncio.create_task(notifier.send_now(entries[1].id, shop_id=shop.id))
    await until(lambda: len(standin.requests) == 2)
    assert not first.done()  # the second went to the provider while the first still waited for its answer
    assert await first and await second
    assert {request["Body"] for request in standin.requests} == {"m0", "m1"}
