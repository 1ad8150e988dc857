"""``POST /webhooks/orders/{shop_id}``: a shop's own order events, signed with its webhook secret."""

from __future__ import annotations

import hashlib

from aiohttp import web

from channels import signatures
from orders.model import Shop
from webhooks.api import schemas
from webhooks.keys import CLOCK, EVENT_WORK, METRICS, SERVICE, SHOPS, TRACKERS
from webhooks.middleware import ApiError, parse_json
from webhooks.providers.inbound import header_text, refuse_future

SIGNATURE_HEADER = "X-Orderbot-Signature"
EVENT_ID_HEADER = "X-Orderbot-Event-Id"


def sign(secret: str, body: bytes) -> str:
    """The signature header value a shop sends: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    return "sha256=" + signatures.hex_hmac_sha256(secret, body)


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant time; a non-ASCII header never is)."""
    return signatures.header_matches(sign(secret, body), header)


async def read_signed(request: web.Request, shop: Shop, secret: str, header: str, source: str) -> bytes:
    """The raw body, once its HMAC signature is checked; 401 (nothing read further) when it is wrong."""
    body = await request.read()
    if not signature_valid(secret, body, request.headers.get(header)):
        request.config_dict[METRICS].webhooks.labels(source, "rejected").inc()
        raise ApiError(401, "bad_signature", f"missing or wrong {header}")
    return body


async def order_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await read_signed(request, shop, shop.webhook_secret, SIGNATURE_HEADER, "orders")
    event_id = header_text(request, EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest()
    if len(event_id) > 200:
        raise ApiError(400, "malformed", f"{EVENT_ID_HEADER} is too long")
    try:
        payload = parse_json(schemas.OrderWebhook, body, {schemas.PHONE_REGION: shop.default_country})
    except ApiError:
        request.config_dict[METRICS].webhooks.labels("orders", "invalid").inc()
        raise
    data = payload.order.to_data(payload.order.id)
    try:
        refuse_future(data, request.config_dict[CLOCK](), "order.")
    except ApiError:
        request.config_dict[METRICS].webhooks.labels("orders", "invalid").inc()
        raise
    outcome = await request.config_dict[SERVICE].receive_event(shop, "orders", event_id, payload.kind, data)
    if not outcome.duplicate:
        trackers, order = request.config_dict[TRACKERS], outcome.order
        request.config_dict[EVENT_WORK].submit(lambda: trackers.register(shop, order), shop.id)
    result = "duplicate" if outcome.duplicate else outcome.ignored or "accepted"
    request.config_dict[METRICS].webhooks.labels("orders", result).inc()
    accepted = schemas.WebhookAccepted.of(outcome)
    return web.Response(body=accepted.model_dump_json(), content_type="application/json")
