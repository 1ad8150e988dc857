"""``POST /webhooks/aftership/{shop_id}`` and ``POST /webhooks/easypost/{shop_id}``: carriers' news in.

Verify, parse, store, answer, like the shop platforms' webhooks: find the shop, check the signature with
the shop's secret for that aggregator before reading anything else (401 when it is wrong or the shop has
none), parse the aggregator's body (``webhooks.carriers.aftership``, ``webhooks.carriers.easypost``), find
the order by its tracking number, and record the news with ``ShopEvents.accept_event`` as an update of
that order's tracking (dedupe on the aggregator's event id). It is applied after the answer by the event
workers, through the same path as a shop's shipment status: a new stage lands on the order's timeline
with its place and time, "delivered" moves a shipped order to fulfilled, urgent stages are told at once;
a report no newer than the one kept is stale, and nothing moves an order backwards.

A delivery that touches no order answers 200 with ``ignored`` and writes nothing: a tracking number no
order has (``unknown_tracking``), news without a stage we follow (``no_stage``: pending, info received,
expired), an event type we do not read (``event``: also an ``edd_revise`` without an estimate or a time).
AfterShip's ``edd_revise`` changes only the order's ``tracking.estimated_delivery``: no stage, no
timeline entry, no message; one no newer than the estimate kept is stale. A 200, not an error, because both aggregators retry
any other answer (AfterShip up to 14 times over about 68 hours) and a retry cannot make a tracking number
known: trackers are registered only for numbers orders already have.
"""

from __future__ import annotations

import logging

from aiohttp import web
from pydantic import ValidationError

from orders.model import OrderData, Shop
from orders.usecases import PendingEvent, ShopEvents
from webhooks.api import schemas
from webhooks.carriers import aftership, easypost
from webhooks.carriers.reports import CarrierReport
from webhooks.keys import CLOCK, DATABASE, EVENT_WORK, METRICS, SERVICE, SHOPS
from webhooks.middleware import ApiError
from webhooks.ops.metrics import Metrics
from webhooks.providers.inbound import MAX_CLOCK_SKEW
from webhooks.shop_platforms import deliveries

log = logging.getLogger(__name__)


def add_routes(app: web.Application) -> None:
    """Register the aggregators' webhooks; the client that registers trackers is the composition root's."""
    app.router.add_post("/webhooks/aftership/{shop_id}", aftership_event)
    app.router.add_post("/webhooks/easypost/{shop_id}", easypost_event)


async def aftership_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await deliveries.read_signed(
        request,
        "aftership",
        shop.aftership_webhook_secret,
        aftership.SIGNATURE_HEADER,
        aftership.signature_valid,
    )
    webhook = deliveries.parse(request, "aftership", aftership.AfterShipWebhook, body)
    report = aftership.to_report(webhook)
    if report is None:
        return _no_order(request, "aftership", "event")
    return await _take(request, "aftership", shop, report)


async def easypost_event(request: web.Request) -> web.Response:
    shop = await request.config_dict[SHOPS].get(request.match_info["shop_id"])
    body = await deliveries.read_signed(
        request, "easypost", shop.easypost_webhook_secret, easypost.SIGNATURE_HEADER, easypost.signature_valid
    )
    event = deliveries.parse(request, "easypost", easypost.EasyPostEvent, body)
    try:
        tracker = easypost.tracker_of(event)
    except ValidationError as exc:
        deliveries.count(request, "easypost", "invalid")
        raise ApiError(422, "invalid_field", "the event's result is not a tracker") from exc
    if tracker is None:
        return _no_order(request, "easypost", "event")
    return await _take(request, "easypost", shop, easypost.to_report(event, tracker))


async def _take(request: web.Request, source: str, shop: Shop, report: CarrierReport) -> web.Response:
    """Record the report as an update of its order's tracking, hand it to the event workers, answer."""
    config = request.config_dict
    if report.stage is None and not report.revises_estimate:
        return _no_order(request, source, "no_stage")
    for field, time in (("checkpoint time", report.at), ("event time", report.estimated_at)):
        if time is not None and time > config[CLOCK]() + MAX_CLOCK_SKEW:
            # a report from the future would make every real one after it stale
            deliveries.count(request, source, "invalid")
            detail = {"field": field, "message": "is more than a day ahead of the server's clock"}
            raise ApiError(422, "invalid_field", "some fields are invalid", [detail])
    order = await config[DATABASE].orders.find_tracking(shop.id, report.tracking_number)
    if order is None:
        return _no_order(request, source, "unknown_tracking")
    data = OrderData(external_id=order.external_id, tracking=report.tracking(order.tracking))
    service, metrics = config[SERVICE].shop_events, config[METRICS]
    pending = await service.accept_event(
        shop, source, report.event_id, "updated", data, on_backwards="ignore", read=(order,)
    )
    if pending is not None:
        config[EVENT_WORK].submit(lambda: _process(service, metrics, shop, pending), shop.id)
    deliveries.count(request, source, "duplicate" if pending is None else "accepted")
    return deliveries.answer(schemas.WebhookAccepted(order_id=order.id, duplicate=pending is None))


async def _process(service: ShopEvents, metrics: Metrics, shop: Shop, pending: PendingEvent) -> None:
    outcome = await service.apply_accepted(shop, pending)
    if outcome is not None and outcome.ignored is not None:
        metrics.webhooks.labels(pending.source, outcome.ignored).inc()


def _no_order(request: web.Request, source: str, reason: str) -> web.Response:
    deliveries.count(request, source, reason)
    return deliveries.answer(schemas.WebhookAccepted(ignored=reason))
