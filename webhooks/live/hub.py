"""The live hub: one reader of each shop's feed per web process, fanning out to every open stream.

A hundred desks of one shop cost one read of the shop's feed document each ``poll_seconds`` (and one
when this process stores events of it, which wakes the reader at once), not a hundred. Each stream keeps
its own position, so streams that joined at different points (or resumed with ``Last-Event-ID``) each get
exactly the events after theirs from the same read. A shop's reader runs while it has streams and stops
with the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from orders.model import ShopId
from orders.store import DatabaseError, FeedEvent, FeedWindow

log = logging.getLogger(__name__)

#: Events a stream may have waiting for its client; a client that falls this far behind is closed, and
#: resumes from the feed with ``Last-Event-ID``.
STREAM_BACKLOG = 1000
#: How long a reader waits after the database failed before it reads again.
READ_RETRY_SECONDS = 2.0


class FeedReader(Protocol):
    async def read(self, shop_id: ShopId) -> FeedWindow: ...


@dataclass(frozen=True)
class Ready:
    """The stream is live. ``resumed`` False: the desk must reload what it shows (first connection, or a
    position the feed no longer holds); True: every event it missed came before this."""

    last: int
    resumed: bool


Item = FeedEvent | Ready | None  # None: the stream ends (too far behind, or the server is stopping)


@dataclass(eq=False)
class Stream:
    """One open stream's position and the events waiting for it."""

    after: int | None
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(STREAM_BACKLOG))
    #: Whether the stream said it is live (``Ready``): once, after the events it missed.
    ready: bool = False

    def offer(self, window: FeedWindow) -> None:
        """Take what is new for this stream from a read of the shop's feed."""
        page = window.after(self.after)
        if not page.complete or self.after is None:  # new, too far behind, or the feed was reset under it
            self.after = page.last
            self._put(Ready(page.last, resumed=False))
        else:
            for event in page.events:
                self._put(event)
            self.after = page.last
            if not self.ready:
                self._put(Ready(page.last, resumed=True))
        self.ready = True

    def _put(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.close()

    def close(self) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass(eq=False)
class ShopReader:
    streams: set[Stream] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class LiveHub:
    def __init__(self, feed: FeedReader, *, poll_seconds: float) -> None:
        self.feed = feed
        self.poll_seconds = poll_seconds
        self._shops: dict[ShopId, ShopReader] = {}
        self.reads = 0  # how many feed reads this process made (the dashboard bench reports it)

    def wake(self, shop_id: ShopId) -> None:
        """Read the shop's feed now (this process just stored events of it)."""
        if (reader := self._shops.get(shop_id)) is not None:
            reader.wake.set()

    @contextlib.asynccontextmanager
    async def stream(self, shop_id: ShopId, after: int | None) -> AsyncIterator[Stream]:
        """A stream of the shop's events after ``after`` (None: from now on), while the block runs."""
        stream = Stream(after)
        reader = self._shops.get(shop_id)
        if reader is None:
            reader = self._shops[shop_id] = ShopReader()
            reader.task = asyncio.create_task(self._read(shop_id, reader), name=f"live feed {shop_id}")
        reader.streams.add(stream)
        reader.wake.set()  # a new stream is answered at once, not at the next poll
        try:
            yield stream
        finally:
            reader.streams.discard(stream)
            if not reader.streams and self._shops.get(shop_id) is reader:
                del self._shops[shop_id]
                if reader.task is not None:
                    reader.task.cancel()

    async def close(self) -> None:
        """End every stream (the server is stopping) and stop the readers."""
        readers = list(self._shops.values())
        self._shops.clear()
        for reader in readers:
            for stream in reader.streams:
                stream.close()
            if reader.task is not None:
                reader.task.cancel()
        await asyncio.gather(*(r.task for r in readers if r.task is not None), return_exceptions=True)

    async def _read(self, shop_id: ShopId, reader: ShopReader) -> None:
        while reader.streams:
            reader.wake.clear()
            try:
                window = await self.feed.read(shop_id)
            except DatabaseError:
                log.warning("live feed of shop %s could not be read; trying again", shop_id)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            self.reads += 1
            for stream in list(reader.streams):
                stream.offer(window)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.wake.wait(), self.poll_seconds)


__all__ = ["Item", "LiveHub", "Ready", "Stream"]
