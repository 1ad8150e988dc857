"""Rules over orders: why one needs attention, and whether it should move on.

Pure functions of an order, the shop's thresholds and the current time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from orders.lifecycle import ACTIVE, Status, next_status
from orders.model import Decision, Order, Source, Thresholds


class Reason(StrEnum):
    PENDING_TOO_LONG = "pending_too_long"
    STUCK_PROCESSING = "stuck_processing"
    STUCK_SHIPPED = "stuck_shipped"
    NO_CUSTOMER_CONTACT = "no_customer_contact"
    NOTIFICATION_FAILED = "notification_failed"
    CUSTOMER_WAITING = "customer_waiting"
    DELIVERY_PROBLEM = "delivery_problem"
    PROMISE_AT_RISK = "promise_at_risk"


#: Reasons that are set on the order by events rather than by the clock.
FLAG_REASONS: tuple[Reason, ...] = (
    Reason.NOTIFICATION_FAILED,
    Reason.CUSTOMER_WAITING,
    Reason.DELIVERY_PROBLEM,
    Reason.PROMISE_AT_RISK,
)

STALE_REASON: dict[Status, Reason] = {
    Status.PENDING: Reason.PENDING_TOO_LONG,
    Status.PROCESSING: Reason.STUCK_PROCESSING,
    Status.SHIPPED: Reason.STUCK_SHIPPED,
}


def stale_after(status: Status, rules: Thresholds, max_age_hours: float | None = None) -> timedelta | None:
    """How long an order may sit in ``status`` before it needs attention (None: never)."""
    if status not in STALE_REASON:
        return None
    if max_age_hours is not None:
        return timedelta(hours=max_age_hours)
    hours = {
        Status.PENDING: rules.pending_too_long_hours,
        Status.PROCESSING: rules.stuck_processing_hours,
        Status.SHIPPED: rules.stuck_shipped_hours,
    }[status]
    return timedelta(hours=hours)


def age_hours(order: Order, now: datetime) -> float:
    """Hours the order has been in its current status."""
    return round((now - order.status_since).total_seconds() / 3600, 1)


def attention_reasons(
    order: Order, rules: Thresholds, now: datetime, max_age_hours: float | None = None
) -> list[Reason]:
    """Every reason the order needs a person to look at it, in a stable order."""
    reasons: list[Reason] = []
    limit = stale_after(order.status, rules, max_age_hours)
    if limit is not None and now - order.status_since >= limit:
        reasons.append(STALE_REASON[order.status])
    if (
        order.status in ACTIVE
        and order.last_customer_contact_at is None
        and now - order.created_at >= timedelta(hours=rules.no_contact_hours)
    ):
        reasons.append(Reason.NO_CUSTOMER_CONTACT)
    reasons.extend(
        reason
        for reason in FLAG_REASONS
        if reason.value in order.flags
        and (reason != Reason.DELIVERY_PROBLEM or order.status == Status.SHIPPED)
        and (reason != Reason.PROMISE_AT_RISK or order.status in ACTIVE)
    )
    return reasons


def allowed_moves(order: Order) -> list[Status]:
    """The moves automation may ever make: one step forward, never to fulfilled, never cancel.

    Fulfilment comes only from a shop event, a carrier or staff, so automation may not choose it.
    """
    step = next_status(order.status)
    if step is None or step == Status.FULFILLED:
        return []
    return [step]


def decide_progression(order: Order, rules: Thresholds, now: datetime) -> Decision:
    """The rule-based progression decision for an order."""
    if order.status == Status.PENDING:
        waited = now - order.status_since
        limit = timedelta(hours=rules.auto_process_after_hours)
        if waited >= limit:
            return Decision(
                should_progress=True,
                next_status=Status.PROCESSING,
                reason=f"pending for {age_hours(order, now):g} h (rule: move on after {rules.auto_process_after_hours:g} h)",
            )
        return Decision(
            should_progress=False,
            reason=f"pending for {age_hours(order, now):g} h; moves on after {rules.auto_process_after_hours:g} h",
        )
    if order.status == Status.PROCESSING:
        if order.tracking is not None and order.tracking.number:
            return Decision(
                should_progress=True,
                next_status=Status.SHIPPED,
                reason=f"tracking number {order.tracking.number} exists",
            )
        return Decision(should_progress=False, reason="waiting for a tracking number before shipping")
    if order.status == Status.SHIPPED:
        return Decision(
            should_progress=False, reason="fulfilment is confirmed only by the shop, the carrier or staff"
        )
    return Decision(should_progress=False, reason=f"order is {order.status}; nothing follows")


def is_confident(decision: Decision, rules: Thresholds) -> bool:
    """Whether a decision is sure enough to apply under the shop's threshold."""
    return decision.should_progress and decision.confidence >= rules.confidence_threshold


__all__ = [
    "FLAG_REASONS",
    "Reason",
    "Source",
    "age_hours",
    "allowed_moves",
    "attention_reasons",
    "decide_progression",
    "is_confident",
    "stale_after",
]
