"""How many active orders wait since each day: a hint that keeps the attention queries small.

The attention queue lists the orders that have waited longest, and a query reads every order it matches
before its limit (``orders.store``, 2). The shop's stats therefore count, per active status, the orders
that entered it on each (UTC) day, and the active orders nobody has contacted yet by the day they were
created. The oldest days that together hold ``limit`` orders end the window a query has to read.

The counts are only a hint. A window that turns out to hold fewer than ``limit`` orders (the counts ran
ahead of the orders) is read again up to the real bound, and counts that lag behind only make the window
wider: a wrong count costs time, never an order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from orders.lifecycle import ACTIVE
from orders.model import Order

#: The stats field that holds the counts: ``waiting.<status or UNCONTACTED>.<YYYYMMDD>``.
FIELD = "waiting"
#: Active orders nobody has contacted yet, by the day they were created.
UNCONTACTED = "uncontacted"

_DAY = "%Y%m%d"


def day_key(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_DAY)


def waiting_keys(order: Order) -> set[str]:
    """The ``<group>.<day>`` counters the order counts in."""
    if order.status not in ACTIVE:
        return set()
    keys = {f"{order.status}.{day_key(order.status_since)}"}
    if order.last_customer_contact_at is None:
        keys.add(f"{UNCONTACTED}.{day_key(order.created_at)}")
    return keys


def waiting_deltas(before: Order | None, after: Order) -> dict[str, float]:
    """Counter changes (as stats keys) when ``before`` became ``after``; ``before`` is None for a new order."""
    left = waiting_keys(before) if before is not None else set()
    entered = waiting_keys(after)
    deltas: dict[str, float] = {f"{FIELD}.{key}": -1 for key in left - entered}
    deltas.update((f"{FIELD}.{key}", 1) for key in entered - left)
    return deltas


def window_end(days: Mapping[str, float], before: datetime, limit: int) -> datetime:
    """The earliest end, at most ``before``, of a window from the beginning that holds ``limit`` orders.

    ``days`` maps ``YYYYMMDD`` to the orders counted on that day.
    """
    last = day_key(before)
    held = 0.0
    for day in sorted(days):
        if day >= last:
            break
        held += days[day]
        if held >= limit:
            return min(before, datetime.strptime(day, _DAY).replace(tzinfo=UTC) + timedelta(days=1))
    return before


def shared_window_end(
    days: Mapping[str, Mapping[str, float]], bounds: Mapping[str, datetime], limit: int
) -> datetime:
    """``window_end`` over several groups at once, each counted only on the days before its own bound's."""
    held: Counter[str] = Counter()
    for group, before in bounds.items():
        last = day_key(before)
        held.update({day: count for day, count in days.get(group, {}).items() if day < last})
    return window_end(held, max(bounds.values()), limit)
