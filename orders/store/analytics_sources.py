"""What a recount of a shop's analytics reads: its orders, promises, notifications and inbound messages.

Each is read once, by an index that leads with ``shop_id`` (``orders.store`` 1), and handed on one record at
a time, so a recount of a large shop does not hold it all at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from pymongo.asynchronous.database import AsyncDatabase

from orders.analytics import DayCounts
from orders.analytics_recount import Recount
from orders.model import Message, Order, OutboxEntry, Promise, ShopId
from orders.store.documents import Doc, from_doc
from orders.store.order_documents import order_from_doc
from orders.store.outbox_documents import entry_from_doc


class AnalyticsSources:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db

    async def recount(self, shop_id: ShopId, timezone: str) -> dict[str, DayCounts]:
        """What the shop's stored records add up to per local day in ``timezone`` (nothing is written).

        The outbound messages go first: a notification's outcome is dated by the message that carried it.
        """
        counting = Recount(timezone)
        async for message in self.messages(shop_id):
            counting.message(message)
        async for entry in self.notifications(shop_id):
            counting.notification(entry)
        async for order in self.orders(shop_id):
            counting.order(order)
        async for promise in self.promises(shop_id):
            counting.promise(promise)
        return counting.days

    async def orders(self, shop_id: ShopId) -> AsyncIterator[Order]:
        async for doc in self._db.orders.find({"shop_id": shop_id}):
            yield order_from_doc(doc)

    async def promises(self, shop_id: ShopId) -> AsyncIterator[Promise]:
        async for doc in self._db.promises.find({"shop_id": shop_id}):
            yield from_doc(Promise, doc)

    async def notifications(self, shop_id: ShopId) -> AsyncIterator[OutboxEntry]:
        async for doc in self._db.outbox.find({"shop_id": shop_id}):
            yield entry_from_doc(doc)

    async def messages(self, shop_id: ShopId) -> AsyncIterator[Message]:
        """Every message in and out (the outbound ones say when a notification's outcome came)."""
        async for doc in self._db.messages.find({"shop_id": shop_id}):
            yield from_doc(Message, doc)


__all__ = ["AnalyticsSources"]
