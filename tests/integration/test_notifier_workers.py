"""Several senders on one outbox: nothing sent twice, nothing lost, even when one is killed mid-batch.

In-process: two notifiers over one database. As processes: ``orderbot worker`` against the Twilio stand-in
(with a little latency, so that a batch is in flight), SIGKILLed mid-batch, then a second worker; every
entry ends sent exactly once, or in review when the first worker died mid-send. Counted at the stand-in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.notifier import Notifier
from orders.lifecycle import Status
from orders.model import (
    CustomerRecord,
    NotificationId,
    NotifyPolicy,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Shop,
)
from orders.store import Database
from tests.conftest import SECRET_KEY, Clock
from tests.integration.notifier_desk import (
    ACCOUNT_SID,
    ANA,
    AUTH_TOKEN,
    SHOP_WHATSAPP,
    Desk,
    Server,
    open_desk,
)
from tests.standins.twilio import TwilioStandIn
from webhooks.ops.metrics import Metrics
from webhooks.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
FAST = NotifyPolicy(rates={"whatsapp": 100_000})  # the per-number rate is tested elsewhere


@pytest.fixture
async def desk(db: Database, clock: Clock, aiohttp_server: Server) -> AsyncIterator[Desk]:
    async with open_desk(db, clock, aiohttp_server) as opened:
        yield opened


async def replies(db: Database, shop: Shop, customer: CustomerRecord, count: int, at: datetime) -> None:
    """``count`` answers to Ana's questions, queued as the conversation queues them."""
    for n in range(count):
        await db.outbox.add(
            OutboxEntry(
                id=NotificationId(f"ntf_reply_{n:04d}"), shop_id=shop.id, customer_id=customer.id,
                kind=OutboxKind.REPLY, channel="whatsapp", message=f"reply {n:04d}", due_at=at,
                idempotency_key=f"reply:{n}", created_at=at,
            )
        )  # fmt: skip


async def test_two_notifiers_on_one_outbox_send_each_entry_once(desk: Desk) -> None:
    shop = await desk.shop(notify=FAST)
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), phone=ANA)
    await desk.db.customers.record_inbound(shop.id, customer.id, "whatsapp", desk.clock())
    desk.twilio.customer_wrote(ANA)
    await replies(desk.db, shop, customer, 120, desk.clock())
    other = Notifier(desk.service, desk.notifier.channels, desk.clock, stores=desk.db)
    while sum(await asyncio.gather(desk.notifier.run_once(batch=7), other.run_once(batch=7))):
        pass
    bodies = Counter(request["Body"] for request in desk.twilio.created)
    assert len(bodies) == 120 and set(bodies.values()) == {1}


