"""Shopify and WooCommerce order webhooks through HTTP, on the real database.

Deliveries are the fixtures' exact bytes, signed with the adapters' own signing helpers. A delivery is
answered once it is stored, with ``order_id`` and ``status`` null; the tests then let the event workers
finish (``EVENT_WORK.drain``) and read what was stored back through REST API v1 as the same shop.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from orders.lifecycle import InvalidTransition, Status
from orders.model import OrderData, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import EventKind, OrderUseCases
from tests.conftest import Api, Clock, token_for
from webhooks.keys import EVENT_WORK
from webhooks.shop_platforms import generic as orders_webhook
from webhooks.shop_platforms import shopify, woocommerce

FIXTURES = Path(__file__).parent.parent / "fixtures"
CREATE, PAID, PARTIAL, FULFILLED, DELIVERED, CANCELLED = (
    "orders_create_pending.json",
    "orders_paid.json",
    "orders_updated_partially_fulfilled.json",
    "orders_fulfilled.json",
    "orders_updated_delivered.json",
    "orders_cancelled.json",
)
W_PENDING, W_ON_HOLD, W_PROCESSING, W_COMPLETED, W_CANCELLED, W_REFUNDED = (
    "order_pending.json",
    "order_on_hold.json",
    "order_processing.json",
    "order_completed.json",
    "order_cancelled.json",
    "order_refunded.json",
)

# -- helpers ------------------------------------------------------------------------------------------


def raw(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def changed(platform: str, name: str, **changes: Any) -> bytes:
    payload = json.loads(raw(platform, name))
    payload.update(changes)
    return json.dumps(payload).encode()


async def post_shopify(
    client: TestClient[Any, Any], shop_id: str, body: bytes, *, secret: str | None, topic: str | None = "orders/updated",
    event_id: str | None = None, webhook_id: str | None = None, signature: str | None = None,
) -> ClientResponse:  # fmt: skip
    """Deliver as Shopify does; a fresh event id unless an event or webhook id is given."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Shop-Domain": "acme-coffee.myshopify.com",
        "X-Shopify-API-Version": "2026-10",
    }
    if topic is not None:
        headers[shopify.TOPIC_HEADER] = topic
    if event_id is None and webhook_id is None:
        event_id = secrets.token_hex(8)
    if event_id is not None:
        headers[shopify.EVENT_ID_HEADER] = event_id
    if webhook_id is not None:
        headers[shopify.WEBHOOK_ID_HEADER] = webhook_id
    if signature is not None:
        headers[shopify.SIGNATURE_HEADER] = signature
    elif secret is not None:
        headers[shopify.SIGNATURE_HEADER] = shopify.sign(secret, body)
    return await client.post(f"/webhooks/shopify/{shop_id}", data=body, headers=headers)


async def post_woo(
    client: TestClient[Any, Any], shop_id: str, body: bytes, *, secret: str | None, topic: str | None = "order.updated",
    delivery_id: str | None = None, signature: str | None = None,
) -> ClientResponse:  # fmt: skip
    """Deliver as WooCommerce does; a fresh delivery id unless one is given."""
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://kaffeerad.example.de/",
        "X-WC-Webhook-ID": "17",
        woocommerce.DELIVERY_ID_HEADER: delivery_id or secrets.token_hex(16),
    }
    if topic is not None:
        resource, _, event = topic.partition(".")
        headers |= {
            woocommerce.TOPIC_HEADER: topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
        }
    if signature is not None:
        headers[woocommerce.SIGNATURE_HEADER] = signature
    elif secret is not None:
        headers[woocommerce.SIGNATURE_HEADER] = woocommerce.sign(secret, body)
    return await client.post(f"/webhooks/woocommerce/{shop_id}", data=body, headers=headers)


async def answer_of(response: ClientResponse, expect: int = 200) -> dict[str, Any]:
    assert response.status == expect, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def settled(
    api: Api, source: str, external_id: str, response: Awaitable[ClientResponse]
) -> dict[str, Any]:
    """What a delivery did, in the shape the platforms' webhooks answered with before they answered early.

    The answer itself is checked for the early shape (a 200 with ``order_id`` and ``status`` null); once the
    event workers are done, ``order_id`` and ``status`` are the order's as REST API v1 shows it, and
    ``ignored`` is ``stale`` or ``backwards`` when applying the event changed nothing (read from /metrics).
    A delivery that touches no order (a ping, a topic we do not take, a draft) is its answer as it is.
    """
    client = api.client
    before = await outcome_counts(client, source)
    answer = await answer_of(await response)
    if answer["ignored"] is not None:
        return answer
    assert (answer["order_id"], answer["status"]) == (None, None), answer
    await client.app[EVENT_WORK].drain()
    after = await outcome_counts(client, source)
    ignored = [outcome for outcome in ("stale", "backwards") if after[outcome] > before[outcome]]
    order = await order_of(api, external_id)
    return {
        "order_id": order and order["order_id"],
        "status": order and order["status"],
        "duplicate": answer["duplicate"],
        "ignored": ignored[0] if ignored else None,
    }


