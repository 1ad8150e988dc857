"""Per-shop counters kept incrementally (the embedded server scans whole collections for ``$group``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from orders.model import ShopId
from orders.store.documents import Doc


class StatsStore:
    """Per-shop counters, kept as changes happen so that stats never scan the orders.

    Every ``add`` also counts one ``revision``: a number that moves whenever the shop's orders or
    notifications change, so that a page can ask "anything new?" with one read by id.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._stats = collection

    async def add(self, shop_id: ShopId, deltas: Mapping[str, float]) -> None:
        changes = {key: value for key, value in deltas.items() if value}
        changes["revision"] = 1
        await self._stats.update_one({"_id": shop_id}, {"$inc": changes}, upsert=True)

    async def touch(self, shop_id: ShopId) -> None:
        """Count a change that moves no counter (a flag, a delivery state) in ``revision``."""
        await self.add(shop_id, {})

    async def revision(self, shop_id: ShopId) -> int:
        doc = await self._stats.find_one({"_id": shop_id}, {"revision": 1})
        return int(doc.get("revision", 0)) if doc else 0

    async def get(self, shop_id: ShopId) -> dict[str, float]:
        doc = await self._stats.find_one({"_id": shop_id}) or {}
        return _flatten({k: v for k, v in doc.items() if k != "_id"})


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in doc.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = float(value)
    return flat
