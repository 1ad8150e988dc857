"""An entry the process that queues it sends at once is stored already claimed (``OutboxStore.send_when_queued``,
``bot.prompt_sends``): its claim costs no write, and it still goes out once, or to review, never twice.

Through the web app alone (no dispatcher runs unless a test runs a pass), the real database and the twilio
SDK against the Messages API stand-in, with the harness of ``test_prompt_sends``.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pytest_aiohttp import AiohttpClient

from orders.model import NotificationId, OutboxEntry, OutboxKind, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.store.outbox_documents import lease_end
from tests.conftest import SECRET_KEY, Clock, finish_background
from tests.integration import test_prompt_sends as ps
from tests.integration import test_twilio as tw
from webhooks.app import build_app
from webhooks.bootstrap import Parts
from webhooks.keys import NOTIFIER, PROMPT_SENDS, SERVICE
from webhooks.settings import Settings

# the harnesses' fixtures, used here by name
standin_url = tw.standin_url
twilio_settings = tw.twilio_settings
raw = tw.raw
web_process = ps.web_process

WRITES = {"insert", "update", "delete", "findAndModify"}


class OutboxWrites(monitoring.CommandListener):
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in WRITES and event.command[event.command_name] == "outbox":
            self.sent[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


async def reply_to_a_customer(db: Database, shop: Shop, clock: Clock, n: int = 1) -> OutboxEntry:
    """A reply due now to a customer whose WhatsApp window is open (not stored yet)."""
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone=f"+4915112340{n:03d}")
    await db.customers.record_inbound(shop.id, customer.id, "whatsapp", clock())
    return OutboxEntry(
        id=NotificationId(f"ntf_claimed_{n:02d}"), shop_id=shop.id, customer_id=customer.id,
        kind=OutboxKind.REPLY, channel="whatsapp", message=f"answer {n}", due_at=clock(),
        idempotency_key=f"reply:claimed-{n}", created_at=clock(),
    )  # fmt: skip


async def whatsapp_shop(db: Database, clock: Clock) -> Shop:
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=tw.SHOP_WHATSAPP)
    await db.shops.add(shop)
    return shop


async def test_a_reply_sent_by_the_process_that_queued_it_costs_two_outbox_writes(
    aiohttp_client: AiohttpClient, twilio_settings: Settings, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    shop = await ps.shop_with_sms(db, clock, "Acme Coffee", tw.SHOP_SMS)
    writes = OutboxWrites()
    counted: AsyncMongoClient[Any] = AsyncMongoClient(
        twilio_settings.mongodb_uri, tz_aware=True, event_listeners=[writes]
    )
    database = Database(counted, twilio_settings.mongodb_db, secret_keys=[SECRET_KEY])
    app = build_app(twilio_settings, clock=clock, parts=Parts(database=database))
    client = await aiohttp_client(app)
    try:
        assert (await tw.post(client, ps.sms(tw.CUSTOMER_SMS, tw.SHOP_SMS, 1))).status == 200
        await finish_background(app)
        [entry] = await ps.entries_of(raw, shop)
        assert (entry.kind, entry.state, entry.attempts) == (OutboxKind.REPLY, "sent", 1)
        assert writes.sent == Counter({"insert": 1, "update": 1})  # stored claimed, then its outcome
        assert app[PROMPT_SENDS].claimed == 1
    finally:
        await client.close()
        await counted.close()


async def test_an_entry_stored_claimed_by_a_process_that_died_goes_to_review_not_out(
    web_process: ps.Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    """The process that stored it claimed died before sending: no other sender takes it while the lease
    holds, and once it ran out the entry goes to review (it may have gone out), never sent again."""
    shop = await whatsapp_shop(db, clock)
    db.outbox.send_when_queued(lambda entry: clock() + timedelta(seconds=60))  # and it never sends it
    await db.outbox.add(await reply_to_a_customer(db, shop, clock))

    other = web_process.app[NOTIFIER]  # another process's dispatcher
    assert await other.run_once() == 0
    clock.advance(seconds=61)
    assert await other.run_once() == 0

    [entry] = await ps.entries_of(raw, shop)
    assert (entry.state, entry.attempts) == ("review", 1)
    assert web_process.standin.created == []


async def test_a_stop_gives_what_it_stored_claimed_back_to_the_queue_and_a_dispatcher_sends_it_once(
    web_process: ps.Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    shop = await whatsapp_shop(db, clock)
    app = web_process.app
    entry = await reply_to_a_customer(db, shop, clock)
    stored: list[OutboxEntry] = []
    app[SERVICE].db.outbox.listen(stored.append)
    await app[SERVICE].db.outbox.add(entry)
    await app[PROMPT_SENDS].close()  # the process stops before its send began
    assert [(e.state, e.attempts) for e in stored] == [("sending", 1)]  # claimed as it was stored

    [given_back] = await ps.entries_of(raw, shop)
    assert (given_back.state, given_back.attempts, given_back.lease_until) == ("queued", 0, None)
    assert web_process.standin.created == []
    assert await app[NOTIFIER].run_once() == 1
    assert [request["Body"] for request in web_process.standin.created] == ["answer 1"]
    [sent] = await ps.entries_of(raw, shop)
    assert (sent.state, sent.attempts) == ("sent", 1)


async def test_a_claimed_entry_that_waited_past_half_its_lease_renews_it_before_sending(
    web_process: ps.Web, db: Database, raw: tw.Raw, clock: Clock
) -> None:
    shop = await whatsapp_shop(db, clock)
    app = web_process.app
    db.outbox.send_when_queued(lambda entry: clock() + timedelta(seconds=60))
    await db.outbox.add(await reply_to_a_customer(db, shop, clock))
    [stored] = await ps.entries_of(raw, shop)
    clock.advance(seconds=45)  # it waited for a sending slot

    assert await app[NOTIFIER].send_claimed(stored)
    [sent] = await ps.entries_of(raw, shop)
    assert (sent.state, sent.attempts) == ("sent", 1)
    assert sent.lease_until == lease_end(clock() + timedelta(seconds=60))  # a whole lease for the send

    db.outbox.send_when_queued(lambda entry: clock() + timedelta(seconds=60))
    await db.outbox.add(await reply_to_a_customer(db, shop, clock, 2))
    late = [entry for entry in await ps.entries_of(raw, shop) if entry.state == "sending"]
    clock.advance(seconds=61)
    assert await app[NOTIFIER].run_once() == 0  # its lease ran out: to review
    assert not await app[NOTIFIER].send_claimed(late[0])  # so it is not sent
    assert [request["Body"] for request in web_process.standin.created] == ["answer 1"]
