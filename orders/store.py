"""MongoDB access: the only module that talks to the database driver.

Every query of shop data filters on ``shop_id`` here, so no caller can forget it: each public method takes
the shop id as its first argument. Orders carry a ``version`` and are saved with compare-and-set, so two
concurrent changes never both win silently.

SecantusDB (the embedded server) scans whole collections for ``find_one_and_update``, ``count_documents``
and ``$group``; this module therefore uses ``find_one`` + conditional ``update_one``/``replace_one`` and
incrementally kept counters, which are right on a real mongod too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

import pymongo
from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from orders.crypto import SecretBox
from orders.lifecycle import ACTIVE, Status
from orders.model import (
    DELIVERY_RANK,
    CustomerId,
    CustomerRecord,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    NotificationId,
    Order,
    OrderId,
    OutboxEntry,
    Shop,
    ShopId,
    new_id,
)

Doc = dict[str, Any]
R = TypeVar("R", bound=BaseModel)


DatabaseError = PyMongoError
"""Raised when the database cannot be reached or refuses an operation."""


class NotFound(Exception):
    """No such record for this shop."""


class Conflict(Exception):
    """The record changed since it was read (optimistic concurrency)."""


class AlreadyExists(Exception):
    """A record with the same unique key exists."""


class _DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


CODEC_OPTIONS: CodecOptions[Doc] = CodecOptions(tz_aware=True, type_registry=TypeRegistry([_DecimalCodec()]))

_INDEXES: dict[str, list[IndexModel]] = {
    "shops": [
        IndexModel("staff_telegram_ids"),
        IndexModel("sms_number", unique=True, sparse=True),
        IndexModel("whatsapp_number", unique=True, sparse=True),
        IndexModel("instagram_id", unique=True, sparse=True),
    ],
    "orders": [
        IndexModel([("shop_id", ASCENDING), ("external_id", ASCENDING)], unique=True),
        IndexModel([("shop_id", ASCENDING), ("number", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("status", ASCENDING), ("status_since", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("awaiting_contact", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("flags", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("search_keys", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("customer.phone", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("customer.email", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel("outbox_pending_since", sparse=True),
    ],
    "outbox": [
        IndexModel("idempotency_key", unique=True),
        IndexModel([("state", ASCENDING), ("due_at", ASCENDING)]),
        IndexModel([("state", ASCENDING), ("lane", ASCENDING), ("due_at", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("order_id", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("customer_id", ASCENDING), ("state", ASCENDING)]),
        IndexModel("provider_id", sparse=True),
    ],
    "events": [
        IndexModel("received_at", expireAfterSeconds=30 * 24 * 3600),
        IndexModel([("state", ASCENDING), ("received_at", ASCENDING)]),
    ],
    "customers": [
        # partial, not sparse: a sparse compound index still indexes every document that has shop_id
        IndexModel(
            [("shop_id", ASCENDING), ("phones", ASCENDING)],
            unique=True,
            partialFilterExpression={"phones": {"$exists": True}},
        ),
        IndexModel(
            [("shop_id", ASCENDING), ("instagram_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"instagram_id": {"$exists": True}},
        ),
    ],
    "messages": [
        IndexModel([("channel", ASCENDING), ("provider_id", ASCENDING)], unique=True),
        IndexModel([("state", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("customer_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
    "rate_limits": [
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
    "alerts": [
        IndexModel("shop_id"),
    ],
    "revocations": [
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
}


#: Indexes earlier versions created; ``ensure_indexes`` drops them (each one slows every write).
_RETIRED_INDEXES: dict[str, frozenset[str]] = {"outbox": frozenset({"state_1_lease_until_1"})}

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


def _order_to_doc(order: Order, pending: list[OutboxEntry] | None = None) -> Doc:
    doc = order.model_dump(exclude={"id"})
    doc["_id"] = order.id
    doc["search_keys"] = _search_keys(order)
    doc["awaiting_contact"] = order.status in ACTIVE and order.last_customer_contact_at is None
    if pending:
        doc["outbox_pending"] = [_entry_to_doc(entry) for entry in pending]
        doc["outbox_pending_since"] = order.updated_at
    return doc


def _to_doc(record: BaseModel, *, keep_none: bool = False) -> Doc:
    """A domain record as a document: its ``id`` becomes ``_id``."""
    doc = record.model_dump(exclude={"id"}, exclude_none=not keep_none)
    doc["_id"] = getattr(record, "id")  # noqa: B009 - every stored record has an id
    return doc


def _from_doc(model: type[R], doc: Mapping[str, Any], drop: frozenset[str] = frozenset()) -> R:
    fields = {k: v for k, v in doc.items() if k not in drop}
    fields["id"] = fields.pop("_id")
    return model.model_validate(fields)


def _order_from_doc(doc: Mapping[str, Any]) -> Order:
    return _from_doc(Order, doc, _DERIVED_ORDER_FIELDS)


#: Outbox entries are spread over lanes by id, so that a claim under a backlog reads one lane's due
#: entries rather than all of them (the embedded server reads every match of a query before its limit).
OUTBOX_LANES = 16


def outbox_lane(entry_id: str) -> int:
    return int(hashlib.sha256(entry_id.encode()).hexdigest()[:8], 16) % OUTBOX_LANES


def _entry_to_doc(entry: OutboxEntry) -> Doc:
    doc = _to_doc(entry, keep_none=True)  # lease and error fields are matched on, null included
    doc["lane"] = outbox_lane(entry.id)
    return doc


def _entry_from_doc(doc: Mapping[str, Any]) -> OutboxEntry:
    return _from_doc(OutboxEntry, doc, frozenset({"lane"}))


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


#: The shop's secrets, stored sealed (``orders.crypto``): dotted paths into the shop's document.
SHOP_SECRET_FIELDS = ("webhook_secret", "shopify_secret", "woocommerce_secret", "email.password")


def _map_secrets(doc: Doc, change: Callable[[str, str], str]) -> Doc:
    """``doc`` with each secret field present replaced by ``change(value, context)``."""
    doc = dict(doc)
    for path in SHOP_SECRET_FIELDS:
        parent, _, field = path.rpartition(".")
        holder = doc
        if parent:
            if not isinstance(doc.get(parent), Mapping):
                continue
            holder = doc[parent] = dict(doc[parent])
        if isinstance(holder.get(field), str):
            holder[field] = change(holder[field], f"{doc['_id']}/{path}")
    return doc


class ShopStore:
    """Shops, their secrets sealed in the document mapping itself, so no caller can store one in clear."""

    def __init__(self, collection: AsyncCollection[Doc], box: SecretBox) -> None:
        self._shops = collection
        self._box = box

    def _to_doc(self, shop: Shop) -> Doc:
        return _map_secrets(_to_doc(shop), self._box.seal)

    def _from_doc(self, doc: Mapping[str, Any]) -> Shop:
        return _from_doc(Shop, _map_secrets(dict(doc), self._box.open))

    async def add(self, shop: Shop) -> None:
        try:
            await self._shops.insert_one(self._to_doc(shop))
        except DuplicateKeyError as exc:
            raise AlreadyExists("a shop already uses one of these channel addresses") from exc

    async def get(self, shop_id: ShopId) -> Shop:
        doc = await self._shops.find_one({"_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown shop {shop_id}")
        return self._from_doc(doc)

    async def reseal_all(self) -> tuple[int, int]:
        """Seal every shop's secrets with the newest key (plaintext from before included).

        Returns (shops changed, shops seen). Each shop is one compare-and-set on the values it was read
        with, so a shop changed meanwhile keeps its change (run again to reseal it). Raises ``SealError``
        for a shop whose secrets no configured key opens, after the shops before it were done.
        """
        changed = seen = 0
        async for doc in self._shops.find({}, projection=list(SHOP_SECRET_FIELDS)):
            seen += 1
            resealed = _map_secrets(doc, self._box.reseal)
            fields = {p: _dotted(resealed, p) for p in SHOP_SECRET_FIELDS if _dotted(doc, p) is not None}
            news = {p: v for p, v in fields.items() if v != _dotted(doc, p)}
            if not news:
                continue
            before = {p: _dotted(doc, p) for p in news}
            result = await self._shops.update_one({"_id": doc["_id"], **before}, {"$set": news})
            changed += result.modified_count
        return changed, seen

    async def save(self, shop: Shop) -> None:
        """Replace the stored shop with ``shop`` (its settings changed)."""
        try:
            result = await self._shops.replace_one({"_id": shop.id}, self._to_doc(shop))
        except DuplicateKeyError as exc:
            raise AlreadyExists("a shop already uses one of these channel addresses") from exc
        if result.matched_count == 0:
            raise NotFound(f"unknown shop {shop.id}")

    async def by_address(self, field: str, address: str) -> Shop | None:
        """The shop that owns a channel address (``sms_number``, ``whatsapp_number``, ``instagram_id``)."""
        if field not in ("sms_number", "whatsapp_number", "instagram_id"):
            raise ValueError(f"not a channel address: {field}")
        doc = await self._shops.find_one({field: address})
        return None if doc is None else self._from_doc(doc)

    async def for_staff(self, telegram_id: int) -> list[Shop]:
        """The shops that list this Telegram user as staff."""
        return [self._from_doc(doc) async for doc in self._shops.find({"staff_telegram_ids": telegram_id})]

    async def find_by_name(self, name: str) -> Shop | None:
        doc = await self._shops.find_one({"name": name})
        return None if doc is None else self._from_doc(doc)

    async def list(self) -> list[Shop]:
        return [self._from_doc(doc) async for doc in self._shops.find().sort("created_at", ASCENDING)]


def _dotted(doc: Mapping[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(part)  # type: ignore[assignment]
    return doc


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
        """The orders placed with any of these phones or emails, newest first."""
        clauses: list[Doc] = [{"customer.phone": phone} for phone in phones]
        clauses += [{"customer.email": email} for email in emails]
        if not clauses:
            return []
        cursor = self._orders.find({"shop_id": shop_id, "$or": clauses}).sort("created_at", DESCENDING)
        return [_order_from_doc(doc) async for doc in cursor.limit(limit)]

    async def get_many(self, shop_id: ShopId, order_ids: Iterable[str]) -> dict[str, Order]:
        ids = list(dict.fromkeys(order_ids))
        found = self._orders.find({"_id": {"$in": ids}})
        return {doc["_id"]: _order_from_doc(doc) async for doc in found if doc.get("shop_id") == shop_id}

    async def add(self, order: Order, pending: list[OutboxEntry] | None = None) -> None:
        try:
            await self._orders.insert_one(_order_to_doc(order, pending))
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"order {order.external_id} exists") from exc

    async def save(self, order: Order, pending: list[OutboxEntry] | None = None) -> Order:
        """Write ``order`` if nobody changed it since it was read; return it with its new version.

        ``order`` was read through ``get`` (so it is this shop's), and ``_id`` plus ``version`` pin the
        exact document. Outbox entries are appended to the ones an earlier write may still carry, so a
        crash between two writes never drops one; ``recover`` queues and clears them.
        """
        saved = order.model_copy(update={"version": order.version + 1})
        fields = _order_to_doc(saved)
        change: Doc = {"$set": {k: v for k, v in fields.items() if k != "_id"}}
        if pending:
            change["$push"] = {"outbox_pending": {"$each": [_entry_to_doc(entry) for entry in pending]}}
            change["$min"] = {"outbox_pending_since": saved.updated_at}
        result = await self._orders.update_one({"_id": order.id, "version": order.version}, change)
        if result.matched_count == 0:
            raise Conflict(f"order {order.id} changed meanwhile")
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
            (_order_from_doc(doc), [_entry_from_doc(entry) for entry in doc.get("outbox_pending", [])])
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
        """Orders newest first, ``limit`` at most, starting after a cursor position."""
        query: Doc = {"shop_id": shop_id}
        if status is not None:
            query["status"] = status.value
        if search and (terms := search_key(search).split()):
            query["search_keys"] = {"$all": terms}
            return await self._page_query(query, after, None, limit)
        # The embedded server reads every match before it sorts and limits, so a shop's whole history
        # would be read for one page: look back in windows that grow fourfold until the page is full.
        newest = after[0] if after else now + timedelta(days=1)
        window = _FIRST_WINDOW
        found: list[Order] = []
        while len(found) < limit and window <= _LAST_WINDOW:
            since = newest - window
            found = await self._page_query(query, after, since, limit)
            window *= 4
        if len(found) < limit:
            found = await self._page_query(query, after, None, limit)
        return found

    async def _page_query(
        self, query: Doc, after: tuple[datetime, str] | None, since: datetime | None, limit: int
    ) -> list[Order]:
        query = dict(query)
        created: Doc = {"$gte": since} if since is not None else {}
        if after is not None:
            last_created, last_id = after
            created["$lte"] = last_created
            query["$or"] = [
                {"created_at": {"$lt": last_created}},
                {"created_at": last_created, "_id": {"$lt": last_id}},
            ]
        if created:
            query["created_at"] = created
        cursor = self._orders.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [_order_from_doc(doc) async for doc in cursor]

    async def in_status_since_before(
        self, shop_id: ShopId, status: Status, before: datetime, limit: int
    ) -> list[Order]:
        """Orders in ``status`` since before ``before``, the longest waiting first."""
        cursor = self._orders.find(
            {"shop_id": shop_id, "status": status.value, "status_since": {"$lte": before}}
        )
        return [_order_from_doc(doc) async for doc in cursor.sort("status_since", ASCENDING).limit(limit)]

    async def uncontacted_since_before(self, shop_id: ShopId, before: datetime, limit: int) -> list[Order]:
        cursor = self._orders.find(
            {"shop_id": shop_id, "awaiting_contact": True, "created_at": {"$lte": before}}
        )
        return [_order_from_doc(doc) async for doc in cursor.sort("created_at", ASCENDING).limit(limit)]

    async def flagged(self, shop_id: ShopId, flag: str, limit: int) -> list[Order]:
        cursor = (
            self._orders.find({"shop_id": shop_id, "flags": flag})
            .sort("status_since", ASCENDING)
            .limit(limit)
        )
        return [_order_from_doc(doc) async for doc in cursor]


class OutboxStore:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._outbox = collection
        self._backlog = False  # whether the last look at the due queue found more than it could take

    async def add(self, entry: OutboxEntry) -> OutboxEntry:
        """Queue ``entry`` once per idempotency key; return the entry that holds the key."""
        try:
            await self._outbox.insert_one(_entry_to_doc(entry))
        except DuplicateKeyError:
            existing = await self._outbox.find_one({"idempotency_key": entry.idempotency_key})
            if existing is None:
                raise
            return _entry_from_doc(existing)
        return entry

    async def find_key(self, shop_id: ShopId, idempotency_key: str) -> OutboxEntry | None:
        doc = await self._outbox.find_one({"idempotency_key": idempotency_key, "shop_id": shop_id})
        return None if doc is None else _entry_from_doc(doc)

    async def queued_for(self, shop_id: ShopId, customer_id: str, channel: str) -> list[OutboxEntry]:
        """A customer's entries on one channel that are still queued, oldest first."""
        query = {"shop_id": shop_id, "customer_id": customer_id, "channel": channel, "state": "queued"}
        return [_entry_from_doc(doc) async for doc in self._outbox.find(query).sort("created_at", ASCENDING)]

    async def set_state(self, shop_id: ShopId, entry_id: str, state: str, *, expected: str) -> bool:
        """Move an entry from ``expected`` to ``state``; False if someone else moved it first."""
        result = await self._outbox.update_one(
            {"_id": entry_id, "shop_id": shop_id, "state": expected}, {"$set": {"state": state}}
        )
        return result.modified_count == 1

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
        return [_entry_from_doc(won[entry_id]) for entry_id in candidates if entry_id in won]

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
        return result.modified_count == 1

    async def expired_leases(self, now: datetime, limit: int = 100) -> list[OutboxEntry]:
        """Entries whose sender vanished mid-send, moved to review: they may or may not have gone out."""
        cursor = self._outbox.find({"state": "sending", "lease_until": {"$lt": now}}).limit(limit)
        stuck = []
        async for doc in cursor:
            result = await self._outbox.update_one(
                {"_id": doc["_id"], "state": "sending", "lease_until": doc["lease_until"]},
                {"$set": {"state": "review", "error": "the sender stopped mid-send; check before resending"}},
            )
            if result.modified_count == 1:
                stuck.append(_entry_from_doc(doc))
        return stuck

    async def by_provider_id(self, provider_id: str) -> OutboxEntry | None:
        doc = await self._outbox.find_one({"provider_id": provider_id})
        return None if doc is None else _entry_from_doc(doc)

    async def move_state(self, entry_id: str, state: str, *, only_from: tuple[str, ...]) -> bool:
        """Compare-and-set an entry's state; False when it was not in one of ``only_from``."""
        result = await self._outbox.update_one(
            {"_id": entry_id, "state": {"$in": list(only_from)}}, {"$set": {"state": state}}
        )
        return result.modified_count == 1

    async def for_order(self, shop_id: ShopId, order_id: OrderId) -> list[OutboxEntry]:
        cursor = self._outbox.find({"shop_id": shop_id, "order_id": order_id}).sort("created_at", ASCENDING)
        return [_entry_from_doc(doc) async for doc in cursor]

    async def supersede(self, shop_id: ShopId, order_id: OrderId, sequence: int) -> int:
        """Skip the order's older status updates still waiting (queued or parked); returns how many.

        A compare-and-set on the state: an entry a sender has claimed is left to it (it checks
        ``has_newer`` before it sends).
        """
        result = await self._outbox.update_many(
            {
                "shop_id": shop_id, "order_id": order_id, "kind": "status_update",
                "state": {"$in": ["queued", "parked"]}, "sequence": {"$lt": sequence},
            },
            {"$set": {"state": "skipped", "error": "superseded", "lease_until": None}},
        )  # fmt: skip
        return result.modified_count

    async def has_newer(self, shop_id: ShopId, order_id: OrderId, sequence: int) -> bool:
        """Whether a newer status update of the order exists (whatever became of it)."""
        query = {
            "shop_id": shop_id,
            "order_id": order_id,
            "kind": "status_update",
            "sequence": {"$gt": sequence},
        }
        return await self._outbox.find_one(query, {"_id": 1}) is not None

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
                expired.append(_entry_from_doc({**doc, **change}))
        return expired

    async def release_parked(self, shop_id: ShopId, customer_id: str, channel: str, now: datetime) -> int:
        """The customer wrote on ``channel``: their parked entries on it are due now; returns how many."""
        result = await self._outbox.update_many(
            {"shop_id": shop_id, "customer_id": customer_id, "channel": channel, "state": "parked"},
            {"$set": {"state": "queued", "due_at": now, "held": None}},
        )
        return result.modified_count

    async def count_state(self, state: str) -> int:
        return await self._outbox.count_documents({"state": state})


class EventStore:
    """Webhook deliveries already seen, so a retried delivery changes nothing.

    A delivery is first claimed (state ``processing``), then completed with its result. A claim left by a
    crashed process can be taken over after ``stale_after``. A claim may carry the delivery's ``payload``
    (what to apply), so that a webhook can answer once it is claimed and the work can follow later, or be
    picked up again by ``pending`` after a crash.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._events = collection

    async def claim(
        self, source: str, event_id: str, now: datetime, payload: Mapping[str, Any] | None = None
    ) -> Doc | None:
        """Claim a delivery (one insert); None if it is ours now, else the earlier record."""
        key = f"{source}|{event_id}"
        record: Doc = {
            "_id": key,
            "source": source,
            "event_id": event_id,
            "state": "processing",
            "received_at": now,
        }
        if payload is not None:
            record["payload"] = dict(payload)
        for _ in range(3):
            try:
                await self._events.insert_one(dict(record))
            except DuplicateKeyError:
                earlier = await self._events.find_one({"_id": key})
                if earlier is not None:
                    return earlier
                continue  # released between our insert and our read: try to claim it again
            return None
        return record  # still contended: report it as being processed

    async def get(self, source: str, event_id: str) -> Doc | None:
        return await self._events.find_one({"_id": f"{source}|{event_id}"})

    async def take_over(
        self,
        source: str,
        event_id: str,
        claimed_at: datetime,
        now: datetime,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take over a claim that another process left behind at ``claimed_at`` (compare-and-set).

        ``payload``, when given, is stored with it.
        """
        return await self._move_claim(source, event_id, claimed_at, now, payload=payload)

    async def start(self, source: str, event_id: str, claimed_at: datetime, now: datetime) -> bool:
        """Start applying a claim's payload: ``take_over``, counting the claim's ``attempts``."""
        return await self._move_claim(source, event_id, claimed_at, now, attempt=True)

    async def _move_claim(
        self,
        source: str,
        event_id: str,
        claimed_at: datetime,
        now: datetime,
        *,
        payload: Mapping[str, Any] | None = None,
        attempt: bool = False,
    ) -> bool:
        """Move a claim still ``processing`` since ``claimed_at`` to ``now``; False if it moved first.

        ``received_at`` always moves forward (by at least the database's millisecond, even on a clock that
        stands still), so of two processes moving the same claim exactly one wins.
        """
        fields: Doc = {"received_at": max(now, claimed_at + timedelta(milliseconds=1))}
        if payload is not None:
            fields["payload"] = dict(payload)
        change: Doc = {"$set": fields}
        if attempt:
            change["$inc"] = {"attempts": 1}
        result = await self._events.update_one(
            {"_id": f"{source}|{event_id}", "state": "processing", "received_at": claimed_at}, change
        )
        return result.modified_count == 1

    async def pending(self, claimed_before: datetime, limit: int = 100) -> list[Doc]:
        """Claims with a payload still ``processing`` since before ``claimed_before``, oldest first."""
        cursor = self._events.find(
            {"state": "processing", "received_at": {"$lt": claimed_before}, "payload": {"$exists": True}}
        ).sort("received_at", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def complete(self, source: str, event_id: str, result: Mapping[str, Any]) -> None:
        await self._events.update_one(
            {"_id": f"{source}|{event_id}"}, {"$set": {"state": "done", "result": dict(result)}}
        )

    async def release(self, source: str, event_id: str) -> None:
        await self._events.delete_one({"_id": f"{source}|{event_id}", "state": "processing"})


class StatsStore:
    """Per-shop counters, kept as changes happen so that stats never scan the orders.

    Every ``add`` also counts one ``revision``: a number that moves whenever the shop's orders or
    notifications change, so that a page can ask "anything new?" with one read by id.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._stats = collection

    async def add(self, shop_id: ShopId, deltas: Mapping[str, float]) -> None:
        changes = {key: value for key, value in deltas.items() if value}
        changes["revision"] = 1
        await self._stats.update_one({"_id": shop_id}, {"$inc": changes}, upsert=True)

    async def touch(self, shop_id: ShopId) -> None:
        """Count a change that moves no counter (a flag, a delivery state) in ``revision``."""
        await self.add(shop_id, {})

    async def revision(self, shop_id: ShopId) -> int:
        doc = await self._stats.find_one({"_id": shop_id}, {"revision": 1})
        return int(doc.get("revision", 0)) if doc else 0

    async def get(self, shop_id: ShopId) -> dict[str, float]:
        doc = await self._stats.find_one({"_id": shop_id}) or {}
        return _flatten({k: v for k, v in doc.items() if k != "_id"})


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in doc.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = float(value)
    return flat


class CustomerStore:
    """Customers found by the address they write from; one record per phone or Instagram id in a shop."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._customers = collection

    async def get(self, shop_id: ShopId, customer_id: str) -> CustomerRecord:
        doc = await self._customers.find_one({"_id": customer_id, "shop_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown customer {customer_id}")
        return _from_doc(CustomerRecord, doc)

    async def find_or_create(
        self, shop_id: ShopId, *, now: datetime, phone: str | None = None, instagram_id: str | None = None
    ) -> CustomerRecord:
        """The customer with this phone (E.164) or Instagram id, created on first contact."""
        if (phone is None) == (instagram_id is None):
            raise ValueError("give exactly one of phone or instagram_id")
        query: Doc = {"shop_id": shop_id, **({"phones": phone} if phone else {"instagram_id": instagram_id})}
        for _ in range(3):
            doc = await self._customers.find_one(query)
            if doc is not None:
                return _from_doc(CustomerRecord, doc)
            record = CustomerRecord(
                id=CustomerId(new_id("cus")),
                shop_id=shop_id,
                phones=[phone] if phone else [],
                instagram_id=instagram_id,
                created_at=now,
            )
            doc = _to_doc(record)
            if not record.phones:
                doc.pop("phones")
            try:
                await self._customers.insert_one(doc)
            except DuplicateKeyError:
                continue  # created by a concurrent message from the same sender
            return record
        raise Conflict("customer keeps changing")

    async def record_inbound(
        self, shop_id: ShopId, customer_id: CustomerId, channel: str, at: datetime
    ) -> None:
        """Remember when the customer last wrote on ``channel`` (opens the 24-hour window)."""
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id},
            {"$max": {f"last_inbound.{channel}": at}, "$set": {"preferred_channel": channel}},
        )

    async def verify(
        self, shop_id: ShopId, customer_id: CustomerId, *, phone: str | None, email: str | None
    ) -> None:
        """Link a customer (an Instagram account) to the phone or email of an order they proved is theirs."""
        change: Doc = {}
        if phone:
            change["$addToSet"] = {"verified_phones": phone}
        if email:
            change["$set"] = {"email": email}
        if change:
            await self._customers.update_one({"_id": customer_id, "shop_id": shop_id}, change)

    async def set_opt_out(
        self, shop_id: ShopId, customer_id: CustomerId, channel: str, opted_out: bool
    ) -> None:
        change = "$addToSet" if opted_out else "$pull"
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {change: {"opted_out": channel}}
        )


