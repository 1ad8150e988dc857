"""MongoDB access: the only package that talks to the database driver.

Every query of shop data filters on ``shop_id`` here, so no caller can forget it: each public method takes
the shop id as its first argument. Orders carry a ``version`` and are saved with compare-and-set, so two
concurrent changes never both win silently.

SecantusDB (the embedded server) scans whole collections for ``find_one_and_update``, ``count_documents``
and ``$group``; this module therefore uses ``find_one`` + conditional ``update_one``/``replace_one`` and
incrementally kept counters, which are right on a real mongod too.

One module per store: ``orders``, ``outbox``, ``shops``, ``events``, ``stats``, ``customers`` (and their
messages), ``inbox`` (messages acknowledged, not handled yet), ``limits`` (rate counters, token buckets,
revocations), ``proofs`` (failed Instagram linking proofs, one-time link codes), ``jobs`` (alerts sent, job
leases); ``database`` holds them together over one connection pool with the indexes they need.
"""

from orders.store.customers import CustomerStore, MessageStore
from orders.store.database import Database, open_database
from orders.store.documents import Doc
from orders.store.errors import AlreadyExists, Conflict, DatabaseError, NotFound
from orders.store.events import EventStore
from orders.store.inbox import InboxStore
from orders.store.jobs import AlertStore, LockStore
from orders.store.limits import RateLimitStore, RevocationStore, window_start
from orders.store.orders import OrderStore, decode_cursor, encode_cursor, search_key
from orders.store.outbox import OUTBOX_LANES, OutboxStore, outbox_lane
from orders.store.shops import SHOP_SECRET_FIELDS, ShopStore
from orders.store.stats import StatsStore

__all__ = [
    "OUTBOX_LANES",
    "SHOP_SECRET_FIELDS",
    "AlertStore",
    "AlreadyExists",
    "Conflict",
    "CustomerStore",
    "Database",
    "DatabaseError",
    "Doc",
    "EventStore",
    "InboxStore",
    "LockStore",
    "MessageStore",
    "NotFound",
    "OrderStore",
    "OutboxStore",
    "RateLimitStore",
    "RevocationStore",
    "ShopStore",
    "StatsStore",
    "decode_cursor",
    "encode_cursor",
    "open_database",
    "outbox_lane",
    "search_key",
    "window_start",
]
