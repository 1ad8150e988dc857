"""Hand an order's tracker registration to the event workers, from any route that gives it a tracking number.

Every way an order gets a tracking number or moves (a shop's order webhook, the REST API, its bulk actions
and imports, staff commands in Telegram) calls this once the order is stored, so the aggregators follow the parcel whoever sent the number. Registration runs after the
answer: it is an outbound call the request need not wait for, and ``Trackers.register`` keeps it to once
per number and logs (never raises) a failure, which the order's next event tries again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from orders.model import Order, Shop
from webhooks.carriers.trackers import Trackers
from webhooks.keys import EVENT_WORK, TRACKERS

__all__ = ["follow_parcel", "follow_parcels"]


def follow_parcel(request: web.Request, shop: Shop, order: Order) -> None:
    """Queue the registration of ``order``'s parcel with the shop's aggregators (nothing without a number)."""
    follow_parcels(request.config_dict, shop, [order])


def follow_parcels(app: Mapping[Any, Any], shop: Shop, orders: Iterable[Order]) -> None:
    """``follow_parcel`` for several orders, from the app's own state (a staff command has no request)."""
    tracked = [order for order in orders if order.tracking is not None and order.tracking.number]
    if not tracked:
        return
    trackers: Trackers = app[TRACKERS]
    for order in tracked:
        app[EVENT_WORK].submit(lambda order=order: trackers.register(shop, order), shop.id)
