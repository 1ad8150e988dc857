"""What the planner can decide for one claimed outbox entry, as plain values the notifier acts on.

``Send`` (with its ``Delivery`` per address), ``Hold`` (not now), ``Park`` (wait for the customer to reopen
the messaging window) or ``Skip`` (never). Kept apart from ``bot.planner`` so the parts that only read or
reword a plan (the notifier, its outcomes, the AI writer) need not import the planner itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from channels.base import ChannelName, Template
from orders.model import Order, OutboxEntry, Shop


class Skip(Exception):
    """The entry must not be sent (opted out, no address, superseded); ``str`` says why."""


@dataclass(frozen=True)
class Delivery:
    channel: ChannelName
    to: str
    sender: str
    text: str
    subject: str | None = None
    template: Template | None = None
    #: The text is the AI's (``bot.ai_writer``), not the template's.
    ai_written: bool = False
    #: One-tap answers as (title, payload), on a platform that shows them with the text (Instagram).
    quick_replies: tuple[tuple[str, str], ...] = ()


class Rewriter(Protocol):
    """Words a delivery personally (``bot.ai_writer.AiWriter``), or returns it as it is."""

    async def rewrite(
        self, shop: Shop, entry: OutboxEntry, order: Order | None, delivery: Delivery, language: str | None
    ) -> Delivery: ...


@dataclass(frozen=True)
class Send:
    shop: Shop
    deliveries: list[Delivery]
    park: bool = False  # a nudge: the entry itself waits, parked, for the customer to reopen the window
    customer_id: str | None = None
    channel: str | None = None
    #: The order's customer was reached before: a send need not record the contact again.
    contacted: bool = False


@dataclass(frozen=True)
class Hold:
    """Not now: queued again, due at ``until``, with the reason recorded."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Park:
    """Parked without a new nudge: the customer was nudged already and has not replied yet; without a reply
    by ``until`` (when that nudge expires) it goes another way."""

    customer_id: str
    channel: str
    until: datetime
