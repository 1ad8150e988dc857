"""Bulk actions against everyone else: another shop's API latency while one shop runs many bulks.

Usage::

    .venv/bin/python bench/bulk_bench.py [--bulks 20] [--size 100] [--rounds 3] [--other-orders 2000]

It loads shop A with ``bulks * size * rounds`` pending orders and shop B with a trading mix (the way
``bench/orders_bench.py`` loads them), starts ``orderbot web`` as its own process on a loopback port, and
then, for each round: shop B's desk calls the API back to back (an order's progress, the first page of
orders, the stats, in turn) while shop A sends ``--bulks`` concurrent bulk actions of ``--size`` orders each
(``update_status`` to processing). It prints shop B's p50/p95/max for the idle baseline and while the
bulks run, the bulks' own times, and ``/proc/loadavg`` before and after: the machine may be shared, and
the figures move with what else runs on it. The token rate is set out of reach, since a bulk costs one
request per order. It is a measurement, not a test: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import dashboard_bench  # ``orderbot web`` in its own process, next to this file
import harness  # the scratch database and settings the benchmarks share, next to this file
import orders_bench  # the loader and database set-up of the orders benchmark, next to this file

from orders.lifecycle import Status
from orders.service import new_shop
from orders.store import Database
from orders.store.order_documents import keys_to_doc, order_to_doc
from webhooks.access.auth import issue_token

TARGET_P95_MS = 200.0


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


async def load_pending(db: Database, count: int) -> tuple[str, list[str]]:
    """Shop A and its ``count`` pending orders' ids."""
    now = datetime.now(UTC)
    shop = new_shop("Bulk Roasters", now)
    await db.shops.add(shop)
    rng = random.Random(orders_bench.SEED)
    orders = [orders_bench.make_order(rng, shop.id, n, Status.PENDING, now) for n in range(count)]
    await orders_bench.insert_batched(db._db.orders, (order_to_doc(o) for o in orders), count)
    await orders_bench.insert_batched(db._db.order_keys, (keys_to_doc(o) for o in orders), count)
    return shop.id, [order.id for order in orders]


class Desk:
    """Shop B's desk: sequential API calls, each timed."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str, order_ids: list[str]) -> None:
        self.session, self.base = session, base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.paths = [f"/orders/{order_ids[n]}/progress" for n in range(0, len(order_ids), 7)]
        self.turn = 0

    async def call(self) -> float:
        self.turn += 1
        path = ("/orders?limit=25", "/orders/stats", self.paths[self.turn % len(self.paths)])[self.turn % 3]
        started = time.perf_counter()
        async with self.session.get(f"{self.base}/api/v1{path}", headers=self.headers) as response:
            await response.read()
            assert response.status == 200, f"{path} -> {response.status}"
        return (time.perf_counter() - started) * 1000

    async def until(self, done: Callable[[], bool]) -> list[float]:
        samples = []
        while not done():
            samples.append(await self.call())
        return samples


def line(name: str, samples: list[float]) -> str:
    p95 = dashboard_bench.pct(samples, 95)
    verdict = "PASS" if p95 <= TARGET_P95_MS else "FAIL"
    return (
        f"  {name:<22} n={len(samples):>5}  p50 {dashboard_bench.pct(samples, 50):7.1f} ms  "
        f"p95 {p95:7.1f} ms  max {max(samples):7.1f} ms  (p95 ≤ {TARGET_P95_MS:g}: {verdict})"
    )


async def run_round(
    session: aiohttp.ClientSession,
    base: str,
    token: str,
    ids: list[str],
    args: argparse.Namespace,
    desk: Desk,
) -> tuple[list[float], list[float]]:
    """Shop B's latencies while shop A's bulks run, and the bulks' own times (ms)."""
    headers = {"Authorization": f"Bearer {token}"}

    async def bulk(order_ids: list[str]) -> float:
        started = time.perf_counter()
        body = {"order_ids": order_ids, "action": "update_status", "status": "processing"}
        async with session.post(f"{base}/api/v1/orders/bulk-action", json=body, headers=headers) as response:
            answer = await response.json()
            assert response.status == 200, answer
            assert answer["succeeded"] == len(order_ids), answer
        return (time.perf_counter() - started) * 1000

    chunks = [ids[n * args.size : (n + 1) * args.size] for n in range(args.bulks)]
    bulks: asyncio.Future[list[float]] = asyncio.gather(*(bulk(chunk) for chunk in chunks))
    during = await desk.until(bulks.done)
    return during, await bulks


async def run(uri: str, name: str, tmp: Path, args: argparse.Namespace) -> None:
    # the API's rate limit: a bulk costs one request per order; this measures the rest
    env = harness.web_env(uri, name, tmp, ORDERBOT_API_RATE_LIMIT=str(10**9))
    async with harness.opened(uri, name) as db:
        bulky, pending = await load_pending(db, args.bulks * args.size * args.rounds)
        other, data = await orders_bench.load(db, args.other_orders, with_outbox=False)

        def token(shop_id: str) -> str:
            return issue_token(harness.SECRET_KEY, shop_id, now=datetime.now(UTC), role="admin")

        async with (
            dashboard_bench.serving(env, tmp) as (base, _),
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            desk = Desk(session, base, token(other.id), [order.id for order in data.orders])
            for _ in range(20):
                await desk.call()  # warm: connections, caches
            print(f"\norderbot web at {base}; load average before: {loadavg()}")
            idle_until = time.monotonic() + args.idle_seconds
            print(line("shop B, idle", await desk.until(lambda: time.monotonic() > idle_until)))
            for n in range(args.rounds):
                ids = pending[n * args.bulks * args.size : (n + 1) * args.bulks * args.size]
                during, bulks = await run_round(session, base, token(bulky), ids, args, desk)
                print(line(f"shop B, round {n + 1}", during))
                print(
                    f"  {'':<22} shop A: {args.bulks} bulks of {args.size}: "
                    f"slowest {max(bulks) / 1000:.2f} s, mean {sum(bulks) / len(bulks) / 1000:.2f} s"
                )
            print(f"load average after: {loadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--bulks", type=int, default=20, help="concurrent bulks from shop A (default 20)")
    parser.add_argument("--size", type=int, default=100, help="orders per bulk (default 100, the API's most)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of concurrent bulks (default 3)")
    parser.add_argument("--other-orders", type=int, default=2000, help="shop B's orders (default 2,000)")
    parser.add_argument("--idle-seconds", type=float, default=5, help="shop B's idle baseline (default 5 s)")
    args = parser.parse_args()
    with harness.scratch_database("orderbot-bulk-bench-") as (uri, name, tmp):
        asyncio.run(run(uri, name, tmp, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
