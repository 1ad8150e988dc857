"""Pure changes to an order: moves, details from a source, and the stats they cause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.domain import move, record, stats_deltas, with_details
from orders.lifecycle import InvalidTransition, Status, is_backwards
from orders.model import (
    Customer,
    Item,
    Order,
    OrderData,
    OrderId,
    ShopId,
    Source,
    TimelineEvent,
    Tracking,
)
from orders.waiting import waiting_deltas, waiting_keys

CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
no_db = settings(database=None)


def make_order(status: Status = Status.PENDING, **fields: Any) -> Order:
    """A new order as the service creates it: one creation event without ``from_status``."""
    values: dict[str, Any] = {
        "id": OrderId("ord_1"),
        "shop_id": ShopId("shp_1"),
        "external_id": "1001",
        "number": "#1001",
        "status": status,
        "status_since": CREATED,
        "created_at": CREATED,
        "updated_at": CREATED,
        "timeline": [TimelineEvent(status=status, at=CREATED, source=Source.WEBHOOK)],
    }
    values.update(fields)
    return Order(**values)


# -- move ------------------------------------------------------------------------------------------


def test_move_appends_a_timeline_event() -> None:
    order = make_order()
    moved = move(
        order,
        Status.PROCESSING,
        at=LATER,
        source=Source.AI,
        actor="gemini",
        note="looks paid",
        reason="payment captured",
        confidence=0.9,
    )
    assert moved is not None
    assert moved.status == Status.PROCESSING
    assert moved.status_since == LATER
    assert moved.updated_at == LATER
    assert moved.timeline[:-1] == order.timeline
    assert moved.timeline[-1] == TimelineEvent(
        kind="status",
        status=Status.PROCESSING,
        from_status=Status.PENDING,
        at=LATER,
        source=Source.AI,
        actor="gemini",
        note="looks paid",
        reason="payment captured",
        confidence=0.9,
        forced=False,
    )


def test_move_leaves_the_original_and_the_rest_alone() -> None:
    order = make_order(customer=Customer(name="Ada"), version=3)
    moved = move(order, Status.SHIPPED, at=LATER, source=Source.STAFF, actor="tg:42")
    assert moved is not None
    assert order.status == Status.PENDING
    assert len(order.timeline) == 1
    assert order.updated_at == CREATED
    assert moved.version == 3  # the store bumps it on save
    assert moved.created_at == CREATED
    assert moved.customer == order.customer
    assert moved.model_dump(exclude={"status", "status_since", "updated_at", "timeline"}) == order.model_dump(
        exclude={"status", "status_since", "updated_at", "timeline"}
    )


def test_move_to_the_same_status_is_none() -> None:
    order = make_order(Status.SHIPPED)
    assert move(order, Status.SHIPPED, at=LATER, source=Source.WEBHOOK) is None
    assert move(order, Status.SHIPPED, at=LATER, source=Source.STAFF, force=True) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.PROCESSING, Status.PENDING),
        (Status.SHIPPED, Status.PROCESSING),
        (Status.FULFILLED, Status.SHIPPED),
        (Status.FULFILLED, Status.CANCELLED),
        (Status.CANCELLED, Status.PENDING),
    ],
)
def test_a_forbidden_move_raises(current: Status, target: Status) -> None:
    order = make_order(current)
    with pytest.raises(InvalidTransition) as raised:
        move(order, target, at=LATER, source=Source.STAFF)
    assert (raised.value.current, raised.value.target) == (current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.SHIPPED, Status.PENDING),
        (Status.FULFILLED, Status.SHIPPED),
        (Status.CANCELLED, Status.PENDING),
    ],
)
def test_a_forced_backwards_move_is_recorded_as_forced(current: Status, target: Status) -> None:
    moved = move(make_order(current), target, at=LATER, source=Source.STAFF, actor="tg:1", force=True)
    assert moved is not None
    assert moved.status == target
    assert moved.timeline[-1].forced is True
    assert moved.timeline[-1].from_status == current


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.PENDING, Status.PROCESSING),
        (Status.PENDING, Status.FULFILLED),
        (Status.SHIPPED, Status.CANCELLED),
    ],
)
def test_force_on_a_forward_move_is_not_recorded(current: Status, target: Status) -> None:
    moved = move(make_order(current), target, at=LATER, source=Source.STAFF, force=True)
    assert moved is not None
    assert moved.timeline[-1].forced is False


def test_a_move_without_automation_fields_leaves_them_empty() -> None:
    moved = move(make_order(), Status.CANCELLED, at=LATER, source=Source.WEBHOOK)
    assert moved is not None
    event = moved.timeline[-1]
    assert (event.actor, event.note, event.reason, event.confidence) == (None, None, None, None)


# -- record ----------------------------------------------------------------------------------------


def test_record_appends_a_non_status_event() -> None:
    order = make_order()
    event = TimelineEvent(kind="manual", status=Status.PENDING, at=LATER, source=Source.STAFF, note="hi")
    recorded = record(order, event)
    assert recorded.timeline == [*order.timeline, event]
    assert recorded.updated_at == LATER
    assert recorded.status == order.status
    assert recorded.status_since == order.status_since


# -- with_details ----------------------------------------------------------------------------------


def test_with_details_with_nothing_but_the_number() -> None:
    order = make_order(
        customer=Customer(name="Ada", phone="+15550100"),
        items=[Item(title="Beans")],
        total=Decimal("12.50"),
        currency="EUR",
        tracking=Tracking(number="T1"),
        channel="sms",
        source_updated_at=CREATED,
    )
    updated = with_details(order, OrderData(external_id="1001", number="#1001-B"))
    assert updated.number == "#1001-B"
    assert updated.model_dump(exclude={"number"}) == order.model_dump(exclude={"number"})


def test_with_details_replaces_every_given_field() -> None:
    order = make_order(customer=Customer(name="Ada"), items=[Item(title="Beans")], channel="sms")
    data = OrderData(
        external_id="1001",
        number="#1001",
        customer=Customer(name="Grace", email="g@example.test"),
        items=[Item(title="Mug", quantity=2, price=Decimal("7.00"))],
        total=Decimal("14.00"),
        currency="EUR",
        tracking=Tracking(carrier="DHL", number="JD1"),
        channel="whatsapp",
        updated_at=LATER,
    )
    updated = with_details(order, data)
    # Whole values are replaced, not merged: the old customer's fields do not survive.
    assert updated.customer == Customer(name="Grace", email="g@example.test")
    assert updated.items == [Item(title="Mug", quantity=2, price=Decimal("7.00"))]
    assert updated.total == Decimal("14.00")
    assert updated.currency == "EUR"
    assert updated.tracking == Tracking(carrier="DHL", number="JD1")
    assert updated.channel == "whatsapp"
    assert updated.source_updated_at == LATER


def test_with_details_leaves_status_and_times_to_the_service() -> None:
    order = make_order(Status.PENDING)
    data = OrderData(
        external_id="other",
        number="#1001",
        status=Status.SHIPPED,
        created_at=LATER,
        updated_at=LATER,
    )
    updated = with_details(order, data)
    assert updated.status == Status.PENDING
    assert updated.timeline == order.timeline
    assert updated.created_at == CREATED
    assert updated.updated_at == CREATED
    assert updated.status_since == CREATED
    assert updated.external_id == "1001"
    assert updated.source_updated_at == LATER


def test_with_details_only_given_fields_change() -> None:
    order = make_order(customer=Customer(name="Ada"), channel="sms", currency="EUR")
    updated = with_details(
        order, OrderData(external_id="1001", number="#1001", tracking=Tracking(number="Z"))
    )
    assert updated.tracking == Tracking(number="Z")
    assert updated.customer == Customer(name="Ada")
    assert updated.channel == "sms"
    assert updated.currency == "EUR"
    assert updated.source_updated_at is None


def test_with_details_accepts_empty_values_as_given() -> None:
    order = make_order(items=[Item(title="Beans")], total=Decimal(5))
    updated = with_details(order, OrderData(external_id="1001", number="#1001", items=[], total=Decimal(0)))
    assert updated.items == []
    assert updated.total == Decimal(0)


# -- stats_deltas ----------------------------------------------------------------------------------


def stats_counters(before: Order | None, after: Order) -> dict[str, float]:
    """The stats deltas but the attention hint's ``waiting`` days (tested in ``test_waiting``)."""
    return {k: v for k, v in stats_deltas(before, after).items() if not k.startswith("waiting.")}


