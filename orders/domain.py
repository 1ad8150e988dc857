"""Changes to an order, as pure functions that return a new order.

The service loads, calls these, and saves with a version check; nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from orders import satisfaction
from orders.lifecycle import (
    TERMINAL,
    URGENT_STAGES,
    DeliveryStage,
    Status,
    check_transition,
    is_backwards,
)
from orders.model import Order, OrderData, OrderId, ShopId, Source, TimelineEvent, Tracking
from orders.rules import Reason
from orders.waiting import waiting_deltas

DELIVERY_PROBLEM_FLAG = Reason.DELIVERY_PROBLEM.value
#: The note of a move made on a carrier's report that the parcel was delivered (``delivered_note``).
CARRIER_DELIVERED = "the carrier reports it delivered"


def new_order(
    order_id: OrderId,
    shop_id: ShopId,
    data: OrderData,
    status: Status | None,
    source: Source,
    actor: str | None,
    now: datetime,
) -> Order:
    """A new order as a source first describes it, pending unless ``status`` says otherwise.

    Times a source sends in the future are taken as now; a new order that is already past pending has been
    in its status since the source's last update.
    """
    status = status or Status.PENDING
    created = min(data.created_at or now, now)
    since = min(data.updated_at or created, now) if status != Status.PENDING else created
    order = Order(
        id=order_id,
        shop_id=shop_id,
        external_id=data.external_id,
        number=data.number or data.external_id,
        status=status,
        status_since=since,
        created_at=created,
        updated_at=now,
        timeline=[TimelineEvent(status=status, at=since, source=source, actor=actor)],
    )
    return with_details(order, data)


def move(
    order: Order,
    target: Status,
    *,
    at: datetime,
    source: Source,
    actor: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    confidence: float | None = None,
    force: bool = False,
) -> Order | None:
    """The order moved to ``target`` with the change on its timeline; None when it is already there.

    Raises InvalidTransition for a move the lifecycle forbids without ``force``.
    """
    if not check_transition(order.status, target, force=force):
        return None
    event = TimelineEvent(
        status=target,
        from_status=order.status,
        at=at,
        source=source,
        actor=actor,
        note=note,
        reason=reason,
        confidence=confidence,
        forced=force and is_backwards(order.status, target),
    )
    return order.model_copy(
        update={
            "status": target,
            "status_since": at,
            "updated_at": at,
            "timeline": [*order.timeline, event],
        }
    )


def record(order: Order, event: TimelineEvent) -> Order:
    """The order with a non-status event (a staff action, a notification) on its timeline."""
    return order.model_copy(update={"timeline": [*order.timeline, event], "updated_at": event.at})


def delivery_news(before: Order | None, after: Order) -> DeliveryStage | None:
    """The urgent delivery stage ``after`` reached, when it is news for the customer; else None.

    News is a shipped order whose carrier stage changed to one the customer must hear about at once (out
    for delivery, ready for pickup, a delivery problem), also in the event that ships it. The same stage
    reported again is not news, so a repeated delivery or an unrelated update tells nobody twice.
    """
    stage = after.tracking.stage if after.tracking else None
    if after.status != Status.SHIPPED or stage not in URGENT_STAGES:
        return None
    known = before.tracking if before is not None and before.status == Status.SHIPPED else None
    earlier = known.stage if known is not None else None
    return None if stage == earlier else stage


def stage_news(before: Order | None, after: Order, data: OrderData) -> DeliveryStage | None:
    """The carrier stage that gets its own timeline event on a shipped order, or None.

    A carrier's report (a tracking with ``stage_at``, from an aggregator) puts every new stage there with
    its place and time; a shop's shipment status only the urgent ones (``delivery_news``), which are also
    the ones told at once.
    """
    if data.tracking is None or data.tracking.stage_at is None:
        return delivery_news(before, after)
    stage = after.tracking.stage if after.tracking else None
    if before is None or after.status != Status.SHIPPED or stage is None:
        return None
    return None if before.tracking is not None and before.tracking.stage == stage else stage


def carrier_report_ignored(before: Order, data: OrderData) -> Literal["stale", "backwards"] | None:
    """Why a carrier's report (a tracking with ``stage_at``) changes nothing, or None when it counts.

    Stale: no newer than the report kept for the same parcel (aggregators retry and reorder), about an
    order already closed, or about a parcel the order no longer has (its tracking number changed after the
    report was received). Backwards: anything but "delivered" about a parcel the carrier said was
    delivered. A source's report without ``stage_at`` (a shop's own shipment status) is not judged here;
    an aggregator's revised estimate alone (``estimated_at`` without ``stage_at``) by ``_estimate_ignored``.
    """
    sent, known = data.tracking, before.tracking
    if sent is None:
        return None
    if sent.stage_at is None:
        return None if sent.estimated_at is None else _estimate_ignored(before, sent)
    if before.status in TERMINAL:
        return "stale"
    if known is None or known.number != sent.number:
        return "stale"
    if known.stage_at is not None and sent.stage_at <= known.stage_at:
        return "stale"
    if known.stage == DeliveryStage.DELIVERED and sent.stage != DeliveryStage.DELIVERED:
        return "backwards"
    return None


def _estimate_ignored(before: Order, sent: Tracking) -> Literal["stale"] | None:
    """Stale: a revised estimate no newer than the one kept, about a parcel the order does not have, about
    a closed order or about a parcel the carrier said was delivered (an estimate then means nothing)."""
    known = before.tracking
    if before.status in TERMINAL or known is None or known.number != sent.number:
        return "stale"
    if known.stage == DeliveryStage.DELIVERED:
        return "stale"
    if (
        known.estimated_at is not None
        and sent.estimated_at is not None
        and sent.estimated_at <= known.estimated_at
    ):
        return "stale"
    return None


def reported_at(data: OrderData) -> datetime | None:
    """When the source says the change happened: its ``updated_at``, else the carrier's checkpoint time."""
    return data.updated_at or (data.tracking.stage_at if data.tracking else None)


