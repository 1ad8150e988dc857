"""One app with every provider configured, one shop that owns every address, and a database snapshot.

The hostile tests throw garbage at every webhook route of this app and compare what the database holds
before and after. Providers' signing helpers and constants are the integration tests' own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase
from pytest_aiohttp import AiohttpClient, AiohttpServer

from orders.model import Shop
from orders.service import new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background
from tests.faults.processes import free_port
from tests.integration import test_instagram as ig
from tests.integration import test_telegram as tg
from tests.integration import test_twilio as tw
from tests.standins.graph import GraphStandin
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.ops.connections import serve
from webhooks.ops.logs import AccessLog
from webhooks.settings import Settings

Raw = AsyncDatabase[dict[str, Any]]

SHOPIFY_SECRET = "shpss_hostile-shopify-secret"
WOO_SECRET = "wc-hostile-woocommerce-secret"

#: What a delivery can write; rate-limit counters and job leases are bookkeeping, not deliveries.
COLLECTIONS = ("shops", "customers", "orders", "messages", "outbox", "events", "alerts", "stats")

Snapshot = dict[str, list[dict[str, Any]]]


@dataclass
class Target:
    """The app under attack, its client, the shop behind every address and the database as documents."""

    client: TestClient[Any, Any]
    app: web.Application
    shop: Shop
    raw: Raw
    db: Database
    telegram: TelegramStandin

    async def settle(self) -> None:
        """Let background work started by earlier deliveries (answers, order events, their sends) finish."""
        await finish_background(self.app)

    async def snapshot(self) -> Snapshot:
        """Every document a delivery could have written, once background work is done."""
        await self.settle()
        return {name: [doc async for doc in self.raw[name].find({}).sort("_id", 1)] for name in COLLECTIONS}


@pytest.fixture
def telegram_standin() -> TelegramStandin:
    return TelegramStandin(tg.TOKEN)


@pytest.fixture
async def hostile_settings(
    settings: Settings, aiohttp_server: AiohttpServer, telegram_standin: TelegramStandin
) -> Settings:
    twilio = await aiohttp_server(TwilioStandIn(tw.ACCOUNT_SID, tw.AUTH_TOKEN).app())
    graph = await aiohttp_server(GraphStandin(ig.ACCESS_TOKEN).app())
    telegram = await aiohttp_server(telegram_standin.app())
    return settings.model_copy(
        update={
            "public_url": tw.PUBLIC_URL,
            "twilio_account_sid": tw.ACCOUNT_SID,
            "twilio_auth_token": SecretStr(tw.AUTH_TOKEN),
            "twilio_base_url": str(twilio.make_url("")).rstrip("/"),
            "instagram_app_secret": SecretStr(ig.APP_SECRET),
            "instagram_verify_token": SecretStr(ig.VERIFY_TOKEN),
            "instagram_access_token": SecretStr(ig.ACCESS_TOKEN),
            "graph_base_url": str(graph.make_url("")),
            "telegram_bot_token": SecretStr(tg.TOKEN),
            "telegram_webhook_secret": SecretStr(tg.SECRET),
            "telegram_base_url": str(telegram.make_url("")).rstrip("/"),
            # Thousands of bad signatures on one route would soon be answered 429, not the 401/403 these
            # tests expect; the abuse limits have their own tests.
            "auth_failure_limit": 0,
        }
    )


@pytest.fixture
async def target(
    aiohttp_client: AiohttpClient,
    hostile_settings: Settings,
    db: Database,
    clock: Clock,
    telegram_standin: TelegramStandin,
) -> Target:
    shop = new_shop(
        "Acme Coffee",
        clock(),
        sms_number=tw.SHOP_SMS,
        whatsapp_number=tw.SHOP_WHATSAPP,
        instagram_id=ig.SHOP_IG,
        staff_telegram_ids=[tg.STAFF],
        shopify_secret=SHOPIFY_SECRET,
        woocommerce_secret=WOO_SECRET,
    )
    await db.shops.add(shop)
    app = build_app(hostile_settings, clock=clock)
    client = await aiohttp_client(app)
    raw: Raw = db.client[hostile_settings.mongodb_db]
    return Target(client, app, shop, raw, db, telegram_standin)


@dataclass
class Served:
    """The hostile app served as ``orderbot web`` serves it, on a loopback port of its own."""

    host: str
    port: int
    app: web.Application

    async def connect(self, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A raw connection from ``source`` (any 127.0.0.0/8 address is this machine, a client of its own)."""
        return await asyncio.open_connection(self.host, self.port, local_addr=(source, 0))

    async def get(self, path: str, source: str = "127.0.0.1") -> int:
        """The status of a GET on a connection of its own."""
        return await self.send(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode(), source)

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """The status of a POST of ``body`` with these headers, on a connection of its own."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return await self.send(("\r\n".join(lines) + "\r\n").encode(), body=body)

    async def send(self, head: bytes, source: str = "127.0.0.1", body: bytes = b"") -> int:
        reader, writer = await self.connect(source)
        writer.write(head + b"Connection: close\r\n\r\n" + body)
        status_line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        return int(status_line.split()[1])


Serve = Callable[..., Awaitable[Served]]


@pytest.fixture
async def served(target: Target, hostile_settings: Settings, clock: Clock) -> AsyncIterator[Serve]:
    """Start the target's app through ``webhooks.ops.connections.serve``, settings changed as asked.

    ``target`` serves through aiohttp's test server, which cancels a handler when its client leaves and
    has no per-address limit; this is the production path. Each server is stopped after the test.
    """
    tasks: list[asyncio.Future[None]] = []

    async def start(**changes: object) -> Served:
        settings = hostile_settings.model_copy(update={"host": "127.0.0.1", "port": free_port(), **changes})
        app = build_app(settings, clock=clock)
        task = asyncio.ensure_future(serve(app, settings, access_log_class=AccessLog))
        tasks.append(task)
        deadline = time.monotonic() + 30
        while True:
            if task.done():
                task.result()  # raises what stopped it
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(settings.host, settings.port)
                writer.close()
                return Served(settings.host, settings.port, app)
            assert time.monotonic() < deadline, "the server did not start listening"
            await asyncio.sleep(0.05)

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
