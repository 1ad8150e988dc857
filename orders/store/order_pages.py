"""Lists of a shop's orders newest first: pages by status, search, and lookups through ``order_keys``.

Reads here look back in windows and check in Python what an index does not say (``orders.store``, 1-2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from orders.lifecycle import Status
from orders.model import Order, ShopId
from orders.store.documents import Doc
from orders.store.order_documents import order_from_doc, search_key, search_keys

_FIRST_WINDOW = timedelta(hours=6)
_LAST_WINDOW = timedelta(days=3 * 365)


class OrderPages:
    """The reads of ``OrderStore`` that return orders newest first."""

    def __init__(self, orders: AsyncCollection[Doc], keys: AsyncCollection[Doc]) -> None:
        self._orders = orders
        self._keys = keys

    async def get_many(self, shop_id: ShopId, order_ids: Iterable[str]) -> dict[str, Order]:
        ids = list(dict.fromkeys(order_ids))
        found = self._orders.find({"_id": {"$in": ids}})
        return {doc["_id"]: order_from_doc(doc) async for doc in found if doc.get("shop_id") == shop_id}

    async def newest(
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

    async def page(
        self,
        shop_id: ShopId,
        *,
        status: Status | None,
        search: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
        now: datetime,
    ) -> list[Order]:
        """Orders newest first, ``limit`` at most, starting after a cursor position.

        Looks back in windows that grow fourfold until the page is full, then reads the rest at once.
        """
        if search and (terms := search_key(search).split()):
            return await self._search_page(shop_id, terms, status, after, limit)
        query: Doc = {"shop_id": shop_id}
        if status is not None:
            query["status"] = status.value
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
            ties = [order_from_doc(doc) async for doc in same if doc["_id"] < last_id][:limit]
            created["$lt"] = last_created
        if len(ties) == limit:
            return ties
        older = {**query, "created_at": created} if created else query
        cursor = self._orders.find(older).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return ties + [order_from_doc(doc) async for doc in cursor.limit(limit - len(ties))]

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
            return wanted <= set(search_keys(order)) and (status is None or order.status == status)

        query = {"keys": terms[0]}
        return await self.newest(shop_id, query, accept, limit=limit, after=after, having=wanted)
