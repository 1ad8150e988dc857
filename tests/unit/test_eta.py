"""The delivery-date estimator (``orders.eta``): pure functions over made-up histories, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from orders.eta import (
    HALF_LIFE_DAYS,
    MIN_SAMPLES,
    Estimate,
    History,
    Parcel,
    Shipment,
    TooLittleHistory,
    survival_quantiles,
)
from orders.eta_backtest import replay
from orders.lifecycle import DeliveryStage

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SP, RJ, AM = "BR/SP", "BR/RJ", "BR/AM"


def shipments(
    count: int,
    days: float | list[float],
    *,
    origin: str | None = SP,
    destination: str | None = RJ,
    ended_days_ago: float = 1,
    handover: float = 1,
    carrier: str | None = None,
) -> list[Shipment]:
    """``count`` orders of one lane, each taking ``days`` (or the next of a list) from creation to delivery,
    handed over ``handover`` days after creation, delivered one an hour up to ``ended_days_ago``."""
    made = []
    for index in range(count):
        took = days[index % len(days)] if isinstance(days, list) else days
        delivered = NOW - timedelta(days=ended_days_ago, hours=index)
        created = delivered - timedelta(days=took)
        made.append(
            Shipment(
                created_at=created,
                delivered_at=delivered,
                shipped_at=created + timedelta(days=handover),
                origin=origin,
                destination=destination,
                carrier=carrier,
            )
        )
    return made


def parcel(**fields: object) -> Parcel:
    values: dict[str, object] = {"created_at": NOW, "origin": SP, "destination": RJ} | fields
    return Parcel(**values)  # type: ignore[arg-type]


def dated(answer: Estimate | TooLittleHistory) -> Estimate:
    assert isinstance(answer, Estimate), answer
    return answer


def days_after(at: datetime, start: datetime = NOW) -> int:
    return (at.date() - start.date()).days


def test_a_lane_with_enough_deliveries_gives_its_own_dates() -> None:
    """300 deliveries weigh ten times the broader lanes' 30 (``PRIOR_SAMPLES``): their own dates."""
    history = History(shipments(300, 3, destination=RJ) + shipments(200, 12, destination=AM))
    answer = dated(history.estimate(parcel(destination=RJ), NOW, 0.9))
    assert answer.lane == "BR-SP → BR-RJ" and answer.samples == 300
    assert days_after(answer.likely) == 3 and days_after(answer.arrives_by) == 3


def test_a_thin_lane_widens_to_the_destination_then_the_shop() -> None:
    thin = shipments(MIN_SAMPLES - 1, 2, origin="BR/MG")
    destination = shipments(40, 6, origin="BR/PR")
    history = History(thin + destination + shipments(100, 10, destination=AM))
    answer = dated(history.estimate(parcel(origin="BR/MG"), NOW, 0.9))
    assert answer.lane == "* → BR-RJ" and answer.samples == 40 + MIN_SAMPLES - 1
    # no deliveries at all to this destination or from this origin: the whole shop answers
    nowhere = dated(history.estimate(parcel(origin="BR/BA", destination="BR/BA"), NOW, 0.9))
    assert nowhere.lane == "shop" and nowhere.samples == history.size


def test_the_carrier_narrows_the_lane_when_it_has_enough_deliveries() -> None:
    history = History(shipments(300, 2, carrier="Correios") + shipments(300, 9, carrier="Jadlog"))
    fast = dated(history.estimate(parcel(carrier="correios"), NOW, 0.9))
    slow = dated(history.estimate(parcel(carrier="Jadlog"), NOW, 0.9))
    assert fast.lane == "BR-SP → BR-RJ (correios)" and days_after(fast.arrives_by) == 2
    assert slow.lane == "BR-SP → BR-RJ (jadlog)" and days_after(slow.arrives_by) == 9


def test_too_little_history_gives_no_date() -> None:
    answer = History(shipments(MIN_SAMPLES - 1, 3)).estimate(parcel(), NOW, 0.9)
    assert answer == TooLittleHistory(samples=MIN_SAMPLES - 1, needed=MIN_SAMPLES)
    assert History([]).estimate(parcel(), NOW, 0.9) == TooLittleHistory(samples=0)


