"""Import benchmark: a shop's history of 100,000 orders brought in through ``POST /api/v1/orders/import``.

Usage::

    .venv/bin/python bench/import_bench.py [--orders 100000] [--per-call 1000] [--olist PATH] [--again]

Rows come from the Olist public dataset when it is found (``../shared/data/olist/history.csv.gz`` beside
the clone, or ``--olist``; it is read in place and converted on the fly, never copied), cycled with fresh
external ids until ``--orders`` rows are made; otherwise they are generated. The embedded database starts
in a temporary directory (or ``MONGODB_URI`` is used with a fresh database, dropped at the end), the real
app serves on a free loopback port in this process, and the rows go in sequential calls of ``--per-call``
rows. It prints rows/s against the target, the outcomes, the load average, and with ``--again`` the
rate of importing the same rows a second time (all unchanged). It is a measurement: it exits 0 either way.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import harness  # the scratch database and settings the benchmarks share, next to this file
import orders_bench  # the database set-up and in-process server of the orders benchmark, next to this file

from orders.service import new_shop
from webhooks.access.auth import issue_token

TARGET_ROWS_PER_SECOND = 1000
#: Beside the clone (``../shared``), or beside the directory of worktrees a clone's branches are in.
OLIST_CANDIDATES = [
    Path(__file__).resolve().parents[up] / "shared" / "data" / "olist" / "history.csv.gz" for up in (2, 3)
]
OLIST = next((path for path in OLIST_CANDIDATES if path.exists()), OLIST_CANDIDATES[0])
_BRAZIL = ZoneInfo("America/Sao_Paulo")


def _olist_time(text: str) -> str | None:
    """Olist's local times (no offset) as ISO-8601 with the offset of Brazil at that time."""
    return datetime.fromisoformat(text).replace(tzinfo=_BRAZIL).isoformat() if text else None


def olist_rows(path: Path) -> list[dict[str, Any]]:
    """Olist orders in the import format: purchase, approval, carrier handover and delivery times, the
    destination and origin state and zip prefix, the item count and the price with freight."""
    rows = []
    with gzip.open(path, "rt", newline="") as file:
        for record in csv.DictReader(file):
            total = float(record["price"]) + float(record["freight_value"])
            rows.append({
                "number": record["order_id"][:10].upper(),
                "created_at": _olist_time(record["purchase_ts"]),
                "paid_at": _olist_time(record["approved_ts"]),
                "shipped_at": _olist_time(record["carrier_ts"]),
                "delivered_at": _olist_time(record["delivered_ts"]),
                "total": f"{total:.2f}",
                "currency": "BRL",
                "items": [{"title": "item", "quantity": int(record["items"]), "price": record["price"]}],
                "ship_to": {"country": "BR", "region": record["customer_state"],
                            "postal_code": record["customer_zip3"]},
                "ship_from": {"country": "BR", "region": record["seller_state"],
                              "postal_code": record["seller_zip3"]},
            })  # fmt: skip
    return [{key: value for key, value in row.items() if value is not None} for row in rows]


def generated_rows(count: int, now: datetime) -> list[dict[str, Any]]:
    """Orders of the last two years, most delivered, some cancelled, some still on their way."""
    rng = random.Random(7)
    rows = []
    for index in range(count):
        created = now - timedelta(days=rng.uniform(5, 730))
        row: dict[str, Any] = {
            "number": f"G{index:07d}", "created_at": created.isoformat(), "total": f"{rng.uniform(5, 300):.2f}",
            "currency": "USD", "customer": {"name": f"Customer {index}", "email": f"c{index}@example.com"},
            "ship_to": {"country": "US", "region": rng.choice(["CA", "NY", "TX", "WA"]),
                        "postal_code": f"{rng.randrange(10000, 99999)}"},
        }  # fmt: skip
        at = created
        for name, hours in (("paid_at", 2), ("shipped_at", 40), ("delivered_at", 100)):
            at += timedelta(hours=rng.uniform(0.1, hours))
            if name == "delivered_at" and rng.random() < 0.05:
                break
            row[name] = at.isoformat()
        if "delivered_at" not in row and rng.random() < 0.5:
            row["cancelled_at"] = (at + timedelta(hours=1)).isoformat()
            row.pop("shipped_at", None)
        rows.append(row)
    return rows


