"""Counters added up in memory and written together: the shops' stats and their analytics days.

Why not one ``$inc`` per change
-------------------------------
Counters are derived from the records: ``orderbot analytics rebuild`` recounts the days, and a crash between
a change's write and its count already lost that count. Written one ``$inc`` per change they cost about
three updates per answered message (the shop's stats, one or two analytics days), each with its index
upkeep, on a database whose updates are the larger part of its work. So this process adds the changes up
per document and writes them every ``FLUSH_SECONDS`` as one ``bulk_write`` of ``$inc`` upserts per
collection: under load N changes of a shop cost one write per document per interval, not N.

What it costs, and what keeps it correct
----------------------------------------
- A crash (not a stop: ``Database.close`` flushes) loses at most the last interval's counts, as a crash
  between a save and its count did before; ``orderbot analytics rebuild`` recounts the days.
- Reads of the counters in this process flush first (``StatsStore`` and ``AnalyticsStore`` call ``flush``
  before they read), so a desk or an API call served by the process that counted sees every count; counts
  made by another process (a worker) reach it within ``FLUSH_SECONDS``.
- A write that does not reach the database (a lost connection, a timeout) is kept and tried again at the
  next interval; one the server applied before the error counts twice, which the recount mends. A
  document that refuses its increments (a counter that is not a number) is logged and its counts dropped:
  it would refuse them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError

from orders.store.documents import Doc

log = logging.getLogger(__name__)

#: How long counts wait in memory before they are written: what another process's desk may lag behind,
#: and at most what a crash loses. Well under a second, so a desk polling for "anything new?" (the stats'
#: ``revision``) hardly notices; long enough that a burst of changes of one shop costs one write.
FLUSH_SECONDS = 0.5


@dataclass
class _Pending:
    """The increments waiting for one document, and the fields it gets if the write creates it."""

    inc: dict[str, float] = field(default_factory=dict)
    on_insert: dict[str, Any] = field(default_factory=dict)

    def merge(self, inc: Mapping[str, float], on_insert: Mapping[str, Any]) -> None:
        for key, value in inc.items():
            self.inc[key] = self.inc.get(key, 0) + value
        self.on_insert.update(on_insert)

    def update(self) -> Doc:
        change: Doc = {"$inc": self.inc}
        if self.on_insert:
            change["$setOnInsert"] = self.on_insert
        return change


class CounterBuffer:
    """This process's counter increments, per document, until the next flush.

    ``interval``: seconds between a first increment and the write that carries it (``FLUSH_SECONDS``).
    """

    def __init__(self, interval: float = FLUSH_SECONDS) -> None:
        self.interval = interval
        self._collections: dict[str, AsyncCollection[Doc]] = {}
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None

    def add(
        self, collection: AsyncCollection[Doc], doc_id: str, inc: Mapping[str, float],
        on_insert: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        """Add ``inc`` to document ``doc_id`` at the next flush (created with ``on_insert`` if missing)."""
        self._collections[collection.name] = collection
        key = (collection.name, doc_id)
        self._pending.setdefault(key, _Pending()).merge(inc, on_insert or {})
        self._wake()

    @property
    def pending(self) -> int:
        """How many documents have increments waiting."""
        return len(self._pending)

    async def flush(self) -> None:
        """Write every increment added so far, and wait for a flush under way (a read after this sees them).

        Raises the database's error when a write did not get through; what it carried waits for the next.
        """
        async with self._lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, {}
            by_collection: dict[str, list[tuple[str, _Pending]]] = {}
            for (name, doc_id), pending in batch.items():
                by_collection.setdefault(name, []).append((doc_id, pending))
            failures = await asyncio.gather(
                *(self._write(name, docs) for name, docs in by_collection.items()), return_exceptions=True
            )
            for failure in failures:
                if isinstance(failure, BaseException):
                    raise failure

    def discard(self) -> None:
        """Forget what waits (the database is being dropped)."""
        self._pending.clear()

    async def close(self) -> None:
        """Stop the timer and write what waits (a stop loses no count)."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            await asyncio.gather(timer, return_exceptions=True)
        try:
            await self.flush()
        except PyMongoError:
            log.warning("counters: %d documents' counts not written at shutdown", len(self._pending))

    async def _flush_later(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(self.interval)
                try:
                    await self.flush()
                except PyMongoError:
                    log.warning("counters: writing %d documents' counts failed; retrying", len(self._pending))
        finally:
            self._timer = None

    async def _write(self, name: str, docs: list[tuple[str, _Pending]]) -> None:
        writes = [UpdateOne({"_id": doc_id}, pending.update(), upsert=True) for doc_id, pending in docs]
        try:
            await self._collections[name].bulk_write(writes, ordered=False)
        except BulkWriteError as exc:  # a document that refuses an increment would refuse it again
            refused = exc.details.get("writeErrors", [])
            log.warning(
                "counters: %d documents of %s refused their counts (codes %s); `orderbot analytics rebuild` "
                "recounts the days", len(refused), name, sorted({error.get("code") for error in refused}),
            )  # fmt: skip
        except PyMongoError:
            self._keep(name, docs)
            raise

    def _keep(self, name: str, docs: list[tuple[str, _Pending]]) -> None:
        """Put increments that were not written back, in front of what was added meanwhile."""
        for doc_id, pending in docs:
            self._pending.setdefault((name, doc_id), _Pending()).merge(pending.inc, pending.on_insert)
        self._wake()

    def _wake(self) -> None:
        """Start the timer that writes what waits, unless it runs already."""
        if self._pending and self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._flush_later())


__all__ = ["FLUSH_SECONDS", "CounterBuffer"]
