"""Delivery dates from a shop's own past orders (pure functions over plain data).

An order not handed over yet is dated by how long the shop's orders took to be handed to the carrier from
where it is sent (the sender's postal area, else its region), then by how long their transit took on its
route, the two added as distributions (``eta_survival.convolve``): who sends sets the handover, the route
the transit, and a date learned on the whole journey would mix them. Once the parcel is with the carrier
only its transit remains. The "arrives by" date is the duration the shop's promise level of them met (0.9:
nine in ten arrived within it), the likely date the middle of the five days most likely to see the
delivery. A shop that records no handovers is dated on creation to delivery as a whole.

Which orders count, and how:

- only what was known at ``as_of``: orders made (or handed over) before it, as delivered (or handed over)
  when that happened before it, else as "not yet after so many days" (censored: a Kaplan-Meier estimate
  counts them at risk until then). So a date asked "as of" a moment in the past (a backtest) never sees
  what came after, and a parcel still on its way counts too: when deliveries slow down, the parcels that
  are late show it before they arrive, where a read of delivered orders alone would see only the quick ones;
- those of the same lane (``eta_lanes``), down to the receiver's postal area, each lane shrunk toward the
  broader ones in proportion to its deliveries (``eta_learning``), so a thin lane moves its broader lane's
  dates a little rather than setting them on a handful of orders; with fewer than ``MIN_SAMPLES`` across
  the whole shop there is no date at all (``TooLittleHistory``) rather than a made-up one;
- the recent past more than the old (``eta_survival``): orders of the last ``WINDOW_DAYS``, each weighing
  half as much per ``HALF_LIFE_DAYS`` of age, and the dates carried to the pace of the parcels sent in the
  last weeks (``eta_pace``), so a slower (or faster) spell shows in the dates within days of showing in
  the parcels on their way;
- once the parcel has been on its way a while, only what took at least as long: a parcel five days in
  transit is not going to arrive in two.

Dates are days in the shop's time zone: both are given as the end of that day, and a parcel delivered
any time that day arrived by it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orders.eta_allocation import Hull, coverage_by_day, hull, price_for, promised_day
from orders.eta_lanes import HANDOVER_LANES, LANES, Lane, area_key, region_key
from orders.eta_learning import MIN_SAMPLES, Clock, Key, Learned
from orders.eta_pace import at_pace
from orders.eta_survival import (
    DAY,
    HALF_LIFE_DAYS,
    convolve,
    likeliest,
    quantiles,
    survival_quantiles,
)
from orders.lifecycle import DeliveryStage

__all__ = [
    "DEFAULT_LEVEL",
    "HALF_LIFE_DAYS",
    "MIN_SAMPLES",
    "Answer",
    "Estimate",
    "History",
    "Parcel",
    "Shipment",
    "TooLittleHistory",
    "area_key",
    "local_day",
    "region_key",
    "survival_quantiles",
]

#: The share of orders that arrive by the "arrives by" date unless a shop sets its own.
DEFAULT_LEVEL = 0.9
#: Recent orders the value of a promise day is learned from (``History._price``): a level's last 5% on 10.
POOL_SIZE = 200


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
    origin_area: str | None = None  # the sender's area within its region, e.g. ``BR/SP/010``
    destination_area: str | None = None  # the receiver's area within its region


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
    origin_area: str | None = None
    destination_area: str | None = None


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


class History:
    """A shop's orders, indexed by lane and clock so that one estimate reads only its lane's recent part."""

    def __init__(self, shipments: Iterable[Shipment]) -> None:
        self._total = Clock()
        self._handover = Clock()
        self._transit = Clock()
        self.size = 0
        self._made: list[float] = []  # when each order was made, and it as it was then (``_price``)
        self._placed: list[Parcel] = []
        self._prices: dict[tuple[float, str, int], float | None] = {}
        for item in sorted(shipments, key=lambda item: item.created_at):
            end = item.delivered_at
            if end is not None and end < item.created_at:
                continue  # a record that contradicts itself teaches nothing
            self.size += 1
            self._made.append(item.created_at.timestamp())
            self._placed.append(Parcel(item.created_at, origin=item.origin, destination=item.destination,
                                       origin_area=item.origin_area,
                                       destination_area=item.destination_area))  # fmt: skip
            self._total.add(
                _keys(LANES, item), item.created_at, end, _paced_on("destination", item.destination)
            )
            shipped = item.shipped_at
            if shipped is not None and (shipped < item.created_at or (end is not None and end < shipped)):
                shipped = None  # a handover time that contradicts the order's own is no handover time
            # without a handover time, the delivery is the latest the handover can have been: such an
            # order counts as not handed over until then, as it looked before its delivery
            handed = shipped if shipped is not None else end
            self._handover.add(
                _keys(HANDOVER_LANES, item), item.created_at, handed, _paced_on("origin", item.origin)
            )
            if shipped is not None:
                self._transit.add(
                    _keys(LANES, item), shipped, end, _paced_on("destination", item.destination)
                )
        for clock in (self._total, self._handover, self._transit):
            clock.ready()

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
        elapsed = max(0.0, (as_of - start).total_seconds() / DAY)
        cut = as_of.timestamp()
        learned = self._learned(parcel, handed_over, cut, elapsed, level)
        if isinstance(learned, int):
            return TooLittleHistory(learned)
        median, by = quantiles(learned.found, (0.5, level))
        if median is None or by is None:
            return TooLittleHistory(learned.samples)
        price = self._price(level, cut, zone)
        if price is not None:
            first_day_ends = (_end_of_day(start, zone) - start).total_seconds() / DAY
            days = promised_day(hull(coverage_by_day(learned.found, first_day_ends)), price)
            by = max(0.0, first_day_ends + days - 0.5)  # within that day, clear of its ends
        likely = min(likeliest(learned.found, median), by)
        today = _end_of_day(as_of, zone)
        return Estimate(
            likely=max(_end_of_day(start + timedelta(days=likely), zone), today),
            arrives_by=max(_end_of_day(start + timedelta(days=by), zone), today),
            level=level,
            lane=learned.lane,
            samples=learned.samples,
        )

    def _learned(
        self, parcel: Parcel, handed_over: bool, cut: float, elapsed: float, level: float
    ) -> Learned | int:
        """How long what remains of ``parcel`` may take, as known at ``cut``, ``elapsed`` days on."""
        if handed_over:
            return _learn(self._transit, LANES, parcel, cut, elapsed, level)
        return self._handover_then_transit(parcel, cut, elapsed, level) or _learn(
            self._total, LANES, parcel, cut, elapsed, level
        )

    def _price(self, level: float, cut: float, zone: ZoneInfo) -> float | None:
        """The value of a promise day at ``level`` (``eta_allocation``), learned once a week from the last
        ``POOL_SIZE`` orders made before it began, each dated as a new order on its lanes was then."""
        week = int(cut // (7 * DAY))
        key = (level, zone.key, week)
        if key not in self._prices:
            began = week * 7 * DAY
            high = bisect.bisect_left(self._made, began)
            pool: list[Hull] = []
            for placed in self._placed[max(0, high - POOL_SIZE) : high]:
                learned = self._learned(placed, False, began, 0.0, level)
                if not isinstance(learned, int):
                    first_day_ends = (
                        _end_of_day(placed.created_at, zone) - placed.created_at
                    ).total_seconds()
                    pool.append(hull(coverage_by_day(learned.found, first_day_ends / DAY)))
            self._prices[key] = price_for(pool, level) if len(pool) >= MIN_SAMPLES else None
        return self._prices[key]

    def _handover_then_transit(
        self, parcel: Parcel, cut: float, elapsed: float, level: float
    ) -> Learned | None:
        """An order not handed over yet: its time to handover (of those not handed over after
        ``elapsed``), then a transit, the two learned each on its own lanes and added (``convolve``);
        None when either lacks the history or the sum does not reach ``level``."""
        handover = _learn(self._handover, HANDOVER_LANES, parcel, cut, elapsed, level)
        transit = _learn(self._transit, LANES, parcel, cut, 0.0, level)
        if isinstance(handover, int) or isinstance(transit, int):
            return None
        found = convolve(handover.found, transit.found)
        if sum(share for _, share in found) < level - 1e-9:
            return None
        return Learned(found, transit.lane, transit.samples)


def _keys(lanes: tuple[Lane, ...], item: Shipment) -> list[tuple[str, tuple[str, ...]]]:
    return [(lane.name, found) for lane in lanes if (found := lane.key(item)) is not None]


def _learn(
    clock: Clock, lanes: tuple[Lane, ...], parcel: Parcel, cut: float, after: float, level: float
) -> Learned | int:
    """``clock.learn`` on ``parcel``'s lanes, carried to the pace of the last weeks (``eta_pace``)."""
    learned = clock.learn(_chain(lanes, parcel), parcel, cut, after, level)
    if isinstance(learned, int):
        return learned
    return replace(learned, found=at_pace(learned.found, clock.pace(cut)))


def _chain(lanes: tuple[Lane, ...], parcel: Parcel) -> list[Lane]:
    """``parcel``'s lanes from the narrowest to the whole shop; "from its origin to anywhere" only when
    its destination is unknown, as a route's time says more about where it goes than where it left."""
    chain = [lane for lane in lanes if lane.key(parcel) is not None]
    if any(lane.name == "destination" for lane in chain):
        chain = [lane for lane in chain if lane.name != "origin"]
    return chain


def _paced_on(lane: str, region: str | None) -> Key:
    """The lane an order's pace is read against: its region's (``lane``: where it goes for transit, where
    it leaves from for a handover), else the shop's."""
    return ("shop", ()) if region is None else (lane, (region,))


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
