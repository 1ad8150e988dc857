"""Webhook deliveries already seen: claimed once per (source, event id), kept until processed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.store.batching import InsertBatcher
from orders.store.documents import Doc


class EventStore:
    """Webhook deliveries already seen, so a retried delivery changes nothing.

    A delivery is first claimed (state ``processing``), then completed with its result. A claim left by a
    crashed process can be taken over after ``stale_after``. A claim may carry the delivery's ``payload``
    (what to apply), so that a webhook can answer once it is claimed and the work can follow later, or be
    picked up again by ``pending`` after a crash.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._events = collection
        self._claims = InsertBatcher(collection)

    async def claim(
        self,
        source: str,
        event_id: str,
        now: datetime,
        payload: Mapping[str, Any] | None = None,
        *,
        started: bool = False,
    ) -> Doc | None:
        """Claim a delivery (one insert); None if it is ours now, else the earlier record.

        ``started`` claims it as being applied already (as ``start`` would), for a process that applies it
        right after the claim: another process's run leaves it alone until the claim is stale.
        """
        key = f"{source}|{event_id}"
        record: Doc = {
            "_id": key,
            "source": source,
            "event_id": event_id,
            "state": "processing",
            "received_at": now,
        }
        if payload is not None:
            record["payload"] = dict(payload)
        if started:
            record["attempts"] = 1
        for _ in range(3):
            try:
                await self._claims.insert(dict(record))
            except DuplicateKeyError:
                earlier = await self._events.find_one({"_id": key})
                if earlier is not None:
                    return earlier
                continue  # released between our insert and our read: try to claim it again
            return None
        return record  # still contended: report it as being processed

    async def get(self, source: str, event_id: str) -> Doc | None:
        return await self._events.find_one({"_id": f"{source}|{event_id}"})

    async def take_over(
        self,
        source: str,
        event_id: str,
        claimed_at: datetime,
        now: datetime,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take over a claim that another process left behind at ``claimed_at`` (compare-and-set).

        ``payload``, when given, is stored with it.
        """
        return await self._move_claim(source, event_id, claimed_at, now, payload=payload)

    async def start(self, source: str, event_id: str, claimed_at: datetime, now: datetime) -> bool:
        """Start applying a claim's payload: ``take_over``, counting the claim's ``attempts``."""
        return await self._move_claim(source, event_id, claimed_at, now, attempt=True)

    async def _move_claim(
        self,
        source: str,
        event_id: str,
        claimed_at: datetime,
        now: datetime,
        *,
        payload: Mapping[str, Any] | None = None,
        attempt: bool = False,
    ) -> bool:
        """Move a claim still ``processing`` since ``claimed_at`` to ``now``; False if it moved first.

        ``received_at`` always moves forward (by at least the database's millisecond, even on a clock that
        stands still), so of two processes moving the same claim exactly one wins.
        """
        fields: Doc = {"received_at": max(now, claimed_at + timedelta(milliseconds=1))}
        if payload is not None:
            fields["payload"] = dict(payload)
        change: Doc = {"$set": fields}
        if attempt:
            change["$inc"] = {"attempts": 1}
        result = await self._events.update_one(
            {"_id": f"{source}|{event_id}", "state": "processing", "received_at": claimed_at}, change
        )
        return result.modified_count == 1

    async def pending(self, claimed_before: datetime, limit: int = 100) -> list[Doc]:
        """Claims with a payload still ``processing`` since before ``claimed_before``, oldest first."""
        cursor = self._events.find(
            {"state": "processing", "received_at": {"$lt": claimed_before}, "payload": {"$exists": True}}
        ).sort("received_at", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def complete(self, source: str, event_id: str, result: Mapping[str, Any], now: datetime) -> None:
        """Mark the delivery applied; it is kept (so its retries stay duplicates) for 30 days from ``now``."""
        await self._events.update_one(
            {"_id": f"{source}|{event_id}"},
            {"$set": {"state": "done", "result": dict(result), "done_at": now}},
        )

    async def release(self, source: str, event_id: str) -> None:
        await self._events.delete_one({"_id": f"{source}|{event_id}", "state": "processing"})
