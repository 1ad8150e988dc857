"""Order desk benchmark: REST API v1 latency over a shop with many orders, through real HTTP.

Usage::

    .venv/bin/python bench/orders_bench.py [--orders 100000] [--samples 300] [--outbox]

It starts the embedded database in a temporary directory (or uses ``MONGODB_URI`` with a fresh database
that it drops at the end), loads one shop's orders straight through the store's document mapping, starts
the real app on a free loopback port in this process, times each operation sequentially over one
keep-alive connection, and prints p50/p99 against the targets. It exits 0 whether the targets pass or
fail (it is a measurement, not a test); a response that is not 2xx stops it with an error.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import harness  # the scratch database and settings the benchmarks share, next to this file
from aiohttp import web

from orders import domain
from orders.lifecycle import FORWARD_PATH, Status
from orders.model import (
    Customer,
    Item,
    NotificationId,
    Order,
    OrderId,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Shop,
    ShopId,
    Source,
    TimelineEvent,
    Tracking,
    new_id,
)
from orders.shops import new_shop
from orders.store import Database
from orders.store.order_documents import keys_to_doc, order_to_doc
from orders.store.outbox_documents import entry_to_doc
from webhooks.access.auth import issue_token
from webhooks.app import build_app
from webhooks.settings import Settings

BATCH = 1_000
WARMUP = 5
SEED = 20261102

# Status mix of a shop that has been trading for months: most orders are closed.
MIX: dict[Status, float] = {
    Status.FULFILLED: 0.70,
    Status.CANCELLED: 0.12,
    Status.SHIPPED: 0.08,
    Status.PROCESSING: 0.05,
    Status.PENDING: 0.05,
}
# Share of each active status that is stale (past the default attention thresholds).
STALE_SHARE = {Status.PENDING: 0.30, Status.PROCESSING: 0.25, Status.SHIPPED: 0.10}
NO_CONTACT_SHARE = 0.15  # active orders nobody has written to yet
FLAGGED_SHARE = 0.01  # active orders with a failed notification or a waiting customer

TARGETS_MS = {
    "update-status": 10.0, "progress": 5.0, "attention": 100.0, "attention-uncached": 100.0, "stats": 100.0,
}  # fmt: skip
UNCACHED_SAMPLES = 20

_FIRST = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Femi", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena"]
_LAST = ["Lima", "Okafor", "Martin", "Patel", "Schulz", "Adeyemi", "Berg", "Sato", "Novak", "Wu"]
_PRODUCTS = [
    ("Ethiopia Yirgacheffe 250 g", Decimal("14.50")),
    ("House Espresso 1 kg", Decimal("32.00")),
    ("Pour-over kit", Decimal("45.90")),
    ("Decaf Colombia 500 g", Decimal("18.00")),
]
_CHANNELS = ["whatsapp", "sms", "instagram"]


# -- data ------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    orders: list[Order]
    outbox: list[OutboxEntry] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _path(rng: random.Random, status: Status, now: datetime) -> list[tuple[Status, datetime, Source]]:
    """The statuses an order went through, newest last, with when and who moved it."""
    if status == Status.CANCELLED:
        path = [Status.PENDING] if rng.random() < 0.6 else [Status.PENDING, Status.PROCESSING]
        path.append(Status.CANCELLED)
    else:
        path = list(FORWARD_PATH[: FORWARD_PATH.index(status) + 1])
    stale = status in STALE_SHARE and rng.random() < STALE_SHARE[status]
    if status == Status.PENDING:
        current_age = _hours(rng, 48, 24 * 30) if stale else _hours(rng, 0.05, 47)
    elif status == Status.PROCESSING:
        current_age = _hours(rng, 72, 24 * 20) if stale else _hours(rng, 0.05, 71)
    elif status == Status.SHIPPED:
        current_age = _hours(rng, 240, 24 * 60) if stale else _hours(rng, 1, 239)
    else:
        current_age = _hours(rng, 1, 24 * 180)
    durations = {
        Status.PENDING: (0.5, 30),
        Status.PROCESSING: (2, 72),
        Status.SHIPPED: (24, 240),
    }
    at = now - current_age
    steps = [(path[-1], at)]
    for earlier in reversed(path[:-1]):
        at -= _hours(rng, *durations[earlier])
        steps.append((earlier, at))
    steps.reverse()
    result = []
    for index, (step, when) in enumerate(steps):
        if index == 0:
            source = Source.WEBHOOK
        elif step == Status.PROCESSING and rng.random() < 0.3:
            source = Source.RULES
        else:
            source = Source.STAFF if rng.random() < 0.2 else Source.WEBHOOK
        result.append((step, when, source))
    return result


def make_order(rng: random.Random, shop_id: ShopId, index: int, status: Status, now: datetime) -> Order:
    steps = _path(rng, status, now)
    timeline = [
        TimelineEvent(
            status=step,
            from_status=steps[i - 1][0] if i else None,
            at=when,
            source=source,
            actor="staff@bench" if source == Source.STAFF else None,
            reason="pending past the rule's 24 h" if source == Source.RULES else None,
            confidence=1.0 if source == Source.RULES else None,
        )
        for i, (step, when, source) in enumerate(steps)
    ]
    created, since = steps[0][1], steps[-1][1]
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    items = [
        Item(title=title, quantity=rng.randint(1, 3), price=price)
        for title, price in rng.sample(_PRODUCTS, rng.randint(1, 3))
    ]
    tracked = status in (Status.SHIPPED, Status.FULFILLED) or (
        status == Status.PROCESSING and rng.random() < 0.5
    )
    active = status in STALE_SHARE
    contacted = not (active and rng.random() < NO_CONTACT_SHARE)
    flags = []
    if active and rng.random() < FLAGGED_SHARE:
        flags.append(rng.choice(["notification_failed", "customer_waiting"]))
    return Order(
        id=OrderId(new_id("ord")),
        shop_id=shop_id,
        external_id=f"bench-{index}",
        number=str(100_000 + index),
        status=status,
        status_since=since,
        customer=Customer(
            name=f"{first} {last}",
            phone=f"+1415{index:07d}",
            email=f"{first.lower()}.{index}@example.com",
        ),
        items=items,
        total=sum((item.price * item.quantity for item in items), Decimal(0)),
        currency="USD",
        tracking=Tracking(carrier="UPS", number=f"1Z999AA1{index:010d}") if tracked else None,
        channel=rng.choice(_CHANNELS),
        timeline=timeline,
        created_at=created,
        updated_at=since,
        source_updated_at=since,
        last_customer_contact_at=min(created + _hours(rng, 0.01, 2), now) if contacted else None,
        flags=flags,
        version=len(timeline) - 1,
    )


def notifications_for(rng: random.Random, order: Order) -> list[OutboxEntry]:
    """The status updates the service would have queued for the order's timeline, all settled."""
    entries = []
    for n, event in enumerate(order.timeline, start=1):
        draw = rng.random()
        state = (
            OutboxState.DELIVERED if draw < 0.85 else OutboxState.SENT if draw < 0.95 else OutboxState.FAILED
        )
        entries.append(
            OutboxEntry(
                id=NotificationId(new_id("ntf")),
                shop_id=order.shop_id,
                order_id=order.id,
                kind=OutboxKind.STATUS_UPDATE,
                channel=order.channel,
                status=event.status,
                due_at=event.at,
                state=state,
                attempts=1,
                idempotency_key=f"status_update:{order.id}:{n}",
                created_at=event.at,
            )
        )
    return entries


