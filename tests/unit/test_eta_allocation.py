"""Promise days spent where they buy the most arrival chance (``orders.eta_allocation``), and the shop's
level met over its orders as a whole (``orders.eta.History``): pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from orders.eta import History, Parcel, Shipment
from orders.eta_allocation import coverage_by_day, hull, price_for, promised_day
from orders.eta_survival import Distribution, quantiles

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

#: 90% arrive on day 5, the other 10% spread thin, half a percent a day, over days 6 to 25.
THIN_TAIL: Distribution = [(5.0, 0.9)] + [(float(day), 0.005) for day in range(6, 26)]
#: 80% arrive on day 5, the other 20% bunched, 5% a day, on days 6 to 9.
BUNCHED_TAIL: Distribution = [(5.0, 0.8)] + [(float(day), 0.05) for day in range(6, 10)]


def corners(found: Distribution) -> list[tuple[int, float]]:
    return hull(coverage_by_day(found, first_day_ends=0.5))


def covered(found: Distribution, day: int) -> float:
    return coverage_by_day(found, first_day_ends=0.5)[day]


def test_the_days_go_where_an_extra_day_buys_the_most_arrival_chance() -> None:
    """At 95% over the two, a fixed quantile gives each its own 95% day (15 and 8: 23 days). Spent where
    they buy the most, the bunched tail gets its whole four days and the thin one none: 14 days for the
    same 95%."""
    fixed = [quantiles(found, [0.95])[0] for found in (THIN_TAIL, BUNCHED_TAIL)]
    assert fixed == [15.0, 8.0]
    price = price_for([corners(THIN_TAIL), corners(BUNCHED_TAIL)], 0.95)
    assert price is not None
    thin, bunched = promised_day(corners(THIN_TAIL), price), promised_day(corners(BUNCHED_TAIL), price)
    assert (thin, bunched) == (5, 9)
    assert (covered(THIN_TAIL, thin) + covered(BUNCHED_TAIL, bunched)) / 2 >= 0.95 - 1e-9


def test_the_price_meets_the_level_over_a_known_mixture_and_no_more() -> None:
    """Three in four orders of the thin kind, one of the bunched: the expected share arriving by its day
    comes to the level, and a slightly higher price would fall short of it."""
    pool = [corners(THIN_TAIL)] * 3 + [corners(BUNCHED_TAIL)]
    for level in (0.9, 0.92, 0.95, 0.97):
        price = price_for(pool, level)
        assert price is not None

        def expected(at: float) -> float:
            days = [promised_day(found, at) for found in pool]
            shares = [covered(THIN_TAIL, day) for day in days[:3]] + [covered(BUNCHED_TAIL, days[3])]
            return sum(shares) / len(shares)

        assert expected(price) >= level - 1e-9
        bought = [slope for slope in (0.05, 0.005) if slope >= price]  # the two kinds' stretches
        assert expected(min(bought) * 1.01) < level - 1e-9  # a stretch fewer falls short
    assert price_for(pool, 1.01) is None  # a level no day reaches


def test_no_order_is_told_a_day_it_more_likely_misses() -> None:
    """However cheap the bunched orders make the level (their first days already meet it: no day is worth
    buying), a spread-out order keeps the day it more likely than not arrives by."""
    spread: Distribution = [(float(day), 0.1) for day in range(3, 13)]
    price = price_for([corners(BUNCHED_TAIL)] * 9 + [corners(spread)], 0.75)
    assert price == float("inf")
    assert promised_day(corners(spread), price) == 7
    assert covered(spread, 7) >= 0.5


def orders(count: int, took: list[float], destination: str, made_before: datetime) -> list[Shipment]:
    """``count`` orders to ``destination``, one every two hours back from ``made_before``, each taking the
    next of ``took`` days."""
    made = []
    for index in range(count):
        created = made_before - timedelta(hours=2 * index + 1)
        made.append(
            Shipment(
                created_at=created,
                delivered_at=created + timedelta(days=took[index % len(took)]),
                origin="BR/SP",
                destination=destination,
            )
        )
    return made


def test_the_shops_level_is_met_over_its_orders_learned_from_before_as_of_only() -> None:
    """A shop sending to two states: the price is learned from the orders made before the day asked, so
    orders made after (here: many more to a state whose spread makes days dear) change nothing of an
    estimate as of before them, and do change it once they are before the day asked."""
    as_of = NOW - timedelta(days=60)
    steady = orders(300, [4, 4, 4, 4, 5, 5, 5, 6, 7, 8], "BR/RJ", as_of - timedelta(days=10))
    steady += orders(100, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], "BR/AM", as_of - timedelta(days=10))
    later = orders(200, [3, 3, 3, 3, 3, 3, 3, 3, 3, 30], "BR/BA", NOW - timedelta(days=35))
    asked = Parcel(created_at=as_of, origin="BR/SP", destination="BR/RJ")
    without = History(steady).estimate(asked, as_of, 0.9)
    assert History(steady + later).estimate(asked, as_of, 0.9) == without
    utc = ZoneInfo("UTC")
    assert History(steady + later)._price(0.9, NOW.timestamp(), utc) != History(steady)._price(
        0.9, NOW.timestamp(), utc
    )