def test_stats_deltas_carry_the_waiting_days() -> None:
    before = make_order()
    after = move(before, Status.PROCESSING, at=LATER, source=Source.STAFF)
    assert after is not None
    deltas = stats_deltas(before, after)
    assert {k: v for k, v in deltas.items() if k.startswith("waiting.")} == waiting_deltas(before, after)
    assert deltas["waiting.pending.20261101"] == -1


@pytest.mark.parametrize("status", list(Status))
def test_stats_for_a_creation(status: Status) -> None:
    assert stats_counters(None, make_order(status)) == {"total": 1, f"by_status.{status.value}": 1}


def test_stats_for_a_status_change() -> None:
    before = make_order()
    after = move(before, Status.PROCESSING, at=LATER, source=Source.STAFF)
    assert after is not None
    assert stats_counters(before, after) == {
        "by_status.pending": -1,
        "by_status.processing": 1,
        "moves.total": 1,
    }


@pytest.mark.parametrize("source", [Source.RULES, Source.AI])
def test_automatic_moves_are_counted(source: Source) -> None:
    before = make_order()
    after = move(before, Status.PROCESSING, at=LATER, source=source, reason="r", confidence=0.9)
    assert after is not None
    deltas = stats_counters(before, after)
    assert deltas["moves.total"] == 1
    assert deltas["moves.automatic"] == 1


