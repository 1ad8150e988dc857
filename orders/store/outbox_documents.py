"""How an outbox entry is stored: its document, and the lane it is spread to.

Apart from ``OutboxStore`` because orders carry their pending entries inside them until commit
(``orders.store.orders``), and the conversations desk and the analytics recount read entries straight
from the collection: each needs the mapping, none needs the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from orders.model import OutboxEntry
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
