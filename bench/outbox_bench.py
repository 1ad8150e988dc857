"""Outbox dispatch benchmark: N due notifications through ``orderbot worker`` processes to the Twilio stand-in.

Usage::

    .venv/bin/python bench/outbox_bench.py [--entries 10000] [--workers 2] [--latency 0.02] [--default-rates]

The embedded database, the workers and this process (which runs the Twilio Messages API stand-in and
counts what arrives) share the machine over loopback. All entries fall due at once (answers to customers
inside their WhatsApp window, spread over 50 customers); the workers claim them with leases and send them
through the real twilio SDK. It prints entries/s from the first due time to the last send, p50/p99 of the
delay from due to sent, and duplicates at the stand-in (must be 0). By default the shop's WhatsApp rate is
raised out of the way (to measure the dispatcher); ``--default-rates`` keeps Twilio's ~80/s per sender.
It always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import harness  # the process helpers the benchmarks share, next to this file
from aiohttp import web

from orders.model import NotificationId, NotifyPolicy, OutboxEntry, OutboxKind, ShopId
from orders.service import new_shop
from orders.store import Database, open_database
from webhooks.ops.embedded import embedded_mongodb

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_SID, AUTH_TOKEN = "AC" + "b" * 32, "c" * 32
SECRET_KEY = secrets.token_urlsafe(48)
SHOP_WHATSAPP = "+14155238886"
CUSTOMERS = 50


async def seed(db: Database, entries: int, default_rates: bool) -> tuple[ShopId, datetime]:
    now = datetime.now(UTC)
    notify = NotifyPolicy() if default_rates else NotifyPolicy(rates={"whatsapp": 100_000})
    shop = new_shop("Bench Coffee", now, whatsapp_number=SHOP_WHATSAPP, notify=notify)
    await db.shops.add(shop)
    customers = []
    for n in range(CUSTOMERS):
        customer = await db.customers.find_or_create(shop.id, now=now, phone=f"+4915112{n:06d}")
        await db.customers.record_inbound(shop.id, customer.id, "whatsapp", now)
        customers.append(customer)
    due = datetime.now(UTC)
    for n in range(entries):
        await db.outbox.add(
            OutboxEntry(
                id=NotificationId(f"ntf_bench_{n:06d}"), shop_id=shop.id,
                customer_id=customers[n % CUSTOMERS].id, kind=OutboxKind.REPLY, channel="whatsapp",
                message=f"bench {n:06d}", due_at=due, idempotency_key=f"bench:{n}", created_at=due,
            )
        )  # fmt: skip
    return shop.id, due


async def run(uri: str, data_dir: Path, args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.standins.twilio import TwilioStandIn  # noqa: PLC0415 - with the tests, off the installed path

    db = open_database(uri, "outbox_bench", secret_keys=[SECRET_KEY])
    await db.drop()
    await db.ensure_indexes()
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, latency=args.latency)
    runner = web.AppRunner(twilio.app(), access_log=None)
    await runner.setup()
    port = harness.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"seeding {args.entries} due entries ...", file=sys.stderr)
    shop_id, due = await seed(db, args.entries, args.default_rates)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_", "TWILIO_"))}
    env.update(
        MONGODB_URI=uri, MONGODB_DB="outbox_bench", ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=str(data_dir), TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        ORDERBOT_TWILIO_BASE_URL=f"http://127.0.0.1:{port}",
    )  # fmt: skip
    workers = start_workers(env, args.workers, data_dir / "workers.log")
    try:
        await until(lambda: len(twilio.created) >= args.entries, args.timeout)
        await asyncio.sleep(1.0)  # let the last sends be recorded (and any duplicate arrive)
    finally:
        stop(workers)
    sent = [await db.outbox.find_key(shop_id, f"bench:{n}") for n in range(args.entries)]
    delays = sorted(
        (e.sent_at - due).total_seconds() for e in sent if e is not None and e.sent_at is not None
    )
    states = Counter(str(e.state) for e in sent if e is not None)
    bodies = Counter(request["Body"] for request in twilio.created)
    duplicates = sum(count - 1 for count in bodies.values())
    span = delays[-1] if delays else float("nan")
    print(f"outbox bench: {args.entries} entries, {args.workers} worker processes, stand-in latency "
          f"{args.latency * 1000:.0f} ms, rates {'default' if args.default_rates else 'raised'}")  # fmt: skip
    print(f"  sent:        {len(delays)} ({dict(states)})")
    print(f"  throughput:  {len(delays) / span:.0f} entries/s (first due to last sent: {span:.1f} s)")
    if delays:
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(f"  due → sent:  p50 {statistics.median(delays) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(f"  duplicates:  {duplicates} at the stand-in ({len(twilio.requests)} requests)")
    await runner.cleanup()
    await db.drop()
    await db.close()


def start_workers(env: dict[str, str], count: int, log: Path) -> list[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        command = [sys.executable, "-m", "webhooks.cli", "worker"]
        return [subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out) for _ in range(count)]


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(30)


async def until(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        await asyncio.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the stand-in takes per send")
    parser.add_argument("--default-rates", action="store_true", help="keep WhatsApp's ~80/s per sender")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        data_dir.mkdir()
        if uri:
            asyncio.run(run(uri, data_dir, args))
        else:
            with embedded_mongodb(data_dir) as embedded:
                asyncio.run(run(embedded, data_dir, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
