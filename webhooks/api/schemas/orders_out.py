"""An order as the API shows it: its fields, timeline, notifications, progress, and the attention queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from orders.lifecycle import DeliveryStage, Status, next_status, progress
from orders.model import Order, OutboxEntry, TimelineEvent
from orders.rules import Reason
from orders.usecases import AttentionItem, ProgressView


class CustomerOut(BaseModel):
    name: str | None
    phone: str | None
    email: str | None
    instagram_id: str | None


class ItemOut(BaseModel):
    title: str
    quantity: int
    price: str


class TrackingOut(BaseModel):
    carrier: str | None
    number: str | None
    url: str | None
    stage: DeliveryStage | None = Field(description="where the carrier last said the parcel is")
    stage_at: datetime | None = Field(description="when the carrier reported `stage` (its newest checkpoint)")
    place: str | None = Field(description="where the carrier reported `stage`, as it names the place")
    estimated_delivery: datetime | None = Field(description="the carrier's or aggregator's latest estimate")


class PlaceOut(BaseModel):
    country: str | None
    region: str | None
    postal_code: str | None


class SatisfactionOut(BaseModel):
    state: Literal["scheduled", "asked", "answered", "skipped"] = Field(
        description="scheduled after delivery, asked (sent), answered, or skipped (`reason` says why)"
    )
    due_at: datetime
    channel: str | None
    asked_at: datetime | None
    reason: str | None
    score: int | None = Field(description="the customer's score, 1 (poor) to 5 (great)")
    comment: str | None
    answered_at: datetime | None


class OrderOut(BaseModel):
    order_id: str
    external_id: str
    number: str
    status: Status
    status_since: datetime
    progress: int
    next_status: Status | None
    customer: CustomerOut
    items: list[ItemOut]
    total: str
    currency: str
    tracking: TrackingOut | None
    ship_to: PlaceOut | None = None
    ship_from: PlaceOut | None = None
    channel: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    satisfaction: SatisfactionOut | None = None

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls(
            order_id=order.id,
            external_id=order.external_id,
            number=order.number,
            status=order.status,
            status_since=order.status_since,
            progress=progress(order.status),
            next_status=next_status(order.status),
            customer=CustomerOut(**order.customer.model_dump()),
            items=[ItemOut(title=i.title, quantity=i.quantity, price=str(i.price)) for i in order.items],
            total=str(order.total),
            currency=order.currency,
            tracking=TrackingOut(**order.tracking.model_dump()) if order.tracking else None,
            ship_to=PlaceOut(**order.ship_to.model_dump()) if order.ship_to else None,
            ship_from=PlaceOut(**order.ship_from.model_dump()) if order.ship_from else None,
            channel=order.channel,
            created_at=order.created_at,
            updated_at=order.updated_at,
            version=order.version,
            satisfaction=SatisfactionOut(**order.satisfaction.model_dump()) if order.satisfaction else None,
        )


class TimelineOut(BaseModel):
    kind: str
    status: Status
    from_status: Status | None
    at: datetime
    source: str
    actor: str | None
    note: str | None
    reason: str | None
    confidence: float | None
    forced: bool
    photo_id: str | None = Field(
        None, description="a `photo` event's image: `GET /api/v1/orders/{order_id}/photos/{photo_id}`"
    )

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineOut:
        return cls(**event.model_dump())


class NotificationOut(BaseModel):
    notification_id: str
    kind: str
    channel: str | None
    status: Status | None
    message: str | None
    photo_id: str | None = Field(None, description="a photo update's photo")
    state: str
    due_at: datetime
    attempts: int
    actor: str | None
    error: str | None
    created_at: datetime
    ai_written: bool = Field(False, description="the text sent was worded by the AI, not the template")
    ai_text: str | None = Field(None, description="the AI's text, as sent")

    @classmethod
    def of(cls, entry: OutboxEntry) -> NotificationOut:
        fields = entry.model_dump(include=set(cls.model_fields) - {"notification_id", "ai_written"})
        return cls(notification_id=entry.id, ai_written=entry.ai_text is not None, **fields)


class ProgressOut(BaseModel):
    order_id: str
    number: str
    status: Status
    progress: int
    next_status: Status | None
    timeline: list[TimelineOut]
    notifications: list[NotificationOut]

    @classmethod
    def of(cls, view: ProgressView) -> ProgressOut:
        return cls(
            order_id=view.order.id,
            number=view.order.number,
            status=view.order.status,
            progress=view.progress,
            next_status=view.next_status,
            timeline=[TimelineOut.of(event) for event in view.order.timeline],
            notifications=[NotificationOut.of(entry) for entry in view.notifications],
        )


class AttentionOrderOut(BaseModel):
    order_id: str
    number: str
    status: Status
    age_hours: float
    reasons: list[Reason]
    customer: CustomerOut
    total: str
    currency: str

    @classmethod
    def of(cls, item: AttentionItem) -> AttentionOrderOut:
        order = item.order
        return cls(
            order_id=order.id,
            number=order.number,
            status=order.status,
            age_hours=item.age_hours,
            reasons=item.reasons,
            customer=CustomerOut(**order.customer.model_dump()),
            total=str(order.total),
            currency=order.currency,
        )


class AttentionOut(BaseModel):
    count: int
    orders: list[AttentionOrderOut]


class OrderListOut(BaseModel):
    orders: list[OrderOut]
    next_cursor: str | None
