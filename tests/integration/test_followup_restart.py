"""A follow-up is an outbox entry with a due time, so it survives the worker that was running when it was queued."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orders.model import NotificationId, NotifyPolicy, OutboxEntry, OutboxKind, OutboxState, Shop
from orders.store import Database
from tests.integration.notifier_desk import ACCOUNT_SID, ANA, AUTH_TOKEN, SHOP_WHATSAPP, Server
from tests.integration.test_notifier_workers import start_worker, wait_for
from tests.standins.twilio import TwilioStandIn
from webhooks.settings import Settings

ALWAYS_AWAKE = NotifyPolicy(quiet_start="00:00", quiet_end="00:00")  # the test runs on the real clock


async def test_a_follow_up_two_seconds_ahead_arrives_after_a_restart(
    db: Database, settings: Settings, aiohttp_server: Server, tmp_path: Path
) -> None:
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(twilio.app())
    url = str(server.make_url("")).rstrip("/")
    now = datetime.now(UTC)
    shop = Shop.model_validate(
        {"id": "shop_followup", "name": "Acme", "webhook_secret": "s" * 32, "whatsapp_number": SHOP_WHATSAPP,
         "timezone": "UTC", "notify": ALWAYS_AWAKE.model_dump(), "created_at": now}
    )  # fmt: skip
    await db.shops.add(shop)
    customer = await db.customers.find_or_create(shop.id, now=now, phone=ANA)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", now)
    log = tmp_path / "workers.log"

    first = start_worker(settings, url, log)
    await wait_for(lambda: asyncio.to_thread(_running, log), 30, "the first worker to start")
    await asyncio.sleep(0.5)
    due = datetime.now(UTC) + timedelta(seconds=2)
    await db.outbox.add(
        OutboxEntry(
            id=NotificationId("ntf_follow_up"), shop_id=shop.id, customer_id=customer.id,
            kind=OutboxKind.FOLLOW_UP, channel="whatsapp", message="How is the new grinder?", due_at=due,
            idempotency_key="follow_up:grinder", created_at=now,
        )
    )  # fmt: skip
    await asyncio.sleep(0.5)
    first.send_signal(signal.SIGTERM)  # stopped (a deploy, say) before the follow-up is due
    assert first.wait(20) == 0, log.read_text()[-2000:]
    assert twilio.created == []

    second = start_worker(settings, url, log)
    try:
        await wait_for(
            lambda: _sent(db, shop), 30, f"the follow-up after the restart ({log.read_text()[-2000:]})"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)

    assert [request["Body"] for request in twilio.created] == ["How is the new grinder?"]
    entry = await db.outbox.find_key(shop.id, "follow_up:grinder")
    assert entry is not None and entry.sent_at is not None
    assert entry.sent_at >= due  # not early


async def _sent(db: Database, shop: Shop) -> bool:
    entry = await db.outbox.find_key(shop.id, "follow_up:grinder")
    return entry is not None and entry.state == OutboxState.SENT


def _running(log: Path) -> bool:
    return log.exists() and b"worker running" in log.read_bytes()
