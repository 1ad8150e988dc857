"""Shopify and WooCommerce adapters: signatures and the pure mapping of every fixture onto our orders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from channels import signatures
from orders.lifecycle import DeliveryStage, Status
from orders.model import Customer, Item, Shop, ShopId, Tracking
from webhooks.api import schemas
from webhooks.shop_platforms import generic as orders_webhook
from webhooks.shop_platforms import shopify, shopify_orders, woocommerce
from webhooks.shop_platforms.platform_orders import PlatformEvent

FIXTURES = Path(__file__).parent.parent / "fixtures"


def fixture_bytes(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def fixture(platform: str, name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(fixture_bytes(platform, name))
    return payload


def shop(**secrets: str) -> Shop:
    return Shop(
        id=ShopId("shop_1"), name="Acme", webhook_secret="generated", created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **secrets,
    )  # fmt: skip


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- signatures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [shopify, woocommerce])
def test_the_signature_is_the_base64_hmac_sha256_of_the_raw_body(module: Any) -> None:
    body = fixture_bytes("shopify", "orders_paid.json")
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert module.sign("s3cret", body) == expected
    assert module.signature_valid("s3cret", body, expected)
    assert module.signature_valid("s3cret", body, f" {expected} ")
    for header in (
        None,
        "",
        "garbage",
        "é" * 10,
        module.sign("other", body),
        module.sign("s3cret", body + b" "),
    ):
        assert not module.signature_valid("s3cret", body, header), header
    hex_digest = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert not module.signature_valid("s3cret", body, hex_digest)


@pytest.mark.parametrize("module", [shopify, woocommerce, orders_webhook])
def test_a_non_ascii_signature_header_is_refused_not_an_error(module: Any) -> None:
    body = b'{"id": 1}'
    good = module.sign("s3cret", body)
    assert module.signature_valid("s3cret", body, good)
    # "\udce9" is how the HTTP parser hands over a Latin-1 byte it could not decode as UTF-8
    for header in (
        "\u00e9",
        "sha256=\u00e9",
        "\udce9" * 44,
        good + "\u00e9",
        good[:-1] + "\u00e9",
        "\u00e9" + good,
    ):
        assert not module.signature_valid("s3cret", body, header), header


def test_signature_headers_are_compared_as_ascii_bytes() -> None:
    expected = signatures.hex_hmac_sha256("s3cret", b"body")
    assert expected == hmac.new(b"s3cret", b"body", hashlib.sha256).hexdigest()
    assert (
        signatures.base64_hmac_sha256("s3cret", b"body")
        == base64.b64encode(hmac.new(b"s3cret", b"body", hashlib.sha256).digest()).decode()
    )
    assert signatures.header_matches(expected, expected)
    assert signatures.header_matches(expected, f"\t{expected} \r")
    for header in (
        None,
        "",
        expected.upper(),
        expected[:-1],
        expected + "0",
        expected[:-1] + "\u00e9",
        "\udcff",
    ):
        assert not signatures.header_matches(expected, header), header


def test_a_delivery_that_touches_no_order_is_answered_in_the_webhooks_shape() -> None:
    answer = schemas.WebhookAccepted(ignored="ping")
    assert answer.model_dump(mode="json") == {
        "order_id": None,
        "status": None,
        "duplicate": False,
        "ignored": "ping",
    }


def test_a_platform_secret_replaces_the_generated_webhook_secret() -> None:
    assert shopify.signing_secret(shop()) == "generated"
    assert woocommerce.signing_secret(shop()) == "generated"
    both = shop(shopify_secret="shpss_1", woocommerce_secret="wc_1")
    assert shopify.signing_secret(both) == "shpss_1"
    assert woocommerce.signing_secret(both) == "wc_1"
    assert woocommerce.signing_secret(shop(shopify_secret="shpss_1")) == "generated"


# -- Shopify ------------------------------------------------------------------------------------------------


def shopify_event(name: str, topic: str = "orders/updated") -> PlatformEvent:
    order = shopify_orders.ShopifyOrder.model_validate_json(fixture_bytes("shopify", name))
    return shopify_orders.to_event(topic, order)


@pytest.mark.parametrize(
    ("name", "topic", "status", "kind"),
    [
        ("orders_create_pending.json", "orders/create", Status.PENDING, "created"),
        ("orders_paid.json", "orders/paid", Status.PROCESSING, "updated"),
        ("orders_updated_partially_fulfilled.json", "orders/updated", Status.PROCESSING, "updated"),
        ("orders_fulfilled.json", "orders/fulfilled", Status.SHIPPED, "updated"),
        ("orders_updated_delivered.json", "orders/updated", Status.FULFILLED, "updated"),
        ("orders_cancelled.json", "orders/cancelled", Status.CANCELLED, "cancelled"),
    ],
)
def test_each_shopify_fixture_maps_to_its_status(name: str, topic: str, status: Status, kind: str) -> None:
    event = shopify_event(name, topic)
    assert (event.data.status, event.kind) == (status, kind)


def test_a_shopify_order_keeps_its_details() -> None:
    data = shopify_event("orders_create_pending.json", "orders/create").data
    assert data.external_id == "shopify:5937461723438"
    assert data.number == "1001"
    # no phone on the order or the customer: the shipping address's, read in its country
    assert data.customer == Customer(name="Maya Chen", phone="+14155552671", email="maya.chen@example.com")
    assert data.items == [
        Item(title="Ethiopia Yirgacheffe Whole Bean - 1 kg", quantity=2, price=Decimal("34.00")),
        Item(title="Ceramic Pour-Over Dripper", quantity=1, price=Decimal("28.50")),
    ]
    assert (data.total, data.currency) == (Decimal("104.50"), "USD")
    assert data.tracking is None
    assert data.created_at == utc(2026, 10, 30, 14, 15, 22)
    assert data.updated_at == utc(2026, 10, 30, 14, 15, 23)


def test_shopify_timestamps_follow_the_order_through_its_life() -> None:
    names = [
        "orders_create_pending.json",
        "orders_paid.json",
        "orders_updated_partially_fulfilled.json",
        "orders_fulfilled.json",
        "orders_updated_delivered.json",
    ]
    stamps = [shopify_event(name).data.updated_at for name in names]
    assert None not in stamps
    assert stamps == sorted(s for s in stamps if s is not None)
    assert len(set(stamps)) == len(stamps)


def test_shopify_tracking_comes_from_the_newest_live_fulfillment() -> None:
    partial = shopify_event("orders_updated_partially_fulfilled.json").data
    assert partial.tracking == Tracking(
        carrier="USPS",
        number="9400111899223197428490",
        url="https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
    )
    for name, stage in (
        ("orders_fulfilled.json", None),
        ("orders_updated_delivered.json", DeliveryStage.DELIVERED),
    ):
        assert shopify_event(name).data.tracking == Tracking(
            carrier="UPS",
            number="1Z999AA10123456784",
            url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
            stage=stage,
        )

    payload = fixture("shopify", "orders_fulfilled.json")
    payload["fulfillments"][1]["status"] = "cancelled"
    ups = payload["fulfillments"][1]
    payload["fulfillments"][0].update(
        tracking_number=None, tracking_numbers=["LX123456789DE"], tracking_url=None,
        tracking_urls=["javascript:alert(1)"], tracking_company="Deutsche Post",
    )  # fmt: skip
    data = shopify_orders.to_event("orders/updated", shopify_orders.ShopifyOrder.model_validate(payload)).data
    assert data.tracking == Tracking(
        carrier="Deutsche Post", number="LX123456789DE", url=None, stage=DeliveryStage.IN_TRANSIT
    )
    assert ups["tracking_number"] == "1Z999AA10123456784"


def test_a_cancelled_guest_order_takes_its_name_from_the_address() -> None:
    data = shopify_event("orders_cancelled.json", "orders/cancelled").data
    assert data.number == "1002"
    assert data.customer == Customer(
        name="Liam Tremblay", phone="+16135550142", email="liam.tremblay@example.ca"
    )
    assert (data.total, data.currency) == (Decimal("42.00"), "CAD")
    assert data.items == [
        Item(title="Ethiopia Yirgacheffe Whole Bean - 1 kg", quantity=1, price=Decimal("34.00"))
    ]


def with_changes(fixture_name: str, /, **changes: Any) -> dict[str, Any]:
    payload = fixture("shopify", fixture_name)
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"financial_status": "authorized"}, Status.PENDING),
        ({"financial_status": "expired"}, Status.PENDING),
        ({"financial_status": None}, Status.PENDING),
        ({"financial_status": "something_new"}, Status.PENDING),
        ({"financial_status": "partially_paid"}, Status.PROCESSING),
        ({"financial_status": "partially_refunded"}, Status.PROCESSING),
        ({"financial_status": "PAID"}, Status.PROCESSING),
        ({"financial_status": "voided"}, Status.CANCELLED),
        ({"financial_status": "refunded"}, Status.CANCELLED),
        ({"cancelled_at": "2026-11-01T08:00:00-05:00"}, Status.CANCELLED),
        ({"closed_at": "2026-11-01T08:00:00-05:00"}, Status.PROCESSING),  # archived is not delivered
        ({"fulfillment_status": "restocked"}, Status.PROCESSING),
    ],
)
def test_shopify_financial_states(changes: dict[str, Any], status: Status) -> None:
    order = shopify_orders.ShopifyOrder.model_validate(with_changes("orders_paid.json", **changes))
    assert shopify_orders.status_of(order) == status


def test_shopify_delivery_needs_every_live_fulfillment_delivered() -> None:
    payload = fixture("shopify", "orders_updated_delivered.json")
    payload["fulfillments"][0]["shipment_status"] = "out_for_delivery"
    assert shopify_orders.status_of(shopify_orders.ShopifyOrder.model_validate(payload)) == Status.SHIPPED
    payload["fulfillments"][0]["status"] = "cancelled"  # a cancelled shipment does not hold delivery back
    assert shopify_orders.status_of(shopify_orders.ShopifyOrder.model_validate(payload)) == Status.FULFILLED
    payload["fulfillments"][1]["shipment_status"] = "picked_up"
    assert shopify_orders.status_of(shopify_orders.ShopifyOrder.model_validate(payload)) == Status.FULFILLED
    partial = fixture("shopify", "orders_updated_partially_fulfilled.json")
    partial["fulfillments"][0]["shipment_status"] = "delivered"  # one parcel of two arrived
    assert shopify_orders.status_of(shopify_orders.ShopifyOrder.model_validate(partial)) == Status.PROCESSING


def test_a_later_shipment_update_makes_the_delivery_newer() -> None:
    payload = fixture("shopify", "orders_updated_delivered.json")
    payload["updated_at"] = "2026-10-31T15:12:03-04:00"  # the order itself did not change
    data = shopify_orders.to_event("orders/updated", shopify_orders.ShopifyOrder.model_validate(payload)).data
    assert data.updated_at == utc(2026, 11, 1, 18, 40, 18)


@pytest.mark.parametrize(
    ("order_phone", "customer_phone", "expected"),
    [
        ("+44 20 7946 0958", "+14155550132", "+442079460958"),
        ("not a phone", "+1 (415) 555-0132", "+14155550132"),
        ("12345", None, "+14155552671"),  # falls through to the shipping address
        ("", "", "+14155552671"),
    ],
)
def test_shopify_phones_are_e164_and_invalid_ones_are_dropped(
    order_phone: str, customer_phone: str | None, expected: str
) -> None:
    payload = fixture("shopify", "orders_paid.json")
    payload["phone"] = order_phone
    payload["customer"]["phone"] = customer_phone
    data = shopify_orders.to_event("orders/paid", shopify_orders.ShopifyOrder.model_validate(payload)).data
    assert data.customer is not None
    assert data.customer.phone == expected
    payload["shipping_address"]["phone"] = "555"
    payload["phone"] = payload["customer"]["phone"] = None
    data = shopify_orders.to_event("orders/paid", shopify_orders.ShopifyOrder.model_validate(payload)).data
    assert data.customer is not None
    assert data.customer.phone is None


def test_shopify_number_falls_back_to_the_order_number() -> None:
    payload = with_changes("orders_paid.json", name=None)
    order = shopify_orders.ShopifyOrder.model_validate(payload)
    assert shopify_orders.to_event("orders/paid", order).data.number == "1001"
    order = shopify_orders.ShopifyOrder.model_validate(with_changes("orders_paid.json", name="ACME-1001-X"))
    assert shopify_orders.to_event("orders/paid", order).data.number == "ACME-1001-X"
    # neither: Shopify's id, without the prefix the external id carries
    order = shopify_orders.ShopifyOrder.model_validate(
        with_changes("orders_paid.json", name=" # ", order_number=None)
    )
    data = shopify_orders.to_event("orders/paid", order).data
    assert (data.external_id, data.number) == ("shopify:5937461723438", "5937461723438")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": None}, "id"),
        ({"id": ""}, "id"),
        ({"id": "   "}, "id"),
        ({"updated_at": None}, "updated_at"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"updated_at": "2026-10-30T10:15:23"}, "updated_at"),  # Shopify always sends an offset
        ({"total_price": "lots"}, "total_price"),
        ({"currency": "dollars"}, "currency"),
        ({"line_items": [{"title": "x", "quantity": -1}]}, "line_items.0.quantity"),
    ],
)
def test_a_shopify_order_without_its_required_fields_is_refused(changes: dict[str, Any], field: str) -> None:
    payload = with_changes("orders_paid.json", **changes)
    with pytest.raises(ValidationError) as caught:
        shopify_orders.ShopifyOrder.model_validate(payload)
    assert field in {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}


def test_shopify_delivery_ids_prefer_the_event_id() -> None:
    body = b"{}"
    assert shopify.delivery_id("evt-1", "wh-1", "orders/paid", body) == "event:evt-1"
    assert shopify.delivery_id(None, "wh-1", "orders/paid", body) == "webhook:wh-1"
    assert shopify.delivery_id(" ", " wh-1 ", "orders/paid", body) == "webhook:wh-1"
    by_body = shopify.delivery_id(None, None, "orders/paid", body)
    assert by_body.startswith("body:")
    assert by_body == shopify.delivery_id(None, None, "orders/paid", body)
    assert by_body != shopify.delivery_id(None, None, "orders/updated", body)


# -- WooCommerce --------------------------------------------------------------------------------------------


def woo_event(name: str, topic: str = "order.updated") -> woocommerce.WooEvent:
    order = woocommerce.WooOrder.model_validate_json(fixture_bytes("woocommerce", name))
    return woocommerce.to_event(topic, order)


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("order_pending.json", Status.PENDING, "created"),
        ("order_on_hold.json", Status.PENDING, "created"),
        ("order_processing.json", Status.PROCESSING, "created"),
        ("order_completed.json", Status.FULFILLED, "created"),
        ("order_cancelled.json", Status.CANCELLED, "cancelled"),
        ("order_refunded.json", Status.CANCELLED, "cancelled"),
    ],
)
def test_each_woocommerce_fixture_maps_to_its_status(name: str, status: Status, kind: str) -> None:
    event = woo_event(name, "order.created")
    assert (event.data.status, event.kind) == (status, kind)
    if kind == "created":
        assert woo_event(name, "order.updated").kind == "updated"
        assert woo_event(name, "order.restored").kind == "updated"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("failed", Status.PENDING),
        ("wc-processing", Status.PROCESSING),
        ("Completed", Status.FULFILLED),
        ("partial-shipped", Status.PROCESSING),
        ("shipped", Status.SHIPPED),
        ("in-transit", Status.SHIPPED),
        ("delivered", Status.FULFILLED),
        ("awaiting-pickup", None),  # a plugin's own status: the order keeps its status
    ],
)
def test_woocommerce_plugin_and_other_statuses(status: str, expected: Status | None) -> None:
    payload = fixture("woocommerce", "order_processing.json")
    payload["status"] = status
    order = woocommerce.WooOrder.model_validate(payload)
    assert woocommerce.status_of(order) == expected
    assert woocommerce.skipped(order) is None


@pytest.mark.parametrize(("status", "reason"), [("checkout-draft", "draft"), ("trash", "trashed")])
def test_drafts_and_trashed_orders_are_skipped(status: str, reason: str) -> None:
    payload = fixture("woocommerce", "order_pending.json")
    payload["status"] = status
    assert woocommerce.skipped(woocommerce.WooOrder.model_validate(payload)) == reason


def test_a_woocommerce_order_keeps_its_details() -> None:
    event = woo_event("order_pending.json", "order.created")
    data = event.data
    assert event.event_id == "4521@2026-10-30T14:15:03+00:00"
    assert (data.external_id, data.number) == ("woocommerce:4521", "4521")
    assert data.customer == Customer(
        name="Lukas Becker", phone="+49301234567", email="lukas.becker@example.de"
    )
    assert data.items == [
        Item(title="Ethiopia Yirgacheffe \u2013 1 kg", quantity=2, price=Decimal("28.57")),
        Item(title="Ceramic Pour-Over Dripper", quantity=1, price=Decimal("23.95")),
    ]
    assert (data.total, data.currency) == (Decimal("101.40"), "EUR")
    assert data.tracking is None
    assert data.created_at == utc(2026, 10, 30, 14, 15, 2)
    assert data.updated_at == utc(2026, 10, 30, 14, 15, 3)


def test_a_woocommerce_number_falls_back_to_the_unprefixed_id() -> None:
    for number in (None, "", "  "):
        payload = fixture("woocommerce", "order_pending.json")
        payload["number"] = number
        data = woocommerce.to_event("order.updated", woocommerce.WooOrder.model_validate(payload)).data
        assert (data.external_id, data.number) == ("woocommerce:4521", "4521"), number
    payload["number"] = "KR-2026-0042"
    data = woocommerce.to_event("order.updated", woocommerce.WooOrder.model_validate(payload)).data
    assert (data.external_id, data.number) == ("woocommerce:4521", "KR-2026-0042")


def test_woocommerce_event_ids_are_the_order_and_its_modification() -> None:
    names = ["order_pending.json", "order_on_hold.json", "order_processing.json", "order_completed.json"]
    events = [woo_event(name) for name in names]
    assert len({e.event_id for e in events}) == len(events)
    assert [e.data.updated_at for e in events] == sorted(
        e.data.updated_at for e in events if e.data.updated_at
    )
    payload = fixture("woocommerce", "order_pending.json")
    payload["date_modified_gmt"] = "2026-10-30T15:15:03+01:00"  # the same instant, written with an offset
    same = woocommerce.to_event("order.updated", woocommerce.WooOrder.model_validate(payload))
    assert same.event_id == events[0].event_id


def test_woocommerce_tracking_comes_from_the_shipment_tracking_meta() -> None:
    assert woo_event("order_completed.json").data.tracking == Tracking(
        carrier="DHL Paket",
        number="00340434161094042557",
        url="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
    )
    payload = fixture("woocommerce", "order_completed.json")
    [meta] = [m for m in payload["meta_data"] if m["key"] == "_wc_shipment_tracking_items"]
    meta["value"].append(
        {"tracking_provider": "ups", "custom_tracking_provider": "", "custom_tracking_link": "",
         "tracking_number": "1Z999AA10123456784", "date_shipped": 1793613480, "tracking_id": "x"}
    )  # fmt: skip
    meta["value"].append("not an entry")
    data = woocommerce.to_event("order.updated", woocommerce.WooOrder.model_validate(payload)).data
    assert data.tracking == Tracking(carrier="ups", number="1Z999AA10123456784", url=None)
    meta["value"] = "garbage"
    data = woocommerce.to_event("order.updated", woocommerce.WooOrder.model_validate(payload)).data
    assert data.tracking is None


def test_woocommerce_phones_fall_back_to_the_shipping_address() -> None:
    data = woo_event("order_refunded.json").data
    # billing phone "12345" is no number; the shipping phone is read in Germany
    assert data.customer == Customer(
        name="Sophie Wagner", phone="+4915123456789", email="sophie.wagner@example.de"
    )
    assert woo_event("order_cancelled.json").data.customer == Customer(
        name="Jordan Reyes", phone="+14155550132", email="jordan.reyes@example.com"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": None}, "id"),
        ({"id": " "}, "id"),
        ({"status": None}, "status"),
        ({"date_modified_gmt": None}, "date_modified_gmt"),
        ({"date_modified_gmt": ""}, "date_modified_gmt"),
        ({"date_modified_gmt": "last tuesday"}, "date_modified_gmt"),
        ({"total": "lots"}, "total"),
    ],
)
def test_a_woocommerce_order_without_its_required_fields_is_refused(
    changes: dict[str, Any], field: str
) -> None:
    payload = fixture("woocommerce", "order_processing.json")
    payload.update(changes)
    with pytest.raises(ValidationError) as caught:
        woocommerce.WooOrder.model_validate(payload)
    assert field in {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}


def test_the_ping_is_recognised_and_nothing_else_is() -> None:
    assert woocommerce.ping_webhook_id(fixture_bytes("woocommerce", "ping.txt")) == "17"
    assert woocommerce.ping_webhook_id(b"webhook_id=3\n") == "3"
    for body in (b"", b"webhook_id=", b"webhook_id=abc", b"webhook_id=1&x=2", b'{"webhook_id": 1}'):
        assert woocommerce.ping_webhook_id(body) is None, body


def test_shopify_phones_without_a_country_are_read_in_the_shops_default_country() -> None:
    payload = fixture("shopify", "orders_paid.json")
    for address in ("shipping_address", "billing_address"):
        payload[address]["country_code"] = None
        payload[address]["phone"] = None
    payload["phone"], payload["customer"]["phone"] = "07911 123456", None
    order = shopify_orders.ShopifyOrder.model_validate(payload)
    without = shopify_orders.to_event("orders/paid", order).data.customer
    assert without is not None and without.phone is None
    customer = shopify_orders.to_event("orders/paid", order, "GB").data.customer
    assert customer is not None and customer.phone == "+447911123456"


def test_woocommerce_phones_without_a_country_are_read_in_the_shops_default_country() -> None:
    payload = json.loads(fixture_bytes("woocommerce", "order_processing.json"))
    for address in ("billing", "shipping"):
        if payload.get(address):
            payload[address]["country"] = ""
            payload[address]["phone"] = ""
    payload["billing"]["phone"] = "07911 123456"
    order = woocommerce.WooOrder.model_validate(payload)
    without = woocommerce.to_event("order.updated", order).data.customer
    assert without is not None and without.phone is None
    customer = woocommerce.to_event("order.updated", order, "GB").data.customer
    assert customer is not None and customer.phone == "+447911123456"
