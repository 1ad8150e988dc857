"""Orders: the document mapping with its search keys, cursor pages, and versioned compare-and-set saves."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.lifecycle import ACTIVE, Status
from orders.model import NotificationId, Order, OrderId, OutboxEntry, ShopId
from orders.store.documents import Doc, from_doc
from orders.store.errors import AlreadyExists, Conflict, NotFound
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
    doc["search_keys"] = _search_keys(order)
    doc["awaiting_contact"] = order.status in ACTIVE and order.last_customer_contact_at is None
    if pending:
        doc["outbox_pending"] = [entry_to_doc(entry) for entry in pending]
        doc["outbox_pending_since"] = order.updated_at
    return doc


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
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._orders = collection

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

    async def find_number(self, shop_id: ShopId, number: str) -> Order | None:
        cursor = self._orders.find({"shop_id": shop_id, "number": number}).sort("created_at", DESCENDING)
        async for doc in cursor.limit(1):
            return _order_from_doc(doc)
        return None

    async def for_customer(
        self, shop_id: ShopId, *, phones: Iterable[str] = (), emails: Iterable[str] = (), limit: int = 20
    ) -> list[Order]:
        """The orders placed with any of these phones or emails, newest first.

        One indexed query per field rather than one ``$or``: the embedded server answers an ``$or`` by
        reading every order.
        """
        found: dict[str, Doc] = {}
        for field, values in (("customer.phone", list(phones)), ("customer.email", list(emails))):
            if values:
                query = {"shop_id": shop_id, field: {"$in": values}}
                async for doc in self._orders.find(query).sort("created_at", DESCENDING).limit(limit):
                    found[doc["_id"]] = doc
        newest = sorted(found.values(), key=lambda doc: (doc["created_at"], doc["_id"]), reverse=True)
        return [_order_from_doc(doc) for doc in newest[:limit]]

    async def get_many(self, shop_id: ShopId, order_ids: Iterable[str]) -> dict[str, Order]:
        ids = list(dict.fromkeys(order_ids))
        found = self._orders.find({"_id": {"$in": ids}})
        return {doc["_id"]: _order_from_doc(doc) async for doc in found if doc.get("shop_id") == shop_id}

    async def add(self, order: Order, pending: list[OutboxEntry] | None = None) -> None:
        try:
            await self._orders.insert_one(order_to_doc(order, pending))
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"order {order.external_id} exists") from exc

    async def save(self, before: Order, after: Order, pending: list[OutboxEntry] | None = None) -> Order:
        """Write ``after`` if nobody changed ``before`` since it was read; return it with its new version.

        ``before`` was read through ``get`` (so it is this shop's), and ``_id`` plus ``version`` pin the
        exact document, so only the fields that differ are written (new timeline events appended): every
        byte of an update costs, and a field that does not change rewrites no index entry. Outbox entries
        are appended to the ones an earlier write may still carry, so a crash between two writes never
        drops one; ``recover`` queues and clears them.
        """
        saved = after.model_copy(update={"version": before.version + 1})
        change = _changes(order_to_doc(before), order_to_doc(saved))
        if pending:
            change.setdefault("$push", {})["outbox_pending"] = {
                "$each": [entry_to_doc(entry) for entry in pending]
            }
            change["$min"] = {"outbox_pending_since": saved.updated_at}
        result = await self._orders.update_one({"_id": before.id, "version": before.version}, change)
        if result.matched_count == 0:
            raise Conflict(f"order {before.id} changed meanwhile")
        return saved

    async def clear_pending(
        self, shop_id: ShopId, order_id: OrderId, entry_ids: list[NotificationId]
    ) -> None:
        await self._orders.update_one(
            {"_id": order_id, "shop_id": shop_id},
            {"$pull": {"outbox_pending": {"_id": {"$in": entry_ids}}}},
        )
        await self._orders.update_one(
            {"_id": order_id, "outbox_pending": {"$size": 0}}, {"$unset": {"outbox_pending_since": ""}}
        )

    async def with_pending_outbox(
        self, older_than: datetime, limit: int = 100
    ) -> list[tuple[Order, list[OutboxEntry]]]:
        """Orders whose outbox entries were recorded but maybe not queued (a crash in between)."""
        cursor = self._orders.find({"outbox_pending_since": {"$lte": older_than}}).limit(limit)
        return [
            (_order_from_doc(doc), [entry_from_doc(entry) for entry in doc.get("outbox_pending", [])])
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
        rest = set(terms[1:])
        cursor = self._orders.find({"shop_id": shop_id, "search_keys": terms[0]})
        matches = [
            doc async for doc in cursor
            if rest <= set(doc["search_keys"])
            and (status is None or doc["status"] == status.value)
            and (after is None or (doc["created_at"], doc["_id"]) < after)
        ]  # fmt: skip
        matches.sort(key=lambda doc: (doc["created_at"], doc["_id"]), reverse=True)
        return [_order_from_doc(doc) for doc in matches[:limit]]

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
