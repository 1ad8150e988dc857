"""A customer's whole journey through the real webhooks, the outbox and the Twilio SDK.

Signed WhatsApp message in → stored → conversation → outbox → notifier → Twilio stand-in, and back:
status callbacks, shop status changes notifying the customer, retries and permanent refusals.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, Sends, finish_background, token_for
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import INBOX
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
PUBLIC_URL = "https://orderbot.example.com"
SHOP_WHATSAPP = "+14155238886"
ANA, BEN = "+4915112345678", "+447700900123"
BOT_TOKEN = "7000000001:AAE-journey-test-token"
STAFF = 5012345678


@dataclass
class World:
    client: TestClient[Any, Any]
    app: web.Application
    twilio: TwilioStandIn
    shop: Shop
    db: Database
    clock: Clock
    telegram: TelegramStandin
    sends: Sends
    sids: int = 0

    async def whatsapp(self, sender: str, body: str) -> None:
        """The customer writes; Twilio delivers a signed webhook."""
        self.sids += 1
        params = {
            "MessageSid": f"SM{self.sids:032x}", "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{sender}",
            "To": f"whatsapp:{SHOP_WHATSAPP}", "Body": body, "NumMedia": "0", "ProfileName": "Ana",
            "WaId": sender.lstrip("+"),
        }  # fmt: skip
        url = f"{PUBLIC_URL}/webhooks/twilio/messages"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await self.client.post(
            "/webhooks/twilio/messages", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()

    async def order_event(self, event: str, **order: Any) -> dict[str, Any]:
        body = json.dumps({"event": event, "order": order}).encode()
        response = await self.client.post(
            f"/webhooks/orders/{self.shop.id}",
            data=body,
            headers={
                "X-Orderbot-Signature": sign(self.shop.webhook_secret, body),
                "Content-Type": "application/json",
            },
        )
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        await finish_background(self.client.app)  # the event is applied after the answer
        return answer

    async def dispatch(self) -> int:
        """How many entries were taken to be sent since the last look: at once, or by a dispatcher pass."""
        return await self.sends.dispatch()

    async def status_callback(self, sid: str, status: str, error_code: str | None = None) -> None:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{SHOP_WHATSAPP}", "To": f"whatsapp:{ANA}"}  # fmt: skip
        if error_code:
            params["ErrorCode"] = error_code
        url = f"{PUBLIC_URL}/webhooks/twilio/status"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await self.client.post(
            "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status in (200, 204), await response.text()

    async def api(self, path: str) -> Any:
        response = await self.client.get(
            f"/api/v1{path}", headers={"Authorization": f"Bearer {token_for(self.shop)}"}
        )
        assert response.status == 200
        return await response.json()

    def sent_to(self, phone: str) -> list[str]:
        return [r["Body"] for r in self.twilio.created if r["To"] == f"whatsapp:{phone}"]


@pytest.fixture
async def world(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
) -> World:
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(twilio.app())
    telegram = TelegramStandin(BOT_TOKEN)
    telegram_server = await aiohttp_server(telegram.app())
    configured = settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_base_url": f"http://{server.host}:{server.port}",
            "telegram_bot_token": SecretStr(BOT_TOKEN),
            "telegram_webhook_secret": SecretStr("telegram-secret"),
            "telegram_base_url": str(telegram_server.make_url("")).rstrip("/"),
        }
    )
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=SHOP_WHATSAPP, staff_telegram_ids=[STAFF])
    await db.shops.add(shop)
    app = build_app(configured, clock=clock)
    client = await aiohttp_client(app)
    world = World(client, app, twilio, shop, db, clock, telegram, Sends(app))
    await world.order_event("order.created", id="A-1042", number="1042", status="processing",
                            customer={"name": "Ana Lima", "phone": ANA}, channel="whatsapp")  # fmt: skip
    await world.order_event("order.created", id="B-2001", number="2001", status="shipped",
                            customer={"name": "Ben Okafor", "phone": BEN},
                            tracking={"carrier": "DHL", "number": "SECRET-TRACK"})  # fmt: skip
    await world.dispatch()  # the two "order received" notifications: outside any window, nothing to send
    return world


async def test_a_whatsapp_question_gets_a_private_styled_answer(world: World) -> None:
    await world.whatsapp(ANA, "hey where's my stuff?? order 1042")
    assert await world.dispatch() == 1
    [reply] = world.sent_to(ANA)
    assert "#1042" in reply and "being prepared" in reply and "Ana" in reply
    sent = world.twilio.created[-1]
    assert sent["From"] == f"whatsapp:{SHOP_WHATSAPP}"
    assert sent["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio/status"

    await world.whatsapp(ANA, "and order 2001?")  # Ben's order
    await world.dispatch()
    leak = world.sent_to(ANA)[-1]
    assert "couldn't find order #2001" in leak
    assert "SECRET-TRACK" not in leak and "on its way" not in leak


async def test_delivery_callbacks_reach_the_stats(world: World) -> None:
    await world.whatsapp(ANA, "1042")
    await world.dispatch()
    customer = await world.db.customers.find_or_create(world.shop.id, now=world.clock(), phone=ANA)
    [outbound] = [
        m for m in await world.db.messages.recent(world.shop.id, customer.id) if m.direction == "out"
    ]
    provider_id = outbound.provider_id
    assert provider_id.startswith("SM")  # the SID the stand-in gave, as Twilio would
    await world.status_callback(provider_id, "sent")
    await world.status_callback(provider_id, "delivered")
    await world.status_callback(provider_id, "delivered")  # a retried callback counts once
    stats = await world.api("/orders/stats")
    assert stats["notifications"]["sent"] == 1
    assert stats["notifications"]["delivered"] == 1
    assert stats["notifications"]["delivery_rate"] == 1.0


async def test_a_status_change_notifies_the_customer_once(world: World) -> None:
    await world.whatsapp(ANA, "hi")  # opens the 24-hour window
    await world.dispatch()
    before = len(world.sent_to(ANA))
    update = {"id": "A-1042", "status": "shipped", "updated_at": "2026-11-02T10:00:00Z",
              "tracking": {"carrier": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"}}  # fmt: skip
    for _ in range(3):  # the shop's system retries its delivery
        await world.order_event("order.updated", **update)
    await world.dispatch()
    await world.dispatch()
    news = world.sent_to(ANA)[before:]
    assert len(news) == 1
    assert "on its way" in news[0] and "https://ups.example/1Z999" in news[0]


async def test_transient_failures_retry_until_exactly_one_arrives(world: World) -> None:
    world.twilio.fail_next(2, status=503)
    await world.whatsapp(ANA, "1042")
    for _ in range(3):
        await world.dispatch()
        world.clock.advance(minutes=10)
    assert len(world.sent_to(ANA)) == 1
    assert [r.answered for r in world.twilio.requests][-3:] == [503, 503, 201]


async def test_an_opted_out_number_is_not_retried_and_flags_the_order(world: World) -> None:
    world.twilio.fail_next(1, status=400, code=21610)
    await world.whatsapp(ANA, "1042")
    await world.dispatch()
    world.clock.advance(hours=1)
    await world.dispatch()
    assert len(world.twilio.requests) == 1
    attention = await world.api("/orders/requiring-attention?reason=notification_failed")
    assert [o["number"] for o in attention["orders"]] == ["1042"]


async def test_asking_for_a_person_alerts_the_staff_in_telegram(world: World) -> None:
    await world.whatsapp(ANA, "can I talk to a real person about 1042?")
    assert await world.dispatch() == 2  # the reply to Ana and the staff alert
    [alert] = world.telegram.messages_to(STAFF)
    assert "#1042" in alert.text and "person" in alert.text
    assert "team" in world.sent_to(ANA)[-1]
    attention = await world.api("/orders/requiring-attention?reason=customer_waiting")
    assert [o["number"] for o in attention["orders"]] == ["1042"]
