"""What a shop's order event answers with, and what its claim keeps until the event is applied.

Apart from ``ShopEvents`` (``shop_events``) so that it holds only the flow of accepting and applying events;
the webhooks, their answers' schemas and the bench name these records as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.event_decisions import EventKind, OnBackwards
from orders.model import Order, OrderData, Shop


@dataclass(frozen=True)
class EventOutcome:
    order: Order
    duplicate: bool = False
    ignored: str | None = None


@dataclass(frozen=True)
class PendingEvent:
    """An event this process claimed and answered (``ShopEvents.accept_answered``), to apply next."""

    source: str
    event_id: str
    received_at: datetime
    payload: Mapping[str, Any]
    data: OrderData
    #: The order as read when the event was accepted (``(None,)``: there was none; None: not read).
    read: tuple[Order | None] | None = None
    #: Claimed as started (False: a claim taken over from a crashed process, started before applying).
    started: bool = True


@dataclass(frozen=True)
class Accepted:
    """What a webhook answers, and the event to apply after the answer (None: a delivery seen before)."""

    outcome: EventOutcome
    pending: PendingEvent | None = None

    @property
    def creates(self) -> bool:
        """Whether the event to apply makes a new order, which must be stored before the answer names it.

        A shop that sends "created", hears the order's id and sends "updated" at once must find the order
        the answer named; applied after the answer, the update could read no order and be given another.
        Changes to a stored order have no such reader, so they are applied after the answer.
        """
        return self.pending is not None and self.pending.read == (None,)


def event_payload(
    shop: Shop, source: str, kind: EventKind, data: OrderData, on_backwards: OnBackwards
) -> dict[str, Any]:
    """What ``ShopEvents.accept_event`` keeps with a delivery's claim, for ``process_event`` to apply."""
    return {
        "shop_id": shop.id,
        "source": source,
        "kind": kind,
        "data": data.model_dump(mode="json"),
        "on_backwards": on_backwards,
    }


def event_result(outcome: EventOutcome) -> dict[str, Any]:
    """What a completed event record keeps: the order, and why it changed nothing when it did not."""
    return {"order_id": outcome.order.id, **({"ignored": outcome.ignored} if outcome.ignored else {})}
