"""How durations are learned and added (``orders.eta_survival``, ``orders.eta_lanes``): plain numbers."""

from __future__ import annotations

from orders.eta_lanes import area_key
from orders.eta_survival import STEP_DAYS, convolve, mixture, quantiles, stepped


def test_two_steps_add_up_as_distributions_not_as_quantiles() -> None:
    """Half hand over in 1 day, half in 5; half travel 1 day, half 5: three in four arrive within 6 days,
    where adding the two 0.75 quantiles would promise 10."""
    handover = [(1.0, 0.5), (5.0, 0.5)]
    transit = [(1.0, 0.5), (5.0, 0.5)]
    total = convolve(handover, transit)
    assert total == [(2.0, 0.25), (6.0, 0.5), (10.0, 0.25)]
    assert quantiles(total, (0.75,)) == [6.0]


def test_a_sum_rounds_up_to_its_step_and_keeps_the_unknown_part_unknown() -> None:
    """1.1 days then 2 days is dated 3.25 (never shorter than it took); with a fifth of the transit still
    out, a fifth of the whole is too."""
    total = convolve([(1.1, 1.0)], [(2.0, 0.8)])
    assert total == [(3.0 + STEP_DAYS, 0.8)]
    assert quantiles(total, (0.9,)) == [None]


def test_a_senders_area_is_its_region_and_postal_prefix() -> None:
    assert area_key("br", "sp", "01310-100") == "BR/SP/013"
    assert area_key("GB", "London", "SW1A 1AA") == "GB/LONDON/SW1"
    assert area_key("BR", "SP", "01") is None  # too short to name an area
    assert area_key("BR", None, "01310") is None and area_key("BR", "SP", None) is None


def test_a_mixture_weighs_each_distribution_and_keeps_days_in_order() -> None:
    mixed = mixture([(2.0, 1.0)], [(1.0, 0.5), (9.0, 0.5)], 0.75)
    assert mixed == [(1.0, 0.125), (2.0, 0.75), (9.0, 0.125)]


def test_stepped_rounds_each_duration_up_to_its_step() -> None:
    assert stepped([(0.1, 0.25), (0.2, 0.25), (1.0, 0.5)]) == [(STEP_DAYS, 0.5), (1.0, 0.5)]
