"""Delivery dates from a shop's own past orders (pure functions over plain data).

An order's date is read off how long the shop's orders took from creation to delivery (handing over to the
carrier, then transit), or, once the parcel is with the carrier, how long their transit took. The "arrives
by" date is the duration the shop's promise level of them met (0.9: nine in ten arrived within it), the
likely date the middle of the five days most likely to see the delivery.

Which orders count, and how:

- only what was known at ``as_of``: orders made (or handed over) before it, as delivered when they were
  delivered before it, else as "not delivered yet after so many days" (censored: a Kaplan-Meier estimate
  counts them at risk until then). So a date asked "as of" a moment in the past (a backtest) never sees
  what came after, and a parcel still on its way counts too: when deliveries slow down, the parcels that
  are late show it before they arrive, where a read of delivered orders alone would see only the quick ones;
- those of the same lane: carrier and origin region to destination region, else origin to destination
  region, else the destination region, else the origin, else the whole shop; the first lane with
  ``MIN_SAMPLES`` deliveries answers, and with fewer across the whole shop there is no date at all
  (``TooLittleHistory``) rather than a made-up one;
- the recent past more than the old: orders of the last ``WINDOW_DAYS``, each weighing half as much per
  ``HALF_LIFE_DAYS`` of age, so a slower (or faster) season shows in the dates within weeks;
- once the parcel has been on its way a while, only what took at least as long: a parcel five days in
  transit is not going to arrive in two.

Dates are days in the shop's time zone: both are given as the end of that day, and a parcel delivered
any time that day arrived by it.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orders.lifecycle import DeliveryStage

#: The share of orders that arrive by the "arrives by" date unless a shop sets its own.
DEFAULT_LEVEL = 0.9
#: Fewest past deliveries a lane needs to answer: at 30, three orders lie beyond its 0.9 quantile; fewer
#: would let one late parcel set the date.
MIN_SAMPLES = 30
#: How far back orders count: long enough for the slow tail of a lane to show, short enough to follow it.
WINDOW_DAYS = 180
#: Age at which an order weighs half as much as today's: a slow month moves the dates within weeks.
HALF_LIFE_DAYS = 45.0
#: The likely day is the middle of the five days most likely to see the delivery: "within two days" of it.
LIKELY_SPAN_DAYS = 5.0
#: Most recent orders read per lane, so one estimate costs the same in a shop of any size.
MAX_SAMPLES = 3000

_DAY = 86400.0
#: Where the weights of orders start (2020-01-01): keeps them within a float for a century either side.
_EPOCH = 1577836800.0


@dataclass(frozen=True)
class Shipment:
    """One of the shop's orders: when it was made, handed to the carrier (if known) and delivered (None:
    not yet)."""

    created_at: datetime
    delivered_at: datetime | None = None
    shipped_at: datetime | None = None
    origin: str | None = None  # region the parcel left from, e.g. ``BR/SP``
    destination: str | None = None  # region it went to
    carrier: str | None = None


@dataclass(frozen=True)
class Parcel:
    """The order a date is asked for, as far as it has come."""

    created_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    stage: DeliveryStage | None = None
    origin: str | None = None
    destination: str | None = None
    carrier: str | None = None


@dataclass(frozen=True)
class Estimate:
    """A likely date and an "arrives by" date, and what they rest on (``lane``, ``samples``)."""

    likely: datetime
    arrives_by: datetime
    level: float
    lane: str
    samples: int


@dataclass(frozen=True)
class TooLittleHistory:
    """No date: the shop has delivered fewer than ``needed`` orders to learn one from."""

    samples: int
    needed: int = MIN_SAMPLES


Answer = Estimate | TooLittleHistory


@dataclass(frozen=True)
class _Lane:
    name: str
    key: Callable[[Parcel | Shipment], tuple[str, ...] | None]


def _both(item: Parcel | Shipment) -> tuple[str, ...] | None:
    if item.origin and item.destination:
        return (item.origin, item.destination)
    return None


def _carried(item: Parcel | Shipment) -> tuple[str, ...] | None:
    both = _both(item)
    return (item.carrier.lower(), *both) if both and item.carrier else None


#: From the narrowest lane to the whole shop.
LANES: tuple[_Lane, ...] = (
    _Lane("carrier", _carried),
    _Lane("route", _both),
    _Lane("destination", lambda item: (item.destination,) if item.destination else None),
    _Lane("origin", lambda item: (item.origin,) if item.origin else None),
    _Lane("shop", lambda item: ()),
)


def lane_label(lane: str, parcel: Parcel) -> str:
    """The lane a date rests on, for people, written as the promise ledger writes lanes
    (``orders.promises.lane_of``): ``BR-SP → BR-RJ (correios)``, ``BR-SP → BR-RJ``, then, widened, ``* → BR-RJ``
    (any origin), ``BR-SP → *`` (any destination) or ``shop``."""
    origin, destination = _place(parcel.origin), _place(parcel.destination)
    return {
        "carrier": f"{origin} → {destination} ({(parcel.carrier or '').strip().lower()})",
        "route": f"{origin} → {destination}",
        "destination": f"* → {destination}",
        "origin": f"{origin} → *",
    }.get(lane, "shop")


def _place(region: str | None) -> str:
    """``BR/SP`` (``region_key``) as ``BR-SP``."""
    return (region or "").replace("/", "-").strip("-") or "?"


class _Samples:
    """One lane's orders for one clock (from creation, or from handover), by when that clock started."""

    def __init__(self) -> None:
        self.start: list[float] = []
        self.end: list[float] = []  # delivery, ``inf`` while not delivered
        #: ``2 ** (start / half-life)``: a weight relative to the others' (the common factor of "as of when"
        #: cancels out of every quantile), so an estimate computes none.
        self.weight: list[float] = []

    def add(self, start: datetime, end: datetime | None) -> None:
        self.start.append(start.timestamp())
        self.end.append(end.timestamp() if end is not None else math.inf)
        self.weight.append(2.0 ** ((self.start[-1] - _EPOCH) / (HALF_LIFE_DAYS * _DAY)))

    def known(self, cut: float) -> tuple[list[tuple[float, bool, float]], int]:
        """What was known at ``cut`` of the orders started within the window before it: (days, delivered,
        weight) each, and how many were delivered."""
        high = bisect.bisect_left(self.start, cut)
        low = max(bisect.bisect_left(self.start, cut - WINDOW_DAYS * _DAY), high - MAX_SAMPLES)
        seen: list[tuple[float, bool, float]] = []
        delivered = 0
        for index in range(low, high):
            start, end = self.start[index], self.end[index]
            if end < cut:
                seen.append(((end - start) / _DAY, True, self.weight[index]))
                delivered += 1
            else:
                seen.append(((cut - start) / _DAY, False, self.weight[index]))
        return seen, delivered


