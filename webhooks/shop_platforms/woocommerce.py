"""WooCommerce order webhooks: check a delivery's signature and map its order onto ours. Pure: no I/O.

WooCommerce signs the raw body: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of it, keyed with the
webhook's secret (the shop's ``woocommerce_secret``, else its ``webhook_secret``). ``X-WC-Webhook-Topic``
names the topic. When a webhook is saved as active, WooCommerce first sends a ping: the form-encoded body
``webhook_id=<n>`` with no signature and no ``X-WC-Webhook-*`` headers, and keeps the webhook only if it
gets a 200.

``X-WC-Webhook-Delivery-ID`` is a hash of the webhook id and the current second, so it is neither unique
per event nor stable across a redelivery. A delivery is therefore identified by the order's ``id`` and its
``date_modified_gmt``: the same modification delivered twice is applied once, two modifications are two
events. (Two changes within the same second look like one; the later snapshot is then ignored as stale.)

The topics taken are ``order.created``, ``order.updated`` and ``order.restored`` (untrashed; it carries the
whole order). ``order.deleted`` (moved to the trash; it carries only the id) and every other topic are
acknowledged and ignored: trashing an order is housekeeping, not a cancellation. WooCommerce builds the
payload when it delivers, so it is the order as it is then. Statuses (sent without the ``wc-`` prefix):

| WooCommerce status                                                   | our status              |
| -------------------------------------------------------------------- | ----------------------- |
| ``pending`` (pending payment)                                        | pending                 |
| ``on-hold`` (awaiting payment or a manual check, e.g. bank transfer) | pending                 |
| ``failed`` (payment failed or declined; the customer may pay again)  | pending                 |
| ``processing`` (paid, being prepared)                                | processing              |
| ``partial-shipped``, ``partially-shipped`` (shipment-tracking plugins) | processing            |
| ``shipped``, ``in-transit``, ``out-for-delivery`` (plugins)          | shipped                 |
| ``completed`` (fulfilled and complete, needs no further action)      | fulfilled               |
| ``delivered`` (plugins)                                              | fulfilled               |
| ``cancelled``                                                        | cancelled               |
| ``refunded`` (fully refunded; partial refunds keep the status)       | cancelled               |
| ``checkout-draft``, ``draft``, ``auto-draft``, ``trash``             | delivery ignored        |
| any other (a plugin's own status)                                    | unchanged (new: pending)|

The other fields:

- ``external_id`` is ``woocommerce:`` and ``id`` (the prefix keeps it apart from the same shop's orders from
  other sources); ``number`` is ``number`` (plugins may customise it), else ``id``.
- ``customer``: billing first and last name (else shipping); billing email; the first of the billing and
  shipping phones that is a valid number, as E.164 (read in the address's country when it has no country
  code); no valid one, no phone.
- ``items`` from ``line_items`` (``name`` with HTML entities decoded, ``quantity``, ``price``: the unit price
  after discounts, rounded to cents); ``total`` in ``currency``.
- ``tracking`` from the ``_wc_shipment_tracking_items`` order meta that the Shipment Tracking extension
  (and Advanced Shipment Tracking) keep: the newest entry's provider, number and custom tracking link.
- ``created_at`` is ``date_created_gmt`` and ``updated_at`` is ``date_modified_gmt``; both are UTC without
  an offset.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from channels import contacts
from channels.contacts import Contact, ExternalId
from orders.lifecycle import Status
from orders.model import Customer, Item, OrderData, Shop, Tracking
from webhooks.shop_platforms.platform_orders import (
    Currency,
    Entries,
    Money,
    PlatformEvent,
    Wire,
    event_kind,
    external_id,
    newest,
    sign,
    signature_valid,
    web_url,
)

__all__ = [
    "DELIVERY_ID_HEADER",
    "ORDER_TOPICS",
    "SIGNATURE_HEADER",
    "TOPIC_HEADER",
    "WooEvent",
    "WooOrder",
    "ping_webhook_id",
    "sign",
    "signature_valid",
    "signing_secret",
    "skipped",
    "status_of",
    "to_event",
]

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
TRACKING_META = "_wc_shipment_tracking_items"

STATUSES: dict[str, Status] = {
    "pending": Status.PENDING,
    "on-hold": Status.PENDING,
    "failed": Status.PENDING,
    "processing": Status.PROCESSING,
    "partial-shipped": Status.PROCESSING,
    "partially-shipped": Status.PROCESSING,
    "shipped": Status.SHIPPED,
    "in-transit": Status.SHIPPED,
    "out-for-delivery": Status.SHIPPED,
    "completed": Status.FULFILLED,
    "delivered": Status.FULFILLED,
    "cancelled": Status.CANCELLED,
    "refunded": Status.CANCELLED,
}
_NOT_ORDERS = {"checkout-draft": "draft", "draft": "draft", "auto-draft": "draft", "trash": "trashed"}
_PING = re.compile(rb"webhook_id=(\d{1,20})")
_CENT = Decimal("0.01")


def signing_secret(shop: Shop) -> str:
    """The key a shop's WooCommerce deliveries are signed with: its WooCommerce secret, else its webhook secret."""
    return shop.woocommerce_secret or shop.webhook_secret


