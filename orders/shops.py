"""Shops: a new one (``new_shop``), and lookups with a short-lived cache: every request needs its shop, few
change it.

A change of settings is seen at once by the process that made it (``forget``) and by every other process
once its copy is older than the cache's ``ttl`` (5 seconds).

Requests that miss at the same moment (a burst when an entry expires) share one read.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orders.model import Shop, ShopId, new_id
from orders.shared_answers import SharedAnswers
from orders.store import ShopStore


def new_shop(name: str, now: datetime, **details: Any) -> Shop:
    """A new shop with its own id and a generated order-webhook secret."""
    return Shop(
        id=ShopId(new_id("shop")),
        name=name,
        webhook_secret=secrets.token_urlsafe(32),
        created_at=now,
        **details,
    )


class ShopDirectory:
    def __init__(
        self, store: ShopStore, clock: Callable[[], datetime], ttl: timedelta = timedelta(seconds=5)
    ):
        self._store = store
        self._clock = clock
        self._ttl = ttl
        self._shops: SharedAnswers[str, datetime, Shop] = SharedAnswers(limit=10_000)
        self._addresses: SharedAnswers[tuple[str, str], datetime, Shop | None] = SharedAnswers(limit=10_000)

    def _fresh(self, now: datetime) -> Callable[[datetime], bool]:
        return lambda read_at: now - read_at < self._ttl

    async def get(self, shop_id: str) -> Shop:
        """The shop, or NotFound (which is not kept)."""
        now = self._clock()
        return await self._shops.get(shop_id, now, self._fresh(now), lambda: self._store.get(ShopId(shop_id)))

    async def by_address(self, field: str, address: str) -> Shop | None:
        """The shop owning a channel address (``sms_number``, ``whatsapp_number``, ``instagram_id``)."""
        now = self._clock()
        return await self._addresses.get(
            (field, address), now, self._fresh(now), lambda: self._store.by_address(field, address)
        )

    def forget(self, shop_id: str) -> None:
        """Drop what is kept of a shop whose settings changed: the shop, and every channel-address answer
        (its old addresses must stop finding it, its new ones start)."""
        self._shops.discard(shop_id)
        self._addresses.forget(lambda _key: True)