async def test_mixed_load_replies_updates_and_follow_ups_with_two_senders(desk: Desk) -> None:
    shop = await desk.shop(notify=FAST)
    metrics = Metrics()
    desk.notifier.metrics = metrics
    other = Notifier(desk.service, desk.notifier.channels, desk.clock, stores=desk.db, metrics=metrics)
    orders = [await desk.order(shop, wrote_hours_ago=1, number=f"{100 + n}", phone=ANA) for n in range(10)]
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), phone=ANA)
    await replies(desk.db, shop, customer, 30, desk.clock())
    for order_id in orders:  # a quick run of changes on every order: one message each about the latest
        await desk.move(shop, order_id, Status.SHIPPED)
        await desk.move(shop, order_id, Status.FULFILLED)
    follow_ups = [
        await desk.service.notify(
            shop, order_id, message=f"How was order {n}?", channel=None, actor="ana",
            due_at=desk.clock() + timedelta(hours=2),
        )
        for n, order_id in enumerate(orders)
    ]  # fmt: skip

    async def drain() -> None:
        while sum(await asyncio.gather(desk.notifier.run_once(batch=9), other.run_once(batch=9))):
            pass

    await drain()
    bodies = Counter(request["Body"] for request in desk.twilio.created)
    assert set(bodies.values()) == {1}
    assert sum(1 for body in bodies if body.startswith("reply ")) == 30
    status_messages = [body for body in bodies if "#10" in body]
    assert len(status_messages) == 10  # one per order, about the latest state
    assert not any(body.startswith("How was") for body in bodies)  # not due yet

    desk.clock.advance(hours=2)
    await drain()
    assert sum(1 for request in desk.twilio.created if request["Body"].startswith("How was")) == 10
    for entry in follow_ups:
        stored = await desk.db.outbox.find_key(shop.id, entry.idempotency_key)
        assert stored is not None and stored.state == "sent"

    sends = {
        (sample.labels["channel"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        if family.name == "orderbot_outbox_sends"
        for sample in family.samples
        if sample.name == "orderbot_outbox_sends_total"
    }
    assert sends[("whatsapp", "sent")] == 50


# -- real worker processes ----------------------------------------------------------------------------


def start_worker(settings: Settings, twilio_url: str, log: Path) -> subprocess.Popen[bytes]:
    assert settings.mongodb_uri is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_", "TWILIO_"))}
    env.update(
        MONGODB_URI=settings.mongodb_uri, MONGODB_DB=settings.mongodb_db, ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=str(settings.data_dir), TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        ORDERBOT_TWILIO_BASE_URL=twilio_url, ORDERBOT_OUTBOX_LEASE_SECONDS="3",
    )  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "webhooks.cli", "worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    db: Database, settings: Settings, aiohttp_server: Server, tmp_path: Path
) -> None:
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, latency=0.15)
    server = await aiohttp_server(twilio.app())
    url = str(server.make_url("")).rstrip("/")
    now = datetime.now(UTC)  # the workers run on the real clock
    shop = Shop.model_validate(
        {"id": "shop_kill", "name": "Acme", "webhook_secret": "s" * 32, "whatsapp_number": SHOP_WHATSAPP,
         "timezone": "UTC", "notify": FAST.model_dump(), "created_at": now}
    )  # fmt: skip
    await db.shops.add(shop)
    customer = await db.customers.find_or_create(shop.id, now=now, phone=ANA)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", now)
    await replies(db, shop, customer, 200, now)
    log = tmp_path / "workers.log"

    first = start_worker(settings, url, log)
    try:
        await wait_for(lambda: _answered(twilio, 40), 60, "the first worker to be mid-batch")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert len(twilio.requests) < 200, "the first worker finished before it was killed; raise the latency"

    second = start_worker(settings, url, log)
    try:
        await wait_for(
            lambda: _settled(db, shop), 60, f"the second worker to settle ({log.read_text()[-2000:]})"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)

    bodies = Counter(request["Body"] for request in twilio.created)
    entries = [await db.outbox.find_key(shop.id, f"reply:{n}") for n in range(200)]
    states = Counter(entry.state for entry in entries if entry is not None)
    assert set(states) <= {"sent", "review"} and sum(states.values()) == 200, states
    for entry in entries:
        assert entry is not None
        arrived = bodies[entry.message or ""]
        if entry.state == "sent":
            assert arrived == 1, entry  # sent exactly once
        else:
            assert arrived <= 1, entry  # in review: maybe sent once before the kill, never twice
    assert max(bodies.values()) == 1  # nothing anywhere arrived twice
    # what the killed worker had in flight (up to its concurrency, 16), and no more
    assert 1 <= states[OutboxState.REVIEW] <= 16


async def _answered(twilio: TwilioStandIn, count: int) -> bool:
    return len(twilio.requests) >= count


async def _settled(db: Database, shop: Shop) -> bool:
    entries = [await db.outbox.find_key(shop.id, f"reply:{n}") for n in range(200)]
    return all(entry is not None and entry.state in ("sent", "review") for entry in entries)


async def test_queue_depth_gauges_count_waiting_parked_and_review(desk: Desk) -> None:
    shop = await desk.shop(notify=FAST)
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), phone=ANA)
    await replies(desk.db, shop, customer, 3, desk.clock() + timedelta(hours=1))  # not due yet
    metrics = Metrics()
    notifier = Notifier(desk.service, desk.notifier.channels, desk.clock, stores=desk.db, metrics=metrics)
    assert await notifier.run_once() == 0
    depth = {
        sample.labels["state"]: sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        if family.name == "orderbot_outbox_entries"
        for sample in family.samples
    }
    assert depth == {"queued": 3, "parked": 0, "review": 0}
