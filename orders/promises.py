"""Delivery dates told to customers, judged: kept or broken, at risk, and summed up. Pure: no I/O, no clock.

A promise is a calendar day in the shop's time zone (``Promise.promised_day``): a customer told "by Thursday"
expects the parcel on Thursday wherever the carrier's clock runs, so a delivery at 23:30 local on the day is
kept and one at 00:30 the next day is broken, whatever the UTC date says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orders.lifecycle import TERMINAL, DeliveryStage, Status
from orders.model import Order, Place, Promise, PromiseOutcome

#: Stages after which a parcel is as good as there today: no longer at risk for a promise due today.
ON_ITS_LAST_LEG = frozenset({DeliveryStage.OUT_FOR_DELIVERY, DeliveryStage.READY_FOR_PICKUP})
#: On the promised day, from this local time a parcel the carrier has not sent out for delivery is told as
#: late: carriers load the day's vans in the morning, so by noon one not out for delivery rarely comes that day.
LATE_AFTER = time(12, 0)


def zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(at: datetime, timezone: str) -> date:
    """The calendar day ``at`` falls on in ``timezone`` (naive times are UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(zone(timezone)).date()


def day_end(day: date, timezone: str) -> datetime:
    """The last second of ``day`` in ``timezone``, in UTC: how a promised day is stored as a time, so that
    reading it back in the shop's zone gives the same day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone(timezone)).astimezone(UTC)


def carrier_day(estimate: datetime, timezone: str) -> date:
    """The day a carrier's estimate names. Both aggregators send a bare date as midnight UTC (AfterShip's
    ``YYYY-MM-DD``, EasyPost's ``...T00:00:00Z``): that date is the day, which the shop's zone west of UTC
    would move to the day before. A real time of day is read in the shop's zone."""
    at = estimate if estimate.tzinfo is not None else estimate.replace(tzinfo=UTC)
    utc = at.astimezone(UTC)
    if utc.time() == time(0, 0):
        return utc.date()
    return local_day(at, timezone)


def outcome(promise: Promise, delivered_at: datetime) -> PromiseOutcome:
    """Kept when delivered on or before the promised day in the shop's zone, else broken."""
    delivered = local_day(delivered_at, promise.timezone)
    return (
        PromiseOutcome.KEPT
        if delivered <= date.fromisoformat(promise.promised_day)
        else PromiseOutcome.BROKEN
    )


def settlement(promise: Promise, order: Order) -> PromiseOutcome | None:
    """What the order's state makes of an open promise: kept or broken once delivered (the time it moved to
    fulfilled), void once cancelled; None while it is on its way."""
    if order.status == Status.FULFILLED:
        return outcome(promise, order.status_since)
    if order.status == Status.CANCELLED:
        return PromiseOutcome.VOID
    return None


def risk(promise: Promise, order: Order, now: datetime) -> str | None:
    """Why the promise may not be kept, in words for staff; None while it looks safe.

    At risk: the carrier's estimate is after the promised day; the day has passed; the day is today and the
    carrier has not sent the parcel out for delivery; or the day is tomorrow and no carrier estimate says
    it will make it. A delivered or closed order is never at risk.
    """
    if order.status in TERMINAL:
        return None
    tracking = order.tracking
    stage = tracking.stage if tracking else None
    if stage == DeliveryStage.DELIVERED:
        return None
    promised = date.fromisoformat(promise.promised_day)
    today = local_day(now, promise.timezone)
    estimate = (
        carrier_day(tracking.estimated_delivery, promise.timezone)
        if tracking and tracking.estimated_delivery
        else None
    )
    told = f"promised for {_day(promised)}"
    if estimate is not None and estimate > promised:
        return f"{told}; the carrier now expects {_day(estimate)}"
    if promised < today:
        return f"{told}; not delivered yet"
    if promised == today and stage not in ON_ITS_LAST_LEG:
        return f"{told} (today); the carrier has not sent it out for delivery"
    if promised == today + timedelta(days=1) and estimate is None and stage not in ON_ITS_LAST_LEG:
        return f"{told} (tomorrow); no carrier estimate says it will make it"
    return None


def running_late(promise: Promise, order: Order, now: datetime) -> bool:
    """Whether the customer should hear, on the day promised, that it may not come today: past
    ``LATE_AFTER`` there, the carrier reporting on the parcel but not out for delivery. Without carrier news
    nothing is known either way, so only staff hear of it (``risk``)."""
    stage = order.tracking.stage if order.tracking else None
    if (
        order.status in TERMINAL
        or stage is None
        or stage in ON_ITS_LAST_LEG
        or stage == DeliveryStage.DELIVERED
    ):
        return False
    local = now.astimezone(zone(promise.timezone))
    return local.date() == date.fromisoformat(promise.promised_day) and local.time() >= LATE_AFTER


def latest(promises: Iterable[Promise]) -> Promise | None:
    """The promise the customer heard last: the one that counts for whether the order is at risk (of two told
    at once, the later day, which a delay message tells over an earlier one)."""
    return max(promises, key=lambda p: (p.told_at, p.promised_day, p.id), default=None)


def lane_of(order: Order) -> str:
    """Where the parcel goes, as coarse as delivery times differ: ``BR-SP → BR-RJ (correios)``."""
    lane = f"{_place(order.ship_from)} → {_place(order.ship_to)}"
    carrier = order.tracking.carrier if order.tracking else None
    return f"{lane} ({carrier.strip().lower()})" if carrier and carrier.strip() else lane


def _place(place: Place | None) -> str:
    parts = [part.strip() for part in (place.country, place.region) if part and part.strip()] if place else []
    return "-".join(parts) or "?"


def _day(day: date) -> str:
    return f"{day:%a} {day:%b} {day.day}"


@dataclass(frozen=True)
class Figures:
    """How promises fared: of those settled, the share kept and the mean days promised (told to due)."""

    promises: int
    kept: int
    broken: int
    open: int
    kept_share: float | None
    mean_promised_days: float | None


def figures(promises: Iterable[Promise]) -> Figures:
    """The figures of a set of promises; void ones (cancelled orders) count nowhere."""
    counted = [p for p in promises if p.outcome != PromiseOutcome.VOID]
    settled = [p for p in counted if p.outcome != PromiseOutcome.OPEN]
    kept = sum(p.outcome == PromiseOutcome.KEPT for p in settled)
    days = [promised_days(p) for p in settled]
    return Figures(
        promises=len(counted),
        kept=kept,
        broken=len(settled) - kept,
        open=len(counted) - len(settled),
        kept_share=round(kept / len(settled), 4) if settled else None,
        mean_promised_days=round(sum(days) / len(days), 2) if days else None,
    )


def promised_days(promise: Promise) -> int:
    """Days from the day it was told to the day promised, both in the shop's zone."""
    told = local_day(promise.told_at, promise.timezone)
    return (date.fromisoformat(promise.promised_day) - told).days


def grouped(promises: Iterable[Promise]) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """The figures by lane and by the month the promised day falls in (``2026-11``)."""
    lanes: dict[str, list[Promise]] = defaultdict(list)
    months: dict[str, list[Promise]] = defaultdict(list)
    for promise in promises:
        lanes[promise.lane].append(promise)
        months[promise.promised_day[:7]].append(promise)
    return (
        {lane: figures(found) for lane, found in sorted(lanes.items())},
        {month: figures(found) for month, found in sorted(months.items())},
    )


__all__ = [
    "Figures",
    "carrier_day",
    "day_end",
    "figures",
    "grouped",
    "lane_of",
    "latest",
    "local_day",
    "outcome",
    "promised_days",
    "risk",
    "running_late",
    "settlement",
]