def delivered_note(order: Order) -> str:
    """The note of a move to fulfilled on the carrier's word, with where it was delivered when known."""
    place = order.tracking.place if order.tracking else None
    return CARRIER_DELIVERED + (f" ({place})" if place else "")


def is_carrier_move(event: TimelineEvent) -> bool:
    """Whether a status move was made on a carrier's report (``carrier_status``), not by the shop itself.

    Such a move comes through the shop's event path (source ``webhook``); its note is what tells it apart.
    """
    return event.source == Source.WEBHOOK and (event.note or "").startswith(CARRIER_DELIVERED)


def with_problem_flag(order: Order) -> Order:
    """The order flagged ``delivery_problem`` while it is shipped and its carrier reports a problem (a
    failed attempt, an exception, a return), so staff are alerted; the flag goes when the stage moves on."""
    stage = order.tracking.stage if order.tracking else None
    problem = order.status == Status.SHIPPED and stage == DeliveryStage.DELIVERY_PROBLEM
    if problem == (DELIVERY_PROBLEM_FLAG in order.flags):
        return order
    flags = (
        [*order.flags, DELIVERY_PROBLEM_FLAG]
        if problem
        else [f for f in order.flags if f != DELIVERY_PROBLEM_FLAG]
    )
    return order.model_copy(update={"flags": flags})


def carrier_status(order: Order) -> Status | None:
    """The status a carrier's report implies when the source sent none: a shipped order the carrier
    reports delivered is fulfilled (fulfilment comes from the shop, the carrier or staff, never rules)."""
    stage = order.tracking.stage if order.tracking else None
    return Status.FULFILLED if order.status == Status.SHIPPED and stage == DeliveryStage.DELIVERED else None


def note_delivery(order: Order, stage: DeliveryStage, *, at: datetime, source: Source) -> Order:
    """The order with carrier news on its timeline, as a ``delivery`` event (not a status move), with the
    place the carrier named when it named one."""
    place = order.tracking.place if order.tracking else None
    note = stage.value.replace("_", " ") + (f" ({place})" if place else "")
    event = TimelineEvent(kind="delivery", status=order.status, at=at, source=source, note=note)
    return record(order, event)


def stats_deltas(before: Order | None, after: Order) -> dict[str, float]:
    """Counter changes for the shop's stats when ``before`` became ``after`` (``waiting`` ones included)."""
    deltas = waiting_deltas(before, after) | satisfaction.deltas(before, after)
    if before is None:
        deltas["total"] = 1
        deltas[f"by_status.{after.status}"] = 1
    elif before.status != after.status:
        deltas[f"by_status.{before.status}"] = -1
        deltas[f"by_status.{after.status}"] = 1
    start = len(before.timeline) if before else 0
    for index, event in enumerate(after.timeline[start:], start):
        if event.kind != "status" or event.from_status is None:
            continue
        deltas["moves.total"] = deltas.get("moves.total", 0) + 1
        if event.source in (Source.RULES, Source.AI):
            deltas["moves.automatic"] = deltas.get("moves.automatic", 0) + 1
        if event.status == Status.SHIPPED and not _shipped_before(after.timeline[:index]):
            hours = (event.at - after.created_at).total_seconds() / 3600
            deltas["shipping.count"] = 1
            deltas["shipping.hours"] = max(hours, 0.0)
    return deltas


def _shipped_before(earlier: list[TimelineEvent]) -> bool:
    # By position, not ``list.index``: two events can be equal field by field (same status, time, source).
    return any(e.status == Status.SHIPPED and e.kind == "status" for e in earlier)


def with_details(order: Order, data: OrderData) -> Order:
    """The order with every field the source sent replaced (status is left to ``move``).

    A parcel's delivery stage is kept when the source sends the same tracking number without one: a
    source that does not repeat the stage on every update has not taken it back (and the same stage
    arriving again later is then no news, so it is not told twice). So is its estimate, unless the source
    sends a new one (an aggregator's revised estimate comes alone, without a stage).
    """
    update: dict[str, object] = {} if data.number is None else {"number": data.number}
    for field in ("customer", "items", "total", "currency", "tracking", "ship_to", "ship_from", "channel"):
        value = getattr(data, field)
        if value is not None:
            update[field] = value
    known, sent = order.tracking, data.tracking
    if sent is not None and sent.stage is None and known is not None and known.number == sent.number:
        carried = ["stage", "stage_at", "place"]
        if sent.estimated_delivery is None:
            carried += ["estimated_delivery", "estimated_at"]
        update["tracking"] = sent.model_copy(update={name: getattr(known, name) for name in carried})
    if data.updated_at is not None:
        update["source_updated_at"] = data.updated_at
    return order.model_copy(update=update)
