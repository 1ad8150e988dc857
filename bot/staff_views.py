"""What the staff desk on Telegram says: argument parsing and rendering, as pure functions.

``bot.commands`` runs the handlers; everything here works on plain values and the service's results, so
it is tested and read without Telegram or a database. Replies stay compact: a headline with an emoji,
one line per fact, inline buttons for the next action.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from channels.telegram import Button, keyboard
from orders.lifecycle import TERMINAL, InvalidTransition, Status
from orders.model import Order, Shop, TimelineEvent
from orders.rules import Reason
from orders.usecases import AttentionItem, AutoProgressResult, BulkAction, BulkResult, ProgressView, Stats

# Callback data of inline buttons: a prefix, then the order id (or the attention list's hours).
ADVANCE, NOTIFY, OPEN, REFRESH, ATTENTION = "adv:", "ntf:", "open:", "order:", "att:"
# Retry a failed notification: ``rty:<order id>:<channel>``.
RETRY = "rty:"
RETRY_CHANNELS = ("sms", "whatsapp", "email")
_CHANNEL_WORDS = {"sms": "SMS", "whatsapp": "WhatsApp", "email": "email"}
_REASON_VALUES = frozenset(reason.value for reason in Reason)

USAGE = (
    "Usage: /attention · /order · /status · /advance · /notify · /followup · /bulk · /find · /stats · /help"
)
USAGES = {
    "attention": "/attention [hours], for example /attention 24",
    "order": "/order <number>, for example /order 1042",
    "status": "/status <number> <status> [note] [force], for example /status 1042 shipped",
    "advance": "/advance <number>, for example /advance 1042",
    "notify": "/notify <number> [text], for example /notify 1042 Your beans are on the way",
    "followup": "/followup <number> <hours> [text], for example /followup 1042 24",
    "bulk": "/bulk advance|notify <numbers…> or /bulk status <status> <numbers…>, "
    "for example /bulk status shipped 1001 1002",
    "find": "/find <phone or name>, for example /find 5678 or /find Ana Gomez",
}
HELP = "\n".join(
    [
        "Order desk commands:",
        "/attention [hours] — orders that need a person",
        "/order <number> — progress and latest events",
        "/status <number> <status> [note] — change the status (add force to go backwards)",
        "/advance <number> — let the rules move the order on",
        "/notify <number> [text] — message the customer now",
        "/followup <number> <hours> [text] — message the customer later",
        "/bulk advance|notify|status … — one action on several orders",
        "/find <phone or name> — a customer's latest orders",
        "/stats — orders by status and notification delivery",
        "/help — this list",
    ]
)

MAX_NUMBER = 64
TEXT_LIMIT = 4000  # Telegram takes 4096 characters in a message
MAX_TEXT = 2000  # a note or a customer message, as REST API v1 allows
MAX_HOURS = 24 * 365
MAX_BULK = 50  # one reply line each keeps the answer readable and inside 4096 characters
ATTENTION_SHOWN = 10
FOUND_MAX = 10
_RECENT_EVENTS = 5
_MAX_DETAIL = 300  # five events' notes stay well inside Telegram's 4096 characters
_BULK_ACTIONS: dict[str, BulkAction] = {
    "advance": "auto_progress",
    "notify": "notify",
    "status": "update_status",
}
_REASON_WORDS = {
    Reason.PENDING_TOO_LONG: "pending too long",
    Reason.STUCK_PROCESSING: "stuck in processing",
    Reason.STUCK_SHIPPED: "shipped long ago, not delivered",
    Reason.NO_CUSTOMER_CONTACT: "customer not contacted yet",
    Reason.NOTIFICATION_FAILED: "a notification failed",
    Reason.CUSTOMER_WAITING: "customer waiting for an answer",
}


def usage(name: str) -> str:
    return f"Usage: {USAGES[name]}"


# -- arguments --------------------------------------------------------------------------------------


def arguments(text: str | None) -> str:
    """What follows the command word in a message, with its own line breaks and spacing."""
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def head(args: str, count: int) -> tuple[list[str], str]:
    """The first ``count`` words of ``args`` and the rest as written (fewer words when there are fewer)."""
    words = args.split(maxsplit=count)
    return words[:count], (words[count].strip() if len(words) > count else "")


def number_of(word: str) -> str | None:
    """An order number as staff type it (a leading ``#`` is allowed), or None when malformed."""
    number = word.removeprefix("#")
    return number if 0 < len(number) <= MAX_NUMBER else None


def order_number(args: Sequence[str]) -> str | None:
    """The order number in ``/order <number>``, or None when malformed."""
    return number_of(args[0]) if len(args) == 1 else None


def status_of(word: str) -> Status | None:
    try:
        return Status(word.lower())
    except ValueError:
        return None


def hours_of(word: str) -> float | None:
    """A positive number of hours up to a year (``24``, ``1.5``, ``36h``), or None."""
    try:
        hours = float(word.lower().removesuffix("h"))
    except ValueError:
        return None
    return hours if math.isfinite(hours) and 0 < hours <= MAX_HOURS else None


TOO_LONG = f"The text is too long (at most {MAX_TEXT} characters)."


@dataclass(frozen=True)
class StatusArgs:
    number: str
    status: Status
    note: str | None
    force: bool


def status_args(args: str) -> StatusArgs | str:
    """``/status <number> <status> [note] [force]``; a reply line when malformed."""
    (words, rest) = head(args, 2)
    if len(words) < 2 or (number := number_of(words[0])) is None:
        return usage("status")
    status = status_of(words[1])
    if status is None:
        known = ", ".join(Status)
        return f"Unknown status {clip(words[1], 40)!r}. Choose one of: {known}.\n{usage('status')}"
    force = False
    if rest.lower() == "force" or rest.lower().endswith((" force", "\nforce")):
        force, rest = True, rest[: -len("force")].rstrip()
    if len(rest) > MAX_TEXT:
        return TOO_LONG
    return StatusArgs(number, status, rest or None, force)


@dataclass(frozen=True)
class BulkArgs:
    action: BulkAction
    status: Status | None
    numbers: list[str]


def bulk_args(args: str) -> BulkArgs | str:
    """``/bulk advance|notify <numbers…>`` or ``/bulk status <status> <numbers…>``; a reply when malformed."""
    words = args.split()
    if not words or words[0].lower() not in _BULK_ACTIONS:
        return usage("bulk")
    action, words = _BULK_ACTIONS[words[0].lower()], words[1:]
    status = None
    if action == "update_status":
        status = status_of(words[0]) if words else None
        if status is None:
            return usage("bulk")
        words = words[1:]
    numbers = [number_of(word.rstrip(",")) for word in words]
    if not numbers or None in numbers:
        return usage("bulk")
    unique = list(dict.fromkeys(n for n in numbers if n is not None))
    if len(unique) > MAX_BULK:
        return f"At most {MAX_BULK} orders at once."
    return BulkArgs(action, status, unique)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_term(term: str) -> str | None:
    """The digits of a search term that is a phone number or its end (at least 4 digits), else None."""
    if set(term) <= set("+0123456789 ()-./") and len(found := digits(term)) >= 4:
        return found.lstrip("0") or found
    return None


def phone_matches(order: Order, wanted: str) -> bool:
    """Whether the order's phone ends with ``wanted`` (national and international forms both match)."""
    return bool(order.customer.phone) and digits(order.customer.phone or "").endswith(wanted)


# -- rendering --------------------------------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def age(hours: float) -> str:
    """``<1 h``, ``30 h``, ``2 d 5 h``."""
    if hours < 1:
        return "<1 h"
    whole = round(hours)
    if whole < 48:
        return f"{whole} h"
    days, rest = divmod(whole, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def when(at: datetime, shop: Shop) -> str:
    return f"{at.astimezone(ZoneInfo(shop.timezone)):%d %b %H:%M}"


def render_stats(shop: Shop, stats: Stats) -> str:
    by_status = " · ".join(f"{status} {stats.by_status.get(status, 0)}" for status in Status)
    lines = [
        f"📊 {shop.name}",
        f"Orders: {stats.total}",
        by_status,
        f"Notifications: {stats.sent} sent · {stats.delivered} delivered · {stats.failed} failed",
        f"Delivery rate: {percent(stats.delivery_rate)}",
    ]
    if stats.auto_progression_rate is not None:
        lines.append(f"Automatic moves: {percent(stats.auto_progression_rate)}")
    if stats.avg_hours_to_ship is not None:
        lines.append(f"Average time to ship: {stats.avg_hours_to_ship} h")
    return "\n".join(lines)


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


def order_buttons(order: Order) -> InlineKeyboardMarkup | None:
    """The order card's keyboard: Advance (while the order is open), Notify, Refresh; Retry after a
    failed notification."""
    row = [] if order.status in TERMINAL else [Button("⏩ Advance", f"{ADVANCE}{order.id}")]
    row += [Button("🔔 Notify", f"{NOTIFY}{order.id}"), Button("🔄 Refresh", f"{REFRESH}{order.id}")]
    return keyboard([row, *retry_buttons(order)])


def retry_buttons(order: Order, failed_channel: str | None = None) -> list[list[Button]]:
    """One tap to send the failed notification again on another channel the customer has an address on."""
    if Reason.NOTIFICATION_FAILED.value not in order.flags:
        return []
    reachable = {"sms": order.customer.phone, "whatsapp": order.customer.phone, "email": order.customer.email}
    row = [
        Button(f"↻ Retry by {_CHANNEL_WORDS[channel]}", f"{RETRY}{order.id}:{channel}")
        for channel in RETRY_CHANNELS
        if reachable[channel] and channel != failed_channel
    ]
    return [row] if row else []


def retry_of(data: str) -> tuple[str, str] | None:
    """The order id and channel in a Retry button's data, or None when it is not one of ours."""
    order_id, _, channel = data.removeprefix(RETRY).rpartition(":")
    return (order_id, channel) if order_id and channel in RETRY_CHANNELS else None


def render_alert(order: Order, reasons: Sequence[str], error: str | None = None) -> str:
    """A staff alert from the attention scan: the order, what is wrong, the provider's word."""
    words = ", ".join(_REASON_WORDS.get(Reason(r), r) if r in _REASON_VALUES else r for r in reasons)
    lines = [f"⚠️ Order #{clip(order.number, 40)} needs attention: {words}."]
    if order.customer.name:
        lines.append(f"Customer: {clip(order.customer.name, 80)} · {order.status}")
    if error:
        lines.append(f"Last failure: {clip(error, 200)}")
    return "\n".join(lines)


def open_button(order: Order) -> InlineKeyboardMarkup | None:
    return keyboard([[Button(f"📂 Open #{clip(order.number, 20)}", f"{OPEN}{order.id}")]])


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


def attention_origin(markup: InlineKeyboardMarkup | None) -> str | None:
    """The hours an attention list was drawn with ("" for the defaults); None for any other keyboard."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if isinstance(button.callback_data, str) and button.callback_data.startswith(ATTENTION):
                return button.callback_data.removeprefix(ATTENTION)
    return None


def attention_buttons(items: Sequence[AttentionItem], hours: float | None) -> InlineKeyboardMarkup | None:
    """Advance / Notify / Open for each order shown, then a refresh row that remembers ``hours``."""
    rows = [
        [
            Button(f"⏩ Advance #{clip(item.order.number, 20)}", f"{ADVANCE}{item.order.id}"),
            Button("🔔 Notify", f"{NOTIFY}{item.order.id}"),
            Button("📂 Open", f"{OPEN}{item.order.id}"),
        ]
        for item in items[:ATTENTION_SHOWN]
    ]
    rows.append([Button("🔄 Refresh list", f"{ATTENTION}{'' if hours is None else f'{hours:g}'}")])
    return keyboard(rows)


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


def render_bulk(args: BulkArgs, results: Sequence[tuple[str, BulkResult | None]]) -> str:
    """One line per number: ✅, or ❌ and why (None: no such order in the shop)."""
    what: dict[BulkAction, str] = {
        "auto_progress": "advance",
        "notify": "notify",
        "update_status": f"status → {args.status}",
    }
    done = sum(1 for _, result in results if result is not None and result.ok)
    lines = [f"📋 Bulk {what[args.action]}: {done} of {len(results)} done"]
    for number, result in results:
        shown = clip(number, 20)
        if result is not None and result.ok:
            lines.append(f"✅ #{shown}")
        elif result is not None and result.outcome == "not_applied":  # the rules said not yet: no failure
            lines.append(f"⏸ #{shown} — {bulk_error(result)}")
        else:
            lines.append(f"❌ #{shown} — {bulk_error(result)}")
    return fit(lines)


def bulk_error(result: BulkResult | None) -> str:
    if result is None or result.error == "not_found":
        return "no such order"
    code, _, detail = (result.error or "failed").partition(": ")
    if code == "invalid_transition":  # "cannot move from A to B: why; use force to override"
        return f"refused: {detail.partition(': ')[2].partition(';')[0] or detail}"
    words = {"not_applied": "not moved", "conflict": "changed meanwhile"}
    return clip(f"{words.get(code, code)}: {detail}" if detail else words.get(code, code), 100)


def fit(lines: Sequence[str], limit: int = TEXT_LIMIT) -> str:
    """``lines`` joined, the last ones left out (and counted) when they would pass ``limit`` characters."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        tail = f"…and {len(lines) - index} more"
        if size + len(line) + 1 > limit - len(tail) - 1:
            return "\n".join([*kept, tail])
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def render_found(term: str, orders: Sequence[Order], shop: Shop) -> str:
    if not orders:
        return f"🔎 No orders match {clip(term, 60)!r} in {shop.name}."
    lines = [f"🔎 {len(orders)} order{'s' if len(orders) != 1 else ''} for {clip(term, 60)!r}, latest first"]
    for order in orders:
        who = order.customer.name or (
            f"phone …{digits(order.customer.phone)[-4:]}" if order.customer.phone else "no name"
        )
        lines.append(
            f"#{order.number} · {order.status} · {clip(who, 40)} · {when(order.created_at, shop)}"
            f" · {order.total} {order.currency}"
        )
    return "\n".join(lines)


def found_buttons(orders: Sequence[Order]) -> InlineKeyboardMarkup | None:
    buttons = [Button(f"📂 #{clip(order.number, 20)}", f"{OPEN}{order.id}") for order in orders]
    return keyboard([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
