"""What one message costs the database, end to end: the commands the service sends, counted by the client.

Usage::

    .venv/bin/python bench/e2e_ops.py [--messages 10]

The web app runs in this process (no worker, so no dispatcher's polls among the counts) on an embedded
database whose client carries a command monitor, with the Twilio stand-in; one message at a time, each
from another customer who has an order, and each step waits until everything it caused is done:

- a signed WhatsApp question, until its reply reached the stand-in (the webhook, handling, the send);
- a second question from the same customer, now known (after the first one's callback);
- the reply's delivery callback (``delivered``);
- a signed order event moving an order to ``shipped``, until its SMS notification reached the stand-in;
- that notification's delivery callback;
- the periodic job that clears the outbox copies each order write keeps, per order;
- a pass of an idle dispatcher, after its first (a worker makes two a second);
- ``TOGETHER`` questions from new customers at once, then as many order events at once: what is written
  for many messages together (the inbox's and the messages' group commits, the live feed) per message;
- every count those steps made, written as one interval's counters (``orders.store.counters``).

It prints, per step, the commands per message by collection (``r`` reads: find, count, aggregate;
``w`` writes: insert, update, delete, find-and-modify) and the total. A measurement: it exits 0.

What one message costs, round trips per message (reads + writes), counted with ``--messages 10``: before
is main at b9676c2, after is this version::

    step                               before             after
    question -> reply sent             5 r + 16 w (21)    4 r + 11 w (15)
    again, a known customer            6 r + 15 w (21)    5 r + 10 w (15)
    reply's delivery callback          1 r +  5 w  (6)    1 r +  3 w  (4)
    order event -> notification        3.2 r + 15.1 w     3.3 r + 9.1 w
                                       (18.3)             (12.4)
    notification's callback            1 r +  5 w  (6)    1 r +  3 w  (4)
    an idle dispatcher's pass          1 r                1 r
    20 questions at once               (not counted)      4.1 r + 9.1 w (13.2)
    20 order events at once            (not counted)      3 r + 7 w (10)
    counters written, per interval     (in the above)     2 w, whatever the number of messages

Where the difference comes from: the stats' and analytics days' increments (three updates a question, four
an order event, two a callback) are added up in memory and written every half second as one bulk write per
collection; the live feed's two writes a question are one (it waits 0.1 s for what follows); a reply or
notification sent by the process that queues it is stored already claimed (no claim write); the reply's
plan takes the customer its message found a moment ago (no second read).

The steps of one message at a time cannot show what is written for many messages together, which the
"at once" steps do: the counters (one write per shop and day per half second), the live feed (one write per
shop per 0.1 s: a callback's ``feed:w1`` is shared by everything else of the shop at that time), and the
inbox's and the messages' inserts and the inbox's removals (one write for all that arrive while one is
under way).

A question from a new customer: the inbox (insert, delete), the dedupe read and the two messages (in,
out), the customer (read, then inserted with the window open; the language set once), the sender's flood
window and sending bucket, the customer's orders (a key read and an order read, which the planner uses
again), the outbox (inserted claimed, finished; a known customer's parked entries are read too, a new one
has none) and the live feed. An order event: the order read for the answer and the event's claim (the
acknowledgement), then, after the answer, the order's write and its outbox entry, the claim marked done;
the send reads the order, its other status updates (once; the order it uses as its change just wrote it)
and the customer (created for a first notification), and writes the sending bucket, the message, the
entry's outcome and the feed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from pymongo import AsyncMongoClient, monitoring
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the stand-in

from e2e_bench import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, QUIET_OFF, SECRET_KEY, Run, Target, _order, phone

from orders.clock import utc_now
from orders.model import NotifyPolicy, Shop
from orders.shops import new_shop
from orders.store import Database, open_database
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.bootstrap import Parts
from webhooks.keys import DATABASE, EVENT_WORK, INBOX, NOTIFIER, PROMPT_SENDS, SERVICE
from webhooks.ops.embedded import embedded_mongodb
from webhooks.providers.twilio import STATUS_PATH
from webhooks.settings import Settings

READS = {"find": "r", "count": "r", "aggregate": "r", "getMore": "r", "distinct": "r"}
WRITES = {"insert": "w", "update": "w", "delete": "w", "findAndModify": "w"}
KINDS = {**READS, **WRITES}
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "twilio"
#: Messages sent together in the steps that show what is written for many at once.
TOGETHER = 20


class Commands(monitoring.CommandListener):
    """Counts the data commands the client sends, by (collection, r or w)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        kind = KINDS.get(event.command_name)
        if kind is not None:
            collection = event.command.get("collection") or event.command.get(event.command_name)
            self.counts[(str(collection), kind)] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


