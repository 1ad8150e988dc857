"""When the notifier sends: fair between shops at its sending slots, a reply before a run of notifications,
and what falls due later sent when it does, not at the dispatcher's next look at the outbox.

Through the web app (``build_app`` without the worker) or a notifier of its own, the real database and the
twilio SDK against the Messages API stand-in, with the harness of ``test_twilio``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from bot.notifier import Notifier
from orders.clock import utc_now
from orders.model import NotificationId, NotifyPolicy, OutboxEntry, OutboxKind, Shop, new_id
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock
from tests.integration import test_twilio as tw
from tests.integration.test_prompt_sends import until
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import NOTIFIER, SERVICE, TWILIO
from webhooks.settings import Settings

# the harness's fixtures, used here by name
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings

SHOP_A_WHATSAPP, SHOP_B_WHATSAPP = "+14155550181", "+14155550182"
#: Far longer than any test waits: what is sent was sent because something woke the dispatcher.
NEVER = 3600.0


async def whatsapp_shop(db: Database, now: datetime, name: str, number: str, **rates: float) -> Shop:
    """A shop that sends on WhatsApp, with quiet hours off (so any kind of message may go now)."""
    policy = NotifyPolicy(quiet_start="00:00", quiet_end="00:00", rates=rates)
    shop = new_shop(name, now, whatsapp_number=number, notify=policy)
    await db.shops.add(shop)
    return shop


async def entry_for(
    db: Database, shop: Shop, phone: str, kind: OutboxKind, text: str, due_at: datetime
) -> OutboxEntry:
    """An entry (not queued yet) to a customer whose WhatsApp window is open."""
    customer = await db.customers.find_or_create(shop.id, now=due_at, phone=phone)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", due_at)
    return OutboxEntry(
        id=NotificationId(new_id("ntf")), shop_id=shop.id, customer_id=customer.id, kind=kind,
        channel="whatsapp", message=text, due_at=due_at, idempotency_key=f"test:{text}", created_at=due_at,
    )  # fmt: skip


def bodies(standin: TwilioStandIn) -> list[str]:
    return [request["Body"] or "" for request in standin.created]


# -- fair at the sending slots -----------------------------------------------------------------------------


@pytest.fixture
async def slow_sender(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    clock: Clock,
) -> AsyncIterator[tuple[Notifier, TwilioStandIn]]:
    """A notifier with two sending slots, over a provider that takes a moment for each message."""
    app = build_app(twilio_settings, clock=clock)
    await aiohttp_client(app)
    standin = standin_url[0]
    standin.latency = 0.05
    yield (
        Notifier(
            OrderUseCases.build(db, clock).desk,
            {"whatsapp": app[TWILIO].whatsapp},
            clock,
            stores=db,
            concurrency=2,
        ),
        standin,
    )


async def a_run_of_notifications(
    db: Database, clock: Clock, notifier: Notifier, standin: TwilioStandIn, shop: Shop
) -> asyncio.Task[Any]:
    """Twelve of ``shop``'s notifications, claimed by a dispatcher pass and waiting for the two slots."""
    for n in range(12):
        await db.outbox.add(
            await entry_for(db, shop, f"+4915112341{n:03d}", OutboxKind.MANUAL, f"a-bulk-{n}", clock())
        )
    run = asyncio.create_task(notifier.run_once(batch=12))
    await until(lambda: bool(standin.requests))  # claimed: two sending, the rest waiting for a slot
    return run


async def test_another_shops_send_takes_the_next_free_slot_not_a_place_behind_a_run(
    slow_sender: tuple[Notifier, TwilioStandIn], db: Database, clock: Clock
) -> None:
    notifier, standin = slow_sender
    busy = await whatsapp_shop(db, clock(), "Busy Shop", SHOP_A_WHATSAPP)
    quiet = await whatsapp_shop(db, clock(), "Quiet Shop", SHOP_B_WHATSAPP)
    run = await a_run_of_notifications(db, clock, notifier, standin, busy)

    other = await db.outbox.add(
        await entry_for(db, quiet, tw.CUSTOMER_WHATSAPP, OutboxKind.MANUAL, "b", clock())
    )
    assert await notifier.send_now(other.id, shop_id=quiet.id)
    await run

    sent = bodies(standin)
    assert sorted(sent) == sorted([*(f"a-bulk-{n}" for n in range(12)), "b"])
    assert sent.index("b") <= 3, sent  # first come, it would be the thirteenth


async def test_a_customers_reply_goes_before_the_rest_of_its_shops_run(
    slow_sender: tuple[Notifier, TwilioStandIn], db: Database, clock: Clock
) -> None:
    notifier, standin = slow_sender
    shop = await whatsapp_shop(db, clock(), "Busy Shop", SHOP_A_WHATSAPP)
    run = await a_run_of_notifications(db, clock, notifier, standin, shop)

    reply = await db.outbox.add(
        await entry_for(db, shop, tw.CUSTOMER_WHATSAPP, OutboxKind.REPLY, "reply", clock())
    )
    assert await notifier.send_now(reply.id, shop_id=shop.id, urgent=True)
    await run

    sent = bodies(standin)
    assert len(sent) == 13 and sent.index("reply") <= 3, sent


# -- woken, not polled --------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def dispatching(app: web.Application) -> AsyncIterator[None]:
    """The app's dispatcher, running as in the worker but looking at the outbox by itself only hourly."""
    dispatcher = asyncio.create_task(app[NOTIFIER].run_forever(idle_seconds=NEVER))
    await asyncio.sleep(0.1)  # its first look finds nothing; from here on it waits
    try:
        yield
    finally:
        dispatcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatcher


@pytest.fixture
async def wall_clock_app(aiohttp_client: AiohttpClient, twilio_settings: Settings) -> web.Application:
    """A web process on the wall clock: what is held for later falls due while the test waits."""
    app = build_app(twilio_settings, clock=utc_now)
    await aiohttp_client(app)
    return app


async def test_a_reply_held_for_its_numbers_rate_goes_at_its_turn_without_a_poll(
    wall_clock_app: web.Application, standin_url: tuple[TwilioStandIn, str], db: Database
) -> None:
    standin, outbox = (
        standin_url[0],
        wall_clock_app[SERVICE].db.outbox,
    )  # the app's store: it hears what is queued
    shop = await whatsapp_shop(db, utc_now(), "Acme Coffee", SHOP_A_WHATSAPP, whatsapp=2.0)  # a burst of 2
    async with dispatching(wall_clock_app):
        for n in range(3):
            await outbox.add(
                await entry_for(db, shop, f"+4915112342{n:03d}", OutboxKind.REPLY, f"r{n}", utc_now())
            )
        await until(lambda: len(standin.created) == 3, seconds=20)
    assert sorted(bodies(standin)) == ["r0", "r1", "r2"]  # the third waited half a second, not an hour


async def test_a_message_queued_for_later_goes_when_it_falls_due_without_a_poll(
    wall_clock_app: web.Application, standin_url: tuple[TwilioStandIn, str], db: Database
) -> None:
    standin, outbox = standin_url[0], wall_clock_app[SERVICE].db.outbox
    shop = await whatsapp_shop(db, utc_now(), "Acme Coffee", SHOP_A_WHATSAPP)
    async with dispatching(wall_clock_app):
        due = utc_now() + timedelta(seconds=0.3)
        await outbox.add(await entry_for(db, shop, tw.CUSTOMER_WHATSAPP, OutboxKind.FOLLOW_UP, "later", due))
        assert not standin.created  # not due yet
        await until(lambda: bool(standin.created), seconds=20)
    assert bodies(standin) == ["later"]
