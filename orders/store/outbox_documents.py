"""How an outbox entry is stored: its document, and the lane it is spread to.

Apart from ``OutboxStore`` because orders carry their pending entries inside them until commit
(``orders.store.orders``), and the conversations desk and the analytics recount read entries straight
from the collection: each needs the mapping, none needs the store.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orders.model import OutboxEntry, OutboxState
from orders.store.documents import Doc, from_doc, to_doc

#: Outbox entries are spread over lanes by id, so that a claim under a backlog reads one lane's due
#: entries rather than all of them (``orders.store``, 2).
OUTBOX_LANES = 16


def outbox_lane(entry_id: str) -> int:
    return int(hashlib.sha256(entry_id.encode()).hexdigest()[:8], 16) % OUTBOX_LANES


def entry_to_doc(entry: OutboxEntry) -> Doc:
    doc = to_doc(entry, keep_none=True)  # lease and error fields are matched on, null included
    doc["lane"] = outbox_lane(entry.id)
    return doc


def entry_from_doc(doc: Mapping[str, Any]) -> OutboxEntry:
    return from_doc(OutboxEntry, doc, frozenset({"lane"}))


def lease_end(at: datetime) -> datetime:
    """``at`` as the database stores it (milliseconds): a lease is matched on by equality when its sender
    finishes, so one made here must equal what a read back would give."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def claimed(entry: OutboxEntry, lease_until: datetime) -> OutboxEntry:
    """``entry`` as a claim would leave it (``OutboxStore.claim``): sending under its own lease, one attempt
    more."""
    return entry.model_copy(
        update={
            "state": OutboxState.SENDING, "lease_until": lease_end(lease_until),
            "lease_id": secrets.token_hex(8), "attempts": entry.attempts + 1,
        }
    )  # fmt: skip
