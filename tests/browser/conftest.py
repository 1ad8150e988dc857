"""The order desk in a real browser: Debian's Chromium driven by Playwright against the real app.

One app for the session, served on a real loopback port from its own thread and event loop (so the
tests can be plain synchronous Playwright code), on the suite's real database. Each test gets its own
shops, so tests never see each other's orders. One browser for the browser module; a fresh page per test.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import urllib.request
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from pydantic import SecretStr
from pymongo.errors import AutoReconnect

from orders.lifecycle import Status
from orders.model import Customer, Item, Order, OrderData, Shop, Tracking
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import SECRET_KEY, Clock, finish_background, token_for
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import SERVICE
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class LiveApp:
    """``build_app`` on a real port in a background thread; ``run`` executes a coroutine in its loop."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-app", daemon=True)
        self.thread.start()
        self.app = build_app(settings, clock=clock)
        self.runner = web.AppRunner(self.app)
        self.run(self.runner.setup())
        self.run(web.TCPSite(self.runner, "127.0.0.1", 0).start())
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def service(self) -> OrderUseCases:
        return self.app[SERVICE]

    @property
    def db(self) -> Database:
        return self.service.db

    def close(self) -> None:
        async def stop() -> None:
            try:
                await self.db.drop()
            except AutoReconnect:  # a pooled connection went stale while the session ran; a new one works
                await self.db.drop()
            await self.runner.cleanup()

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def live_app(
    mongodb_uri: str, data_dir: Path, *, name: str = "browser", now: datetime = NOW, **settings: Any
) -> Iterator[LiveApp]:
    """An app of its own on the suite's database (a fresh database ``test_<name>_…``), with ``settings``
    on top of what every live app needs; dropped and stopped after."""
    app = LiveApp(
        Settings(
            MONGODB_URI=mongodb_uri,
            MONGODB_DB=f"test_{name}_{secrets.token_hex(6)}",
            ORDERBOT_SECRET_KEY=SECRET_KEY,
            ORDERBOT_DATA_DIR=data_dir,
            **settings,
        ),
        Clock(now),
    )
    try:
        yield app
    finally:
        app.close()


class Served:
    """An aiohttp app on a loopback port, in its own thread and loop (a stand-in the live app sends to)."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="standin", daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(app)
        asyncio.run_coroutine_threadsafe(self.runner.setup(), self.loop).result(10)
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        asyncio.run_coroutine_threadsafe(site.start(), self.loop).result(10)
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class ServedTwilio:
    """The Twilio stand-in on a real port, and the settings that point a live app's Twilio at it."""

    standin: TwilioStandIn
    url: str

    def settings(self) -> dict[str, Any]:
        return {
            "TWILIO_ACCOUNT_SID": self.standin.account_sid,
            "TWILIO_AUTH_TOKEN": SecretStr(self.standin.auth_token),
            "ORDERBOT_TWILIO_BASE_URL": self.url,
        }


@contextmanager
def served_twilio(
    account_sid: str, auth_token: str, *, approved: tuple[str, ...] = ()
) -> Iterator[ServedTwilio]:
    """The Twilio stand-in for ``account_sid``, with the WhatsApp templates ``approved``, served while in use."""
    standin = TwilioStandIn(account_sid, auth_token)
    standin.approve(*approved)
    served = Served(standin.app())
    try:
        yield ServedTwilio(standin, served.url)
    finally:
        served.close()


@pytest.fixture(scope="session")
def live(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with live_app(mongodb_uri, tmp_path_factory.mktemp("browser-var")) as app:
        yield app


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module-scoped: sync Playwright keeps an event loop running in this thread while it is open, and
    # the async tests of later modules need the thread free. One module drives the browser.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class PageWatch:
    """What the page did that it must not: script dialogs (alert) and console errors."""

    dialogs: list[str]
    errors: list[str]


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch(dialogs=[], errors=[])


@pytest.fixture
def page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    # The browser's own zone differs from the shop's (Berlin), so shown times prove the shop's zone is used.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        reduced_motion="reduce",
        locale="en-US",
        timezone_id="America/Los_Angeles",
    )
    opened = context.new_page()
    opened.set_default_timeout(5000)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(message.text)

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield opened
    context.close()


# (number, status, hours since placed, hours in the status, customer name, tracked)
DESK_ORDERS: list[tuple[str, Status, float, float, str, bool]] = [
    ("1001", Status.PENDING, 60, 60, "Ana Lima", False),
    ("1002", Status.PENDING, 2, 2, "Ben Okafor", False),
    ("1003", Status.PROCESSING, 100, 90, "Chloé Martin", True),
    ("1004", Status.PROCESSING, 10, 5, "Dev Patel", False),
    ("1005", Status.SHIPPED, 300, 260, "Emma Schulz", True),
    ("1006", Status.SHIPPED, 30, 20, "Femi Adeyemi", True),
    ("1007", Status.FULFILLED, 200, 20, "Gita Rao", True),
    ("1008", Status.CANCELLED, 50, 45, "Hugo Weber", False),
]


@dataclass
class Desk:
    """One shop with orders, and what a test needs to drive it."""

    live: LiveApp
    shop: Shop
    orders: dict[str, Order]

    @property
    def link(self) -> str:
        return f"{self.live.url}/dashboard#token={token_for(self.shop)}"

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.live.url}/api/v1{path}", headers={"Authorization": f"Bearer {token_for(self.shop)}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def webhook(self, event: str, **order: Any) -> Any:
        """A signed order event, as the shop's own system sends it."""
        body = json.dumps({"event": event, "order": order}).encode()
        request = urllib.request.Request(
            f"{self.live.url}/webhooks/orders/{self.shop.id}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Orderbot-Signature": sign(self.shop.webhook_secret, body),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        self.live.run(finish_background(self.live.app))  # the event is applied after the answer
        return answer


def make_desk(
    live: LiveApp, name: str, orders: list[tuple[str, Status, float, float, str, bool]] = DESK_ORDERS
) -> Desk:
    async def seed() -> Desk:
        shop = new_shop(name, NOW, timezone="Europe/Berlin")
        await live.db.shops.add(shop)
        made: dict[str, Order] = {}
        for index, (number, status, placed, since, customer, tracked) in enumerate(orders):
            data = OrderData(
                external_id=f"ext-{number}",
                number=number,
                status=status,
                customer=Customer(name=customer, phone=f"+1415555{index:04d}", email=f"c{index}@example.com"),
                items=[Item(title="House Espresso 1 kg", quantity=1 + index % 2, price=Decimal("32.00"))],
                total=Decimal("32.00") * (1 + index % 2),
                currency="EUR",
                tracking=Tracking(carrier="UPS", number=f"1Z{index:08d}", url=None) if tracked else None,
                channel="whatsapp",
                created_at=NOW - timedelta(hours=placed),
                updated_at=NOW - timedelta(hours=since),
            )
            made[number] = (await live.service.shop_events.apply_event(shop, "created", data)).order
        return Desk(live, shop, made)

    return live.run(seed())


@pytest.fixture
def desk(live: LiveApp) -> Desk:
    return make_desk(live, f"Acme Coffee {secrets.token_hex(3)}")
