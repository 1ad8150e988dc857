"""How much faster or slower a shop's parcels move lately than its lanes say (``orders.eta``): pure
functions over plain numbers.

A lane's dates are learned on months of orders, each weighing less with age, so a slowdown (a sales peak,
a strike) shows in them only after weeks. The parcels of the last ``PACE_WINDOW_DAYS`` tell it sooner:
each has been on its way so long and has arrived or not, and its lane says how likely it was to have
arrived by then. Far fewer arrivals than the lanes expect means everything moves slower. That ratio
(observed over expected arrivals, each parcel's expected count being its lane's cumulative hazard at the
time it has been out) is the pace of a proportional-hazards model, in which a slow spell multiplies every
parcel's chance of arriving on a given day by the same factor; a lane's distribution is then carried to
that pace by raising its survival to the power of the pace (``at_pace``).

The pace is read with a gamma prior of ``PACE_PRIOR_ARRIVALS`` arrivals at pace 1: a few parcels late
or early move it little, a shop-wide slowdown of hundreds moves it much.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

from orders.eta_survival import Distribution

#: How far back the parcels that tell the pace were sent: a slowdown shows within a week or two, and
#: three weeks hold enough parcels out long enough to tell a slow week from a quick one.
PACE_WINDOW_DAYS = 21.0
#: Arrivals the pace is held to 1 by: as many as a lane needs to answer (``orders.eta.MIN_SAMPLES``).
PACE_PRIOR_ARRIVALS = 30.0


def cumulative_hazard(found: Distribution) -> tuple[list[float], list[float]]:
    """``found``'s durations and its Nelson-Aalen cumulative hazard by each (the arrivals expected of a
    parcel out that long: each arrival's share over the share still out before it). Over the very
    parcels a lane was learned on, these expected arrivals add up to the observed ones."""
    durations: list[float] = []
    hazards: list[float] = []
    out, total = 1.0, 0.0
    for days, share in found:
        if out <= 1e-12:
            break
        total += share / out
        out -= share
        durations.append(days)
        hazards.append(total)
    return durations, hazards


def pace(parcels: Iterable[tuple[float, bool, Distribution]], prior: float = PACE_PRIOR_ARRIVALS) -> float:
    """The pace of ``parcels`` (days out, arrived, its lane's distribution): observed arrivals over those
    their lanes expected, each side with ``prior`` added (the posterior mean under a gamma prior)."""
    observed = expected = 0.0
    read: dict[int, tuple[list[float], list[float]]] = {}  # by lane (its distribution)
    for days, arrived, found in parcels:
        observed += arrived
        if id(found) not in read:
            read[id(found)] = cumulative_hazard(found)
        durations, hazards = read[id(found)]
        reached = bisect.bisect_right(durations, days + 1e-9)
        expected += hazards[reached - 1] if reached else 0.0
    return (observed + prior) / (expected + prior)


def at_pace(found: Distribution, rate: float) -> Distribution:
    """``found`` carried to ``rate``: the survival of its known part after each duration raised to the
    power ``rate`` (below 1 slower, above 1 quicker); the part still unknown stays as large."""
    known = math.fsum(share for _, share in found)
    if rate == 1.0 or known <= 0.0:
        return list(found)
    carried: Distribution = []
    before = surviving = 1.0
    for days, share in found:
        surviving -= share / known
        after = surviving**rate if surviving > 1e-12 else 0.0  # all of it arrived, whatever the pace
        if before - after > 0:
            carried.append((days, (before - after) * known))
        before = after
    return carried
