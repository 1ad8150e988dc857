"""Fixed-window counters, token buckets and revoked tokens shared by every process."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.store.documents import Doc

#: How long a bucket is kept after the turns it handed out (a TTL index removes it then).
_KEPT = timedelta(hours=1)


class RateLimitStore:
    """Fixed-window counters and token buckets shared by every process (a TTL index removes old ones)."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._limits = collection

    async def allow(self, key: str, now: datetime, *, limit: int, window_seconds: int, hits: int = 1) -> bool:
        """Count ``hits`` (one) for ``key`` if the current window has room for them; False once it has not.

        One atomic write: a conditional increment that inserts the window when there is none. When the
        window exists but is full the insert meets its key, and the increment is tried once more without
        it (the window may also have been created by a concurrent hit just then); so concurrent hits from
        several processes never let more than ``limit`` through.
        """
        if hits > limit:
            return False
        start = int(now.timestamp()) // window_seconds * window_seconds
        window_id = f"{key}|{start}"
        room = {"_id": window_id, "count": {"$lte": limit - hits}}
        expires = datetime.fromtimestamp(start + 2 * window_seconds, tz=now.tzinfo)
        try:
            await self._limits.update_one(
                room, {"$inc": {"count": hits}, "$setOnInsert": {"expires_at": expires}}, upsert=True
            )
        except DuplicateKeyError:
            counted = await self._limits.update_one(room, {"$inc": {"count": hits}})
            return counted.modified_count == 1
        return True

    async def take(
        self, key: str, now: datetime, *, per_second: float, burst: int = 1, tries: int = 4
    ) -> timedelta | None:
        """Take one token from the bucket ``key``; None when taken, else how long until one is free.

        A token bucket kept as its theoretical arrival time (GCRA, in epoch seconds: a date keeps only
        milliseconds), one document per bucket shared by every process. Taking a token is one conditional
        pipeline update (``tat`` moves on only while the bucket has room), so concurrent senders never
        read-then-write and never retry against each other; only a full or missing bucket costs a read.
        """
        interval = 1 / per_second
        slack = interval * (burst - 1)
        at = now.timestamp()
        # Never past this: tat ends at most slack + interval ahead of now.
        expires_at = now + timedelta(seconds=slack + interval + 600)
        for _ in range(tries):
            moved = await self._limits.update_one(
                {"_id": key, "tat": {"$lte": at + slack}},
                [{"$set": {"tat": {"$add": [{"$max": ["$tat", at]}, interval]}, "expires_at": expires_at}}],
            )
            if moved.matched_count:
                return None
            doc = await self._limits.find_one({"_id": key})
            if doc is None:
                try:
                    await self._limits.insert_one(
                        {"_id": key, "tat": at + interval, "expires_at": expires_at}
                    )
                except DuplicateKeyError:
                    continue  # another sender created it just now: take from it
                return None
            wait = float(doc["tat"]) - at - slack
            if wait > 0:
                return timedelta(seconds=wait)
        return timedelta(seconds=interval)

    async def reserve(
        self, key: str, now: datetime, *, per_second: float, burst: int = 1, tries: int = 4
    ) -> timedelta | None:
        """Take the bucket's next token, free now or not: None when it is free now, else how long until the
        token now held for the caller frees (the caller then goes without taking another).

        ``take`` refuses a full bucket without moving it, so every sender it refuses comes back at the same
        moment and all but one are refused again; under a backlog they would try again and again. A full
        bucket's ``tat`` only grows, so here it is moved on by one interval whatever the room (one atomic
        increment): the waiting senders are spread one interval apart, each at its own turn.
        """
        interval = 1 / per_second
        slack = interval * (burst - 1)
        at = now.timestamp()
        for _ in range(tries):
            if await self.take(key, now, per_second=per_second, burst=burst, tries=1) is None:
                return None
            reserved = await self._limits.find_one_and_update(
                {"_id": key, "tat": {"$gt": at + slack}},
                {"$inc": {"tat": interval}, "$max": {"expires_at": now + _KEPT}},
                projection=["tat"],
                return_document=ReturnDocument.AFTER,
            )
            if reserved is None:
                continue  # room again (or no bucket): take it now
            wait = timedelta(seconds=float(reserved["tat"]) - interval - at - slack)
            if wait > _KEPT / 2:  # a long backlog: the bucket must outlive the last turn it handed out
                await self._limits.update_one({"_id": key}, {"$max": {"expires_at": now + wait + _KEPT}})
            return wait
        return timedelta(seconds=interval)  # not reached: the bucket exists and is full, or has room

    async def used(self, key: str, now: datetime, *, window_seconds: int) -> int:
        """How many hits ``allow`` has counted for ``key`` in the current window (one read, no write)."""
        doc = await self._limits.find_one({"_id": f"{key}|{window_start(now, window_seconds)}"})
        return 0 if doc is None else int(doc["count"])


def window_start(now: datetime, window_seconds: int) -> int:
    """The epoch second at which ``now``'s fixed window (``RateLimitStore.allow``) began."""
    return int(now.timestamp()) // window_seconds * window_seconds


class RevocationStore:
    """Token ids (``jti``) refused from now on, by every process: each request looks its token up by id."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._revoked = collection

    async def revoke(self, token_id: str, now: datetime, expires_at: datetime | None = None) -> bool:
        """Revoke a token id; False when it was revoked before. ``expires_at`` lets the record expire."""
        doc: Doc = {"_id": token_id, "revoked_at": now}
        if expires_at is not None:
            doc["expires_at"] = expires_at
        try:
            await self._revoked.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def is_revoked(self, token_id: str) -> bool:
        return await self._revoked.find_one({"_id": token_id}, projection=["_id"]) is not None
