"""What a shop's order event does to the order: one pure function, so every branch is testable alone.

A shop platform (or the generic order webhook) tells us an order was created, updated or cancelled. Whether
that is old news, a move backwards, carrier news, and whether the customer hears of it, is decided here
from plain values; ``orders.usecases.shop_events`` only loads the order, calls ``decide_event`` and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from orders import domain
from orders.lifecycle import TERMINAL, DeliveryStage, InvalidTransition, Status, is_backwards
from orders.model import Order, OrderData, OrderId, ShopId, Source
from orders.promises import carrier_day

EventKind = Literal["created", "updated", "cancelled"]
#: What an event that would move an order backwards does: raise InvalidTransition, or change nothing.
OnBackwards = Literal["raise", "ignore"]
Ignored = Literal["stale", "backwards"]


@dataclass(frozen=True)
class EventDecision:
    """The order after the event, and whom to tell.

    ``ignored`` says why nothing changes ("stale": older than what is stored, or a repeated creation that
    would go backwards; "backwards": a refused move); ``order`` is then the stored order as it was.
    ``tell_customer`` asks for a status update to the order's customer, ``urgent`` for one that goes out at
    once, quiet hours or not (carrier news the customer must hear now). ``later_day`` is the day the
    carrier now expects the parcel when its estimate moved to a later day: the customer hears of the delay.
    """

    order: Order
    ignored: Ignored | None = None
    tell_customer: bool = False
    urgent: bool = False
    later_day: date | None = None


def decide_event(
    before: Order | None,
    kind: EventKind,
    data: OrderData,
    now: datetime,
    *,
    shop_id: ShopId,
    new_order_id: OrderId,
    on_backwards: OnBackwards = "raise",
    timezone: str = "UTC",
) -> EventDecision:
    """Decide what the event ``kind`` with ``data`` does to ``before`` (None: the order is new).

    A new order takes ``new_order_id``. A move the lifecycle refuses as backwards raises InvalidTransition
    with ``on_backwards="raise"``; with ``"ignore"`` it is ignored as "backwards". ``timezone`` (the shop's)
    says which day a carrier's estimate names.
    """
    target = Status.CANCELLED if kind == "cancelled" else data.status
    if before is None:
        order = domain.new_order(new_order_id, shop_id, data, target, Source.WEBHOOK, None, now)
        return EventDecision(order, tell_customer=True, urgent=domain.delivery_news(None, order) is not None)
    if _is_stale(before, kind, data, target):
        return EventDecision(before, ignored="stale")
    if (carrier_ignored := domain.carrier_report_ignored(before, data)) is not None:
        return EventDecision(before, ignored=carrier_ignored)
    updated = domain.with_details(before, data)
    at = min(domain.reported_at(data) or now, now)
    note = None
    if target is None and (target := domain.carrier_status(updated)) is not None:
        note = domain.delivered_note(updated)
    try:
        moved = domain.move(updated, target, at=at, source=Source.WEBHOOK, note=note) if target else None
    except InvalidTransition:
        if on_backwards == "raise":
            raise
        return EventDecision(before, ignored="backwards")
    after = moved or updated
    # a new carrier stage on a shipped order gets its own timeline event; the urgent ones (out for delivery,
    # a problem) also go out at once, quiet hours or not
    news = domain.delivery_news(before, after)
    stage = domain.stage_news(before, after, data)
    if stage is not None and moved is None:
        after = domain.note_delivery(after, stage, at=at, source=Source.WEBHOOK)
    urgent = news is not None
    return EventDecision(
        domain.with_problem_flag(after).model_copy(update={"updated_at": now}),
        tell_customer=moved is not None or urgent,
        urgent=urgent,
        later_day=later_estimate(before, after, timezone),
    )


def later_estimate(before: Order, after: Order, timezone: str) -> date | None:
    """The carrier's new day when its estimate for the same parcel moved to a later day, else None.

    A first estimate is no delay (nothing was expected before it), nor is one for a parcel already
    delivered or an order already closed.
    """
    known, sent = before.tracking, after.tracking
    if after.status in TERMINAL or known is None or sent is None or known.number != sent.number:
        return None
    if known.estimated_delivery is None or sent.estimated_delivery is None:
        return None
    if sent.stage == DeliveryStage.DELIVERED:
        return None
    day = carrier_day(sent.estimated_delivery, timezone)
    return day if day > carrier_day(known.estimated_delivery, timezone) else None


def _is_stale(before: Order, kind: EventKind, data: OrderData, target: Status | None) -> bool:
    """Older than what is stored, or a creation delivered again after the order moved on."""
    if (
        data.updated_at is not None
        and before.source_updated_at is not None
        and data.updated_at <= before.source_updated_at
    ):
        return True
    return kind == "created" and target is not None and is_backwards(before.status, target)
