"""What is due goes out the moment it is queued, from the process that queued it, once, and fair between shops.

Through the web app alone (``build_app`` without the worker: no dispatcher runs unless a test runs a pass),
signed Twilio webhooks, the real database and the twilio SDK against the Messages API stand-in, with the
harness of ``test_twilio``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from bot.notifier import Notifier
from orders.lifecycle import Status
from orders.model import (
    Customer,
    NotificationId,
    NotifyPolicy,
    OrderData,
    OutboxEntry,
    OutboxKind,
    Shop,
    Source,
)
from orders.shops import new_shop
from orders.store import Database
from orders.store.outbox_documents import entry_from_doc
from orders.usecases import OrderUseCases
from tests.conftest import Clock, finish_background
from tests.integration import test_twilio as tw
from tests.integration.notifier_desk import NUDGE_SID
from tests.standins.twilio import SentRequest, TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import NOTIFIER, PROMPT_SENDS, SERVICE, TWILIO
from webhooks.settings import Settings

# the harness's fixtures, used here by name
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings
raw = tw.raw

SHOP_B_SMS = "+14155550177"
BURST = 60


@dataclass
class Web:
    """A web process (no worker) with Twilio configured, and the stand-in it sends to."""

    client: TestClient[Any, Any]
    app: web.Application
    standin: TwilioStandIn

    def sent_from(self, number: str) -> list[SentRequest]:
        return [request for request in self.standin.created if request["From"] == number]


@pytest.fixture
async def web_process(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    clock: Clock,
) -> Web:
    app = build_app(twilio_settings, clock=clock)
    return Web(await aiohttp_client(app), app, standin_url[0])


async def shop_with_sms(db: Database, clock: Clock, name: str, number: str) -> Shop:
    shop = new_shop(name, clock(), sms_number=number)
    await db.shops.add(shop)
    return shop


def sms(sender: str, to: str, n: int) -> dict[str, str]:
    sid = f"SM{n:032x}"
    return tw.fixture("sms_inbound", From=sender, To=to, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)


async def until(ready: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"not within {seconds:g} s"
        await asyncio.sleep(0.005)


async def entries_of(raw: tw.Raw, shop: Shop) -> list[OutboxEntry]:
    return [
        entry_from_doc(doc) async for doc in raw["outbox"].find({"shop_id": shop.id}).sort("created_at", 1)
    ]


async def test_the_web_process_sends_its_reply_with_no_dispatcher_running(
    web_process: Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    shop = await shop_with_sms(db, clock, "Acme Coffee", tw.SHOP_SMS)
    response = await tw.post(web_process.client, sms(tw.CUSTOMER_SMS, tw.SHOP_SMS, 1))
    assert response.status == 200

    await until(lambda: bool(web_process.standin.created))  # nothing polls, and the test waits for nothing
    [reply] = web_process.standin.created
    assert (reply["To"], reply["From"]) == (tw.CUSTOMER_SMS, tw.SHOP_SMS)
    await finish_background(web_process.app)
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_SMS)
    [entry] = await entries_of(raw, shop)
    assert (entry.kind, entry.customer_id, entry.state, entry.attempts) == (
        OutboxKind.REPLY, customer.id, "sent", 1,
    )  # fmt: skip
    assert web_process.app[PROMPT_SENDS].claimed == 1


async def test_a_claim_by_id_and_dispatcher_passes_send_each_entry_once(
    web_process: Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    """Entries this process queues are claimed by id the moment they are stored, while its own dispatcher
    and another process's (a worker, on its own connection) claim the due queue: each goes out once."""
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=tw.SHOP_WHATSAPP)
    await db.shops.add(shop)
    entries = []
    for n in range(40):
        customer = await db.customers.find_or_create(shop.id, now=clock(), phone=f"+4915112340{n:03d}")
        await db.customers.record_inbound(shop.id, customer.id, "whatsapp", clock())  # the window is open
        entries.append(
            OutboxEntry(
                id=NotificationId(f"ntf_race_{n:02d}"), shop_id=shop.id, customer_id=customer.id,
                kind=OutboxKind.REPLY, channel="whatsapp", message=f"answer {n}", due_at=clock(),
                idempotency_key=f"reply:race-{n}", created_at=clock(),
            )
        )  # fmt: skip
    app = web_process.app
    worker = Notifier(
        OrderUseCases.build(db, clock).desk, {"whatsapp": app[TWILIO].whatsapp}, clock, stores=db
    )
    queueing = asyncio.gather(*(app[SERVICE].db.outbox.add(entry) for entry in entries))
    dispatched = 0
    while not queueing.done():  # while they are being queued, both dispatchers claim what is due
        dispatched += sum(await asyncio.gather(app[NOTIFIER].run_once(batch=7), worker.run_once(batch=7)))
    await queueing
    await finish_background(app)
    dispatched += await worker.run_once()  # what nobody took (nothing should be left)

    bodies = sorted(request["Body"] for request in web_process.standin.created)
    assert bodies == sorted(f"answer {n}" for n in range(40))  # every one, none twice
    stored = await entries_of(raw, shop)
    assert {(entry.state, entry.attempts) for entry in stored} == {("sent", 1)}
    assert dispatched + app[PROMPT_SENDS].claimed == len(entries)  # each claimed once, by one of them


