"""``POST /webhooks/orders/{shop_id}``: a shop's own order events, signed with its webhook secret.

Verify, parse, decide, record, answer: the answer names the order and the status the event leaves it in,
and refuses a move backwards or a number another order holds (409, nothing written), as decided from the
order as it is read (``ShopEvents.accept_answered``). The event is recorded in one write; a new order is
stored before the answer (``Accepted.creates``), a change to a stored order is applied after it by the
``EVENT_WORK`` queue's workers, fair between shops. What a crash or a full queue leaves unapplied is
applied by ``Recovery.recover_events``.
"""

from __future__ import annotations

import hashlib

from aiohttp import web

from channels import signatures
from orders.model import Shop
from orders.usecases import PendingEvent, ShopEvents
from webhooks.api import schemas
from webhooks.carriers.trackers import Trackers
from webhooks.keys import EVENT_WORK, SERVICE, SHOPS, TRACKERS
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
    service = request.config_dict[SERVICE].shop_events
    accepted = await service.accept_answered(shop, "orders", event_id, payload.kind, data)
    if (pending := accepted.pending) is not None:
        trackers = request.config_dict[TRACKERS]
        if accepted.creates:
            await _apply(service, trackers, shop, pending)
        else:
            # False when the queue is full or has no workers: recovery applies the event later
            request.config_dict[EVENT_WORK].submit(lambda: _apply(service, trackers, shop, pending), shop.id)
    outcome = accepted.outcome
    result = "duplicate" if outcome.duplicate else outcome.ignored or "accepted"
    deliveries.count(request, "orders", result)
    return deliveries.answer(schemas.WebhookAccepted.of(outcome))


async def _apply(service: ShopEvents, trackers: Trackers, shop: Shop, pending: PendingEvent) -> None:
    """Apply an answered event, then have the aggregators follow its parcel (once it has a number)."""
    outcome = await service.apply_accepted(shop, pending)
    if outcome is not None:
        await trackers.register(shop, outcome.order)
