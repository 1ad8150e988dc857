"""The counts behind the abuse limits, kept in MongoDB so they hold across web processes.

What each request is charged and how a refusal is answered is ``webhooks.access.abuse``'s job; these
classes only count, so the app's typed state can hold them without knowing about requests.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from orders.store import RateLimitStore, window_start

__all__ = ["FailureLocks", "TokenRates"]

#: Entries an in-process table keeps before dropping them; past windows' entries are re-learned from MongoDB.
_MAX_KEPT = 10_000


class FailureLocks:
    """Failed credentials per thing in the current window, counted in MongoDB; the full ones known here.

    Each failure is one conditional increment (``RateLimitStore.allow``) that either finds room under the
    limit (the request keeps its own 401/403) or does not (429): exact however many failures arrive at
    once, in however many processes. Counts only grow within a window, so a thing once found full stays
    full until the window ends; this process then answers its failures 429 without another write. Requests
    whose credentials verify never get here: honest traffic costs no read and no write.
    """

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self._full: dict[str, int] = {}  # key -> the window in which it was found full

    async def over_limit(self, store: RateLimitStore, key: str, now: datetime) -> bool:
        """Count one failure of ``key``; True when the window already held ``limit`` of them."""
        start = window_start(now, self.window)
        if self._full.get(key) == start:
            return True
        if await store.allow(key, now, limit=self.limit, window_seconds=self.window):
            return False
        if len(self._full) >= _MAX_KEPT:
            self._full.clear()  # mostly past windows; a current one costs one more write to learn again
        self._full[key] = start
        return True


class TokenRates:
    """Each token's API rate in one process, taken from the count in MongoDB a batch at a time.

    A request spends what it costs (one; a bulk action one per order) from the requests this process holds
    for the token in the current window; when it holds too few, it takes what is missing, or ``batch`` if
    that is more, from the shared count in one write (only what is missing once fewer are left). So never
    more than ``limit`` requests pass in a window however many processes serve the token, at one write per
    ``batch`` requests; a token that stops using one process may meet 429 up to ``batch - 1`` requests early
    per process it left requests in. One refill per token runs at a time: requests that arrive meanwhile
    wait for it and spend what it brought, instead of each taking a batch of their own. Once the shared
    count cannot give a single request, the rest of the window is refused here without asking again.
    """

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self.batch = max(1, limit // 20)
        self._held: dict[str, tuple[int, int]] = {}  # key -> (window start, requests held)
        self._refills: dict[str, asyncio.Lock] = {}
        self._spent: dict[str, int] = {}  # key -> the window whose shared count ran out

    def _spend(self, key: str, start: int, cost: int, add: int = 0) -> bool:
        """Spend ``cost`` of what is held (after adding ``add``); False, spending nothing, when too few."""
        held_start, held = self._held.get(key, (start, 0))
        held = (held if held_start == start else 0) + add
        if held < cost:
            if add:
                self._held[key] = (start, held)
            return False
        if len(self._held) > _MAX_KEPT:
            self._held.clear()  # old windows' entries; the current ones are re-taken from the database
        self._held[key] = (start, held - cost)
        return True

    def _holding(self, key: str, start: int) -> int:
        held_start, held = self._held.get(key, (start, 0))
        return held if held_start == start else 0

    async def take(self, store: RateLimitStore, key: str, now: datetime, cost: int = 1) -> bool:
        """Whether ``cost`` more requests of ``key`` fit in the window; nothing is spent when they do not."""
        start = window_start(now, self.window)
        if self._spend(key, start, cost):
            return True
        if len(self._refills) > _MAX_KEPT:
            self._refills = {k: lock for k, lock in self._refills.items() if lock.locked()}
            self._spent.clear()
        async with self._refills.setdefault(key, asyncio.Lock()):
            if self._spend(key, start, cost):  # a refill that ran while this request waited
                return True
            if self._spent.get(key) == start:
                return False
            missing = cost - self._holding(key, start)
            for hits in dict.fromkeys((max(self.batch, missing), missing)):
                if await store.allow(key, now, limit=self.limit, window_seconds=self.window, hits=hits):
                    return self._spend(key, start, cost, hits)
            if missing == 1:
                self._spent[key] = start
            return False