def test_only_deliveries_before_as_of_count() -> None:
    """As of the first delivery, the orders were made but none delivered yet: no date; a day later, one."""
    made = shipments(40, 3, ended_days_ago=1)
    first = min(item.delivered_at for item in made if item.delivered_at)
    assert History(made).estimate(parcel(created_at=first), first, 0.9) == TooLittleHistory(samples=0)
    assert isinstance(History(made).estimate(parcel(), NOW, 0.9), Estimate)


def test_a_delivery_made_after_as_of_counts_only_as_not_delivered_yet() -> None:
    """Orders made before as_of but delivered after it were still on their way then: the slow ones hold
    the date back instead of being left out (only the quick ones would remain)."""
    as_of = NOW - timedelta(days=20)
    quick = shipments(40, 2, ended_days_ago=30)
    slow = shipments(10, 12, ended_days_ago=25)
    out_then = [
        Shipment(created_at=as_of - timedelta(days=10, hours=i), delivered_at=NOW, origin=SP, destination=RJ)
        for i in range(30)
    ]
    answer = dated(History(quick + slow + out_then).estimate(parcel(created_at=as_of), as_of, 0.75))
    assert answer.samples == 50  # those delivered after as_of were not delivered then
    assert days_after(answer.arrives_by, as_of) == 12
    without = dated(History(quick + slow).estimate(parcel(created_at=as_of), as_of, 0.75))
    assert days_after(without.arrives_by, as_of) == 2


def test_the_level_sets_the_share_delivered_by_the_date() -> None:
    history = History(shipments(100, [float(day) for day in range(1, 11)]))
    low = dated(history.estimate(parcel(), NOW, 0.5))
    high = dated(history.estimate(parcel(), NOW, 0.9))
    assert days_after(low.arrives_by) == 5 and days_after(high.arrives_by) == 9
    assert high.level == 0.9


def test_the_likely_day_is_the_middle_of_the_five_likeliest_days() -> None:
    """Four orders took a day, one five days, five twelve: the median (5) is rarely right, 12 is."""
    history = History(shipments(100, [1, 1, 1, 1, 5, 12, 12, 12, 12, 12]))
    answer = dated(history.estimate(parcel(), NOW, 0.9))
    assert days_after(answer.likely) == 12 and days_after(answer.arrives_by) == 12


def test_after_handover_only_the_transit_remains() -> None:
    """Past orders waited 4 days for the carrier, then 2 in transit: a parcel handed over today comes in 2."""
    history = History(shipments(40, 6, handover=4))
    waiting = dated(history.estimate(parcel(), NOW, 0.9))
    handed = dated(history.estimate(parcel(created_at=NOW - timedelta(days=4), shipped_at=NOW), NOW, 0.9))
    assert days_after(waiting.arrives_by) == 6
    assert days_after(handed.arrives_by) == 2


def test_a_parcel_long_on_its_way_is_dated_by_the_slower_past_ones() -> None:
    history = History(shipments(100, [float(day) for day in range(1, 11)], handover=0))
    shipped = NOW - timedelta(days=6, hours=1)
    answer = dated(history.estimate(parcel(created_at=shipped, shipped_at=shipped), NOW, 0.5))
    assert days_after(answer.likely, shipped) >= 8  # of 7..10 days, not of 1..10
    assert answer.arrives_by >= NOW


def test_the_handover_is_learned_where_the_sender_is_and_added_to_the_routes_transit() -> None:
    """Two senders in São Paulo: one hands over in 1 day, one in 6; transit takes 2 days from both. Each
    parcel is dated by its own sender (3 and 8 days), not by the region's mix."""
    quick = [replace(item, origin_area="BR/SP/010") for item in shipments(300, 3, handover=1)]
    slow = [replace(item, origin_area="BR/SP/130") for item in shipments(300, 8, handover=6)]
    history = History(quick + slow)
    from_quick = dated(history.estimate(parcel(origin_area="BR/SP/010"), NOW, 0.9))
    from_slow = dated(history.estimate(parcel(origin_area="BR/SP/130"), NOW, 0.9))
    assert days_after(from_quick.arrives_by) == 3 and days_after(from_quick.likely) == 3
    assert days_after(from_slow.arrives_by) == 8 and days_after(from_slow.likely) == 8
    assert from_quick.lane == "BR-SP → BR-RJ"  # the transit's lane: the route
    unknown = dated(history.estimate(parcel(), NOW, 0.9))  # no area: the region's handovers, both
    assert days_after(unknown.likely) in (3, 8) and days_after(unknown.arrives_by) >= 3


