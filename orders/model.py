"""The domain's data: shops, orders, their timeline, and outbox entries.

These models are the domain's own shape. The store maps them to documents and the web layer to its
schemas; neither leaks driver or HTTP types in here.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, NewType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orders.correlation import current_request_id
from orders.lifecycle import URGENT_STAGES, DeliveryStage, Status

ShopId = NewType("ShopId", str)
OrderId = NewType("OrderId", str)
NotificationId = NewType("NotificationId", str)


def new_id(prefix: str) -> str:
    """A short random id with a readable prefix (``ord_3f9c...``)."""
    return f"{prefix}_{secrets.token_hex(10)}"


class Source(StrEnum):
    """Who caused a change on an order."""

    WEBHOOK = "webhook"
    STAFF = "staff"
    API = "api"
    RULES = "rules"
    AI = "ai"
    IMPORT = "import"


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Thresholds(Domain):
    """Per-shop attention and progression rules; the defaults are DESIGN.md's."""

    pending_too_long_hours: float = 48
    stuck_processing_hours: float = 72
    stuck_shipped_hours: float = 240
    no_contact_hours: float = 24
    auto_process_after_hours: float = 24
    confidence_threshold: float = 0.8
    auto_progress: bool = False


class EmailSettings(Domain):
    """The shop's own SMTP server for customer email."""

    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    from_address: str
    reply_to: str | None = None
    unsubscribe_url: str | None = None


