"""Order statuses, the moves between them, progress, and a shipped order's delivery stages.

Pure functions over plain values: no I/O, no clock.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class DeliveryStage(StrEnum):
    """Where a shipped parcel is, as its carrier reports it. Not a status: the lifecycle stays as it is."""

    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERY_PROBLEM = "delivery_problem"
    DELIVERED = "delivered"


#: Stages the customer needs to hear about at once, quiet hours or not.
URGENT_STAGES: frozenset[DeliveryStage] = frozenset(
    {DeliveryStage.OUT_FOR_DELIVERY, DeliveryStage.READY_FOR_PICKUP, DeliveryStage.DELIVERY_PROBLEM}
)

FORWARD_PATH: tuple[Status, ...] = (Status.PENDING, Status.PROCESSING, Status.SHIPPED, Status.FULFILLED)
TERMINAL: frozenset[Status] = frozenset({Status.FULFILLED, Status.CANCELLED})
ACTIVE: tuple[Status, ...] = (Status.PENDING, Status.PROCESSING, Status.SHIPPED)

_PROGRESS = {Status.PENDING: 25, Status.PROCESSING: 50, Status.SHIPPED: 75, Status.FULFILLED: 100}


class InvalidTransition(Exception):
    """A status change the lifecycle does not allow (without ``force``)."""

    def __init__(self, current: Status, target: Status, why: str) -> None:
        super().__init__(f"cannot move from {current} to {target}: {why}")
        self.current = current
        self.target = target


def progress(status: Status) -> int:
    """Percent complete: pending 25, processing 50, shipped 75, fulfilled 100, cancelled 0."""
    return _PROGRESS.get(status, 0)


def next_status(status: Status) -> Status | None:
    """The next step on the forward path, or None for terminal statuses."""
    if status in TERMINAL:
        return None
    return FORWARD_PATH[FORWARD_PATH.index(status) + 1]


def is_backwards(current: Status, target: Status) -> bool:
    """True for a move that undoes progress (including leaving a terminal status)."""
    if current in TERMINAL:
        return target != current
    if target == Status.CANCELLED:
        return False
    return FORWARD_PATH.index(target) < FORWARD_PATH.index(current)


def check_transition(current: Status, target: Status, *, force: bool = False) -> bool:
    """Validate a move; return True if it changes anything.

    Forward moves (also skipping steps) and cancelling an active order are allowed. Moving backwards or out
    of a terminal status needs ``force``. Setting the current status again is a no-op.
    """
    if current == target:
        return False
    if is_backwards(current, target) and not force:
        why = "the order is closed" if current in TERMINAL else "that goes backwards"
        raise InvalidTransition(current, target, f"{why}; use force to override")
    return True
