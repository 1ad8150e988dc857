"""Every chat message in and out, apart from the customers who send and receive them.

Messages are many and customers few: a message's store has its own collection and indexes, and only it
tells the shop's live feed of messages stored and delivery states moved.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import DELIVERY_RANK, CustomerId, DeliveryState, Direction, Message, ShopId
from orders.store.batching import InsertBatcher
from orders.store.documents import Doc, from_doc, to_doc
from orders.store.errors import NotFound
from orders.store.feed import FeedStore


class MessageStore:
    """Every chat message in and out. The (channel, provider id) key makes a retried delivery a no-op.

    A message stored and a delivery state that moved go on the shop's live feed (ids and states only).
    """

    def __init__(self, collection: AsyncCollection[Doc], feed: FeedStore) -> None:
        self._messages = collection
        self._feed = feed
        self._inserts = InsertBatcher(collection)

    async def add(self, message: Message) -> bool:
        """Store the message; False when this provider id was stored before. Messages stored at the same
        moment (under load: many customers' messages and replies) go out as one write (``batching``)."""
        try:
            await self._inserts.insert(to_doc(message))
        except DuplicateKeyError:
            return False
        self._feed.publish(
            message.shop_id, "message", message_id=message.id, customer_id=message.customer_id,
            direction=message.direction.value, channel=message.channel, state=message.state.value,
        )  # fmt: skip
        return True

    async def get(self, shop_id: ShopId, message_id: str) -> Message:
        doc = await self._messages.find_one({"_id": message_id, "shop_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown message {message_id}")
        return from_doc(Message, doc)

    async def by_provider_id(self, channel: str, provider_id: str) -> Message | None:
        doc = await self._messages.find_one({"channel": channel, "provider_id": provider_id})
        return None if doc is None else from_doc(Message, doc)

    async def record_delivery(
        self,
        channel: str,
        provider_id: str,
        state: DeliveryState,
        now: datetime,
        error_code: str | None = None,
    ) -> Message | None:
        """Move an outbound message forward to ``state``; callbacks arriving out of order never move it back.

        Returns the message as it is now, or None for an unknown provider id.
        """
        rank = DELIVERY_RANK[state]
        earlier = [s.value for s, r in DELIVERY_RANK.items() if r < rank]
        change: Doc = {"state": state.value, "updated_at": now}
        if error_code:
            change["error_code"] = error_code
        moved = await self._messages.update_one(
            {
                "channel": channel,
                "provider_id": provider_id,
                "direction": Direction.OUTBOUND.value,
                "state": {"$in": earlier},
            },
            {"$set": change},
        )
        message = await self.by_provider_id(channel, provider_id)
        if message is not None and moved.modified_count:
            self._feed.publish(
                message.shop_id, "delivery", message_id=message.id, customer_id=message.customer_id,
                outbox_id=message.outbox_id, state=message.state.value,
            )  # fmt: skip
        return message

    async def recent(self, shop_id: ShopId, customer_id: CustomerId, limit: int = 20) -> list[Message]:
        cursor = self._messages.find({"shop_id": shop_id, "customer_id": customer_id})
        return [from_doc(Message, doc) async for doc in cursor.sort("created_at", DESCENDING).limit(limit)]
