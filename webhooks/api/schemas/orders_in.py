"""An order as clients send it: created through the API, or described by a shop's order webhook."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from orders.lifecycle import DeliveryStage, Status
from orders.model import Customer, Item, OrderData, Place, Tracking, new_id
from webhooks.api.schemas.fields import ChannelName, Money, ShortText, Strict, TypedPhone


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