class MessageStore:
    """Every chat message in and out. The (channel, provider id) key makes a retried delivery a no-op."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._messages = collection

    async def add(self, message: Message) -> bool:
        """Store the message; False when this provider id was stored before."""
        try:
            await self._messages.insert_one(_to_doc(message))
        except DuplicateKeyError:
            return False
        return True

    async def get(self, shop_id: ShopId, message_id: str) -> Message:
        doc = await self._messages.find_one({"_id": message_id, "shop_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown message {message_id}")
        return _from_doc(Message, doc)

    async def by_provider_id(self, channel: str, provider_id: str) -> Message | None:
        doc = await self._messages.find_one({"channel": channel, "provider_id": provider_id})
        return None if doc is None else _from_doc(Message, doc)

    async def set_state(
        self,
        shop_id: ShopId,
        message_id: MessageId,
        state: DeliveryState,
        now: datetime,
        note: str | None = None,
    ) -> None:
        change: Doc = {"state": state.value, "updated_at": now}
        if note is not None:
            change["note"] = note
        await self._messages.update_one({"_id": message_id, "shop_id": shop_id}, {"$set": change})

    async def unprocessed(self, received_before: datetime, limit: int = 100) -> list[Message]:
        """Inbound messages stored but not yet handled (a crash after the webhook's 200)."""
        cursor = self._messages.find(
            {"state": DeliveryState.RECEIVED.value, "created_at": {"$lte": received_before}}
        ).sort("created_at", ASCENDING)
        return [_from_doc(Message, doc) async for doc in cursor.limit(limit)]

    async def record_delivery(
        self,
        channel: str,
        provider_id: str,
        state: DeliveryState,
        now: datetime,
        error_code: str | None = None,
    ) -> Message | None:
        """Move an outbound message forward to ``state``; callbacks arriving out of order never move it back.

        Returns the message as it is now, or None for an unknown provider id.
        """
        rank = DELIVERY_RANK[state]
        earlier = [s.value for s, r in DELIVERY_RANK.items() if r < rank]
        change: Doc = {"state": state.value, "updated_at": now}
        if error_code:
            change["error_code"] = error_code
        await self._messages.update_one(
            {
                "channel": channel,
                "provider_id": provider_id,
                "direction": Direction.OUTBOUND.value,
                "state": {"$in": earlier},
            },
            {"$set": change},
        )
        return await self.by_provider_id(channel, provider_id)

    async def recent(self, shop_id: ShopId, customer_id: CustomerId, limit: int = 20) -> list[Message]:
        cursor = self._messages.find({"shop_id": shop_id, "customer_id": customer_id})
        return [_from_doc(Message, doc) async for doc in cursor.sort("created_at", DESCENDING).limit(limit)]


class RateLimitStore:
    """Fixed-window counters and token buckets shared by every process (a TTL index removes old ones)."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._limits = collection

    async def allow(self, key: str, now: datetime, *, limit: int, window_seconds: int, hits: int = 1) -> bool:
        """Count ``hits`` (one) for ``key`` if the current window has room for them; False once it has not.

        Each step is one atomic write (a conditional increment, else the window's first insert), so
        concurrent hits from several processes never let more than ``limit`` through.
        """
        if hits > limit:
            return False
        start = int(now.timestamp()) // window_seconds * window_seconds
        window_id = f"{key}|{start}"
        for _ in range(2):
            counted = await self._limits.update_one(
                {"_id": window_id, "count": {"$lte": limit - hits}}, {"$inc": {"count": hits}}
            )
            if counted.modified_count:
                return True
            expires = datetime.fromtimestamp(start + 2 * window_seconds, tz=now.tzinfo)
            try:
                await self._limits.insert_one({"_id": window_id, "count": hits, "expires_at": expires})
            except DuplicateKeyError:
                continue  # the window exists: full, or another hit created it just now
            return True
        return False

    async def take(
        self, key: str, now: datetime, *, per_second: float, burst: int = 1, tries: int = 4
    ) -> timedelta | None:
        """Take one token from the bucket ``key``; None when taken, else how long until one is free.

        A token bucket kept as its theoretical arrival time (GCRA, in epoch seconds: a date keeps only
        milliseconds), one document per bucket shared by every process. Taking a token is one conditional
        pipeline update (``tat`` moves on only while the bucket has room), so concurrent senders never
        read-then-write and never retry against each other; only a full or missing bucket costs a read.
        """
        interval = 1 / per_second
        slack = interval * (burst - 1)
        at = now.timestamp()
        # Never past this: tat ends at most slack + interval ahead of now.
        expires_at = now + timedelta(seconds=slack + interval + 600)
        for _ in range(tries):
            moved = await self._limits.update_one(
                {"_id": key, "tat": {"$lte": at + slack}},
                [{"$set": {"tat": {"$add": [{"$max": ["$tat", at]}, interval]}, "expires_at": expires_at}}],
            )
            if moved.matched_count:
                return None
            doc = await self._limits.find_one({"_id": key})
            if doc is None:
                try:
                    await self._limits.insert_one(
                        {"_id": key, "tat": at + interval, "expires_at": expires_at}
                    )
                except DuplicateKeyError:
                    continue  # another sender created it just now: take from it
                return None
            wait = float(doc["tat"]) - at - slack
            if wait > 0:
                return timedelta(seconds=wait)
        return timedelta(seconds=interval)

    async def used(self, key: str, now: datetime, *, window_seconds: int) -> int:
        """How many hits ``allow`` has counted for ``key`` in the current window (one read, no write)."""
        doc = await self._limits.find_one({"_id": f"{key}|{window_start(now, window_seconds)}"})
        return 0 if doc is None else int(doc["count"])


def window_start(now: datetime, window_seconds: int) -> int:
    """The epoch second at which ``now``'s fixed window (``RateLimitStore.allow``) began."""
    return int(now.timestamp()) // window_seconds * window_seconds


class RevocationStore:
    """Token ids (``jti``) refused from now on, by every process: each request looks its token up by id."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._revoked = collection

    async def revoke(self, token_id: str, now: datetime, expires_at: datetime | None = None) -> bool:
        """Revoke a token id; False when it was revoked before. ``expires_at`` lets the record expire."""
        doc: Doc = {"_id": token_id, "revoked_at": now}
        if expires_at is not None:
            doc["expires_at"] = expires_at
        try:
            await self._revoked.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def is_revoked(self, token_id: str) -> bool:
        return await self._revoked.find_one({"_id": token_id}, projection=["_id"]) is not None


class AlertStore:
    """Attention alerts already sent to staff: one per (order, reason) until the reason goes away."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._alerts = collection

    async def record(self, shop_id: ShopId, order_id: str, reason: str, now: datetime) -> str | None:
        """Remember an alert about to be queued; its token (the outbox key), or None when this
        (order, reason) was alerted already. ``queued`` marks it done; until then a scan queues it again."""
        token = new_id("alr")
        try:
            await self._alerts.insert_one(
                {
                    "_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id, "order_id": order_id,
                    "reason": reason, "alerted_at": now, "token": token, "queued": False,
                }
            )  # fmt: skip
        except DuplicateKeyError:
            return None
        return token

    async def queued(self, shop_id: ShopId, order_id: str, reason: str) -> None:
        await self._alerts.update_one(
            {"_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id}, {"$set": {"queued": True}}
        )

    async def for_shop(self, shop_id: ShopId) -> list[Doc]:
        return [doc async for doc in self._alerts.find({"shop_id": shop_id})]

    async def clear(self, shop_id: ShopId, order_id: str, reason: str) -> None:
        """The reason went away: a later recurrence alerts again."""
        await self._alerts.delete_one({"_id": f"{shop_id}|{order_id}|{reason}", "shop_id": shop_id})


class LockStore:
    """Leases on periodic jobs, so that each runs on one worker at a time however many run."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._locks = collection

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or renew) the lease on ``name`` for ``ttl``; False while another holder's lease runs."""
        expires = now + ttl
        for _ in range(2):
            renewed = await self._locks.update_one(
                {"_id": name, "$or": [{"holder": holder}, {"expires_at": {"$lte": now}}]},
                {"$set": {"holder": holder, "expires_at": expires}},
            )
            if renewed.matched_count:
                return True
            try:
                await self._locks.insert_one({"_id": name, "holder": holder, "expires_at": expires})
            except DuplicateKeyError:
                continue  # someone holds it, or took it just now: look again once
            return True
        return False


class Database:
    """One connection pool and the stores over it."""

    def __init__(self, client: AsyncMongoClient[Doc], name: str, *, secret_keys: Sequence[str]) -> None:
        self.client = client
        self._db: AsyncDatabase[Doc] = client.get_database(name, codec_options=CODEC_OPTIONS)
        self.shops = ShopStore(self._db.shops, SecretBox(secret_keys))
        self.orders = OrderStore(self._db.orders)
        self.outbox = OutboxStore(self._db.outbox)
        self.events = EventStore(self._db.events)
        self.stats = StatsStore(self._db.stats)
        self.customers = CustomerStore(self._db.customers)
        self.messages = MessageStore(self._db.messages)
        self.rate_limits = RateLimitStore(self._db.rate_limits)
        self.revocations = RevocationStore(self._db.revocations)
        self.locks = LockStore(self._db.locks)
        self.alerts = AlertStore(self._db.alerts)

    async def ensure_indexes(self) -> None:
        """Create every index, and drop the ones an earlier version made and nothing uses any more."""
        for name, indexes in _INDEXES.items():
            await self._db[name].create_indexes(indexes)
        for name, retired in _RETIRED_INDEXES.items():
            existing = await self._db[name].index_information()
            for index in retired & existing.keys():
                await self._db[name].drop_index(index)

    async def ping(self, within_seconds: float = 2.0) -> bool:
        try:
            with pymongo.timeout(within_seconds):
                await self._db.command("ping")
        except PyMongoError:
            return False
        return True

    async def drop(self) -> None:
        await self.client.drop_database(self._db.name)

    async def close(self) -> None:
        await self.client.close()


def open_database(uri: str, name: str, *, secret_keys: Sequence[str], timeout_ms: int = 5000) -> Database:
    """A Database over a new client; call ``ensure_indexes`` and ``close`` around its use.

    ``secret_keys`` (newest first) seal and open the shops' secrets (``orders.crypto``).
    """
    # Idle connections are dropped after a minute: servers and proxies close long-idle ones on their side,
    # and a write on such a connection fails instead of being sent.
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        maxIdleTimeMS=60_000,
        tz_aware=True,
    )
    return Database(client, name, secret_keys=secret_keys)


__all__ = [
    "AlreadyExists",
    "Conflict",
    "Database",
    "DatabaseError",
    "NotFound",
    "decode_cursor",
    "encode_cursor",
    "open_database",
]
