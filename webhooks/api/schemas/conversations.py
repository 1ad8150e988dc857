"""The conversations desk's wire shapes: the list, a customer, their messages, an answer and its preview.

A shop's own token sees its customers' details in full, as it sees them on its orders (``OrderOut``):
the API masks nothing for the shop the data belongs to; logs are where personal data is masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from bot.answer_plan import AnswerPlan, Will
from bot.photo_media import photo_api_path
from orders.lifecycle import Status
from orders.model import CustomerRecord, Order
from orders.usecases import ConversationItem, ConversationSummary
from webhooks.api.schemas.fields import ShortText, Strict, Text

#: The channels a person can answer a customer on (Telegram is the staff's own).
AnswerChannel = Literal["whatsapp", "sms", "instagram", "email", "console"]
Cursor = Annotated[str, StringConstraints(max_length=500)]


class ConversationsQuery(Strict):
    waiting: bool | None = Field(None, description="true: only customers waiting for a person")
    search: ShortText | None = Field(
        None, description="a name, phone (or its last 4 digits), email or order number"
    )
    cursor: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class MessagesQuery(Strict):
    cursor: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 30


class PlanQuery(Strict):
    channel: AnswerChannel | None = Field(
        None, description="the channel to answer on; unset: the customer's own"
    )
    order_id: ShortText | None = Field(None, description="the order the answer is about")


class AnswerIn(Strict):
    text: Text = Field(description="what the customer reads, as written (on SMS made GSM-7 and signed)")
    channel: AnswerChannel | None = Field(None, description="unset: the channel the customer last wrote on")
    order_id: ShortText | None = Field(None, description="the order the answer is about, for its timeline")


class LastMessageOut(BaseModel):
    text: str
    direction: Literal["in", "out"]
    at: datetime
    state: str


class ConversationOut(BaseModel):
    customer_id: str
    name: str | None
    channel: str | None = Field(description="the channel the customer last wrote on (else their order's)")
    waiting: bool = Field(description="the customer waits for a person")
    waiting_since: datetime | None
    last_message: LastMessageOut | None
    unread: int = Field(description="messages from the customer since staff last read the conversation")
    order_numbers: list[str]

    @classmethod
    def of(cls, summary: ConversationSummary) -> ConversationOut:
        customer, last = summary.customer, summary.last
        return cls(
            customer_id=customer.id, name=summary.name, channel=summary.channel,
            waiting=customer.waiting_since is not None, waiting_since=customer.waiting_since,
            last_message=None if last is None else LastMessageOut(
                text=last.text, direction=last.direction, at=last.at, state=last.state
            ),
            unread=customer.unread, order_numbers=summary.order_numbers,
        )  # fmt: skip


class ConversationListOut(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class CustomerOrderOut(BaseModel):
    order_id: str
    number: str
    status: Status
    total: str
    currency: str
    created_at: datetime
    flags: list[str]


class CustomerDetailOut(BaseModel):
    """The customer as the chats know them, and their orders (newest first)."""

    customer_id: str
    name: str | None
    phones: list[str]
    instagram_id: str | None
    channels: list[str] = Field(description="the channels they wrote on")
    preferred_channel: str | None
    language: str | None
    opted_out: list[str] = Field(description="channels they asked to get nothing on")
    waiting: bool
    waiting_since: datetime | None
    unread: int
    orders: list[CustomerOrderOut]

    @classmethod
    def of(cls, customer: CustomerRecord, orders: list[Order]) -> CustomerDetailOut:
        name = customer.name or next((o.customer.name for o in orders if o.customer.name), None)
        return cls(
            customer_id=customer.id, name=name, phones=customer.phones, instagram_id=customer.instagram_id,
            channels=sorted(customer.last_inbound), preferred_channel=customer.preferred_channel,
            language=customer.language, opted_out=customer.opted_out,
            waiting=customer.waiting_since is not None, waiting_since=customer.waiting_since,
            unread=customer.unread,
            orders=[
                CustomerOrderOut(
                    order_id=o.id, number=o.number, status=o.status, total=str(o.total), currency=o.currency,
                    created_at=o.created_at, flags=o.flags,
                )
                for o in orders
            ],
        )  # fmt: skip


class PhotoRefOut(BaseModel):
    order_id: str
    photo_id: str
    url: str = Field(description="the photo through REST API v1 (`?size=thumb` for a thumbnail)")


class MessageOut(BaseModel):
    message_id: str = Field(description="the message's id, or its notification's while it has not gone out")
    direction: Literal["in", "out"]
    channel: str | None
    text: str
    at: datetime
    state: str = Field(description="received, ignored, queued, sent, delivered, read, failed or skipped")
    why: str | None = Field(description="why it failed, was skipped, or waits")
    author: str = Field(description="customer, bot, or the person who wrote it")
    intent: str | None = Field(description="what the bot understood of the customer's message")
    intent_detail: str | None
    notification_id: str | None
    photos: list[PhotoRefOut] = Field(description="photos staff sent with the message")

    @classmethod
    def of(cls, item: ConversationItem) -> MessageOut:
        return cls(
            message_id=item.item_id, direction=item.direction, channel=item.channel, text=item.text,
            at=item.at, state=item.state, why=item.why, author=item.author, intent=item.intent,
            intent_detail=item.intent_detail, notification_id=item.notification_id,
            photos=[
                PhotoRefOut(
                    order_id=p.order_id, photo_id=p.photo_id,
                    url=photo_api_path(p.order_id, p.photo_id),
                )
                for p in item.photos
            ],
        )  # fmt: skip


class MessageListOut(BaseModel):
    messages: list[MessageOut]
    next_cursor: str | None


class PlanOut(BaseModel):
    """What an answer will do: `send`, `template_first` or `refused`, and why, in words."""

    channel: str | None
    will: Will
    explanation: str
    refusal: str | None = Field(None, description="when refused: opted_out or unreachable")

    @classmethod
    def of(cls, plan: AnswerPlan) -> PlanOut:
        return cls(channel=plan.channel, will=plan.will, explanation=plan.explanation, refusal=plan.refusal)


class AnswerAccepted(BaseModel):
    """The answer is queued; `plan` says what it will do."""

    notification_id: str
    plan: PlanOut


class Read(BaseModel):
    """Marked read; no body."""
