"""What a message may say about one order, in words: its state, progress, next step, tracking and arrival.

Pure functions of ``OrderFacts``, shared by every style the composer writes in and by the placeholders of a
shop's own texts. A shipped order with the carrier's delivery stage says that stage (out for delivery,
ready for pickup, a delivery problem) instead of "on its way".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.message_texts import NEXT_WORDS, STAGE_NEXT, STAGE_WORDS, STATUS_WORDS
from orders.lifecycle import DeliveryStage, Status, next_status, progress


@dataclass(frozen=True)
class OrderFacts:
    """What a message may say about an order; nothing else reaches the composer."""

    number: str
    status: Status
    updated_at: datetime
    tracking_url: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    items: tuple[str, ...] = ()
    total: str | None = None
    currency: str | None = None
    stage: DeliveryStage | None = None  # the carrier's latest news; said only while the order is shipped
    #: The dates learned from the shop's deliveries (``orders.eta``): the likely day and the day it arrives
    #: by; None when none was asked for or the history is too short (``short_history``).
    likely: datetime | None = None
    arrives_by: datetime | None = None
    short_history: bool = False


def local_time(at: datetime, timezone: str) -> str:
    """``25 Nov, 14:05`` in the shop's time zone (UTC when it is unknown; naive times are UTC)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%d %b, %H:%M")


def one_line(value: str | None) -> str:
    """A value from the shop's data, flattened so that it cannot break a message's layout."""
    return " ".join((value or "").split())


def stage_of(order: OrderFacts) -> DeliveryStage | None:
    return order.stage if order.status == Status.SHIPPED else None


def state(order: OrderFacts) -> str:
    """``is on its way``, or what the carrier says of a shipped order: ``is out for delivery today``."""
    stage = stage_of(order)
    return STAGE_WORDS[stage] if stage is not None else f"is {STATUS_WORDS[order.status]}"


def status_line(order: OrderFacts) -> str:
    return f"Order #{one_line(order.number)} {state(order)}"


def progress_note(order: OrderFacts, suffix: str = "") -> str:
    """`` (75%)``; nothing for a cancelled order, where "0% done" would only confuse."""
    return "" if order.status == Status.CANCELLED else f" ({progress(order.status)}%{suffix})"


def next_line(order: OrderFacts) -> str | None:
    stage = stage_of(order)
    if stage in STAGE_NEXT:
        return STAGE_NEXT[stage]
    step = next_status(order.status)
    return f"Next: {NEXT_WORDS[step]}." if step in NEXT_WORDS else None


def tracking_line(order: OrderFacts) -> str | None:
    if url := one_line(order.tracking_url):
        return url
    if number := one_line(order.tracking_number):
        return f"{one_line(order.carrier) or 'tracking'} {number}"
    return None


def eta(order: OrderFacts) -> str | None:
    """What is known of when it arrives: only what a carrier or the status says, never a guess."""
    if order.status == Status.FULFILLED or stage_of(order) == DeliveryStage.DELIVERED:
        return "delivered"
    if stage_of(order) == DeliveryStage.OUT_FOR_DELIVERY:
        return "today"
    return None


def local_day(at: datetime, timezone: str) -> str:
    """``Mon 14 Dec``: a delivery date, the day it means in the shop's time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone).strftime("%a %d %b")


def dates_apply(order: OrderFacts) -> bool:
    """Whether "when" is still open: not delivered or cancelled, and no carrier stage that answers it."""
    return order.status not in (Status.FULFILLED, Status.CANCELLED) and stage_of(order) in (
        None,
        DeliveryStage.IN_TRANSIT,
    )


def arrival_note(order: OrderFacts, timezone: str = "UTC") -> str | None:
    """What to add about the date: the dates learned from past deliveries when there are some, that there
    is too little history to learn one when there is not, and nothing when the status already answers."""
    if not dates_apply(order):
        return None
    if order.likely is not None and order.arrives_by is not None:
        likely, by = local_day(order.likely, timezone), local_day(order.arrives_by, timezone)
        if likely == by:
            return f"It should arrive by {by}."
        return f"It should arrive around {likely}, and by {by} at the latest."
    if order.short_history and not tracking_line(order):
        return "We haven't delivered enough orders yet to give you a reliable date."
    if order.status != Status.SHIPPED:
        return "It hasn't shipped yet, so there's no delivery date yet."
    if tracking_line(order):
        return "I don't have an exact delivery date; the carrier's tracking shows their latest estimate."
    return "I don't have an exact delivery date for it yet."


def short_state(order: OrderFacts) -> str:
    """``shipped``, or a shipped order's carrier stage: ``out for delivery``."""
    stage = stage_of(order)
    return stage.value.replace("_", " ") if stage is not None else order.status.value


__all__ = [
    "OrderFacts",
    "arrival_note",
    "dates_apply",
    "eta",
    "local_day",
    "local_time",
    "next_line",
    "one_line",
    "progress_note",
    "short_state",
    "stage_of",
    "state",
    "status_line",
    "tracking_line",
]
