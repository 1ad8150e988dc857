"""One clock of a shop's orders (creation to delivery, creation to handover, or handover to delivery) by
lane, and what a parcel's lanes know of how long it will take (``orders.eta``): pure, no I/O.

A parcel's lanes run from the narrowest (the route to the receiver's postal area) to the whole shop
(``eta_lanes``). Each lane's distribution is mixed with what the broader ones make of it in proportion to
its own deliveries against ``PRIOR_SAMPLES`` (``Clock.learn``): a lane of a few orders moves the broader
lane's dates a little, one of many sets its own. And the lanes' parcels of the last weeks tell whether
everything moves slower or quicker lately than the lanes say (``Clock.pace``, ``eta_pace``).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from orders.eta_lanes import Lane, Placed, lane_label
from orders.eta_pace import PACE_WINDOW_DAYS, pace
from orders.eta_survival import DAY, STEP_DAYS, Distribution, Samples, arrivals, mixture, stepped

#: Fewest past deliveries a lane needs to answer on its own, and the whole shop to answer at all: at 30,
#: three orders lie beyond its 0.9 quantile; fewer would let one late parcel set the date.
MIN_SAMPLES = 30
#: A lane's own deliveries that weigh as much as what its broader lanes know: as many as a lane needs to
#: answer on its own, so a lane of ``MIN_SAMPLES`` is half its own, half its broader lanes'.
PRIOR_SAMPLES = MIN_SAMPLES
#: Most broader-lane reads a clock keeps: a backtest's half year of days over a shop's lanes.
_MAX_KEPT = 20000

Key = tuple[str, tuple[str, ...]]
#: A lane's read: its arrivals, how many of them after so long, how many of its orders had arrived.
_Read = tuple[Distribution, int, int]


@dataclass(frozen=True)
class Learned:
    """How long what remains may take, and the lane it rests on (``lane``, with ``samples`` deliveries)."""

    found: Distribution
    lane: str
    samples: int


class Clock:
    """One clock's orders by lane, and by when they started for the pace (``add``, then ``ready``)."""

    def __init__(self) -> None:
        self.lanes: dict[Key, Samples] = defaultdict(Samples)
        self._sent: list[tuple[float, float, Key]] = []  # start, end (inf: running), lane that paces it
        self._starts: list[float] = []
        self._kept: dict[tuple[int, float], _Read] = {}
        self._paces: dict[float, float] = {}

    def add(self, keys: list[Key], start: datetime, end: datetime | None, paced_on: Key) -> None:
        """An order on ``keys``, its clock running from ``start`` to ``end`` (None: still running), its
        pace read on ``paced_on``."""
        for key in keys:
            self.lanes[key].add(start, end)
        self._sent.append((start.timestamp(), end.timestamp() if end is not None else math.inf, paced_on))

    def ready(self) -> None:
        """Put every lane's orders in order of start (handed over in another order than made)."""
        for samples in self.lanes.values():
            samples.sort()
        self._sent.sort()
        self._starts = [start for start, _, _ in self._sent]

    def learn(
        self, chain: list[Lane], parcel: Placed, cut: float, after: float, level: float
    ) -> Learned | int:
        """What ``parcel``'s lanes (``chain``, narrowest first) knew at ``cut`` of what took longer than
        ``after``, shrunk toward each other (``_shrunk``); without the narrowest while too much of it is
        still on its way to reach ``level``. An int when the shop as a whole has too little history: the
        most any lane had.

        The broader lanes of a new order are read as of the start of ``cut``'s day (UTC) in steps of a
        quarter day, and kept: they move slowly and every order of the day reads them, while the
        narrowest is read as of ``cut`` as it was."""
        read: list[tuple[Lane, _Read]] = []  # narrow to broad
        for lane in chain:
            samples = self.lanes.get((lane.name, lane.key(parcel) or ()))
            if samples is None:
                continue
            broad = bool(read) and after == 0.0
            read.append((lane, self._day_read(samples, cut) if broad else _read(samples, cut, after)))
        most = max((ended for _, (_, _, ended) in read), default=0)
        while read and read[-1][1][2] < MIN_SAMPLES:
            read.pop()  # the broadest lane answering must stand on its own
        while read:
            learned = _shrunk(read, parcel)
            if sum(share for _, share in learned.found) >= level - 1e-9:
                return learned
            del read[0]
        return most

    def pace(self, cut: float) -> float:
        """How much quicker (above 1) or slower the orders started in the ``PACE_WINDOW_DAYS`` before
        ``cut``'s day moved than their lanes said, as known at the start of that day."""
        day = cut // DAY * DAY
        if day not in self._paces:
            low = bisect.bisect_left(self._starts, day - PACE_WINDOW_DAYS * DAY)
            high = bisect.bisect_left(self._starts, day)
            parcels = []
            for start, end, key in self._sent[low:high]:
                samples = self.lanes.get(key) or self.lanes.get(("shop", ()))
                if samples is None:
                    continue
                found, _, ended = self._day_read(samples, day)
                if ended >= MIN_SAMPLES:
                    out = math.ceil((min(end, day) - start) / DAY / STEP_DAYS - 1e-9) * STEP_DAYS
                    parcels.append((out, end < day, found))  # in the lane's quarter-day steps
            self._paces[day] = pace(parcels)
        return self._paces[day]

    def _day_read(self, samples: Samples, cut: float) -> _Read:
        day = cut // DAY * DAY
        kept = self._kept.get((id(samples), day))
        if kept is None:
            if len(self._kept) >= _MAX_KEPT:
                self._kept.clear()
            found, own, ended = _read(samples, day, 0.0)
            kept = self._kept[(id(samples), day)] = (stepped(found), own, ended)
        return kept


def _read(samples: Samples, cut: float, after: float) -> _Read:
    seen, ended = samples.known(cut)
    own = sum(1 for days, delivered, _ in seen if delivered and days >= after)
    return arrivals(seen, after), own, ended


def _shrunk(read: list[tuple[Lane, _Read]], parcel: Placed) -> Learned:
    """The lanes' distributions from the broadest to the narrowest, each mixed with what the broader ones
    made of it, weighing its own arrivals ``n`` as ``n / (n + PRIOR_SAMPLES)``: the posterior of a
    Dirichlet process whose prior is the broader lanes' distribution. The date rests on the narrowest
    lane weighing at least as much as the broader ones."""
    lane, (found, _, ended) = read[-1]
    rests_on = (lane, ended)
    for lane, (own_found, own, ended) in reversed(read[:-1]):
        if own == 0:
            continue
        found = mixture(own_found, found, own / (own + PRIOR_SAMPLES))
        if own >= PRIOR_SAMPLES:
            rests_on = (lane, ended)
    return Learned(found, lane_label(rests_on[0].name, parcel), rests_on[1])
