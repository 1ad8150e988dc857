"""``POST /webhooks/twilio/messages`` and ``POST /webhooks/twilio/status``: SMS and WhatsApp through Twilio.

Both check ``X-Twilio-Signature`` (over ``ORDERBOT_PUBLIC_URL`` + path, so it holds behind a proxy) before
anything is parsed or stored. An incoming message is stored once per ``MessageSid`` and answered with
empty TwiML at once; the reply, if any, goes out later through the outbox. A status callback moves the
outbound message's delivery state forward, never back.
"""

from __future__ import annotations

import logging

from aiohttp import ChainMapProxy, web

from channels.base import ChannelName, DeliveryUpdate, InboundMessage, WebhookRequest
from channels.twilio import EMPTY_TWIML, TwilioChannels, mask
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


def _outcome(config: ChainMapProxy, outcome: str) -> None:
    config[METRICS].webhooks.labels("twilio", outcome).inc()


async def _verified(request: web.Request, config: ChainMapProxy) -> tuple[TwilioChannels, WebhookRequest]:
    """The channels and the request, once its signature holds; 403 (nothing parsed) otherwise."""
    twilio = config.get(TWILIO)
    if twilio is None:
        _outcome(config, "rejected")
        raise ApiError(403, "not_configured", "Twilio is not configured on this server")
    hook = await webhook_request(request, config[SETTINGS])
    if not twilio.verify(hook):
        _outcome(config, "rejected")
        raise ApiError(403, "bad_signature", "missing or wrong X-Twilio-Signature")
    return twilio, hook


def _parsed(
    config: ChainMapProxy, twilio: TwilioChannels, hook: WebhookRequest
) -> list[InboundMessage | DeliveryUpdate]:
    try:
        return twilio.parse(hook)
    except ValueError as exc:
        _outcome(config, "invalid")
        raise ApiError(400, "malformed", str(exc)) from None


async def inbound_message(request: web.Request) -> web.Response:
    config = request.config_dict  # read once: aiohttp builds it anew on every access
    twilio, hook = await _verified(request, config)
    items = _parsed(config, twilio, hook)
    if len(items) != 1 or not isinstance(items[0], InboundMessage):
        _outcome(config, "invalid")
        raise ApiError(400, "malformed", "not an incoming message")
    inbound = items[0]
    shop = await config[SHOPS].by_address(_ADDRESS_FIELDS[inbound.channel], inbound.recipient)
    if shop is None:
        _outcome(config, "unknown_shop")
        log.info("%s message to %s, which no shop uses", inbound.channel, mask(inbound.recipient))
        raise ApiError(404, "not_found", f"no shop uses this {inbound.channel} number")
    stored = await config[INBOX].accept(shop, inbound)
    _outcome(config, "accepted" if stored is not None else "duplicate")
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def delivery_status(request: web.Request) -> web.Response:
    config = request.config_dict
    twilio, hook = await _verified(request, config)
    items = _parsed(config, twilio, hook)
    updates = [item for item in items if isinstance(item, DeliveryUpdate)]
    if len(updates) != len(items):
        _outcome(config, "invalid")
        raise ApiError(400, "malformed", "not a status callback")
    db = config[DATABASE]
    listener = config[DELIVERY_LISTENER]
    now = config[CLOCK]()
    for update in updates:
        message = await db.messages.record_delivery(
            update.channel.value, update.provider_id, DeliveryState(update.state), now, update.error_code
        )
        if message is None:
            log.info("status %s for unknown %s message %s", update.state, update.channel, update.provider_id)
        else:
            await listener.on_delivery(message)
    _outcome(config, "status")
    return web.Response(status=204)
