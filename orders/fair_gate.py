"""A bound on concurrent work per process that one tenant cannot fill alone.

Bulk actions run many order changes at once; unbounded, twenty of them from one shop put hundreds of
database calls in flight and every other shop's requests queue behind them. Work passes a shop's own gate
first and the process's gate second, so a shop waits in its own queue and never holds more than its share
of the process's places: another shop's bulk still finds free places, and its plain requests find a
database that is not flooded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class FairGate(Generic[K]):
    """At most ``total`` holders at once, and at most ``per_key`` of them for any one key."""

    def __init__(self, total: int, per_key: int) -> None:
        if not 0 < per_key <= total:
            raise ValueError("need 0 < per_key <= total")
        self.total = total
        self.per_key = per_key
        self._process = asyncio.Semaphore(total)
        self._keys: dict[K, tuple[asyncio.Semaphore, int]] = {}  # key -> (its gate, holders and waiters)

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        gate, users = self._keys.get(key, (None, 0))
        if gate is None:
            gate = asyncio.Semaphore(self.per_key)
        self._keys[key] = (gate, users + 1)
        try:
            async with gate, self._process:
                yield
        finally:
            gate, users = self._keys[key]
            if users == 1:
                del self._keys[key]  # no one holds or waits: the next user starts a fresh gate
            else:
                self._keys[key] = (gate, users - 1)
