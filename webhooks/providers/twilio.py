"""``POST /webhooks/twilio/messages`` and ``POST /webhooks/twilio/status``: SMS and WhatsApp through Twilio.

Both check ``X-Twilio-Signature`` (over ``ORDERBOT_PUBLIC_URL`` + path, so it holds behind a proxy) before
anything is parsed or stored. An incoming message is stored once per ``MessageSid`` and answered with
empty TwiML at once; the reply, if any, goes out later through the outbox. A status callback moves the
outbound message's delivery state forward, never back.
"""

from __future__ import annotations

import logging

from aiohttp import web

from channels.base import ChannelName, DeliveryUpdate, InboundMessage
from channels.twilio import EMPTY_TWIML, mask
from orders.model import DeliveryState
from webhooks.keys import CLOCK, DATABASE, DELIVERY_LISTENER, INBOX, METRICS, SETTINGS, SHOPS, TWILIO
from webhooks.middleware import ApiError
from webhooks.providers.inbound import webhook_request

log = logging.getLogger(__name__)

MESSAGES_PATH = "/webhooks/twilio/messages"
STATUS_PATH = "/webhooks/twilio/status"


_ADDRESS_FIELDS = {ChannelName.SMS: "sms_number", ChannelName.WHATSAPP: "whatsapp_number"}


def add_routes(app: web.Application) -> None:
    """Register the Twilio routes; the channels they verify with are the composition root's (``TWILIO``)."""
    app.router.add_post(MESSAGES_PATH, inbound_message)
    app.router.add_post(STATUS_PATH, delivery_status)


def _outcome(request: web.Request, outcome: str) -> None:
    request.config_dict[METRICS].webhooks.labels("twilio", outcome).inc()


async def _read(request: web.Request) -> list[InboundMessage | DeliveryUpdate]:
    """What the request carries, once its signature holds: 403 (nothing parsed) when it does not, 400 when
    it is malformed."""
    twilio = request.config_dict.get(TWILIO)
    if twilio is None:
        _outcome(request, "rejected")
        raise ApiError(403, "not_configured", "Twilio is not configured on this server")
    hook = await webhook_request(request, request.config_dict[SETTINGS])
    try:
        items = twilio.read(hook)
    except ValueError as exc:
        _outcome(request, "invalid")
        raise ApiError(400, "malformed", str(exc)) from None
    if items is None:
        _outcome(request, "rejected")
        raise ApiError(403, "bad_signature", "missing or wrong X-Twilio-Signature")
    return items


async def inbound_message(request: web.Request) -> web.Response:
    items = await _read(request)
    if len(items) != 1 or not isinstance(items[0], InboundMessage):
        _outcome(request, "invalid")
        raise ApiError(400, "malformed", "not an incoming message")
    inbound = items[0]
    shop = await request.config_dict[SHOPS].by_address(_ADDRESS_FIELDS[inbound.channel], inbound.recipient)
    if shop is None:
        _outcome(request, "unknown_shop")
        log.info("%s message to %s, which no shop uses", inbound.channel, mask(inbound.recipient))
        raise ApiError(404, "not_found", f"no shop uses this {inbound.channel} number")
    stored = await request.config_dict[INBOX].accept(shop, inbound)
    _outcome(request, "accepted" if stored is not None else "duplicate")
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def delivery_status(request: web.Request) -> web.Response:
    items = await _read(request)
    updates = [item for item in items if isinstance(item, DeliveryUpdate)]
    if len(updates) != len(items):
        _outcome(request, "invalid")
        raise ApiError(400, "malformed", "not a status callback")
    db = request.config_dict[DATABASE]
    listener = request.config_dict[DELIVERY_LISTENER]
    now = request.config_dict[CLOCK]()
    for update in updates:
        message = await db.messages.record_delivery(
            update.channel.value, update.provider_id, DeliveryState(update.state), now, update.error_code
        )
        if message is None:
            log.info("status %s for unknown %s message %s", update.state, update.channel, update.provider_id)
        else:
            await listener.on_delivery(message)
    _outcome(request, "status")
    return web.Response(status=204)
