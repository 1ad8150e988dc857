"""Shop lookups with a short-lived cache: every request needs its shop, few change it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from orders.model import Shop, ShopId
from orders.store import ShopStore


class ShopDirectory:
    def __init__(
        self, store: ShopStore, clock: Callable[[], datetime], ttl: timedelta = timedelta(seconds=5)
    ):
        self._store = store
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[str, tuple[datetime, Shop]] = {}
        self._addresses: dict[tuple[str, str], tuple[datetime, Shop | None]] = {}

    async def get(self, shop_id: str) -> Shop:
        """The shop, or NotFound."""
        now = self._clock()
        hit = self._cache.get(shop_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        shop = await self._store.get(ShopId(shop_id))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[shop_id] = (now, shop)
        return shop

    async def by_address(self, field: str, address: str) -> Shop | None:
        """The shop owning a channel address (``sms_number``, ``whatsapp_number``, ``instagram_id``)."""
        now = self._clock()
        key = (field, address)
        hit = self._addresses.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        shop = await self._store.by_address(field, address)
        if len(self._addresses) > 10_000:
            self._addresses.clear()
        self._addresses[key] = (now, shop)
        return shop
