"""Where to put each order's "arrives by" day so that the shop's orders as a whole arrive by theirs at its
promise level (``orders.eta``): pure functions over plain numbers.

A level of 0.9 means nine in ten of the shop's orders arrive by the day they were told. Giving every order
its own 0.9 quantile meets that, but spends days badly: an order whose arrival is spread thin over many
days buys little coverage with each extra day, one whose arrival is bunched on a few days buys much. The
days are best spent where they buy the most: each order's day goes as far as an extra day still raises
its chance of arriving by at least ``price`` (the chance it arrives on that day: the density of its
predicted delivery time), and ``price`` is the one at which the shop's recent orders, dated this way,
would be expected to arrive by their days at the level (``price_for``). This maximises the expected share
arriving by their dates for the days promised in all (a Lagrangian split); ``price`` is the value of a
promise day.

Each order's chance of arriving by its ``k``-th day is read from its distribution at the end of that day
(``coverage_by_day``), and an order is never told a day before the one it more likely than not arrives by
(``FLOOR_LEVEL``): a date promised to be missed would be no promise.
"""

from __future__ import annotations

import itertools
import math

from orders.eta_survival import Distribution

#: No order is told a day by which it is less likely to have arrived than this, whatever its spread.
FLOOR_LEVEL = 0.5

#: The chance of arriving by the end of each day from the first: index ``k`` is the ``k``-th day after.
Curve = list[float]
#: A curve's upper concave hull from its floor day: ``(day, chance)`` corners, slopes decreasing.
Hull = list[tuple[int, float]]


def coverage_by_day(found: Distribution, first_day_ends: float) -> Curve:
    """The share of ``found`` arrived by the end of each day, the first day ending ``first_day_ends``
    days after the clock started, until all of ``found`` has arrived."""
    curve: Curve = []
    reached, index, end = 0.0, 0, first_day_ends
    while index < len(found):
        while index < len(found) and found[index][0] <= end + 1e-9:
            reached += found[index][1]
            index += 1
        curve.append(reached)
        end += 1.0
    return curve or [0.0]


def hull(curve: Curve, floor: float = FLOOR_LEVEL) -> Hull:
    """The corners of ``curve``'s upper concave hull from the first day it reaches ``floor`` (or its last
    day): the days worth promising at some price, each extra stretch buying less per day than the last."""
    start = next((day for day, share in enumerate(curve) if share >= floor - 1e-9), len(curve) - 1)
    corners: Hull = []
    for day in range(start, len(curve)):
        point = (day, curve[day])
        while len(corners) >= 2 and _slope(corners[-2], corners[-1]) <= _slope(corners[-1], point):
            corners.pop()
        corners.append(point)
    while len(corners) >= 2 and corners[-1][1] <= corners[-2][1] + 1e-12:
        corners.pop()  # days past the last arrival buy nothing
    return corners


def promised_day(corners: Hull, price: float) -> int:
    """The day to promise at ``price``: the last corner reached by stretches each buying at least
    ``price`` of arrival chance per day."""
    chosen = corners[0]
    for corner in corners[1:]:
        if _slope(chosen, corner) < price - 1e-12:
            break
        chosen = corner
    return chosen[0]


def price_for(pool: list[Hull], level: float) -> float | None:
    """The price per promise day at which the orders of ``pool``, each promised ``promised_day``, would
    on average arrive by their days at ``level`` with the fewest days; None when not even their last days
    reach it."""
    if not pool:
        return None
    covered = math.fsum(corners[0][1] for corners in pool) / len(pool)
    if covered >= level - 1e-9:
        return math.inf  # every order's floor day already meets the level
    stretches = sorted(
        (
            (_slope(a, b), (b[1] - a[1]) / len(pool))
            for corners in pool
            for a, b in itertools.pairwise(corners)
        ),
        reverse=True,
    )
    for index, (slope, gain) in enumerate(stretches):
        covered += gain
        if covered >= level - 1e-9:
            # any price above the next stretch's slope up to this one's buys the same days for the pool;
            # the middle keeps an order dated a little later (its distribution moved a little) on the same side
            below = stretches[index + 1][0] if index + 1 < len(stretches) else 0.0
            return (slope + below) / 2
    return None


def _slope(first: tuple[int, float], second: tuple[int, float]) -> float:
    return (second[1] - first[1]) / (second[0] - first[0])