async def test_one_shops_burst_held_by_its_sending_rate_never_holds_another_shops_reply(
    web_process: Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    """Shop A's customers all write at once; its SMS number sends 1 a second (a burst of 5), so most of
    A's replies wait for their turn. Shop B's customer, who writes just after, is answered before A's
    messages are even all handled, and without waiting for a dispatcher's pass over A's backlog."""
    # The sending number's bucket expires by the test's clock, but MongoDB's TTL monitor deletes by the
    # server's own: on a clock in the past a slow run would see the bucket deleted, and refilled, midway.
    # Tomorrow at the fixture's time of day keeps it alive and the customers' local time unchanged.
    clock.now = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), clock.now.timetz())
    busy = await shop_with_sms(db, clock, "Busy Shop", tw.SHOP_SMS)
    quiet = await shop_with_sms(db, clock, "Quiet Shop", SHOP_B_SMS)
    client = web_process.client
    burst = [tw.post(client, sms(f"+1415555{n:04d}", tw.SHOP_SMS, n)) for n in range(BURST)]
    assert {response.status for response in await asyncio.gather(*burst)} == {200}
    waiting = await raw["inbox"].count_documents({})  # A's messages not handled yet when B writes
    assert (await tw.post(client, sms(tw.CUSTOMER_SMS, SHOP_B_SMS, BURST))).status == 200

    await until(lambda: bool(web_process.sent_from(SHOP_B_SMS)), seconds=30)
    unhandled = await raw["inbox"].count_documents({})  # and when B has its answer
    [answer] = web_process.sent_from(SHOP_B_SMS)
    assert answer["To"] == tw.CUSTOMER_SMS
    assert waiting >= 10, "A's burst was handled before B wrote: nothing to be fair about"
    assert unhandled > 0, (waiting, unhandled)  # in one line behind A, B's turn would come after all of A's

    await finish_background(web_process.app)
    assert len(web_process.sent_from(tw.SHOP_SMS)) == 5  # A's burst allowance; the rest waits its turn
    held = [entry for entry in await entries_of(raw, busy) if entry.state == "queued"]
    assert len(held) == BURST - 5 and {entry.held for entry in held} == {"rate_limited"}
    [sent] = await entries_of(raw, quiet)
    assert (sent.state, sent.attempts) == ("sent", 1)


async def test_what_waited_behind_a_nudge_goes_the_moment_the_customer_writes_back(
    web_process: Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    web_process.standin.approve(NUDGE_SID)
    policy = NotifyPolicy(whatsapp_templates={"nudge": NUDGE_SID}, quiet_start="00:00", quiet_end="00:00")
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=tw.SHOP_WHATSAPP, notify=policy)
    await db.shops.add(shop)
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=tw.CUSTOMER_WHATSAPP)
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", clock() - timedelta(hours=30))
    service = web_process.app[SERVICE]
    data = OrderData(
        external_id="A-1042", number="1042", status=Status.PROCESSING, channel="whatsapp",
        customer=Customer(name="Ana Lima", phone=tw.CUSTOMER_WHATSAPP),
    )  # fmt: skip
    order = (await service.shop_events.apply_event(shop, "created", data)).order
    await finish_background(web_process.app)
    await service.desk.update_status(shop, order.id, Status.SHIPPED, source=Source.STAFF, actor="ana")
    await finish_background(web_process.app)
    [nudge] = web_process.standin.created  # outside the window: the nudge, and the update waits for a reply
    assert nudge["ContentSid"] == NUDGE_SID
    shipped = next(e for e in await entries_of(raw, shop) if e.status == Status.SHIPPED)
    assert shipped.state == "parked"

    whatsapp = tw.fixture("whatsapp_text", Body="hi")
    assert (await tw.post(web_process.client, whatsapp)).status == 200
    await finish_background(web_process.app)  # no dispatcher pass: only what this process sends at once
    update = next(e for e in await entries_of(raw, shop) if e.status == Status.SHIPPED)
    assert (update.state, update.attempts) == ("sent", 1)
    assert any("1042" in (r.get("Body") or "") for r in web_process.standin.created[1:])


async def test_a_process_that_only_sends_what_it_queues_sees_a_shops_change(
    web_process: Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    app = web_process.app
    app[NOTIFIER].planner.shop_ttl = 0.1  # the web process keeps a shop it read this long (5 s by default)
    awake = NotifyPolicy(quiet_start="00:00", quiet_end="00:00")
    shop = new_shop("Acme Coffee", clock(), sms_number=tw.SHOP_SMS, notify=awake)
    await db.shops.add(shop)
    data = OrderData(external_id="A-7", number="7", customer=Customer(phone=tw.CUSTOMER_SMS), channel="sms")
    order = (await app[SERVICE].shop_events.apply_event(shop, "created", data)).order
    await finish_background(app)
    assert len(web_process.sent_from(tw.SHOP_SMS)) == 1  # 01:00 for the customer, and the shop sends anyway

    await db.shops.save(shop.model_copy(update={"notify": NotifyPolicy()}))  # quiet hours 21:00 to 08:00
    await asyncio.sleep(0.2)
    await app[SERVICE].desk.update_status(shop, order.id, Status.PROCESSING, source=Source.STAFF, actor="ana")
    await finish_background(app)
    assert len(web_process.sent_from(tw.SHOP_SMS)) == 1
    update = next(e for e in await entries_of(raw, shop) if e.status == Status.PROCESSING)
    assert (update.state, update.held) == ("queued", "quiet_hours")
