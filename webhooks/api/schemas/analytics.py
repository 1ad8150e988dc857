"""``GET /api/v1/analytics``: the range it takes and the figures it answers (``orders.analytics_report``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from orders.analytics_report import Report
from webhooks.api.schemas.fields import Strict


class AnalyticsQuery(Strict):
    """Local days of the shop, both inclusive; read by hand so that a bad date is a 400 ``invalid_range``."""

    from_: Annotated[
        str | None, Field(alias="from", description="first day, `YYYY-MM-DD`; default: 29 days before `to`")
    ] = None
    to: Annotated[
        str | None, Field(description="last day, `YYYY-MM-DD`; default: today in the shop's zone")
    ] = None


class DistributionOut(BaseModel):
    buckets: list[str] = Field(description="whole days since the order was created")
    counts: list[int]
    mean: float | None = Field(description="mean whole days; null when nothing was counted")


class PromisesOut(BaseModel):
    kept: list[int] = Field(description="per day: promises settled kept that day")
    broken: list[int]
    kept_share: float | None


class ChannelNotificationsOut(BaseModel):
    sent: int
    delivered: int
    failed: int
    delivery_rate: float | None = Field(description="delivered / sent; null when none was sent")


class ChannelSatisfactionOut(BaseModel):
    asked: int
    answered: int
    score_sum: int
    satisfied: int = Field(description="answers of 4 or 5")
    average: float | None
    response_rate: float | None = Field(description="answered / asked; null when none was asked")


class AutomaticMovesOut(BaseModel):
    rules: list[int]
    ai: list[int]
    carrier: list[int]


class AnalyticsOut(BaseModel):
    """Per local day of the range (`days`) or summed over it; every key present, zero-filled."""

    model_config = ConfigDict(serialize_by_alias=True)

    from_: Annotated[date, Field(serialization_alias="from")]
    to: date
    timezone: str
    days: list[str]
    orders_by_status: dict[str, list[int]] = Field(description="per status: orders that entered it each day")
    new_orders: list[int]
    handover_days: DistributionOut = Field(description="created to first shipped, on the day it shipped")
    delivery_days: DistributionOut = Field(description="created to delivered, on the day it was delivered")
    promises: PromisesOut
    notifications: dict[str, ChannelNotificationsOut]
    satisfaction: dict[str, ChannelSatisfactionOut]
    automatic_moves: AutomaticMovesOut
    messages_by_hour: list[int] = Field(description="24 counts: inbound customer messages by local hour")
    intents: dict[str, int] = Field(description="what inbound messages asked about, most asked first")

    @classmethod
    def of(cls, report: Report, buckets: list[str]) -> AnalyticsOut:
        return cls(
            from_=report.first,
            to=report.last,
            timezone=report.timezone,
            days=report.days,
            orders_by_status=report.orders_by_status,
            new_orders=report.new_orders,
            handover_days=DistributionOut(buckets=buckets, **dataclasses.asdict(report.handover_days)),
            delivery_days=DistributionOut(buckets=buckets, **dataclasses.asdict(report.delivery_days)),
            promises=PromisesOut(
                kept=report.promises_kept, broken=report.promises_broken, kept_share=report.kept_share
            ),
            notifications={
                channel: ChannelNotificationsOut(**dataclasses.asdict(figures))
                for channel, figures in report.notifications.items()
            },
            satisfaction={
                channel: ChannelSatisfactionOut(**dataclasses.asdict(figures))
                for channel, figures in report.satisfaction.items()
            },
            automatic_moves=AutomaticMovesOut(**report.automatic_moves),
            messages_by_hour=report.messages_by_hour,
            intents=report.intents,
        )


__all__ = ["AnalyticsOut", "AnalyticsQuery"]
