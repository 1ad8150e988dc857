"""Answers kept per process for many askers of the same question (open order desks, staff alerts).

Each answer carries a stamp (when it was made, or the revision it reflects); the caller says whether a
stamp is still fresh. Askers who arrive while an answer is being made wait for that one computation
instead of starting their own, so a change seen by 100 desks at once costs one query, not 100.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")
V = TypeVar("V")


class SharedAnswers(Generic[K, S, V]):
    def __init__(self, limit: int = 1000) -> None:
        self._kept: dict[K, tuple[S, asyncio.Future[V]]] = {}
        self._limit = limit

    async def get(
        self, key: K, stamp: S, fresh: Callable[[S], bool], compute: Callable[[], Awaitable[V]]
    ) -> V:
        """The kept answer for ``key`` while ``fresh(its stamp)``, else a new one made under ``stamp``."""
        kept = self._kept.get(key)
        if kept is not None and fresh(kept[0]):
            answer = kept[1]
        else:
            if len(self._kept) >= self._limit:
                self._kept.clear()
            answer = asyncio.ensure_future(compute())
            self._kept[key] = (stamp, answer)
            answer.add_done_callback(lambda done: self._drop_failed(key, done))
        # shielded: one asker giving up (a closed connection) does not cancel the others' answer
        return await asyncio.shield(answer)

    def forget(self, which: Callable[[K], bool]) -> None:
        """Drop the answers whose key matches, so that the next asker gets a new one."""
        for key in [key for key in self._kept if which(key)]:
            del self._kept[key]

    def discard(self, key: K) -> None:
        """Drop the answer for ``key``, if any, so that the next asker gets a new one."""
        self._kept.pop(key, None)

    def _drop_failed(self, key: K, done: asyncio.Future[V]) -> None:
        if done.cancelled() or done.exception() is not None:  # retrieved here, so never reported unseen
            kept = self._kept.get(key)
            if kept is not None and kept[1] is done:
                del self._kept[key]
