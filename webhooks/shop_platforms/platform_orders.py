"""What the Shopify and WooCommerce adapters share when they read an order delivery. Pure: no I/O.

Both platforms sign the raw body the same way (base64 HMAC-SHA256), send money and currencies in the same
shapes, and describe an order as a whole snapshot: one ``PlatformEvent`` says whether it created, updated
or cancelled the order, and what the order now is. Where the two platforms differ (their statuses, where
tracking lives), the adapters keep their own code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from channels import signatures
from orders.lifecycle import Status
from orders.model import OrderData
from orders.usecases import EventKind

__all__ = [
    "Currency",
    "Entries",
    "Money",
    "PlatformEvent",
    "Wire",
    "event_kind",
    "external_id",
    "newest",
    "sign",
    "signature_valid",
    "web_url",
]

T = TypeVar("T")

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: A list in an order (line items, fulfillments, meta data): a longer one is refused, not read; no shop's
#: order has that many.
Entries = Annotated[list[T], Field(max_length=1000)]

_WEB_URL = re.compile(r"^https?://")


class Wire(BaseModel):
    """A platform's JSON object: the fields we read; platforms send many more, which are ignored."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class PlatformEvent:
    """What one delivery says: its kind and the order as we keep it."""

    kind: EventKind
    data: OrderData


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: base64 of its HMAC-SHA256 (both platforms' form)."""
    return signatures.base64_hmac_sha256(secret, body)


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant time; a non-ASCII header never is)."""
    return signatures.header_matches(sign(secret, body), header)


def external_id(platform: str, order_id: str) -> str:
    """Our external id for a platform's order: the prefix keeps it apart from the shop's other sources."""
    return f"{platform}:{order_id}"


def event_kind(status: Status | None, created: bool) -> EventKind:
    """``cancelled`` for a cancelled order whatever the topic, else ``created`` or ``updated`` by the topic."""
    if status == Status.CANCELLED:
        return "cancelled"
    return "created" if created else "updated"


def web_url(*candidates: str | None) -> str | None:
    """The first candidate that is an http(s) link, stripped; None when none is (no other scheme is shown)."""
    return next((u.strip() for u in candidates if u and _WEB_URL.match(u.strip())), None)


def newest(entries: Sequence[T], when: Callable[[T], float]) -> T:
    """The entry with the latest ``when``; of entries with the same time, the last one sent."""
    return max(enumerate(entries), key=lambda pair: (when(pair[1]), pair[0]))[1]
