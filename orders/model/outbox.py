"""Outbox entries: messages to send, recorded before the notifier delivers them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from orders.correlation import current_request_id
from orders.lifecycle import Status
from orders.model.base import Domain, NotificationId, OrderId, ShopId


class OutboxKind(StrEnum):
    REPLY = "reply"
    STATUS_UPDATE = "status_update"
    FOLLOW_UP = "follow_up"
    MANUAL = "manual"
    STAFF_ALERT = "staff_alert"
    #: "How was your order?", once per delivered order (``orders.satisfaction``).
    SATISFACTION = "satisfaction"
    #: The parcel runs late: the carrier's estimate moved past what the customer was told.
    DELAY = "delay"
    #: A photo staff attached to the order, sent with its caption (``photo_id``).
    PHOTO = "photo"


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


#: The states of an entry that will not reach its recipient unless someone acts: what staff are shown.
FAILED_STATES = frozenset({OutboxState.FAILED, OutboxState.DEAD, OutboxState.REVIEW})


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
    #: A photo update's image (``orders.model.Photo``), sent with the text on channels that carry images.
    photo_id: str | None = None
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
    #: A reply that may be worded by the AI (``bot.ai.drafter.DRAFT_KINDS``): its kind; None: never.
    draft_kind: str | None = None
    #: The text the AI wrote and that was sent in place of the template; None: not written by the AI.
    ai_text: str | None = None
    promised_date: datetime | None = None
    promised_likely: datetime | None = None
