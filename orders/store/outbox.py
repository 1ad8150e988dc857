"""The outbox: entries queued once per idempotency key, claimed with leases, spread over lanes
(``orders.store.outbox_documents``)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import OrderId, OutboxEntry, OutboxKind, OutboxState, ShopId
from orders.store.documents import Doc
from orders.store.feed import FeedStore
from orders.store.outbox_documents import OUTBOX_LANES, claimed, entry_from_doc, entry_to_doc

#: Asked of an entry before it is stored: when this process will send it at once, the end of its lease.
Sender = Callable[[OutboxEntry], datetime | None]

#: How an entry can end without a message sent: the live feed is told (a message sent is on it already).
UNSENT_STATES = frozenset({"failed", "skipped", "dead", "review"})


#: The states of a status update a newer one of the same order makes pointless to send.
SUPERSEDABLE = ("queued", "parked")


@dataclass(frozen=True)
class Siblings:
    """An order's other status updates, as one of them sees them (``OutboxStore.siblings``)."""

    newer: bool
    older_waiting: tuple[str, ...]


class OutboxStore:
    def __init__(
        self,
        collection: AsyncCollection[Doc],
        on_alert: Callable[[OutboxEntry], Awaitable[None]] | None = None,
        feed: FeedStore | None = None,
    ) -> None:
        """``on_alert`` records every staff alert before it is queued, whoever raises it (the desk's
        alerts, ``orders.store.desk_alerts``); ``feed`` hears of entries that end without a message sent
        (a message sent is on the feed as a message)."""
        self._outbox = collection
        self._on_alert = on_alert
        self._feed = feed
        self._backlog = False  # whether the last look at the due queue found more than it could take
        self._listeners: list[Callable[[OutboxEntry], None]] = []
        self._sender: Sender | None = None

    def send_when_queued(self, sender: Sender) -> None:
        """Store the entries ``sender`` will send at once already claimed by it (sending, under the lease it
        gives): the claim costs no write of its own. Such an entry is durable before anything depends on
        it, as a queued one is; if its sender dies before finishing it, its lease runs out and it goes to
        review, as an entry claimed the usual way does (never sent twice)."""
        self._sender = sender

    def listen(self, listener: Callable[[OutboxEntry], None]) -> None:
        """Call ``listener`` with every entry this process queues, once it is stored (a sender wakes on it),
        and with every parked entry it makes due again (``release_parked``)."""
        self._listeners.append(listener)

    def _announce(self, entry: OutboxEntry) -> None:
        for listener in self._listeners:
            listener(entry)

    async def add(self, entry: OutboxEntry) -> OutboxEntry:
        """Queue ``entry`` once per idempotency key; return the entry that holds the key (``entry`` as
        given when it is new: this process's sender may be sending it already, ``send_when_queued``)."""
        if entry.kind == OutboxKind.STAFF_ALERT and self._on_alert is not None:
            await self._on_alert(entry)
        lease = self._sender(entry) if self._sender and entry.state == OutboxState.QUEUED else None
        stored = entry if lease is None else claimed(entry, lease)
        try:
            await self._outbox.insert_one(entry_to_doc(stored))
        except DuplicateKeyError:
            existing = await self._outbox.find_one({"idempotency_key": entry.idempotency_key})
            if existing is None:
                raise
            return entry_from_doc(existing)
        self._announce(stored)
        return entry

    async def stored(self, entry_ids: list[str]) -> set[str]:
        """Which of ``entry_ids`` are in the outbox (one read by id)."""
        return {
            doc["_id"] async for doc in self._outbox.find({"_id": {"$in": entry_ids}}, projection=["_id"])
        }

    async def find_key(self, shop_id: ShopId, idempotency_key: str) -> OutboxEntry | None:
        doc = await self._outbox.find_one({"idempotency_key": idempotency_key, "shop_id": shop_id})
        return None if doc is None else entry_from_doc(doc)

    async def by_keys(self, shop_id: ShopId, keys: list[str]) -> dict[str, OutboxEntry]:
        """The shop's entries holding ``keys``, by key (one read by the unique key's index)."""
        found = self._outbox.find({"idempotency_key": {"$in": keys}})
        entries = [entry_from_doc(doc) async for doc in found]
        return {entry.idempotency_key: entry for entry in entries if entry.shop_id == shop_id}

    async def queued_for(self, shop_id: ShopId, customer_id: str, channel: str) -> list[OutboxEntry]:
        """A customer's entries on one channel that are still queued, oldest first."""
        query = {
            "shop_id": shop_id,
            "customer_id": customer_id,
            "state": "queued",
        }  # the channel checked after
        cursor = self._outbox.find(query).sort("created_at", ASCENDING)
        return [entry_from_doc(doc) async for doc in cursor if doc.get("channel") == channel]

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxEntry]:
        """Claim up to ``limit`` due entries for one sender, oldest due first: queued to sending.

        One read of up to ``4 * limit`` candidates; then, from a random place among them, conditional
        ``update_many`` writes that stamp what is still queued with this claim's own lease id, each
        followed by a read back by id of what it won, until ``limit`` are won or the candidates run out.
        Senders reading the same candidates so split them without overlap and rarely collide, in a few
        round trips a batch instead of a write per entry.
        """
        candidates = await self._due_ids(now, 4 * limit)
        start = secrets.randbelow(len(candidates)) if candidates else 0
        untried = candidates[start:] + candidates[:start]
        lease_id = secrets.token_hex(8)
        won: dict[str, Doc] = {}
        while untried and len(won) < limit:
            ids, untried = untried[: limit - len(won)], untried[limit - len(won) :]
            await self._outbox.update_many(
                {"_id": {"$in": ids}, "state": "queued", "due_at": {"$lte": now}},
                {
                    "$set": {"state": "sending", "lease_until": lease_until, "lease_id": lease_id},
                    "$inc": {"attempts": 1},
                },
            )
            async for doc in self._outbox.find({"_id": {"$in": ids}, "lease_id": lease_id}):
                won[doc["_id"]] = doc
        return [entry_from_doc(won[entry_id]) for entry_id in candidates if entry_id in won]

    async def claim(self, entry_id: str, now: datetime, lease_until: datetime) -> OutboxEntry | None:
        """Claim one entry by id if it is still queued and due: queued to sending; None if it is not."""
        doc = await self._outbox.find_one_and_update(
            {"_id": entry_id, "state": "queued", "due_at": {"$lte": now}},
            {
                "$set": {"state": "sending", "lease_until": lease_until, "lease_id": secrets.token_hex(8)},
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else entry_from_doc(doc)

    async def _due_ids(self, now: datetime, limit: int) -> list[str]:
        """Ids of up to ``limit`` due entries, oldest due first.

        While the last look found more due than it could take (a backlog), one random lane is read first,
        so each claim reads a sixteenth of the backlog; an empty lane, or no backlog, reads them all.
        """
        due: Doc = {"state": "queued", "due_at": {"$lte": now}}
        if self._backlog:
            lane = secrets.randbelow(OUTBOX_LANES)
            cursor = self._outbox.find({**due, "lane": lane}, projection=["_id"]).sort("due_at", ASCENDING)
            if ids := [doc["_id"] async for doc in cursor.limit(limit)]:
                return ids
        cursor = self._outbox.find(due, projection=["_id"]).sort("due_at", ASCENDING)
        ids = [doc["_id"] async for doc in cursor.limit(limit)]
        self._backlog = len(ids) == limit
        return ids

    async def reached(self, entry: OutboxEntry, to: str) -> None:
        """Record that an entry for several chats reached ``to``, while our lease holds."""
        await self._outbox.update_one(
            {"_id": entry.id, "state": "sending", "lease_until": entry.lease_until},
            {"$addToSet": {"reached": to}},
        )

    async def finish(self, entry: OutboxEntry, **changes: Any) -> bool:
        """Record the outcome of a send, only while our lease holds; False if it was taken from us."""
        result = await self._outbox.update_one(
            {"_id": entry.id, "state": "sending", "lease_until": entry.lease_until}, {"$set": changes}
        )
        state = changes.get("state")
        if result.modified_count == 1 and state in UNSENT_STATES and self._feed is not None:
            self._feed.publish(
                entry.shop_id, "delivery", outbox_id=entry.id, order_id=entry.order_id,
                customer_id=entry.customer_id, state=state,
            )  # fmt: skip
        return result.modified_count == 1

    async def expired_leases(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """Entries whose sender vanished mid-send, moved to review: they may or may not have gone out.

        Reads every entry being sent (a few per worker) by the (state, due_at) index and checks the lease
        here (``orders.store``, 1).
        """
        sending = self._outbox.find({"state": "sending"}, projection=["lease_until"])
        expired = [
            doc["_id"] async for doc in sending if doc["lease_until"] is not None and doc["lease_until"] < now
        ]
        stuck: list[OutboxEntry] = []
        if not expired:
            return stuck
        async for doc in self._outbox.find({"_id": {"$in": expired[:limit]}}):
            result = await self._outbox.update_one(
                {"_id": doc["_id"], "state": "sending", "lease_until": doc["lease_until"]},
                {"$set": {"state": "review", "error": "the sender stopped mid-send; check before resending"}},
            )
            if result.modified_count == 1:
                stuck.append(entry_from_doc(doc))
        return stuck

    async def by_provider_id(self, provider_id: str) -> OutboxEntry | None:
        doc = await self._outbox.find_one({"provider_id": provider_id})
        return None if doc is None else entry_from_doc(doc)

    async def move_state(self, entry_id: str, state: str, *, only_from: tuple[str, ...]) -> bool:
        """Compare-and-set an entry's state; False when it was not in one of ``only_from``."""
        result = await self._outbox.update_one(
            {"_id": entry_id, "state": {"$in": list(only_from)}}, {"$set": {"state": state}}
        )
        return result.modified_count == 1

    async def for_order(self, shop_id: ShopId, order_id: OrderId) -> list[OutboxEntry]:
        cursor = self._outbox.find({"shop_id": shop_id, "order_id": order_id}).sort("created_at", ASCENDING)
        return [entry_from_doc(doc) async for doc in cursor]

    async def siblings(self, shop_id: ShopId, order_id: OrderId, sequence: int) -> Siblings:
        """The order's other status updates as seen from the one numbered ``sequence``: whether a newer one
        exists, and the older ones still waiting, for ``skip_superseded``. One read by the (shop_id,
        order_id) index alone, the kind checked here: an order has few entries (``orders.store``, 1)."""
        found = self._outbox.find({"shop_id": shop_id, "order_id": order_id}, ["kind", "state", "sequence"])
        updates = [doc async for doc in found if doc.get("kind") == "status_update"]
        return Siblings(
            newer=any((doc.get("sequence") or 0) > sequence for doc in updates),
            older_waiting=tuple(
                doc["_id"] for doc in updates
                if doc["state"] in SUPERSEDABLE and (doc.get("sequence") or 0) < sequence
            ),
        )  # fmt: skip

    async def skip_superseded(self, siblings: Siblings) -> int:
        """Skip the older status updates ``siblings`` found waiting (queued or parked); returns how many.

        A compare-and-set on the state: an entry a sender has claimed since is left to it (it looks at its
        own ``siblings`` before it sends, and finds this newer one).
        """
        if not siblings.older_waiting:
            return 0
        result = await self._outbox.update_many(
            {"_id": {"$in": list(siblings.older_waiting)}, "state": {"$in": list(SUPERSEDABLE)}},
            {"$set": {"state": "skipped", "error": "superseded", "lease_until": None}},
        )
        return result.modified_count

    async def parked_until(self, shop_id: ShopId, customer_id: str) -> datetime | None:
        """When the customer's earliest parked entry stops waiting for a reply; None when none is parked.

        A parked entry's ``due_at`` is when its nudge expires (``expire_parked``).
        """
        query = {"shop_id": shop_id, "customer_id": customer_id, "state": "parked"}
        doc = await self._outbox.find_one(query, {"due_at": 1}, sort=[("due_at", ASCENDING)])
        return None if doc is None else cast(datetime, doc["due_at"])

    async def expire_parked(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """Parked entries whose nudge got no reply by their ``due_at``, queued again to go another way.

        A compare-and-set on the state, as ``release_parked`` does: a reply and an expiry at the same
        moment move each entry once, whichever comes first.
        """
        cursor = self._outbox.find({"state": "parked", "due_at": {"$lte": now}}).limit(limit)
        expired = []
        async for doc in cursor:
            change = {"state": "queued", "due_at": now, "nudge_unanswered": True, "held": "nudge unanswered"}
            result = await self._outbox.update_one({"_id": doc["_id"], "state": "parked"}, {"$set": change})
            if result.modified_count == 1:
                expired.append(entry_from_doc({**doc, **change}))
        return expired

    async def release_parked(self, shop_id: ShopId, customer_id: str, channel: str, now: datetime) -> int:
        """The customer wrote on ``channel``: their parked entries on it are due now; returns how many."""
        parked = self._outbox.find(
            {"shop_id": shop_id, "customer_id": customer_id, "state": "parked"}, ["channel"]
        )
        ids = [doc["_id"] async for doc in parked if doc.get("channel") == channel]
        if not ids:
            return 0
        result = await self._outbox.update_many(
            {"_id": {"$in": ids}, "state": "parked"},
            {"$set": {"state": "queued", "due_at": now, "held": None}},
        )
        if result.modified_count and self._listeners:  # the customer is waiting for them now
            async for doc in self._outbox.find({"_id": {"$in": ids}, "state": "queued"}):
                self._announce(entry_from_doc(doc))
        return result.modified_count

    async def count_state(self, state: str) -> int:
        return await self._outbox.count_documents({"state": state})
