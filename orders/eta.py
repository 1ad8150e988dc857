"""Delivery dates from a shop's own past deliveries (pure functions over plain data).

An order's date is read off the orders the shop delivered before: how long each took from its creation
(handing over to the carrier, then transit), or, once the parcel is with the carrier, how long its transit
took. The "arrives by" date is the duration the shop's promise level of those deliveries met (0.9: nine
in ten arrived within it), the likely date the median.

Which past deliveries count:

- only those delivered before ``as_of``, so a date asked "as of" a moment in the past (a backtest) never
  sees what came after it;
- those of the same lane: carrier and origin region to destination region, else origin to destination
  region, else the destination region, else the origin, else the whole shop; the first lane with
  ``MIN_SAMPLES`` deliveries answers, and with fewer across the whole shop there is no date at all
  (``TooLittleHistory``) rather than a made-up one;
- the recent past more than the old: deliveries of the last ``WINDOW_DAYS``, each weighing half as much
  per ``HALF_LIFE_DAYS`` of age, so a slower season shows in the dates within weeks;
- once the parcel has been on its way a while, only deliveries that took at least as long: a parcel
  five days in transit is not going to arrive in two.

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
#: Fewest past deliveries a lane needs to answer: below it a quantile at 0.9 rests on two or three orders.
MIN_SAMPLES = 30
#: How far back deliveries count: a year holds every season once.
WINDOW_DAYS = 365
#: Age at which a delivery weighs half as much as today's: a slow month moves the dates within weeks.
HALF_LIFE_DAYS = 60.0
#: Most recent deliveries read per lane, so one estimate costs the same in a shop of any size.
MAX_SAMPLES = 3000

_DAY = 86400.0
#: Where the weights of deliveries start (2020-01-01): keeps them within a float for centuries.
_EPOCH = 1577836800.0


@dataclass(frozen=True)
class Delivered:
    """One past delivery: when the order was made, handed to the carrier (if known) and delivered."""

    created_at: datetime
    delivered_at: datetime
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
    key: Callable[[Parcel | Delivered], tuple[str, ...] | None]


def _both(item: Parcel | Delivered) -> tuple[str, ...] | None:
    if item.origin and item.destination:
        return (item.origin, item.destination)
    return None


def _carried(item: Parcel | Delivered) -> tuple[str, ...] | None:
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
    """``correios SP→RJ``, ``SP→RJ``, ``→RJ``, ``SP→`` or ``shop``: the lane a date rests on, for people."""
    origin, destination = _short(parcel.origin), _short(parcel.destination)
    return {
        "carrier": f"{(parcel.carrier or '').lower()} {origin}→{destination}",
        "route": f"{origin}→{destination}",
        "destination": f"→{destination}",
        "origin": f"{origin}→",
    }.get(lane, "shop")


def _short(region: str | None) -> str:
    return (region or "").rpartition("/")[2]


class _Samples:
    """One lane's deliveries, oldest delivery first: its times as seconds, total and transit days."""

    def __init__(self) -> None:
        self.delivered: list[float] = []
        self.total: list[float] = []
        self.transit: list[float | None] = []
        #: ``2 ** (delivered / half-life)``: a weight relative to the others' (the common factor of "as of
        #: when" cancels out of every quantile), so an estimate computes none.
        self.weight: list[float] = []

    def add(self, item: Delivered) -> None:
        self.delivered.append(item.delivered_at.timestamp())
        self.weight.append(2.0 ** ((self.delivered[-1] - _EPOCH) / (HALF_LIFE_DAYS * _DAY)))
        self.total.append((item.delivered_at - item.created_at).total_seconds() / _DAY)
        transit = None
        if item.shipped_at is not None and item.created_at <= item.shipped_at <= item.delivered_at:
            transit = (item.delivered_at - item.shipped_at).total_seconds() / _DAY
        self.transit.append(transit)


class History:
    """A shop's past deliveries, indexed by lane so that one estimate reads only its lane's recent part."""

    def __init__(self, delivered: Iterable[Delivered]) -> None:
        self._lanes: dict[tuple[str, tuple[str, ...]], _Samples] = defaultdict(_Samples)
        self.size = 0
        for item in sorted(delivered, key=lambda item: item.delivered_at):
            if item.delivered_at < item.created_at:
                continue  # a record that contradicts itself teaches nothing
            self.size += 1
            for lane in LANES:
                key = lane.key(item)
                if key is not None:
                    self._lanes[(lane.name, key)].add(item)

    def estimate(self, parcel: Parcel, as_of: datetime, level: float, timezone: str = "UTC") -> Answer:
        """The dates for ``parcel`` as of ``as_of`` at ``level``, from deliveries made before ``as_of``."""
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
        cut = as_of.timestamp()
        most = 0
        for lane in LANES:
            key = lane.key(parcel)
            samples = self._lanes.get((lane.name, key)) if key is not None else None
            if samples is None:
                continue
            durations = _recent(samples, cut, transit=handed_over)
            most = max(most, len(durations))
            if len(durations) < MIN_SAMPLES:
                continue
            # only deliveries that took as long as this parcel has been on its way already
            longer = [(days, weight) for days, weight in durations if days >= elapsed]
            if len(longer) < MIN_SAMPLES:
                longer = [(max(days, elapsed), weight) for days, weight in durations]
            likely, by = weighted_quantiles(longer, (0.5, level))
            label = lane_label(lane.name, parcel)
            return Estimate(
                likely=max(_end_of_day(start + timedelta(days=likely), zone), _end_of_day(as_of, zone)),
                arrives_by=max(_end_of_day(start + timedelta(days=by), zone), _end_of_day(as_of, zone)),
                level=level,
                lane=label,
                samples=len(durations),
            )
        return TooLittleHistory(most)


def _recent(samples: _Samples, cut: float, *, transit: bool) -> list[tuple[float, float]]:
    """The lane's deliveries made before ``cut`` within the window, newest ``MAX_SAMPLES``: (days, weight)."""
    high = bisect.bisect_left(samples.delivered, cut)
    low = max(bisect.bisect_left(samples.delivered, cut - WINDOW_DAYS * _DAY), high - MAX_SAMPLES)
    column = samples.transit if transit else samples.total
    weights = samples.weight
    return [(days, weights[index]) for index in range(low, high) if (days := column[index]) is not None]


def weighted_quantiles(values: list[tuple[float, float]], levels: Iterable[float]) -> list[float]:
    """For each level, the least value whose weight and all below it reach that share of the total weight."""
    ordered = sorted(values)
    total = math.fsum(weight for _, weight in ordered)
    answers = []
    for level in levels:
        reached, goal = 0.0, level * total
        answer = ordered[-1][0]
        for value, weight in ordered:
            reached += weight
            if reached >= goal - 1e-12:
                answer = value
                break
        answers.append(answer)
    return answers


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
