"""One change at a time per order, in the order they arrived, within a process.

A webhook answers once its event is recorded and the event workers apply it afterwards, several at once:
two events of one order accepted one after the other (a shop sends "created", hears 200, sends "updated")
would otherwise be applied side by side, and the later one might land first. ``OrderTurns`` hands each
order's changes a lock taken in arrival order (asyncio's locks are first come, first served), so they are
applied as they came; changes of different orders still run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable


class OrderTurns:
    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        """Hold ``key``'s turn: after every holder that asked for it earlier, before any that asks later."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
