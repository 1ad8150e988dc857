"""The REST API's and the order webhook's wire shapes, and their mapping to and from the domain.

Request models forbid unknown fields (a typo must not pass silently); the shop webhook ignores extra
fields, since shops send what their systems have.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from channels import contacts
from orders.lifecycle import DeliveryStage, Status, next_status, progress
from orders.model import (
    Customer,
    Item,
    Order,
    OrderData,
    OutboxEntry,
    Place,
    TimelineEvent,
    Tracking,
    new_id,
)
from orders.rules import Reason
from orders.service import AttentionItem, BulkResult, EventOutcome, ProgressView, Stats
from webhooks.access.auth import Role
from webhooks.api.shop_settings import ShopSettings

ChannelName = Literal["whatsapp", "sms", "instagram", "email", "telegram", "console"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Where the request's shop reads phone numbers typed without a country code: pass
#: ``context={PHONE_REGION: shop.default_country}`` when validating a body that may carry them.
PHONE_REGION = "phone_region"


def typed_phone(value: str, info: ValidationInfo) -> str:
    """A phone number as people type it, read in the shop's default country, as E.164; 422 saying why."""
    region = (info.context or {}).get(PHONE_REGION)
    try:
        return contacts.textable_e164(value, region)
    except contacts.NotTextable as exc:
        raise PydanticCustomError("phone_number", str(exc)) from None


#: A customer's phone as typed ("(415) 555-0143", "+44 7911 123456"); stored as E.164.
TypedPhone = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(typed_phone)]


class CustomerIn(Strict):
    name: ShortText | None = None
    phone: TypedPhone | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = (
        None
    )
    instagram_id: ShortText | None = None


class ItemIn(Strict):
    title: ShortText
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    price: Money = Decimal(0)


class TrackingIn(Strict):
    carrier: ShortText | None = None
    number: ShortText | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)] | None = None
    #: The carrier's latest news; out_for_delivery, ready_for_pickup and delivery_problem on a shipped
    #: order notify the customer at once, even in their quiet hours.
    stage: DeliveryStage | None = None


class PlaceIn(Strict):
    """Where a parcel goes or comes from, no finer than a postal code."""

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    region: ShortText | None = None
    postal_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None
    ) = None


class OrderFields(BaseModel):
    number: ShortText | None = None
    status: Status | None = None
    customer: CustomerIn | None = None
    items: Annotated[list[ItemIn], Field(max_length=500)] | None = None
    total: Money | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    tracking: TrackingIn | None = None
    ship_to: PlaceIn | None = None
    ship_from: PlaceIn | None = None
    channel: ChannelName | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    def to_data(self, external_id: str) -> OrderData:
        return OrderData(
            external_id=external_id,
            number=self.number,
            status=self.status,
            customer=Customer(**self.customer.model_dump()) if self.customer else None,
            items=[Item(**item.model_dump()) for item in self.items] if self.items is not None else None,
            total=self.total,
            currency=self.currency,
            tracking=Tracking(**self.tracking.model_dump()) if self.tracking else None,
            ship_to=Place(**self.ship_to.model_dump()) if self.ship_to else None,
            ship_from=Place(**self.ship_from.model_dump()) if self.ship_from else None,
            channel=self.channel,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


class OrderCreate(OrderFields):
    model_config = ConfigDict(extra="forbid")
    external_id: ShortText | None = None

    def data(self) -> OrderData:
        return self.to_data(self.external_id or new_id("ext"))


class WebhookOrder(OrderFields):
    model_config = ConfigDict(extra="ignore")
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OrderWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event: Literal["order.created", "order.updated", "order.cancelled"]
    order: WebhookOrder

    @property
    def kind(self) -> Literal["created", "updated", "cancelled"]:
        return {"order.created": "created", "order.updated": "updated", "order.cancelled": "cancelled"}[
            self.event
        ]  # type: ignore[return-value]


class UpdateStatus(Strict):
    order_id: ShortText
    status: Status
    note: Text | None = None
    notify: bool = True
    force: bool = False
    version: Annotated[int, Field(ge=0)] | None = None


class Notify(Strict):
    order_id: ShortText
    message: Text | None = None
    channel: ChannelName | None = None


class ScheduleFollowup(Strict):
    #: ``one_time`` as JSON Schema, so the OpenAPI document says it too.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["delay_hours"], "properties": {"delay_hours": {"type": "number"}}},
                {"required": ["at"], "properties": {"at": {"type": "string"}}},
            ]
        }
    )
    order_id: ShortText
    delay_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None
    at: AwareDatetime | None = None
    message: Text | None = None
    channel: ChannelName | None = None

    @model_validator(mode="after")
    def one_time(self) -> Self:
        if (self.delay_hours is None) == (self.at is None):
            raise ValueError("give exactly one of delay_hours or at")
        return self


class BulkAction(Strict):
    #: ``status_for_update`` as JSON Schema, so the OpenAPI document says it too.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["action"], "properties": {"action": {"const": "update_status"}}},
            "then": {"required": ["status"], "properties": {"status": {"type": "string"}}},
        }
    )
    order_ids: Annotated[list[ShortText], Field(min_length=1, max_length=100)]
    action: Literal["auto_progress", "update_status", "notify"]
    status: Status | None = None
    message: Text | None = None

    @model_validator(mode="after")
    def status_for_update(self) -> Self:
        if self.action == "update_status" and self.status is None:
            raise ValueError("update_status needs a status")
        return self


class ListQuery(Strict):
    status: Status | None = None
    search: ShortText | None = None
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AttentionQuery(Strict):
    max_age_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None
    reason: Reason | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AutoProgressQuery(Strict):
    dry_run: bool = False


# -- responses -------------------------------------------------------------------------------------


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
    stage: DeliveryStage | None


class PlaceOut(BaseModel):
    country: str | None
    region: str | None
    postal_code: str | None


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

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineOut:
        return cls(**event.model_dump())


class NotificationOut(BaseModel):
    notification_id: str
    kind: str
    channel: str | None
    status: Status | None
    message: str | None
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


class StatsOut(BaseModel):
    total: int
    by_status: dict[str, int]
    notifications: NotificationStatsOut
    auto_progression_rate: float | None
    avg_hours_to_ship: float | None

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