def build_dataset(shop_id: ShopId, count: int, now: datetime, with_outbox: bool) -> Dataset:
    rng = random.Random(SEED)
    statuses = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    data = Dataset(orders=[make_order(rng, shop_id, i, s, now) for i, s in enumerate(statuses)])
    totals: Counter[str] = Counter()
    for order in data.orders:
        totals.update(domain.stats_deltas(None, order))
        if with_outbox:
            entries = notifications_for(rng, order)
            data.outbox.extend(entries)
            states = Counter(entry.state for entry in entries)
            totals["notifications.sent"] += states[OutboxState.SENT] + states[OutboxState.DELIVERED]
            totals["notifications.delivered"] += states[OutboxState.DELIVERED]
            totals["notifications.failed"] += states[OutboxState.FAILED]
    data.stats = dict(totals)
    return data


async def insert_batched(collection: Any, docs: Iterator[dict[str, Any]], total: int) -> float:
    """insert_many in batches of BATCH, building the next batch while the server writes the last one."""
    started = time.perf_counter()
    pending: asyncio.Task[Any] | None = None
    done = 0
    batch: list[dict[str, Any]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            if pending is not None:
                await pending
            pending = asyncio.create_task(collection.insert_many(batch, ordered=False))
            done += len(batch)
            batch = []
            if done % (20 * BATCH) == 0:
                print(f"  … {done:,}/{total:,}", flush=True)
    if pending is not None:
        await pending
    if batch:
        await collection.insert_many(batch, ordered=False)
    return time.perf_counter() - started


async def load(db: Database, count: int, with_outbox: bool) -> tuple[Shop, Dataset]:
    now = datetime.now(UTC)
    shop = new_shop("Bench Coffee Roasters", now, timezone="Europe/Berlin")
    await db.shops.add(shop)

    started = time.perf_counter()
    # In a thread: a long block of the event loop makes the driver's monitor time out and cancel writes.
    data = await asyncio.to_thread(build_dataset, shop.id, count, now, with_outbox)
    built = time.perf_counter() - started
    print(f"built {len(data.orders):,} orders and {len(data.outbox):,} outbox entries in {built:.1f} s")

    seconds = await insert_batched(
        db._db.orders, (order_to_doc(order) for order in data.orders), len(data.orders)
    )
    print(
        f"loaded {len(data.orders):,} orders in {seconds:.1f} s "
        f"({len(data.orders) / seconds:,.0f} inserts/s, batches of {BATCH:,}, incl. document mapping)"
    )
    seconds = await insert_batched(
        db._db.order_keys, (keys_to_doc(order) for order in data.orders), len(data.orders)
    )
    print(f"loaded their search keys in {seconds:.1f} s")
    if data.outbox:
        seconds = await insert_batched(
            db._db.outbox, (entry_to_doc(entry) for entry in data.outbox), len(data.outbox)
        )
        print(
            f"loaded {len(data.outbox):,} outbox entries in {seconds:.1f} s "
            f"({len(data.outbox) / seconds:,.0f} inserts/s)"
        )
    await db.stats.add(shop.id, data.stats)
    by_status = Counter(order.status.value for order in data.orders)
    print("by status:", ", ".join(f"{s} {by_status[s]:,}" for s in (st.value for st in Status)))
    return shop, data


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class Timings:
    name: str
    samples: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Client:
    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session = session
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        started = time.perf_counter()
        async with self.session.request(
            method, f"{self.base}/api/v1{path}", json=body, headers=self.headers
        ) as response:
            raw = await response.read()
        elapsed = (time.perf_counter() - started) * 1000
        assert 200 <= response.status < 300, f"{method} {path} -> {response.status}: {raw[:500]!r}"
        return elapsed, await response.json() if raw else None


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    runner = web.AppRunner(build_app(settings), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def _next_step(status: Status) -> Status:
    return Status.PROCESSING if status == Status.PENDING else Status.SHIPPED


async def measure(client: Client, data: Dataset, samples: int) -> list[Timings]:
    rng = random.Random(SEED + 1)
    movable = [o for o in data.orders if o.status in (Status.PENDING, Status.PROCESSING)]
    moves = rng.sample(movable, samples + WARMUP)
    looked_up = rng.sample(data.orders, samples + WARMUP)
    seen: dict[str, Any] = {}

    async def update(order: Order) -> float:
        body = {"order_id": order.id, "status": _next_step(order.status).value, "notify": True}
        elapsed, _ = await client.call("POST", "/orders/update-status", body)
        return elapsed

    async def progress(order: Order) -> float:
        elapsed, _ = await client.call("GET", f"/orders/{order.id}/progress")
        return elapsed

    async def attention(_: Order) -> float:
        elapsed, body = await client.call("GET", "/orders/requiring-attention?limit=50")
        assert body["count"] > 0, "the attention queue should not be empty"
        seen["attention"] = body
        return elapsed

    cold = iter(range(1_000_000))

    async def attention_uncached(_: Order) -> float:
        # a max_age_hours never asked before misses the per-process cache: the queries' own cost
        elapsed, body = await client.call(
            "GET", f"/orders/requiring-attention?limit=50&max_age_hours={48 + next(cold) / 1000:.3f}"
        )
        assert body["count"] > 0, "the attention queue should not be empty"
        return elapsed

    async def stats(_: Order) -> float:
        elapsed, body = await client.call("GET", "/orders/stats")
        assert body["total"] == len(data.orders), body
        seen["stats"] = body
        return elapsed

    plan = [
        ("update-status", update, moves),
        ("progress", progress, looked_up),
        ("attention", attention, looked_up),
        ("attention-uncached", attention_uncached, looked_up[: WARMUP + UNCACHED_SAMPLES]),
        ("stats", stats, looked_up),
    ]
    results = []
    for name, operation, orders in plan:
        for order in orders[:WARMUP]:
            await operation(order)
        timings = Timings(name)
        started = time.perf_counter()
        for order in orders[WARMUP:]:
            timings.samples.append(await operation(order))
        print(
            f"  {name}: {len(timings.samples)} requests in {time.perf_counter() - started:.1f} s", flush=True
        )
        results.append(timings)
    reasons = Counter(r for item in seen["attention"]["orders"] for r in item["reasons"])
    print(
        f"  attention first page: {seen['attention']['count']} orders, reasons {dict(reasons)}",
        flush=True,
    )
    print(f"  stats: {seen['stats']}", flush=True)
    return results


def report(results: list[Timings]) -> None:
    header = f"{'operation':<15} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'max ms':>9} {'target':>10}  result"
    print(header)
    print("-" * len(header))
    for timings in results:
        target = TARGETS_MS[timings.name]
        p50 = timings.percentile(50)
        verdict = "PASS" if p50 <= target else "FAIL"
        print(
            f"{timings.name:<15} {len(timings.samples):>5} {p50:>9.2f} {timings.percentile(99):>9.2f} "
            f"{statistics.fmean(timings.samples):>9.2f} {max(timings.samples):>9.2f} "
            f"{'p50 ≤ ' + format(target, 'g'):>10}  {verdict}"
        )


# -- running ---------------------------------------------------------------------------------------


async def run(uri: str, name: str, tmp: Path, args: argparse.Namespace, *, drop: bool) -> None:
    settings = harness.BenchSettings(
        MONGODB_URI=uri,
        MONGODB_DB=name,
        ORDERBOT_SECRET_KEY=harness.SECRET_KEY,
        ORDERBOT_DATA_DIR=tmp / "var",
        ORDERBOT_API_RATE_LIMIT=10**9,  # counted on every request, as in production, but never reached
    )
    async with harness.opened(uri, name, drop=drop) as db:
        shop, data = await load(db, args.orders, args.outbox)
        token = issue_token(harness.SECRET_KEY, shop.id, now=datetime.now(UTC), role="admin", subject="bench")
        async with serving(settings) as base, aiohttp.ClientSession() as session:
            print(f"app at {base}; {args.samples} sequential requests per operation after {WARMUP} warm-ups")
            results = await measure(Client(session, base, token), data, args.samples)
        print()
        report(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders to load (default 100,000)")
    parser.add_argument("--samples", type=int, default=300, help="requests per operation (default 300)")
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="also seed one settled notification per status change (about 3.5 per order; slow to load)",
    )
    args = parser.parse_args()
    movable = (MIX[Status.PENDING] + MIX[Status.PROCESSING]) * args.orders
    if args.samples < 1 or movable < 2 * (args.samples + WARMUP):
        parser.error("--orders is too small for --samples (about 10% of orders are pending or processing)")
    with harness.scratch_database() as (uri, name, tmp):
        # An embedded server goes away with its temporary directory; a given server keeps nothing of ours.
        asyncio.run(run(uri, name, tmp, args, drop=harness.given_server()))
        stopping = time.perf_counter()
    print(f"cleaned up in {time.perf_counter() - stopping:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
