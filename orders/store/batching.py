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
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from orders.store.documents import Doc
from orders.store.errors import DUPLICATE_KEY

#: The most documents one flush sends; pymongo splits a flush further to fit the server's message limit.
MAX_BATCH = 500


class InsertBatcher:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._collection = collection
        self._queued: list[tuple[Doc, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def insert(self, doc: Doc) -> None:
        """Insert ``doc``; ``DuplicateKeyError`` when its ``_id`` is stored already."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((doc, done))
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

    async def _send(self, batch: list[tuple[Doc, asyncio.Future[None]]]) -> None:
        failures: dict[int, Exception] = {}
        try:
            await self._collection.insert_many([doc for doc, _ in batch], ordered=False)
        except BulkWriteError as exc:
            failures = {error["index"]: _write_error(error) for error in exc.details.get("writeErrors", [])}
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


def _write_error(error: dict[str, Any]) -> WriteError:
    cls = DuplicateKeyError if error.get("code") == DUPLICATE_KEY else WriteError
    return cls(error.get("errmsg", "write failed"), error.get("code"), error)


class DeleteBatcher:
    """Deletes by ``_id`` that arrive together, as one ``delete_many``; each caller returns once its own
    document is gone (a failure raises for every caller of that flush). As with inserts, a lone delete
    waits for no timer."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._collection = collection
        self._queued: list[tuple[Any, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def delete(self, doc_id: Any) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((doc_id, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
                failure: BaseException | None = None
                try:
                    await self._collection.delete_many({"_id": {"$in": [doc_id for doc_id, _ in batch]}})
                except Exception as exc:
                    failure = exc
                except BaseException:
                    for _, done in batch:
                        done.cancel()
                    raise
                for _, done in batch:
                    if done.done():
                        continue  # its caller was cancelled
                    if failure is None:
                        done.set_result(None)
                    else:
                        done.set_exception(failure)
        finally:
            self._flushing = None