@pytest.mark.parametrize("source", [Source.WEBHOOK, Source.STAFF, Source.API])
def test_other_moves_are_not_automatic(source: Source) -> None:
    before = make_order()
    after = move(before, Status.PROCESSING, at=LATER, source=source)
    assert after is not None
    assert "moves.automatic" not in stats_counters(before, after)


def test_no_change_means_no_deltas() -> None:
    order = make_order()
    assert stats_counters(order, order) == {}
    assert stats_counters(order, with_details(order, OrderData(external_id="1001", number="#2"))) == {}


def test_a_non_status_event_is_not_a_move() -> None:
    order = make_order()
    noted = record(order, TimelineEvent(kind="manual", status=Status.PENDING, at=LATER, source=Source.STAFF))
    assert stats_counters(order, noted) == {}


def test_first_shipping_is_counted_with_hours_from_creation() -> None:
    before = make_order(Status.PROCESSING)
    shipped_at = CREATED + timedelta(hours=30, minutes=30)
    after = move(before, Status.SHIPPED, at=shipped_at, source=Source.RULES)
    assert after is not None
    assert stats_counters(before, after) == {
        "by_status.processing": -1,
        "by_status.shipped": 1,
        "moves.total": 1,
        "moves.automatic": 1,
        "shipping.count": 1,
        "shipping.hours": 30.5,
    }


def test_shipping_straight_from_pending_is_counted() -> None:
    before = make_order()
    after = move(before, Status.SHIPPED, at=CREATED + timedelta(hours=2), source=Source.WEBHOOK)
    assert after is not None
    deltas = stats_counters(before, after)
    assert deltas["shipping.count"] == 1
    assert deltas["shipping.hours"] == 2


def test_shipping_hours_are_never_negative() -> None:
    before = make_order(Status.PROCESSING)
    after = move(before, Status.SHIPPED, at=CREATED - timedelta(hours=1), source=Source.WEBHOOK)
    assert after is not None
    assert stats_counters(before, after)["shipping.hours"] == 0


def test_shipping_again_after_a_forced_step_back_is_not_counted() -> None:
    order = make_order(Status.PROCESSING)
    shipped = move(order, Status.SHIPPED, at=LATER, source=Source.STAFF)
    assert shipped is not None
    back = move(shipped, Status.PROCESSING, at=LATER + timedelta(hours=1), source=Source.STAFF, force=True)
    assert back is not None
    again = move(back, Status.SHIPPED, at=LATER + timedelta(hours=2), source=Source.STAFF)
    assert again is not None
    assert "shipping.count" in stats_counters(order, shipped)
    deltas = stats_counters(back, again)
    assert "shipping.count" not in deltas
    assert "shipping.hours" not in deltas
    assert deltas["moves.total"] == 1


def test_shipping_again_at_the_same_moment_is_not_counted() -> None:
    """Two shipping events that are equal field by field are still two events."""
    order = make_order(Status.PROCESSING)
    shipped = move(order, Status.SHIPPED, at=LATER, source=Source.STAFF)
    assert shipped is not None
    back = move(shipped, Status.PROCESSING, at=LATER, source=Source.STAFF, force=True)
    assert back is not None
    again = move(back, Status.SHIPPED, at=LATER, source=Source.STAFF)
    assert again is not None
    assert again.timeline[1] == again.timeline[3]
    assert "shipping.count" not in stats_counters(back, again)


