"""An order, its parts and timeline; what a source says about one; and a decision to move it on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from orders.lifecycle import DeliveryStage, Status
from orders.model.base import Domain, OrderId, ShopId, Source


class Customer(Domain):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    instagram_id: str | None = None


class Item(Domain):
    title: str
    quantity: int = 1
    price: Decimal = Decimal(0)


class Tracking(Domain):
    carrier: str | None = None
    number: str | None = None
    url: str | None = None
    stage: DeliveryStage | None = None
    #: When and where the carrier reported ``stage`` (its latest checkpoint): set from a tracking
    #: aggregator's webhook, so a report older than the one kept is known as stale.
    stage_at: datetime | None = None
    place: str | None = None
    #: The carrier's (or the aggregator's) latest estimate of the delivery.
    estimated_delivery: datetime | None = None
    #: When the aggregator sent ``estimated_delivery`` (its event time): orders revisions of the estimate,
    #: which come without a new checkpoint, so a revision delivered late is known as stale.
    estimated_at: datetime | None = None


class Place(Domain):
    """Where a parcel goes to or comes from, as coarse as delivery estimates need: no street, no name."""

    country: str | None = None
    region: str | None = None
    postal_code: str | None = None


class TimelineEvent(Domain):
    """One change on an order. ``status`` is the status after the event.

    ``kind`` is ``status`` for a move, ``delivery`` for carrier news on a shipped order that did not move
    (out for delivery, a problem), ``photo`` for a photo staff attached, or the outbox kind of a message
    staff queued.
    """

    kind: str = "status"
    status: Status
    from_status: Status | None = None
    at: datetime
    source: Source
    actor: str | None = None
    note: str | None = None
    reason: str | None = None
    confidence: float | None = None
    forced: bool = False
    #: A ``photo`` event's image: staff attached it to the order (``orders.model.Photo``).
    photo_id: str | None = None


class Satisfaction(Domain):
    """The one satisfaction request of a delivered order, from scheduled to answered (or skipped).

    ``channel`` is where it was asked; ``reason`` why it was skipped. ``score`` (1 to 5) and ``comment`` are
    the customer's answer.
    """

    state: Literal["scheduled", "asked", "answered", "skipped"]
    due_at: datetime
    channel: str | None = None
    asked_at: datetime | None = None
    reason: str | None = None
    score: int | None = Field(None, ge=1, le=5)
    comment: str | None = None
    answered_at: datetime | None = None


class Order(Domain):
    id: OrderId
    shop_id: ShopId
    external_id: str
    number: str
    status: Status
    status_since: datetime
    customer: Customer = Field(default_factory=Customer)
    items: list[Item] = Field(default_factory=list)
    total: Decimal = Decimal(0)
    currency: str = "USD"
    tracking: Tracking | None = None
    ship_to: Place | None = None
    ship_from: Place | None = None
    channel: str | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    source_updated_at: datetime | None = None
    #: When a message reached the customer (``record_contact``; senders record the first one); None: never.
    last_customer_contact_at: datetime | None = None
    flags: list[str] = Field(default_factory=list)
    version: int = 0
    #: Its satisfaction request once it was delivered; None: none was scheduled.
    satisfaction: Satisfaction | None = None


class Decision(Domain):
    """Whether an order should move on, and why."""

    should_progress: bool
    next_status: Status | None = None
    reason: str
    confidence: float = 1.0
    source: Source = Source.RULES


class OrderData(Domain):
    """What a source tells us about an order: a full snapshot of the fields it knows."""

    external_id: str
    number: str | None = None  # None: not sent; a new order then uses its external id
    status: Status | None = None
    customer: Customer | None = None
    items: list[Item] | None = None
    total: Decimal | None = None
    currency: str | None = None
    tracking: Tracking | None = None
    ship_to: Place | None = None
    ship_from: Place | None = None
    channel: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