class History:
    """A shop's orders, indexed by lane and clock so that one estimate reads only its lane's recent part."""

    def __init__(self, shipments: Iterable[Shipment]) -> None:
        self._total: dict[tuple[str, tuple[str, ...]], _Samples] = defaultdict(_Samples)
        self._transit: dict[tuple[str, tuple[str, ...]], _Samples] = defaultdict(_Samples)
        self.size = 0
        for item in sorted(shipments, key=lambda item: item.created_at):
            end = item.delivered_at
            if end is not None and end < item.created_at:
                continue  # a record that contradicts itself teaches nothing
            self.size += 1
            lanes = [(lane.name, found) for lane in LANES if (found := lane.key(item)) is not None]
            for lane_key in lanes:
                self._total[lane_key].add(item.created_at, end)
            shipped = item.shipped_at
            if shipped is not None and item.created_at <= shipped and (end is None or shipped <= end):
                for lane_key in lanes:
                    self._transit[lane_key].add(shipped, end)
        for samples in self._transit.values():
            _sort_by_start(samples)  # handed over in another order than made

    def estimate(self, parcel: Parcel, as_of: datetime, level: float, timezone: str = "UTC") -> Answer:
        """The dates for ``parcel`` as of ``as_of`` at ``level``, from what was known at ``as_of``."""
        zone = _zone(timezone)
        if parcel.delivered_at is not None and parcel.delivered_at <= as_of:
            day = _end_of_day(parcel.delivered_at, zone)
            return Estimate(day, day, level, "delivered", 0)
        if parcel.stage == DeliveryStage.OUT_FOR_DELIVERY:
            day = _end_of_day(as_of, zone)
            return Estimate(day, day, level, "out for delivery", 0)
        handed_over = parcel.shipped_at is not None and parcel.shipped_at <= as_of
        start = parcel.shipped_at if handed_over and parcel.shipped_at else parcel.created_at
        elapsed = max(0.0, (as_of - start).total_seconds() / _DAY)
        lanes = self._transit if handed_over else self._total
        most = 0
        for lane in LANES:
            key = lane.key(parcel)
            samples = lanes.get((lane.name, key)) if key is not None else None
            if samples is None:
                continue
            seen, delivered = samples.known(as_of.timestamp())
            most = max(most, delivered)
            if delivered < MIN_SAMPLES:
                continue
            found = arrivals(seen, after=elapsed)
            median, by = _quantiles(found, (0.5, level))
            if median is None or by is None:
                continue  # too much of the lane is still on its way to tell this level
            likely = min(likeliest(found, median), by)
            today = _end_of_day(as_of, zone)
            return Estimate(
                likely=max(_end_of_day(start + timedelta(days=likely), zone), today),
                arrives_by=max(_end_of_day(start + timedelta(days=by), zone), today),
                level=level,
                lane=lane_label(lane.name, parcel),
                samples=delivered,
            )
        return TooLittleHistory(most)


