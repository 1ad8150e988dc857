"""Sends that may or may not have reached the provider, and entries that fail before anything is sent.

The real notifier, the real database and the real twilio SDK against the Messages API stand-in: a send
whose answer comes after the channel's timeout was taken by the provider, so it is never sent again
blindly; a failure while planning (before any request) is retried with backoff, and dead after the budget.
"""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import unused_port

from bot.notifier import Notifier, RetryPolicy
from channels.twilio import open_twilio
from orders.lifecycle import Status
from orders.model import NotifyPolicy
from orders.service import OrderService
from orders.store import Database, open_database
from tests.conftest import Clock
from tests.integration.notifier_desk import ACCOUNT_SID, AUTH_TOKEN, SHOP_SMS, Server, open_desk
from webhooks.settings import Settings


async def test_an_answer_after_the_timeout_puts_the_entry_in_review_and_it_is_never_resent(
    db: Database, clock: Clock, aiohttp_server: Server
) -> None:
    async with open_desk(db, clock, aiohttp_server, latency=0.8, timeout=0.2) as desk:
        shop = await desk.shop()
        order_id = await desk.order(shop, wrote_hours_ago=2)
        await desk.move(shop, order_id, Status.SHIPPED)
        await desk.drain()
        entry = (await desk.entries(shop, order_id))[-1]
        assert (entry.state, entry.error_code, entry.attempts) == ("review", "ambiguous", 1)
        assert entry.error and "check before resending" in entry.error
        assert "notification_failed" in (await db.orders.get(shop.id, order_id)).flags

        await asyncio.sleep(1.0)  # the stand-in records a request when it answers: after our timeout
        [taken] = desk.twilio.created  # Twilio did take it: a retry would have sent it twice
        assert "1042" in taken["Body"]
        desk.twilio.latency = 0.0
        clock.advance(hours=1)  # past any backoff: nothing picks it up again
        await desk.drain()
        await asyncio.sleep(0.3)
        assert len(desk.twilio.requests) == 1
        assert (await desk.entries(shop, order_id))[-1].state == "review"


async def test_a_provider_that_cannot_be_reached_is_retried_with_backoff(
    db: Database, clock: Clock, aiohttp_server: Server
) -> None:
    async with open_desk(db, clock, aiohttp_server) as desk:
        shop = await desk.shop(sms_number=SHOP_SMS)
        refused = open_twilio(
            auth_token=AUTH_TOKEN, account_sid=ACCOUNT_SID, clock=clock,
            base_url=f"http://127.0.0.1:{unused_port()}",
        )  # fmt: skip
        try:
            desk.notifier.channels = {"sms": refused.sms, "whatsapp": refused.whatsapp}
            order_id = await desk.order(shop, wrote_hours_ago=2)
            await desk.move(shop, order_id, Status.SHIPPED)
            await desk.drain()
        finally:
            await refused.close()
        entry = (await desk.entries(shop, order_id))[-1]
        assert (entry.state, entry.attempts) == ("queued", 1)
        assert entry.due_at > clock() and entry.error and "unreachable" in entry.error

        desk.notifier.channels = {"sms": desk.channels.sms, "whatsapp": desk.channels.whatsapp}
        clock.advance(minutes=5)
        await desk.drain()
        assert (await desk.entries(shop, order_id))[-1].state == "sent"
        assert len(desk.twilio.created) == 1


async def test_a_failure_while_planning_requeues_with_backoff_until_the_budget_then_dead(
    db: Database, clock: Clock, aiohttp_server: Server, settings: Settings
) -> None:
    async with open_desk(db, clock, aiohttp_server) as desk:
        shop = await desk.shop(notify=NotifyPolicy(quiet_start="00:00", quiet_end="00:00"))
        order_id = await desk.order(shop, wrote_hours_ago=2)
        await desk.move(shop, order_id, Status.SHIPPED)
        # A worker whose key cannot open this shop's sealed secrets: planning fails before any send.
        assert settings.mongodb_uri is not None
        wrong_key = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=["k" * 48])
        try:
            service = OrderService(wrong_key, clock)
            notifier = Notifier(
                service,
                {"whatsapp": desk.channels.whatsapp},
                clock,
                stores=wrong_key,
                retry=RetryPolicy(attempts=3),
            )
            assert await notifier.run_once() == 2  # the created update and the shipped one
            entries = await desk.entries(shop, order_id)
            assert [(e.state, e.attempts, e.error_code) for e in entries[-2:]] == [
                ("queued", 1, "planning_failed"), ("queued", 1, "planning_failed"),
            ]  # fmt: skip
            assert all(e.due_at > clock() and e.lease_until is None for e in entries[-2:])
            for _ in range(3):
                clock.advance(hours=1)
                await notifier.run_once()
        finally:
            await wrong_key.close()
        assert desk.twilio.requests == []
        assert [e.state for e in (await desk.entries(shop, order_id))[-2:]] == ["dead", "dead"]

        # the right key: nothing was sent, so nothing is in review, and a new update goes normally
        await desk.move(shop, order_id, Status.FULFILLED)
        await desk.drain()
        assert len(desk.twilio.created) == 1
