"""One connection pool, the stores over it, and what brings data in an older layout to the current one
at start (the indexes they need: ``orders.store.indexes``)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pymongo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from orders.crypto import SecretBox
from orders.model import CustomerId, DeliveryState, Message, OutboxKind, ShopId
from orders.store.analytics import AnalyticsStore
from orders.store.analytics_sources import AnalyticsSources
from orders.store.conversations import ConversationStore
from orders.store.counters import FLUSH_SECONDS, CounterBuffer
from orders.store.customers import CustomerStore
from orders.store.desk_alerts import DeskAlertStore
from orders.store.documents import CODEC_OPTIONS, Doc, from_doc
from orders.store.errors import INDEX_NOT_FOUND
from orders.store.events import EventStore
from orders.store.feed import FeedStore
from orders.store.inbox import InboxStore
from orders.store.indexes import (
    EVENTS_BY_ARRIVAL_INDEX,
    INDEXES,
    ORDER_SEARCH_INDEX,
    RETIRED_INDEXES,
    UNHANDLED_MESSAGES_INDEX,
)
from orders.store.jobs import AlertStore, LockStore
from orders.store.limits import RateLimitStore, RevocationStore
from orders.store.messages import MessageStore
from orders.store.numbers import NumberStore, claim_doc
from orders.store.orders import OrderStore
from orders.store.outbox import OutboxStore
from orders.store.photos import PhotoStore
from orders.store.promises import PromiseStore
from orders.store.proofs import AttemptCounter, LinkCodeStore
from orders.store.shops import ShopStore
from orders.store.stats import StatsStore
from orders.store.waiting_orders import WaitingOrders

log = logging.getLogger(__name__)

#: The most orders a shop may have for its analytics days to be counted at start (a recount reads a few
#: thousand orders a second on the embedded server); a larger shop is left to ``orderbot analytics rebuild``.
STARTUP_RECOUNT_MAX_ORDERS = 10_000


class Database:
    """One connection pool and the stores over it.

    ``counter_flush_seconds``: how long the stats' and analytics days' increments wait in memory before
    they are written together (``orders.store.counters``).
    """

    def __init__(
        self, client: AsyncMongoClient[Doc], name: str, *, secret_keys: Sequence[str],
        counter_flush_seconds: float = FLUSH_SECONDS,
    ) -> None:  # fmt: skip
        self.client = client
        self.counters = CounterBuffer(counter_flush_seconds)
        self._db: AsyncDatabase[Doc] = client.get_database(name, codec_options=CODEC_OPTIONS)
        self.shops = ShopStore(self._db.shops, SecretBox(secret_keys))
        self.orders = OrderStore(self._db.orders, self._db.order_keys)
        self.numbers = NumberStore(self._db.order_numbers)
        self.feed = FeedStore(self._db.feed)
        self.desk_alerts = DeskAlertStore(self._db.desk_alerts, self.feed)
        self.outbox = OutboxStore(self._db.outbox, on_alert=self.desk_alerts.record, feed=self.feed)
        self.events = EventStore(self._db.events)
        self.stats = StatsStore(self._db.stats, self.counters)
        self.waiting_orders = WaitingOrders(self.orders, self.stats)
        self.customers = CustomerStore(self._db.customers)
        self.messages = MessageStore(self._db.messages, self.feed)
        self.conversations = ConversationStore(self._db.customers, self._db.messages, self._db.outbox)
        self.inbox = InboxStore(self._db.inbox)
        self.rate_limits = RateLimitStore(self._db.rate_limits)
        self.proof_attempts = AttemptCounter(self._db.rate_limits)
        self.link_codes = LinkCodeStore(self._db.link_codes)
        self.revocations = RevocationStore(self._db.revocations)
        self.locks = LockStore(self._db.locks)
        self.alerts = AlertStore(self._db.alerts)
        self.promises = PromiseStore(self._db.promises)
        self.photos = PhotoStore(self._db, self._db.media_tokens)
        self.analytics = AnalyticsStore(self._db.analytics_days, self._timezone_of, self.counters)
        self.analytics_sources = AnalyticsSources(self._db)

    async def ensure_indexes(self) -> None:
        """Create every index; bring data in an older layout up to date and drop the indexes it used."""
        for name, indexes in INDEXES.items():
            await self._db[name].create_indexes(indexes)
        await self.customers.add_address_keys()
        await self.conversations.add_conversation_fields()
        await self.customers.narrow_legacy_links(self._first_linked_order)
        await self._count_waiting_orders()
        await self._count_analytics_days()
        await self._claim_existing_numbers()
        # what data in an older layout needs before the index it is found by goes (run once, as it goes)
        upgrades: dict[tuple[str, str], Callable[[], Awaitable[object]]] = {
            ("messages", UNHANDLED_MESSAGES_INDEX): self._move_unhandled_messages,
            ("events", EVENTS_BY_ARRIVAL_INDEX): self._date_applied_events,
            ("orders", ORDER_SEARCH_INDEX): self.orders.add_missing_keys,
        }
        # and what is cleared once it has gone, so that clearing a field does not also rewrite its index; a
        # crash before it leaves a field that reads ignore
        cleanups = {("orders", ORDER_SEARCH_INDEX): self._clear_search_keys}
        for name, retired in RETIRED_INDEXES.items():
            existing = await self._db[name].index_information()
            for index in retired & existing.keys():
                if (upgrade := upgrades.get((name, index))) is not None:
                    await upgrade()
                await self._drop_index(name, index)
                if (cleanup := cleanups.get((name, index))) is not None:
                    await cleanup()

    async def _timezone_of(self, shop_id: ShopId) -> str:
        """The shop's time zone, for the analytics days (UTC for a shop that is gone)."""
        doc = await self._db.shops.find_one({"_id": shop_id}, {"timezone": 1})
        return str(doc.get("timezone") or "UTC") if doc else "UTC"

    async def _drop_index(self, collection: str, index: str) -> None:
        """Drop ``index``; a process starting at the same time may have dropped it first."""
        try:
            await self._db[collection].drop_index(index)
        except OperationFailure as exc:
            if exc.code != INDEX_NOT_FOUND:
                raise

    async def _count_waiting_orders(self) -> None:
        """Shops counted before the ``waiting`` days existed (``orders.waiting``): count them once.

        A change made meanwhile may be counted twice or not at all; the days are a hint that tolerates it.
        """
        for shop_id in await self.stats.uncounted_waiting():
            await self.stats.set_waiting(shop_id, await self.orders.waiting_counts(shop_id))

    async def _count_analytics_days(self) -> None:
        """Shops that ran before the analytics days were counted (stats, but no day): count them once.

        Only shops of up to ``STARTUP_RECOUNT_MAX_ORDERS`` orders, so that a start is not held up for long;
        a larger shop is logged, for ``orderbot analytics rebuild``. Each day is replaced whole
        (``AnalyticsStore.replace``), so two processes starting at once give the same days; a change made
        meanwhile may be counted twice or not at all, as with ``waiting``.
        """
        await self.counters.flush()
        async for doc in self._db.stats.find({}, {"_id": 1, "total": 1}):
            shop_id = ShopId(doc["_id"])
            if await self.analytics.counted(shop_id):
                continue
            if doc.get("total", 0) > STARTUP_RECOUNT_MAX_ORDERS:
                log.warning(
                    "shop %s has no analytics days and %d orders: run `orderbot analytics rebuild --shop %s`",
                    shop_id, doc["total"], shop_id,
                )  # fmt: skip
                continue
            days = await self.analytics_sources.recount(shop_id, await self._timezone_of(shop_id))
            await self.analytics.replace(shop_id, days)
            log.info("counted the analytics days of shop %s from its records: %d days", shop_id, len(days))

    async def _claim_existing_numbers(self, batch: int = 1000) -> None:
        """Claim the number of every order stored before numbers were claimed.

        Such orders may share a number within a shop. Those duplicates are kept as they are (renumbering
        would change what customers and staff know the orders by): the newest order of each number holds
        it, as lookups by number find the newest, and the older ones stay reachable by id and by
        search. Each shop's count of them is logged. Safe to run from several processes at once: the same
        order wins everywhere, and a claim already there is skipped.
        """
        if await self.numbers.claimed_all():
            return
        orders = self._db.orders.find({}, {"shop_id": 1, "number": 1, "external_id": 1, "created_at": 1})
        found = [
            (doc["created_at"], doc["_id"], doc["shop_id"], doc["number"], doc["external_id"])
            async for doc in orders
        ]
        found.sort(reverse=True)
        claimed: set[tuple[str, str]] = set()
        duplicates: Counter[str] = Counter()
        docs = []
        for created_at, order_id, shop_id, number, external_id in found:
            if (shop_id, number) in claimed:
                duplicates[shop_id] += 1
                continue
            claimed.add((shop_id, number))
            docs.append(claim_doc(shop_id, number, order_id, created_at, external_id))
        for start in range(0, len(docs), batch):
            await self.numbers.insert_ignoring_taken(docs[start : start + batch])
        for shop_id, count in duplicates.items():
            log.warning(
                "shop %s has %d orders whose number a newer order also has; lookups by number find the "
                "newest, the others are found by id or search",
                shop_id,
                count,
            )
        await self.numbers.mark_claimed_all()

    async def _first_linked_order(self, shop_id: ShopId, customer_id: CustomerId) -> str | None:
        """The order an Instagram account with a legacy link proved: the one its "verified" reply was
        about. Before that reply none to the account carried an order, so it is the first that did."""
        replies = self._db.outbox.find({"shop_id": shop_id, "customer_id": customer_id})
        about = sorted(
            [(doc["created_at"], doc["order_id"]) async for doc in replies
             if doc.get("kind") == OutboxKind.REPLY.value and doc.get("channel") == "instagram"
             and doc.get("order_id")]
        )  # fmt: skip
        return str(about[0][1]) if about else None

    async def _clear_search_keys(self) -> None:
        """Orders in the older layout carry their search keys, which ``order_keys`` holds now."""
        await self._db.orders.update_many({"search_keys": {"$exists": True}}, {"$unset": {"search_keys": ""}})

    async def _date_applied_events(self) -> None:
        """Deliveries applied before ``done_at`` was set have none: they expire 30 days from now."""
        await self._db.events.update_many(
            {"state": "done", "done_at": {"$exists": False}}, {"$set": {"done_at": datetime.now(UTC)}}
        )

    async def _move_unhandled_messages(self) -> None:
        """Messages waiting in ``messages`` as ``received`` (the older layout) move to the inbox.

        The older layout's index on ``state`` still exists here to find them by.
        """
        cursor = self._db.messages.find({"state": DeliveryState.RECEIVED.value})
        async for doc in cursor:
            await self.inbox.add(from_doc(Message, doc))
            await self._db.messages.delete_one({"_id": doc["_id"]})

    async def ping(self, within_seconds: float = 2.0) -> bool:
        try:
            with pymongo.timeout(within_seconds):
                await self._db.command("ping")
        except PyMongoError:
            return False
        return True

    async def drop(self) -> None:
        await self.feed.drain()
        self.counters.discard()
        await self.client.drop_database(self._db.name)

    async def close(self) -> None:
        await self.feed.drain()
        await self.counters.close()
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
