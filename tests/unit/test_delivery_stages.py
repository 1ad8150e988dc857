"""Delivery stages of a shipped order: when they are news, how Shopify names them, how messages say them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import speaking
from bot.composer import GSM7, OrderFacts, Voice, order_status, several_orders
from bot.delivery_policy import Mode, Reach, route
from bot.staff.order_card import event_line
from orders.domain import carrier_status, delivery_news, move, note_delivery, stats_deltas, with_details
from orders.lifecycle import URGENT_STAGES, DeliveryStage, Status, progress
from orders.model import NotifyPolicy, OrderData, Source, Tracking
from tests.unit.test_composer import check_sms, no_db, one_line, order_facts, voices
from tests.unit.test_domain import LATER, make_order
from webhooks.shop_platforms import shopify_orders

UPS = Tracking(carrier="UPS", number="1Z999", url="https://ups.example/t/1Z999")


def tracked(stage: DeliveryStage | None) -> Tracking:
    return UPS.model_copy(update={"stage": stage})


# -- when a stage is news ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", sorted(URGENT_STAGES))
def test_an_urgent_stage_on_a_shipped_order_is_news_once(stage: DeliveryStage) -> None:
    before = make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.IN_TRANSIT))
    after = with_details(before, OrderData(external_id="1001", tracking=tracked(stage)))
    assert delivery_news(before, after) == stage
    assert delivery_news(after, after) is None  # the same stage again (a retry, an unrelated update)
    assert delivery_news(after, with_details(after, OrderData(external_id="1001", total=5))) is None


def test_an_update_that_leaves_the_stage_out_keeps_it_and_the_same_stage_later_is_no_news() -> None:
    out = make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.OUT_FOR_DELIVERY))
    silent = with_details(out, OrderData(external_id="1001", tracking=tracked(None)))
    assert silent.tracking == tracked(DeliveryStage.OUT_FOR_DELIVERY)
    again = with_details(
        silent, OrderData(external_id="1001", tracking=tracked(DeliveryStage.OUT_FOR_DELIVERY))
    )
    assert delivery_news(silent, again) is None
    relabelled = with_details(
        out, OrderData(external_id="1001", tracking=Tracking(carrier="DHL", number="JD01"))
    )
    assert relabelled.tracking == Tracking(carrier="DHL", number="JD01")  # another parcel: no stage yet


def test_stages_that_need_no_hurry_are_not_news() -> None:
    before = make_order(Status.SHIPPED, tracking=tracked(None))
    for stage in (DeliveryStage.IN_TRANSIT, DeliveryStage.DELIVERED, None):
        assert delivery_news(before, before.model_copy(update={"tracking": tracked(stage)})) is None
    assert delivery_news(before, before.model_copy(update={"tracking": None})) is None


def test_a_new_urgent_stage_after_another_is_news_again() -> None:
    out = make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.OUT_FOR_DELIVERY))
    problem = out.model_copy(update={"tracking": tracked(DeliveryStage.DELIVERY_PROBLEM)})
    assert delivery_news(out, problem) == DeliveryStage.DELIVERY_PROBLEM
    assert delivery_news(problem, out) == DeliveryStage.OUT_FOR_DELIVERY  # a second attempt


def test_the_event_that_ships_an_order_already_out_for_delivery_is_news() -> None:
    before = make_order(Status.PROCESSING, tracking=tracked(DeliveryStage.OUT_FOR_DELIVERY))
    shipped = move(before, Status.SHIPPED, at=LATER, source=Source.WEBHOOK)
    assert shipped is not None
    assert delivery_news(before, shipped) == DeliveryStage.OUT_FOR_DELIVERY
    assert delivery_news(None, shipped) == DeliveryStage.OUT_FOR_DELIVERY  # created shipped


def test_only_a_shipped_order_has_delivery_news() -> None:
    before = make_order(Status.SHIPPED, tracking=tracked(None))
    for status in (Status.PROCESSING, Status.FULFILLED, Status.CANCELLED):
        after = before.model_copy(
            update={"status": status, "tracking": tracked(DeliveryStage.DELIVERY_PROBLEM)}
        )
        assert delivery_news(before, after) is None


def test_news_goes_on_the_timeline_as_a_delivery_event_not_a_move() -> None:
    before = make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.IN_TRANSIT))
    after = note_delivery(
        before.model_copy(update={"tracking": tracked(DeliveryStage.OUT_FOR_DELIVERY)}),
        DeliveryStage.OUT_FOR_DELIVERY,
        at=LATER,
        source=Source.WEBHOOK,
    )
    event = after.timeline[-1]
    assert len(after.timeline) == len(before.timeline) + 1
    assert (event.kind, event.status, event.from_status, event.source) == (
        "delivery", Status.SHIPPED, None, Source.WEBHOOK,
    )  # fmt: skip
    assert event.note == "out for delivery"
    assert after.status == Status.SHIPPED and after.status_since == before.status_since
    assert stats_deltas(before, after) == {}  # no status move, no shipping time counted again
    line = event_line(event, ZoneInfo("Europe/Berlin"))
    assert line == "02 Nov 10:00 delivery by webhook — out for delivery"


def test_the_message_facts_carry_the_stage_and_the_time_of_the_news() -> None:
    shipped = make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.READY_FOR_PICKUP))
    assert (speaking.facts(shipped).stage, speaking.facts(shipped).updated_at) == (
        DeliveryStage.READY_FOR_PICKUP, shipped.status_since,
    )  # fmt: skip
    news = note_delivery(shipped, DeliveryStage.READY_FOR_PICKUP, at=LATER, source=Source.WEBHOOK)
    assert speaking.facts(news).updated_at == LATER
    assert speaking.facts(make_order(Status.SHIPPED)).stage is None


# -- Shopify's shipment_status ------------------------------------------------------------------------

SHOPIFY_STAGES = {
    "out_for_delivery": DeliveryStage.OUT_FOR_DELIVERY,
    "attempted_delivery": DeliveryStage.DELIVERY_PROBLEM,
    "failure": DeliveryStage.DELIVERY_PROBLEM,
    "ready_for_pickup": DeliveryStage.READY_FOR_PICKUP,
    "delivered": DeliveryStage.DELIVERED,
    "picked_up": DeliveryStage.DELIVERED,
    "in_transit": DeliveryStage.IN_TRANSIT,
    "confirmed": DeliveryStage.IN_TRANSIT,
    "label_printed": DeliveryStage.IN_TRANSIT,
    "label_purchased": DeliveryStage.IN_TRANSIT,
    "OUT_FOR_DELIVERY": DeliveryStage.OUT_FOR_DELIVERY,
    "delayed": None,
    "": None,
    None: None,
}


@pytest.mark.parametrize(("shipment_status", "stage"), SHOPIFY_STAGES.items())
def test_shopify_shipment_status_maps_to_a_stage(
    shipment_status: str | None, stage: DeliveryStage | None
) -> None:
    assert (
        shopify_orders.stage_of(shopify_orders.ShopifyFulfillment(shipment_status=shipment_status)) == stage
    )


def shopify_order(*fulfillments: dict[str, Any]) -> shopify_orders.ShopifyOrder:
    return shopify_orders.ShopifyOrder.model_validate(
        {
            "id": 820982911946154508,
            "name": "#1001",
            "financial_status": "paid",
            "fulfillment_status": "fulfilled",
            "updated_at": "2026-11-02T09:00:00Z",
            "fulfillments": list(fulfillments),
        }
    )


def test_the_stage_is_the_newest_live_tracked_fulfillments() -> None:
    old = {"created_at": "2026-11-01T09:00:00Z", "tracking_number": "A1", "shipment_status": "failure"}
    new = {
        "created_at": "2026-11-02T08:00:00Z",
        "tracking_number": "B2",
        "shipment_status": "out_for_delivery",
    }
    untracked = {"created_at": "2026-11-02T08:30:00Z", "shipment_status": "attempted_delivery"}
    dead = {**new, "created_at": "2026-11-02T08:45:00Z", "status": "cancelled", "shipment_status": "failure"}
    data = shopify_orders.to_event("orders/updated", shopify_order(old, new, untracked, dead)).data
    assert data.status == Status.SHIPPED
    assert data.tracking is not None
    assert (data.tracking.number, data.tracking.stage) == ("B2", DeliveryStage.OUT_FOR_DELIVERY)


# -- WhatsApp templates by stage ----------------------------------------------------------------------

STATUS_SID, STAGE_SID, NUDGE_SID = "HX" + "a" * 32, "HX" + "c" * 32, "HX" + "b" * 32


def outside_window(**changes: object) -> Reach:
    fields: dict[str, object] = {
        "now": LATER, "wanted": "whatsapp", "shop_channels": frozenset({"whatsapp", "sms"}),
        "phone": "+4915112345678", "last_inbound": {"whatsapp": LATER - timedelta(hours=30)},
        "status": "shipped",
    }  # fmt: skip
    return Reach(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_stage_template_wins_over_the_status_template() -> None:
    templates = {"shipped": STATUS_SID, "out_for_delivery": STAGE_SID, "nudge": NUDGE_SID}
    found = route(outside_window(templates=templates, stage="out_for_delivery"))
    assert (found.mode, found.content_sid) == (Mode.TEMPLATE, STAGE_SID)
    # another stage without its own template: the status's; no status template: the nudge
    assert route(outside_window(templates=templates, stage="delivery_problem")).content_sid == STATUS_SID
    nudge = route(outside_window(templates={"nudge": NUDGE_SID}, stage="delivery_problem"))
    assert (nudge.mode, nudge.content_sid) == (Mode.NUDGE, NUDGE_SID)
    # only for a status update of a shipped order
    assert (
        route(outside_window(templates=templates, stage="out_for_delivery", status=None)).mode == Mode.NUDGE
    )
    assert route(outside_window(templates=templates, stage="out_for_delivery", status="fulfilled")).mode == (
        Mode.NUDGE
    )


def test_shops_may_keep_templates_for_the_urgent_stages_only() -> None:
    policy = NotifyPolicy(whatsapp_templates={"ready_for_pickup": STAGE_SID, "delivery_problem": STAGE_SID})
    assert set(policy.whatsapp_templates) == {"ready_for_pickup", "delivery_problem"}
    for key in ("in_transit", "delivered", "lost"):
        with pytest.raises(ValidationError, match="out_for_delivery"):
            NotifyPolicy(whatsapp_templates={key: STAGE_SID})


# -- messages ------------------------------------------------------------------------------------------

STYLES = ["sms", "whatsapp", "instagram", "email", "telegram", "console"]
SAID = {
    DeliveryStage.IN_TRANSIT: "is in transit",
    DeliveryStage.OUT_FOR_DELIVERY: "is out for delivery today",
    DeliveryStage.READY_FOR_PICKUP: "is ready for pickup",
    DeliveryStage.DELIVERY_PROBLEM: "had a delivery problem: the carrier could not deliver it",
    DeliveryStage.DELIVERED: "was delivered, the carrier says",
}
NOW = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)


def facts(stage: DeliveryStage | None, status: Status = Status.SHIPPED, **changes: Any) -> OrderFacts:
    values: dict[str, Any] = {
        "number": "1042", "status": status, "updated_at": NOW, "tracking_url": "https://ups.example/t/1Z",
        "tracking_number": "1Z", "carrier": "UPS", "stage": stage, **changes,
    }  # fmt: skip
    return OrderFacts(**values)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("tone", ["friendly", "formal"])
@pytest.mark.parametrize("stage", list(DeliveryStage))
def test_a_shipped_order_says_its_stage_in_every_style(stage: DeliveryStage, tone: str, style: str) -> None:
    composed = order_status(facts(stage), Voice("Bean There", "Europe/Berlin", "Ana", tone=tone), style)
    assert f"Order #1042 {SAID[stage]}" in composed.text
    assert "on its way" not in composed.text
    assert "https://ups.example/t/1Z" in composed.text
    if style == "email":
        assert composed.subject == f"Bean There: order #1042 {SAID[stage]}"
    if style == "sms":
        assert all(ch in GSM7 for ch in composed.text)
        assert len(composed.text) <= 160


def test_what_comes_next_follows_the_stage() -> None:
    voice = Voice("Bean There")

    def said(stage: DeliveryStage | None) -> str:
        return order_status(facts(stage), voice, "console").text

    assert "Next: it arrives." in said(DeliveryStage.OUT_FOR_DELIVERY)
    assert "Next: collect it at the pickup point." in said(DeliveryStage.READY_FOR_PICKUP)
    assert "Next: check the tracking for what the carrier needs, or contact us." in said(
        DeliveryStage.DELIVERY_PROBLEM
    )
    assert "Next:" not in said(DeliveryStage.DELIVERED)


@pytest.mark.parametrize("status", [Status.PROCESSING, Status.FULFILLED, Status.CANCELLED])
def test_a_stage_is_said_only_while_the_order_is_shipped(status: Status) -> None:
    with_stage = order_status(facts(DeliveryStage.OUT_FOR_DELIVERY, status), Voice("Bean There"), "whatsapp")
    assert with_stage == order_status(facts(None, status), Voice("Bean There"), "whatsapp")


def test_the_order_list_names_the_stage() -> None:
    text = several_orders(
        [facts(DeliveryStage.READY_FOR_PICKUP), facts(None, number="7")], Voice("B"), "console"
    )
    assert "#1042: ready for pickup (75%)" in text.text
    assert "#7: shipped (75%)" in text.text


def sms_body(order: OrderFacts) -> str:
    """What an SMS status with a stage says before the SMS rules apply (mirrors test_composer's)."""
    words = {
        Status.PENDING: "is received and waiting to be processed", Status.PROCESSING: "is being prepared",
        Status.SHIPPED: "is on its way", Status.FULFILLED: "is delivered", Status.CANCELLED: "is cancelled",
    }  # fmt: skip
    stage = order.stage if order.status == Status.SHIPPED else None
    line = f"Order #{one_line(order.number)} {SAID[stage] if stage else words[order.status]}"
    line += "." if order.status == Status.CANCELLED else f" ({progress(order.status)}%)."
    nexts = {
        Status.PENDING: "we start preparing it",
        Status.PROCESSING: "it ships",
        Status.SHIPPED: "it arrives",
    }
    stage_next = {
        DeliveryStage.READY_FOR_PICKUP: "Next: collect it at the pickup point.",
        DeliveryStage.DELIVERY_PROBLEM: "Next: check the tracking for what the carrier needs, or contact us.",
        DeliveryStage.DELIVERED: None,
    }
    if one_line(order.tracking_url):
        return f"{line} Track: {one_line(order.tracking_url)}"
    if one_line(order.tracking_number):
        return f"{line} Track: {one_line(order.carrier) or 'tracking'} {one_line(order.tracking_number)}"
    if stage in stage_next:
        return f"{line} {stage_next[stage]}" if stage_next[stage] else line
    return f"{line} Next: {nexts[order.status]}." if order.status in nexts else line


staged_facts = st.builds(
    lambda order, stage: OrderFacts(**{**order.__dict__, "stage": stage}),
    order_facts,
    st.sampled_from(list(DeliveryStage)),
)


@no_db
@given(staged_facts, voices)
def test_sms_with_a_stage_follows_the_sms_rules(order: OrderFacts, voice: Voice) -> None:
    text = order_status(order, voice, "sms").text
    check_sms(text, sms_body(order), voice)
    if re.fullmatch(r"[A-Za-z0-9-]+", order.number) and len(text) <= 160 and "..." not in text:
        said = SAID[order.stage] if order.status == Status.SHIPPED and order.stage else None
        assert said is None or f"#{order.number} {said}" in text


def test_only_a_shipped_order_the_carrier_reports_delivered_is_fulfilled_by_the_report() -> None:
    assert (
        carrier_status(make_order(Status.SHIPPED, tracking=tracked(DeliveryStage.DELIVERED)))
        == Status.FULFILLED
    )
    for stage in (
        None,
        DeliveryStage.IN_TRANSIT,
        DeliveryStage.OUT_FOR_DELIVERY,
        DeliveryStage.DELIVERY_PROBLEM,
    ):
        assert carrier_status(make_order(Status.SHIPPED, tracking=tracked(stage))) is None
    for status in (Status.PENDING, Status.PROCESSING, Status.FULFILLED, Status.CANCELLED):
        assert carrier_status(make_order(status, tracking=tracked(DeliveryStage.DELIVERED))) is None
    assert carrier_status(make_order(Status.SHIPPED)) is None
