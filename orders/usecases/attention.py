"""The attention queue: orders that need a person, the longest waiting first.

An order needs attention when it sat too long in its status, nobody has contacted its customer, or an event
flagged it (a failed notification, a customer waiting for an answer); ``orders.rules`` says which. The store
reads the candidates (``WaitingOrders``); here they are judged, and the answers kept for a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orders import rules
from orders.lifecycle import ACTIVE, Status
from orders.model import Order, Shop
from orders.shared_answers import SharedAnswers
from orders.store import Database
from orders.usecases.unit_of_work import Clock

#: How long a kept answer is given to every asker; this process's own changes forget it at once.
ANSWER_TTL = timedelta(seconds=15)

AttentionKey = tuple[str, float | None, str | None, int]


@dataclass(frozen=True)
class AttentionItem:
    order: Order
    reasons: list[rules.Reason]
    age_hours: float


@dataclass(frozen=True)
class AttentionQueue:
    db: Database
    clock: Clock
    _answers: SharedAnswers[AttentionKey, datetime, list[AttentionItem]] = field(
        default_factory=SharedAnswers, init=False, repr=False
    )

    async def requiring_attention(
        self,
        shop: Shop,
        *,
        max_age_hours: float | None = None,
        reason: rules.Reason | None = None,
        limit: int = 50,
    ) -> list[AttentionItem]:
        """Orders that need a person, the longest waiting first; each query runs on an index.

        The queue changes on the scale of hours, and many dashboards ask for it: an answer is kept for a
        few seconds per process, and forgotten at once when this process changes one of the shop's orders.
        """
        now = self.clock()
        return await self._answers.get(
            (shop.id, max_age_hours, reason, limit),
            now,
            lambda made: now - made < ANSWER_TTL,
            lambda: self._read(shop, now, max_age_hours, reason, limit),
        )

    def forget(self, shop_id: str) -> None:
        """Drop the answers kept for the shop: its orders changed."""
        self._answers.forget(lambda key: key[0] == shop_id)

    async def _read(
        self, shop: Shop, now: datetime, max_age_hours: float | None, reason: rules.Reason | None, limit: int
    ) -> list[AttentionItem]:
        """Stale orders, uncontacted ones and flagged ones, as far as the ``limit`` longest waiting reach."""
        no_contact = now - timedelta(hours=shop.rules.no_contact_hours)
        candidates = await self.db.waiting_orders.attention_candidates(
            shop.id,
            stale=_stale_bounds(shop, now, max_age_hours, reason),
            uncontacted_before=no_contact if _wanted(reason, rules.Reason.NO_CUSTOMER_CONTACT) else None,
            flags=[flag.value for flag in rules.FLAG_REASONS if _wanted(reason, flag)],
            limit=limit,
        )
        items = []
        for order in candidates:
            reasons = rules.attention_reasons(order, shop.rules, now, max_age_hours)
            if reasons and (reason is None or reason in reasons):
                items.append(AttentionItem(order, reasons, rules.age_hours(order, now)))
        items.sort(key=lambda item: (item.order.status_since, item.order.id))
        return items[:limit]


def _wanted(reason: rules.Reason | None, candidate: rules.Reason) -> bool:
    return reason is None or reason == candidate


def _stale_bounds(
    shop: Shop, now: datetime, max_age_hours: float | None, reason: rules.Reason | None
) -> dict[Status, datetime]:
    """For each active status asked about, the time before which an order in it is stale."""
    bounds: dict[Status, datetime] = {}
    for status in ACTIVE:
        after = rules.stale_after(status, shop.rules, max_age_hours)
        if after is not None and _wanted(reason, rules.STALE_REASON[status]):
            bounds[status] = now - after
    return bounds
