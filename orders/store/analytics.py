"""The shops' per-day analytics counters: one document per shop and local day, incremented as things happen.

A day's ``_id`` is ``<shop_id>:<YYYY-MM-DD>`` (the shop's local day), so a range of days is one read by the
``_id`` index, at most 366 documents whatever the number of orders. A change adds its tallies
(``orders.analytics``) to each day it touches, written with this process's other counts
(``orders.store.counters``); every read here writes what this process counted first. The day a tally falls on is
found in the shop's time zone, which is read once and kept for ``ZONE_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection

from orders.analytics import DayCounts, Tally, by_day
from orders.model import ShopId
from orders.store.counters import CounterBuffer
from orders.store.documents import Doc

#: How long a shop's time zone is kept before it is read again: a change of zone moves where new counts
#: fall within this time; counts already made stay on the days they were filed under.
ZONE_SECONDS = 60.0

ZoneOf = Callable[[ShopId], Awaitable[str]]


def day_id(shop_id: ShopId, day: str) -> str:
    return f"{shop_id}:{day}"


def nested(counts: Mapping[str, float]) -> Doc:
    """Dotted counters (``status.shipped``) as the nested document they are stored as."""
    doc: Doc = {}
    for key, value in counts.items():
        *parents, name = key.split(".")
        holder = doc
        for parent in parents:
            holder = holder.setdefault(parent, {})
        holder[name] = value
    return doc


class AnalyticsStore:
    """Per shop and local day counters for the analytics page (``orders.analytics``)."""

    def __init__(self, collection: AsyncCollection[Doc], zone_of: ZoneOf, counters: CounterBuffer) -> None:
        self._days = collection
        self._counters = counters
        self._zone_of = zone_of
        self._zones: dict[ShopId, tuple[str, float]] = {}

    async def zone(self, shop_id: ShopId) -> str:
        """The shop's time zone, as read at most ``ZONE_SECONDS`` ago."""
        known = self._zones.get(shop_id)
        if known is not None and time.monotonic() - known[1] < ZONE_SECONDS:
            return known[0]
        zone = await self._zone_of(shop_id)
        self._zones[shop_id] = (zone, time.monotonic())
        return zone

    async def add(self, shop_id: ShopId, tallies: Iterable[Tally], timezone: str | None = None) -> None:
        """File ``tallies`` under the shop's local days (``timezone``, else the shop's) and count them."""
        tallies = list(tallies)
        if not tallies:
            return
        await self.add_days(shop_id, by_day(tallies, timezone or await self.zone(shop_id)))

    async def add_days(self, shop_id: ShopId, days: Mapping[str, DayCounts]) -> None:
        """Add to each day's counters (at the next flush of this process's counts)."""
        for day, counts in days.items():
            if counts:
                self._counters.add(self._days, day_id(shop_id, day), counts, {"shop_id": shop_id, "day": day})

    async def days(self, shop_id: ShopId, first: date, last: date) -> dict[str, dict[str, Any]]:
        """The counters of each counted day from ``first`` to ``last``, by ``YYYY-MM-DD``: one read by
        ``_id`` (the shop is checked on what it returns, ``orders.store`` 1)."""
        await self._counters.flush()
        ids = {"$gte": day_id(shop_id, first.isoformat()), "$lte": day_id(shop_id, last.isoformat())}
        cursor = self._days.find({"_id": ids})
        return {
            doc["day"]: {k: v for k, v in doc.items() if k not in ("_id", "shop_id", "day")}
            async for doc in cursor
            if doc.get("shop_id") == shop_id
        }

    async def counted(self, shop_id: ShopId) -> bool:
        """Whether the shop has any day counted."""
        await self._counters.flush()
        ids = {"$gte": day_id(shop_id, ""), "$lt": f"{shop_id};"}
        return await self._days.find_one({"_id": ids}, {"_id": 1}) is not None

    async def replace(self, shop_id: ShopId, days: Mapping[str, DayCounts]) -> None:
        """Set the shop's days to ``days`` (a recount): each day replaced whole, the days not in it removed.

        Replacing (not incrementing) makes a recount that runs twice, or in two processes, give the same
        counters. Changes counted while it runs may be lost or counted twice.
        """
        await self._counters.flush()
        writes = [
            ReplaceOne(
                {"_id": day_id(shop_id, day)},
                {"shop_id": shop_id, "day": day, **nested(counts)},
                upsert=True,
            )
            for day, counts in sorted(days.items())
        ]
        for start in range(0, len(writes), 500):
            await self._days.bulk_write(writes[start : start + 500], ordered=False)
        ids = {"$gte": day_id(shop_id, ""), "$lt": f"{shop_id};"}
        stale = [
            doc["_id"]
            async for doc in self._days.find({"_id": ids}, {"day": 1, "shop_id": 1})
            if doc.get("shop_id") == shop_id and doc.get("day") not in days
        ]
        if stale:
            await self._days.delete_many({"_id": {"$in": stale}})


__all__ = ["ZONE_SECONDS", "AnalyticsStore", "day_id", "nested"]
