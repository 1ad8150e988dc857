"""A Shopify order as its webhooks carry it, and how it maps onto ours. Pure: no I/O.

Each order topic carries the whole order, so the status is read from the order, not from the topic (the
topic only tells a creation from an update). The first row that matches wins:

| Shopify order                                                             | our status |
| ------------------------------------------------------------------------- | ---------- |
| ``cancelled_at`` set                                                      | cancelled  |
| ``financial_status`` refunded or voided                                   | cancelled  |
| ``fulfillment_status`` fulfilled, and every live fulfillment's            | fulfilled  |
|   ``shipment_status`` is delivered or picked_up                           |            |
| ``fulfillment_status`` fulfilled                                          | shipped    |
| ``fulfillment_status`` partial                                            | processing |
| ``financial_status`` paid, partially_paid or partially_refunded           | processing |
| ``financial_status`` pending, authorized, expired, missing or unknown     | pending    |

A fulfillment is live unless its ``status`` is ``cancelled``, ``error`` or ``failure``. ``closed_at``
(archived) says nothing about delivery (Shopify archives orders as soon as they are fulfilled by default), so
it does not move an order. A full refund after shipping is a return: the order is cancelled while it is
still shipped, and left alone once it was delivered (the lifecycle refuses to leave a terminal status).

The other fields:

- ``external_id`` is ``shopify:`` and ``id`` (the prefix keeps it apart from the same shop's orders from
  other sources); ``number`` is ``name`` without its leading ``#`` (what the customer sees, with the shop's
  prefix or suffix), else ``order_number``, else ``id``.
- ``customer``: ``customer.first_name``/``last_name`` (else the shipping, then billing address); ``email``
  (else ``contact_email``, ``customer.email``); the first of ``phone``, ``customer.phone``, the shipping
  and billing address phones that is a valid number, as E.164 (a number without a country code is read in
  the address's country); no valid one, no phone.
- ``items`` from ``line_items`` (``name``, which includes the variant, else ``title``; ``quantity``;
  ``price``); ``total`` is ``total_price`` in ``currency``.
- ``tracking`` from the newest live fulfillment with a tracking number: ``tracking_company``,
  ``tracking_number`` (else the first of ``tracking_numbers``), ``tracking_url`` (else the first of
  ``tracking_urls``; http(s) only), and ``stage`` from its ``shipment_status`` (the carrier's latest news;
  the values of Shopify's REST Fulfillment resource):

  | ``shipment_status``                                           | delivery stage    |
  | ------------------------------------------------------------- | ----------------- |
  | out_for_delivery                                              | out_for_delivery  |
  | attempted_delivery, failure                                   | delivery_problem  |
  | ready_for_pickup                                              | ready_for_pickup  |
  | delivered, picked_up                                          | delivered         |
  | in_transit, confirmed, label_printed, label_purchased         | in_transit        |
  | anything else, or none                                        | none              |

  Out for delivery, ready for pickup and a delivery problem on a shipped order reach the customer at once,
  even in their quiet hours.
- ``created_at`` is ``created_at``; ``updated_at`` is the latest of the order's and its live fulfillments'
  ``updated_at`` (a carrier's shipment update changes the fulfillment), so older deliveries are stale.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

from channels import contacts
from channels.contacts import Contact, ExternalId
from orders.lifecycle import DeliveryStage, Status
from orders.model import Customer, Item, OrderData, Tracking
from webhooks.shop_platforms.platform_orders import (
    Currency,
    Entries,
    Money,
    PlatformEvent,
    Wire,
    event_kind,
    external_id,
    newest,
    web_url,
)
from webhooks.shop_platforms.shopify import CREATE_TOPIC

__all__ = ["ShopifyFulfillment", "ShopifyOrder", "stage_of", "status_of", "to_event"]

_DEAD_FULFILLMENTS = frozenset({"cancelled", "error", "failure"})
_PAID = frozenset({"paid", "partially_paid", "partially_refunded"})
_CALLED_OFF = frozenset({"refunded", "voided"})
_STAGES = {
    "out_for_delivery": DeliveryStage.OUT_FOR_DELIVERY,
    "attempted_delivery": DeliveryStage.DELIVERY_PROBLEM,
    "failure": DeliveryStage.DELIVERY_PROBLEM,
    "ready_for_pickup": DeliveryStage.READY_FOR_PICKUP,
    "delivered": DeliveryStage.DELIVERED,
    "picked_up": DeliveryStage.DELIVERED,
    "in_transit": DeliveryStage.IN_TRANSIT,
    "confirmed": DeliveryStage.IN_TRANSIT,
    "label_printed": DeliveryStage.IN_TRANSIT,
    "label_purchased": DeliveryStage.IN_TRANSIT,
}


# -- the wire format (the fields we use; Shopify sends many more) ----------------------------------------


class ShopifyCustomer(Contact):
    pass


class ShopifyAddress(Contact):
    name: str | None = None
    country_code: str | None = None


class ShopifyLineItem(Wire):
    title: str | None = None
    name: str | None = None
    quantity: Annotated[int, Field(ge=0, le=1_000_000)] = 1
    price: Money = Decimal(0)


class ShopifyFulfillment(Wire):
    status: str | None = None
    shipment_status: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_numbers: list[str | None] = Field(default_factory=list)
    tracking_url: str | None = None
    tracking_urls: list[str | None] = Field(default_factory=list)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    @property
    def live(self) -> bool:
        return (self.status or "").lower() not in _DEAD_FULFILLMENTS


class ShopifyOrder(Wire):
    """An order as Shopify's order webhooks carry it (REST Admin API shape)."""

    id: ExternalId
    name: str | None = None
    order_number: int | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    cancelled_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    currency: Currency | None = None
    total_price: Money | None = None
    customer: ShopifyCustomer | None = None
    shipping_address: ShopifyAddress | None = None
    billing_address: ShopifyAddress | None = None
    line_items: Entries[ShopifyLineItem] = Field(default_factory=list)
    fulfillments: Entries[ShopifyFulfillment] = Field(default_factory=list)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime


