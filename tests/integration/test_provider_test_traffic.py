"""Providers' own test traffic through the real app and database: acknowledged, never taken for real.

Shopify's "Send test notification" (Settings → Notifications → Webhooks) posts the sample order of the topic,
signed like any delivery and marked ``X-Shopify-Test: true``. The fixture
``tests/fixtures/shopify/test_notification_orders_cancelled.json`` is the ``orders/cancelled`` sample payload
of Shopify's webhook reference (https://shopify.dev/docs/api/webhooks?reference=toml, topic
``orders/cancelled``) as published: order ``#9999``, id 820982911946154508, ``"test": true``, cancelled, with
the email jon@example.com, which belongs to no customer of the shop.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient

from channels import shopify
from orders.model import Shop
from orders.store import Database
from tests.conftest import Api
from tests.integration.test_shop_platforms import NO_ORDER, answer_of, metric, orders_of, post_shopify, raw
from webhooks.keys import EVENT_WORK
from webhooks.settings import Settings

SAMPLE = "test_notification_orders_cancelled.json"


async def post_test_notification(
    client: TestClient[Any, Any], shop: Shop, body: bytes, webhook_id: str, topic: str = "orders/cancelled"
) -> dict[str, Any]:
    """Deliver ``body`` as the admin's test button does: signed, ``X-Shopify-Test: true``."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        shopify.TEST_HEADER: "true",
        shopify.WEBHOOK_ID_HEADER: webhook_id,
        shopify.SIGNATURE_HEADER: shopify.sign(shop.webhook_secret, body),
        "X-Shopify-Shop-Domain": "acme-coffee.myshopify.com",
        "X-Shopify-API-Version": "2026-10",
    }
    response = await client.post(f"/webhooks/shopify/{shop.id}", data=body, headers=headers)
    return await answer_of(response)


async def test_shopify_test_notification_is_acknowledged_recorded_and_never_an_order(
    client: TestClient[Any, Any], api: Api, shop: Shop, db: Database, settings: Settings
) -> None:
    body = raw("shopify", SAMPLE)
    assert json.loads(body)["test"] is True and json.loads(body)["name"] == "#9999"

    answer = await post_test_notification(client, shop, body, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert answer == {**NO_ORDER, "ignored": "test"}
    again = await post_test_notification(client, shop, body, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert again == {**NO_ORDER, "duplicate": True, "ignored": "test"}
    # the button pressed again, on another topic we do not take: still a test
    other = await post_test_notification(
        client, shop, body, "0c9f4f8e-test-products", topic="products/create"
    )
    assert other == {**NO_ORDER, "ignored": "test"}
    await client.app[EVENT_WORK].drain()

    assert await orders_of(api) == []
    raw_db = db.client[settings.mongodb_db]
    assert await raw_db["outbox"].count_documents({}) == 0
    assert await raw_db["customers"].count_documents({}) == 0
    record = await db.events.get("shopify", "webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert record is not None
    assert (record["state"], record["result"]) == (
        "done",
        {"test": True, "shop_id": shop.id, "topic": "orders/cancelled"},
    )
    assert "payload" not in record  # nothing for recovery to apply later
    metrics = await (await client.get("/metrics")).text()
    assert metric(metrics, "shopify", "test") == 3


async def test_a_badly_signed_test_notification_is_refused(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    body = raw("shopify", SAMPLE)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/cancelled",
        shopify.TEST_HEADER: "true",
        shopify.SIGNATURE_HEADER: shopify.sign("not the shop's secret", body),
    }
    response = await client.post(f"/webhooks/shopify/{shop.id}", data=body, headers=headers)
    assert response.status == 401
    assert await orders_of(api) == []


async def test_a_real_order_paid_through_a_test_gateway_is_still_an_order(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """Only the header marks Shopify's test notification; ``"test": true`` alone is a shop's own test order."""
    body = json.loads(raw("shopify", SAMPLE))
    body["id"] = 5937502486999
    response = await post_shopify(
        client, shop.id, json.dumps(body).encode(), secret=shop.webhook_secret, topic="orders/cancelled"
    )
    assert (await answer_of(response))["ignored"] is None
    await client.app[EVENT_WORK].drain()
    [order] = await orders_of(api)
    assert (order["external_id"], order["status"]) == ("shopify:5937502486999", "cancelled")
