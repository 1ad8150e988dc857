"""Bulk actions: one action (move, message, auto-progress) on up to 100 orders, each with its own result.

All bulk actions of the process share one ``FairGate``: a shop's bulks together change at most
``BULK_CONCURRENCY_PER_SHOP`` orders at once, and all shops' at most ``BULK_CONCURRENCY``, so one shop's
bulk never floods the database for the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Literal

from orders.fair_gate import FairGate
from orders.lifecycle import InvalidTransition, Status
from orders.model import Order, Shop, Source
from orders.store import Conflict, NotFound
from orders.usecases.desk import DeskCommands
from orders.usecases.progression import Progression

BulkAction = Literal["auto_progress", "update_status", "notify"]
BulkOutcome = Literal["applied", "not_applied", "failed"]

#: Orders of bulk actions changed at once in one process, and at most of one shop (``FairGate``).
BULK_CONCURRENCY = 16
BULK_CONCURRENCY_PER_SHOP = 8


@dataclass(frozen=True)
class BulkResult:
    """One order's result: ``applied``; ``not_applied`` (an auto-progress whose rules said not yet: nothing
    went wrong); or ``failed`` (unknown order, a move not allowed, a change meanwhile)."""

    order_id: str
    ok: bool
    error: str | None = None
    outcome: BulkOutcome = "applied"
    number: str | None = None  # None for an id the shop does not know
    #: The order as the action left it, when it moved it (for the caller's follow-ups: trackers).
    order: Order | None = field(default=None, compare=False, repr=False)


class _NotApplied(Exception):
    """A bulk auto-progress that decided not to move the order."""


@dataclass(frozen=True)
class BulkActions:
    desk: DeskCommands
    progression: Progression
    gate: FairGate[str] = field(
        default_factory=lambda: FairGate(BULK_CONCURRENCY, BULK_CONCURRENCY_PER_SHOP), repr=False
    )

    async def run(
        self,
        shop: Shop,
        order_ids: list[str],
        action: BulkAction,
        *,
        actor: str | None,
        status: Status | None = None,
        message: str | None = None,
    ) -> list[BulkResult]:
        """Run one action on up to 100 orders, a few at a time; every order gets its own result."""

        async def one(order_id: str) -> BulkResult:
            try:
                moved = await self._one(shop, order_id, action, actor=actor, status=status, message=message)
            except NotFound:
                return BulkResult(order_id, False, "not_found", "failed")
            except InvalidTransition as exc:
                return BulkResult(order_id, False, f"invalid_transition: {exc}", "failed")
            except Conflict as exc:
                return BulkResult(order_id, False, f"conflict: {exc}", "failed")
            except _NotApplied as exc:
                return BulkResult(order_id, False, f"not_applied: {exc}", "not_applied")
            return BulkResult(order_id, True, order=moved)

        results = await asyncio.gather(*(one(order_id) for order_id in dict.fromkeys(order_ids)))
        async with self.gate.hold(shop.id):  # numbers never change: one read names every order
            found = await self.desk.db.orders.get_many(shop.id, [result.order_id for result in results])
        return [
            replace(result, number=found[result.order_id].number) if result.order_id in found else result
            for result in results
        ]

    async def _one(
        self, shop: Shop, order_id: str, action: BulkAction, *, actor: str | None, status: Status | None,
        message: str | None,
    ) -> Order | None:  # fmt: skip
        """One order's action; its reads and writes pass the bulk gate, an advisor's answer is awaited
        outside it (the AI client bounds its own calls), so a slow model holds no database place."""
        if action == "update_status":
            assert status is not None
            async with self.gate.hold(shop.id):
                return await self.desk.update_status(
                    shop, order_id, status, source=Source.STAFF, actor=actor, note=message
                )
        if action == "notify":
            async with self.gate.hold(shop.id):
                await self.desk.notify(shop, order_id, message=message, channel=None, actor=actor)
            return None
        async with self.gate.hold(shop.id):
            order = await self.desk.db.orders.get(shop.id, order_id)
        decision = await self.progression.decide(shop, order)
        async with self.gate.hold(shop.id):
            result = await self.progression.apply(shop, order, decision, actor)
        if not result.applied:
            raise _NotApplied(result.decision.reason)
        return result.order
