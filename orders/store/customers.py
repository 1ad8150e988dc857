"""Customers across phone, email and Instagram (the messages they exchange: ``orders.store.messages``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from orders.model import CustomerId, CustomerRecord, ShopId, new_id
from orders.store.documents import Doc, from_doc, to_doc
from orders.store.errors import Conflict, NotFound


def _address_key(shop_id: str, *, phone: str | None, instagram_id: str | None) -> str:
    """The one address a customer is found by, with its shop: unique per shop by a plain index
    (``orders.store``, 4)."""
    return f"{shop_id}|phone:{phone}" if phone else f"{shop_id}|instagram:{instagram_id}"


#: ``waiting`` mirrors ``waiting_since is not None`` for the conversations index (``conversations``).
_DERIVED_CUSTOMER_FIELDS = frozenset({"address_key", "waiting"})
#: What the older layout set when an Instagram account proved one order: that order's phone and email,
#: which opened every order carrying either. Never read as access; ``narrow_legacy_links`` removes them.
LEGACY_LINK_FIELDS = ("verified_phones", "email")


#: How long the customer a message just came from is taken as this process left them (``recent``): the
#: moment between a message and the plan of its reply, which so needs no second read of them.
RECENT_SECONDS = 2.0
#: Customers remembered at most; past it the older half is forgotten (each is read again, as before).
RECENT_MAX = 2000


def _customer_from_doc(doc: Mapping[str, Any]) -> CustomerRecord:
    return from_doc(CustomerRecord, doc, _DERIVED_CUSTOMER_FIELDS.union(LEGACY_LINK_FIELDS))


class CustomerStore:
    """Customers found by the address they write from; one record per phone or Instagram id in a shop."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._customers = collection
        self._recent: dict[str, tuple[CustomerRecord, float]] = {}

    async def get(self, shop_id: ShopId, customer_id: str) -> CustomerRecord:
        doc = await self._customers.find_one({"_id": customer_id, "shop_id": shop_id})
        if doc is None:
            raise NotFound(f"unknown customer {customer_id}")
        return _customer_from_doc(doc)

    async def recent(self, shop_id: ShopId, customer_id: str) -> CustomerRecord:
        """The customer as this process left them within ``RECENT_SECONDS`` (a message of theirs found them,
        ``wrote``; their language was set), else as read (``get``).

        For the plan of a reply, made a moment after its message found the customer: what this process
        changed since is applied, or forgets them (an opt-out, a linked phone); a change another process
        made in those seconds is seen from the next message on.
        """
        known = self._recent.get(customer_id)
        if known is not None and known[0].shop_id == shop_id and time.monotonic() - known[1] < RECENT_SECONDS:
            return known[0]
        return await self.get(shop_id, customer_id)

    def _remember(self, record: CustomerRecord) -> None:
        if len(self._recent) >= RECENT_MAX:
            oldest = sorted(self._recent.items(), key=lambda item: item[1][1])[: RECENT_MAX // 2]
            for customer_id, _ in oldest:
                del self._recent[customer_id]
        self._recent[record.id] = (record, time.monotonic())

    async def find(
        self, shop_id: ShopId, *, phone: str | None = None, instagram_id: str | None = None
    ) -> CustomerRecord | None:
        """The customer with this phone (E.164) or Instagram id, if they ever wrote or were written to."""
        key = _address_key(shop_id, phone=phone, instagram_id=instagram_id)
        doc = await self._customers.find_one({"address_key": key, "shop_id": shop_id})
        return None if doc is None else _customer_from_doc(doc)

    async def find_or_create(
        self, shop_id: ShopId, *, now: datetime, phone: str | None = None, instagram_id: str | None = None
    ) -> CustomerRecord:
        """The customer with this phone (E.164) or Instagram id, created on first contact."""
        customer, _ = await self._find_or_insert(shop_id, now, phone, instagram_id, {})
        return customer

    async def wrote(
        self,
        shop_id: ShopId,
        channel: str,
        at: datetime,
        *,
        now: datetime,
        phone: str | None = None,
        instagram_id: str | None = None,
    ) -> tuple[CustomerRecord, bool]:
        """The customer who wrote on ``channel`` at ``at`` (``find_or_create``) with their window opened as
        ``record_inbound`` opens it, and whether they are new. One known already is read, then updated; a
        new one is inserted with the window open (one write). The record is as it was read, or inserted."""
        opened = {"last_inbound": {channel: at}, "preferred_channel": channel, "active_at": at, "unread": 1}
        customer, created = await self._find_or_insert(shop_id, now, phone, instagram_id, opened)
        if created:
            self._remember(customer)
        else:
            await self.record_inbound(shop_id, customer.id, channel, at)
            last = customer.last_inbound.get(channel)
            self._remember(
                customer.model_copy(
                    update={
                        "last_inbound": {**customer.last_inbound, channel: max(last, at) if last else at},
                        "active_at": max(customer.active_at, at) if customer.active_at else at,
                        "preferred_channel": channel, "unread": customer.unread + 1,
                    }
                )
            )  # fmt: skip
        return customer, created

    async def _find_or_insert(
        self,
        shop_id: ShopId,
        now: datetime,
        phone: str | None,
        instagram_id: str | None,
        fields: dict[str, Any],
    ) -> tuple[CustomerRecord, bool]:
        """The customer with this address, or a new one with ``fields``; whether it is new."""
        if (phone is None) == (instagram_id is None):
            raise ValueError("give exactly one of phone or instagram_id")
        key = _address_key(shop_id, phone=phone, instagram_id=instagram_id)
        for _ in range(3):
            doc = await self._customers.find_one({"address_key": key, "shop_id": shop_id})
            if doc is not None:
                return _customer_from_doc(doc), False
            record = CustomerRecord(
                id=CustomerId(new_id("cus")),
                shop_id=shop_id,
                phones=[phone] if phone else [],
                instagram_id=instagram_id,
                created_at=now,
                **fields,
            )
            doc = to_doc(record)
            if not record.phones:
                doc.pop("phones")
            doc["address_key"] = key
            doc["waiting"] = False
            try:
                await self._customers.insert_one(doc)
            except DuplicateKeyError:
                continue  # created by a concurrent message from the same sender
            return record, True
        raise Conflict("customer keeps changing")

    async def add_address_keys(self) -> int:
        """Give customers stored before ``address_key`` existed theirs; returns how many got one.

        A customer whose address another one already holds (only possible while processes from before it
        ran beside newer ones) keeps none, and the one holding it answers for that address.
        """
        added = 0
        async for doc in self._customers.find({"address_key": {"$exists": False}}):
            phones, instagram_id = doc.get("phones") or [], doc.get("instagram_id")
            if not phones and not instagram_id:
                continue
            key = _address_key(doc["shop_id"], phone=phones[0] if phones else None, instagram_id=instagram_id)
            try:
                result = await self._customers.update_one(
                    {"_id": doc["_id"], "address_key": {"$exists": False}}, {"$set": {"address_key": key}}
                )
            except DuplicateKeyError:
                continue
            added += result.modified_count
        return added

    async def record_inbound(
        self, shop_id: ShopId, customer_id: CustomerId, channel: str, at: datetime
    ) -> None:
        """Remember when the customer last wrote on ``channel`` (opens the 24-hour window); the conversation
        moves and has one more unread message, in the same write."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id},
            {
                "$max": {f"last_inbound.{channel}": at, "active_at": at},
                "$set": {"preferred_channel": channel},
                "$inc": {"unread": 1},
            },
        )

    async def prove_order(self, shop_id: ShopId, customer_id: CustomerId, order_id: str) -> None:
        """Let a customer (an Instagram account) see the one order it proved is theirs."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {"$addToSet": {"proven_orders": order_id}}
        )

    async def link_phone(self, shop_id: ShopId, customer_id: CustomerId, phone: str) -> None:
        """Let a customer see the orders of a phone it showed it holds (that phone's one-time code)."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {"$addToSet": {"linked_phones": phone}}
        )

    async def narrow_legacy_links(
        self, proven_order: Callable[[ShopId, CustomerId], Awaitable[str | None]]
    ) -> int:
        """Customers linked by an order's phone and email (older layout) keep only the order they proved.

        ``proven_order`` finds it (or None: the account is asked to prove an order again). Returns how many
        customers had such a link. Idempotent: the fields go once the customer's proof is kept.
        """
        # every customer of the older layout carries an empty list: cleared in one write
        await self._customers.update_many(
            {"verified_phones": {"$size": 0}, "email": {"$exists": False}},
            {"$unset": {"verified_phones": ""}},
        )
        narrowed = 0
        legacy = {"$or": [{field: {"$exists": True}} for field in LEGACY_LINK_FIELDS]}
        async for doc in self._customers.find(legacy):
            change: Doc = {"$unset": dict.fromkeys(LEGACY_LINK_FIELDS, "")}
            if doc.get("verified_phones") or doc.get("email"):
                narrowed += 1
                if (order_id := await proven_order(doc["shop_id"], doc["_id"])) is not None:
                    change["$addToSet"] = {"proven_orders": order_id}
            await self._customers.update_one({"_id": doc["_id"]}, change)
        return narrowed

    async def set_opt_out(
        self, shop_id: ShopId, customer_id: CustomerId, channel: str, opted_out: bool
    ) -> None:
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        change = "$addToSet" if opted_out else "$pull"
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {change: {"opted_out": channel}}
        )

    async def await_satisfaction(
        self, shop_id: ShopId, customer_id: str, order_id: str, keep: int = 5
    ) -> None:
        """The customer was asked about ``order_id``: their answer is awaited (the latest ``keep`` orders)."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id},
            {"$push": {"satisfaction_asked": {"$each": [order_id], "$slice": -keep}}},
        )

    async def record_satisfaction(
        self, shop_id: ShopId, customer_id: CustomerId, answer: Mapping[str, str | int | None], keep: int = 20
    ) -> None:
        """Keep a satisfaction answer on the customer (their latest ``keep``), beside the order's own; its
        order no longer awaits one."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id},
            {
                "$push": {"satisfaction": {"$each": [dict(answer)], "$slice": -keep}},
                "$pull": {"satisfaction_asked": answer.get("order_id")},
            },
        )

    async def set_waiting(self, shop_id: ShopId, customer_id: CustomerId, at: datetime) -> None:
        """The customer waits for a person from ``at``, unless they were waiting already (the earlier time
        stays: the longest waiting are answered first)."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id, "waiting": {"$ne": True}},
            {"$set": {"waiting": True, "waiting_since": at}},
        )

    async def answered(self, shop_id: ShopId, customer_id: CustomerId, at: datetime) -> None:
        """A person answered the customer: nobody owes them an answer now, and the conversation moved."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id},
            {"$set": {"waiting": False}, "$unset": {"waiting_since": ""}, "$max": {"active_at": at}},
        )

    async def mark_read(self, shop_id: ShopId, customer_id: CustomerId, at: datetime) -> bool:
        """Staff read the conversation: no unread messages; False for an unknown customer."""
        self._recent.pop(customer_id, None)  # what ``recent`` gives is read again
        result = await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {"$set": {"unread": 0, "read_at": at}}
        )
        return result.matched_count == 1

    async def set_language(self, shop_id: ShopId, customer_id: CustomerId, language: str) -> None:
        await self._customers.update_one(
            {"_id": customer_id, "shop_id": shop_id}, {"$set": {"language": language}}
        )
        if (known := self._recent.get(customer_id)) is not None:
            self._recent[customer_id] = (known[0].model_copy(update={"language": language}), known[1])
