"""Order numbers: which order holds each number of a shop, one claim per number.

The number is claimed here, keyed by shop and number, before the order that uses it is written, rather
than by a unique index on ``orders``: that index would cost every change of an order (``orders.store``,
5), and a shop's existing data may hold duplicate numbers that it would refuse to build over. A claim written by a process that then crashed (the order never written, or
written with another number) is stale; ``orders.numbering`` decides when another order may take it over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from orders.model import OrderId, ShopId
from orders.store.documents import Doc
from orders.store.errors import DUPLICATE_KEY

#: The marker saying every order stored before numbers were claimed has had its number claimed.
_CLAIMED_MARKER = "\x00claimed"


def _key(shop_id: ShopId, number: str) -> str:
    # shop ids are ``shop_<hex>``: the first ``/`` ends the shop id, whatever the number holds
    return f"{shop_id}/{number}"


def claim_doc(shop_id: ShopId, number: str, order_id: OrderId, at: datetime, external_id: str) -> Doc:
    """A claim; it names the order's external id too, so that two deliveries creating the same order at
    once tell each other from two orders wanting one number."""
    return {"_id": _key(shop_id, number), "shop_id": shop_id, "number": number, "order_id": order_id,
            "external_id": external_id, "claimed_at": at}  # fmt: skip


class NumberStore:
    """Claims ``{_id: "<shop_id>/<number>", shop_id, number, order_id, claimed_at}``."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._claims = collection

    async def claim(
        self, shop_id: ShopId, number: str, order_id: OrderId, now: datetime, external_id: str
    ) -> Doc | None:
        """Claim ``number`` for the order; None when it is now the order's, else the holder's claim."""
        doc = claim_doc(shop_id, number, order_id, now, external_id)
        try:
            await self._claims.insert_one(doc)
        except DuplicateKeyError:
            held = await self._claims.find_one({"_id": doc["_id"]})
            if held is None:  # released meanwhile
                return await self.claim(shop_id, number, order_id, now, external_id)
            return None if held["order_id"] == order_id else held
        return None

    async def claim_many(
        self, shop_id: ShopId, numbers: Mapping[str, tuple[OrderId, str]], now: datetime
    ) -> dict[str, Doc]:
        """Claim each number for its (order id, external id) in one write; the numbers already held, with
        their claims."""
        docs = [claim_doc(shop_id, number, order[0], now, order[1]) for number, order in numbers.items()]
        if not docs:
            return {}
        try:
            await self._claims.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
            taken = [docs[error["index"]]["number"] for error in exc.details["writeErrors"]]
            held = await self.holders(shop_id, taken)
            return {
                number: claim for number, claim in held.items() if claim["order_id"] != numbers[number][0]
            }
        return {}

    async def holders(self, shop_id: ShopId, numbers: Iterable[str]) -> dict[str, Doc]:
        """The claims of these numbers that exist, by number."""
        keys = [_key(shop_id, number) for number in dict.fromkeys(numbers)]
        if not keys:
            return {}
        return {doc["number"]: doc async for doc in self._claims.find({"_id": {"$in": keys}})}

    async def holder(self, shop_id: ShopId, number: str) -> OrderId | None:
        doc = await self._claims.find_one({"_id": _key(shop_id, number)})
        return None if doc is None else OrderId(doc["order_id"])

    async def take_over(
        self, shop_id: ShopId, number: str, stale: OrderId, order_id: OrderId, now: datetime
    ) -> bool:
        """Move a stale claim to the order, unless someone moved it first."""
        result = await self._claims.update_one(
            {"_id": _key(shop_id, number), "order_id": stale},
            {"$set": {"order_id": order_id, "claimed_at": now}},
        )
        return result.modified_count == 1

    async def release(self, shop_id: ShopId, numbers: Iterable[str], order_id: OrderId) -> None:
        """Give up the order's claims on these numbers (another order's claims stay)."""
        keys = [_key(shop_id, number) for number in numbers]
        if keys:
            await self._claims.delete_many({"_id": {"$in": keys}, "order_id": order_id})

    async def claimed_all(self) -> bool:
        return await self._claims.find_one({"_id": _CLAIMED_MARKER}) is not None

    async def mark_claimed_all(self) -> None:
        await self._claims.update_one({"_id": _CLAIMED_MARKER}, {"$set": {"done": True}}, upsert=True)

    async def insert_ignoring_taken(self, docs: list[Doc]) -> int:
        """Insert claims, skipping the numbers already claimed; returns how many were inserted."""
        if not docs:
            return 0
        try:
            return len((await self._claims.insert_many(docs, ordered=False)).inserted_ids)
        except BulkWriteError as exc:
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
            return int(exc.details["nInserted"])