# -- mapping ------------------------------------------------------------------------------------------------


def status_of(order: ShopifyOrder) -> Status:
    """Our status for a Shopify order (the table in the module docstring)."""
    financial = (order.financial_status or "").lower()
    fulfillment = (order.fulfillment_status or "").lower()
    live = [f for f in order.fulfillments if f.live]
    if order.cancelled_at is not None or financial in _CALLED_OFF:
        return Status.CANCELLED
    if fulfillment == "fulfilled":
        arrived = bool(live) and all(stage_of(f) == DeliveryStage.DELIVERED for f in live)
        return Status.FULFILLED if arrived else Status.SHIPPED
    if fulfillment == "partial" or financial in _PAID:
        return Status.PROCESSING
    return Status.PENDING


def stage_of(fulfillment: ShopifyFulfillment) -> DeliveryStage | None:
    """The delivery stage a fulfillment's ``shipment_status`` names (the table in the module docstring)."""
    return _STAGES.get((fulfillment.shipment_status or "").strip().lower())


def to_event(topic: str, order: ShopifyOrder, default_region: str | None = None) -> PlatformEvent:
    """The event a delivery of ``topic`` describes: its kind and the order as we keep it.

    ``default_region`` (the shop's default country) reads phone numbers when no address names a country.
    """
    status = status_of(order)
    live = [f for f in order.fulfillments if f.live]
    changed = [order.updated_at, *(f.updated_at for f in live if f.updated_at is not None)]
    data = OrderData(
        external_id=external_id("shopify", order.id),
        number=_number(order) or order.id,
        status=status,
        customer=_customer(order, default_region),
        items=[_item(line) for line in order.line_items],
        total=order.total_price,
        currency=order.currency,
        tracking=_tracking(live),
        created_at=order.created_at,
        updated_at=max(changed),
    )
    return PlatformEvent(kind=event_kind(status, topic == CREATE_TOPIC), data=data)


def _number(order: ShopifyOrder) -> str | None:
    name = (order.name or "").strip().lstrip("#").strip()
    if name:
        return name[:100]
    return str(order.order_number) if order.order_number is not None else None


def _customer(order: ShopifyOrder, default_region: str | None) -> Customer:
    person = order.customer or ShopifyCustomer()
    addresses = [a for a in (order.shipping_address, order.billing_address) if a is not None]
    name = contacts.join(person.first_name, person.last_name)
    for address in addresses:
        name = name or contacts.text(address.name) or contacts.join(address.first_name, address.last_name)
    email = next((e for e in (order.email, order.contact_email, person.email) if contacts.is_email(e)), None)
    region = next((a.country_code for a in addresses if a.country_code), default_region)
    phone = contacts.first_e164(
        [
            (order.phone, region),
            (person.phone, region),
            *((a.phone, a.country_code or region) for a in addresses),
        ]
    )
    return Customer(name=name, email=email.strip() if email else None, phone=phone)


def _item(line: ShopifyLineItem) -> Item:
    title = contacts.text(line.name) or contacts.text(line.title) or "item"
    return Item(title=title[:200], quantity=line.quantity, price=line.price)


def _tracking(live: list[ShopifyFulfillment]) -> Tracking | None:
    tracked = [f for f in live if _tracking_number(f)]
    if not tracked:
        return None
    latest = newest(tracked, lambda fulfillment: _sort_time(fulfillment.created_at))
    return Tracking(
        carrier=contacts.text(latest.tracking_company),
        number=_tracking_number(latest),
        url=web_url(latest.tracking_url, *latest.tracking_urls),
        stage=stage_of(latest),
    )


def _tracking_number(fulfillment: ShopifyFulfillment) -> str | None:
    """``tracking_number``, else the first of ``tracking_numbers``; None when none is given."""
    numbers = (fulfillment.tracking_number, *fulfillment.tracking_numbers)
    return next((n for n in map(contacts.text, numbers) if n), None)


def _sort_time(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("-inf")
