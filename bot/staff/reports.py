"""Replies about many orders at once: the shop's statistics, a bulk action's outcome, search results.

Each is one message with one line per order or figure; a bulk report names every number it was given,
so staff see which ones failed and why without asking again.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.staff.arguments import BulkArgs, digits
from bot.staff.formatting import clip, fit, percent, when
from orders.lifecycle import Status
from orders.model import Order, Shop
from orders.usecases import BulkAction, BulkResult, Stats

FOUND_MAX = 10


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


__all__ = ["FOUND_MAX", "bulk_error", "render_bulk", "render_found", "render_stats"]
