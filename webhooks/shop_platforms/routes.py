"""``POST /webhooks/shopify/{shop_id}`` and ``POST /webhooks/woocommerce/{shop_id}``: shop platforms' orders.

Verify, parse, store, answer: find the shop, check the signature before reading anything else (the steps
every shop-platform webhook shares are ``deliveries``), parse and map with the platform's adapter
(``shopify`` and ``shopify_orders``, ``woocommerce``), record the event with ``ShopEvents.accept_event``
(one write), and answer 200 once it is stored. The event is applied after the
answer, by the ``EVENT_WORK`` queue's workers (``ShopEvents.apply_accepted``); what a crash or a full queue
leaves unapplied is applied by ``Recovery.recover_events`` (at start-up and periodically by the worker).

Every answer is a 200 in the generic webhook's shape with ``order_id`` and ``status`` null, since the order
is not known yet; ``duplicate`` says whether the delivery was seen before (applied or waiting to be), and
deliveries that touch no order (a Shopify test notification, a WooCommerce ping, a topic we do not take)
say why in ``ignored``. A Shopify test notification is recorded in the events store (its retry is a
duplicate) and logged without its sample's personal data, so the shop owner's test shows the webhook
works; it never becomes an order or a message. A
delivery that would move an order backwards (an older state sent later, with a newer timestamp) changes
nothing when it is applied: a platform retries any answer but a 2xx until it gives up on the webhook. Such
a delivery is recorded like any other, so its retry is answered as a duplicate. The processing outcomes
(``stale``, ``backwards``) are counted in the metrics when the event is applied.
"""

from __future__ import annotations

import logging

from aiohttp import web

from orders.model import OrderData, Shop
from orders.usecases import EventKind, PendingEvent, ShopEvents
from webhooks.api import schemas
from webhooks.carriers.trackers import Trackers
from webhooks.keys import CLOCK, DATABASE, EVENT_WORK, METRICS, SERVICE, SHOPS, TRACKERS
from webhooks.middleware import ApiError
from webhooks.ops.metrics import Metrics
from webhooks.providers.inbound import header_text
from webhooks.settings import Settings
from webhooks.shop_platforms import deliveries, shopify, shopify_orders, woocommerce

log = logging.getLogger(__name__)

_MAX_EVENT_ID = 200


def setup(app: web.Application, settings: Settings) -> None:
    """Register the Shopify and WooCommerce order webhooks."""
    app.router.add_post("/webhooks/shopify/{shop_id}", shopify_event)
    app.router.add_post("/webhooks/woocommerce/{shop_id}", woocommerce_event)


async def shopify_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await deliveries.read_signed(
        request, "shopify", shopify.signing_secret(shop), shopify.SIGNATURE_HEADER, shopify.signature_valid
    )
    topic = request.headers.get(shopify.TOPIC_HEADER, "").strip()
    test = shopify.is_test_delivery(request.headers.get(shopify.TEST_HEADER))
    if topic not in shopify.ORDER_TOPICS and not test:
        return _no_order(request, "shopify", "topic")
    event_id = shopify.delivery_id(
        header_text(request, shopify.EVENT_ID_HEADER),
        header_text(request, shopify.WEBHOOK_ID_HEADER),
        topic,
        body,
    )
    if len(event_id) > _MAX_EVENT_ID:
        deliveries.count(request, "shopify", "invalid")
        raise ApiError(400, "malformed", "the delivery's event or webhook id is too long")
    if test:
        return await _test_delivery(request, "shopify", shop, event_id, topic)
    order = deliveries.parse(request, "shopify", shopify_orders.ShopifyOrder, body)
    event = shopify_orders.to_event(topic, order, shop.default_country)
    return await _accept(request, "shopify", shop, event_id, event.kind, event.data)


async def woocommerce_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    if woocommerce.SIGNATURE_HEADER not in request.headers:
        # WooCommerce's ping, sent when a webhook is saved, carries no signature; it writes nothing.
        body = await request.read()
        if woocommerce.ping_webhook_id(body) is not None:
            return _no_order(request, "woocommerce", "ping")
    body = await deliveries.read_signed(
        request,
        "woocommerce",
        woocommerce.signing_secret(shop),
        woocommerce.SIGNATURE_HEADER,
        woocommerce.signature_valid,
    )
    topic = request.headers.get(woocommerce.TOPIC_HEADER, "").strip()
    if woocommerce.ping_webhook_id(body) is not None:
        return _no_order(request, "woocommerce", "ping")
    if topic not in woocommerce.ORDER_TOPICS:
        return _no_order(request, "woocommerce", "topic")
    order = deliveries.parse(request, "woocommerce", woocommerce.WooOrder, body)
    if (reason := woocommerce.skipped(order)) is not None:
        return _no_order(request, "woocommerce", reason)
    event = woocommerce.to_event(topic, order, shop.default_country)
    return await _accept(request, "woocommerce", shop, event.event_id, event.kind, event.data)


# -- shared steps -------------------------------------------------------------------------------------------


async def _accept(
    request: web.Request, source: str, shop: Shop, event_id: str, kind: EventKind, data: OrderData
) -> web.Response:
    """Store the event (one write), hand its processing to the event workers, answer."""
    deliveries.refuse_future(request, source, data)
    service = request.config_dict[SERVICE].shop_events
    pending = await service.accept_event(shop, source, event_id, kind, data, on_backwards="ignore")
    if pending is not None:
        metrics = request.config_dict[METRICS]
        # False when the queue is full or has no workers: recovery applies the event later
        trackers = request.config_dict[TRACKERS]
        request.config_dict[EVENT_WORK].submit(
            lambda: _process(service, metrics, trackers, shop, pending), shop.id
        )
    deliveries.count(request, source, "duplicate" if pending is None else "accepted")
    return deliveries.answer(schemas.WebhookAccepted(duplicate=pending is None))


async def _process(
    service: ShopEvents, metrics: Metrics, trackers: Trackers, shop: Shop, pending: PendingEvent
) -> None:
    """Apply a stored event once the answer is gone; what it ignored is counted (no request to count on)."""
    source = pending.source
    outcome = await service.apply_accepted(shop, pending)
    if outcome is not None:
        await trackers.register(shop, outcome.order)
    if outcome is None or outcome.ignored is None:
        return
    if outcome.ignored == "backwards":
        log.info(
            "%s delivery for shop %s would move order %s backwards; ignored",
            source,
            shop.id,
            outcome.order.id,
        )
    metrics.webhooks.labels(source, outcome.ignored).inc()


async def _test_delivery(
    request: web.Request, source: str, shop: Shop, event_id: str, topic: str
) -> web.Response:
    """Acknowledge and record a platform's test delivery; its body (a sample order) is not read."""
    events, now = request.config_dict[DATABASE].events, request.config_dict[CLOCK]()
    earlier = await events.claim(source, event_id, now)  # no payload: recovery has nothing to apply
    if earlier is None:
        await events.complete(source, event_id, {"test": True, "shop_id": shop.id, "topic": topic[:100]}, now)
        log.info("%s test delivery for shop %s: acknowledged, no order touched", source, shop.id)
    deliveries.count(request, source, "test")
    return deliveries.answer(schemas.WebhookAccepted(duplicate=earlier is not None, ignored="test"))


def _no_order(request: web.Request, source: str, reason: str) -> web.Response:
    deliveries.count(request, source, reason)
    return deliveries.answer(schemas.WebhookAccepted(ignored=reason))
