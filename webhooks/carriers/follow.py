"""Hand an order's tracker registration to the event workers, from any route that gives it a tracking number.

Every way an order gets a tracking number (a shop's order webhook, the REST API) calls this once the order
is stored, so the aggregators follow the parcel whoever sent the number. Registration runs after the
answer: it is an outbound call the request need not wait for, and ``Trackers.register`` keeps it to once
per number and logs (never raises) a failure, which the order's next event tries again.
"""

from __future__ import annotations

from aiohttp import web

from orders.model import Order, Shop
from webhooks.keys import EVENT_WORK, TRACKERS

__all__ = ["follow_parcel"]


def follow_parcel(request: web.Request, shop: Shop, order: Order) -> None:
    """Queue the registration of ``order``'s parcel with the shop's aggregators (nothing without a number)."""
    if order.tracking is None or not order.tracking.number:
        return
    trackers = request.config_dict[TRACKERS]
    request.config_dict[EVENT_WORK].submit(lambda: trackers.register(shop, order), shop.id)
