"""What a shop's order event does to an order, decided without a database: every branch of decide_event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orders.event_decisions import EventKind, decide_event
from orders.lifecycle import DeliveryStage, InvalidTransition, Status
from orders.model import Order, OrderData, OrderId, ShopId, Source, TimelineEvent, Tracking

SHOP = ShopId("shop_1")
NEW_ID = OrderId("ord_new")
CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def stored(status: Status = Status.PENDING, **fields: Any) -> Order:
    values: dict[str, Any] = {
        "id": OrderId("ord_1"),
        "shop_id": SHOP,
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


def data(**fields: Any) -> OrderData:
    return OrderData(external_id="1001", **fields)


def decide(before: Order | None, kind: EventKind, sent: OrderData, **options: Any) -> Any:
    return decide_event(before, kind, sent, NOW, shop_id=SHOP, new_order_id=NEW_ID, **options)


# -- a new order ---------------------------------------------------------------------------------------


def test_a_new_order_is_created_pending_and_its_customer_told() -> None:
    decision = decide(None, "created", data(number="#1001"))
    assert decision.ignored is None
    assert decision.order.id == NEW_ID
    assert decision.order.shop_id == SHOP
    assert decision.order.status == Status.PENDING
    assert decision.order.number == "#1001"
    assert decision.order.timeline == [TimelineEvent(status=Status.PENDING, at=NOW, source=Source.WEBHOOK)]
    assert (decision.tell_customer, decision.urgent) == (True, False)


def test_a_new_order_without_a_number_takes_its_external_id() -> None:
    assert decide(None, "created", data()).order.number == "1001"


def test_a_cancellation_of_an_unknown_order_creates_it_cancelled() -> None:
    assert decide(None, "cancelled", data()).order.status == Status.CANCELLED


def test_a_new_order_already_out_for_delivery_is_urgent_news() -> None:
    tracking = Tracking(number="1Z", stage=DeliveryStage.OUT_FOR_DELIVERY)
    decision = decide(None, "created", data(status=Status.SHIPPED, tracking=tracking))
    assert decision.order.status == Status.SHIPPED
    assert (decision.tell_customer, decision.urgent) == (True, True)


# -- old news --------------------------------------------------------------------------------------------


def test_an_update_no_newer_than_the_stored_one_is_stale() -> None:
    before = stored(source_updated_at=NOW - timedelta(hours=1))
    decision = decide(before, "updated", data(status=Status.PROCESSING, updated_at=NOW - timedelta(hours=1)))
    assert decision.ignored == "stale"
    assert decision.order is before
    assert decision.tell_customer is False


def test_a_newer_update_is_not_stale() -> None:
    before = stored(source_updated_at=NOW - timedelta(hours=2))
    decision = decide(before, "updated", data(status=Status.PROCESSING, updated_at=NOW - timedelta(hours=1)))
    assert decision.ignored is None
    assert decision.order.status == Status.PROCESSING


def test_a_creation_delivered_again_after_the_order_moved_on_is_stale() -> None:
    decision = decide(stored(Status.SHIPPED), "created", data(status=Status.PENDING))
    assert decision.ignored == "stale"


# -- moves -----------------------------------------------------------------------------------------------


def test_a_forward_move_is_recorded_at_the_sources_time_and_told() -> None:
    at = NOW - timedelta(minutes=5)
    decision = decide(stored(), "updated", data(status=Status.PROCESSING, updated_at=at))
    order = decision.order
    assert order.status == Status.PROCESSING
    assert order.status_since == at
    assert order.updated_at == NOW
    assert order.source_updated_at == at
    assert order.timeline[-1].from_status == Status.PENDING
    assert order.timeline[-1].source == Source.WEBHOOK
    assert (decision.tell_customer, decision.urgent) == (True, False)


def test_a_source_time_in_the_future_is_taken_as_now() -> None:
    decision = decide(stored(), "updated", data(status=Status.PROCESSING, updated_at=NOW + timedelta(days=1)))
    assert decision.order.status_since == NOW


def test_a_cancellation_cancels() -> None:
    decision = decide(stored(Status.PROCESSING), "cancelled", data())
    assert decision.order.status == Status.CANCELLED
    assert decision.tell_customer is True


def test_a_backwards_move_raises_by_default() -> None:
    with pytest.raises(InvalidTransition):
        decide(stored(Status.SHIPPED), "updated", data(status=Status.PENDING))


def test_a_backwards_move_is_ignored_when_asked() -> None:
    before = stored(Status.SHIPPED)
    decision = decide(before, "updated", data(status=Status.PENDING), on_backwards="ignore")
    assert decision.ignored == "backwards"
    assert decision.order is before


def test_details_without_a_move_are_saved_and_nobody_is_told() -> None:
    decision = decide(stored(), "updated", data(currency="EUR"))
    assert decision.ignored is None
    assert decision.order.currency == "EUR"
    assert decision.order.status == Status.PENDING
    assert decision.order.updated_at == NOW
    assert decision.tell_customer is False


def test_the_same_status_again_tells_nobody() -> None:
    decision = decide(stored(Status.PROCESSING), "updated", data(status=Status.PROCESSING))
    assert decision.order.timeline == stored(Status.PROCESSING).timeline
    assert decision.tell_customer is False


# -- the carrier's news ----------------------------------------------------------------------------------


def test_a_shipped_order_the_carrier_delivered_is_fulfilled() -> None:
    sent = data(tracking=Tracking(number="1Z", stage=DeliveryStage.DELIVERED))
    decision = decide(stored(Status.SHIPPED), "updated", sent)
    assert decision.order.status == Status.FULFILLED
    assert decision.order.timeline[-1].note == "the carrier reports it delivered"
    assert (decision.tell_customer, decision.urgent) == (True, False)


def test_a_status_the_source_sends_wins_over_the_carriers() -> None:
    sent = data(status=Status.SHIPPED, tracking=Tracking(number="1Z", stage=DeliveryStage.DELIVERED))
    decision = decide(stored(Status.PROCESSING), "updated", sent)
    assert decision.order.status == Status.SHIPPED


def test_out_for_delivery_is_urgent_news_on_its_own_timeline_event() -> None:
    before = stored(Status.SHIPPED, tracking=Tracking(number="1Z", stage=DeliveryStage.IN_TRANSIT))
    decision = decide(
        before, "updated", data(tracking=Tracking(number="1Z", stage=DeliveryStage.OUT_FOR_DELIVERY))
    )
    assert decision.order.status == Status.SHIPPED
    event = decision.order.timeline[-1]
    assert (event.kind, event.note, event.at) == ("delivery", "out for delivery", NOW)
    assert (decision.tell_customer, decision.urgent) == (True, True)


def test_the_same_stage_reported_again_is_no_news() -> None:
    tracking = Tracking(number="1Z", stage=DeliveryStage.DELIVERY_PROBLEM)
    before = stored(Status.SHIPPED, tracking=tracking)
    decision = decide(before, "updated", data(tracking=tracking))
    assert decision.order.timeline == before.timeline
    assert (decision.tell_customer, decision.urgent) == (False, False)


def test_shipping_with_urgent_news_is_one_move_told_urgently() -> None:
    sent = data(status=Status.SHIPPED, tracking=Tracking(number="1Z", stage=DeliveryStage.READY_FOR_PICKUP))
    decision = decide(stored(Status.PROCESSING), "updated", sent)
    assert [event.kind for event in decision.order.timeline[1:]] == ["status"]
    assert (decision.tell_customer, decision.urgent) == (True, True)
