"""How the delivery dates of ``orders.eta`` would have done: each delivered order dated as of its creation.

A replay asks, for every order delivered since a day, the dates the shop would have told at the moment
the order was made (from the deliveries before that moment only), and compares them with when it was
delivered: the share delivered by "arrives by", how many days the "arrives by" date promised on average,
and how often the likely date was right within one and two days. Days are the shop's local days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from orders.eta import Estimate, History, Parcel, Shipment, local_day


@dataclass(frozen=True)
class Backtest:
    """The figures of one replay; the shares are of ``dated`` orders (those a date could be given for)."""

    orders: int
    dated: int
    level: float
    delivered_by_share: float
    mean_promised_days: float
    likely_within_1_day: float
    likely_within_2_days: float

    @property
    def too_little_history(self) -> int:
        return self.orders - self.dated


def replay(
    history: History, shipments: Iterable[Shipment], since: datetime, level: float, timezone: str
) -> Backtest:
    """Date each delivered order made at or after ``since`` as of its creation, and score the dates."""
    orders = dated = kept = promised = near1 = near2 = 0
    for order in shipments:
        if order.created_at < since or order.delivered_at is None:
            continue
        orders += 1
        # as the order was at its creation: not handed over, its carrier not yet chosen
        parcel = Parcel(
            created_at=order.created_at,
            origin=order.origin,
            destination=order.destination,
            origin_area=order.origin_area,
            destination_area=order.destination_area,
        )
        answer = history.estimate(parcel, order.created_at, level, timezone)
        if not isinstance(answer, Estimate):
            continue
        dated += 1
        made = local_day(order.created_at, timezone).date()
        arrived = local_day(order.delivered_at, timezone).date()
        by = local_day(answer.arrives_by, timezone).date()
        off = abs((arrived - local_day(answer.likely, timezone).date()).days)
        kept += arrived <= by
        promised += (by - made).days
        near1 += off <= 1
        near2 += off <= 2
    share = (lambda count: count / dated) if dated else (lambda count: 0.0)
    return Backtest(
        orders=orders,
        dated=dated,
        level=level,
        delivered_by_share=share(kept),
        mean_promised_days=share(promised),
        likely_within_1_day=share(near1),
        likely_within_2_days=share(near2),
    )
