"""Shopify order webhooks: a delivery's signature, topic, dedupe key and test mark. Pure: no I/O.

Shopify signs the raw body: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of it, keyed with the shop's
Shopify secret (an app's client secret, or the key shown under Settings > Notifications > Webhooks); a shop
without one uses its own ``webhook_secret``. ``X-Shopify-Topic`` names the topic. ``X-Shopify-Event-Id`` is the
same on every delivery of one event (Shopify's documented dedupe key); ``X-Shopify-Webhook-Id`` names the
delivery and stands in where the event id is missing. ``X-Shopify-Test: true`` marks a test delivery: the
admin's "Send test notification" posts Shopify's sample order (#9999, cancelled, a stranger's email) that
way, signed like any other. It is acknowledged and never read as an order. A real order placed through a
test payment gateway says ``"test": true`` in its body only; it is an order of the shop and is taken.

The topics taken are ``orders/create``, ``orders/updated``, ``orders/paid``, ``orders/fulfilled`` and
``orders/cancelled``; any other topic is acknowledged and ignored. The order a delivery carries is read and
mapped onto ours by ``webhooks.shop_platforms.shopify_orders``.
"""

from __future__ import annotations

import hashlib

from orders.model import Shop
from webhooks.shop_platforms.platform_orders import sign, signature_valid

__all__ = [
    "CREATE_TOPIC",
    "EVENT_ID_HEADER",
    "ORDER_TOPICS",
    "SIGNATURE_HEADER",
    "TEST_HEADER",
    "TOPIC_HEADER",
    "WEBHOOK_ID_HEADER",
    "delivery_id",
    "is_test_delivery",
    "sign",
    "signature_valid",
    "signing_secret",
]

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
TEST_HEADER = "X-Shopify-Test"
CREATE_TOPIC = "orders/create"
ORDER_TOPICS = frozenset(
    {CREATE_TOPIC, "orders/updated", "orders/paid", "orders/fulfilled", "orders/cancelled"}
)


def signing_secret(shop: Shop) -> str:
    """The key a shop's Shopify deliveries are signed with: its Shopify secret, else its webhook secret."""
    return shop.shopify_secret or shop.webhook_secret


def delivery_id(event_id: str | None, webhook_id: str | None, topic: str, body: bytes) -> str:
    """The dedupe key of a delivery: its event id, else its webhook id, else a hash of topic and body."""
    if event_id and event_id.strip():
        return f"event:{event_id.strip()}"
    if webhook_id and webhook_id.strip():
        return f"webhook:{webhook_id.strip()}"
    return "body:" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()


def is_test_delivery(test_header: str | None) -> bool:
    """Whether ``X-Shopify-Test`` marks the delivery as Shopify's test notification."""
    return test_header is not None and test_header.strip().lower() == "true"
