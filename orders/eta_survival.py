"""How long a lane's orders took, as distributions (``orders.eta``): pure functions over plain numbers.

A distribution here is a list of ``(days, share)`` in order of days, the shares adding up to the part of the
orders known to have arrived (less than 1 while some are still on their way).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from datetime import datetime

#: Age at which an order weighs half as much as today's: a slow month moves the dates within weeks.
HALF_LIFE_DAYS = 45.0
#: How far back orders count: long enough for the slow tail of a lane to show, short enough to follow it.
WINDOW_DAYS = 180
#: Most recent orders read per lane, so one estimate costs the same in a shop of any size.
MAX_SAMPLES = 3000
#: The likely day is the middle of the five days most likely to see the delivery: "within two days" of it.
LIKELY_SPAN_DAYS = 5.0
#: Width of the steps two durations are added in (``convolve``): a date is a day, a quarter of one is lost.
STEP_DAYS = 0.25

DAY = 86400.0
#: Where the weights of orders start (2020-01-01): keeps them within a float for a century either side.
_EPOCH = 1577836800.0

Seen = list[tuple[float, bool, float]]
Distribution = list[tuple[float, float]]


class Samples:
    """One lane's orders for one clock (creation to delivery, creation to handover, or handover to
    delivery), by when that clock started."""

    def __init__(self) -> None:
        self.start: list[float] = []
        self.end: list[float] = []  # ``inf`` while the clock runs
        #: ``2 ** (start / half-life)``: a weight relative to the others' (the common factor of "as of when"
        #: cancels out of every quantile), so an estimate computes none.
        self.weight: list[float] = []

    def add(self, start: datetime, end: datetime | None) -> None:
        self.start.append(start.timestamp())
        self.end.append(end.timestamp() if end is not None else math.inf)
        self.weight.append(2.0 ** ((self.start[-1] - _EPOCH) / (HALF_LIFE_DAYS * DAY)))

    def sort(self) -> None:
        """Put the orders in order of start (handed over in another order than made)."""
        order = sorted(range(len(self.start)), key=self.start.__getitem__)
        self.start = [self.start[i] for i in order]
        self.end = [self.end[i] for i in order]
        self.weight = [self.weight[i] for i in order]

    def known(self, cut: float) -> tuple[Seen, int]:
        """What was known at ``cut`` of the orders started within the window before it: (days, ended,
        weight) each, and how many had ended."""
        high = bisect.bisect_left(self.start, cut)
        low = max(bisect.bisect_left(self.start, cut - WINDOW_DAYS * DAY), high - MAX_SAMPLES)
        seen: Seen = []
        ended = 0
        for index in range(low, high):
            start, end = self.start[index], self.end[index]
            if end < cut:
                seen.append(((end - start) / DAY, True, self.weight[index]))
                ended += 1
            else:
                seen.append(((cut - start) / DAY, False, self.weight[index]))
        return seen, ended


def arrivals(seen: Seen, after: float = 0.0) -> Distribution:
    """Weighted Kaplan-Meier: the share of orders delivered after each duration, among what took longer
    than ``after``, in order of duration; the shares add up to less than 1 when some are still out.

    ``seen`` holds (days, delivered, weight): a delivery after so many days, or an order not delivered
    yet after so many days, which counts at risk until then and says nothing of after.
    """
    pending = sorted((days, not delivered, weight) for days, delivered, weight in seen if days >= after)
    at_risk = math.fsum(weight for _, _, weight in pending)
    remaining = 1.0
    found: Distribution = []
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


def survival_quantiles(seen: Seen, levels: Iterable[float], after: float = 0.0) -> list[float | None]:
    """For each level, the least duration by which that share had been delivered (``arrivals``); None
    when too much is still on its way to tell."""
    return quantiles(arrivals(seen, after), levels)


def quantiles(found: Distribution, levels: Iterable[float]) -> list[float | None]:
    """For each level, the least duration by which that share of ``found`` had arrived, None if never."""
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


def convolve(first: Distribution, then: Distribution) -> Distribution:
    """How long one step and then another take together, the two independent: each duration's shares
    spread over the other's, in steps of ``STEP_DAYS`` (each sum rounded up to its step, so that a
    quantile of the whole never comes out shorter than the exact one). The part of either still unknown
    stays unknown: the shares add up to the product of both totals."""
    first_steps = _steps(first)
    then_steps = _steps(then)
    summed: dict[int, float] = {}
    for step, share in first_steps.items():
        for other, more in then_steps.items():
            summed[step + other] = summed.get(step + other, 0.0) + share * more
    return [(step * STEP_DAYS, summed[step]) for step in sorted(summed)]


def mixture(first: Distribution, second: Distribution, weight: float) -> Distribution:
    """``first`` with ``weight`` of the shares and ``second`` with the rest, as one distribution."""
    mixed = [(days, share * weight) for days, share in first]
    mixed += [(days, share * (1.0 - weight)) for days, share in second]
    mixed.sort()
    return mixed


def stepped(found: Distribution) -> Distribution:
    """``found`` with each duration rounded up to its ``STEP_DAYS`` step: fewer durations to add up, none
    shorter than it was."""
    return [(step * STEP_DAYS, share) for step, share in sorted(_steps(found).items())]


def _steps(found: Distribution) -> dict[int, float]:
    steps: dict[int, float] = {}
    for days, share in found:
        step = math.ceil(days / STEP_DAYS - 1e-9)
        steps[step] = steps.get(step, 0.0) + share
    return steps


def likeliest(found: Distribution, median: float) -> float:
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
