"""REST API v1: how the delivery dates told to customers fared, ``GET /api/v1/promises/report``.

Registered on the API's route table (``webhooks.api.routes.routes``) when this module is imported. Reading
the ledger is order-desk work (``staff``). The range is of promised days in the shop's time zone: a report
for November is about the dates that fell due in November, kept or broken.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from orders.promises import Figures, local_day
from webhooks.api.routes import SHOP, _json, _query, routes
from webhooks.api.schemas import Strict
from webhooks.keys import CLOCK, SERVICE
from webhooks.middleware import ApiError

#: The report's range when none is given, ending today; and the longest one asked for (a few years of
#: promises of one shop is what one answer should read).
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


class PromiseReportQuery(Strict):
    from_: Annotated[date | None, Field(alias="from")] = None
    to: date | None = None


class FiguresOut(BaseModel):
    promises: int
    kept: int
    broken: int
    open: int
    kept_share: float | None
    mean_promised_days: float | None

    @classmethod
    def of(cls, figures: Figures) -> FiguresOut:
        return cls(
            promises=figures.promises, kept=figures.kept, broken=figures.broken, open=figures.open,
            kept_share=figures.kept_share, mean_promised_days=figures.mean_promised_days,
        )  # fmt: skip


class LaneOut(FiguresOut):
    lane: str


class MonthOut(FiguresOut):
    month: str


class PromiseReportOut(FiguresOut):
    """Promises due from `from` to `to` (promised days, in the shop's time zone). `kept_share` and
    `mean_promised_days` (from the day told to the day promised) are of the settled ones (kept or broken);
    `open` ones are not delivered yet; a cancelled order's promises count nowhere. Null when none settled."""

    model_config = ConfigDict(serialize_by_alias=True)

    from_: Annotated[date, Field(serialization_alias="from")]
    to: date
    by_lane: list[LaneOut]
    by_month: list[MonthOut]


@routes.get("/promises/report", "How the delivery dates told to customers fared", role="staff",
            query=PromiseReportQuery, response=PromiseReportOut, errors=(422,))  # fmt: skip
async def promises_report(request: web.Request) -> web.Response:
    """Every date the service told a customer (a chat answer, a delay message), kept when the order was
    delivered on or before that day in the shop's time zone. `by_lane`: origin → destination (carrier);
    `by_month`: the month the promised day falls in. Without `from`/`to`: the last 90 days up to today."""
    query = _query(PromiseReportQuery, request)
    shop = request[SHOP]
    last = query.to or local_day(request.config_dict[CLOCK](), shop.timezone)
    first = query.from_ or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ApiError(422, "invalid_field", "`from` is after `to`", [{"field": "from"}])
    if (last - first).days >= MAX_DAYS:
        raise ApiError(422, "invalid_field", f"the range is longer than {MAX_DAYS} days", [{"field": "from"}])
    report = await request.config_dict[SERVICE].promises.report(shop, first, last)
    lanes = [LaneOut(lane=lane, **FiguresOut.of(f).model_dump()) for lane, f in report.by_lane.items()]
    months = [MonthOut(month=month, **FiguresOut.of(f).model_dump()) for month, f in report.by_month.items()]
    total = FiguresOut.of(report.total).model_dump()
    return _json(PromiseReportOut(**total, from_=first, to=last, by_lane=lanes, by_month=months))
