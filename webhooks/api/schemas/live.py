"""The desk's alerts and live events as the API shows them (``webhooks.api.alerts``, ``webhooks.api.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from orders.model import OutboxEntry
from orders.store import DeskAlert, FeedEvent
from webhooks.api.schemas.fields import Strict

#: A position in a shop's feed, as the stream's ids give it.
EventId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")]


class AlertsQuery(Strict):
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    #: Only the alerts nobody marked seen yet.
    unseen: bool = False


class AlertDeliveryOut(BaseModel):
    """Where the alert went besides the desk: its Telegram and email message's state."""

    state: str
    #: Why it went nowhere else (no staff on Telegram or email), or why it failed.
    error: str | None = None
    #: How many staff chats and addresses it reached, when there were several.
    reached: int = 0

    @classmethod
    def of(cls, entry: OutboxEntry) -> AlertDeliveryOut:
        return cls(state=entry.state.value, error=entry.error, reached=len(entry.reached))


class AlertOut(BaseModel):
    alert_id: str
    #: What raised it: `attention` (the attention scan), `alert` (a customer asked for a person, to cancel
    #: or change an order, or complained), `link-locked` (Instagram linking paused)...
    source: str
    text: str
    order_id: str | None
    customer_id: str | None
    created_at: datetime
    seen_at: datetime | None
    seen_by: str | None
    #: None until the alert's message is queued.
    delivery: AlertDeliveryOut | None

    @classmethod
    def of(cls, alert: DeskAlert, entry: OutboxEntry | None) -> AlertOut:
        return cls(
            alert_id=alert.id, source=alert.source, text=alert.text, order_id=alert.order_id,
            customer_id=alert.customer_id, created_at=alert.created_at, seen_at=alert.seen_at,
            seen_by=alert.seen_by, delivery=AlertDeliveryOut.of(entry) if entry else None,
        )  # fmt: skip


class AlertListOut(BaseModel):
    alerts: list[AlertOut]
    next_cursor: str | None


class EventsQuery(Strict):
    #: A stream ticket (`POST /events/ticket`), for an EventSource, which cannot send the bearer token.
    ticket: Annotated[str, StringConstraints(max_length=600)] | None = None
    #: Where to resume, when the `Last-Event-ID` header cannot be sent (a new EventSource).
    last_event_id: EventId | None = None


class EventOut(BaseModel):
    id: str
    #: `order`, `message`, `delivery`, `alert` (or `reset`: reload everything).
    kind: str
    #: Ids and states only; read the rest through the API.
    data: dict[str, Any]

    @classmethod
    def of(cls, event: FeedEvent) -> EventOut:
        return cls(id=str(event.seq), kind=event.kind, data=event.data)


class EventsOut(BaseModel):
    events: list[EventOut]
    #: Pass it back as `Last-Event-ID` (or `last_event_id`) for the events after these.
    last_event_id: str
    #: False: events after the position asked for are no longer kept; reload what you show.
    complete: bool


class TicketOut(BaseModel):
    ticket: str
    expires_in: int
    #: Where an EventSource opens the stream with it.
    stream_url: str
