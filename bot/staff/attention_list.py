"""The orders that need a person, in words: the ``/attention`` list and the alert the attention scan sends.

Reasons are shown as words staff recognise (``stuck in processing``) rather than their stored codes, and
the list shows the longest waiting first, cut to what fits on a phone screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.staff.formatting import age, clip
from orders.model import Order, Shop
from orders.rules import Reason
from orders.usecases import AttentionItem

ATTENTION_SHOWN = 10
_REASON_VALUES = frozenset(reason.value for reason in Reason)
_REASON_WORDS = {
    Reason.PENDING_TOO_LONG: "pending too long",
    Reason.STUCK_PROCESSING: "stuck in processing",
    Reason.STUCK_SHIPPED: "shipped long ago, not delivered",
    Reason.NO_CUSTOMER_CONTACT: "customer not contacted yet",
    Reason.NOTIFICATION_FAILED: "a notification failed",
    Reason.CUSTOMER_WAITING: "customer waiting for an answer",
    Reason.DELIVERY_PROBLEM: "the carrier reports a delivery problem",
    Reason.PROMISE_AT_RISK: "a delivery date told to the customer is at risk",
}


def render_alert(order: Order, reasons: Sequence[str], error: str | None = None) -> str:
    """A staff alert from the attention scan: the order, what is wrong, the provider's word."""
    words = ", ".join(_REASON_WORDS.get(Reason(r), r) if r in _REASON_VALUES else r for r in reasons)
    lines = [f"⚠️ Order #{clip(order.number, 40)} needs attention: {words}."]
    if order.customer.name:
        lines.append(f"Customer: {clip(order.customer.name, 80)} · {order.status}")
    if error:
        lines.append(f"Last failure: {clip(error, 200)}")
    if Reason.PROMISE_AT_RISK.value in reasons and (why := _latest_note(order, "promise")):
        lines.append(clip(why, 200))
    return "\n".join(lines)


def _latest_note(order: Order, kind: str) -> str | None:
    """The note of the newest timeline event of ``kind``: why the order entered the queue, in words."""
    return next((event.note for event in reversed(order.timeline) if event.kind == kind and event.note), None)


def render_attention(shop: Shop, items: Sequence[AttentionItem], hours: float | None, *, more: bool) -> str:
    """The attention queue, longest waiting first; ``more``: the query's limit cut the list."""
    scope = f" (waiting ≥ {hours:g} h)" if hours is not None else ""
    if not items:
        return f"✅ Nothing needs attention in {shop.name}{scope}."
    count = f"{len(items)}{'+' if more else ''}"
    noun = "order needs" if len(items) == 1 and not more else "orders need"
    lines = [f"⚠️ {count} {noun} attention in {shop.name}{scope}"]
    for item in items[:ATTENTION_SHOWN]:
        reasons = ", ".join(_REASON_WORDS.get(reason, str(reason)) for reason in item.reasons)
        lines.append(f"#{item.order.number} · {item.order.status} · {age(item.age_hours)} — {reasons}")
    if len(items) > ATTENTION_SHOWN:
        lines.append(f"…and {len(items) - ATTENTION_SHOWN}{'+' if more else ''} more, longest waiting first.")
    return "\n".join(lines)


__all__ = ["ATTENTION_SHOWN", "render_alert", "render_attention"]
