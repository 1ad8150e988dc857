"""Every staff alert as the desk shows it: recorded before it is queued for Telegram and email.

An alert is first an outbox entry of kind ``staff_alert`` (the attention scan, a customer asking for a
person or to cancel, a complaint, Instagram linking paused, and whatever else raises one). The outbox
records each here before it queues it (``OutboxStore``'s ``on_alert``), so that no way of raising one can
forget the desk, and one that nobody can receive on Telegram or by email is still seen. It is keyed by the
shop and the entry's idempotency key, like the entry: raising the same alert again records nothing new.

Staff mark an alert seen; alerts go after ``KEPT_DAYS`` (a TTL index on ``expires_at``). A page of a
shop's alerts reads all of the shop's kept alerts (``orders.store``, 2): at most a few thousand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import OutboxEntry, ShopId
from orders.store.documents import Doc
from orders.store.errors import NotFound
from orders.store.feed import FeedStore
from orders.store.order_documents import decode_cursor, encode_position

#: How long the desk keeps an alert.
KEPT_DAYS = 90


@dataclass(frozen=True)
class DeskAlert:
    id: str
    shop_id: ShopId
    #: What raised it: ``attention`` (the scan), ``alert`` (a customer's message), ``link-locked``...
    source: str
    text: str
    order_id: str | None
    customer_id: str | None
    created_at: datetime
    #: The outbox entry's idempotency key: its Telegram and email delivery is read through it.
    key: str
    seen_at: datetime | None = None
    seen_by: str | None = None


def alert_id(shop_id: str, key: str) -> str:
    return "dal_" + hashlib.sha256(f"{shop_id}|{key}".encode()).hexdigest()[:24]


def _from_doc(doc: Mapping[str, Any]) -> DeskAlert:
    return DeskAlert(
        id=doc["_id"], shop_id=ShopId(doc["shop_id"]), source=doc["source"], text=doc["text"],
        order_id=doc.get("order_id"), customer_id=doc.get("customer_id"), created_at=doc["created_at"],
        key=doc["key"], seen_at=doc.get("seen_at"), seen_by=doc.get("seen_by"),
    )  # fmt: skip


class DeskAlertStore:
    def __init__(self, collection: AsyncCollection[Doc], feed: FeedStore) -> None:
        self._alerts = collection
        self._feed = feed

    async def record(self, entry: OutboxEntry) -> None:
        """Keep the alert ``entry`` is about to send, once per idempotency key, and put it on the feed."""
        doc: Doc = {
            "_id": alert_id(entry.shop_id, entry.idempotency_key),
            "shop_id": entry.shop_id,
            "source": entry.idempotency_key.partition(":")[0],
            "text": entry.message or "",
            "order_id": entry.order_id,
            "customer_id": entry.customer_id,
            "created_at": entry.created_at,
            "expires_at": entry.created_at + timedelta(days=KEPT_DAYS),
            "key": entry.idempotency_key,
        }
        try:
            await self._alerts.insert_one(doc)
        except DuplicateKeyError:
            return
        self._feed.publish(entry.shop_id, "alert", alert_id=doc["_id"], order_id=entry.order_id)

    async def page(
        self, shop_id: ShopId, *, cursor: str | None, limit: int, unseen: bool = False
    ) -> tuple[list[DeskAlert], str | None]:
        """Newest first, ``limit`` at most after ``cursor`` (ValueError for a cursor not made here), and the
        cursor of the next page (None at the end); ``unseen`` leaves out those marked seen."""
        after = decode_cursor(cursor) if cursor else None
        found = self._alerts.find({"shop_id": shop_id}).sort(
            [("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        taken: list[DeskAlert] = []
        more = False
        async for doc in found:
            if after is not None and (doc["created_at"], doc["_id"]) >= after:
                continue
            if unseen and doc.get("seen_at") is not None:
                continue
            if len(taken) == limit:
                more = True
                break
            taken.append(_from_doc(doc))
        last = taken[-1] if taken else None
        return taken, encode_position(last.created_at, last.id) if more and last else None

    async def mark_seen(self, shop_id: ShopId, alert: str, by: str, now: datetime) -> DeskAlert:
        """Mark the alert seen (the first time only: who saw it first stays); NotFound for another shop's.

        Read and written by ``_id`` alone, the shop checked here (``orders.store``, 1).
        """
        doc = await self._alerts.find_one({"_id": alert})
        if doc is None or doc.get("shop_id") != shop_id:
            raise NotFound(f"unknown alert {alert}")
        if doc.get("seen_at") is None:
            await self._alerts.update_one(
                {"_id": alert, "seen_at": None}, {"$set": {"seen_at": now, "seen_by": by}}
            )
            doc = await self._alerts.find_one({"_id": alert}) or doc
            self._feed.publish(shop_id, "alert", alert_id=alert, order_id=doc.get("order_id"))
        return _from_doc(doc)


__all__ = ["KEPT_DAYS", "DeskAlert", "DeskAlertStore", "alert_id"]
