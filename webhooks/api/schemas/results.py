"""What the API and the webhooks answer besides orders: decisions, bulk results, stats, the shop, errors."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from orders import satisfaction
from orders.lifecycle import Status
from orders.usecases import BulkResult, EventOutcome, Stats
from webhooks.access.auth import Role
from webhooks.api.schemas.orders_out import OrderOut
from webhooks.api.shop_settings import ShopSettings


class DecisionOut(BaseModel):
    should_progress: bool
    next_status: Status | None
    reason: str
    confidence: float
    source: str


class AutoProgressOut(BaseModel):
    decision: DecisionOut
    applied: bool
    order: OrderOut


class BulkItemOut(BaseModel):
    order_id: str
    number: str | None = Field(description="the order's number; null for an id the shop does not know")
    ok: bool = Field(description="whether the action was applied")
    outcome: Literal["applied", "not_applied", "failed"] = Field(
        description="not_applied: the rules said not yet (auto_progress), which is no failure"
    )
    error: str | None = None


class BulkOut(BaseModel):
    succeeded: int
    not_applied: int
    failed: int
    results: list[BulkItemOut]

    @classmethod
    def of(cls, results: list[BulkResult]) -> BulkOut:
        items = [
            BulkItemOut(order_id=r.order_id, number=r.number, ok=r.ok, outcome=r.outcome, error=r.error)
            for r in results
        ]
        count = Counter(r.outcome for r in results)
        return cls(succeeded=count["applied"], not_applied=count["not_applied"], failed=count["failed"],
                   results=items)  # fmt: skip


class NotificationAccepted(BaseModel):
    notification_id: str


class FollowupAccepted(BaseModel):
    notification_id: str
    due_at: datetime


class NotificationStatsOut(BaseModel):
    sent: int
    delivered: int
    failed: int
    delivery_rate: float | None


class SatisfactionFiguresOut(BaseModel):
    """Satisfaction requests asked and answered, the average score, the share of 4s and 5s, and the share
    of requests answered."""

    asked: int
    answered: int
    average: float | None
    satisfied_share: float | None
    response_rate: float | None

    @classmethod
    def of(cls, figures: satisfaction.Figures) -> SatisfactionFiguresOut:
        return cls(**dataclasses.asdict(figures))


class SatisfactionStatsOut(SatisfactionFiguresOut):
    """In all, and per channel the requests went on (``email`` answers come by the links)."""

    by_channel: dict[str, SatisfactionFiguresOut]


class StatsOut(BaseModel):
    total: int
    by_status: dict[str, int]
    notifications: NotificationStatsOut
    auto_progression_rate: float | None
    avg_hours_to_ship: float | None
    satisfaction: SatisfactionStatsOut

    @classmethod
    def of(cls, stats: Stats) -> StatsOut:
        return cls(
            total=stats.total,
            by_status=stats.by_status,
            notifications=NotificationStatsOut(
                sent=stats.sent,
                delivered=stats.delivered,
                failed=stats.failed,
                delivery_rate=stats.delivery_rate,
            ),
            auto_progression_rate=stats.auto_progression_rate,
            avg_hours_to_ship=stats.avg_hours_to_ship,
            satisfaction=SatisfactionStatsOut(
                **dataclasses.asdict(stats.satisfaction.overall),
                by_channel={
                    channel: SatisfactionFiguresOut.of(figures)
                    for channel, figures in stats.satisfaction.by_channel.items()
                },
            ),
        )


class ShopOut(BaseModel):
    """The token's shop and the token's own role; its settings (secrets masked) for an admin token only."""

    shop_id: str
    name: str
    timezone: str
    role: Role = Field(description="the role of the token that asked: what it may use (`x-required-role`)")
    settings: ShopSettings | None = Field(
        None, description="every setting (`PATCH /shop` changes them); only for an admin token"
    )


class RevisionOut(BaseModel):
    """A number that moves whenever the shop's orders or notifications change (also the ETag)."""

    revision: int


class WebhookAccepted(BaseModel):
    """A webhook's 200 answer; ``order_id`` and ``status`` are None for a delivery that touched no order."""

    order_id: str | None = None
    status: Status | None = None
    duplicate: bool = False
    ignored: str | None = None

    @classmethod
    def of(cls, outcome: EventOutcome) -> WebhookAccepted:
        order = outcome.order
        return cls(
            order_id=order.id, status=order.status, duplicate=outcome.duplicate, ignored=outcome.ignored
        )


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