class NotifyPolicy(Domain):
    """How a shop's notifications go out: WhatsApp templates, quiet hours, debounce and send rates."""

    #: Approved WhatsApp templates (Twilio Content SIDs) by order status or urgent delivery stage (which wins
    #: over ``shipped``), plus ``nudge``: "an update is ready, reply to see it", sent when the full message
    #: must wait for the customer to reopen the window.
    whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    #: Quiet hours in the customer's local time (``HH:MM``); equal start and end turn them off.
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    #: Hold status updates this long so that a quick run of changes sends one message (0: off).
    debounce_seconds: float = Field(0, ge=0, le=3600)
    #: Messages per second per sending address, by channel, over the notifier's defaults.
    rates: dict[str, float] = Field(default_factory=dict)
    #: How long a message parked behind a WhatsApp nudge waits for a reply before it goes by SMS or email.
    nudge_wait_hours: float = Field(24, gt=0, le=24 * 30)

    @field_validator("whatsapp_templates")
    @classmethod
    def content_sids(cls, value: dict[str, str]) -> dict[str, str]:
        known = {status.value for status in Status} | {stage.value for stage in URGENT_STAGES} | {"nudge"}
        for key, sid in value.items():
            if key not in known:
                stages = ", ".join(sorted(URGENT_STAGES))
                raise ValueError(
                    f"a template is for an order status or 'nudge', or one of {stages}, not {key!r}"
                )
            if not _CONTENT_SID.fullmatch(sid):
                raise ValueError(f"{sid!r} is not a Twilio Content SID (HX and 32 hex digits)")
        return value

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.fullmatch(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM")
        return value

    @field_validator("rates")
    @classmethod
    def positive_rates(cls, value: dict[str, float]) -> dict[str, float]:
        if any(rate <= 0 for rate in value.values()):
            raise ValueError("send rates are messages per second, above 0")
        return value


_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
_CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class Shop(Domain):
    id: ShopId
    name: str
    timezone: str = "UTC"
    webhook_secret: str
    shopify_secret: str | None = None
    woocommerce_secret: str | None = None
    #: The shop's tracking aggregators: the key their webhooks are signed with, and the API key trackers are
    #: registered with. Sealed in the store like the other secrets.
    aftership_webhook_secret: str | None = None
    aftership_api_key: str | None = None
    easypost_webhook_secret: str | None = None
    easypost_api_key: str | None = None
    sms_number: str | None = None
    whatsapp_number: str | None = None
    instagram_id: str | None = None
    staff_telegram_ids: list[int] = Field(default_factory=list)
    #: Where staff are reached by email (alerts); kept as given, checked at the edges.
    staff_emails: list[str] = Field(default_factory=list)
    #: The country a phone number typed without its country code is read in (ISO 3166 alpha-2).
    default_country: str = "US"
    #: The languages the shop writes to customers in, first the default (ISO 639-1, optionally a region).
    languages: list[str] = Field(default_factory=lambda: ["en"])
    tone: Literal["friendly", "formal"] = "friendly"
    signature: str | None = None
    email: EmailSettings | None = None
    rules: Thresholds = Field(default_factory=Thresholds)
    notify: NotifyPolicy = Field(default_factory=NotifyPolicy)
    #: Messages to this shop's customers go to the built-in simulator (the console channel), never to a
    #: provider: the demo shop, whose desk then shows every text the service would send, as delivered.
    simulator: bool = False
    #: The shop's own message texts by ``kind/status/style/language`` (``bot.message_texts``), checked when set.
    message_texts: dict[str, str] = Field(default_factory=dict)
    created_at: datetime

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


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


class Place(Domain):
    """Where a parcel goes to or comes from, as coarse as delivery estimates need: no street, no name."""

    country: str | None = None
    region: str | None = None
    postal_code: str | None = None


class TimelineEvent(Domain):
    """One change on an order. ``status`` is the status after the event.

    ``kind`` is ``status`` for a move, ``delivery`` for carrier news on a shipped order that did not move
    (out for delivery, a problem), or the outbox kind of a message staff queued.
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


class OutboxKind(StrEnum):
    REPLY = "reply"
    STATUS_UPDATE = "status_update"
    FOLLOW_UP = "follow_up"
    MANUAL = "manual"
    STAFF_ALERT = "staff_alert"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SKIPPED = "skipped"
    DEAD = "dead"
    REVIEW = "review"
    PARKED = "parked"


class OutboxEntry(Domain):
    """A message to send; the notifier delivers it, this records that it must be."""

    id: NotificationId
    shop_id: ShopId
    order_id: OrderId | None = None
    customer_id: str | None = None
    recipient: str | None = None
    kind: OutboxKind
    channel: str | None = None
    status: Status | None = None
    message: str | None = None
    due_at: datetime
    state: OutboxState = OutboxState.QUEUED
    attempts: int = 0
    idempotency_key: str
    actor: str | None = None
    error: str | None = None
    error_code: str | None = None
    lease_until: datetime | None = None
    #: Which claim holds the lease: the claim that set it reads back only its own entries.
    lease_id: str | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None
    created_at: datetime
    #: Goes out at once, quiet hours or not (out for delivery, a delivery problem, an answer).
    urgent: bool = False
    #: Status updates: the order's timeline length, so a newer update of the same order supersedes it.
    sequence: int | None = None
    #: Why a queued entry waits past its first due time (quiet hours, rate limit, debounce), or is parked.
    held: str | None = None
    #: Parked behind a WhatsApp nudge that got no reply in time: go by another channel, do not nudge again.
    nudge_unanswered: bool = False
    #: Sent to several chats (a staff alert): the ones it reached, so a retry after a later one failed
    #: does not repeat it to them.
    reached: list[str] = Field(default_factory=list)
    #: The request that caused this entry (a webhook, an API call), for following it through the logs.
    request_id: str | None = Field(default_factory=current_request_id)


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


CustomerId = NewType("CustomerId", str)
MessageId = NewType("MessageId", str)


class CustomerRecord(Domain):
    """A shop's customer as the chats know them: one record per phone or Instagram account.

    An Instagram account sees only what it proved: ``proven_orders`` (each by its number plus the email or
    the last 4 digits of the phone on it) and the orders of ``linked_phones`` (a phone that wrote to the
    shop on SMS or WhatsApp and sent its one-time code here). Emails and phones typed at checkout are never
    verified, so an order's details never widen what an account sees.
    """

    id: CustomerId
    shop_id: ShopId
    name: str | None = None
    phones: list[str] = Field(default_factory=list)
    instagram_id: str | None = None
    proven_orders: list[str] = Field(default_factory=list)
    linked_phones: list[str] = Field(default_factory=list)
    opted_out: list[str] = Field(default_factory=list)
    last_inbound: dict[str, datetime] = Field(default_factory=dict)
    preferred_channel: str | None = None
    #: The language the customer writes in (ISO 639-1), once a message said it clearly; None until then.
    language: str | None = None
    created_at: datetime


class Attachment(Domain):
    url: str
    content_type: str | None = None


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class DeliveryState(StrEnum):
    """Where a message is: inbound ones are processed, outbound ones delivered (or not)."""

    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


#: Outbound states in the order they happen; a callback never moves a message back down this list.
DELIVERY_RANK: dict[DeliveryState, int] = {
    DeliveryState.QUEUED: 0,
    DeliveryState.SENT: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
    DeliveryState.UNDELIVERED: 4,
    DeliveryState.FAILED: 4,
}


class Message(Domain):
    """One chat message in or out, stored once per provider id."""

    id: MessageId
    shop_id: ShopId
    customer_id: CustomerId | None = None
    channel: str
    direction: Direction
    provider_id: str
    sender: str
    recipient: str
    body: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    state: DeliveryState
    error_code: str | None = None
    note: str | None = None
    outbox_id: NotificationId | None = None
    created_at: datetime
    updated_at: datetime
