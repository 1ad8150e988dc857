"""Inbound chat messages acknowledged but not handled yet: the one write a chat webhook makes.

The collection holds only what is still to be handled, keyed by channel and provider id, with no index
but ``_id``, so storing a delivery costs the least a write can (``orders.store``, 5). Once handled, a
message moves to
``messages`` (``MessageStore.add``) and its entry here is removed; ``pending`` finds what a crash left.
Under load both the stores and the removals of messages arriving together go out as one write each
(``orders.store.batching``).
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import Message
from orders.store.batching import DeleteBatcher, InsertBatcher
from orders.store.documents import Doc, from_doc, to_doc


def _key(message: Message) -> str:
    return f"{message.channel}:{message.provider_id}"


class InboxStore:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._inbox = collection
        self._inserts = InsertBatcher(collection)
        self._deletes = DeleteBatcher(collection)

    async def add(self, message: Message) -> bool:
        """Keep the message until it is handled; False when this delivery is waiting already."""
        try:
            await self._inserts.insert(
                {"_id": _key(message), "received_at": message.created_at, "message": to_doc(message)}
            )
        except DuplicateKeyError:
            return False
        return True

    async def pending(self, received_before: datetime, limit: int = 100) -> list[Message]:
        """Messages received before ``received_before`` and not handled yet, oldest first.

        Everything here is pending, so the server reads the (small) collection whole, without an index.
        """
        cursor = self._inbox.find({"received_at": {"$lte": received_before}}).sort("received_at", ASCENDING)
        return [from_doc(Message, doc["message"]) async for doc in cursor.limit(limit)]

    async def remove(self, message: Message) -> None:
        """Take the handled message out (messages handled together are taken out in one write)."""
        await self._deletes.delete(_key(message))
