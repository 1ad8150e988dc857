"""Chats: the customers who write to a shop, and the messages in and out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from orders.model.base import CustomerId, Domain, MessageId, NotificationId, ShopId


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
    #: Orders whose satisfaction request was sent to them and awaits their answer, newest last.
    satisfaction_asked: list[str] = Field(default_factory=list)
    #: Their satisfaction answers, newest last (the latest few): score, comment, order, when.
    satisfaction: list[dict[str, str | int | None]] = Field(default_factory=list)
    #: Since when the customer waits for a person (they asked for one, or the bot handed them over); None:
    #: nobody owes them an answer. A staff answer clears it.
    waiting_since: datetime | None = None
    #: When the conversation last moved: the customer wrote, or a person answered. What the service sends
    #: on its own (status updates, the bot's replies) does not move it. None: no conversation yet.
    active_at: datetime | None = None
    #: Messages from the customer since staff last read the conversation (``read_at``).
    unread: int = 0
    read_at: datetime | None = None


class Attachment(Domain):
    """An image or file in a message: the provider's URL of an inbound one; for a photo staff sent, the
    REST API path that serves it (``photo_id`` names it)."""

    url: str
    content_type: str | None = None
    photo_id: str | None = None


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
    #: What a tapped button sent besides its title (WhatsApp ``ButtonPayload``, Instagram ``quick_reply``).
    payload: str | None = None
    state: DeliveryState
    error_code: str | None = None
    note: str | None = None
    outbox_id: NotificationId | None = None
    #: What the bot understood of an inbound message (``bot.intents.Intent``), and the kind of complaint,
    #: change or topic; None for outbound messages and for those stored before intents were kept.
    intent: str | None = None
    intent_detail: str | None = None
    created_at: datetime
    updated_at: datetime
