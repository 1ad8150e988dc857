"""Orders: lookups, versioned compare-and-set saves, their search keys kept in ``order_keys``, and the
reads of the attention queue and the outbox recovery."""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from orders.eta import Shipment
from orders.lifecycle import ACTIVE, Status
from orders.model import NotificationId, Order, OrderId, OutboxEntry, ShopId
from orders.store.delivered_history import shipments
from orders.store.documents import Doc
from orders.store.errors import DUPLICATE_KEY, AlreadyExists, Conflict, NotFound
from orders.store.order_documents import changes, keys_to_doc, order_from_doc, order_to_doc, search_keys
from orders.store.order_pages import OrderPages
from orders.store.outbox_documents import entry_from_doc, entry_to_doc
from orders.waiting import waiting_keys

#: How long an order this process just read or wrote stands in for reading it again (``OrderStore.recent``).
RECENT_SECONDS = 1.0
#: How many such orders are kept, the oldest forgotten first.
RECENT_KEPT = 2048


class OrderStore:
    """Orders, and their search keys in ``order_keys`` (``orders.store``, 5).

    An order's ``order_keys`` entry is written before the order (as a superset of the old and new keys),
    so a crash in between leaves keys that find too much, never too little; every match is checked
    against the order itself.
    """

    def __init__(self, collection: AsyncCollection[Doc], keys: AsyncCollection[Doc]) -> None:
        self._orders = collection
        self._keys = keys
        self._pages = OrderPages(collection, keys)
        self._recent: OrderedDict[str, tuple[float, Order]] = OrderedDict()

    def _remember(self, orders: Iterable[Order]) -> None:
        now = time.monotonic()
        for order in orders:
            self._recent[order.id] = (now, order)
            self._recent.move_to_end(order.id)
        while len(self._recent) > RECENT_KEPT:
            self._recent.popitem(last=False)

    async def recent(self, shop_id: ShopId, order_id: str) -> Order:
        """The order as this process read or wrote it last, if that was less than ``RECENT_SECONDS`` ago;
        else as ``get`` reads it.

        For the sender of a message about an order this process handled a moment ago (the change that queued
        a status update, the orders a reply was written from): the copy is as fresh as a read made then,
        which another process's change could as well have followed. A status update checks for a newer one
        of the same order by its own read.
        """
        kept = self._recent.get(order_id)
        if kept is not None and time.monotonic() - kept[0] < RECENT_SECONDS and kept[1].shop_id == shop_id:
            return kept[1]
        return await self.get(shop_id, order_id)

    async def get(self, shop_id: ShopId, order_id: str) -> Order:
        # by _id alone, the shop checked after (``orders.store``, 1)
        doc = await self._orders.find_one({"_id": order_id})
        if doc is None or doc.get("shop_id") != shop_id:
            raise NotFound(f"unknown order {order_id}")
        order = order_from_doc(doc)
        self._remember([order])
        return order

    async def find_external(self, shop_id: ShopId, external_id: str) -> Order | None:
        doc = await self._orders.find_one({"shop_id": shop_id, "external_id": external_id})
        return None if doc is None else order_from_doc(doc)

    async def find_externals(self, shop_id: ShopId, external_ids: Iterable[str]) -> dict[str, Order]:
        """The shop's orders with these external ids, by external id (one query on the unique index)."""
        wanted = list(dict.fromkeys(external_ids))
        if not wanted:
            return {}
        found = self._orders.find({"shop_id": shop_id, "external_id": {"$in": wanted}})
        return {doc["external_id"]: order_from_doc(doc) async for doc in found}

    async def find_tracking(self, shop_id: ShopId, number: str) -> Order | None:
        """The newest order with this tracking number (carriers reuse numbers over the years)."""
        found = self._orders.find({"shop_id": shop_id, "tracking.number": number})
        docs = await found.sort("created_at", -1).limit(1).to_list()
        return order_from_doc(docs[0]) if docs else None

    async def find_number(self, shop_id: ShopId, number: str) -> Order | None:
        """The newest order with exactly this number."""
        found = await self._pages.newest(
            shop_id, {"keys": number.lower()}, lambda order: order.number == number, limit=1
        )
        return found[0] if found else None

    async def for_customer(
        self, shop_id: ShopId, *, phones: Iterable[str] = (), emails: Iterable[str] = (), limit: int = 20
    ) -> list[Order]:
        """The orders placed with any of these phones or emails, newest first."""
        phones, emails = set(phones), set(emails)
        if not phones and not emails:
            return []
        wanted = [*phones, *{email.lower() for email in emails}]
        found = await self._pages.newest(
            shop_id,
            {"keys": {"$in": wanted}},
            lambda order: order.customer.phone in phones or order.customer.email in emails,
            limit=limit,
        )
        self._remember(found)
        return found

    async def add_missing_keys(self, batch: int = 1000) -> int:
        """Write the ``order_keys`` entry of every order that has none (orders in the older layout).

        Idempotent, so processes starting together may both run it: an entry another process wrote
        meanwhile is the same entry, and its duplicate key error is ignored.
        """
        known = {doc["_id"] async for doc in self._keys.find({}, {"_id": 1})}
        missing: list[Doc] = []
        added = 0
        async for doc in self._orders.find({}):
            if doc["_id"] in known:
                continue
            missing.append(keys_to_doc(order_from_doc(doc)))
            if len(missing) == batch:
                added += await self._insert_keys(missing)
                missing = []
        return added + (await self._insert_keys(missing) if missing else 0)

    async def _insert_keys(self, docs: list[Doc]) -> int:
        try:
            return len((await self._keys.insert_many(docs, ordered=False)).inserted_ids)
        except BulkWriteError as exc:
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
            return int(exc.details["nInserted"])

    async def get_many(self, shop_id: ShopId, order_ids: Iterable[str]) -> dict[str, Order]:
        return await self._pages.get_many(shop_id, order_ids)

    async def add(self, order: Order, pending: list[OutboxEntry] | None = None) -> None:
        await self._keys.replace_one({"_id": order.id}, keys_to_doc(order), upsert=True)
        try:
            await self._orders.insert_one(order_to_doc(order, pending))
        except DuplicateKeyError as exc:
            await self._keys.delete_one({"_id": order.id})
            raise AlreadyExists(f"order {order.external_id} exists") from exc
        self._remember([order])

    async def add_many(self, orders: list[Order]) -> set[OrderId]:
        """Insert new orders in one write (and their keys in one before it), as ``add`` does one at a time.

        Returns the ids of the orders refused because their external id was taken meanwhile; their key
        entries are removed again, so nothing of them stays.
        """
        if not orders:
            return set()
        await self._keys.insert_many([keys_to_doc(order) for order in orders], ordered=False)
        try:
            await self._orders.insert_many([order_to_doc(order) for order in orders], ordered=False)
        except BulkWriteError as exc:
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
            refused = {orders[error["index"]].id for error in exc.details["writeErrors"]}
            await self._keys.delete_many({"_id": {"$in": list(refused)}})
            return refused
        return set()

    async def save(self, before: Order, after: Order, pending: list[OutboxEntry] | None = None) -> Order:
        """Write ``after`` if nobody changed ``before`` since it was read; return it with its new version.

        ``before`` was read through ``get`` (so it is this shop's), and ``_id`` plus ``version`` pin the
        exact document, so only the fields that differ are written (new timeline events appended): every
        byte of an update costs, and a field that does not change rewrites no index entry. Outbox entries
        are appended to the ones an earlier write may still carry, so a crash between two writes never
        drops one; ``recover`` queues and clears them.
        """
        saved = after.model_copy(update={"version": before.version + 1})
        old_keys, new_keys = search_keys(before), search_keys(saved)
        if old_keys != new_keys:
            await self._keys.update_one(
                {"_id": before.id},
                {"$addToSet": {"keys": {"$each": new_keys}}, "$setOnInsert": {
                    "shop_id": before.shop_id, "created_at": before.created_at,
                }},
                upsert=True,
            )  # fmt: skip
        change = changes(order_to_doc(before), order_to_doc(saved))
        if pending:
            change.setdefault("$push", {})["outbox_pending"] = {
                "$each": [entry_to_doc(entry) for entry in pending]
            }
            change["$min"] = {"outbox_pending_since": saved.updated_at}
        result = await self._orders.update_one({"_id": before.id, "version": before.version}, change)
        if result.matched_count == 0:
            raise Conflict(f"order {before.id} changed meanwhile")
        self._remember([saved])
        if old_keys != new_keys:
            await self._keys.update_one({"_id": before.id}, {"$set": {"keys": new_keys}})
        return saved

    async def clear_pending(self, order_ids: list[OrderId], entry_ids: list[NotificationId]) -> None:
        """Take the given entries off the orders that carry them (two writes for the whole batch)."""
        await self._orders.update_many(
            {"_id": {"$in": order_ids}}, {"$pull": {"outbox_pending": {"_id": {"$in": entry_ids}}}}
        )
        await self._orders.update_many(
            {"_id": {"$in": order_ids}, "outbox_pending": {"$size": 0}},
            {"$unset": {"outbox_pending_since": ""}},
        )

    async def with_pending_outbox(
        self, older_than: datetime, limit: int = 100
    ) -> list[tuple[OrderId, list[OutboxEntry]]]:
        """Orders (their ids) whose outbox entries were recorded but maybe not queued (a crash in between)."""
        query = {"outbox_pending_since": {"$lte": older_than}}
        cursor = self._orders.find(query, projection=["outbox_pending"]).limit(limit)
        return [
            (doc["_id"], [entry_from_doc(entry) for entry in doc.get("outbox_pending", [])])
            async for doc in cursor
        ]

    async def page(
        self,
        shop_id: ShopId,
        *,
        status: Status | None = None,
        search: str | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
        now: datetime,
    ) -> list[Order]:
        """Orders newest first, ``limit`` at most, starting after a cursor position (``OrderPages.page``)."""
        return await self._pages.page(
            shop_id, status=status, search=search, after=after, limit=limit, now=now
        )

    async def in_status_since_before(
        self, shop_id: ShopId, status: Status, before: datetime, limit: int
    ) -> list[Order]:
        """Orders in ``status`` since before ``before``, the longest waiting first."""
        cursor = self._orders.find(
            {"shop_id": shop_id, "status": status.value, "status_since": {"$lte": before}}
        )
        return [order_from_doc(doc) async for doc in cursor.sort("status_since", ASCENDING).limit(limit)]

    async def shipments(self, shop_id: ShopId) -> list[Shipment]:
        """What the shop's orders teach about delivery dates (``orders.eta``): delivered and on their way."""
        return await shipments(self._orders, shop_id)

    async def waiting_counts(self, shop_id: ShopId) -> Counter[str]:
        """The ``orders.waiting`` counters of the shop's active orders, counted from the orders themselves."""
        counts: Counter[str] = Counter()
        for status in ACTIVE:
            async for doc in self._orders.find({"shop_id": shop_id, "status": status.value}):
                counts.update(waiting_keys(order_from_doc(doc)))
        return counts

    async def uncontacted_since_before(self, shop_id: ShopId, before: datetime, limit: int) -> list[Order]:
        cursor = self._orders.find(
            {"shop_id": shop_id, "awaiting_contact": True, "created_at": {"$lte": before}}
        )
        return [order_from_doc(doc) async for doc in cursor.sort("created_at", ASCENDING).limit(limit)]

    async def flagged(
        self, shop_id: ShopId, flag: str, limit: int, *, until: datetime | None = None
    ) -> list[Order]:
        """Orders with ``flag``, the longest in their status first (only since ``until`` or earlier)."""
        query: Doc = {"shop_id": shop_id, "flags": flag}
        if until is not None:
            query["status_since"] = {"$lte": until}
        cursor = self._orders.find(query).sort("status_since", ASCENDING).limit(limit)
        return [order_from_doc(doc) async for doc in cursor]
