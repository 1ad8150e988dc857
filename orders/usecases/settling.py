"""Settling an order's promises when it closes: kept or broken at delivery, void when cancelled.

Apart from the ledger's other use cases so that ``UnitOfWork`` can call it with every change that closes an
order (from a shop, a carrier, staff or an import) without importing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orders import promises
from orders.analytics import promise_tallies
from orders.lifecycle import TERMINAL, Status
from orders.model import Order, Promise, PromiseOutcome
from orders.store import Database


async def settle_promises(
    db: Database, order: Order, now: datetime, found: Sequence[Promise] | None = None
) -> int:
    """Mark the order's open promises (``found``, else read) with what its state makes of them; how many
    changed. Those kept or broken count on the analytics day they were settled (``orders.analytics``)."""
    if order.status not in TERMINAL:
        return 0
    if found is None:
        found = await db.promises.for_order(order.shop_id, order.id)
    settled = [
        (promise, result)
        for promise in found
        if promise.outcome == PromiseOutcome.OPEN
        and (result := promises.settlement(promise, order)) is not None
    ]
    if not settled:
        return 0
    delivered_at = order.status_since if order.status == Status.FULFILLED else None
    changed = await db.promises.settle(order.shop_id, settled, delivered_at, now)
    await db.analytics.add(order.shop_id, promise_tallies(changed, now))
    return len(changed)


def closes(before: Order | None, after: Order) -> bool:
    """Whether this change delivers or cancels the order."""
    return after.status in TERMINAL and (before is None or before.status != after.status)


__all__ = ["closes", "settle_promises"]
