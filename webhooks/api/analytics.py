"""REST API v1: the analytics page's figures, ``GET /api/v1/analytics``.

Registered on the API's route table (``webhooks.api.routes.routes``) when this module is imported. Order-desk
work (``staff``), of the token's shop only. Read from the per-day counters (``orders.store.analytics``): one
query of at most 366 documents, whatever the number of orders.
"""

from __future__ import annotations

from aiohttp import web

from orders.analytics import BUCKETS
from orders.usecases import InvalidRange
from webhooks.api.routes import SHOP, _json, routes
from webhooks.api.schemas.analytics import AnalyticsOut, AnalyticsQuery
from webhooks.keys import SERVICE
from webhooks.middleware import ApiError


@routes.get("/analytics", "The shop's figures per local day, for the analytics page", role="staff",
            query=AnalyticsQuery, response=AnalyticsOut, errors=(400,))  # fmt: skip
async def analytics(request: web.Request) -> web.Response:
    """`from`/`to` are the shop's local days (`timezone`), both included; without them the last 30 days up
    to today. At most 366 days; a bad date, `from` after `to` or a longer range answer 400 `invalid_range`.
    Per-day series have one value per entry of `days`; `notifications` and `satisfaction` are sums over the
    range per channel (always `whatsapp`, `sms`, `instagram`, `email`, and any other channel used). Staff
    alerts are not notifications here."""
    use = request.config_dict[SERVICE].analytics
    shop = request[SHOP]
    unknown = sorted(set(request.query) - {"from", "to"})
    if unknown:
        raise ApiError(400, "invalid_range", f"unknown parameter `{unknown[0]}`; use `from` and `to`")
    try:
        first, last = use.range(shop, request.query.get("from"), request.query.get("to"))
    except InvalidRange as exc:
        raise ApiError(400, "invalid_range", str(exc)) from None
    return _json(AnalyticsOut.of(await use.report(shop, first, last), list(BUCKETS)))
