"""One order as staff see it: its card, and the replies to what was done to it (a move, a decision, a message).

The card shows progress, the next status and the latest timeline events in the shop's time zone, so
staff can act without opening the dashboard; every reply names the order and says what changed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.staff.formatting import clip, when
from orders.lifecycle import TERMINAL, InvalidTransition, Status
from orders.model import Order, Shop, TimelineEvent
from orders.usecases import AutoProgressResult, ProgressView

_RECENT_EVENTS = 5
_MAX_DETAIL = 300  # five events' notes stay well inside Telegram's 4096 characters


def render_order(view: ProgressView, shop: Shop) -> str:
    order = view.order
    filled = view.progress // 25
    lines = [
        f"📦 Order #{order.number} — {order.status}",
        f"Progress: {'■' * filled}{'□' * (4 - filled)} {view.progress}%",
        f"Next: {view.next_status or '— (closed)'}",
    ]
    if order.customer.name:
        lines.append(f"Customer: {clip(order.customer.name, 80)}")
    if order.items:
        lines.append(
            f"Items: {sum(item.quantity for item in order.items)} · total {order.total} {order.currency}"
        )
    if order.tracking and order.tracking.number:
        lines.append(f"Tracking: {' '.join(filter(None, [order.tracking.carrier, order.tracking.number]))}")
    lines.append("Latest:")
    zone = ZoneInfo(shop.timezone)
    lines += [f"• {event_line(event, zone)}" for event in order.timeline[-_RECENT_EVENTS:]]
    return "\n".join(lines)


def event_line(event: TimelineEvent, zone: ZoneInfo) -> str:
    what = str(event.status) if event.kind == "status" else event.kind.replace("_", "-")
    who = f"{event.source}" + (f" ({event.actor})" if event.actor else "")
    line = f"{event.at.astimezone(zone):%d %b %H:%M} {what} by {who}"
    if event.forced:
        line += ", forced"
    detail = event.note or event.reason
    return f"{line} — {clip(detail, _MAX_DETAIL)}" if detail else line


def render_decision(result: AutoProgressResult, shop: Shop) -> str:
    """What ``/advance`` decided, why, how sure, and whether it was applied."""
    decision, order = result.decision, result.order
    if result.applied:
        before = order.timeline[-1].from_status
        moved = f"{before} → {order.status}" if before else f"moved to {order.status}"
        headline = f"⏩ Order #{order.number}: {moved}"
    else:
        headline = f"⏸ Order #{order.number} stays {order.status}"
    decided = f"move to {decision.next_status}" if decision.should_progress else "stay"
    threshold = shop.rules.confidence_threshold
    if result.applied:
        applied = "yes"
    elif decision.should_progress and decision.confidence < threshold:
        applied = f"no — below the shop's {threshold:.0%} confidence threshold"
    elif decision.should_progress:
        applied = "no — the order changed meanwhile; try again"
    else:
        applied = "no"
    return "\n".join(
        [
            headline,
            f"Decision: {decided} · by {decision.source} · confidence {decision.confidence:.0%}",
            f"Reason: {clip(decision.reason, _MAX_DETAIL)}",
            f"Applied: {applied}",
        ]
    )


def decision_toast(result: AutoProgressResult) -> str:
    """One line (at most 200 characters, a callback answer's limit) on what the Advance button did."""
    if result.applied:
        return f"⏩ #{clip(result.order.number, 20)} moved to {result.order.status}."
    return clip(f"⏸ #{result.order.number} not moved: {result.decision.reason}", 200)


def render_moved(before: Status, order: Order, note: str | None) -> str:
    """A staff status change, done: from, to, the note, and the customer's update."""
    forced = " (forced)" if order.timeline[-1].forced else ""
    lines = [f"✅ Order #{order.number}: {before} → {order.status}{forced}"]
    if note:
        lines.append(f"Note: {clip(note, _MAX_DETAIL)}")
    lines.append("The customer's status update is queued.")
    return "\n".join(lines)


def render_queued(order: Order, shop: Shop, channel: str | None, text: str, due_at: datetime | None) -> str:
    """A message to the customer, queued now (``/notify``) or for later (``/followup``)."""
    via = f" via {channel}" if channel else ""
    if due_at is None:
        headline = f"🔔 Message to the customer of #{order.number} queued{via}."
    else:
        headline = f"⏰ Follow-up for #{order.number} queued{via} for {when(due_at, shop)}."
    what = f"Text: {clip(text, _MAX_DETAIL)}" if text else "Text: the standard update on the order's status"
    return f"{headline}\n{what}"


def render_transition_refused(number: str, exc: InvalidTransition) -> str:
    why = "it is closed" if exc.current in TERMINAL else "that goes backwards"
    return (
        f"⛔ Order #{number} can't go from {exc.current} to {exc.target}: {why}.\n"
        f"To do it anyway: /status {number} {exc.target} force"
    )


__all__ = [
    "decision_toast",
    "event_line",
    "render_decision",
    "render_moved",
    "render_order",
    "render_queued",
    "render_transition_refused",
]
