"""REST API v1: bearer-token routes over the order service.

Thin handlers: authenticate, parse, call the service, render. A token only ever reaches its own shop's
data, because every lookup goes through ``principal.shop_id``; another shop's ids answer 404.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from orders.model import Shop, Source
from orders.store import NotFound
from webhooks.access.abuse import charge_bulk, charge_token
from webhooks.access.auth import AuthError, Principal, Role, bearer_token, verify_token
from webhooks.api import schemas
from webhooks.api.operations import ApiRoutes, Header
from webhooks.api.shop_settings import ShopSettings
from webhooks.carriers.follow import follow_parcel, follow_parcels
from webhooks.keys import CLOCK, DATABASE, PRINCIPAL, SECRET_KEYS, SERVICE, SHOPS
from webhooks.live.tickets import STREAM_PATH, verify_ticket
from webhooks.middleware import ApiError, parse_json

M = TypeVar("M", bound=BaseModel)

SHOP = web.RequestKey("shop", Shop)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A valid, unrevoked token of an existing shop, charged against its rate, or 401/429.

    The revocation lookup is a database read on every request: it runs while the token's rate is charged
    and its shop is found, and the handler starts only once the token is known not to be revoked, so
    nothing is read or written for a revoked token.
    """
    principal = _credentials(request)
    revoked = asyncio.ensure_future(request.config_dict[DATABASE].revocations.is_revoked(principal.token_id))
    try:
        await charge_token(request, principal)
        request[PRINCIPAL] = principal
        try:
            request[SHOP] = await request.config_dict[SHOPS].get(principal.shop_id)
        except NotFound:
            raise AuthError("the token's shop does not exist") from None
        if await revoked:
            raise AuthError("token revoked")
    finally:
        revoked.cancel()  # a no-op once it is done; an early refusal does not leave it running
        revoked.add_done_callback(_retrieved)
    return await handler(request)


