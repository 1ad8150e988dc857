"""The pace of a shop's recent parcels against their lanes (``orders.eta_pace``): pure functions."""

from __future__ import annotations

import math

from orders.eta_pace import at_pace, cumulative_hazard, pace
from orders.eta_survival import quantiles

UNIFORM = [(float(day), 0.1) for day in range(1, 11)]  # one in ten arrives on each of days 1..10


def test_the_cumulative_hazard_adds_each_arrival_over_what_was_still_out() -> None:
    durations, hazards = cumulative_hazard(UNIFORM)
    assert durations == [float(day) for day in range(1, 11)]
    assert math.isclose(hazards[0], 0.1) and math.isclose(hazards[1], 0.1 + 0.1 / 0.9)
    assert math.isclose(hazards[-1], sum(1 / k for k in range(1, 11)))


def test_parcels_arriving_as_their_lane_says_keep_the_pace_at_one() -> None:
    """The lane's own parcels, each out until it arrived: as many arrivals as expected."""
    parcels = [(float(day), True, UNIFORM) for day in range(1, 11)]
    assert math.isclose(pace(parcels, prior=0.0), 1.0)


def test_parcels_out_longer_than_their_lane_says_slow_the_pace() -> None:
    """Forty parcels five days out, none arrived: half of them were expected by then."""
    late = [(5.0, False, UNIFORM)] * 40
    expected = 40 * cumulative_hazard(UNIFORM)[1][4]
    assert math.isclose(pace(late, prior=0.0), 0.0)
    assert math.isclose(pace(late), 30 / (expected + 30))  # the prior holds it toward 1
    early = [(1.0, True, UNIFORM)] * 40
    assert pace(early) > 1.0


def test_a_few_late_parcels_move_the_pace_little() -> None:
    assert pace([(5.0, False, UNIFORM)] * 2) > 0.9
    assert pace([]) == 1.0


def test_at_pace_stretches_a_slow_spell_and_keeps_the_unknown_part() -> None:
    assert at_pace(UNIFORM, 1.0) == UNIFORM
    slow = at_pace(UNIFORM, 0.5)
    assert quantiles(slow, (0.5,)) == [8.0]  # survival 0.5 ** 0.5 > 0.5 until day 8
    assert math.isclose(sum(share for _, share in slow), 1.0)
    quick = at_pace(UNIFORM, 2.0)
    assert quantiles(quick, (0.5,)) == [3.0]
    partly_known = [(days, share * 0.8) for days, share in UNIFORM]  # a fifth still on its way
    assert math.isclose(sum(share for _, share in at_pace(partly_known, 0.5)), 0.8)
