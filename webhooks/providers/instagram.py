"""``GET|POST /webhooks/instagram``: Meta's subscription check and its signed messaging webhooks.

The POST checks ``X-Hub-Signature-256`` over the raw body before anything else, stores each customer
message once (the inbox dedupes on the ``mid``), records read receipts on outbound messages, and answers
200 once that is stored. Deliveries for an Instagram account no shop owns are logged and skipped, still with
200: Meta disables a webhook that keeps failing.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from aiohttp import web
from pydantic import SecretStr

from channels.base import DeliveryUpdate, InboundMessage
from channels.instagram import SIGNATURE_HEADER
from orders.model import DeliveryState, Shop
from webhooks.keys import CLOCK, DATABASE, DELIVERY_LISTENER, INBOX, INSTAGRAM, METRICS, SETTINGS, SHOPS
from webhooks.middleware import ApiError
from webhooks.providers.inbound import webhook_request

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one delivery changed: the body of the 200 answer (Meta ignores it; people debugging do not)."""

    stored: int = 0
    duplicates: int = 0
    updates: int = 0
    skipped: int = 0


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def add_routes(app: web.Application) -> None:
    """Register the Instagram routes; the adapter they use is the composition root's (``INSTAGRAM``)."""
    app.router.add_get("/webhooks/instagram", subscription_check)
    app.router.add_post("/webhooks/instagram", receive)


async def subscription_check(request: web.Request) -> web.Response:
    """Meta's verification request: echo ``hub.challenge`` for ``subscribe`` with our verify token."""
    token = _secret(request.config_dict[SETTINGS].instagram_verify_token)
    if not token:
        raise ApiError(403, "not_configured", "Instagram webhooks are not configured")
    given = request.query.get("hub.verify_token", "")
    if request.query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        given.encode(), token.encode()
    ):
        raise ApiError(403, "forbidden", "wrong hub.mode or hub.verify_token")
    challenge = request.query.get("hub.challenge")
    if not challenge:
        raise ApiError(400, "malformed", "hub.challenge is missing")
    return web.Response(text=challenge, content_type="text/plain")


async def receive(request: web.Request) -> web.Response:
    channel = request.config_dict[INSTAGRAM]
    counter = request.config_dict[METRICS].webhooks
    if not channel.configured:
        raise ApiError(403, "not_configured", "Instagram webhooks are not configured")
    delivery = await webhook_request(request, request.config_dict[SETTINGS])
    if not channel.verify(delivery):
        counter.labels("instagram", "rejected").inc()
        raise ApiError(401, "bad_signature", f"missing or wrong {SIGNATURE_HEADER}")
    try:
        events = channel.parse(delivery)
    except ValueError as exc:
        counter.labels("instagram", "invalid").inc()
        raise ApiError(400, "malformed", str(exc)) from None
    outcome = await _store(request, events)
    for name, count in asdict(outcome).items():
        if count:
            counter.labels("instagram", name).inc(count)
    return web.json_response(asdict(outcome))


async def _store(request: web.Request, events: Sequence[InboundMessage | DeliveryUpdate]) -> Outcome:
    db, inbox, clock = request.config_dict[DATABASE], request.config_dict[INBOX], request.config_dict[CLOCK]
    shops: dict[str, Shop | None] = {}
    outcome = Outcome()
    for event in events:
        if isinstance(event, DeliveryUpdate):
            state = DeliveryState(event.state)
            updated = await db.messages.record_delivery(
                event.channel.value, event.provider_id, state, clock()
            )
            if updated is not None and updated.state == state:
                outcome.updates += 1
                await request.config_dict[DELIVERY_LISTENER].on_delivery(updated)
            continue
        if event.recipient not in shops:
            shops[event.recipient] = await request.config_dict[SHOPS].by_address(
                "instagram_id", event.recipient
            )
        shop = shops[event.recipient]
        if shop is None:
            log.warning("Instagram message for account %s, which no shop owns: skipped", event.recipient)
            outcome.skipped += 1
        elif await inbox.accept(shop, event) is None:
            outcome.duplicates += 1
        else:
            outcome.stored += 1
    return outcome