def test_what_happened_after_as_of_changes_nothing() -> None:
    """Orders handed over or delivered after as_of are dated as they stood then: made, nothing more."""
    as_of = NOW - timedelta(days=5)
    past = shipments(60, [3.0, 4.0, 9.0], ended_days_ago=10, handover=2)
    later = [
        Shipment(created_at=as_of - timedelta(days=3, hours=index), shipped_at=as_of + timedelta(hours=index + 1),
                 delivered_at=as_of + timedelta(days=2, hours=index), origin=SP, destination=RJ)
        for index in range(20)
    ]  # fmt: skip
    as_then = [Shipment(created_at=item.created_at, origin=SP, destination=RJ) for item in later]
    for level in (0.5, 0.75):
        for asked in (
            parcel(created_at=as_of),
            parcel(created_at=as_of - timedelta(days=1), shipped_at=as_of),
        ):
            seen = History(past + later).estimate(asked, as_of, level)
            assert seen == History(past + as_then).estimate(asked, as_of, level)


def test_carrier_stages_answer_for_themselves() -> None:
    history = History(shipments(40, 5))
    out = dated(history.estimate(parcel(stage=DeliveryStage.OUT_FOR_DELIVERY, shipped_at=NOW), NOW, 0.9))
    assert out.likely.date() == out.arrives_by.date() == NOW.date()
    done = NOW - timedelta(days=1)
    delivered = dated(history.estimate(parcel(delivered_at=done), NOW, 0.9))
    assert delivered.arrives_by.date() == done.date() and delivered.lane == "delivered"


def test_recent_deliveries_weigh_more_than_old_ones() -> None:
    """Half the lane took 2 days long ago, half took 8 days lately: the median follows the recent ones."""
    old = shipments(60, 2, ended_days_ago=3 * HALF_LIFE_DAYS)
    recent = shipments(60, 8, ended_days_ago=1)
    answer = dated(History(old + recent).estimate(parcel(), NOW, 0.5))
    assert days_after(answer.likely) == 8
    flipped = dated(
        History(shipments(60, 8, ended_days_ago=3 * HALF_LIFE_DAYS) + shipments(60, 2)).estimate(
            parcel(), NOW, 0.5
        )
    )
    assert days_after(flipped.likely) == 2


def test_dates_are_days_in_the_shops_time_zone() -> None:
    """A late-evening order in São Paulo is already the next day in UTC: its day is São Paulo's."""
    history = History(shipments(40, 1))
    evening = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 20:30 in São Paulo
    answer = dated(history.estimate(parcel(created_at=evening), evening, 0.9, "America/Sao_Paulo"))
    assert answer.arrives_by == datetime(2026, 6, 3, 2, 59, 59, tzinfo=UTC)  # 2 June, 23:59:59 local


def test_survival_quantiles_count_orders_still_on_their_way() -> None:
    seen = [(float(day), True, 1.0) for day in range(1, 6)] + [(6.0, False, 1.0)] * 5
    assert survival_quantiles(seen, (0.5, 0.99)) == [5.0, None]  # half still out after 6 days
    assert survival_quantiles(seen[:5], (0.5, 0.99)) == [3.0, 5.0]  # left out, they would look quick
    later = [(float(day), True, 1.0) for day in range(1, 11)]
    assert survival_quantiles(later, (0.5,), after=6) == [8.0]  # of those that took longer than 6 days


