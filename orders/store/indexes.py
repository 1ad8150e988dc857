"""The indexes every collection needs, and those of older layouts that are dropped at start.

Apart from ``Database`` so that what each query is planned through (``orders.store``) reads as one list,
and a change to it is not lost among the stores' wiring and the data upgrades.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

#: How long an applied webhook delivery is kept, so that its retries are still recognised.
EVENTS_KEPT_SECONDS = 30 * 24 * 3600

INDEXES: dict[str, list[IndexModel]] = {
    "shops": [
        IndexModel("staff_telegram_ids"),
        IndexModel("sms_number", unique=True, sparse=True),
        IndexModel("whatsapp_number", unique=True, sparse=True),
        IndexModel("instagram_id", unique=True, sparse=True),
    ],
    "orders": [
        IndexModel([("shop_id", ASCENDING), ("external_id", ASCENDING)], unique=True),
        IndexModel([("shop_id", ASCENDING), ("status", ASCENDING), ("status_since", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("awaiting_contact", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("flags", ASCENDING), ("status_since", ASCENDING)]),
        IndexModel("outbox_pending_since", sparse=True),
        IndexModel([("shop_id", ASCENDING), ("tracking.number", ASCENDING)]),
    ],
    # number, name, phone and email lookups (``OrderStore``): apart, so that a status change rewrites none
    "order_keys": [
        IndexModel([("shop_id", ASCENDING), ("keys", ASCENDING)]),
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
        # sparse, on a field set when the delivery is applied: only applied deliveries expire, and a new
        # claim writes no entry in it
        IndexModel("done_at", expireAfterSeconds=EVENTS_KEPT_SECONDS, sparse=True),
        IndexModel([("state", ASCENDING), ("received_at", ASCENDING)]),
    ],
    "customers": [
        # sparse: customers stored without one get theirs at start (``add_address_keys``)
        IndexModel("address_key", unique=True, sparse=True),
        # the conversations desk: who waits for a person, and the most recently active (``conversations``)
        IndexModel([("shop_id", ASCENDING), ("waiting", ASCENDING), ("active_at", DESCENDING)]),
    ],
    "messages": [
        IndexModel([("channel", ASCENDING), ("provider_id", ASCENDING)], unique=True),
        IndexModel([("shop_id", ASCENDING), ("customer_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
    "rate_limits": [
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
    "alerts": [
        IndexModel("shop_id"),
    ],
    "desk_alerts": [
        IndexModel([("shop_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
    "revocations": [
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
    "promises": [
        IndexModel([("shop_id", ASCENDING), ("order_id", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("outcome", ASCENDING), ("promised_day", ASCENDING)]),
        IndexModel([("shop_id", ASCENDING), ("promised_day", ASCENDING)]),
    ],
    "media_tokens": [
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
    "photos.chunks": [
        IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True),
    ],
    "link_codes": [
        IndexModel([("shop_id", ASCENDING), ("code", ASCENDING)], unique=True),
        IndexModel("expires_at", expireAfterSeconds=0),
    ],
}


#: Retired indexes that data in an older layout is found by: it is brought up to date before they go
#: (``Database.ensure_indexes``).
UNHANDLED_MESSAGES_INDEX = "state_1_created_at_1"
EVENTS_BY_ARRIVAL_INDEX = "received_at_1"
ORDER_SEARCH_INDEX = "shop_id_1_search_keys_1"


#: Indexes of older layouts; ``Database.ensure_indexes`` drops them (each one slows every write).
RETIRED_INDEXES: dict[str, frozenset[str]] = {
    "outbox": frozenset({"state_1_lease_until_1"}),
    # flagged orders are read up to a point in time now; lookups by number, name, phone and email moved to
    # ``order_keys``
    "orders": frozenset(
        {
            "shop_id_1_flags_1",
            ORDER_SEARCH_INDEX,
            "shop_id_1_number_1",
            "shop_id_1_customer.phone_1_created_at_-1",
            "shop_id_1_customer.email_1_created_at_-1",
        }
    ),
    "customers": frozenset({"shop_id_1_phones_1", "shop_id_1_instagram_id_1"}),
    # unhandled messages waited in ``messages`` as ``received``; they wait in ``inbox`` now
    "messages": frozenset({UNHANDLED_MESSAGES_INDEX}),
    # deliveries expired 30 days after they arrived; now 30 days after they were applied (``done_at``)
    "events": frozenset({EVENTS_BY_ARRIVAL_INDEX}),
}
