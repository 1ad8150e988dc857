"""Per-shop counters kept as changes happen, so that stats never count the orders (``orders.store``, 3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from orders import waiting
from orders.model import ShopId
from orders.store.counters import CounterBuffer
from orders.store.documents import Doc


class StatsStore:
    """Per-shop counters, kept as changes happen so that stats never scan the orders.

    Every ``add`` also counts one ``revision``: a number that moves whenever the shop's orders or
    notifications change, so that a page can ask "anything new?" with one read by id.

    Increments are written together with others by ``counters`` (``orders.store.counters``); every read
    here writes what this process counted first.
    """

    def __init__(self, collection: AsyncCollection[Doc], counters: CounterBuffer) -> None:
        self._stats = collection
        self._counters = counters

    async def add(self, shop_id: ShopId, deltas: Mapping[str, float]) -> None:
        changes = {key: value for key, value in deltas.items() if value}
        changes["revision"] = 1
        self._counters.add(self._stats, shop_id, changes)

    async def touch(self, shop_id: ShopId) -> None:
        """Count a change that moves no counter (a flag, a delivery state) in ``revision``."""
        await self.add(shop_id, {})

    async def revision(self, shop_id: ShopId) -> int:
        await self._counters.flush()
        doc = await self._stats.find_one({"_id": shop_id}, {"revision": 1})
        return int(doc.get("revision", 0)) if doc else 0

    async def get(self, shop_id: ShopId) -> dict[str, float]:
        """The counters, flattened (``by_status.shipped``), without the ``waiting`` days."""
        await self._counters.flush()
        doc = await self._stats.find_one({"_id": shop_id}, {waiting.FIELD: 0}) or {}
        return _flatten({k: v for k, v in doc.items() if k != "_id"})

    async def waiting(self, shop_id: ShopId) -> dict[str, dict[str, float]]:
        """Per status (and ``uncontacted``): how many active orders wait since each day (``orders.waiting``)."""
        await self._counters.flush()
        doc = await self._stats.find_one({"_id": shop_id}, {waiting.FIELD: 1}) or {}
        return {group: dict(days) for group, days in doc.get(waiting.FIELD, {}).items()}

    async def drop_empty_days(self, shop_id: ShopId) -> int:
        """Remove the ``waiting`` days that count no order any more, so the counters stay small.

        Only while they still count none: an order entering one of those days meanwhile keeps it.
        """
        empty = [
            f"{waiting.FIELD}.{group}.{day}"
            for group, days in (await self.waiting(shop_id)).items()
            for day, count in days.items()
            if count == 0
        ]
        if not empty:
            return 0
        result = await self._stats.update_one(
            {"_id": shop_id, **{key: 0 for key in empty}}, {"$unset": dict.fromkeys(empty, "")}
        )
        return len(empty) if result.modified_count else 0

    async def uncounted_waiting(self) -> list[ShopId]:
        """Shops whose counters have no ``waiting`` days yet (kept before the days were counted)."""
        await self._counters.flush()
        cursor = self._stats.find({waiting.FIELD: {"$exists": False}}, {"_id": 1})
        return [ShopId(doc["_id"]) async for doc in cursor]

    async def set_waiting(self, shop_id: ShopId, counts: Mapping[str, float]) -> None:
        """Set the ``waiting`` days (``<group>.<day>`` keys) of a shop that has none yet."""
        days: dict[str, dict[str, float]] = {}
        for key, count in counts.items():
            group, day = key.split(".")
            days.setdefault(group, {})[day] = count
        await self._stats.update_one(
            {"_id": shop_id, waiting.FIELD: {"$exists": False}}, {"$set": {waiting.FIELD: days}}
        )


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in doc.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = float(value)
    return flat
