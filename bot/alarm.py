"""The ``Alarm`` that wakes a loop which otherwise looks for work every so often (the outbox dispatcher),
at once or when something this process knows of falls due, so that the loop's pause is only a safety net.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any


class Alarm:
    """Wakes a loop that otherwise looks for work every so often: at once (``ring``), or when something
    this process knows of falls due (``at``), so that the loop's pause is only a safety net.

    Due times are kept only while a loop waits on the alarm (a process without one keeps nothing), and at
    most ``limit`` of them: past that, the later ones are left to the pause. A due time later than the
    next one only joins the list; the loop wakes for the earliest alone, and looks once per due time.
    """

    def __init__(self, clock: Callable[[], datetime], limit: int = 10_000) -> None:
        self.clock = clock
        self.limit = limit
        self._now = False  # work is due now: the loop looks at once
        self._changed = asyncio.Event()  # rung, or the next due time came sooner
        self._due: list[datetime] = []
        self._watched = False

    def ring(self) -> None:
        """Something is due now."""
        self._now = True
        self._changed.set()

    def at(self, due: datetime) -> None:
        """Something falls due at ``due``."""
        if not self._watched:
            return
        if due <= self.clock():
            self.ring()
        elif len(self._due) < self.limit:
            sooner = not self._due or due < self._due[0]
            heapq.heappush(self._due, due)
            if sooner:
                self._changed.set()  # the pause under way ends earlier

    def pause(self, longest: float) -> float:
        """Seconds until the next known due time, at most ``longest``; 0.0 when one has come (it is
        forgotten then: the loop looks now)."""
        now = self.clock()
        came = False
        while self._due and self._due[0] <= now:
            heapq.heappop(self._due)
            came = True
        if came:
            return 0.0
        if not self._due:
            return longest
        return min(longest, (self._due[0] - now).total_seconds())

    async def wait(self, longest: float, also: Iterable[asyncio.Future[Any]] = ()) -> None:
        """Until rung, a known due time comes, one of ``also`` ends, or ``longest`` seconds pass."""
        self._watched = True
        loop = asyncio.get_running_loop()
        end = loop.time() + longest
        while True:
            pause = self.pause(end - loop.time())
            if self._now or pause <= 0:
                self._now = False
                self._changed.clear()
                return
            self._changed.clear()
            changed = asyncio.ensure_future(self._changed.wait())
            ended: set[asyncio.Future[Any]] = set(also)
            try:
                done, _ = await asyncio.wait(
                    {changed, *ended}, timeout=pause, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                changed.cancel()
            if done & ended:
                return


__all__ = ["Alarm"]