def test_an_order_created_as_shipped_is_not_a_shipping_move() -> None:
    """Shipping time is only known when the move is seen; the creation event has no from_status."""
    order = make_order(Status.SHIPPED)
    assert stats_counters(None, order) == {"total": 1, "by_status.shipped": 1}
    back = move(order, Status.PROCESSING, at=LATER, source=Source.STAFF, force=True)
    assert back is not None
    again = move(back, Status.SHIPPED, at=LATER + timedelta(hours=1), source=Source.STAFF)
    assert again is not None
    assert "shipping.count" not in stats_counters(back, again)


def test_several_new_moves_at_once() -> None:
    start = make_order()
    one = move(start, Status.PROCESSING, at=LATER, source=Source.RULES)
    assert one is not None
    two = move(one, Status.SHIPPED, at=LATER + timedelta(hours=1), source=Source.AI)
    assert two is not None
    assert stats_counters(start, two) == {
        "by_status.pending": -1,
        "by_status.shipped": 1,
        "moves.total": 2,
        "moves.automatic": 2,
        "shipping.count": 1,
        "shipping.hours": 25,
    }


# -- properties ------------------------------------------------------------------------------------

statuses = st.sampled_from(list(Status))
steps = st.lists(
    st.tuples(
        statuses,
        st.booleans(),
        st.sampled_from(list(Source)),
        st.sampled_from([timedelta(0), timedelta(minutes=1), timedelta(hours=5)]),
    ),
    max_size=12,
)


@no_db
@given(statuses, steps)
def test_any_history_of_moves(start: Status, history: list[tuple[Status, bool, Source, timedelta]]) -> None:
    """Replaying random moves: the timeline records each applied one and the stats stay consistent."""
    order = make_order(start)
    at = CREATED
    counters: dict[str, float] = dict(stats_deltas(None, order))
    applied = 0
    for target, force, source, gap in history:
        at += gap
        try:
            moved = move(order, target, at=at, source=source, force=force)
        except InvalidTransition:
            assert is_backwards(order.status, target)
            assert not force
            continue
        if moved is None:
            assert target == order.status
            assert stats_deltas(order, order) == {}
            continue
        applied += 1
        event = moved.timeline[-1]
        assert len(moved.timeline) == len(order.timeline) + 1
        assert event.from_status == order.status
        assert event.status == target == moved.status
        assert event.forced == is_backwards(order.status, target)
        assert event.source == source
        assert moved.status_since == event.at == at
        deltas = stats_deltas(order, moved)
        assert sum(v for k, v in deltas.items() if k.startswith("by_status.")) == 0
        assert deltas["moves.total"] == 1
        assert deltas.get("moves.automatic", 0) == (1 if source in (Source.RULES, Source.AI) else 0)
        for key, value in deltas.items():
            counters[key] = counters.get(key, 0) + value
        order = moved
    assert len(order.timeline) == 1 + applied
    assert counters.get("moves.total", 0) == applied
    by_status = {k: v for k, v in counters.items() if k.startswith("by_status.") and v}
    assert by_status == {f"by_status.{order.status.value}": 1}
    waiting_days = {k: v for k, v in counters.items() if k.startswith("waiting.") and v}
    assert waiting_days == {f"waiting.{key}": 1 for key in waiting_keys(order)}
    shipped_moves = [e for e in order.timeline[1:] if e.status == Status.SHIPPED]
    first_shipping = start != Status.SHIPPED and bool(shipped_moves)
    assert counters.get("shipping.count", 0) == (1 if first_shipping else 0)
    if first_shipping:
        expected = (shipped_moves[0].at - CREATED).total_seconds() / 3600
        assert counters["shipping.hours"] == expected
    # Replaying the whole history as one creation counts the same moves.
    whole = stats_deltas(None, order)
    assert whole.get("moves.total", 0) == applied
    assert whole.get("shipping.count", 0) == counters.get("shipping.count", 0)


@no_db
@given(statuses, statuses, st.booleans())
def test_by_status_deltas_sum_to_zero_for_a_change_and_one_for_a_creation(
    start: Status, target: Status, force: bool
) -> None:
    order = make_order(start)
    created = stats_deltas(None, order)
    assert created["total"] == 1
    assert sum(v for k, v in created.items() if k.startswith("by_status.")) == 1
    try:
        moved = move(order, target, at=LATER, source=Source.API, force=force)
    except InvalidTransition:
        return
    after = moved or order
    deltas = stats_deltas(order, after)
    assert "total" not in deltas
    assert sum(v for k, v in deltas.items() if k.startswith("by_status.")) == 0
