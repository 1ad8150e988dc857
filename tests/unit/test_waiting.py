"""The attention hint's day counts: which days an order counts in, and how far a query must read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from orders.lifecycle import Status
from orders.model import Order, OrderId, ShopId, Source, TimelineEvent
from orders.waiting import day_key, shared_window_end, waiting_deltas, waiting_keys, window_end

CREATED = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
MOVED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def order(status: Status = Status.PENDING, **fields: object) -> Order:
    values: dict[str, object] = {
        "id": OrderId("ord_1"), "shop_id": ShopId("shp_1"), "external_id": "1", "number": "#1",
        "status": status, "status_since": CREATED, "created_at": CREATED, "updated_at": CREATED,
        "timeline": [TimelineEvent(status=status, at=CREATED, source=Source.WEBHOOK)],
    }  # fmt: skip
    values.update(fields)
    return Order.model_validate(values)


def test_days_are_utc_dates() -> None:
    assert day_key(CREATED) == "20261101"
    berlin_half_past_midnight = datetime(2026, 11, 2, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert day_key(berlin_half_past_midnight) == "20261101"


def test_an_active_order_counts_by_status_day_and_uncontacted_by_creation_day() -> None:
    shipped = order(Status.SHIPPED, status_since=MOVED)
    assert waiting_keys(shipped) == {"shipped.20261103", "uncontacted.20261101"}
    assert waiting_keys(shipped.model_copy(update={"last_customer_contact_at": MOVED})) == {
        "shipped.20261103"
    }


def test_closed_orders_count_nowhere() -> None:
    assert waiting_keys(order(Status.FULFILLED)) == set()
    assert waiting_keys(order(Status.CANCELLED)) == set()


def test_deltas_move_an_order_from_one_day_to_another() -> None:
    before = order()
    after = before.model_copy(update={"status": Status.PROCESSING, "status_since": MOVED})
    assert waiting_deltas(None, before) == {"waiting.pending.20261101": 1, "waiting.uncontacted.20261101": 1}
    assert waiting_deltas(before, after) == {"waiting.pending.20261101": -1, "waiting.processing.20261103": 1}
    assert waiting_deltas(after, after) == {}
    closed = after.model_copy(update={"status": Status.FULFILLED})
    assert waiting_deltas(after, closed) == {
        "waiting.processing.20261103": -1, "waiting.uncontacted.20261101": -1,
    }  # fmt: skip


def test_the_window_ends_after_the_oldest_days_that_hold_the_limit() -> None:
    days = {"20261103": 4, "20261101": 3, "20261102": 0, "20261105": 10}
    before = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert window_end(days, before, 3) == datetime(2026, 11, 2, tzinfo=UTC)
    assert window_end(days, before, 5) == datetime(2026, 11, 4, tzinfo=UTC)
    assert window_end(days, before, 7) == datetime(2026, 11, 4, tzinfo=UTC)
    assert window_end(days, before, 8) == datetime(2026, 11, 6, tzinfo=UTC)


def test_the_window_never_ends_after_the_bound() -> None:
    days = {"20261101": 2, "20261120": 50}
    before = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert window_end(days, before, 10) == before  # the bound's own day is read up to the bound
    assert window_end(days, before, 100) == before  # not enough counted: everything up to the bound
    assert window_end({}, before, 1) == before
    assert window_end({"20261101": 5}, datetime(2026, 11, 1, 6, tzinfo=UTC), 1) == datetime(
        2026, 11, 1, 6, tzinfo=UTC
    )
    assert window_end({"20261101": 5}, before, 5) - datetime(2026, 11, 2, tzinfo=UTC) == timedelta(0)


def test_a_shared_window_counts_each_group_up_to_its_own_bound() -> None:
    days = {"pending": {"20261101": 2, "20261105": 5}, "shipped": {"20261102": 2, "20261110": 9}}
    bounds = {"pending": datetime(2026, 11, 6, tzinfo=UTC), "shipped": datetime(2026, 11, 10, 6, tzinfo=UTC)}
    assert shared_window_end(days, bounds, 4) == datetime(2026, 11, 3, tzinfo=UTC)
    assert shared_window_end(days, bounds, 6) == datetime(2026, 11, 6, tzinfo=UTC)
    # shipped's day 10 is its bound's own day, so no more than 9 orders are counted
    assert shared_window_end(days, bounds, 10) == bounds["shipped"]
    assert shared_window_end({}, bounds, 1) == bounds["shipped"]
