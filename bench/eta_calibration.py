"""Where the delivery dates miss: the backtest of ``bench/eta_bench.py`` broken down by month and by lane.

Usage::

    .venv/bin/python bench/eta_calibration.py [--olist PATH] [--since 2017-07-01] [--level 0.9] [--lanes 15]

The Olist history is read in place and dated in this process (``orders.eta`` over the same orders the
import would keep, no database), each order as of its creation as ``orderbot eta backtest`` does. Per
month made and per lane it prints the share delivered by "arrives by", the mean promised and actual days,
the likely date's share within two days, and, of the orders that missed, how long their handover and
their transit took on average beside those kept: which of the two the misses come from.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import eta_bench  # the rows the import keeps, next to this file
import import_bench  # the Olist row conversion, next to this file

from orders.eta import Estimate, History, Parcel, Shipment, area_key, local_day, region_key

TIMEZONE = "America/Sao_Paulo"


@dataclass
class Tally:
    orders: int = 0
    kept: int = 0
    promised: int = 0
    took: int = 0
    near: int = 0
    parts: dict[bool, list[float]] = field(
        default_factory=lambda: {True: [0, 0.0, 0.0], False: [0, 0.0, 0.0]}
    )

    def add(self, made: date, arrived: date, by: date, likely: date, order: Shipment) -> None:
        kept = arrived <= by
        self.orders += 1
        self.kept += kept
        self.promised += (by - made).days
        self.took += (arrived - made).days
        self.near += abs((arrived - likely).days) <= 2
        if order.shipped_at is not None and order.delivered_at is not None:
            part = self.parts[kept]
            part[0] += 1
            part[1] += (order.shipped_at - order.created_at).total_seconds() / 86400
            part[2] += (order.delivered_at - order.shipped_at).total_seconds() / 86400

    def line(self, name: str) -> str:
        def mean(kept: bool, index: int) -> str:
            part = self.parts[kept]
            return f"{part[index] / part[0]:4.1f}" if part[0] else "   -"

        count = self.orders
        return (
            f"{name:22s} {count:5d} {self.kept / count:6.1%} {self.promised / count:6.1f} "
            f"{self.took / count:6.1f} {self.near / count:6.1%}   {mean(True, 1)}/{mean(True, 2)}"
            f"   {mean(False, 1)}/{mean(False, 2)}"
        )


def shipments(path: Path) -> list[Shipment]:
    """The Olist orders as the store would give them to the estimator after ``orderbot import``."""
    found = []
    for row in eta_bench.importable(import_bench.olist_rows(path)):
        sender, receiver = row["ship_from"], row["ship_to"]
        found.append(
            Shipment(
                created_at=datetime.fromisoformat(row["created_at"]),
                delivered_at=datetime.fromisoformat(row["delivered_at"]),
                shipped_at=datetime.fromisoformat(row["shipped_at"]) if row.get("shipped_at") else None,
                origin=region_key(sender["country"], sender["region"]),
                destination=region_key(receiver["country"], receiver["region"]),
                origin_area=area_key(sender["country"], sender["region"], sender.get("postal_code")),
                destination_area=area_key(
                    receiver["country"], receiver["region"], receiver.get("postal_code")
                ),
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--olist", type=Path, default=import_bench.OLIST)
    parser.add_argument("--since", default="2017-07-01")
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--lanes", type=int, default=15, help="how many of the busiest lanes to show")
    args = parser.parse_args()
    orders = shipments(args.olist)
    history = History(orders)
    since = datetime.combine(date.fromisoformat(args.since), datetime.min.time(), ZoneInfo(TIMEZONE))
    by_month: dict[str, Tally] = defaultdict(Tally)
    by_lane: dict[str, Tally] = defaultdict(Tally)
    for order in orders:
        if order.created_at < since or order.delivered_at is None:
            continue
        parcel = Parcel(created_at=order.created_at, origin=order.origin, destination=order.destination,
                        origin_area=order.origin_area, destination_area=order.destination_area)  # fmt: skip
        answer = history.estimate(parcel, order.created_at, args.level, TIMEZONE)
        if not isinstance(answer, Estimate):
            continue
        made, arrived, by, likely = (
            local_day(at, TIMEZONE).date()
            for at in (order.created_at, order.delivered_at, answer.arrives_by, answer.likely)
        )
        by_month[made.strftime("%Y-%m")].add(made, arrived, by, likely, order)
        by_lane[answer.lane].add(made, arrived, by, likely, order)
    header = f"{'':22s} {'orders':>5s} {'kept':>6s} {'prom.':>6s} {'took':>6s} {'±2 d':>6s}   kept h/t    missed h/t"
    print(f"level {args.level}, orders made since {args.since} (h/t: mean handover/transit days)")
    print(header)
    for month, tally in sorted(by_month.items()):
        print(tally.line(month))
    print(header)
    busiest = sorted(by_lane.items(), key=lambda item: -item[1].orders)[: args.lanes]
    for lane, tally in busiest:
        print(tally.line(lane))


if __name__ == "__main__":
    main()
