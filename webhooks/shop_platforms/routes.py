"""``POST /webhooks/shopify/{shop_id}`` and ``POST /webhooks/woocommerce/{shop_id}``: shop platforms' orders.

Verify, parse, store, answer: find the shop, check the signature before reading anything else, parse and
map with the platform's adapter (``webhooks.shop_platforms.shopify``, ``webhooks.shop_platforms.woocommerce``), record the event with
``OrderService.accept_event`` (one write), and answer 200 once it is stored. The event is applied after the
answer, by the ``EVENT_WORK`` queue's workers (``OrderService.process_event``); what a crash or a full queue
leaves unapplied is applied by ``OrderService.recover_events`` (at start-up and periodically by the worker).

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
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from orders.model import OrderData, Shop
from orders.service import EventKind, OrderService
from webhooks.api import schemas
from webhooks.carriers.trackers import Trackers
from webhooks.keys import CLOCK, DATABASE, EVENT_WORK, METRICS, SERVICE, SHOPS, TRACKERS
from webhooks.middleware import ApiError, parse_json
from webhooks.ops.metrics import Metrics
from webhooks.providers.inbound import header_text, refuse_future
from webhooks.settings import Settings
from webhooks.shop_platforms import shopify, woocommerce

log = logging.getLogger(__name__)

_MAX_EVENT_ID = 200

M = TypeVar("M", bound=BaseModel)
Verifier = Callable[[str, bytes, str | None], bool]


def setup(app: web.Application, settings: Settings) -> None:
    """Register the Shopify and WooCommerce order webhooks."""
    app.router.add_post("/webhooks/shopify/{shop_id}", shopify_event)
    app.router.add_post("/webhooks/woocommerce/{shop_id}", woocommerce_event)


async def shopify_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await _read_signed(
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
        _count(request, "shopify", "invalid")
        raise ApiError(400, "malformed", "the delivery's event or webhook id is too long")
    if test:
        return await _test_delivery(request, "shopify", shop, event_id, topic)
    order = _parse(request, "shopify", shopify.ShopifyOrder, body)
    event = shopify.to_event(topic, order, shop.default_country)
    return await _accept(request, "shopify", shop, event_id, event.kind, event.data)


async def woocommerce_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    if woocommerce.SIGNATURE_HEADER not in request.headers:
        # WooCommerce's ping, sent when a webhook is saved, carries no signature; it writes nothing.
        body = await request.read()
        if woocommerce.ping_webhook_id(body) is not None:
            return _no_order(request, "woocommerce", "ping")
    body = await _read_signed(
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
    order = _parse(request, "woocommerce", woocommerce.WooOrder, body)
    if (reason := woocommerce.skipped(order)) is not None:
        return _no_order(request, "woocommerce", reason)
    event = woocommerce.to_event(topic, order, shop.default_country)
    return await _accept(request, "woocommerce", shop, event.event_id, event.kind, event.data)


# -- shared steps -------------------------------------------------------------------------------------------


async def _read_signed(request: web.Request, source: str, secret: str, header: str, valid: Verifier) -> bytes:
    """The raw body, once its signature is checked; 401 (and nothing read further) when it is wrong."""
    body = await request.read()
    if not valid(secret, body, request.headers.get(header)):
        _count(request, source, "rejected")
        raise ApiError(401, "bad_signature", f"missing or wrong {header}")
    return body


def _parse(request: web.Request, source: str, model: type[M], body: bytes) -> M:
    try:
        return parse_json(model, body)
    except ApiError:
        _count(request, source, "invalid")
        raise


async def _accept(
    request: web.Request, source: str, shop: Shop, event_id: str, kind: EventKind, data: OrderData
) -> web.Response:
    """Store the event (one write), hand its processing to the event workers, answer."""
    config = request.config_dict  # read once: aiohttp builds it anew on every access
    metrics = config[METRICS]
    try:
        refuse_future(data, config[CLOCK]())
    except ApiError:
        _count_in(metrics, source, "invalid")
        raise
    service = config[SERVICE]
    new = await service.accept_event(shop, source, event_id, kind, data, on_backwards="ignore")
    if new:
        # False when the queue is full or has no workers: recovery applies the event later
        trackers = config[TRACKERS]
        config[EVENT_WORK].submit(
            lambda: _process(service, metrics, trackers, shop, source, event_id), shop.id
        )
    _count_in(metrics, source, "accepted" if new else "duplicate")
    return _answer(schemas.WebhookAccepted(duplicate=not new))


async def _process(
    service: OrderService, metrics: Metrics, trackers: Trackers, shop: Shop, source: str, event_id: str
) -> None:
    outcome = await service.process_event(shop, source, event_id)
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
    _count_in(metrics, source, outcome.ignored)


async def _test_delivery(
    request: web.Request, source: str, shop: Shop, event_id: str, topic: str
) -> web.Response:
    """Acknowledge and record a platform's test delivery; its body (a sample order) is not read."""
    config = request.config_dict
    events, now = config[DATABASE].events, config[CLOCK]()
    earlier = await events.claim(source, event_id, now)  # no payload: recovery has nothing to apply
    if earlier is None:
        await events.complete(source, event_id, {"test": True, "shop_id": shop.id, "topic": topic[:100]}, now)
        log.info("%s test delivery for shop %s: acknowledged, no order touched", source, shop.id)
    _count_in(config[METRICS], source, "test")
    return _answer(schemas.WebhookAccepted(duplicate=earlier is not None, ignored="test"))


def _no_order(request: web.Request, source: str, reason: str) -> web.Response:
    _count(request, source, reason)
    return _answer(schemas.WebhookAccepted(ignored=reason))


def _count(request: web.Request, source: str, outcome: str) -> None:
    _count_in(request.config_dict[METRICS], source, outcome)


def _count_in(metrics: Metrics, source: str, outcome: str) -> None:
    metrics.webhooks.labels(source, outcome).inc()


def _answer(body: BaseModel) -> web.Response:
    return web.Response(body=body.model_dump_json(), content_type="application/json")
