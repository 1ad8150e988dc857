"""Orders as documents: the order itself, its entry in ``order_keys`` (search keys), and page cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orders.lifecycle import ACTIVE
from orders.model import Order, OutboxEntry
from orders.store.documents import Doc, from_doc
from orders.store.outbox_documents import entry_to_doc


def search_keys(order: Order) -> list[str]:
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
    """Normalise a search term the way ``search_keys`` stores it."""
    return text.strip().lower()


def order_to_doc(order: Order, pending: list[OutboxEntry] | None = None) -> Doc:
    doc = order.model_dump(exclude={"id"})
    doc["_id"] = order.id
    doc["awaiting_contact"] = order.status in ACTIVE and order.last_customer_contact_at is None
    if pending:
        doc["outbox_pending"] = [entry_to_doc(entry) for entry in pending]
        doc["outbox_pending_since"] = order.updated_at
    return doc


def keys_to_doc(order: Order) -> Doc:
    """The order's entry in ``order_keys``: its search keys, and what orders matches newest first."""
    return {
        "_id": order.id,
        "shop_id": order.shop_id,
        "keys": search_keys(order),
        "created_at": order.created_at,
    }


def changes(before: Doc, after: Doc) -> Doc:
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


#: Fields a document carries beside the order's own; ``search_keys`` only on orders in the older layout,
#: until ``Database.ensure_indexes`` removes them.
_DERIVED_ORDER_FIELDS = frozenset(
    {"search_keys", "awaiting_contact", "outbox_pending", "outbox_pending_since"}
)


def order_from_doc(doc: Mapping[str, Any]) -> Order:
    return from_doc(Order, doc, _DERIVED_ORDER_FIELDS)


def encode_cursor(order: Order) -> str:
    return encode_position(order.created_at, order.id)


def encode_position(created_at: datetime, record_id: str) -> str:
    """A page's position after a record, as ``decode_cursor`` reads it (orders, the desk's alerts)."""
    raw = json.dumps([created_at.isoformat(), record_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raise ValueError on anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, order_id = json.loads(raw)
        return datetime.fromisoformat(created), str(order_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid cursor") from exc
