"""``GET /api/v1/alerts``: every staff alert, as it happened, for the desk; ``POST .../seen`` marks one seen.

Alerts reach the desk whether or not they reached anyone on Telegram or by email (``orders.store.desk_alerts``);
each says where else it went.
"""

from __future__ import annotations

from aiohttp import web

from orders.usecases.desk_alerts import alert_page, mark_seen
from webhooks.api.routes import SHOP, routes
from webhooks.api.schemas.live import AlertListOut, AlertOut, AlertsQuery
from webhooks.keys import CLOCK, PRINCIPAL, SERVICE
from webhooks.middleware import ApiError


@routes.get("/alerts", "Staff alerts, newest first", role="staff", query=AlertsQuery, response=AlertListOut,
            errors=(400,))  # fmt: skip
async def list_alerts(request: web.Request) -> web.Response:
    """Every alert raised for staff (a person asked for, a cancel or change request, a complaint, a failed
    notification, the attention scan), whether or not it reached anyone on Telegram or by email:
    `delivery` says where else it went. `unseen=true` leaves out those marked seen; pass `next_cursor` as
    `cursor` for older ones.
    """
    query = AlertsQuery.model_validate(dict(request.query))
    try:
        found, following = await alert_page(
            request.config_dict[SERVICE].db, request[SHOP].id, cursor=query.cursor, limit=query.limit,
            unseen=query.unseen,
        )  # fmt: skip
    except ValueError:
        raise ApiError(400, "malformed", "the cursor is not one this API gave out") from None
    alerts = [AlertOut.of(alert, entry) for alert, entry in found]
    return _json(AlertListOut(alerts=alerts, next_cursor=following))


@routes.post("/alerts/{alert_id}/seen", "Mark an alert seen", role="staff", response=AlertOut)
async def alert_seen(request: web.Request) -> web.Response:
    """The first person to mark it keeps the mark (`seen_by`, `seen_at`); every open desk hears of it."""
    alert, entry = await mark_seen(
        request.config_dict[SERVICE].db, request[SHOP].id, request.match_info["alert_id"],
        by=request[PRINCIPAL].subject, now=request.config_dict[CLOCK](),
    )  # fmt: skip
    return _json(AlertOut.of(alert, entry))


def _json(model: AlertListOut | AlertOut) -> web.Response:
    return web.Response(body=model.model_dump_json(), content_type="application/json")
