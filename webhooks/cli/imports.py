"""``orderbot import --shop ID FILE [--dry-run]``: a shop's order history from a CSV or JSON-lines file.

Each row's result goes to stdout as one JSON line (``line`` is the row's line in the file), the counts to
stderr. The exit status is 0 when every row went in (or would, with ``--dry-run``), 1 when some were
invalid: the others are imported all the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp

from orders.clock import utc_now
from orders.importing import RowResult, import_orders, summary
from orders.model import Shop, ShopId
from orders.store import Database
from webhooks.api.import_rows import read_rows
from webhooks.bootstrap import build_service, command_database
from webhooks.carriers.trackers import Trackers
from webhooks.settings import Settings

#: Orders read at once when registering an import's parcels.
_BATCH = 1000


def add_parser(commands: Any) -> None:
    """Add the ``import`` command to the ``orderbot`` parser's subcommands."""
    command = commands.add_parser(
        "import", help="bring in a shop's orders with their history (CSV or JSON lines)"
    )
    command.add_argument("--shop", required=True)
    command.add_argument("file", type=Path, help="a CSV file with a header, or one JSON object a line")
    command.add_argument("--dry-run", action="store_true", help="say what would happen, write nothing")


def run(settings: Settings, args: argparse.Namespace) -> None:
    """Import the file; SystemExit(1) once done when some rows were invalid."""
    text = args.file.read_text(encoding="utf-8-sig")
    results = asyncio.run(import_text(settings, args.shop, text, dry_run=args.dry_run))
    for result in results:
        print(json.dumps(_line(result)))
    counts = summary(results)
    done = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    print(f"orderbot: {'dry run, nothing written: ' if args.dry_run else ''}{done}", file=sys.stderr)
    if counts["invalid"]:
        raise SystemExit(1)


async def import_text(settings: Settings, shop_id: str, text: str, *, dry_run: bool) -> list[RowResult]:
    """Import the rows of a file's ``text`` into the shop; each row's result, in the order read."""
    async with command_database(settings) as db:
        service = build_service(db, utc_now)
        shop = await db.shops.get(ShopId(shop_id))
        rows = list(read_rows(text, shop.default_country))
        results = await import_orders(service, shop, rows, dry_run=dry_run)
        if not dry_run and (shop.aftership_api_key or shop.easypost_api_key):
            await _follow_parcels(settings, db, shop, results)
        return results


async def _follow_parcels(settings: Settings, db: Database, shop: Shop, results: list[RowResult]) -> None:
    """Register the imported parcels still on their way with the shop's aggregators, as the API's import
    does (``Trackers.register`` skips delivered and cancelled orders, and numbers registered before)."""
    changed = [r.order_id for r in results if r.order_id and r.outcome in ("created", "updated")]
    async with aiohttp.ClientSession() as session:
        trackers = Trackers(session, settings, db.events, utc_now)
        for start in range(0, len(changed), _BATCH):
            found = await db.orders.get_many(shop.id, changed[start : start + _BATCH])
            for order in found.values():
                await trackers.register(shop, order)


def _line(result: RowResult) -> dict[str, Any]:
    out: dict[str, Any] = {"line": result.row, "outcome": result.outcome}
    for name in ("order_id", "external_id", "number", "error"):
        if (value := getattr(result, name)) is not None:
            out[name] = value
    return out
