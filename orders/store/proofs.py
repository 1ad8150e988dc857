"""What linking an Instagram account needs to store: failed proofs over a sliding day, and one-time codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import ShopId
from orders.store.documents import Doc

#: Digits of a one-time code: a guess matches one of the shop's pending codes with odds of pending / 10^8.
CODE_DIGITS = 8


@dataclass(frozen=True)
class Taken:
    """One counted attempt: where it was counted (to give it back), and the count within the span with it."""

    bucket_id: str
    total: int


class AttemptCounter:
    """Attempts per key within a sliding span, never more than a limit, however many processes count at once.

    Counts live in hour buckets (``rate_limits`` documents, removed by its TTL index): an attempt is counted
    in the current bucket by one conditional increment that leaves room only for what the earlier buckets of
    the span have not used. Earlier buckets no longer grow, so reading them first is no read-then-write race;
    any window of ``span`` holds at most ``limit`` attempts, and a key is free again once its attempts are a
    span (plus at most a bucket) old. An attempt is counted *before* it is judged and given back when it
    succeeded, so that concurrent guesses cannot all be judged while the count still looks low.
    """

    def __init__(self, collection: AsyncCollection[Doc], bucket_seconds: int = 3600) -> None:
        self._limits = collection
        self._bucket = bucket_seconds

    async def take(self, key: str, now: datetime, *, limit: int, span: timedelta) -> Taken | None:
        """Count one attempt for ``key``; None (and nothing counted) when the span already holds ``limit``."""
        size = self._bucket
        start = int(now.timestamp()) // size * size
        earlier_buckets = int(span.total_seconds()) // size
        earlier_ids = [f"{key}|{start - i * size}" for i in range(1, earlier_buckets + 1)]
        earlier = sum([int(doc["count"]) async for doc in self._limits.find({"_id": {"$in": earlier_ids}})])
        room = limit - earlier
        if room <= 0:
            return None
        bucket_id = f"{key}|{start}"
        expires = datetime.fromtimestamp(start + (earlier_buckets + 2) * size, tz=UTC)
        for _ in range(2):
            counted = await self._limits.update_one(
                {"_id": bucket_id, "count": {"$lt": room}}, {"$inc": {"count": 1}}
            )
            if counted.modified_count:
                # read after the write: a concurrent attempt may show in it too, so two attempts can both
                # see the limit reached (the caller's alert is keyed by bucket to stay one)
                doc = await self._limits.find_one({"_id": bucket_id})
                return Taken(bucket_id, earlier + (int(doc["count"]) if doc else 1))
            try:
                await self._limits.insert_one({"_id": bucket_id, "count": 1, "expires_at": expires})
            except DuplicateKeyError:
                continue  # the bucket exists: full, or another attempt created it just now
            return Taken(bucket_id, earlier + 1)
        return None

    async def give_back(self, taken: Taken) -> None:
        """Uncount an attempt that turned out not to be a failure."""
        await self._limits.update_one({"_id": taken.bucket_id, "count": {"$gt": 0}}, {"$inc": {"count": -1}})


class LinkCodeStore:
    """One-time codes a phone gets on SMS or WhatsApp and gives in an Instagram message, one pending per phone.

    A code is redeemed at most once (one atomic find-and-delete) and only before it expires; a TTL index
    removes the ones never used.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._codes = collection

    async def issue(self, shop_id: ShopId, phone: str, now: datetime, ttl: timedelta) -> str:
        """A new code for ``phone``, replacing the one it had."""
        for _ in range(5):
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            doc: Doc = {"shop_id": shop_id, "code": code, "phone": phone, "expires_at": now + ttl}
            try:
                await self._codes.replace_one({"_id": f"{shop_id}|{phone}"}, doc, upsert=True)
            except DuplicateKeyError:
                continue  # another phone of the shop holds this code right now
            return code
        raise RuntimeError("no free link code")  # pragma: no cover - odds of 10^-40 with few pending codes

    async def redeem(self, shop_id: ShopId, code: str, now: datetime) -> str | None:
        """The phone a pending ``code`` was issued to (the code is used up), or None."""
        doc = await self._codes.find_one({"shop_id": shop_id, "code": code})
        if doc is None or doc["expires_at"] <= now:
            return None
        used = await self._codes.delete_one({"_id": doc["_id"], "code": code})
        return str(doc["phone"]) if used.deleted_count else None  # else redeemed by another message first
