"""A shop's orders as the delivery-date estimator reads them (``orders.eta.Shipment``): the delivered
ones and those still on their way; cancelled ones teach nothing about delivery.

Read status by status on the ``(shop_id, status, status_since)`` index by its two leading fields
(``orders.store``, 1), and only the fields a date needs: when the order was made, handed over (its move to
``shipped``) and delivered (its move to ``fulfilled``, ``status_since``), where it went from and to (region
and postal area), and its carrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from orders.eta import Shipment, area_key, region_key
from orders.lifecycle import ACTIVE, Status
from orders.model import ShopId
from orders.store.documents import Doc

_FIELDS = {
    "status": 1,
    "created_at": 1,
    "status_since": 1,
    "timeline.status": 1,
    "timeline.kind": 1,
    "timeline.at": 1,
    "ship_to.country": 1,
    "ship_to.region": 1,
    "ship_to.postal_code": 1,
    "ship_from.country": 1,
    "ship_from.region": 1,
    "ship_from.postal_code": 1,
    "tracking.carrier": 1,
}


async def shipments(orders: AsyncCollection[Doc], shop_id: ShopId) -> list[Shipment]:
    """Every order of the shop delivered or on its way, in no particular order."""
    found: list[Shipment] = []
    for status in (Status.FULFILLED, *sorted(ACTIVE)):
        cursor = orders.find({"shop_id": shop_id, "status": status.value}, _FIELDS)
        found.extend([shipment async for doc in cursor if (shipment := _shipment(doc)) is not None])
    return found


def _shipment(doc: Doc) -> Shipment | None:
    created, since = doc.get("created_at"), doc.get("status_since")
    if not isinstance(created, datetime) or not isinstance(since, datetime):
        return None
    tracking = doc.get("tracking") or {}
    return Shipment(
        created_at=created,
        delivered_at=since if doc.get("status") == Status.FULFILLED.value else None,
        shipped_at=_shipped_at(doc.get("timeline") or []),
        origin=_region(doc.get("ship_from")),
        destination=_region(doc.get("ship_to")),
        carrier=tracking.get("carrier") if isinstance(tracking, Mapping) else None,
        origin_area=_area(doc.get("ship_from")),
        destination_area=_area(doc.get("ship_to")),
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


def _area(place: Any) -> str | None:
    if not isinstance(place, Mapping):
        return None
    return area_key(place.get("country"), place.get("region"), place.get("postal_code"))
