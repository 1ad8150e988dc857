"""The live feed: each shop's latest changes, numbered by the database, for the desk's event stream.

Why one document per shop, and not a collection of events
---------------------------------------------------------
A reader that resumes "after event N" must never skip an event that was stored later but numbered
earlier. Ids made by the writers (ObjectIds, timestamps) are not ordered across processes: two processes
writing in the same second order their ids by machine and counter, and a write can commit after a later
one was read. A reader that moved past it would lose it for good.

So the number is given by the database, in the same write that stores the event: a shop's feed is one
document, ``{_id: shop_id, seq, events}``, and a change runs ``$inc: {seq: n}`` with ``$push`` of its
``n`` events (``$slice`` keeps the last ``RING``). A single-document update is atomic and the server
applies updates of one document one after another, so the events in the array are in commit order and
the last one is number ``seq``: event ``i`` of ``k`` kept is ``seq - k + 1 + i``. No event can appear
behind one a reader has already seen, and there are no gaps to wait for. Reads and writes go by ``_id``
(``orders.store``, 1).

A reader further back than the ring holds (``FeedPage.complete`` False) cannot be given what it missed,
and is told so to reload what it shows; ``RING`` is the bound instead of a TTL.

Cost: one update of the shop's document per ``LINGER_SECONDS`` at most, however many changes: ``publish``
does not wait, and what this process publishes within that time after a first event, or while a write is
under way, goes out together in the next one (per shop). So an answered message (the customer's message
and the reply, a moment apart) costs one write, and under load a shop's feed costs a few writes a second
instead of two per message, while a desk still sees a change well within half a second. A write that fails
is retried; nothing waits for it, so a change's own write is never slowed or failed by its feed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from orders.model import ShopId
from orders.store.documents import Doc

log = logging.getLogger(__name__)

#: Events kept per shop: a desk that was away for fewer than this many changes catches up event by event
#: (at five changes a second, 40 seconds; a bulk action on 100 orders fits whole); further back, it reloads.
RING = 200
#: Events this process holds while the database does not take them; past it the oldest give way to one
#: ``reset`` (readers reload), so a long outage costs memory bounded by this.
MAX_WAITING = 10_000
#: How long the first event of a batch waits for others before the batch is written: what a desk's live
#: stream may lag behind a change, bought for one write per shop for everything published meanwhile.
LINGER_SECONDS = 0.1
#: How long a failed write waits before it is tried again.
RETRY_SECONDS = 1.0

#: The kind of the event that stands for events that were lost: whoever reads it reloads everything.
RESET = "reset"


@dataclass(frozen=True)
class FeedEvent:
    seq: int
    kind: str
    #: Ids and states only (never names, phones or texts): the desk reads the rest through the API.
    data: dict[str, Any]


@dataclass(frozen=True)
class FeedPage:
    """What a reader gets: the events after its position, and the shop's newest number."""

    events: list[FeedEvent]
    last: int
    #: False: events after the position asked for are no longer kept (or the position is unknown).
    complete: bool = True


@dataclass(frozen=True)
class FeedWindow:
    """What the feed keeps of a shop: its newest number and the events up to it, oldest first."""

    last: int
    events: list[FeedEvent]

    def after(self, position: int | None) -> FeedPage:
        """The events after number ``position`` (None: none, only the newest number)."""
        if position is None:
            return FeedPage([], self.last)
        first = self.events[0].seq if self.events else self.last + 1
        if position > self.last or position < first - 1:
            return FeedPage([], self.last, complete=False)
        return FeedPage([event for event in self.events if event.seq > position], self.last)


def window_of(doc: Doc | None) -> FeedWindow:
    """A feed document as a window: event ``i`` of the ``k`` kept is number ``seq - k + 1 + i``."""
    last = int(doc.get("seq", 0)) if doc else 0
    kept: list[Doc] = list(doc.get("events", [])) if doc else []
    first = last - len(kept) + 1
    events = [
        FeedEvent(first + index, str(raw.get("kind", "")), {k: v for k, v in raw.items() if k != "kind"})
        for index, raw in enumerate(kept)
    ]
    return FeedWindow(last, events)


class FeedStore:
    def __init__(self, collection: AsyncCollection[Doc], linger: float = LINGER_SECONDS) -> None:
        self._feed = collection
        self._linger = linger
        self._waiting: dict[ShopId, list[Doc]] = {}
        self._flushing: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[ShopId], None]] = []

    def listen(self, listener: Callable[[ShopId], None]) -> None:
        """Call ``listener`` with a shop's id each time this process stored events of it."""
        self._listeners.append(listener)

    def publish(self, shop_id: ShopId, kind: str, **data: str | None) -> None:
        """Add an event to the shop's feed soon (the write is not awaited: see the module's docstring)."""
        events = self._waiting.setdefault(shop_id, [])
        events.append({"kind": kind, **data})
        if sum(len(queued) for queued in self._waiting.values()) > MAX_WAITING:
            self._waiting[shop_id] = [{"kind": RESET}]
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def read(self, shop_id: ShopId) -> FeedWindow:
        """What the feed keeps of the shop (one read by id)."""
        return window_of(await self._feed.find_one({"_id": shop_id}))

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until what was published is stored (or ``timeout`` seconds pass, while it cannot be)."""
        try:
            async with asyncio.timeout(timeout):
                while (flushing := self._flushing) is not None:
                    await asyncio.shield(flushing)
        except TimeoutError:
            log.warning("live feed: %d events not stored at shutdown", sum(map(len, self._waiting.values())))

    async def _flush(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(self._linger)
                batch, self._waiting = self._waiting, {}
                results = await asyncio.gather(
                    *(self._write(shop_id, events) for shop_id, events in batch.items()),
                    return_exceptions=True,
                )
                failed = 0
                for (shop_id, events), result in zip(batch.items(), results, strict=True):
                    if isinstance(result, PyMongoError):
                        failed += 1
                        self._waiting[shop_id] = events + self._waiting.get(shop_id, [])
                    elif isinstance(result, BaseException):
                        raise result
                    else:
                        for listener in self._listeners:
                            listener(shop_id)
                if failed:
                    log.warning("live feed: storing events of %d shops failed; retrying", failed)
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            self._flushing = None

    async def _write(self, shop_id: ShopId, events: list[Doc]) -> None:
        change = {"$inc": {"seq": len(events)}, "$push": {"events": {"$each": events, "$slice": -RING}}}
        await self._feed.update_one({"_id": shop_id}, change, upsert=True)


__all__ = ["LINGER_SECONDS", "RESET", "RING", "FeedEvent", "FeedPage", "FeedStore", "FeedWindow", "window_of"]
