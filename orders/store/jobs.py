"""Attention alerts already sent, and the leases that let one worker at a time run a periodic job."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import ShopId, new_id
from orders.store.documents import Doc


class AlertStore:
    """Attention alerts already sent to staff: one per (order, reason) until the reason goes away."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._alerts = collection

    async def record(self, shop_id: ShopId, order_id: str, reason: str, now: datetime) -> str | None:
        """Remember an alert about to be queued; its token (the outbox key), or None when this
        (order, reason) was alerted already. ``queued`` marks it done; until then a scan queues it again."""
        token = new_id("alr")
        try:
            await self._alerts.insert_one(
                {
                    "_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id, "order_id": order_id,
                    "reason": reason, "alerted_at": now, "token": token, "queued": False,
                }
            )  # fmt: skip
        except DuplicateKeyError:
            return None
        return token

    async def queued(self, shop_id: ShopId, order_id: str, reason: str) -> None:
        await self._alerts.update_one(
            {"_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id}, {"$set": {"queued": True}}
        )

    async def for_shop(self, shop_id: ShopId) -> list[Doc]:
        return [doc async for doc in self._alerts.find({"shop_id": shop_id})]

    async def clear(self, shop_id: ShopId, order_id: str, reason: str) -> None:
        """The reason went away: a later recurrence alerts again."""
        await self._alerts.delete_one({"_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id})


class LockStore:
    """Leases on periodic jobs, so that each runs on one worker at a time however many run."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._locks = collection

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or renew) the lease on ``name`` for ``ttl``; False while another holder's lease runs."""
        expires = now + ttl
        for _ in range(2):
            renewed = await self._locks.update_one(
                {"_id": name, "$or": [{"holder": holder}, {"expires_at": {"$lte": now}}]},
                {"$set": {"holder": holder, "expires_at": expires}},
            )
            if renewed.matched_count:
                return True
            try:
                await self._locks.insert_one({"_id": name, "holder": holder, "expires_at": expires})
            except DuplicateKeyError:
                continue  # someone holds it, or took it just now: look again once
            return True
        return False
