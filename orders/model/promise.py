"""A promise: a delivery date the service told a customer, and whether the parcel came by it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from orders.model.base import Domain, OrderId, ShopId


class PromiseOutcome(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    #: The order was cancelled before it was delivered: the promise is neither kept nor broken.
    VOID = "void"


class Promise(Domain):
    """One date told, recorded when the message that told it was sent (its ``id`` is the outbox entry's).

    ``promised_day`` is the calendar day the customer was told, in the shop's ``timezone`` at the time
    (``YYYY-MM-DD``): a promise is kept when the order is delivered on or before that day there.
    """

    id: str
    shop_id: ShopId
    order_id: OrderId
    order_number: str
    channel: str
    kind: str
    wording: str
    told_at: datetime
    promised_date: datetime
    promised_likely: datetime | None = None
    promised_day: str
    timezone: str
    lane: str
    outcome: PromiseOutcome = PromiseOutcome.OPEN
    delivered_at: datetime | None = None
    settled_at: datetime | None = None
