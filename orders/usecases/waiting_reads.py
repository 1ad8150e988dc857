"""Reading the longest-waiting orders through the short window the waiting counts promise.

The counts (``orders.waiting``) say how far back the ``limit`` oldest orders of a group reach, so a query
need not read every order that matches; both the attention queue and the auto-progress sweep read this way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial

from orders import waiting
from orders.lifecycle import Status
from orders.model import Order, ShopId
from orders.store import Database

WaitingDays = Mapping[str, Mapping[str, float]]


async def within_window(
    read: Callable[[datetime], Awaitable[list[Order]]],
    days: Mapping[str, float],
    before: datetime,
    limit: int,
) -> list[Order]:
    """``read(before)``, the oldest ``limit`` orders, reading only as far as the waiting counts say it must.

    When the counts promised more than the short window holds, the whole range is read (``orders.waiting``).
    """
    end = waiting.window_end(days, before, limit)
    found = await read(end)
    if len(found) < limit and end < before:
        found = await read(before)
    return found


async def longest_in_status(
    db: Database, shop_id: ShopId, status: Status, before: datetime, limit: int, days: WaitingDays
) -> list[Order]:
    """The ``limit`` orders longest in ``status`` since before ``before``, read in a short window."""
    read = partial(db.orders.in_status_since_before, shop_id, status, limit=limit)
    return await within_window(read, days.get(status, {}), before, limit)
