"""``POST /webhooks/orders/{shop_id}``: a shop's own order events, signed with its webhook secret."""

from __future__ import annotations

import hashlib

from aiohttp import web

from channels import signatures
from webhooks.api import schemas
from webhooks.carriers.follow import follow_parcel
from webhooks.keys import SERVICE, SHOPS
from webhooks.middleware import ApiError
from webhooks.providers.inbound import header_text
from webhooks.shop_platforms import deliveries

SIGNATURE_HEADER = "X-Orderbot-Signature"
EVENT_ID_HEADER = "X-Orderbot-Event-Id"


def sign(secret: str, body: bytes) -> str:
    """The signature header value a shop sends: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    return "sha256=" + signatures.hex_hmac_sha256(secret, body)


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant time; a non-ASCII header never is)."""
    return signatures.header_matches(sign(secret, body), header)


async def order_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await deliveries.read_signed(
        request, "orders", shop.webhook_secret, SIGNATURE_HEADER, signature_valid
    )
    event_id = header_text(request, EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest()
    if len(event_id) > 200:
        raise ApiError(400, "malformed", f"{EVENT_ID_HEADER} is too long")
    context = {schemas.PHONE_REGION: shop.default_country}
    payload = deliveries.parse(request, "orders", schemas.OrderWebhook, body, context)
    data = payload.order.to_data(payload.order.id)
    deliveries.refuse_future(request, "orders", data, "order.")
    outcome = await request.config_dict[SERVICE].shop_events.receive_event(
        shop, "orders", event_id, payload.kind, data
    )
    if not outcome.duplicate:
        follow_parcel(request, shop, outcome.order)
    result = "duplicate" if outcome.duplicate else outcome.ignored or "accepted"
    deliveries.count(request, "orders", result)
    return deliveries.answer(schemas.WebhookAccepted.of(outcome))