async def shopify_delivers(
    api: Api, shop: Shop, name_or_body: str | bytes, topic: str = "orders/updated", **kwargs: Any
) -> dict[str, Any]:
    body = raw("shopify", name_or_body) if isinstance(name_or_body, str) else name_or_body
    external_id = f"shopify:{json.loads(body)['id']}"
    response = post_shopify(api.client, shop.id, body, secret=shop.webhook_secret, topic=topic, **kwargs)
    return await settled(api, "shopify", external_id, response)


async def woo_delivers(
    api: Api, shop: Shop, name_or_body: str | bytes, topic: str = "order.updated", **kwargs: Any
) -> dict[str, Any]:
    body = raw("woocommerce", name_or_body) if isinstance(name_or_body, str) else name_or_body
    external_id = f"woocommerce:{json.loads(body)['id']}"
    response = post_woo(api.client, shop.id, body, secret=shop.webhook_secret, topic=topic, **kwargs)
    return await settled(api, "woocommerce", external_id, response)


async def order_of(api: Api, external_id: str) -> dict[str, Any] | None:
    return next((o for o in await orders_of(api) if o["external_id"] == external_id), None)


async def outcome_counts(client: TestClient[Any, Any], source: str) -> dict[str, float]:
    text = await (await client.get("/metrics")).text()
    return {outcome: metric(text, source, outcome) for outcome in ("stale", "backwards")}


async def orders_of(api: Api) -> list[dict[str, Any]]:
    page = await api.get("/orders", limit=200)
    orders: list[dict[str, Any]] = page["orders"]
    return orders


async def progress_of(api: Api, order_id: str) -> dict[str, Any]:
    view: dict[str, Any] = await api.get(f"/orders/{order_id}/progress")
    return view


def status_updates(view: dict[str, Any]) -> list[str]:
    return [n["status"] for n in view["notifications"] if n["kind"] == "status_update"]


async def snapshot(api: Api) -> list[tuple[Any, ...]]:
    """Every order as stored, with its timeline and notifications."""
    state = []
    for order in await orders_of(api):
        view = await progress_of(api, order["order_id"])
        state.append((json.dumps(order, sort_keys=True), len(view["timeline"]), len(view["notifications"])))
    return sorted(state)


def error_code(body: dict[str, Any]) -> str:
    assert set(body) == {"error"}, body
    code: str = body["error"]["code"]
    return code


NO_ORDER = {"order_id": None, "status": None, "duplicate": False}


