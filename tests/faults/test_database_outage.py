"""The database stops in the middle of traffic and comes back (issue 8, fault a).

The app runs against a database server of the test's own, which is killed while signed order webhooks and
Twilio messages are arriving. While it is down: ``/readyz`` answers 503, every webhook answers 503 with
``Retry-After`` (never 200 for something not stored, never 500). When it is back on the same port and
data, the same app (no restart) answers again, the providers' retries store what was refused, and nothing
that was answered 200 is missing or stored twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient

from orders.model import Shop
from orders.service import new_shop
from tests.conftest import SECRET_KEY, Clock
from tests.faults.deliveries import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SHOP_SMS,
    Delivery,
    Ledger,
    expected_key,
    order_delivery,
    stored,
    twilio_delivery,
)
from tests.faults.processes import DatabaseServer, free_port
from webhooks.app import build_app, database_for
from webhooks.keys import INBOX, SERVICE
from webhooks.settings import Settings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DatabaseServer]:
    database = DatabaseServer(tmp_path / "faulty-db")
    database.start()
    yield database
    database.stop()


@pytest.fixture
async def app_and_shop(
    aiohttp_client: AiohttpClient, server: DatabaseServer, clock: Clock, tmp_path: Path
) -> AsyncIterator[tuple[TestClient[Any, Any], web.Application, Shop]]:
    settings = Settings(
        MONGODB_URI=server.uri, MONGODB_DB="outage", ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=tmp_path / "var", ORDERBOT_PUBLIC_URL=PUBLIC_URL, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=SecretStr(AUTH_TOKEN), ORDERBOT_MONGODB_TIMEOUT_MS=800,
        ORDERBOT_TWILIO_BASE_URL=f"http://127.0.0.1:{free_port()}",  # it sends what it queues: never to Twilio
    )  # fmt: skip
    db = database_for(settings)
    await db.ensure_indexes()
    shop = new_shop("Faulty Coffee", clock(), sms_number=SHOP_SMS)
    await db.shops.add(shop)
    await db.close()
    app = build_app(settings, clock=clock)
    client = await aiohttp_client(app)
    yield client, app, shop


async def readyz(client: TestClient[Any, Any]) -> int:
    response = await client.get("/readyz")
    return response.status


async def test_a_database_outage_loses_nothing_and_heals_without_a_restart(
    app_and_shop: tuple[TestClient[Any, Any], web.Application, Shop], server: DatabaseServer, clock: Clock
) -> None:
    client, app, shop = app_and_shop
    base = str(client.make_url("")).rstrip("/")
    deliveries: list[Delivery] = []
    for n in range(28):
        deliveries.append(order_delivery(shop.id, shop.webhook_secret, n))
        deliveries.append(twilio_delivery(n))
    ledger = Ledger()
    assert await readyz(client) == 200

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        gate = asyncio.Semaphore(6)

        async def send(delivery: Delivery) -> None:
            async with gate:
                await ledger.send(session, base, delivery)

        first, during = deliveries[:36], deliveries[36:]
        traffic = asyncio.gather(*(send(d) for d in first))
        await asyncio.sleep(0.15)  # some answered, some in flight, some not yet sent
        await asyncio.to_thread(server.stop, kill=True)
        await traffic
        await asyncio.gather(*(send(d) for d in during))  # all of these arrive while it is down

        assert await readyz(client) == 503
        statuses = ledger.statuses()
        assert statuses[503] > 0, statuses
        assert set(statuses) <= {200, 503}, statuses  # never a 500, never another refusal
        assert all(value == "5" for value in ledger.retry_after)
        assert all(ledger.answers[d.key] == [503] for d in during)  # nothing new was acknowledged

        await asyncio.to_thread(server.start)
        for _ in range(100):  # the same app, no restart: it notices by itself
            if await readyz(client) == 200:
                break
            await asyncio.sleep(0.1)
        assert await readyz(client) == 200

        # The providers retry what was not acknowledged (a claim the outage stranded mid-apply is taken
        # over after a minute, so their later retries find it free), then retry everything once more.
        for _ in range(3):
            pending = [d for d in deliveries if d.key not in ledger.acknowledged()]
            await asyncio.gather(*(send(d) for d in pending))
            clock.advance(minutes=2)
        await asyncio.gather(*(send(d) for d in deliveries))

    assert set(ledger.statuses()) <= {200, 409, 503}, ledger.statuses()
    assert ledger.acknowledged() == {d.key for d in deliveries}
    raw = app[SERVICE].db.client["outage"]
    orders, messages = await stored(raw)
    wanted = {expected_key(d) for d in deliveries}
    assert set(orders) | set(messages) == wanted  # everything acknowledged is stored ...
    assert set(orders.values()) == {1} and set(messages.values()) == {1}  # ... once

    # messages acknowledged before the crash but not yet handled are handled by the recovery pass
    await app[INBOX].drain()
    clock.advance(minutes=5)
    await app[INBOX].recover(timedelta(seconds=30))
    assert await raw["inbox"].count_documents({}) == 0
