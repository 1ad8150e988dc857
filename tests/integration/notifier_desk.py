"""A notifier on the real database and the real twilio SDK against the Messages API stand-in, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.notifier import Notifier
from channels.twilio import TwilioChannels, open_twilio
from orders.lifecycle import Status
from orders.model import Customer, OrderData, OrderId, OutboxEntry, Shop, Source
from orders.service import OrderService, new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background
from tests.standins.twilio import TwilioStandIn
from webhooks.settings import Settings

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "2" * 32
SHOP_WHATSAPP, SHOP_SMS = "+14155238886", "+14155550132"
ANA = "+4915112345678"
SHIPPED_SID, NUDGE_SID = "HX" + "a" * 32, "HX" + "b" * 32


@dataclass
class Desk:
    db: Database
    clock: Clock
    service: OrderService
    notifier: Notifier
    twilio: TwilioStandIn
    channels: TwilioChannels
    twilio_url: str
    #: The web app a test serves beside the desk, sending through the same stand-in (``web_settings``).
    app: web.Application | None = None

    def web_settings(self, settings: Settings) -> Settings:
        """``settings`` for a web app that sends through the desk's stand-in, as every process with a
        notifier sends what it queues."""
        return settings.model_copy(
            update={
                "twilio_account_sid": ACCOUNT_SID,
                "twilio_auth_token": SecretStr(AUTH_TOKEN),
                "twilio_base_url": self.twilio_url,
            }
        )

    async def shop(self, **details: object) -> Shop:
        shop = new_shop("Acme Coffee", self.clock(), whatsapp_number=SHOP_WHATSAPP, **details)
        await self.db.shops.add(shop)
        return shop

    async def order(
        self, shop: Shop, *, wrote_hours_ago: float | None, number: str = "1042", phone: str = ANA
    ) -> OrderId:
        """A customer's order on WhatsApp; they last wrote ``wrote_hours_ago`` (None: never).

        Its "created" update stays queued: the next status update supersedes it.
        """
        customer = await self.db.customers.find_or_create(shop.id, now=self.clock(), phone=phone)
        if wrote_hours_ago is not None:
            at = self.clock() - timedelta(hours=wrote_hours_ago)
            await self.db.customers.record_inbound(shop.id, customer.id, "whatsapp", at)
            if wrote_hours_ago <= 24:
                self.twilio.customer_wrote(phone)
        data = OrderData(
            external_id=f"A-{number}", number=number, status=Status.PROCESSING,
            customer=Customer(name="Ana Lima", phone=phone, email="ana@example.com"), channel="whatsapp",
        )  # fmt: skip
        return (await self.service.apply_event(shop, "created", data)).order.id

    async def move(self, shop: Shop, order_id: OrderId, status: Status) -> None:
        await self.service.update_status(shop, order_id, status, source=Source.STAFF, actor="ana")

    async def drain(self) -> None:
        """Everything due is sent: what the web app sends at once, once it is done, then the desk's passes."""
        if self.app is not None:
            await finish_background(self.app)
        while await self.notifier.run_once():
            pass

    async def entries(self, shop: Shop, order_id: OrderId) -> list[OutboxEntry]:
        return await self.db.outbox.for_order(shop.id, order_id)


Server = Callable[..., Awaitable[TestServer]]


@contextlib.asynccontextmanager
async def open_desk(
    db: Database, clock: Clock, aiohttp_server: Server, *, latency: float = 0.0, timeout: float = 10.0
) -> AsyncIterator[Desk]:
    """A desk for a test's fixture: ``async with open_desk(db, clock, aiohttp_server) as desk``.

    ``latency``: the stand-in's delay before each answer; ``timeout``: the channel's, for the answer.
    """
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, windows=True, latency=latency)
    server = await aiohttp_server(twilio.app())
    url = str(server.make_url("")).rstrip("/")
    channels = open_twilio(
        auth_token=AUTH_TOKEN, account_sid=ACCOUNT_SID, clock=clock, base_url=url, timeout=timeout
    )
    service = OrderService(db, clock)
    notifier = Notifier(service, {"sms": channels.sms, "whatsapp": channels.whatsapp}, clock, stores=db)
    try:
        yield Desk(db, clock, service, notifier, twilio, channels, url)
    finally:
        await channels.close()
