"""A carrier's report on an order (pure): when it is stale or backwards, and which stages go on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orders.domain import carrier_report_ignored, note_delivery, reported_at, stage_news, with_details
from orders.event_decisions import decide_event
from orders.lifecycle import DeliveryStage, Status
from orders.model import OrderData, OrderId, ShopId, Source, Tracking
from tests.unit.test_domain import make_order

NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
UPS = Tracking(carrier="UPS", number="1Z999")


def report(stage: DeliveryStage, at: datetime, place: str | None = "Memphis, TN, USA") -> OrderData:
    """What the carrier webhooks hand to the event path: the order's tracking with the carrier's news."""
    tracking = UPS.model_copy(update={"stage": stage, "stage_at": at, "place": place})
    return OrderData(external_id="1001", tracking=tracking)


def shipped_with(stage: DeliveryStage | None, at: datetime | None = NOON) -> Tracking:
    return UPS.model_copy(update={"stage": stage, "stage_at": at})


def test_a_newer_report_counts_and_one_no_newer_is_stale() -> None:
    order = make_order(Status.SHIPPED, tracking=shipped_with(DeliveryStage.IN_TRANSIT))
    later = report(DeliveryStage.OUT_FOR_DELIVERY, NOON + timedelta(hours=3))
    assert carrier_report_ignored(order, later) is None
    assert carrier_report_ignored(order, report(DeliveryStage.OUT_FOR_DELIVERY, NOON)) == "stale"
    earlier = report(DeliveryStage.DELIVERY_PROBLEM, NOON - timedelta(minutes=1))
    assert carrier_report_ignored(order, earlier) == "stale"


def test_a_report_about_a_parcel_the_order_no_longer_has_is_stale() -> None:
    order = make_order(Status.SHIPPED, tracking=Tracking(carrier="DHL", number="JD0123"))
    assert carrier_report_ignored(order, report(DeliveryStage.DELIVERED, NOON)) == "stale"
    assert (
        carrier_report_ignored(make_order(Status.SHIPPED), report(DeliveryStage.DELIVERED, NOON)) == "stale"
    )


def test_after_delivered_only_delivered_counts_and_a_closed_order_takes_no_news() -> None:
    delivered = make_order(Status.SHIPPED, tracking=shipped_with(DeliveryStage.DELIVERED))
    back = report(DeliveryStage.IN_TRANSIT, NOON + timedelta(days=1))
    assert carrier_report_ignored(delivered, back) == "backwards"
    assert (
        carrier_report_ignored(delivered, report(DeliveryStage.DELIVERED, NOON + timedelta(hours=1))) is None
    )
    fulfilled = make_order(Status.FULFILLED, tracking=shipped_with(DeliveryStage.DELIVERED))
    assert (
        carrier_report_ignored(fulfilled, report(DeliveryStage.DELIVERED, NOON + timedelta(days=1)))
        == "stale"
    )


def test_a_shops_own_stage_is_not_judged_as_a_carrier_report() -> None:
    order = make_order(Status.SHIPPED, tracking=shipped_with(DeliveryStage.DELIVERED))
    shop_says = OrderData(
        external_id="1001", tracking=UPS.model_copy(update={"stage": DeliveryStage.IN_TRANSIT})
    )
    assert carrier_report_ignored(order, shop_says) is None


def test_every_new_carrier_stage_goes_on_the_timeline_with_its_place_but_a_shops_only_when_urgent() -> None:
    before = make_order(Status.SHIPPED, tracking=shipped_with(None, None))
    carrier = report(DeliveryStage.IN_TRANSIT, NOON)
    after = with_details(before, carrier)
    assert stage_news(before, after, carrier) == DeliveryStage.IN_TRANSIT
    assert stage_news(after, after, report(DeliveryStage.IN_TRANSIT, NOON + timedelta(hours=1))) is None
    shop_says = OrderData(
        external_id="1001", tracking=UPS.model_copy(update={"stage": DeliveryStage.IN_TRANSIT})
    )
    assert stage_news(before, with_details(before, shop_says), shop_says) is None
    noted = note_delivery(
        after, DeliveryStage.IN_TRANSIT, at=reported_at(carrier) or NOON, source=Source.WEBHOOK
    )
    event = noted.timeline[-1]
    assert (event.kind, event.note, event.at) == ("delivery", "in transit (Memphis, TN, USA)", NOON)


@pytest.mark.parametrize("stage", list(DeliveryStage))
def test_a_shop_update_without_a_stage_keeps_the_carriers_time_and_place(stage: DeliveryStage) -> None:
    order = with_details(make_order(Status.SHIPPED, tracking=UPS), report(stage, NOON))
    kept = with_details(order, OrderData(external_id="1001", tracking=UPS))
    assert kept.tracking == order.tracking


def estimate(day: int, sent_at: datetime) -> OrderData:
    """An aggregator's revised estimate alone (AfterShip's ``edd_revise``), as the carrier webhooks hand it on."""
    revised = datetime(2026, 11, day, tzinfo=UTC)
    return OrderData(
        external_id="1001",
        tracking=UPS.model_copy(update={"estimated_delivery": revised, "estimated_at": sent_at}),
    )


def test_a_revised_estimate_counts_when_newer_and_is_stale_otherwise() -> None:
    known = shipped_with(DeliveryStage.IN_TRANSIT).model_copy(
        update={"estimated_delivery": datetime(2026, 11, 4, tzinfo=UTC), "estimated_at": NOON}
    )
    order = make_order(Status.SHIPPED, tracking=known)
    assert carrier_report_ignored(order, estimate(6, NOON + timedelta(hours=1))) is None
    assert carrier_report_ignored(order, estimate(6, NOON)) == "stale"
    assert carrier_report_ignored(order, estimate(3, NOON - timedelta(hours=1))) == "stale"
    other_parcel = make_order(Status.SHIPPED, tracking=Tracking(carrier="DHL", number="JD0123"))
    assert carrier_report_ignored(other_parcel, estimate(6, NOON)) == "stale"
    delivered = make_order(Status.SHIPPED, tracking=shipped_with(DeliveryStage.DELIVERED))
    assert carrier_report_ignored(delivered, estimate(6, NOON + timedelta(days=1))) == "stale"
    closed = make_order(Status.FULFILLED, tracking=shipped_with(None, None))
    assert carrier_report_ignored(closed, estimate(6, NOON + timedelta(days=1))) == "stale"


def test_a_revised_estimate_changes_the_estimate_only_with_no_timeline_entry_and_no_message() -> None:
    before = with_details(
        make_order(Status.SHIPPED, tracking=UPS), report(DeliveryStage.OUT_FOR_DELIVERY, NOON)
    )
    revised = estimate(5, NOON + timedelta(hours=2))
    decision = decide_event(
        before, "updated", revised, NOON + timedelta(hours=3),
        shop_id=ShopId("shp_1"), new_order_id=OrderId("ord_2"), on_backwards="ignore",
    )  # fmt: skip
    assert decision.ignored is None and not decision.tell_customer and not decision.urgent
    after = decision.order
    assert after.status == Status.SHIPPED and after.timeline == before.timeline
    assert before.tracking is not None and after.tracking is not None
    expected = before.tracking.model_copy(
        update={
            "estimated_delivery": datetime(2026, 11, 5, tzinfo=UTC),
            "estimated_at": NOON + timedelta(hours=2),
        }
    )
    assert after.tracking == expected
    # a shop's later update without an estimate keeps the revised one
    assert with_details(after, OrderData(external_id="1001", tracking=UPS)).tracking == expected
