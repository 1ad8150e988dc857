"""An order's past, as a shop's export tells it, turned into an order with its timeline (pure functions).

Each lifecycle time becomes the status move that happened then: ``created_at`` pending, ``paid_at``
processing, ``shipped_at`` shipped, ``delivered_at`` fulfilled, ``cancelled_at`` cancelled. An import
adds to what is known and never rewrites it: an order already here keeps its timeline and gains only the
moves past its current status, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from orders import domain
from orders.lifecycle import TERMINAL, Status
from orders.model import (
    Customer,
    Item,
    Order,
    OrderData,
    OrderId,
    Place,
    ShopId,
    Source,
    TimelineEvent,
    Tracking,
    new_id,
)

_RANK = {Status.PENDING: 0, Status.PROCESSING: 1, Status.SHIPPED: 2, Status.FULFILLED: 3, Status.CANCELLED: 3}


class InvalidRow(ValueError):
    """Why a row cannot be imported; the row writes nothing."""


class ImportRow(OrderData):
    """One order of an import: what ``OrderData`` says, plus its lifecycle times.

    ``external_id`` may be empty when ``number`` is given: the order is then found by its number, and a
    new one takes the number as its external id.
    """

    created_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


def row(
    *,
    external_id: str | None,
    number: str | None,
    created_at: datetime,
    status: Status | None = None,
    customer: Customer | None = None,
    items: list[Item] | None = None,
    total: Decimal | None = None,
    currency: str | None = None,
    tracking: Tracking | None = None,
    ship_to: Place | None = None,
    ship_from: Place | None = None,
    channel: str | None = None,
    paid_at: datetime | None = None,
    shipped_at: datetime | None = None,
    delivered_at: datetime | None = None,
    cancelled_at: datetime | None = None,
) -> ImportRow:
    """An ``ImportRow``; InvalidRow when it has neither an external id nor a number."""
    key = external_id or number
    if not key:
        raise InvalidRow("a row needs an external_id or a number")
    return ImportRow(
        external_id=key, number=number or key, status=status, customer=customer, items=items, total=total,
        currency=currency, tracking=tracking, ship_to=ship_to, ship_from=ship_from, channel=channel,
        created_at=created_at, paid_at=paid_at, shipped_at=shipped_at, delivered_at=delivered_at,
        cancelled_at=cancelled_at,
    )  # fmt: skip


def steps(data: ImportRow, now: datetime) -> list[tuple[Status, datetime]]:
    """The moves the row's times and status tell, in order; InvalidRow when they contradict each other.

    A status beyond the last time given (``shipped`` with no ``shipped_at``) is taken as reached at the
    last time known; a status short of a time given (``pending`` with a ``paid_at``) is a contradiction.
    """
    told = [
        (Status.PENDING, "created_at", data.created_at),
        (Status.PROCESSING, "paid_at", data.paid_at),
        (Status.SHIPPED, "shipped_at", data.shipped_at),
        (Status.FULFILLED, "delivered_at", data.delivered_at),
        (Status.CANCELLED, "cancelled_at", data.cancelled_at),
    ]
    found: list[tuple[Status, datetime]] = []
    last_name = "created_at"
    for status, name, at in told:
        if at is None:
            continue
        if at > now:
            raise InvalidRow(f"{name} is in the future")
        if found and at < found[-1][1]:
            raise InvalidRow(f"{name} is before {last_name}")
        if status == Status.CANCELLED and found[-1][0] == Status.FULFILLED:
            raise InvalidRow("a delivered order cannot be cancelled afterwards")
        found.append((status, at))
        last_name = name
    reached = found[-1][0]
    wanted = data.status or reached
    if wanted == reached:
        return found
    if reached in TERMINAL or _RANK[wanted] < _RANK[reached]:
        raise InvalidRow(f"status {wanted} contradicts {last_name}")
    return [*found, (wanted, found[-1][1])]


def _timeline(moves: list[tuple[Status, datetime]], after: Status | None) -> list[TimelineEvent]:
    events = []
    for status, at in moves:
        events.append(TimelineEvent(status=status, from_status=after, at=at, source=Source.IMPORT))
        after = status
    return events


def new_order(shop_id: ShopId, data: ImportRow, now: datetime) -> Order:
    """The order the row describes, its timeline at the row's times; InvalidRow when it contradicts itself."""
    moves = steps(data, now)
    status, since = moves[-1]
    order = Order(
        id=OrderId(new_id("ord")), shop_id=shop_id, external_id=data.external_id,
        number=data.number or data.external_id, status=status, status_since=since,
        created_at=data.created_at, updated_at=now, timeline=_timeline(moves, None),
    )  # fmt: skip
    return domain.with_details(order, data)


def updated_order(order: Order, data: ImportRow, now: datetime) -> Order:
    """``order`` with the row's details and the moves past its status; the same order when nothing is new.

    Moves land no earlier than the order's last event, so its timeline stays in order.
    """
    moves = steps(data, now)
    detailed = domain.with_details(order, data)
    later: list[tuple[Status, datetime]] = []
    if order.status not in TERMINAL:
        floor = order.timeline[-1].at if order.timeline else order.status_since
        current = order.status
        for status, at in moves:
            if _RANK[status] > _RANK[current] or status == Status.CANCELLED:
                later.append((status, max(at, floor)))
                current = status
                if status in TERMINAL:
                    break
    if later:
        detailed = detailed.model_copy(
            update={
                "status": later[-1][0],
                "status_since": later[-1][1],
                "timeline": [*order.timeline, *_timeline(later, order.status)],
            }
        )
    if detailed == order:
        return order
    return detailed.model_copy(update={"updated_at": now})
