"""The promise ledger: every delivery date told to a customer, one document per message that told it.

A promise's ``_id`` is the id of the outbox entry that carried it, so recording the same send twice (a
retry after a crash between the send and the write) keeps one. Open promises are read by shop (the watch
over them) and by order (settling them at delivery); the report reads a shop's promises due in a range.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import OrderId, Promise, PromiseOutcome, ShopId
from orders.store.documents import Doc, from_doc, to_doc


class PromiseStore:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._promises = collection

    async def add(self, promise: Promise) -> bool:
        """Record ``promise``; False when its message was recorded already."""
        try:
            await self._promises.insert_one(to_doc(promise))
        except DuplicateKeyError:
            return False
        return True

    async def for_order(self, shop_id: ShopId, order_id: OrderId) -> list[Promise]:
        cursor = self._promises.find({"shop_id": shop_id, "order_id": order_id})
        return [from_doc(Promise, doc) async for doc in cursor]

    async def open(self, shop_id: ShopId, limit: int) -> list[Promise]:
        """The shop's open promises, the soonest due first."""
        query = {"shop_id": shop_id, "outcome": PromiseOutcome.OPEN.value}
        cursor = self._promises.find(query).sort("promised_day", 1).limit(limit)
        return [from_doc(Promise, doc) async for doc in cursor]

    async def due_between(self, shop_id: ShopId, first_day: str, last_day: str) -> list[Promise]:
        """The shop's promises whose promised day lies in ``[first_day, last_day]`` (``YYYY-MM-DD``)."""
        query = {"shop_id": shop_id, "promised_day": {"$gte": first_day, "$lte": last_day}}
        return [from_doc(Promise, doc) async for doc in self._promises.find(query)]

    async def settle(
        self, shop_id: ShopId, settled: Iterable[tuple[Promise, PromiseOutcome]], delivered_at: datetime | None,
        now: datetime,
    ) -> list[PromiseOutcome]:  # fmt: skip
        """Mark each still-open promise with its outcome; the outcomes of those this changed (a settled one
        stays as it is, and is not in the list)."""
        changed = []
        for promise, result in settled:
            done = await self._promises.update_one(
                {"_id": promise.id, "shop_id": shop_id, "outcome": PromiseOutcome.OPEN.value},
                {"$set": {"outcome": result.value, "delivered_at": delivered_at, "settled_at": now}},
            )
            if done.modified_count:
                changed.append(result)
        return changed


__all__ = ["PromiseStore"]
