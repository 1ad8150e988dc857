"""``orderbot eta backtest --shop ID --since DATE [--level X]``: how the shop's delivery dates would have done.

Replays the shop's delivered orders made since DATE (a day in the shop's time zone, or an ISO time),
dating each as of its creation from the deliveries before it (``orders.eta_backtest``). The figures go to
stdout as one JSON object, a line for people to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime, time
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from orders.eta import History
from orders.eta_backtest import Backtest, replay
from orders.model import ShopId
from webhooks.bootstrap import command_database
from webhooks.settings import Settings


def add_parser(commands: Any) -> None:
    """Add ``eta backtest`` to the ``orderbot`` parser's subcommands."""
    eta = commands.add_parser("eta", help="delivery dates learned from the shop's deliveries")
    sub = eta.add_subparsers(dest="eta_command", required=True)
    backtest = sub.add_parser(
        "backtest", help="replay the delivered orders made since a day; print the figures"
    )
    backtest.add_argument("--shop", required=True)
    backtest.add_argument(
        "--since", required=True, help="a day (YYYY-MM-DD, the shop's time zone) or ISO time"
    )
    backtest.add_argument("--level", type=_level, help="the promise level (default: the shop's, 0.9)")


def _level(text: str) -> float:
    value = float(text)
    if not 0.5 <= value <= 0.99:
        raise argparse.ArgumentTypeError("the level is a share between 0.5 and 0.99")
    return value


def run(settings: Settings, args: argparse.Namespace) -> None:
    result = asyncio.run(_backtest(settings, args.shop, args.since, args.level))
    print(json.dumps({**asdict(result), "too_little_history": result.too_little_history}))
    print(
        f"orderbot: {result.dated} of {result.orders} orders dated at level {result.level}: "
        f"{result.delivered_by_share:.1%} delivered by 'arrives by', {result.mean_promised_days:.1f} days "
        f"promised on average, likely date within 1 day {result.likely_within_1_day:.1%}, "
        f"within 2 days {result.likely_within_2_days:.1%}",
        file=sys.stderr,
    )


def since_of(text: str, timezone: str) -> datetime:
    """``2017-07-01`` as the start of that day in ``timezone``; an ISO time with no offset is local too."""
    parsed = datetime.fromisoformat(text)
    if len(text.strip()) <= len("2017-07-01"):
        parsed = datetime.combine(parsed.date(), time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))


async def _backtest(settings: Settings, shop_id: str, since: str, level: float | None) -> Backtest:
    async with command_database(settings) as db:
        shop = await db.shops.get(ShopId(shop_id))
        start = since_of(since, shop.timezone)
        began = perf_counter()
        shipments = await db.orders.shipments(shop.id)
        read = perf_counter()
        history = History(shipments)
        indexed = perf_counter()
        chosen = level if level is not None else shop.rules.promise_level
        result = await asyncio.to_thread(replay, history, shipments, start, chosen, shop.timezone)
        print(
            f"orderbot: read {len(shipments)} orders in {read - began:.1f} s, indexed them in "
            f"{indexed - read:.1f} s, dated {result.orders} in {perf_counter() - indexed:.1f} s",
            file=sys.stderr,
        )
        return result
