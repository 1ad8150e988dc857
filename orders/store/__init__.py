"""MongoDB access: the only package that talks to the database driver.

Every query of shop data filters on ``shop_id`` here, so no caller can forget it: each public method takes
the shop id as its first argument. Orders carry a ``version`` and are saved with compare-and-set, so two
concurrent changes never both win silently.

One module per store: ``orders`` (with ``order_pages``, ``order_documents`` and ``waiting_orders``),
``outbox`` (with ``outbox_documents``), ``shops``, ``events``, ``feed`` (each shop's latest changes, for the
desk's live stream), ``desk_alerts`` (every staff alert, as the desk shows it), ``stats``, ``customers``,
``messages``, ``conversations`` (the conversations desk's pages of customers and of one customer's messages),
``inbox`` (messages acknowledged, not handled yet), ``numbers`` (order numbers claimed), ``limits`` (rate
counters, token buckets, revocations), ``proofs`` (failed Instagram linking proofs, one-time link codes),
``jobs`` (alerts sent, job leases), ``analytics`` (per shop and local day counters of the analytics page) and
``analytics_sources`` (what a recount of them reads); ``database`` holds them together over one connection
pool with the indexes they need (``indexes``), and brings data in an older layout to the current one at start.

What the embedded server cannot do, and how the stores route around it
-----------------------------------------------------------------------
Development, tests and single-machine installs run on SecantusDB, a MongoDB-protocol server written in
Python. Its query planner is far simpler than mongod's. What follows is the whole list of what it cannot
do and what the stores do instead; every detour below also gives the right answer on a real MongoDB, so
no result depends on the embedded server, only the cost of reaching it does. Callers outside this package
call methods named after what they return and do not see the detours.

1. *A filter must be exactly an index's leading fields.* An ``$or``, an ``$all``, a leading part of a
   compound index plus any other condition (another field, a range), and ``{_id, shop_id}`` (planned
   through a ``shop_id`` index) read the whole collection. So each query names an index's leading fields
   and nothing else, and the rest is checked in Python on what it returns: an order is read by ``_id``
   alone and its shop compared after; an order's status updates, a customer's queued or parked entries
   and the entries being sent are read by their index and filtered here.
2. *Every match is read before the sort and the limit.* "The 50 newest" of a shop with 100,000 orders
   reads all of them. So reads that page look back in windows: order pages in windows that grow fourfold
   until the page is full (``order_pages``); the attention queue and the auto-progress sweep up to the
   day the waiting counts say holds enough orders (``waiting_orders``; the counts, ``orders.waiting``,
   are kept in ``stats``); the outbox under a backlog claims from one of ``OUTBOX_LANES`` lanes (an
   entry's lane is a hash of its id) instead of every due entry.
3. *Whole-collection scans for* ``count_documents``, ``$group`` *and a* ``find_one_and_update`` *that is
   not by* ``_id``. So stats are counters kept as changes happen (``stats``); claims of due outbox
   entries are a conditional ``update_many`` followed by a read back by id; the one count left, the
   outbox depth (``OutboxStore.count_state``), is read for metrics every few seconds, not per request.
4. *No lookup through a partial index.* So a customer's one address is a plain unique ``address_key``
   (shop and phone, or shop and Instagram id) instead of a partial unique index on ``phones``.
5. *Every index of a collection is rewritten on every change of a document, and each command costs more
   than each document in it.* So what only lookups need lives beside the document it finds: search keys
   (number, name prefixes, phone, email) in ``order_keys``, order numbers in ``order_numbers``, written only
   when they change; acknowledged chat messages wait in ``inbox``, which has no index but ``_id``; an
   order's save sets only the fields that changed; single inserts that arrive together go out as one
   ``insert_many`` (``batching``); bulk backfills use plain inserts rather than upserts.
"""

from orders.store.analytics import AnalyticsStore
from orders.store.conversations import ConversationStore, MessageKey, message_key
from orders.store.customers import CustomerStore
from orders.store.database import Database, open_database
from orders.store.desk_alerts import DeskAlert, DeskAlertStore
from orders.store.documents import Doc
from orders.store.errors import AlreadyExists, Conflict, DatabaseError, NotFound
from orders.store.events import EventStore
from orders.store.feed import FeedEvent, FeedPage, FeedStore, FeedWindow
from orders.store.inbox import InboxStore
from orders.store.jobs import AlertStore, LockStore
from orders.store.limits import RateLimitStore, RevocationStore, window_start
from orders.store.messages import MessageStore
from orders.store.order_documents import decode_cursor, encode_cursor, search_key
from orders.store.orders import OrderStore
from orders.store.outbox import OutboxStore
from orders.store.outbox_documents import OUTBOX_LANES, outbox_lane
from orders.store.photos import PhotoStore
from orders.store.promises import PromiseStore
from orders.store.proofs import AttemptCounter, LinkCodeStore
from orders.store.shops import SHOP_SECRET_FIELDS, ShopStore
from orders.store.stats import StatsStore
from orders.store.waiting_orders import WaitingOrders

__all__ = [
    "OUTBOX_LANES",
    "SHOP_SECRET_FIELDS",
    "AlertStore",
    "AlreadyExists",
    "AnalyticsStore",
    "AttemptCounter",
    "Conflict",
    "ConversationStore",
    "CustomerStore",
    "Database",
    "DatabaseError",
    "DeskAlert",
    "DeskAlertStore",
    "Doc",
    "EventStore",
    "FeedEvent",
    "FeedPage",
    "FeedStore",
    "FeedWindow",
    "InboxStore",
    "LinkCodeStore",
    "LockStore",
    "MessageKey",
    "MessageStore",
    "NotFound",
    "OrderStore",
    "OutboxStore",
    "PhotoStore",
    "PromiseStore",
    "RateLimitStore",
    "RevocationStore",
    "ShopStore",
    "StatsStore",
    "WaitingOrders",
    "decode_cursor",
    "encode_cursor",
    "message_key",
    "open_database",
    "outbox_lane",
    "search_key",
    "window_start",
]