def _sort_by_start(samples: _Samples) -> None:
    order = sorted(range(len(samples.start)), key=samples.start.__getitem__)
    samples.start = [samples.start[i] for i in order]
    samples.end = [samples.end[i] for i in order]
    samples.weight = [samples.weight[i] for i in order]


def arrivals(seen: list[tuple[float, bool, float]], after: float = 0.0) -> list[tuple[float, float]]:
    """Weighted Kaplan-Meier: the share of orders delivered after each duration, among what took longer
    than ``after``, in order of duration; the shares add up to less than 1 when some are still out.

    ``seen`` holds (days, delivered, weight): a delivery after so many days, or an order not delivered
    yet after so many days, which counts at risk until then and says nothing of after.
    """
    pending = sorted((days, not delivered, weight) for days, delivered, weight in seen if days >= after)
    at_risk = math.fsum(weight for _, _, weight in pending)
    remaining = 1.0
    found: list[tuple[float, float]] = []
    index = 0
    while index < len(pending) and at_risk > 0:
        days = pending[index][0]
        arrived = gone = 0.0
        # at the same duration, deliveries count before the orders still on their way
        while index < len(pending) and pending[index][0] == days:
            _, still_out, weight = pending[index]
            gone += weight
            if not still_out:
                arrived += weight
            index += 1
        share = remaining * arrived / at_risk
        if share > 0:
            found.append((days, share))
        remaining -= share
        at_risk -= gone
    return found


def survival_quantiles(
    seen: list[tuple[float, bool, float]], levels: Iterable[float], after: float = 0.0
) -> list[float | None]:
    """For each level, the least duration by which that share had been delivered (``arrivals``); None
    when too much is still on its way to tell."""
    return _quantiles(arrivals(seen, after), levels)


def _quantiles(found: list[tuple[float, float]], levels: Iterable[float]) -> list[float | None]:
    answers: list[float | None] = []
    for level in levels:
        reached, answer = 0.0, None
        for days, share in found:
            reached += share
            if reached >= level - 1e-9:
                answer = days
                break
        answers.append(answer)
    return answers


def likeliest(found: list[tuple[float, float]], median: float) -> float:
    """The middle of the ``LIKELY_SPAN_DAYS`` most likely to see the delivery (of ties, the one nearest the
    median): the day to name when "within two days" is what a customer will hold it to."""
    half = LIKELY_SPAN_DAYS / 2
    durations = [days for days, _ in found]
    running = [0.0]
    for _, share in found:
        running.append(running[-1] + share)
    best, best_share = median, -1.0
    for days in durations:
        share = (
            running[bisect.bisect_right(durations, days + half)]
            - running[bisect.bisect_left(durations, days - half)]
        )
        if share > best_share + 1e-9 or (
            abs(share - best_share) <= 1e-9 and abs(days - median) < abs(best - median)
        ):
            best, best_share = days, share
    return best


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _end_of_day(at: datetime, zone: ZoneInfo) -> datetime:
    """The last second of ``at``'s day in ``zone``, in UTC."""
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone)
    return datetime.combine(local.date(), time(23, 59, 59), zone).astimezone(UTC)


def local_day(at: datetime, timezone: str) -> datetime:
    """``at`` in the shop's time zone (its date is the day a date means)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(_zone(timezone))


def region_key(country: str | None, region: str | None) -> str | None:
    """``BR/SP``: a region as lanes key it (a region name alone is ambiguous across countries)."""
    if not region or not region.strip():
        return None
    return f"{(country or '').strip().upper()}/{region.strip().upper()}"
