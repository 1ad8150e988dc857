"""The conversations desk's reads: customers waiting for a person, the most recent conversations, and one
customer's messages a page at a time.

Every query names an index's leading fields and a range at most (``orders.store``, 1): waiting customers
are read by ``(shop_id, waiting)`` (few: they wait for a person) and sorted here; the others by
``(shop_id, waiting, active_at)`` in windows that look back further until the page is full (``orders.store``,
2), as order pages do. A customer's messages are read by ``(shop_id, customer_id, created_at)``: the cursor's
own instant first (ties), then the older ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from orders.model import CustomerId, CustomerRecord, Message, OutboxEntry, OutboxKind, OutboxState, ShopId
from orders.store.customers import LEGACY_LINK_FIELDS
from orders.store.documents import Doc, from_doc
from orders.store.outbox_documents import entry_from_doc

_FIRST_WINDOW = timedelta(days=1)
_LAST_WINDOW = timedelta(days=3 * 365)
#: Where a conversation sorts among those at the same instant: the customer's message before the answer.
_DIRECTION_RANK = {"in": 0, "out": 1}
#: Outbox entries that have no message (yet, or ever): still to go, or stopped with a reason.
UNSENT_STATES = frozenset(
    {
        OutboxState.QUEUED,
        OutboxState.SENDING,
        OutboxState.PARKED,
        OutboxState.FAILED,
        OutboxState.DEAD,
        OutboxState.REVIEW,
        OutboxState.SKIPPED,
    }
)
#: The most unsent entries a conversation shows: a customer rarely has more than a few.
UNSENT_SHOWN = 200

MessageKey = tuple[datetime, int, str]


def message_key(message: Message) -> MessageKey:
    """Where a message stands in its conversation: time, then the customer's before the answer, then id."""
    return message.created_at, _DIRECTION_RANK.get(message.direction.value, 1), message.id


def customer_from_doc(doc: Mapping[str, Any]) -> CustomerRecord:
    return from_doc(CustomerRecord, doc, frozenset({"address_key", "waiting", *LEGACY_LINK_FIELDS}))


class ConversationStore:
    def __init__(
        self, customers: AsyncCollection[Doc], messages: AsyncCollection[Doc], outbox: AsyncCollection[Doc]
    ) -> None:
        self._customers = customers
        self._messages = messages
        self._outbox = outbox

    async def waiting(self, shop_id: ShopId) -> list[CustomerRecord]:
        """Every customer waiting for a person, the longest waiting first."""
        found = [
            customer_from_doc(doc)
            async for doc in self._customers.find({"shop_id": shop_id, "waiting": True})
        ]
        return sorted(found, key=lambda c: (c.waiting_since or c.created_at, c.id))

    async def recent(
        self, shop_id: ShopId, *, before: tuple[datetime, str] | None, limit: int, now: datetime
    ) -> list[CustomerRecord]:
        """Conversations nobody waits in, the most recently active first, after ``before`` (a cursor)."""
        newest = before[0] if before else now + timedelta(days=1)
        window = _FIRST_WINDOW
        found: list[CustomerRecord] = []
        while len(found) < limit and window <= _LAST_WINDOW:
            found = await self._recent_query(shop_id, before, newest - window, limit)
            window *= 4
        if len(found) < limit:
            found = await self._recent_query(shop_id, before, None, limit)
        return found

    async def _recent_query(
        self, shop_id: ShopId, before: tuple[datetime, str] | None, since: datetime | None, limit: int
    ) -> list[CustomerRecord]:
        query: Doc = {"shop_id": shop_id, "waiting": False}
        ties: list[CustomerRecord] = []
        active: Doc = {"$gte": since} if since is not None else {}
        if before is not None:
            at, last_id = before
            same = self._customers.find({**query, "active_at": at})
            ties = sorted(
                (c for doc in await same.to_list() if (c := customer_from_doc(doc)).id < last_id),
                key=lambda c: c.id,
                reverse=True,
            )[:limit]
            active["$lt"] = at
        if len(ties) == limit:
            return ties
        if not active:
            active["$ne"] = None
        cursor = self._customers.find({**query, "active_at": active})
        cursor = cursor.sort([("active_at", DESCENDING), ("_id", DESCENDING)]).limit(limit - len(ties))
        return ties + [customer_from_doc(doc) async for doc in cursor if doc.get("active_at") is not None]

    async def messages(
        self, shop_id: ShopId, customer_id: CustomerId, *, before: MessageKey | None, limit: int
    ) -> list[Message]:
        """The customer's newest ``limit`` messages older than ``before``, newest first."""
        query: Doc = {"shop_id": shop_id, "customer_id": customer_id}
        ties: list[Message] = []
        if before is not None:
            same = self._messages.find({**query, "created_at": before[0]})
            ties = [m async for doc in same if message_key(m := from_doc(Message, doc)) < before]
            query["created_at"] = {"$lt": before[0]}
        cursor = self._messages.find(query).sort("created_at", DESCENDING).limit(limit + 1)
        found = ties + [from_doc(Message, doc) async for doc in cursor]
        return sorted(found, key=message_key, reverse=True)[:limit]

    async def unsent(
        self, shop_id: ShopId, customer_id: CustomerId, order_ids: list[str]
    ) -> list[OutboxEntry]:
        """Messages to the customer that have not gone out (queued, parked, failed, skipped), oldest first:
        those queued for the customer, and those of their orders queued before anyone looked the customer
        up (a status update). Staff alerts and updates a newer one replaced are left out."""
        found: dict[str, OutboxEntry] = {}
        queries: list[Doc] = [{"shop_id": shop_id, "customer_id": customer_id}]
        queries += [{"shop_id": shop_id, "order_id": order_id} for order_id in order_ids]
        for query in queries:
            async for doc in self._outbox.find(query):
                entry = entry_from_doc(doc)
                if (
                    entry.state in UNSENT_STATES
                    and entry.kind != OutboxKind.STAFF_ALERT
                    and entry.error != "superseded"
                    and entry.customer_id in (None, customer_id)
                ):
                    found[entry.id] = entry
        return sorted(found.values(), key=lambda e: (e.created_at, e.id))[-UNSENT_SHOWN:]

    async def entries(self, shop_id: ShopId, entry_ids: list[str]) -> dict[str, OutboxEntry]:
        """Outbox entries by id (one read), the shop's only."""
        found = self._outbox.find({"_id": {"$in": list(dict.fromkeys(entry_ids))}})
        return {doc["_id"]: entry_from_doc(doc) async for doc in found if doc.get("shop_id") == shop_id}

    async def add_conversation_fields(self) -> int:
        """Customers stored before conversations were listed: not waiting, last active when they last wrote.
        Returns how many were brought up to date; each only once (they have ``waiting`` after)."""
        updated = 0
        async for doc in self._customers.find({"waiting": {"$exists": False}}, ["last_inbound"]):
            change: Doc = {"waiting": False}
            if inbound := [at for at in (doc.get("last_inbound") or {}).values() if at is not None]:
                change["active_at"] = max(inbound)
            result = await self._customers.update_one(
                {"_id": doc["_id"], "waiting": {"$exists": False}}, {"$set": change}
            )
            updated += result.modified_count
        return updated