def test_the_backtest_scores_dates_against_deliveries() -> None:
    past = shipments(100, 3, ended_days_ago=40)
    later = shipments(100, 3, ended_days_ago=1)
    since = min(item.created_at for item in later)
    result = replay(History(past + later), past + later, since, 0.9, "UTC")
    assert (result.orders, result.dated, result.too_little_history) == (100, 100, 0)
    assert result.delivered_by_share == 1.0 and result.mean_promised_days == 3.0
    assert result.likely_within_1_day == result.likely_within_2_days == 1.0
    slower = [
        Shipment(created_at=item.created_at, delivered_at=item.created_at + timedelta(days=6), origin=SP,
                 destination=RJ)
        for item in later
    ]  # fmt: skip
    missed = replay(History(past + later), slower, since, 0.9, "UTC")
    assert missed.delivered_by_share == 0.0 and missed.likely_within_2_days == 0.0


def test_the_backtest_leaves_out_orders_it_cannot_date() -> None:
    few = shipments(MIN_SAMPLES - 1, 3)
    result = replay(History(few), few, NOW - timedelta(days=365), 0.9, "UTC")
    assert (result.orders, result.dated, result.too_little_history) == (MIN_SAMPLES - 1, 0, MIN_SAMPLES - 1)
    assert result.delivered_by_share == 0.0


def test_a_thin_lane_moves_the_broader_lanes_dates_toward_its_own() -> None:
    """Ten deliveries in 2 days to Rio among 300 in 4 to 16 days elsewhere: too few to set the date alone
    (the route's 10 weigh 10 against the broader lanes' 30), enough to bring it earlier than theirs."""
    thin = shipments(10, 2, ended_days_ago=40)  # all sent before the last weeks: no pace to read
    broad = shipments(
        300, [float(day) for day in range(4, 17)], origin="BR/MG", destination=AM, ended_days_ago=40
    )
    answer = dated(History(thin + broad).estimate(parcel(), NOW, 0.5))
    assert answer.lane == "shop" and answer.samples == 310
    assert days_after(answer.arrives_by) == 4  # the shop's own median is 9 days; the route's 2
    alone = dated(History(shipments(300, 2, ended_days_ago=40) + broad).estimate(parcel(), NOW, 0.5))
    assert days_after(alone.arrives_by) == 2 and alone.lane == "BR-SP → BR-RJ"


def test_the_receivers_postal_area_narrows_the_route() -> None:
    """Rio's capital in 2 days, its interior in 8, from the same sender: each area has its own date."""
    capital = [replace(item, destination_area="BR/RJ/200") for item in shipments(300, 2)]
    interior = [replace(item, destination_area="BR/RJ/280") for item in shipments(300, 8)]
    history = History(capital + interior)
    near = dated(history.estimate(parcel(destination_area="BR/RJ/200"), NOW, 0.9))
    far = dated(history.estimate(parcel(destination_area="BR/RJ/280"), NOW, 0.9))
    assert near.lane == "BR-SP → BR-RJ-200" and near.samples == 300 and days_after(near.arrives_by) == 2
    assert far.lane == "BR-SP → BR-RJ-280" and days_after(far.arrives_by) == 8
    region = dated(history.estimate(parcel(), NOW, 0.9))  # no postal code: the route's mix of both
    assert region.lane == "BR-SP → BR-RJ" and region.samples == 600


def test_parcels_late_on_their_way_move_the_dates_later_within_days() -> None:
    """Months of 1 to 10 days, then forty parcels sent four to eight days ago that have not arrived: their
    lane expected about half of them, so the shop runs slower and a new order's date moves later than
    the months alone (and the forty at risk) say."""
    months = shipments(200, [float(day) for day in range(1, 11)], ended_days_ago=60, handover=0)
    late = [
        Shipment(created_at=NOW - timedelta(days=4 + index / 10), shipped_at=NOW - timedelta(days=4 + index / 10),
                 origin=SP, destination=RJ)
        for index in range(40)
    ]  # fmt: skip
    usual = dated(History(months).estimate(parcel(), NOW, 0.5))
    slowed = dated(History(months + late).estimate(parcel(), NOW, 0.5))
    assert days_after(usual.arrives_by) == 5
    assert days_after(slowed.arrives_by) == 8