class Step:
    """The commands of one step, summed over its messages."""

    def __init__(self, name: str) -> None:
        self.name, self.counts, self.messages = name, Counter[tuple[str, str]](), 0

    def add(
        self, before: Counter[tuple[str, str]], after: Counter[tuple[str, str]], messages: int = 1
    ) -> None:
        self.counts.update(after - before)
        self.messages += messages

    def row(self) -> str:
        n = max(1, self.messages)
        per = {key: count / n for key, count in sorted(self.counts.items())}
        reads = sum(v for (_, kind), v in per.items() if kind == "r")
        writes = sum(v for (_, kind), v in per.items() if kind == "w")
        detail = " ".join(f"{collection}:{kind}{v:g}" for (collection, kind), v in per.items())
        return f"{self.name:32} {reads:5.1f} r {writes:5.1f} w {reads + writes:5.1f}   {detail}"


async def until(ready: Any, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: nothing within {seconds:g} s")
        await asyncio.sleep(0.01)


async def callback(session: aiohttp.ClientSession, base: str, raw: Any, to: str, *, whatsapp: bool) -> None:
    """Twilio's ``delivered`` callback for the last message the service sent to ``to`` (``raw``: the
    messages collection, read through a client that is not counted)."""
    prefix = "whatsapp:" if whatsapp else ""
    doc = await raw.find_one(
        {"recipient": {"$in": [to, prefix + to]}, "direction": "out"}, sort=[("created_at", -1)]
    )
    assert doc is not None, "the service recorded no message it sent"
    params = json.loads(
        (FIXTURES / "status_delivered.json").read_text()
    )  # a WhatsApp one, as Twilio sends it
    if not whatsapp:
        for field in (
            "ChannelPrefix",
            "ChannelInstallSid",
            "ChannelToAddress",
            "StructuredMessage",
            "EventType",
        ):
            params.pop(field)
    params.update(MessageSid=doc["provider_id"], SmsSid=doc["provider_id"], AccountSid=ACCOUNT_SID,
                  From=prefix + doc["sender"], To=prefix + to)  # fmt: skip
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + STATUS_PATH, params)
    async with session.post(base + STATUS_PATH, data=params, headers={"X-Twilio-Signature": signature}) as r:
        assert r.status == 204, r.status


