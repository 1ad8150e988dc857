"""Orders: the document mapping with its search keys, cursor pages, and versioned compare-and-set saves."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from orders.lifecycle import ACTIVE, Status
from orders.model import NotificationId, Order, OrderId, OutboxEntry, ShopId
from orders.store.documents import Doc, from_doc
from orders.store.errors import DUPLICATE_KEY, AlreadyExists, Conflict, NotFound
from orders.store.outbox import entry_from_doc, entry_to_doc
from orders.waiting import waiting_keys

_FIRST_WINDOW = timedelta(hours=6)
_LAST_WINDOW = timedelta(days=3 * 365)


def _search_keys(order: Order) -> list[str]:
    """Exact-match keys for search: number, name-token prefixes, email, phone and its last four digits."""
    keys = {order.number.lower(), order.external_id.lower()}
    customer = order.customer
    if customer.name:
        for token in customer.name.lower().split():
            keys.update(token[:n] for n in range(2, len(token) + 1))
    if customer.email:
        keys.add(customer.email.lower())
    if customer.phone:
        digits = "".join(ch for ch in customer.phone if ch.isdigit())
        keys.update({customer.phone, digits, digits[-4:]})
    return sorted(key for key in keys if key)


def search_key(text: str) -> str:
    """Normalise a search term the way ``_search_keys`` stores it."""
    return text.strip().lower()


def order_to_doc(order: Order, pending: list[OutboxEntry] | None = None) -> Doc:
    doc = order.model_dump(exclude={"id"})
    doc["_id"] = order.id
    doc["awaiting_contact"] = order.status in ACTIVE and order.last_customer_contact_at is None
    if pending:
        doc["outbox_pending"] = [entry_to_doc(entry) for entry in pending]
        doc["outbox_pending_since"] = order.updated_at
    return doc


def keys_to_doc(order: Order) -> Doc:
    """The order's entry in ``order_keys``: its search keys, and what orders matches newest first."""
    return {
        "_id": order.id,
        "shop_id": order.shop_id,
        "keys": _search_keys(order),
        "created_at": order.created_at,
    }


def _changes(before: Doc, after: Doc) -> Doc:
    """The update that turns document ``before`` into ``after``: changed fields set, new events pushed."""
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    change: Doc = {}
    timeline, earlier = changed.get("timeline"), before["timeline"]
    if timeline is not None and timeline[: len(earlier)] == earlier:
        del changed["timeline"]
        change["$push"] = {"timeline": {"$each": timeline[len(earlier) :]}}
    if changed:
        change["$set"] = changed
    return change


def _order_from_doc(doc: Mapping[str, Any]) -> Order:
    return from_doc(Order, doc, _DERIVED_ORDER_FIELDS)


# ``search_keys``: orders written before the keys moved to ``order_keys`` until the upgrade removes them
_DERIVED_ORDER_FIELDS = frozenset(
    {"search_keys", "awaiting_contact", "outbox_pending", "outbox_pending_since"}
)


