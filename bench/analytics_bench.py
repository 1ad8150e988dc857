"""Analytics page benchmark: ``GET /api/v1/analytics`` latency over a shop with many orders, through real HTTP.

Usage::

    .venv/bin/python bench/analytics_bench.py [--orders 100000] [--samples 300] [--rebuild]

It starts the embedded database in a temporary directory (or uses ``MONGODB_URI`` with a fresh database
that it drops at the end) and loads one shop's orders as ``orders_bench`` does (straight through the store's
document mapping: a trading shop's status mix, timelines over the last months). The shop's analytics days
are made from those orders by the real tally functions (``orders.analytics``, through the recount's
``Recount``), with an inbound message per order (its hour and intent) and a promise settled per delivered
order added the same way, and written with the store's ``replace``: what the live hooks would have
counted, loaded in bulk. The real app then serves on a free loopback port in this process, and each range
(30, 90 and 366 days ending today) is asked ``--samples`` times, sequentially over one keep-alive
connection. ``--rebuild`` also times a recount of the shop from its stored records (what
``orderbot analytics rebuild`` and the start-up count read). It prints p50/p99 against the target and the
machine's load average; it exits 0 whether the target passes or not (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import harness  # the scratch database and settings the benchmarks share, next to this file
import orders_bench  # its shop loader and HTTP helpers, next to this file

from orders.analytics import message_tallies, promise_tallies
from orders.analytics_recount import Recount
from orders.lifecycle import Status
from orders.model import PromiseOutcome, Shop
from orders.promises import local_day
from orders.store import Database
from webhooks.access.auth import issue_token

TARGET_P99_MS = 200.0
RANGES = (30, 90, 366)
WARMUP = 5
INTENTS = ("order_status", "tracking", "delivery_time", "complaint", "change_order", "greeting", "thanks")
KEPT_SHARE = 0.9


def analytics_days(data: orders_bench.Dataset, timezone: str) -> Recount:
    """The days the live hooks would have counted for the dataset, by the real tally functions."""
    rng = random.Random(orders_bench.SEED + 7)
    counting = Recount(timezone)
    for order in data.orders:
        counting.order(order)
    for entry in data.outbox:
        counting.notification(entry)
    extra = []
    for order in data.orders:
        written = order.created_at + timedelta(hours=rng.uniform(0, 48))
        extra += message_tallies(written, rng.choice(INTENTS))
        if order.status == Status.FULFILLED:
            outcome = PromiseOutcome.KEPT if rng.random() < KEPT_SHARE else PromiseOutcome.BROKEN
            extra += promise_tallies([outcome], order.status_since)
    counting._add(extra)
    return counting


async def load(db: Database, count: int, with_outbox: bool) -> tuple[Shop, int]:
    shop, data = await orders_bench.load(db, count, with_outbox)
    started = time.perf_counter()
    counting = await asyncio.to_thread(analytics_days, data, shop.timezone)
    built = time.perf_counter() - started
    started = time.perf_counter()
    await db.analytics.replace(shop.id, counting.days)
    print(
        f"made {len(counting.days):,} analytics days from {len(data.orders):,} orders in {built:.1f} s, "
        f"wrote them in {time.perf_counter() - started:.1f} s"
    )
    return shop, len(counting.days)


async def measure(client: orders_bench.Client, shop: Shop, samples: int) -> list[orders_bench.Timings]:
    today = local_day(datetime.now(UTC), shop.timezone)
    results = []
    for days in RANGES:
        first = today - timedelta(days=days - 1)
        path = f"/analytics?from={first.isoformat()}&to={today.isoformat()}"
        for _ in range(WARMUP):
            await client.call("GET", path)
        timings = orders_bench.Timings(f"{days} days")
        for _ in range(samples):
            elapsed, body = await client.call("GET", path)
            timings.samples.append(elapsed)
        assert len(body["days"]) == days and sum(body["new_orders"]) > 0, body["new_orders"]
        print(
            f"  {days} days: {sum(body['new_orders']):,} new orders, "
            f"{sum(sum(s) for s in body['orders_by_status'].values()):,} status entries in the answer",
            flush=True,
        )
        results.append(timings)
    return results


def report(results: list[orders_bench.Timings]) -> None:
    header = f"{'range':<10} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'max ms':>9} {'target':>12}  result"
    print(header)
    print("-" * len(header))
    for timings in results:
        p99 = timings.percentile(99)
        print(
            f"{timings.name:<10} {len(timings.samples):>5} {timings.percentile(50):>9.2f} {p99:>9.2f} "
            f"{statistics.fmean(timings.samples):>9.2f} {max(timings.samples):>9.2f} "
            f"{'p99 ≤ ' + format(TARGET_P99_MS, 'g'):>12}  {'PASS' if p99 <= TARGET_P99_MS else 'FAIL'}"
        )
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")


async def run(args: argparse.Namespace) -> None:
    with harness.scratch_database() as (uri, name, tmp):
        settings = harness.BenchSettings(
            MONGODB_URI=uri, MONGODB_DB=name, ORDERBOT_SECRET_KEY=harness.SECRET_KEY,
            ORDERBOT_DATA_DIR=tmp / "var", ORDERBOT_API_RATE_LIMIT=10**9,
        )  # fmt: skip
        async with harness.opened(uri, name, drop=harness.given_server()) as db:
            shop, _ = await load(db, args.orders, args.outbox)
            token = issue_token(harness.SECRET_KEY, shop.id, now=datetime.now(UTC), subject="bench")
            async with orders_bench.serving(settings) as base, aiohttp.ClientSession() as session:
                print(f"app at {base}; {args.samples} sequential requests per range after {WARMUP} warm-ups")
                results = await measure(orders_bench.Client(session, base, token), shop, args.samples)
            if args.rebuild:
                started = time.perf_counter()
                recounted = await db.analytics_sources.recount(shop.id, shop.timezone)
                print(
                    f"recount from the stored records: {len(recounted):,} days in {time.perf_counter() - started:.1f} s"
                )
        print()
        report(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders to load (default 100,000)")
    parser.add_argument("--samples", type=int, default=300, help="requests per range (default 300)")
    parser.add_argument("--outbox", action="store_true", help="also seed the orders' notifications (slow)")
    parser.add_argument("--rebuild", action="store_true", help="also time a recount from the stored records")
    args = parser.parse_args()
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
