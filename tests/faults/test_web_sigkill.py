"""A web process is SIGKILLed during a burst of signed webhooks (issue 8, fault b).

``orderbot web`` runs as a real process against the suite's database. A burst of shop order events and
Twilio messages is sent at it, and it is killed with SIGKILL while requests are in flight. A new process
takes its place and the providers retry everything. Every delivery answered 200 before the kill is
stored, and the retries create nothing twice.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from orders.clock import utc_now
from orders.shops import new_shop
from orders.store import Database
from orders.usecases.idempotency import CLAIM_TIMEOUT
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
from tests.faults.processes import Orderbot, free_port
from webhooks.bootstrap import build_service
from webhooks.settings import Settings

BURST = 60  # of each kind
KILL_AFTER = 40  # answers


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[Orderbot]:
    assert settings.mongodb_uri is not None
    env = {
        "MONGODB_URI": settings.mongodb_uri, "MONGODB_DB": settings.mongodb_db, "ORDERBOT_SECRET_KEY": SECRET_KEY,
        "ORDERBOT_DATA_DIR": str(tmp_path / "var"), "ORDERBOT_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        # the web process sends the replies it queues: to a closed local port here, never to Twilio
        "ORDERBOT_TWILIO_BASE_URL": f"http://127.0.0.1:{free_port()}",
    }  # fmt: skip
    process = Orderbot("web", env, tmp_path / "web.log", port=free_port())
    yield process
    process.stop()


async def test_a_killed_web_process_loses_no_acknowledged_delivery_and_retries_duplicate_nothing(
    web: Orderbot, db: Database, settings: Settings, clock: Clock
) -> None:
    shop = new_shop("Killed Coffee", clock(), sms_number=SHOP_SMS)
    await db.shops.add(shop)
    deliveries: list[Delivery] = []
    for n in range(BURST):
        deliveries += [order_delivery(shop.id, shop.webhook_secret, n), twilio_delivery(n)]
    secrets.SystemRandom().shuffle(deliveries)
    ledger = Ledger()
    await asyncio.to_thread(web.start)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        gate = asyncio.Semaphore(16)
        answered = asyncio.Event()

        async def send(delivery: Delivery) -> None:
            async with gate:
                await ledger.send(session, web.url, delivery)
                if len(ledger.answers) >= KILL_AFTER:
                    answered.set()

        burst = asyncio.gather(*(send(d) for d in deliveries))
        await answered.wait()
        web.kill()  # SIGKILL, with requests in flight
        await burst
        acknowledged = ledger.acknowledged()
        statuses = ledger.statuses()
        assert statuses[200] >= KILL_AFTER // 2 and statuses[None] > 0, statuses  # killed mid-burst
        assert set(statuses) <= {200, None}, statuses

        raw: AsyncDatabase[dict[str, object]] = db.client[settings.mongodb_db]
        orders, messages = await stored(raw)
        keys = set(orders) | set(messages)
        missing = {
            k for k in acknowledged if expected_key(next(d for d in deliveries if d.key == k)) not in keys
        }
        assert not missing, f"answered 200 but not stored: {sorted(missing)}"

        # a new process takes over; the providers retry what was not answered, then everything again
        await asyncio.to_thread(web.start)
        for _ in range(2):
            await asyncio.gather(*(send(d) for d in deliveries if d.key not in ledger.acknowledged()))
        await asyncio.gather(*(send(d) for d in deliveries))

    late = [key for key, answers in ledger.answers.items() if answers[-1] != 200]
    # An order event is recorded with what to apply in the one write before its answer, so a retry of one
    # the killed process accepted but never applied is a duplicate (200); recovery applies it.
    assert not late, late
    orders, messages = await stored(raw)
    assert set(orders.values()) <= {1} and set(messages.values()) <= {1}, "a retry stored something twice"
    assert set(orders) | set(messages) == {expected_key(d) for d in deliveries}
    later = build_service(db, lambda: utc_now() + CLAIM_TIMEOUT)  # once the killed process's claims are stale
    await later.recovery.recover_events(older_than=timedelta(0))
    applied = Counter([doc["external_id"] async for doc in raw["orders"].find({}, {"external_id": 1})])
    assert applied == Counter({expected_key(d): 1 for d in deliveries if d.kind == "order"})
