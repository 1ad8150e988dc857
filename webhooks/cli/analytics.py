"""``orderbot analytics rebuild --shop ID``: count a shop's analytics days again from what is stored.

For a shop that ran before the days were counted (the service also does it once at start for shops that
have none), or after counters were lost. The shop's orders, promises, notifications and inbound messages
are read once (``orders.analytics_recount``) and each day is replaced with what they add up to; changes
made while it runs may be missed or counted twice, so run it when the shop is quiet. One JSON line to
stdout, a line for people to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from time import perf_counter
from typing import Any

from orders.clock import utc_now
from orders.model import ShopId
from webhooks.bootstrap import build_service, command_database
from webhooks.settings import Settings


def add_parser(commands: Any) -> None:
    """Add ``analytics rebuild`` to the ``orderbot`` parser's subcommands."""
    analytics = commands.add_parser("analytics", help="the analytics page's per-day counters")
    sub = analytics.add_subparsers(dest="analytics_command", required=True)
    rebuild = sub.add_parser("rebuild", help="count the shop's days again from its orders and messages")
    rebuild.add_argument("--shop", required=True)


def run(settings: Settings, args: argparse.Namespace) -> None:
    days, seconds = asyncio.run(rebuild(settings, args.shop))
    print(json.dumps({"shop_id": args.shop, "days": days}))
    print(f"orderbot: counted {days} days of shop {args.shop} again in {seconds:.1f} s", file=sys.stderr)


async def rebuild(settings: Settings, shop_id: str) -> tuple[int, float]:
    """Rebuild the shop's days; how many days have counts, and the seconds it took."""
    async with command_database(settings) as db:
        began = perf_counter()
        days = await build_service(db, utc_now).analytics.rebuild(ShopId(shop_id))
        return days, perf_counter() - began


__all__ = ["add_parser", "rebuild", "run"]
