"""Recording a satisfaction request's life on its order: sent, skipped, answered.

Each step reads the order, computes the change with ``orders.satisfaction`` and commits it through the unit
of work (computing it again when the order changed meanwhile). A step that does not apply (the request is
not in the state it needs: answered already, never asked) changes nothing and answers None, which is what
makes an answer count once, however often it arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from orders import satisfaction
from orders.model import Order, ShopId
from orders.usecases.unit_of_work import UnitOfWork, retrying


@dataclass(frozen=True)
class Surveys:
    uow: UnitOfWork

    async def _change(
        self, shop_id: ShopId, order_id: str, step: Callable[[Order], Order | None]
    ) -> Order | None:
        changed: list[Order | None] = [None]

        async def attempt() -> Order:
            order = await self.uow.db.orders.get(shop_id, order_id)
            after = step(order)
            changed[0] = None if after is None else await self.uow.commit(order, after, [])
            return changed[0] or order

        await retrying(attempt)
        return changed[0]

    async def asked(
        self, shop_id: ShopId, order_id: str, channel: str, customer_id: str | None = None
    ) -> Order | None:
        """The request went out on ``channel``: its answer is awaited from now on, on the order and from the
        customer it reached (their next "4" answers it, on whatever channel they write)."""
        now = self.uow.clock()
        changed = await self._change(shop_id, order_id, lambda order: satisfaction.asked(order, channel, now))
        if customer_id is not None:
            await self.uow.db.customers.await_satisfaction(shop_id, customer_id, order_id)
        return changed

    async def skipped(self, shop_id: ShopId, order_id: str, reason: str) -> Order | None:
        """The request could not go (outside the window with no template, opted out, no address): why."""
        now = self.uow.clock()
        return await self._change(shop_id, order_id, lambda order: satisfaction.skipped(order, reason, now))

    async def answer(
        self, shop_id: ShopId, order_id: str, score: int, comment: str | None, *, via: str, window: timedelta
    ) -> Order | None:
        """Record the customer's answer once; None when the request is not open (answered already, never
        asked, or asked longer than ``window`` ago)."""
        now = self.uow.clock()

        def step(order: Order) -> Order | None:
            if not satisfaction.is_open(order, now, window):
                return None
            return satisfaction.answered(order, score, comment, now, via)

        return await self._change(shop_id, order_id, step)


__all__ = ["Surveys"]
