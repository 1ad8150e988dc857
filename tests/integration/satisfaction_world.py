"""The world of the satisfaction tests: the real app, the real database and the providers' real SDKs.

Orders arrive and are delivered by signed order webhooks; customers write by signed Twilio and Instagram
webhooks; the dispatcher sends through the Twilio SDK, the Graph API and SMTP to the stand-ins, and staff
alerts through python-telegram-bot to the Bot API stand-in. The clock is the test's. The test modules
(``test_satisfaction_asks``, ``test_satisfaction_answers``) take ``smtp`` and ``make_world`` from here.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels.instagram import sign as meta_sign
from orders.model import EmailSettings, NotifyPolicy, OutboxEntry, OutboxKind, Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, Sends, token_for
from tests.standins.graph import GraphStandin
from tests.standins.smtp import SmtpStandin, running_smtp
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import INBOX
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
APP_SECRET = "ig-app-secret-for-tests"
IG_TOKEN = "IGAAtest-access-token"
BOT_TOKEN = "7000000001:AAE-satisfaction-test-token"
PUBLIC_URL = "https://orderbot.example.com"
SHOP_WHATSAPP, SHOP_SMS, SHOP_IG = "+14155238886", "+14155550132", "17841400000000001"
ANA = "+4915112345678"  # Berlin, like the shop
BEN = "+14155550199"  # San Francisco
CARA_IG = "1790000000000042"
STAFF = 5012345678
SATISFACTION_SID = "HX" + "5" * 32


@dataclass
class World:
    client: TestClient[Any, Any]
    app: web.Application
    shop: Shop
    db: Database
    clock: Clock
    twilio: TwilioStandIn
    graph: GraphStandin
    telegram: TelegramStandin
    smtp: SmtpStandin
    sends: Sends
    sids: list[int] = field(default_factory=lambda: [0])

    async def order_event(self, event: str, event_id: str | None = None, **order: Any) -> None:
        body = json.dumps({"event": event, "order": order}).encode()
        headers = {
            "X-Orderbot-Signature": sign(self.shop.webhook_secret, body),
            "Content-Type": "application/json",
        }
        if event_id:
            headers["X-Orderbot-Event-Id"] = event_id
        response = await self.client.post(f"/webhooks/orders/{self.shop.id}", data=body, headers=headers)
        assert response.status == 200, await response.text()
        await self.sends.dispatch()

    async def new_order(self, number: str = "1042", channel: str = "whatsapp", **customer: str) -> None:
        await self.order_event(
            "order.created", id=f"A-{number}", number=number, status="shipped",
            customer={"name": "Ana Lima", **customer}, channel=channel,
        )  # fmt: skip

    async def deliver(self, number: str = "1042", event_id: str | None = None) -> None:
        await self.order_event("order.updated", event_id, id=f"A-{number}", number=number, status="fulfilled")

    async def twilio_message(self, sender: str, body: str, *, whatsapp: bool = True, **extra: str) -> None:
        """The customer writes; Twilio delivers a signed webhook (``extra``: ButtonPayload, ButtonText...)."""
        self.sids[0] += 1
        prefix = "whatsapp:" if whatsapp else ""
        own = SHOP_WHATSAPP if whatsapp else SHOP_SMS
        params = {
            "MessageSid": f"SM{self.sids[0]:032x}", "AccountSid": ACCOUNT_SID, "From": f"{prefix}{sender}",
            "To": f"{prefix}{own}", "Body": body, "NumMedia": "0", **extra,
        }  # fmt: skip
        url = f"{PUBLIC_URL}/webhooks/twilio/messages"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await self.client.post(
            "/webhooks/twilio/messages", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()
        await self.sends.dispatch()

    async def instagram_message(self, text: str, payload: str | None = None) -> None:
        self.sids[0] += 1
        message: dict[str, Any] = {"mid": f"aWdfZAG1m{self.sids[0]:08d}", "text": text}
        if payload:
            message["quick_reply"] = {"payload": payload}
        at = int(self.clock().timestamp() * 1000)
        event = {"sender": {"id": CARA_IG}, "recipient": {"id": SHOP_IG}, "timestamp": at, "message": message}
        body = json.dumps(
            {"object": "instagram", "entry": [{"id": SHOP_IG, "time": at, "messaging": [event]}]}
        )
        raw = body.encode()
        response = await self.client.post(
            "/webhooks/instagram", data=raw,
            headers={"X-Hub-Signature-256": meta_sign(APP_SECRET, raw), "Content-Type": "application/json"},
        )  # fmt: skip
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()
        await self.sends.dispatch()

    async def at(self, **delta: float) -> None:
        """Move the clock and let the dispatcher find what fell due."""
        self.clock.advance(**delta)
        await self.sends.dispatch()

    async def api(self, path: str, method: str = "GET", body: Any = None, role: str = "staff") -> Any:
        headers = {"Authorization": f"Bearer {token_for(self.shop, role=role)}"}
        response = await self.client.request(method, f"/api/v1{path}", headers=headers, json=body)
        assert response.status == 200, await response.text()
        return await response.json()

    async def order(self, number: str = "1042") -> Any:
        return await self.api(f"/orders/by-number/{number}")

    async def surveys(self, number: str = "1042") -> list[OutboxEntry]:
        order = await self.db.orders.find_external(self.shop.id, f"A-{number}")
        assert order is not None
        entries = await self.db.outbox.for_order(self.shop.id, order.id)
        return [entry for entry in entries if entry.kind == OutboxKind.SATISFACTION]

    def whatsapp_to(self, phone: str) -> list[Any]:
        return [r for r in self.twilio.created if r["To"] == f"whatsapp:{phone}"]

    def asked_on_whatsapp(self, phone: str = ANA) -> list[Any]:
        return [r for r in self.whatsapp_to(phone) if r.get("ContentSid") == SATISFACTION_SID]

    def staff_alerts(self) -> list[str]:
        return [sent.text for sent in self.telegram.messages_to(STAFF)]


WorldMaker = Callable[..., Awaitable[World]]


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with running_smtp() as server:
        yield server


@pytest.fixture
async def make_world(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
    smtp: SmtpStandin,
) -> AsyncIterator[WorldMaker]:
    """A world whose shop has ``notify`` settings (default: the satisfaction template) and ``app`` settings."""

    async def make(notify: NotifyPolicy | None = None, **configured: Any) -> World:
        twilio, graph, telegram = (
            TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN),
            GraphStandin(IG_TOKEN),
            TelegramStandin(BOT_TOKEN),
        )
        servers = [await aiohttp_server(standin.app()) for standin in (twilio, graph, telegram)]
        urls = [str(server.make_url("")).rstrip("/") for server in servers]
        app_settings = settings.model_copy(
            update={
                "public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": SecretStr(AUTH_TOKEN),
                "twilio_base_url": urls[0], "instagram_app_secret": SecretStr(APP_SECRET),
                "instagram_verify_token": SecretStr("verify"), "instagram_access_token": SecretStr(IG_TOKEN),
                "graph_base_url": urls[1] + "/", "telegram_bot_token": SecretStr(BOT_TOKEN),
                "telegram_webhook_secret": SecretStr("telegram-secret"), "telegram_base_url": urls[2],
                **configured,
            }
        )  # fmt: skip
        shop = new_shop(
            "Acme Coffee", clock(), timezone="Europe/Berlin", whatsapp_number=SHOP_WHATSAPP, sms_number=SHOP_SMS,
            instagram_id=SHOP_IG, staff_telegram_ids=[STAFF], languages=["en", "es"],
            notify=notify or NotifyPolicy(whatsapp_templates={"satisfaction": SATISFACTION_SID}),
            email=EmailSettings(host=smtp.host, port=smtp.port, security="none", from_address="orders@acme.example"),
        )  # fmt: skip
        await db.shops.add(shop)
        app = build_app(app_settings, clock=clock)
        client = await aiohttp_client(app)
        return World(client, app, shop, db, clock, twilio, graph, telegram, smtp, Sends(app))

    yield make


async def delivered_to_ana(world: World, *, wrote: bool = True) -> None:
    """Order 1042 of Ana (WhatsApp), delivered at 10:00 her time; she wrote just before unless not ``wrote``."""
    if wrote:
        world.twilio.customer_wrote(ANA)
        await world.twilio_message(ANA, "hi, is it coming today?")
    await world.new_order(phone=ANA)
    await world.deliver()


async def asked_ana(world: World) -> None:
    await delivered_to_ana(world)
    world.twilio.customer_wrote(ANA)
    await world.at(hours=24)
    assert len(world.asked_on_whatsapp()) == 1


async def asked_by_email(world: World) -> dict[int, str]:
    """Order 1045 of Dan, who has only an email address: asked by email; the link path for each score."""
    await world.order_event(
        "order.created", id="A-1045", number="1045", status="shipped",
        customer={"name": "Dan Brown", "email": "dan@example.com"},
    )  # fmt: skip
    await world.deliver("1045")
    await world.at(hours=24)
    mail = world.smtp.mailbox.received[-1].message()
    text = mail.get_body(("plain",))
    assert text is not None
    lines = text.get_content().splitlines()
    links = [
        found.groups()
        for line in lines
        if (found := re.fullmatch(rf"(\d) \S+\s+{re.escape(PUBLIC_URL)}(/csat/\S+)", line))
    ]
    assert sorted(score for score, _ in links) == ["1", "2", "3", "4", "5"]
    return {int(score): path for score, path in links}