def ping_webhook_id(body: bytes) -> str | None:
    """The webhook id when ``body`` is WooCommerce's ping (``webhook_id=<n>``), else None."""
    match = _PING.fullmatch(body.strip())
    return match.group(1).decode() if match else None


# -- the wire format (REST API v3 order; the fields we use) ----------------------------------------------


def _no_blank(value: Any) -> Any:
    return None if value == "" else value


GmtTime = Annotated[datetime, BeforeValidator(_no_blank)]


class WooAddress(Contact):
    country: str | None = None


class WooLineItem(Wire):
    name: str | None = None
    quantity: Annotated[int, Field(ge=0, le=1_000_000)] = 1
    price: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] = Decimal(0)


class WooMeta(Wire):
    key: str | None = None
    value: Any = None


class WooOrder(Wire):
    """An order as WooCommerce's order webhooks carry it (the REST API v3 shape)."""

    id: ExternalId
    number: Annotated[str | None, BeforeValidator(contacts.id_text)] = None
    status: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)
    ]
    currency: Currency | None = None
    total: Money | None = None
    billing: WooAddress | None = None
    shipping: WooAddress | None = None
    line_items: Entries[WooLineItem] = Field(default_factory=list)
    meta_data: Entries[WooMeta] = Field(default_factory=list)
    date_created_gmt: GmtTime | None = None
    date_modified_gmt: GmtTime


# -- mapping ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WooEvent(PlatformEvent):
    """A delivery's event and its id: WooCommerce's own delivery ids change on a redelivery."""

    event_id: str


def status_of(order: WooOrder) -> Status | None:
    """Our status for a WooCommerce status; None for a status we do not know (the order keeps its own)."""
    return STATUSES.get(order.status.removeprefix("wc-"))


def skipped(order: WooOrder) -> str | None:
    """Why a delivery is no order to keep (a checkout draft, a trashed order), or None."""
    return _NOT_ORDERS.get(order.status.removeprefix("wc-"))


def to_event(topic: str, order: WooOrder, default_region: str | None = None) -> WooEvent:
    """The event a delivery of ``topic`` describes: its id, its kind and the order as we keep it.

    ``default_region`` (the shop's default country) reads phone numbers when no address names a country.
    """
    status = status_of(order)
    modified = _utc(order.date_modified_gmt)
    data = OrderData(
        external_id=external_id("woocommerce", order.id),
        number=(order.number or "").strip()[:100] or order.id,
        status=status,
        customer=_customer(order, default_region),
        items=[_item(line) for line in order.line_items],
        total=order.total,
        currency=order.currency,
        tracking=_tracking(order.meta_data),
        created_at=_utc(order.date_created_gmt) if order.date_created_gmt else None,
        updated_at=modified,
    )
    kind = event_kind(status, topic == "order.created")
    return WooEvent(kind=kind, data=data, event_id=f"{order.id}@{modified.isoformat()}")


def _utc(value: datetime) -> datetime:
    """WooCommerce's ``*_gmt`` times are UTC without an offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _customer(order: WooOrder, default_region: str | None) -> Customer:
    addresses = [a for a in (order.billing, order.shipping) if a is not None]
    name = next((n for n in (contacts.join(a.first_name, a.last_name) for a in addresses) if n), None)
    email = next(((a.email or "").strip() for a in addresses if contacts.is_email(a.email)), None)
    region = next((a.country for a in addresses if a.country), default_region)
    phone = contacts.first_e164([(a.phone, a.country or region) for a in addresses])
    return Customer(name=name, email=email, phone=phone)


def _item(line: WooLineItem) -> Item:
    title = html.unescape(line.name or "").strip() or "item"
    try:
        price = line.price.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # absurdly large: keep it as sent
        price = line.price
    return Item(title=title[:200], quantity=line.quantity, price=price)


def _tracking(meta: list[WooMeta]) -> Tracking | None:
    entries = [
        entry
        for item in meta
        if item.key == TRACKING_META and isinstance(item.value, list)
        for entry in item.value
        if isinstance(entry, dict) and _field(entry, "tracking_number")
    ]
    if not entries:
        return None
    latest = newest(entries, _shipped_at)
    return Tracking(
        carrier=_field(latest, "custom_tracking_provider") or _field(latest, "tracking_provider"),
        number=_field(latest, "tracking_number"),
        url=web_url(_field(latest, "custom_tracking_link")),
    )


def _shipped_at(entry: dict[Any, Any]) -> float:
    """An entry's ``date_shipped`` (a Unix timestamp, as a number or a string); 0 when missing."""
    try:
        return float(entry.get("date_shipped") or 0)
    except (TypeError, ValueError):
        return 0.0


def _field(entry: dict[Any, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return (value.strip()[:500] or None) if isinstance(value, str) else None
