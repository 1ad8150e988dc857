"""Store query benchmark: each hot lookup of the order desk, the dispatcher and the chats, over one big shop.

Usage::

    .venv/bin/python bench/store_bench.py [--orders 20000]

It loads ``--orders`` orders (and their notifications) into the embedded database (or ``MONGODB_URI``, in a
fresh database it drops) with ``bench/orders_bench.py``'s loader, then times each store call a few times and
prints the median. A lookup the server answers by reading a whole collection shows up here as seconds: the
embedded server reads everything for an ``$or``, an ``$all``, or a filter naming a leading part of a compound
index plus another condition. It always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from orders_bench import load

from orders.lifecycle import Status
from orders.model import CustomerId


async def timed(label: str, call: Callable[[], Awaitable[Any]], times: int = 3) -> None:
    took = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        took.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<44} {statistics.median(took):9.2f} ms", flush=True)


async def run(uri: str, name: str, orders: int) -> None:
    async with harness.opened(uri, name, drop=True) as db:
        shop, data = await load(db, orders, True)
        order, now = data.orders[7], datetime.now(UTC)
        for n in range(300):
            await db.customers.find_or_create(shop.id, now=now, phone=f"+1415777{n:04d}")
        first = await db.orders.page(shop.id, now=now)
        shipped = await db.orders.page(shop.id, status=Status.SHIPPED, now=now)
        word = (order.customer.name or "ana").split()[0]
        customer = CustomerId("cus_bench")
        print(f"median of 3 per call, one shop of {orders:,} orders")
        await timed("orders.get", lambda: db.orders.get(shop.id, order.id))
        await timed("orders.find_number", lambda: db.orders.find_number(shop.id, order.number))
        await timed("orders.for_customer", lambda: db.orders.for_customer(
            shop.id, phones=[order.customer.phone or "+1"], emails=[order.customer.email or "a@example.com"]
        ))  # fmt: skip
        await timed("orders.page (first)", lambda: db.orders.page(shop.id, now=now))
        last = (first[-1].created_at, first[-1].id)
        await timed("orders.page (second)", lambda: db.orders.page(shop.id, after=last, now=now))
        shipped_last = (shipped[-1].created_at, shipped[-1].id)
        await timed("orders.page (shipped, second)", lambda: db.orders.page(
            shop.id, status=Status.SHIPPED, after=shipped_last, now=now
        ))  # fmt: skip
        await timed(f"orders.page (search {word!r})", lambda: db.orders.page(shop.id, search=word, now=now))
        await timed("orders.in_status_since_before", lambda: db.orders.in_status_since_before(
            shop.id, Status.SHIPPED, now - timedelta(days=10), 50
        ))  # fmt: skip
        await timed("outbox.for_order", lambda: db.outbox.for_order(shop.id, order.id))
        await timed("outbox.siblings", lambda: db.outbox.siblings(shop.id, order.id, 3))

        async def supersede() -> int:  # as the planner does: one look, then the older ones still waiting
            return await db.outbox.skip_superseded(await db.outbox.siblings(shop.id, order.id, 0))

        await timed("outbox.siblings + skip_superseded", supersede)
        await timed("outbox.queued_for", lambda: db.outbox.queued_for(shop.id, customer, "sms"))
        await timed("outbox.release_parked", lambda: db.outbox.release_parked(shop.id, customer, "sms", now))
        await timed("outbox.claim_due", lambda: db.outbox.claim_due(now - timedelta(days=3650), now, 5))
        await timed("outbox.expired_leases", lambda: db.outbox.expired_leases(now))
        await timed("customers.find_or_create", lambda: db.customers.find_or_create(
            shop.id, now=now, phone="+14157770001"
        ))  # fmt: skip
        await timed("messages.recent", lambda: db.messages.recent(shop.id, customer))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args()
    with harness.scratch_database() as (uri, name, _):
        asyncio.run(run(uri, name, args.orders))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
