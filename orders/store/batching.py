"""Group commit: single-document inserts that arrive together go to the server as one ``insert_many``, and
deletes by ``_id`` as one ``delete_many``.

A webhook's one write is an insert keyed by its delivery id. Under load many arrive at once, and a
server spends more on each command than on each document (``orders.store``, 5), so sending them one
command each would cost more than the inserts themselves. ``InsertBatcher.insert`` queues the document and
the next flush (started at once when none is running, else right after the running one) sends all that
queued. A lone insert waits for no timer, so at low load it goes out as soon as it would have alone.

Each caller learns its own document's outcome: inserted, or a duplicate of an ``_id`` already stored (also
one stored earlier in the same batch); any other failure raises for the documents it concerns.
"""

from __future__ import annotations

import asyncio
from typing import Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from orders.store.documents import Doc
from orders.store.errors import DUPLICATE_KEY

T = TypeVar("T")

#: The most documents one flush sends; pymongo splits a flush further to fit the server's message limit.
MAX_BATCH = 500


class _GroupCommit(Generic[T]):
    """The queue both batchers share: items wait while a flush runs, the next flush sends all that waited,
    and each caller hears its own item's outcome (``_write`` says which items failed, by index)."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._collection = collection
        self._queued: list[tuple[T, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def _submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((item, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
                await self._send(batch)
        finally:
            self._flushing = None

    async def _send(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            failures = await self._write([item for item, _ in batch])
        except Exception as exc:  # the whole command failed: every caller hears of it
            failures = dict.fromkeys(range(len(batch)), exc)
        except BaseException:  # the flush itself was cancelled: so are its callers
            for _, done in batch:
                done.cancel()
            raise
        for index, (_, done) in enumerate(batch):
            if done.done():
                continue  # its caller was cancelled
            if index in failures:
                done.set_exception(failures[index])
            else:
                done.set_result(None)

    async def _write(self, items: list[T]) -> dict[int, Exception]:
        """Send ``items`` as one command; the failures of single items, by their index."""
        raise NotImplementedError


class InsertBatcher(_GroupCommit[Doc]):
    async def insert(self, doc: Doc) -> None:
        """Insert ``doc``; ``DuplicateKeyError`` when its ``_id`` is stored already."""
        await self._submit(doc)

    async def _write(self, items: list[Doc]) -> dict[int, Exception]:
        try:
            await self._collection.insert_many(items, ordered=False)
        except BulkWriteError as exc:
            return {error["index"]: _write_error(error) for error in exc.details.get("writeErrors", [])}
        return {}


def _write_error(error: dict[str, Any]) -> WriteError:
    cls = DuplicateKeyError if error.get("code") == DUPLICATE_KEY else WriteError
    return cls(error.get("errmsg", "write failed"), error.get("code"), error)


class DeleteBatcher(_GroupCommit[Any]):
    """Deletes by ``_id`` that arrive together, as one ``delete_many``; each caller returns once its own
    document is gone (a failure raises for every caller of that flush). As with inserts, a lone delete
    waits for no timer."""

    async def delete(self, doc_id: Any) -> None:
        await self._submit(doc_id)

    async def _write(self, items: list[Any]) -> dict[int, Exception]:
        await self._collection.delete_many({"_id": {"$in": items}})
        return {}
