"""``GET /api/v1/orders/{order_id}/eta``: when an order will arrive, from the shop's own deliveries.

Registered on the API's route table (``webhooks.api.routes.routes``) like the other order reads, for the
order desk (``staff``). The dates come from ``orders.eta``; ``as_of`` asks them as they would have been
given at that moment, from the deliveries made before it only.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from orders.eta import TooLittleHistory
from webhooks.api.routes import SHOP, routes
from webhooks.api.schemas import Strict
from webhooks.keys import SERVICE
from webhooks.middleware import ApiError


class EtaQuery(Strict):
    as_of: AwareDatetime | None = Field(
        None, description="ISO-8601 time with its offset; the dates as they would have been given then"
    )


class EtaBasis(BaseModel):
    lane: str | None = Field(
        description="the deliveries the dates rest on: `BR-SP → BR-RJ (carrier)`, `BR-SP → BR-RJ`, "
        "`* → BR-RJ`, `BR-SP → *` or `shop`"
    )
    samples: int = Field(description="how many past deliveries of that lane were read")
    needed: int | None = Field(None, description="with no dates: how many deliveries a date needs")


class EtaOut(BaseModel):
    """`likely` and `arrives_by` are the end of a day in the shop's time zone; both are `null` when the
    shop has delivered too few orders to learn a date from (`basis.needed`)."""

    order_id: str
    likely: datetime | None
    arrives_by: datetime | None
    level: float = Field(description="the share of orders that arrive by `arrives_by`")
    basis: EtaBasis


@routes.get("/orders/{order_id}/eta", "When an order will arrive: a likely date and an arrives-by date",
            role="staff", query=EtaQuery, response=EtaOut, errors=(400,))  # fmt: skip
async def order_eta(request: web.Request) -> web.Response:
    """From the shop's orders delivered before `as_of` (default: now), on the order's lane (origin region
    to destination region), widening to broader lanes when it has too few; at the shop's promise level.
    A bad `as_of` answers 400."""
    try:
        query = EtaQuery.model_validate(dict(request.query))
    except ValidationError:
        raise ApiError(
            400, "malformed", "as_of must be an ISO-8601 time with its offset, such as 2026-12-07T12:00:00Z"
        ) from None
    shop, service = request[SHOP], request.config_dict[SERVICE]
    order = await service.queries.get(shop, request.match_info["order_id"])
    answer = await service.estimates.for_order(shop, order, query.as_of)
    if isinstance(answer, TooLittleHistory):
        basis = EtaBasis(lane=None, samples=answer.samples, needed=answer.needed)
        out = EtaOut(
            order_id=order.id, likely=None, arrives_by=None, level=shop.rules.promise_level, basis=basis
        )
    else:
        basis = EtaBasis(lane=answer.lane, samples=answer.samples)
        out = EtaOut(
            order_id=order.id,
            likely=answer.likely,
            arrives_by=answer.arrives_by,
            level=answer.level,
            basis=basis,
        )
    return web.Response(body=out.model_dump_json(), content_type="application/json")