def cycled(rows: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    """``count`` rows from ``rows``, each pass over them with its own external ids and numbers."""
    for index in range(count):
        row = rows[index % len(rows)]
        lap = index // len(rows)
        yield {**row, "external_id": f"{row['number']}-{lap}", "number": f"{row['number']}-{lap}"}


async def import_all(
    session: aiohttp.ClientSession, base: str, token: str, rows: list[dict[str, Any]], per_call: int
) -> tuple[float, Counter[str], list[str]]:
    headers = {"Authorization": f"Bearer {token}"}
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    for start in range(0, len(rows), per_call):
        async with session.post(
            f"{base}/api/v1/orders/import", json={"orders": rows[start : start + per_call]}, headers=headers
        ) as response:
            body = await response.json()
            if response.status != 200:
                raise SystemExit(f"import call answered {response.status}: {str(body)[:300]}")
        outcomes.update(result["outcome"] for result in body["results"])
        done = start + per_call
        if done % (10 * per_call) == 0 and done < len(rows):
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} rows, {rate:,.0f} rows/s so far, load {os.getloadavg()[0]:.1f}", flush=True)
        reasons.update(result["error"] for result in body["results"] if result["error"])
    elapsed = time.perf_counter() - started
    return elapsed, outcomes, [f"{count} x {why}" for why, count in reasons.most_common(3)]


def report(label: str, elapsed: float, rows: int, outcomes: Counter[str], reasons: list[str]) -> None:
    rate = rows / elapsed
    verdict = "meets" if rate >= TARGET_ROWS_PER_SECOND else "MISSES"
    print(f"{label}: {rows:,} rows in {elapsed:.1f} s = {rate:,.0f} rows/s ({verdict} the target of "
          f"{TARGET_ROWS_PER_SECOND:,}); {dict(outcomes)}", flush=True)  # fmt: skip
    for reason in reasons:
        print(f"  invalid: {reason}")


async def run(uri: str, name: str, tmp: Path, args: argparse.Namespace, *, drop: bool) -> None:
    settings = harness.BenchSettings(
        MONGODB_URI=uri, MONGODB_DB=name, ORDERBOT_SECRET_KEY=harness.SECRET_KEY,
        ORDERBOT_DATA_DIR=tmp / "var", ORDERBOT_API_RATE_LIMIT=10**9,
    )  # fmt: skip
    source = args.olist if args.olist and args.olist.exists() else None
    base_rows = olist_rows(source) if source else generated_rows(args.orders, datetime.now(UTC))
    rows = list(cycled(base_rows, args.orders))
    print(f"{len(rows):,} rows from {source or 'the generator'}", flush=True)
    async with harness.opened(uri, name, drop=drop) as db:
        shop = new_shop("Import bench", datetime.now(UTC))
        await db.shops.add(shop)
        token = issue_token(harness.SECRET_KEY, shop.id, now=datetime.now(UTC), role="admin", subject="bench")
        async with orders_bench.serving(settings) as base, aiohttp.ClientSession() as session:
            report("import", *_first(await import_all(session, base, token, rows, args.per_call), len(rows)))
            if args.again:
                report(
                    "again", *_first(await import_all(session, base, token, rows, args.per_call), len(rows))
                )
        print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
              f"{os.cpu_count()} cores", flush=True)  # fmt: skip


def _first(
    result: tuple[float, Counter[str], list[str]], rows: int
) -> tuple[float, int, Counter[str], list[str]]:
    elapsed, outcomes, reasons = result
    return elapsed, rows, outcomes, reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="rows to import (default 100,000)")
    parser.add_argument(
        "--per-call", type=int, default=1000, help="rows per API call (default 1,000, the most)"
    )
    parser.add_argument("--olist", type=Path, default=OLIST, help="the Olist history (used when present)")
    parser.add_argument("--again", action="store_true", help="then import the same rows again")
    args = parser.parse_args()
    with harness.scratch_database() as (uri, name, tmp):
        asyncio.run(run(uri, name, tmp, args, drop=harness.given_server()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