def metric(text: str, source: str, outcome: str) -> float:
    for line in text.splitlines():
        if (
            line.startswith("orderbot_webhook_deliveries_total{")
            and f'source="{source}"' in line
            and f'outcome="{outcome}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# -- Shopify ------------------------------------------------------------------------------------------------


async def test_a_shopify_order_moves_through_its_life(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    steps = [
        (CREATE, "orders/create", "pending"),
        (PAID, "orders/paid", "processing"),
        (PARTIAL, "orders/updated", "processing"),
        (FULFILLED, "orders/fulfilled", "shipped"),
        (DELIVERED, "orders/updated", "fulfilled"),
    ]
    answers = []
    for name, topic, status in steps:
        answer = await shopify_delivers(api, shop, name, topic)
        assert (answer["status"], answer["duplicate"], answer["ignored"]) == (status, False, None), name
        answers.append(answer)
    assert len({a["order_id"] for a in answers}) == 1

    [order] = await orders_of(api)
    assert (order["external_id"], order["number"], order["status"]) == (
        "shopify:5937461723438",
        "1001",
        "fulfilled",
    )
    assert order["customer"] == {
        "name": "Maya Chen", "phone": "+14155552671", "email": "maya.chen@example.com", "instagram_id": None,
    }  # fmt: skip
    assert order["items"] == [
        {"title": "Ethiopia Yirgacheffe Whole Bean - 1 kg", "quantity": 2, "price": "34.00"},
        {"title": "Ceramic Pour-Over Dripper", "quantity": 1, "price": "28.50"},
    ]
    assert (order["total"], order["currency"]) == ("104.50", "USD")
    assert datetime.fromisoformat(order["created_at"]) == datetime.fromisoformat("2026-10-30T10:15:22-04:00")

    view = await progress_of(api, order["order_id"])
    assert status_updates(view) == ["pending", "processing", "shipped", "fulfilled"]
    moves = [(e["from_status"], e["status"], e["source"]) for e in view["timeline"] if e["kind"] == "status"]
    assert moves == [
        (None, "pending", "webhook"),
        ("pending", "processing", "webhook"),
        ("processing", "shipped", "webhook"),
        ("shipped", "fulfilled", "webhook"),
    ]
    # each move is dated by Shopify's own updated_at
    assert datetime.fromisoformat(view["timeline"][-1]["at"]) == datetime.fromisoformat(
        "2026-11-01T13:40:19-05:00"
    )


async def test_shopify_tracking_is_stored_from_the_fulfillments(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    partial = await shopify_delivers(api, shop, PARTIAL)
    order = await api.get(f"/orders/{partial['order_id']}")
    assert order["status"] == "processing"
    assert order["tracking"] == {
        "carrier": "USPS",
        "number": "9400111899223197428490",
        "url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
        "stage": None,
        "stage_at": None,
        "place": None,
        "estimated_delivery": None,
    }
    await shopify_delivers(api, shop, FULFILLED, "orders/fulfilled")
    order = await api.get(f"/orders/{partial['order_id']}")
    assert order["status"] == "shipped"
    assert order["tracking"] == {
        "carrier": "UPS",
        "number": "1Z999AA10123456784",
        "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "stage": None,
        "stage_at": None,
        "place": None,
        "estimated_delivery": None,
    }


async def test_a_cancelled_shopify_order_lands_cancelled(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    answer = await shopify_delivers(api, shop, CANCELLED, "orders/cancelled")
    assert answer["status"] == "cancelled"
    order = await api.get(f"/orders/{answer['order_id']}")
    assert (order["number"], order["currency"], order["total"]) == ("1002", "CAD", "42.00")
    assert order["customer"]["phone"] == "+16135550142"
    assert status_updates(await progress_of(api, answer["order_id"])) == ["cancelled"]

    # a paid order of the same shop cancelled later moves there too
    await shopify_delivers(api, shop, PAID, "orders/paid")
    later = changed(
        "shopify", PAID, cancelled_at="2026-11-01T09:00:00-05:00", financial_status="refunded",
        updated_at="2026-11-01T09:00:01-05:00",
    )  # fmt: skip
    moved = await shopify_delivers(api, shop, later, "orders/cancelled")
    assert moved["status"] == "cancelled"
    assert status_updates(await progress_of(api, moved["order_id"])) == ["processing", "cancelled"]


async def test_the_same_shopify_event_three_times_is_one_order_and_one_notification(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    answers = [
        await shopify_delivers(
            api, shop, CREATE, "orders/create", event_id="e0a8c6a2-b1c4-4d1f-9f0e-1c2d3e4f5a6b"
        )
        for _ in range(3)
    ]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert len({a["order_id"] for a in answers}) == 1
    [order] = await orders_of(api)
    assert order["version"] == 0
    view = await progress_of(api, order["order_id"])
    assert status_updates(view) == ["pending"]
    assert len(view["timeline"]) == 1
    assert (await api.get("/orders/stats"))["total"] == 1


async def test_a_shopify_retry_without_an_event_id_dedupes_on_the_webhook_id(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    first = await shopify_delivers(
        api, shop, PAID, "orders/paid", webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    )
    again = await shopify_delivers(
        api, shop, PAID, "orders/paid", webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    )
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["order_id"] == first["order_id"]
    # another delivery (another subscription) of the same snapshot is no duplicate, but no news either
    other = await shopify_delivers(
        api, shop, PAID, "orders/updated", webhook_id="0c9d8e7f-0000-4000-8000-000000000002"
    )
    assert (other["duplicate"], other["ignored"]) == (False, "stale")
    [order] = await orders_of(api)
    assert status_updates(await progress_of(api, order["order_id"])) == ["processing"]


async def test_an_older_shopify_delivery_arriving_late_is_ignored(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    shipped = await shopify_delivers(api, shop, FULFILLED, "orders/fulfilled")
    assert shipped["status"] == "shipped"
    before = await snapshot(api)
    for name, topic in ((PAID, "orders/paid"), (CREATE, "orders/create"), (PARTIAL, "orders/updated")):
        late = await shopify_delivers(api, shop, name, topic)
        assert (late["order_id"], late["status"], late["ignored"]) == (
            shipped["order_id"],
            "shipped",
            "stale",
        )
    assert await snapshot(api) == before


async def test_a_newer_shopify_delivery_that_goes_backwards_is_acknowledged_and_changes_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    shipped = await shopify_delivers(api, shop, FULFILLED, "orders/fulfilled")
    before = await snapshot(api)
    # the fulfillments were cancelled in Shopify: the order reads as paid and unfulfilled again
    unfulfilled = changed(
        "shopify", PAID, fulfillments=[], updated_at="2026-11-01T07:00:00-05:00", total_price="99.00"
    )
    answer = await shopify_delivers(api, shop, unfulfilled, "orders/updated", event_id="evt-back")
    assert answer == {
        "order_id": shipped["order_id"],
        "status": "shipped",
        "duplicate": False,
        "ignored": "backwards",
    }
    # the ignored delivery is recorded: its retry is a duplicate, and still a 200
    retry = await shopify_delivers(api, shop, unfulfilled, "orders/updated", event_id="evt-back")
    assert retry == {**answer, "duplicate": True, "ignored": None}
    # another delivery of the same state is no duplicate, and is ignored the same way
    other = await shopify_delivers(api, shop, unfulfilled, "orders/updated", event_id="evt-back-2")
    assert other == answer
    assert await snapshot(api) == before

    delivered = await shopify_delivers(api, shop, DELIVERED)
    assert delivered["status"] == "fulfilled"
    refunded = changed(
        "shopify", DELIVERED, financial_status="refunded", updated_at="2026-11-02T08:00:00-05:00"
    )
    answer = await shopify_delivers(api, shop, refunded)
    assert (answer["status"], answer["ignored"]) == ("fulfilled", "backwards")


async def test_missing_or_wrong_shopify_signatures_get_401_and_store_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop, other_shop: Shop
) -> None:
    body = raw("shopify", CREATE)
    hex_digest = shopify.sign(shop.webhook_secret, body)
    for name, signature, secret in (
        ("missing", None, None),
        ("empty", "", None),
        ("garbage", "bm90IGEgc2lnbmF0dXJl", None),
        ("other body", shopify.sign(shop.webhook_secret, raw("shopify", PAID)), None),
        ("orderbot style", "sha256=" + hex_digest, None),
        ("not ascii", "\u00e9" * 44, None),
        ("other shop's secret", None, other_shop.webhook_secret),
    ):
        response = await post_shopify(
            client, shop.id, body, secret=secret, signature=signature, topic="orders/create", event_id="evt-1"
        )
        assert response.status == 401, name
        assert error_code(await response.json()) == "bad_signature", name
    # an unknown topic is refused too when unsigned: the signature comes first
    response = await post_shopify(client, shop.id, body, secret=None, topic="products/update")
    assert response.status == 401
    assert await orders_of(api) == []

    accepted = await shopify_delivers(api, shop, CREATE, "orders/create", event_id="evt-1")
    assert accepted["duplicate"] is False


async def test_a_shop_with_its_own_shopify_secret_no_longer_takes_the_webhook_secret(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    own = new_shop("Own Secret Coffee", clock(), shopify_secret="shpss_" + secrets.token_hex(16))
    await db.shops.add(own)
    assert own.shopify_secret is not None
    body = raw("shopify", PAID)
    own_api = Api(client, token_for(own))
    refused = await post_shopify(client, own.id, body, secret=own.webhook_secret, topic="orders/paid")
    assert refused.status == 401
    accepted = await settled(
        own_api,
        "shopify",
        "shopify:5937461723438",
        post_shopify(client, own.id, body, secret=own.shopify_secret, topic="orders/paid"),
    )
    assert accepted["status"] == "processing"
    # WooCommerce deliveries still take the generated secret: the shop has no WooCommerce secret
    woo = await settled(
        own_api,
        "woocommerce",
        "woocommerce:4521",
        post_woo(client, own.id, raw("woocommerce", W_PENDING), secret=own.webhook_secret),
    )
    assert woo["status"] == "pending"


async def test_shopify_topics_we_do_not_take_are_acknowledged_and_ignored(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for topic in ("products/update", "orders/delete", "orders/edited", "", None):
        body = b'{"id": 5937461723438}' if topic == "orders/delete" else raw("shopify", PAID)
        answer = await answer_of(
            await post_shopify(client, shop.id, body, secret=shop.webhook_secret, topic=topic)
        )
        assert answer == {**NO_ORDER, "ignored": "topic"}, topic
    assert await orders_of(api) == []


async def test_shopify_deliveries_for_an_unknown_shop_get_404(
    client: TestClient[Any, Any], shop: Shop
) -> None:
    response = await post_shopify(client, "shop_unknown", raw("shopify", PAID), secret=shop.webhook_secret)
    assert response.status == 404
    assert error_code(await response.json()) == "not_found"


async def test_signed_but_malformed_or_incomplete_shopify_bodies_get_400_or_422(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for body in (b'{"id": 1, ', b"", b"[1, 2]", b'"order"'):
        response = await post_shopify(client, shop.id, body, secret=shop.webhook_secret, event_id="evt-1")
        assert response.status == 400, body
        assert error_code(await response.json()) == "malformed"
    for body, field in (
        (changed("shopify", PAID, id=None), "id"),
        (changed("shopify", PAID, updated_at=None), "updated_at"),
        (json.dumps({"id": 1}).encode(), "updated_at"),
        (changed("shopify", PAID, total_price="a lot"), "total_price"),
    ):
        response = await post_shopify(client, shop.id, body, secret=shop.webhook_secret, event_id="evt-1")
        assert response.status == 422, field
        answer = await response.json()
        assert error_code(answer) == "invalid_field"
        assert field in {d["field"] for d in answer["error"]["details"]}
    response = await post_shopify(
        client, shop.id, raw("shopify", PAID), secret=shop.webhook_secret, event_id="e" * 201
    )
    assert response.status == 400
    assert await orders_of(api) == []
    # nothing was recorded: the same event id is still new
    assert (await shopify_delivers(api, shop, PAID, event_id="evt-1"))["duplicate"] is False


# -- WooCommerce --------------------------------------------------------------------------------------------


async def test_a_woocommerce_order_moves_through_its_life(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    steps = [
        (W_PENDING, "order.created", "pending"),
        (W_ON_HOLD, "order.updated", "pending"),
        (W_PROCESSING, "order.updated", "processing"),
        (W_COMPLETED, "order.updated", "fulfilled"),
    ]
    answers = []
    for name, topic, status in steps:
        answer = await woo_delivers(api, shop, name, topic)
        assert (answer["status"], answer["duplicate"], answer["ignored"]) == (status, False, None), name
        answers.append(answer)
    assert len({a["order_id"] for a in answers}) == 1

    [order] = await orders_of(api)
    assert (order["external_id"], order["number"]) == ("woocommerce:4521", "4521")
    assert order["customer"] == {
        "name": "Lukas Becker", "phone": "+49301234567", "email": "lukas.becker@example.de", "instagram_id": None,
    }  # fmt: skip
    assert order["items"] == [
        {"title": "Ethiopia Yirgacheffe \u2013 1 kg", "quantity": 2, "price": "28.57"},
        {"title": "Ceramic Pour-Over Dripper", "quantity": 1, "price": "23.95"},
    ]
    assert (order["total"], order["currency"]) == ("101.40", "EUR")
    assert order["tracking"] == {
        "carrier": "DHL Paket",
        "number": "00340434161094042557",
        "url": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
        "stage": None,
        "stage_at": None,
        "place": None,
        "estimated_delivery": None,
    }
    view = await progress_of(api, order["order_id"])
    assert status_updates(view) == ["pending", "processing", "fulfilled"]
    # dated by date_modified_gmt, which is UTC
    assert datetime.fromisoformat(view["timeline"][-1]["at"]) == datetime.fromisoformat(
        "2026-11-01T10:03:15+00:00"
    )


async def test_cancelled_and_refunded_woocommerce_orders_land_cancelled(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for name in (W_CANCELLED, W_REFUNDED):
        answer = await woo_delivers(api, shop, name)
        assert answer["status"] == "cancelled", name
        assert status_updates(await progress_of(api, answer["order_id"])) == ["cancelled"]
    orders = {o["external_id"]: o for o in await orders_of(api)}
    assert orders["woocommerce:4522"]["customer"]["phone"] == "+14155550132"
    assert orders["woocommerce:4523"]["customer"]["phone"] == "+4915123456789"

    # a paid order that is refunded later moves there too
    await woo_delivers(api, shop, W_PROCESSING)
    refunded = changed(
        "woocommerce", W_PROCESSING, status="refunded", date_modified_gmt="2026-11-01T12:00:00"
    )
    moved = await woo_delivers(api, shop, refunded)
    assert moved["status"] == "cancelled"
    assert status_updates(await progress_of(api, moved["order_id"])) == ["processing", "cancelled"]


async def test_the_same_woocommerce_modification_is_applied_once_whatever_its_delivery_id(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    first = await woo_delivers(api, shop, W_PROCESSING, delivery_id="3f2a9e0c1d7b4e6a8c5f2d1e0b9a8c7d")
    again = await woo_delivers(api, shop, W_PROCESSING, delivery_id="9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    [order] = await orders_of(api)
    assert order["version"] == 0
    assert status_updates(await progress_of(api, order["order_id"])) == ["processing"]


async def test_two_woocommerce_modifications_with_one_delivery_id_are_both_applied(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """WooCommerce's delivery id is a hash of the webhook id and the second: two events can share it."""
    same_second = "5b1e0f3c7a9d2e4f6a8b0c1d3e5f7a9b"
    first = await woo_delivers(api, shop, W_PENDING, "order.created", delivery_id=same_second)
    second = await woo_delivers(api, shop, W_PROCESSING, delivery_id=same_second)
    assert (first["duplicate"], second["duplicate"], second["ignored"]) == (False, False, None)
    assert (first["status"], second["status"]) == ("pending", "processing")
    assert status_updates(await progress_of(api, first["order_id"])) == ["pending", "processing"]


async def test_an_older_woocommerce_delivery_arriving_late_is_ignored(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    processing = await woo_delivers(api, shop, W_PROCESSING)
    before = await snapshot(api)
    for name in (W_ON_HOLD, W_PENDING):
        late = await woo_delivers(api, shop, name)
        assert (late["order_id"], late["status"], late["ignored"]) == (
            processing["order_id"],
            "processing",
            "stale",
        )
    late_created = await woo_delivers(api, shop, W_PENDING, "order.created", delivery_id="another")
    assert late_created["duplicate"] is True  # the same modification was already seen
    assert await snapshot(api) == before


async def test_a_newer_woocommerce_delivery_that_goes_backwards_is_acknowledged_and_changes_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    completed = await woo_delivers(api, shop, W_COMPLETED)
    before = await snapshot(api)
    # a merchant sets a completed order back to processing
    reopened = changed(
        "woocommerce", W_COMPLETED, status="processing", date_modified_gmt="2026-11-01T11:00:00"
    )
    answer = await woo_delivers(api, shop, reopened, delivery_id="a1")
    assert answer == {
        "order_id": completed["order_id"],
        "status": "fulfilled",
        "duplicate": False,
        "ignored": "backwards",
    }
    # WooCommerce retries with another delivery id; the same modification is recorded, so a duplicate
    retry = await woo_delivers(api, shop, reopened, delivery_id="a2")
    assert retry == {**answer, "duplicate": True, "ignored": None}
    assert await snapshot(api) == before


async def test_missing_or_wrong_woocommerce_signatures_get_401_and_store_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop, other_shop: Shop
) -> None:
    body = raw("woocommerce", W_PENDING)
    for name, signature, secret in (
        ("missing", None, None),
        ("empty", "", None),
        ("garbage", "bm90IGEgc2lnbmF0dXJl", None),
        ("other body", woocommerce.sign(shop.webhook_secret, raw("woocommerce", W_ON_HOLD)), None),
        ("other shop's secret", None, other_shop.webhook_secret),
    ):
        response = await post_woo(client, shop.id, body, secret=secret, signature=signature)
        assert response.status == 401, name
        assert error_code(await response.json()) == "bad_signature", name
    assert await orders_of(api) == []
    assert (await woo_delivers(api, shop, W_PENDING))["duplicate"] is False


async def test_a_shop_with_its_own_woocommerce_secret_no_longer_takes_the_webhook_secret(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    own = new_shop("Kaffeerad", clock(), woocommerce_secret="wc_" + secrets.token_hex(16))
    await db.shops.add(own)
    assert own.woocommerce_secret is not None
    body = raw("woocommerce", W_PROCESSING)
    assert (await post_woo(client, own.id, body, secret=own.webhook_secret)).status == 401
    assert (await post_woo(client, own.id, body, secret=own.shopify_secret or "x")).status == 401
    accepted = await settled(
        Api(client, token_for(own)),
        "woocommerce",
        "woocommerce:4521",
        post_woo(client, own.id, body, secret=own.woocommerce_secret),
    )
    assert accepted["status"] == "processing"


async def test_the_woocommerce_ping_is_answered_200_and_stores_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    ping = raw("woocommerce", "ping.txt")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "WooCommerce/9.3.3 Hookshot (WordPress/6.6.2)",
    }
    response = await client.post(f"/webhooks/woocommerce/{shop.id}", data=ping, headers=headers)
    assert await answer_of(response) == {**NO_ORDER, "ignored": "ping"}
    assert (await client.post("/webhooks/woocommerce/shop_unknown", data=ping, headers=headers)).status == 404
    # a ping that does carry a signature must carry the right one
    wrong = await client.post(
        f"/webhooks/woocommerce/{shop.id}",
        data=ping,
        headers={**headers, woocommerce.SIGNATURE_HEADER: "AAAA"},
    )
    assert wrong.status == 401
    signed = await post_woo(client, shop.id, ping, secret=shop.webhook_secret, topic=None)
    assert (await answer_of(signed))["ignored"] == "ping"
    # anything else unsigned is refused
    unsigned = await client.post(
        f"/webhooks/woocommerce/{shop.id}", data=b"webhook_id=17&x=1", headers=headers
    )
    assert unsigned.status == 401
    assert await orders_of(api) == []


async def test_woocommerce_topics_and_orders_we_do_not_take_are_acknowledged_and_ignored(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for topic, body in (
        ("order.deleted", b'{"id":4521}'),
        ("product.updated", b'{"id":233,"name":"Ethiopia Yirgacheffe"}'),
        ("action.woocommerce_add_to_cart", b'{"action":"woocommerce_add_to_cart","arg":"0f1e2d3c"}'),
        (None, raw("woocommerce", W_PENDING)),
    ):
        answer = await answer_of(
            await post_woo(client, shop.id, body, secret=shop.webhook_secret, topic=topic)
        )
        assert answer == {**NO_ORDER, "ignored": "topic"}, topic
    draft = changed("woocommerce", W_PENDING, status="checkout-draft")
    answer = await woo_delivers(api, shop, draft, "order.created")
    assert answer == {**NO_ORDER, "ignored": "draft"}
    assert await orders_of(api) == []


async def test_signed_but_malformed_or_incomplete_woocommerce_bodies_get_400_or_422(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for body in (b'{"id": 4521, ', b"", b"[]"):
        response = await post_woo(client, shop.id, body, secret=shop.webhook_secret)
        assert response.status == 400, body
        assert error_code(await response.json()) == "malformed"
    for body, field in (
        (changed("woocommerce", W_PROCESSING, id=None), "id"),
        (changed("woocommerce", W_PROCESSING, date_modified_gmt=None), "date_modified_gmt"),
        (changed("woocommerce", W_PROCESSING, status=None), "status"),
    ):
        response = await post_woo(client, shop.id, body, secret=shop.webhook_secret)
        assert response.status == 422, field
        answer = await response.json()
        assert field in {d["field"] for d in answer["error"]["details"]}
    response = await post_woo(
        client, "shop_unknown", raw("woocommerce", W_PROCESSING), secret=shop.webhook_secret
    )
    assert response.status == 404
    assert await orders_of(api) == []


# -- both ---------------------------------------------------------------------------------------------------


async def test_outcomes_are_counted_per_platform(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    await post_shopify(client, shop.id, raw("shopify", PAID), secret=None, signature="AAAA")
    await shopify_delivers(api, shop, PAID, event_id="m1")
    await shopify_delivers(api, shop, PAID, event_id="m1")
    await shopify_delivers(api, shop, CREATE, "orders/create")
    await shopify_delivers(api, shop, PAID, "products/update")
    await post_shopify(client, shop.id, b"{", secret=shop.webhook_secret)
    await woo_delivers(api, shop, W_COMPLETED)
    await woo_delivers(api, shop, changed("woocommerce", W_COMPLETED, status="pending", date_modified_gmt="2026-11-02T08:00:00"))  # fmt: skip
    await client.post(f"/webhooks/woocommerce/{shop.id}", data=raw("woocommerce", "ping.txt"))
    text = await (await client.get("/metrics")).text()
    # a delivery is counted accepted (or duplicate) when it is answered, and stale or backwards once it is
    # applied and changed nothing: the late orders/create and the reopened WooCommerce order are both
    assert [metric(text, "shopify", o) for o in ("rejected", "accepted", "duplicate", "stale", "topic", "invalid")] == [
        1.0, 2.0, 1.0, 1.0, 1.0, 1.0,
    ]  # fmt: skip
    assert [metric(text, "woocommerce", o) for o in ("accepted", "backwards", "ping")] == [2.0, 1.0, 1.0]


async def test_the_same_id_from_the_generic_webhook_and_the_platforms_is_three_orders(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """A shop feeding orders from several sources: each platform's ids live apart from the others' (their
    numbers may not: a number is one order's in a shop, so the shop's own order has its own)."""
    generic = json.dumps(
        {"event": "order.created", "order": {"id": "4521", "number": "S-4521", "status": "processing",
                                             "customer": {"name": "Ana Lima"}}}
    ).encode()  # fmt: skip
    headers = {"X-Orderbot-Signature": orders_webhook.sign(shop.webhook_secret, generic)}
    own = await answer_of(await client.post(f"/webhooks/orders/{shop.id}", data=generic, headers=headers))
    woo = await woo_delivers(api, shop, W_PENDING, "order.created")
    shop_order = await shopify_delivers(api, shop, changed("shopify", CREATE, id=4521), "orders/create")
    for answer in (own, woo, shop_order):
        assert (answer["duplicate"], answer["ignored"]) == (False, None)
    assert (own["status"], woo["status"], shop_order["status"]) == ("processing", "pending", "pending")
    assert len({own["order_id"], woo["order_id"], shop_order["order_id"]}) == 3

    orders = {o["external_id"]: o for o in await orders_of(api)}
    assert set(orders) == {"4521", "woocommerce:4521", "shopify:4521"}
    assert orders["4521"]["customer"]["name"] == "Ana Lima"
    assert orders["woocommerce:4521"]["customer"]["name"] == "Lukas Becker"
    # a later WooCommerce update moves its own order only
    moved = await woo_delivers(api, shop, W_COMPLETED)
    assert (moved["order_id"], moved["status"]) == (woo["order_id"], "fulfilled")
    assert (await api.get(f"/orders/{own['order_id']}"))["status"] == "processing"
    assert (await api.get(f"/orders/{shop_order['order_id']}"))["status"] == "pending"


async def test_the_service_ignores_a_backwards_event_only_when_asked(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    shipped = OrderData(
        external_id="woocommerce:1", status=Status.SHIPPED, updated_at=clock() - timedelta(hours=2)
    )
    stored = (await service.shop_events.apply_event(shop, "created", shipped)).order
    back = OrderData(
        external_id="woocommerce:1", status=Status.PENDING, updated_at=clock() - timedelta(hours=1),
        total=Decimal("99"),
    )  # fmt: skip

    for _ in range(2):  # refused before anything is written: the same delivery is refused again
        with pytest.raises(InvalidTransition):
            await service.shop_events.accept_answered(shop, "woocommerce", "evt-1", "updated", back)
    assert await db.events.get(f"woocommerce:{shop.id}", "evt-1") is None
    with pytest.raises(InvalidTransition):
        await service.shop_events.apply_event(shop, "updated", back, on_backwards="raise")

    ignored = await service.shop_events.apply_event(shop, "updated", back, on_backwards="ignore")
    assert (ignored.order, ignored.duplicate, ignored.ignored) == (stored, False, "backwards")
    assert await db.orders.get(shop.id, stored.id) == stored


async def test_an_answered_event_that_a_change_in_between_makes_backwards_is_ignored_and_done(
    db: Database, shop: Shop, clock: Clock
) -> None:
    """The generic webhook answers from the order as read, then applies the event: a change that lands in
    between wins, and the event is recorded as done (its retry is a duplicate), not refused."""
    service = OrderUseCases.build(db, clock).shop_events
    t0 = clock() - timedelta(hours=3)
    processing = OrderData(external_id="own:1", status=Status.PROCESSING, updated_at=t0)
    stored = (await service.apply_event(shop, "created", processing)).order
    shipped = OrderData(external_id="own:1", status=Status.SHIPPED, updated_at=t0 + timedelta(hours=2))
    accepted = await service.accept_answered(shop, "orders", "evt-ship", "updated", shipped)
    assert (accepted.outcome.order.id, accepted.outcome.order.status) == (stored.id, Status.SHIPPED)
    assert accepted.pending is not None
    fulfilled = OrderData(external_id="own:1", status=Status.FULFILLED, updated_at=t0 + timedelta(hours=1))
    moved = (await service.apply_event(shop, "updated", fulfilled)).order  # lands before the answered one

    outcome = await service.apply_accepted(shop, accepted.pending)
    assert outcome is not None and (outcome.order, outcome.ignored) == (moved, "backwards")
    assert (await db.orders.get(shop.id, stored.id)).status == Status.FULFILLED
    again = await service.accept_answered(shop, "orders", "evt-ship", "updated", shipped)
    assert (again.pending, again.outcome.duplicate, again.outcome.order) == (None, True, moved)


async def test_answered_events_of_one_order_are_applied_in_the_order_they_were_accepted(
    db: Database, shop: Shop, clock: Clock
) -> None:
    """The event workers apply several events at once, but one order's one after another, as accepted
    (these carry no timestamp that would order them otherwise)."""
    service = OrderUseCases.build(db, clock).shop_events
    pending = []
    for n in range(5):
        for status in (Status.PENDING, Status.SHIPPED):
            data = OrderData(external_id=f"own:{n}", number=f"{n}00", status=status)
            kind: EventKind = "created" if status == Status.PENDING else "updated"
            accepted = await service.accept_answered(shop, "orders", f"{n}-{status.value}", kind, data)
            assert accepted.pending is not None
            pending.append(accepted.pending)
    await asyncio.gather(*(service.apply_accepted(shop, event) for event in pending))
    for n in range(5):
        order = await db.orders.find_external(shop.id, f"own:{n}")
        assert order is not None
        assert [event.status for event in order.timeline] == [Status.PENDING, Status.SHIPPED]
        assert [entry.status for entry in await db.outbox.for_order(shop.id, order.id)] == [
            Status.PENDING, Status.SHIPPED,
        ]  # fmt: skip
