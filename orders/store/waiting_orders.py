"""The orders that have waited longest, read only as far back as the shop's waiting counts say they lie.

A query reads every order it matches before its limit (``orders.store``, 2). The shop's stats count the
active orders by the day they entered their status, and the uncontacted ones by the day they were created
(``orders.waiting``); the oldest days that together hold ``limit`` orders end the window a query reads.
When a window holds fewer than the counts promised, the whole range is read again: a wrong count costs
time, never an order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial

from orders import waiting
from orders.lifecycle import Status
from orders.model import Order, ShopId
from orders.store.orders import OrderStore
from orders.store.stats import StatsStore


async def _within_window(
    read: Callable[[datetime], Awaitable[list[Order]]],
    days: Mapping[str, float],
    before: datetime,
    limit: int,
) -> list[Order]:
    """``read(before)``, the oldest ``limit`` orders, reading only as far as the counts ``days`` say."""
    end = waiting.window_end(days, before, limit)
    found = await read(end)
    if len(found) < limit and end < before:
        found = await read(before)
    return found


class WaitingOrders:
    """Reads of the attention queue and the auto-progress sweep, over ``orders`` and the counts in ``stats``."""

    def __init__(self, orders: OrderStore, stats: StatsStore) -> None:
        self._orders = orders
        self._stats = stats

    async def longest_in_status(
        self, shop_id: ShopId, bounds: Mapping[Status, datetime], limit: int
    ) -> list[Order]:
        """For each status in ``bounds``, in that order: the ``limit`` orders longest in it since before its
        bound, the longest first."""
        days = await self._stats.waiting(shop_id)
        found: list[Order] = []
        for status, before in bounds.items():
            read = partial(self._orders.in_status_since_before, shop_id, status, limit=limit)
            found.extend(await _within_window(read, days.get(status, {}), before, limit))
        return found

    async def attention_candidates(
        self,
        shop_id: ShopId,
        *,
        stale: Mapping[Status, datetime],
        uncontacted_before: datetime | None,
        flags: Sequence[str],
        limit: int,
    ) -> list[Order]:
        """Candidates of the attention queue, at least the ``limit`` longest waiting among them: orders in a
        status of ``stale`` since before its bound, active orders nobody contacted created before
        ``uncontacted_before`` (None: not wanted), and orders with one of ``flags``.

        Read oldest first; once ``limit`` candidates are in, only older ones can enter, so every later query
        stops at the ``limit``-th oldest. The waiting counts say that point before the first query; if the
        stale orders then fall short of ``limit``, the counts were ahead of the orders and the queue is read
        again without them.
        """
        for days in (await self._stats.waiting(shop_id), {}):
            found = await self._candidates(shop_id, stale, uncontacted_before, flags, limit, days)
            if found is not None:
                return found
        return []  # not reached: without counts nothing is hinted, so the second reading returns

    async def _candidates(
        self,
        shop_id: ShopId,
        stale: Mapping[Status, datetime],
        uncontacted_before: datetime | None,
        flags: Sequence[str],
        limit: int,
        days: Mapping[str, Mapping[str, float]],
    ) -> list[Order] | None:
        """One reading of the candidates with the counts ``days``; None when they proved ahead of the orders."""
        hint = (
            waiting.shared_window_end(days, {s.value: b for s, b in stale.items()}, limit) if stale else None
        )
        hinted = hint is not None and hint < max(stale.values())
        cutoff = hint if hinted else None
        candidates: dict[str, Order] = {}

        def bound(before: datetime) -> datetime:
            return before if cutoff is None else min(before, cutoff)

        def take(orders: list[Order]) -> datetime | None:
            candidates.update((order.id, order) for order in orders)
            if len(candidates) >= limit:
                return sorted(order.status_since for order in candidates.values())[limit - 1]
            return cutoff

        for status, before in sorted(stale.items(), key=lambda pair: pair[1]):
            cutoff = take(await self._orders.in_status_since_before(shop_id, status, bound(before), limit))
        if hinted and len(candidates) < limit:
            return None
        if uncontacted_before is not None:
            # created_at <= status_since, so an order created after the cutoff cannot make the page
            read = partial(self._orders.uncontacted_since_before, shop_id, limit=limit)
            uncontacted = days.get(waiting.UNCONTACTED, {})
            cutoff = take(await _within_window(read, uncontacted, bound(uncontacted_before), limit))
        for flag in flags:
            for order in await self._orders.flagged(shop_id, flag, limit, until=cutoff):
                candidates[order.id] = order
        return list(candidates.values())
