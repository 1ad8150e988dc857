"""A shop's delivered orders as the delivery-date estimator reads them (``orders.eta.Delivered``).

Read on the ``(shop_id, status, status_since)`` index by its two leading fields (``orders.store``, 1), and
only the fields a date needs: when the order was made, handed over (its move to ``shipped``) and
delivered (its move to ``fulfilled``, ``status_since``), where it went from and to, and its carrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from orders.eta import Delivered, region_key
from orders.lifecycle import Status
from orders.model import ShopId
from orders.store.documents import Doc

_FIELDS = {
    "created_at": 1,
    "status_since": 1,
    "timeline.status": 1,
    "timeline.kind": 1,
    "timeline.at": 1,
    "ship_to.country": 1,
    "ship_to.region": 1,
    "ship_from.country": 1,
    "ship_from.region": 1,
    "tracking.carrier": 1,
}


async def delivered_orders(orders: AsyncCollection[Doc], shop_id: ShopId) -> list[Delivered]:
    """Every order of the shop that was delivered, in no particular order."""
    cursor = orders.find({"shop_id": shop_id, "status": Status.FULFILLED.value}, _FIELDS)
    return [delivered async for doc in cursor if (delivered := _delivered(doc)) is not None]


def _delivered(doc: Doc) -> Delivered | None:
    created, delivered = doc.get("created_at"), doc.get("status_since")
    if not isinstance(created, datetime) or not isinstance(delivered, datetime):
        return None
    tracking = doc.get("tracking") or {}
    return Delivered(
        created_at=created,
        delivered_at=delivered,
        shipped_at=_shipped_at(doc.get("timeline") or []),
        origin=_region(doc.get("ship_from")),
        destination=_region(doc.get("ship_to")),
        carrier=tracking.get("carrier") if isinstance(tracking, Mapping) else None,
    )


def _shipped_at(timeline: list[Any]) -> datetime | None:
    """When the order moved to ``shipped`` (carrier news on a shipped order is not a move)."""
    for event in timeline:
        if (
            isinstance(event, Mapping)
            and event.get("status") == Status.SHIPPED.value
            and event.get("kind", "status") == "status"
            and isinstance(at := event.get("at"), datetime)
        ):
            return at
    return None


def _region(place: Any) -> str | None:
    if not isinstance(place, Mapping):
        return None
    return region_key(place.get("country"), place.get("region"))