async def count(args: argparse.Namespace, tmp: Path) -> None:
    with embedded_mongodb(tmp / "db") as uri:
        name, commands = "e2e_ops", Commands()
        plain = open_database(uri, name, secret_keys=[SECRET_KEY])
        await plain.ensure_indexes()
        messages = plain.client.get_database(name)["messages"]
        now = utc_now()
        fast = NotifyPolicy(**QUIET_OFF, rates={"sms": 1000.0, "whatsapp": 1000.0})
        shop = new_shop(
            "E2E Ops", now, sms_number="+14155550001", whatsapp_number="+14155550002", notify=fast
        )
        await plain.shops.add(shop)
        for n in range(2 * args.messages + 1 + 2 * TOGETHER):
            await plain.orders.add(_order(shop, 1, n, now))
        standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
        provider = TestServer(standin.app())
        await provider.start_server()
        settings = Settings(
            MONGODB_URI=uri, MONGODB_DB=name, ORDERBOT_SECRET_KEY=SECRET_KEY, ORDERBOT_DATA_DIR=str(tmp / "var"),
            ORDERBOT_PUBLIC_URL=PUBLIC_URL, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            ORDERBOT_TWILIO_BASE_URL=str(provider.make_url("")).rstrip("/"),
        )  # fmt: skip
        counted = Database(
            AsyncMongoClient(uri, tz_aware=True, event_listeners=[commands]),
            name,
            secret_keys=[SECRET_KEY],
            counter_flush_seconds=3600,  # written once at the end, counted as its own step
        )
        app = build_app(settings, parts=Parts(database=counted))
        server = TestServer(app)
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        steps = {key: Step(label) for key, label in (
            ("question", "question -> reply sent"), ("known", "again, a known customer"),
            ("reply_cb", "reply's delivery callback"),
            ("event", "order event -> notification"), ("event_cb", "notification's callback"),
            ("cleanup", "outbox copies cleared, per order"), ("poll", "an idle dispatcher's pass"),
            ("q_together", f"{TOGETHER} questions at once"), ("e_together", f"{TOGETHER} order events at once"),
            ("counters", "counters written, per interval"),
        )}  # fmt: skip
        try:
            async with aiohttp.ClientSession() as session:
                target, run = Target(session, base), Run("ops", "")
                await _one_question(
                    target, run, app, standin, shop, 2 * args.messages
                )  # warm: models, caches
                for n in range(args.messages):
                    customer = phone(1, n)
                    before = commands.counts.copy()
                    await _one_question(target, run, app, standin, shop, n)
                    steps["question"].add(before, commands.counts.copy())
                    before = commands.counts.copy()
                    await callback(session, base, messages, customer, whatsapp=True)
                    await settled(app)
                    steps["reply_cb"].add(before, commands.counts.copy())
                    before = commands.counts.copy()
                    await _one_question(target, run, app, standin, shop, n, again=True)
                    steps["known"].add(before, commands.counts.copy())
                for n in range(args.messages, 2 * args.messages):
                    customer, sent = phone(1, n), len(standin.created)
                    before = commands.counts.copy()
                    await target.event(run, shop, customer, f"1-{n}")
                    await until(lambda sent=sent: len(standin.created) > sent, "the notification")
                    await settled(app)
                    steps["event"].add(before, commands.counts.copy())
                    before = commands.counts.copy()
                    await callback(session, base, messages, customer, whatsapp=False)
                    await settled(app)
                    steps["event_cb"].add(before, commands.counts.copy())
                before = commands.counts.copy()
                await app[SERVICE].recovery.recover_pending_outbox(older_than=timedelta(0))
                steps["cleanup"].add(before, commands.counts.copy())
                steps["cleanup"].messages = 2 * args.messages + 1  # every order was written once or more
                await app[NOTIFIER].run_once()  # the first pass also counts the queue for the gauges
                before = commands.counts.copy()
                await app[NOTIFIER].run_once()
                steps["poll"].add(before, commands.counts.copy())
                first = 2 * args.messages + 1
                sent, before = len(standin.created), commands.counts.copy()
                await asyncio.gather(*(
                    target.question(run, shop, phone(1, n), f"SM{n + (2 << 64):032x}")
                    for n in range(first, first + TOGETHER)
                ))  # fmt: skip
                await until(lambda: len(standin.created) >= sent + TOGETHER, "the replies")
                await settled(app)
                steps["q_together"].add(before, commands.counts.copy(), TOGETHER)
                sent, before = len(standin.created), commands.counts.copy()
                await asyncio.gather(*(
                    target.event(run, shop, phone(1, n), f"1-{n}")
                    for n in range(first + TOGETHER, first + 2 * TOGETHER)
                ))  # fmt: skip
                await until(lambda: len(standin.created) >= sent + TOGETHER, "the notifications")
                await settled(app)
                steps["e_together"].add(before, commands.counts.copy(), TOGETHER)
                before = commands.counts.copy()
                await counted.counters.flush()  # every count of the steps above, as one interval's write
                steps["counters"].add(before, commands.counts.copy())
        finally:
            await server.close()
            await provider.close()
            await plain.close()
        print(f"{'step':32} {'reads':>7} {'writes':>7} {'all':>5}   by collection (per message)")
        for step in steps.values():
            print(step.row())


async def _one_question(
    target: Target, run: Run, app: Any, standin: TwilioStandIn, shop: Shop, n: int, *, again: bool = False
) -> None:
    sent = len(standin.created)
    await target.question(run, shop, phone(1, n), f"SM{n + (1 << 64) * again:032x}")
    await until(lambda: len(standin.created) > sent, "the reply")
    await settled(app)


async def settled(app: Any) -> None:
    """Wait for what ``app`` does after it answered (as ``tests.conftest.finish_background``), except the
    counters' write: that one comes once per interval, whatever the number of messages, and is counted as
    its own step."""
    await app[INBOX].drain()
    await app[EVENT_WORK].drain()
    await app[PROMPT_SENDS].drain()
    await app[DATABASE].feed.drain()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10, help="messages counted per step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderbot-e2e-ops-") as tmp:
        asyncio.run(count(args, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
