"""A shop's analytics counted again from what is stored: the reference the live counters must equal.

Each record goes through the functions that count it live (``orders.analytics``): an order's whole timeline
and satisfaction request (``order_tallies(None, order)``), each settled promise on the day it was settled,
each customer notification sent, delivered or failed, each inbound message. Pure: the caller reads the
records (``orders.store.analytics_sources``) and hands them over one at a time.

Where the stored data does not say when something happened, the recount takes the nearest time it has: a
provider's delivery report counts on the day its message was last updated (a later "read" moves that day),
a notification that failed before it was sent on the day its last attempt was due.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orders.analytics import (
    DayCounts,
    Tally,
    by_day,
    merge,
    message_tallies,
    notification_channel,
    notification_tally,
    order_tallies,
    promise_tallies,
)
from orders.model import Direction, Message, Order, OutboxEntry, OutboxKind, OutboxState, Promise

_DELIVERED = frozenset({OutboxState.DELIVERED, OutboxState.READ})
_FAILED = frozenset({OutboxState.FAILED, OutboxState.DEAD})


def counts_as_notification(entry: OutboxEntry) -> bool:
    """Whether an outbox entry is a message to a customer (the analytics leave staff alerts out)."""
    return entry.kind != OutboxKind.STAFF_ALERT


def notification_tallies(entry: OutboxEntry, message: Message | None) -> list[Tally]:
    """What a customer notification added: sent, and delivered or failed, on its channel.

    ``message`` is the first outbound message that carried it, when it was sent.
    """
    if not counts_as_notification(entry):
        return []
    channel = notification_channel(message.channel if message is not None else None, entry.channel)
    tallies = []
    if entry.sent_at is not None:
        tallies.append(notification_tally(channel, "sent", entry.sent_at))
    outcome_at = message.updated_at if message is not None else entry.sent_at or entry.due_at
    if entry.state in _DELIVERED:
        tallies.append(notification_tally(channel, "delivered", outcome_at))
    elif entry.state in _FAILED:
        tallies.append(notification_tally(channel, "failed", outcome_at))
    return tallies


@dataclass
class Recount:
    """The per-day counters of one shop (in its ``timezone``), as records are added."""

    timezone: str
    days: dict[str, DayCounts] = field(default_factory=dict)
    #: The first outbound message of each notification, by outbox entry id (read before the entries).
    carriers: dict[str, Message] = field(default_factory=dict)

    def _add(self, tallies: list[Tally]) -> None:
        if tallies:
            merge(self.days, by_day(tallies, self.timezone))

    def order(self, order: Order) -> None:
        self._add(order_tallies(None, order))

    def promise(self, promise: Promise) -> None:
        if promise.settled_at is not None:
            self._add(promise_tallies([promise.outcome], promise.settled_at))

    def message(self, message: Message) -> None:
        """An inbound message counts itself; an outbound one is kept for its notification's outcome."""
        if message.direction == Direction.INBOUND:
            self._add(message_tallies(message.created_at, message.intent))
        elif message.outbox_id is not None:
            known = self.carriers.get(message.outbox_id)
            if known is None or message.created_at < known.created_at:
                self.carriers[message.outbox_id] = message

    def notification(self, entry: OutboxEntry) -> None:
        self._add(notification_tallies(entry, self.carriers.get(entry.id)))


__all__ = ["Recount", "counts_as_notification", "notification_tallies"]