def _credentials(request: web.Request) -> Principal:
    """The bearer token's principal; the event stream also takes a stream ticket (``webhooks.live.tickets``),
    as a browser's EventSource cannot send the header."""
    header = request.headers.get("Authorization")
    if header is None and request.path == STREAM_PATH and (ticket := request.query.get("ticket")):
        return verify_ticket(request.config_dict[SECRET_KEYS], ticket)
    return verify_token(request.config_dict[SECRET_KEYS], bearer_token(header))


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Mark a lookup whose answer is not used as seen, so a failure in it is not reported as lost."""
    if not task.cancelled():
        task.exception()


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(body=model.model_dump_json(), status=status, content_type="application/json")


def _query(model: type[M], request: web.Request) -> M:
    return model.model_validate(dict(request.query))


async def _body(model: type[M], request: web.Request) -> M:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    return parse_json(model, await request.read(), {schemas.PHONE_REGION: request[SHOP].default_country})


def _actor(request: web.Request) -> str:
    return request[PRINCIPAL].subject


IDEMPOTENCY = Header(
    "Idempotency-Key",
    "makes a retry answer the first call's notification instead of queueing another",
    schemas.IdempotencyKey,
)

#: Registering a route here also describes it in the OpenAPI document (``webhooks/api/operations.py``).
routes = ApiRoutes()


@routes.get("/orders", "List orders, newest first", role="staff", query=schemas.ListQuery,
            response=schemas.OrderListOut, errors=(400,))  # fmt: skip
async def list_orders(request: web.Request) -> web.Response:
    """`search` matches the number, a name prefix, the email, the phone or its last 4 digits; pass
    `next_cursor` as `cursor` for the next page.
    """
    query = _query(schemas.ListQuery, request)
    try:
        orders, cursor = await request.config_dict[SERVICE].queries.list_orders(
            request[SHOP], status=query.status, search=query.search, cursor=query.cursor, limit=query.limit
        )
    except ValueError:
        raise ApiError(400, "malformed", "the cursor is not one this API gave out") from None
    return _json(schemas.OrderListOut(orders=[schemas.OrderOut.of(o) for o in orders], next_cursor=cursor))


@routes.post("/orders", "Create an order", role="staff", body=schemas.OrderCreate, response=schemas.OrderOut,
             status=201, errors=(409,))  # fmt: skip
async def create_order(request: web.Request) -> web.Response:
    """The customer is told of the new order. 409 when `external_id` is already taken."""
    body = await _body(schemas.OrderCreate, request)
    order = await request.config_dict[SERVICE].desk.create_order(request[SHOP], body.data(), _actor(request))
    follow_parcel(request, request[SHOP], order)
    return _json(schemas.OrderOut.of(order), status=201)


@routes.get("/orders/requiring-attention", "Orders that need a person", role="staff",
            query=schemas.AttentionQuery, response=schemas.AttentionOut)  # fmt: skip
async def requiring_attention(request: web.Request) -> web.Response:
    """Reasons: `pending_too_long` (48 h), `stuck_processing` (72 h), `stuck_shipped` (10 days),
    `no_customer_contact`, `notification_failed`, `customer_waiting`, `delivery_problem` (a shipped order
    whose carrier reports a failed attempt, an exception or a return); `max_age_hours` replaces the
    per-status thresholds.
    """
    query = _query(schemas.AttentionQuery, request)
    items = await request.config_dict[SERVICE].attention.requiring_attention(
        request[SHOP], max_age_hours=query.max_age_hours, reason=query.reason, limit=query.limit
    )
    return _json(
        schemas.AttentionOut(count=len(items), orders=[schemas.AttentionOrderOut.of(i) for i in items])
    )


@routes.get("/orders/stats", "The shop's order and notification figures", role="staff",
            response=schemas.StatsOut)  # fmt: skip
async def stats(request: web.Request) -> web.Response:
    return _json(schemas.StatsOut.of(await request.config_dict[SERVICE].queries.stats(request[SHOP])))


@routes.post("/orders/update-status", "Change an order's status", role="staff", body=schemas.UpdateStatus,
             response=schemas.OrderOut, errors=(404, 409))  # fmt: skip
async def update_status(request: web.Request) -> web.Response:
    """Backwards only with `force`; with `version` it is a compare-and-set (409 when the order changed since).
    `notify` tells the customer.
    """
    body = await _body(schemas.UpdateStatus, request)
    order = await request.config_dict[SERVICE].desk.update_status(
        request[SHOP], body.order_id, body.status, source=Source.API, actor=_actor(request), note=body.note,
        notify=body.notify, force=body.force, expected_version=body.version,
    )  # fmt: skip
    follow_parcel(request, request[SHOP], order)  # again: a registration that failed is tried with each move
    return _json(schemas.OrderOut.of(order))


@routes.post("/orders/bulk-action", "Run one action on up to 100 orders", role="staff",
             body=schemas.BulkAction, response=schemas.BulkOut)  # fmt: skip
async def bulk_action(request: web.Request) -> web.Response:
    """Each order succeeds or fails on its own: the answer has a result per order, in the order given. It
    counts as one request per order against the token's rate.
    """
    body = await _body(schemas.BulkAction, request)
    await charge_bulk(request, request[PRINCIPAL], len(set(body.order_ids)))
    results = await request.config_dict[SERVICE].bulk.run(
        request[SHOP],
        body.order_ids,
        body.action,
        actor=_actor(request),
        status=body.status,
        message=body.message,
    )
    follow_parcels(request.config_dict, request[SHOP], (r.order for r in results if r.order is not None))
    return _json(schemas.BulkOut.of(results))


@routes.post("/orders/notify", "Queue a notification to the order's customer", role="staff",
             body=schemas.Notify, response=schemas.NotificationAccepted, status=202, errors=(404,), headers=(IDEMPOTENCY,))  # fmt: skip
async def notify(request: web.Request) -> web.Response:
    """Sent by the worker on the customer's last channel (or `channel`). A `message` is a person's own words
    to the customer: it answers them, clearing `customer_waiting` as an answer does; without one, the
    standard status message answers no one. An `Idempotency-Key` makes a retry answer the same notification.
    """
    body = await _body(schemas.Notify, request)
    service = request.config_dict[SERVICE]
    entry = await service.desk.notify(
        request[SHOP], body.order_id, message=body.message, channel=body.channel, actor=_actor(request),
        idempotency_key=IDEMPOTENCY.read(request),
    )  # fmt: skip
    if body.message is not None:
        await service.answers.answered_on_order(request[SHOP], body.order_id)
    return _json(schemas.NotificationAccepted(notification_id=entry.id), status=202)


@routes.post("/orders/schedule-followup", "Schedule a follow-up message", role="staff",
             body=schemas.ScheduleFollowup, response=schemas.FollowupAccepted, status=202, errors=(404,), headers=(IDEMPOTENCY,))  # fmt: skip
async def schedule_followup(request: web.Request) -> web.Response:
    """Exactly one of `delay_hours` or `at` (in the future)."""
    body = await _body(schemas.ScheduleFollowup, request)
    now = request.config_dict[CLOCK]()
    due_at = body.at if body.at is not None else now + timedelta(hours=body.delay_hours or 0)
    if due_at <= now:
        raise ApiError(422, "invalid_field", "the follow-up time must be in the future", [{"field": "at"}])
    entry = await request.config_dict[SERVICE].desk.notify(
        request[SHOP], body.order_id, message=body.message, channel=body.channel, actor=_actor(request),
        due_at=due_at, idempotency_key=IDEMPOTENCY.read(request),
    )  # fmt: skip
    return _json(schemas.FollowupAccepted(notification_id=entry.id, due_at=entry.due_at), status=202)


@routes.get("/shop", "The token's shop", role="staff", response=schemas.ShopOut)
async def get_shop(request: web.Request) -> web.Response:
    """An admin token also gets every setting of the shop (`settings`), secrets masked."""
    return shop_response(request[SHOP], request[PRINCIPAL].role)


def shop_response(shop: Shop, role: Role) -> web.Response:
    """The shop as ``GET``/``PATCH /shop`` answer it: ``settings`` only for an admin, absent otherwise."""
    settings = ShopSettings.of(shop) if role == "admin" else None
    answer = schemas.ShopOut(
        shop_id=shop.id, name=shop.name, timezone=shop.timezone, role=role, settings=settings
    )
    body = answer.model_dump_json(exclude={"settings"} if settings is None else None)
    return web.Response(body=body, content_type="application/json")


@routes.get("/shop/revision", "A number that moves when the shop's orders change", role="staff",
            response=schemas.RevisionOut, headers=(Header("If-None-Match", "the ETag of an earlier answer"),), empty={304: "Nothing changed since that ETag"})  # fmt: skip
async def shop_revision(request: web.Request) -> web.Response:
    """One read by id: a page polls this and reloads only when the ETag moved (304 otherwise)."""
    revision = await request.config_dict[SERVICE].queries.revision(request[SHOP])
    etag = f'"{revision}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    response = _json(schemas.RevisionOut(revision=revision))
    response.headers.update(headers)
    return response


@routes.get("/orders/{order_id}", "One order", role="staff", response=schemas.OrderOut)
async def get_order(request: web.Request) -> web.Response:
    order = await request.config_dict[SERVICE].queries.get(request[SHOP], request.match_info["order_id"])
    return _json(schemas.OrderOut.of(order))


@routes.get("/orders/{order_id}/progress", "An order's progress, timeline and notifications", role="staff",
            response=schemas.ProgressOut)  # fmt: skip
async def order_progress(request: web.Request) -> web.Response:
    view = await request.config_dict[SERVICE].queries.progress(request[SHOP], request.match_info["order_id"])
    return _json(schemas.ProgressOut.of(view))


@routes.post("/orders/{order_id}/auto-progress", "Let the rules move an order on (or only say what they would do)",
             role="staff", query=schemas.AutoProgressQuery, response=schemas.AutoProgressOut, errors=(409,))  # fmt: skip
async def auto_progress(request: web.Request) -> web.Response:
    """The rules (and Gemini, when configured) decide; `dry_run=true` only says what they would do."""
    query = _query(schemas.AutoProgressQuery, request)
    result = await request.config_dict[SERVICE].progression.auto_progress(
        request[SHOP], request.match_info["order_id"], dry_run=query.dry_run, actor=_actor(request)
    )
    decision = schemas.DecisionOut(**result.decision.model_dump())
    return _json(
        schemas.AutoProgressOut(
            decision=decision, applied=result.applied, order=schemas.OrderOut.of(result.order)
        )
    )
