"""The attention queue: orders that need a person, the longest waiting first.

An order needs attention when it sat too long in its status, nobody has contacted its customer, or an event
flagged it (a failed notification, a customer waiting for an answer); ``orders.rules`` says which. Here the
candidates are read, oldest first, each query on an index, and the answers kept for a few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from orders import rules, waiting
from orders.lifecycle import ACTIVE, Status
from orders.model import Order, Shop, ShopId
from orders.shared_answers import SharedAnswers
from orders.store import Database
from orders.usecases.unit_of_work import Clock
from orders.usecases.waiting_reads import WaitingDays, within_window

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
        """Read the candidates oldest first: stale orders, uncontacted ones, flagged ones.

        Once ``limit`` candidates are in, only older ones can enter, so every later query stops at the
        ``limit``-th oldest (the cutoff). The waiting days (``orders.waiting``) say that point before the
        first query; if the stale orders then fall short of ``limit``, the counts were ahead of the orders
        and the queue is read again without them.
        """
        stale = _stale_bounds(shop, now, max_age_hours, reason)
        days: WaitingDays = await self.db.stats.waiting(shop.id)
        while True:
            hint = _hint(days, stale, limit)
            candidates, cutoff = await self._oldest_stale(shop.id, stale, limit, hint)
            if hint is None or len(candidates) >= limit:
                break
            days = {}
        if _wanted(reason, rules.Reason.NO_CUSTOMER_CONTACT):
            # created_at <= status_since, so an order created after the cutoff cannot make the page
            before = _bounded(now - timedelta(hours=shop.rules.no_contact_hours), cutoff)
            read = partial(self.db.orders.uncontacted_since_before, shop.id, limit=limit)
            found = await within_window(read, days.get(waiting.UNCONTACTED, {}), before, limit)
            candidates.update((order.id, order) for order in found)
            cutoff = _cutoff(candidates, limit, cutoff)
        for flag in rules.FLAG_REASONS:
            if _wanted(reason, flag):
                for order in await self.db.orders.flagged(shop.id, flag.value, limit, until=cutoff):
                    candidates[order.id] = order
        items = []
        for order in candidates.values():
            reasons = rules.attention_reasons(order, shop.rules, now, max_age_hours)
            if reasons and (reason is None or reason in reasons):
                items.append(AttentionItem(order, reasons, rules.age_hours(order, now)))
        items.sort(key=lambda item: (item.order.status_since, item.order.id))
        return items[:limit]

    async def _oldest_stale(
        self, shop_id: ShopId, stale: Mapping[Status, datetime], limit: int, cutoff: datetime | None
    ) -> tuple[dict[str, Order], datetime | None]:
        """The oldest orders stale in each status, read up to ``cutoff``, and the cutoff they leave."""
        candidates: dict[str, Order] = {}
        for status, before in sorted(stale.items(), key=lambda pair: pair[1]):
            found = await self.db.orders.in_status_since_before(
                shop_id, status, _bounded(before, cutoff), limit
            )
            candidates.update((order.id, order) for order in found)
            cutoff = _cutoff(candidates, limit, cutoff)
        return candidates, cutoff


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


def _hint(days: WaitingDays, stale: Mapping[Status, datetime], limit: int) -> datetime | None:
    """Where the waiting counts say the ``limit`` oldest stale orders end, when that narrows the reads."""
    if not stale:
        return None
    hint = waiting.shared_window_end(days, {s.value: b for s, b in stale.items()}, limit)
    return hint if hint < max(stale.values()) else None


def _cutoff(candidates: Mapping[str, Order], limit: int, cutoff: datetime | None) -> datetime | None:
    """The ``limit``-th oldest candidate's time once there are ``limit``; until then ``cutoff`` stands."""
    if len(candidates) < limit:
        return cutoff
    return sorted(order.status_since for order in candidates.values())[limit - 1]


def _bounded(before: datetime, cutoff: datetime | None) -> datetime:
    return before if cutoff is None else min(before, cutoff)
