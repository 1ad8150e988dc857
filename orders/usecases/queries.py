"""Reading orders for the desk, the REST API and staff chats: one order, its progress, pages, stats.

Nothing here writes. The answers every open desk asks for again after each change (pages) are kept per
process under the shop's revision.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from orders import satisfaction
from orders.lifecycle import Status, next_status, progress
from orders.model import Order, OrderId, OutboxEntry, Shop
from orders.shared_answers import SharedAnswers
from orders.store import Database, decode_cursor, encode_cursor
from orders.usecases.unit_of_work import Clock

OrderPage = tuple[list[Order], str | None]
PageKey = tuple[str, Status | None, str | None, str | None, int]


@dataclass(frozen=True)
class ProgressView:
    order: Order
    progress: int
    next_status: Status | None
    notifications: list[OutboxEntry]


@dataclass(frozen=True)
class Stats:
    total: int
    by_status: dict[str, int]
    sent: int
    delivered: int
    failed: int
    delivery_rate: float | None
    auto_progression_rate: float | None
    avg_hours_to_ship: float | None
    satisfaction: satisfaction.Summary


@dataclass(frozen=True)
class OrderQueries:
    db: Database
    clock: Clock
    _pages: SharedAnswers[PageKey, int, OrderPage] = field(
        default_factory=SharedAnswers, init=False, repr=False
    )

    async def get(self, shop: Shop, order_id: str) -> Order:
        return await self.db.orders.get(shop.id, order_id)

    async def progress(self, shop: Shop, order_id: str) -> ProgressView:
        order, notifications = await asyncio.gather(
            self.db.orders.get(shop.id, order_id), self.db.outbox.for_order(shop.id, OrderId(order_id))
        )
        return ProgressView(order, progress(order.status), next_status(order.status), notifications)

    async def list_orders(
        self, shop: Shop, *, status: Status | None, search: str | None, cursor: str | None, limit: int
    ) -> OrderPage:
        """A page of orders, newest first, and the cursor of the next page (None at the end).

        Every open order desk asks for the same page after each change: an answer is kept per process
        under the shop's revision read before the query, and reused while the revision stands. It is
        never older than that revision, since every order write moves the revision after it is made.
        """
        after = decode_cursor(cursor) if cursor else None
        revision = await self.db.stats.revision(shop.id)

        async def page() -> OrderPage:
            orders = await self.db.orders.page(
                shop.id, status=status, search=search, after=after, limit=limit + 1, now=self.clock()
            )
            more = len(orders) > limit
            return orders[:limit], encode_cursor(orders[limit - 1]) if more else None

        key = (shop.id, status, search, cursor, limit)
        return await self._pages.get(key, revision, lambda kept: kept == revision, page)

    async def revision(self, shop: Shop) -> int:
        """Moves whenever the shop's orders or notifications change; one read by id."""
        return await self.db.stats.revision(shop.id)

    async def stats(self, shop: Shop) -> Stats:
        counters = await self.db.stats.get(shop.id)
        by_status = {status.value: int(counters.get(f"by_status.{status}", 0)) for status in Status}
        sent = int(counters.get("notifications.sent", 0))
        delivered = int(counters.get("notifications.delivered", 0))
        failed = int(counters.get("notifications.failed", 0))
        moves = counters.get("moves.total", 0)
        shipped = counters.get("shipping.count", 0)
        return Stats(
            total=int(counters.get("total", 0)),
            by_status=by_status,
            sent=sent,
            delivered=delivered,
            failed=failed,
            delivery_rate=round(delivered / sent, 4) if sent else None,
            auto_progression_rate=round(counters.get("moves.automatic", 0) / moves, 4) if moves else None,
            avg_hours_to_ship=round(counters.get("shipping.hours", 0) / shipped, 1) if shipped else None,
            satisfaction=satisfaction.summary(counters),
        )
