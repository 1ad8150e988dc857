"""Promises judged without a database: the promised day, kept or broken, at risk, running late, the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from orders.event_decisions import later_estimate
from orders.lifecycle import DeliveryStage, Status
from orders.model import (
    Order,
    OrderId,
    Place,
    Promise,
    PromiseOutcome,
    ShopId,
    Source,
    TimelineEvent,
    Tracking,
)
from orders.promises import (
    carrier_day,
    day_end,
    figures,
    grouped,
    lane_of,
    latest,
    outcome,
    risk,
    running_late,
    settlement,
)

NEW_YORK = "America/New_York"
TOLD = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def order(status: Status = Status.SHIPPED, **tracking: Any) -> Order:
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return Order(
        id=OrderId("ord_1"), shop_id=ShopId("shop_1"), external_id="1001", number="1001", status=status,
        status_since=at, created_at=at, updated_at=at,
        timeline=[TimelineEvent(status=status, at=at, source=Source.WEBHOOK)],
        tracking=Tracking(carrier="UPS", number="1Z", **tracking),
        ship_from=Place(country="US", region="NJ"), ship_to=Place(country="US", region="NY"),
    )  # fmt: skip


def promise(day: str = "2026-11-05", **fields: Any) -> Promise:
    values: dict[str, Any] = {
        "id": "ntf_1", "shop_id": ShopId("shop_1"), "order_id": OrderId("ord_1"), "order_number": "1001",
        "channel": "whatsapp", "kind": "reply", "wording": "by Thursday", "told_at": TOLD,
        "promised_date": day_end(date.fromisoformat(day), NEW_YORK), "promised_day": day, "timezone": NEW_YORK,
        "lane": "US-NJ → US-NY (ups)",
    }  # fmt: skip
    return Promise(**(values | fields))


def test_a_promised_day_stored_as_its_last_second_reads_back_as_the_same_day_in_the_shops_zone() -> None:
    assert day_end(date(2026, 11, 5), NEW_YORK) == datetime(2026, 11, 6, 4, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("estimate", "day"),
    [
        (datetime(2026, 11, 5, 0, 0, tzinfo=UTC), date(2026, 11, 5)),  # a bare date: its own day, not the 4th
        (datetime(2026, 11, 5, 3, 0, tzinfo=UTC), date(2026, 11, 4)),  # 22:00 on the 4th in New York
        (datetime(2026, 11, 5, 18, 0, tzinfo=UTC), date(2026, 11, 5)),
    ],
)
def test_a_carriers_estimate_names_its_day(estimate: datetime, day: date) -> None:
    assert carrier_day(estimate, NEW_YORK) == day


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [
        (datetime(2026, 11, 6, 4, 59, tzinfo=UTC), PromiseOutcome.KEPT),  # 23:59 on the 5th in New York
        (datetime(2026, 11, 6, 5, 0, tzinfo=UTC), PromiseOutcome.BROKEN),  # 00:00 on the 6th
        (datetime(2026, 11, 3, 12, 0, tzinfo=UTC), PromiseOutcome.KEPT),  # early
    ],
)
def test_kept_means_delivered_on_or_before_the_day_in_the_shops_zone(
    delivered: datetime, expected: PromiseOutcome
) -> None:
    assert outcome(promise(), delivered) == expected


def test_a_cancelled_order_voids_its_promises_and_an_open_one_waits() -> None:
    assert settlement(promise(), order(Status.CANCELLED)) == PromiseOutcome.VOID
    assert settlement(promise(), order()) is None


NOV_4_NOON = datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York
NOV_5_MORNING = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)  # 08:00


@pytest.mark.parametrize(
    ("now", "parcel", "why"),
    [
        (TOLD, order(), None),  # three days ahead
        (NOV_4_NOON, order(), "promised for Thu Nov 5 (tomorrow); no carrier estimate says it will make it"),
        (NOV_4_NOON, order(estimated_delivery=datetime(2026, 11, 5, tzinfo=UTC)), None),
        (TOLD, order(estimated_delivery=datetime(2026, 11, 7, tzinfo=UTC)),
         "promised for Thu Nov 5; the carrier now expects Sat Nov 7"),
        (NOV_5_MORNING, order(stage=DeliveryStage.IN_TRANSIT),
         "promised for Thu Nov 5 (today); the carrier has not sent it out for delivery"),
        (NOV_5_MORNING, order(stage=DeliveryStage.OUT_FOR_DELIVERY), None),
        (datetime(2026, 11, 6, 15, 0, tzinfo=UTC), order(), "promised for Thu Nov 5; not delivered yet"),
        (NOV_5_MORNING, order(Status.FULFILLED), None),
        (NOV_5_MORNING, order(stage=DeliveryStage.DELIVERED), None),
    ],
)  # fmt: skip
def test_what_puts_a_promise_at_risk(now: datetime, parcel: Order, why: str | None) -> None:
    assert risk(promise(), parcel, now) == why


def test_running_late_is_told_on_the_day_past_noon_with_carrier_news_only() -> None:
    moving = order(stage=DeliveryStage.IN_TRANSIT)
    assert running_late(promise(), moving, datetime(2026, 11, 5, 17, 0, tzinfo=UTC))  # 12:00
    assert not running_late(promise(), moving, datetime(2026, 11, 5, 16, 59, tzinfo=UTC))
    assert not running_late(promise(), moving, datetime(2026, 11, 6, 17, 0, tzinfo=UTC))  # the day passed
    assert not running_late(promise(), order(), datetime(2026, 11, 5, 17, 0, tzinfo=UTC))  # no carrier news
    out = order(stage=DeliveryStage.OUT_FOR_DELIVERY)
    assert not running_late(promise(), out, datetime(2026, 11, 5, 17, 0, tzinfo=UTC))


def test_the_latest_promise_counts_and_of_two_told_at_once_the_later_day() -> None:
    first, delay = promise(), promise("2026-11-07", id="ntf_0", kind="delay")
    assert latest([first, delay]) == delay
    assert latest([promise(told_at=datetime(2026, 11, 3, tzinfo=UTC)), delay]).id == "ntf_1"  # type: ignore[union-attr]
    assert latest([]) is None


def test_a_lane_is_origin_to_destination_with_the_carrier() -> None:
    assert lane_of(order()) == "US-NJ → US-NY (ups)"
    assert lane_of(order().model_copy(update={"ship_from": None, "tracking": None})) == "? → US-NY"


def test_figures_count_settled_promises_and_leave_void_ones_out() -> None:
    found = [
        promise(outcome=PromiseOutcome.KEPT),  # 3 days: told on the 2nd in New York for the 5th
        promise("2026-11-03", id="b", outcome=PromiseOutcome.BROKEN, lane="US-NJ → US-PA (ups)"),  # 1 day
        promise("2026-12-01", id="c"),  # open
        promise(id="d", outcome=PromiseOutcome.VOID),
    ]
    total = figures(found)
    assert (total.promises, total.kept, total.broken, total.open) == (3, 1, 1, 1)
    assert (total.kept_share, total.mean_promised_days) == (0.5, 2.0)
    by_lane, by_month = grouped(found)
    assert {lane: f.kept_share for lane, f in by_lane.items()} == {
        "US-NJ → US-NY (ups)": 1.0, "US-NJ → US-PA (ups)": 0.0,
    }  # fmt: skip
    assert {month: f.promises for month, f in by_month.items()} == {"2026-11": 2, "2026-12": 1}
    assert figures([]).kept_share is None


@pytest.mark.parametrize(
    ("known", "sent", "expected"),
    [
        (datetime(2026, 11, 4, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC), date(2026, 11, 6)),
        (datetime(2026, 11, 6, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC), None),  # equal
        (datetime(2026, 11, 6, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC), None),  # earlier
        (None, datetime(2026, 11, 6, tzinfo=UTC), None),  # a first estimate
        # later by hours within the same day in New York: the same day, no delay
        (datetime(2026, 11, 5, 14, 0, tzinfo=UTC), datetime(2026, 11, 5, 22, 0, tzinfo=UTC), None),
    ],
)
def test_a_delay_is_a_carrier_estimate_moved_to_a_later_day(
    known: datetime | None, sent: datetime, expected: date | None
) -> None:
    before = order(estimated_delivery=known)
    after = order(estimated_delivery=sent)
    assert later_estimate(before, after, NEW_YORK) == expected
    assert later_estimate(before, order(Status.FULFILLED, estimated_delivery=sent), NEW_YORK) is None
