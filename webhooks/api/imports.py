"""REST API v1: orders found by their number, and a shop's order history brought in.

Registered on the API's route table (``webhooks.api.routes.routes``); ``webhooks.app`` imports this module so the
routes exist before the API is built. Finding an order by number is order-desk work (``staff``). An import
writes up to 1,000 orders a call and can change the details of orders already here: it sets a shop up
rather than running it, so it needs ``admin``.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from orders.importing import RowResult, import_orders, summary
from orders.numbering import find_by_number
from webhooks.api import schemas
from webhooks.api.import_rows import ImportRowIn
from webhooks.api.routes import SHOP, routes
from webhooks.carriers.follow import follow_parcels
from webhooks.keys import DATABASE, SERVICE
from webhooks.middleware import ApiError, parse_json

#: Orders one import call takes; a larger history goes in several calls (or through ``orderbot import``).
MAX_IMPORT_ROWS = 1000


class ImportIn(schemas.Strict):
    orders: Annotated[list[ImportRowIn], Field(min_length=1, max_length=MAX_IMPORT_ROWS)]


class _Counted(BaseModel):
    model_config = ConfigDict(extra="allow")
    orders: list[Any] = Field(default_factory=list)


class ImportQuery(schemas.Strict):
    dry_run: bool = False


class ImportResultOut(BaseModel):
    row: int
    outcome: str
    order_id: str | None
    external_id: str | None
    number: str | None
    error: str | None

    @classmethod
    def of(cls, result: RowResult) -> ImportResultOut:
        return cls(
            row=result.row, outcome=result.outcome, order_id=result.order_id,
            external_id=result.external_id, number=result.number, error=result.error,
        )  # fmt: skip


class ImportOut(BaseModel):
    """A result per row, in the order sent (`row` is its index in `orders`), and the counts of each
    outcome: `created`, `updated`, `unchanged`, `invalid` (with `error` saying why; nothing of it
    written)."""

    dry_run: bool
    created: int
    updated: int
    unchanged: int
    invalid: int
    results: list[ImportResultOut]


@routes.get("/orders/by-number/{number}", "One order, by the number people know it by", role="staff",
            response=schemas.OrderOut)  # fmt: skip
async def order_by_number(request: web.Request) -> web.Response:
    """Numbers are unique in a shop: creating an order with a number already used answers 409
    `duplicate_number`. 404 when no order of the token's shop has the number."""
    number = request.match_info["number"].strip()
    if not number:
        raise ApiError(404, "not_found", "no order has an empty number")
    order = await find_by_number(request.config_dict[DATABASE], request[SHOP].id, number)
    return _json(schemas.OrderOut.of(order))


@routes.post("/orders/import", "Bring in orders with their history, telling no one", role="admin",
             body=ImportIn, query=ImportQuery, response=ImportOut)  # fmt: skip
async def import_history(request: web.Request) -> web.Response:
    """Creates or updates up to 1,000 orders by `external_id` (else `number`), each lifecycle time on the
    timeline at that time, from source `import`. No customer or staff member is notified. 413 for more
    than 1,000 orders; 422 when a row does not fit the format (nothing is imported then); a row that fits
    but contradicts itself or uses another order's number is `invalid` in the results, and the others go
    in. `dry_run=true` says what would happen and writes nothing."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    dry_run = ImportQuery.model_validate(dict(request.query)).dry_run
    raw = await request.read()
    if len(parse_json(_Counted, raw).orders) > MAX_IMPORT_ROWS:
        raise ApiError(413, "too_many_rows", f"at most {MAX_IMPORT_ROWS} orders a call")
    body = parse_json(ImportIn, raw, {schemas.PHONE_REGION: request[SHOP].default_country})
    rows = [row.pending(index) for index, row in enumerate(body.orders)]
    results = await import_orders(request.config_dict[SERVICE], request[SHOP], rows, dry_run=dry_run)
    changed = [r.order_id for r in results if r.order_id and r.outcome in ("created", "updated")]
    if changed and not dry_run:  # parcels still on their way are followed like any other order's
        found = await request.config_dict[DATABASE].orders.get_many(request[SHOP].id, changed)
        follow_parcels(request.config_dict, request[SHOP], found.values())
    counts = summary(results)
    out = ImportOut(dry_run=dry_run, results=[ImportResultOut.of(result) for result in results], **counts)
    return _json(out)


def _json(model: BaseModel) -> web.Response:
    return web.Response(body=model.model_dump_json(), content_type="application/json")