def encode_cursor(order: Order) -> str:
    raw = json.dumps([order.created_at.isoformat(), order.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raise ValueError on anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, order_id = json.loads(raw)
        return datetime.fromisoformat(created), str(order_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc


class OrderStore:
    """Orders, and their search keys in ``order_keys``.

    Every index of ``orders`` is rewritten on every change of an order (measured on the embedded server:
    each costs about 0.2-0.7 ms of a status change, the search keys' over 1 ms), so what only lookups by
    number, name, phone or email need lives in ``order_keys`` and is written only when it changes. Its
    entry is written before the order (as a superset of the old and new keys), so a crash in between
    leaves keys that find too much, never too little; every match is checked against the order itself.
    """

    def __init__(self, collection: AsyncCollection[Doc], keys: AsyncCollection[Doc]) -> None:
        self._orders = collection
        self._keys = keys

    async def get(self, shop_id: ShopId, order_id: str) -> Order:
        # By _id alone, then the shop checked here: the embedded server plans {_id, shop_id} through a
        # shop_id index and reads every order of the shop (seconds at 100,000 orders).
        doc = await self._orders.find_one({"_id": order_id})
        if doc is None or doc.get("shop_id") != shop_id:
            raise NotFound(f"unknown order {order_id}")
        return _order_from_doc(doc)

    async def find_external(self, shop_id: ShopId, external_id: str) -> Order | None:
        doc = await self._orders.find_one({"shop_id": shop_id, "external_id": external_id})
        return None if doc is None else _order_from_doc(doc)

    async def find_externals(self, shop_id: ShopId, external_ids: Iterable[str]) -> dict[str, Order]:
        """The shop's orders with these external ids, by external id (one query on the unique index)."""
        wanted = list(dict.fromkeys(external_ids))
        if not wanted:
            return {}
        found = self._orders.find({"shop_id": shop_id, "external_id": {"$in": wanted}})
        return {doc["external_id"]: _order_from_doc(doc) async for doc in found}

    async def find_tracking(self, shop_id: ShopId, number: str) -> Order | None:
        """The newest order with this tracking number (carriers reuse numbers over the years)."""
        found = self._orders.find({"shop_id": shop_id, "tracking.number": number})
        docs = await found.sort("created_at", -1).limit(1).to_list()
        return _order_from_doc(docs[0]) if docs else None

    async def find_number(self, shop_id: ShopId, number: str) -> Order | None:
        """The newest order with exactly this number."""
        found = await self._newest(
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
        return await self._newest(
            shop_id,
            {"keys": {"$in": wanted}},
            lambda order: order.customer.phone in phones or order.customer.email in emails,
            limit=limit,
        )

    async def _newest(
        self,
        shop_id: ShopId,
        query: Doc,
        accept: Callable[[Order], bool],
        *,
        limit: int,
        after: tuple[datetime, str] | None = None,
        having: frozenset[str] = frozenset(),
    ) -> list[Order]:
        """The newest ``limit`` orders whose keys match ``query``, include ``having``, and that ``accept``
        takes, older than ``after``.

        The key entries are small: all matches are read and sorted here, and the orders fetched newest
        first, a batch at a time, until ``limit`` are taken.
        """
        hits = [
            (doc["created_at"], doc["_id"])
            async for doc in self._keys.find({"shop_id": shop_id, **query})
            if having <= set(doc["keys"])
        ]
        hits.sort(reverse=True)
        if after is not None:
            hits = [hit for hit in hits if hit < after]
        taken: list[Order] = []
        batch = max(limit, 20)
        for start in range(0, len(hits), batch):
            ids = [order_id for _, order_id in hits[start : start + batch]]
            orders = await self.get_many(shop_id, ids)
            taken.extend(order for order_id in ids if (order := orders.get(order_id)) and accept(order))
            if len(taken) >= limit:
                break
        return taken[:limit]

    async def add_missing_keys(self, batch: int = 1000) -> int:
        """Write the ``order_keys`` entry of every order that has none (orders of an earlier version).

        Idempotent, so processes starting together may both run it: an entry another process wrote
        meanwhile is the same entry, and its duplicate key error is ignored. Plain inserts, as upserts cost
        twice as much on the embedded server.
        """
        known = {doc["_id"] async for doc in self._keys.find({}, {"_id": 1})}
        missing: list[Doc] = []
        added = 0
        async for doc in self._orders.find({}):
            if doc["_id"] in known:
                continue
            missing.append(keys_to_doc(_order_from_doc(doc)))
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
        ids = list(dict.fromkeys(order_ids))
        found = self._orders.find({"_id": {"$in": ids}})
        return {doc["_id"]: _order_from_doc(doc) async for doc in found if doc.get("shop_id") == shop_id}

    async def add(self, order: Order, pending: list[OutboxEntry] | None = None) -> None:
        await self._keys.replace_one({"_id": order.id}, keys_to_doc(order), upsert=True)
        try:
            await self._orders.insert_one(order_to_doc(order, pending))
        except DuplicateKeyError as exc:
            await self._keys.delete_one({"_id": order.id})
            raise AlreadyExists(f"order {order.external_id} exists") from exc

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
        old_keys, new_keys = _search_keys(before), _search_keys(saved)
        if old_keys != new_keys:
            await self._keys.update_one(
                {"_id": before.id},
                {"$addToSet": {"keys": {"$each": new_keys}}, "$setOnInsert": {
                    "shop_id": before.shop_id, "created_at": before.created_at,
                }},
                upsert=True,
            )  # fmt: skip
        change = _changes(order_to_doc(before), order_to_doc(saved))
        if pending:
            change.setdefault("$push", {})["outbox_pending"] = {
                "$each": [entry_to_doc(entry) for entry in pending]
            }
            change["$min"] = {"outbox_pending_since": saved.updated_at}
        result = await self._orders.update_one({"_id": before.id, "version": before.version}, change)
        if result.matched_count == 0:
            raise Conflict(f"order {before.id} changed meanwhile")
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
        """Orders newest first, ``limit`` at most, starting after a cursor position.

        Every query names a leading part of an index and nothing else: the embedded server reads the whole
        collection for an ``$or``, an ``$all``, or a leading part plus another condition, so what the index
        cannot say is checked here.
        """
        if search and (terms := search_key(search).split()):
            return await self._search_page(shop_id, terms, status, after, limit)
        query: Doc = {"shop_id": shop_id}
        if status is not None:
            query["status"] = status.value
        # The embedded server also reads every match before it sorts and limits, so a shop's whole history
        # would be read for one page: look back in windows that grow fourfold until the page is full.
        newest = after[0] if after else now + timedelta(days=1)
        window = _FIRST_WINDOW
        found: list[Order] = []
        while len(found) < limit and window <= _LAST_WINDOW:
            found = await self._page_query(query, after, newest - window, limit)
            window *= 4
        if len(found) < limit:
            found = await self._page_query(query, after, None, limit)
        return found

    async def _page_query(
        self, query: Doc, after: tuple[datetime, str] | None, since: datetime | None, limit: int
    ) -> list[Order]:
        """Up to ``limit`` orders newest first: the cursor's own instant (ties, by id), then older ones."""
        created: Doc = {"$gte": since} if since is not None else {}
        ties: list[Order] = []
        if after is not None:
            last_created, last_id = after
            same = self._orders.find({**query, "created_at": last_created}).sort("_id", DESCENDING)
            ties = [_order_from_doc(doc) async for doc in same if doc["_id"] < last_id][:limit]
            created["$lt"] = last_created
        if len(ties) == limit:
            return ties
        older = {**query, "created_at": created} if created else query
        cursor = self._orders.find(older).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return ties + [_order_from_doc(doc) async for doc in cursor.limit(limit - len(ties))]

    async def _search_page(
        self,
        shop_id: ShopId,
        terms: list[str],
        status: Status | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Order]:
        """Orders with every search term among their keys: read by the first term, the rest checked here."""
        wanted = frozenset(terms)

        def accept(order: Order) -> bool:
            return wanted <= set(_search_keys(order)) and (status is None or order.status == status)

        query = {"keys": terms[0]}
        return await self._newest(shop_id, query, accept, limit=limit, after=after, having=wanted)

    async def in_status_since_before(
        self, shop_id: ShopId, status: Status, before: datetime, limit: int
    ) -> list[Order]:
        """Orders in ``status`` since before ``before``, the longest waiting first."""
        cursor = self._orders.find(
            {"shop_id": shop_id, "status": status.value, "status_since": {"$lte": before}}
        )
        return [_order_from_doc(doc) async for doc in cursor.sort("status_since", ASCENDING).limit(limit)]

    async def waiting_counts(self, shop_id: ShopId) -> Counter[str]:
        """The ``orders.waiting`` counters of the shop's active orders, counted from the orders themselves."""
        counts: Counter[str] = Counter()
        for status in ACTIVE:
            async for doc in self._orders.find({"shop_id": shop_id, "status": status.value}):
                counts.update(waiting_keys(_order_from_doc(doc)))
        return counts

    async def uncontacted_since_before(self, shop_id: ShopId, before: datetime, limit: int) -> list[Order]:
        cursor = self._orders.find(
            {"shop_id": shop_id, "awaiting_contact": True, "created_at": {"$lte": before}}
        )
        return [_order_from_doc(doc) async for doc in cursor.sort("created_at", ASCENDING).limit(limit)]

    async def flagged(
        self, shop_id: ShopId, flag: str, limit: int, *, until: datetime | None = None
    ) -> list[Order]:
        """Orders with ``flag``, the longest in their status first (only since ``until`` or earlier)."""
        query: Doc = {"shop_id": shop_id, "flags": flag}
        if until is not None:
            query["status_since"] = {"$lte": until}
        cursor = self._orders.find(query).sort("status_since", ASCENDING).limit(limit)
        return [_order_from_doc(doc) async for doc in cursor]
