"""Automatic progression: whether an order moves on by itself, and moving it.

The rules (``orders.rules``) decide; an advisor (Gemini, when it is plugged in) may weigh in but never
choose a move the rules do not allow. Orders move when an event makes them due (``progress_if_due``), when
staff ask (``auto_progress``), and in the periodic ``sweep``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from orders import rules
from orders.lifecycle import InvalidTransition, Status
from orders.model import Decision, Order, Shop
from orders.store import Conflict, Database
from orders.usecases.desk import DeskCommands


class ProgressionAdvisor(Protocol):
    """Decides whether an order should move on. The rules are one; Gemini plugs in as another."""

    async def decide(
        self, order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision
    ) -> Decision:
        """Return a decision; its ``next_status`` must be one of ``allowed``."""
        ...


class RulesAdvisor:
    """The advisor without AI: the rules' own decision."""

    async def decide(
        self, order: Order, shop: Shop, allowed: list[Status], rules_decision: Decision
    ) -> Decision:
        return rules_decision


@dataclass(frozen=True)
class AutoProgressResult:
    decision: Decision
    applied: bool
    order: Order


@dataclass(frozen=True)
class Progression:
    desk: DeskCommands
    advisor: ProgressionAdvisor

    @property
    def db(self) -> Database:
        return self.desk.db

    async def auto_progress(
        self, shop: Shop, order_id: str, *, dry_run: bool = False, actor: str | None = None
    ) -> AutoProgressResult:
        """Decide, and unless ``dry_run`` apply, whether the order moves on."""
        order = await self.db.orders.get(shop.id, order_id)
        decision = await self.decide(shop, order)
        if dry_run:
            return AutoProgressResult(decision=decision, applied=False, order=order)
        return await self.apply(shop, order, decision, actor)

    async def decide(self, shop: Shop, order: Order) -> Decision:
        """The advisor's decision, held to the moves the rules allow (no write)."""
        rules_decision = rules.decide_progression(order, shop.rules, self.desk.clock())
        allowed = rules.allowed_moves(order)
        decision = await self.advisor.decide(order, shop, allowed, rules_decision)
        if decision.should_progress and decision.next_status not in allowed:
            return rules_decision
        return decision

    async def apply(
        self, shop: Shop, order: Order, decision: Decision, actor: str | None
    ) -> AutoProgressResult:
        """Move ``order`` as ``decision`` says when it is confident enough, unless the order changed since."""
        if not rules.is_confident(decision, shop.rules) or decision.next_status is None:
            return AutoProgressResult(decision=decision, applied=False, order=order)
        try:
            moved = await self.desk.update_status(
                shop, order.id, decision.next_status, source=decision.source, actor=actor,
                reason=decision.reason, confidence=decision.confidence, expected_version=order.version,
            )  # fmt: skip
        except (Conflict, InvalidTransition):
            return AutoProgressResult(
                decision=decision, applied=False, order=await self.db.orders.get(shop.id, order.id)
            )
        return AutoProgressResult(decision=decision, applied=True, order=moved)

    async def progress_if_due(self, shop: Shop, order: Order) -> bool:
        """With auto-progression on, move an order an event just changed when the rules find it due.

        Only the rules' own verdict is asked first (pure, no I/O), so an event about an order that is not
        due costs nothing more; one that is due goes through ``auto_progress`` (the advisor may weigh in).
        Moves the advisor alone would make wait for the sweep. Returns whether it moved.
        """
        if not shop.rules.auto_progress:
            return False
        if not rules.decide_progression(order, shop.rules, self.desk.clock()).should_progress:
            return False
        result = await self.auto_progress(shop, order.id, actor="auto-progress")
        return result.applied

    async def sweep(self, shop: Shop, limit: int = 200) -> int:
        """Auto-progress the shop's orders that may be due; return how many moved."""
        now = self.desk.clock()
        due = now - timedelta(hours=shop.rules.auto_process_after_hours)
        candidates = await self.db.waiting_orders.longest_in_status(
            shop.id, {Status.PENDING: due, Status.PROCESSING: now}, limit
        )
        moved = 0
        for order in candidates:
            if order.status == Status.PROCESSING and not (order.tracking and order.tracking.number):
                continue
            result = await self.auto_progress(shop, order.id, actor="auto-progress sweep")
            moved += result.applied
        return moved
