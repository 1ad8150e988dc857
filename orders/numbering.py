"""One order per number in a shop: claiming a number, and telling a real holder from a stale claim.

A claim is written before its order (``orders.store.numbers``), so a claim whose order does not exist, or
no longer carries the number, may be a crash's leftover or an order being written right now. It is taken
over only once it is older than ``STALE_CLAIM``: long enough for any write in flight to have landed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from orders.model import Order, OrderId, ShopId
from orders.store import AlreadyExists, Doc, NotFound, OrderStore
from orders.store.numbers import NumberStore

#: How old a claim without its order must be before another order may take the number.
STALE_CLAIM = timedelta(seconds=60)
#: How long a create waits for the same order, claimed by a concurrent delivery, to be written.
_SAME_ORDER_WAITS = (0.005, 0.02, 0.05, 0.1, 0.2)


class NumberedOrders(Protocol):
    """The two stores numbering reads: the claims and the orders behind them."""

    @property
    def numbers(self) -> NumberStore: ...
    @property
    def orders(self) -> OrderStore: ...


class DuplicateNumber(Exception):
    """The shop already has an order with this number."""

    def __init__(self, number: str, holder: OrderId) -> None:
        super().__init__(f"order number {number} is already used by order {holder}")
        self.number = number
        self.holder = holder


async def claim_number(
    db: NumberedOrders, shop_id: ShopId, number: str, order_id: OrderId, now: datetime, external_id: str
) -> None:
    """Make ``number`` the order's; DuplicateNumber when another order holds it.

    AlreadyExists when the holder is the same order (same external id) being created by a concurrent
    delivery, once it is written or after a short wait: the caller then updates that order instead.
    """
    held = await db.numbers.claim(shop_id, number, order_id, now, external_id)
    if held is not None:
        await _take_over(db, shop_id, number, held, order_id, external_id, now=now)


async def refuse_taken_number(db: NumberedOrders, order: Order, now: datetime) -> None:
    """DuplicateNumber when another order holds ``order``'s number, by reads only: what ``claim_number``
    would refuse, said before anything is written (a claim made in between is refused when it is made)."""
    held = (await db.numbers.holders(order.shop_id, [order.number])).get(order.number)
    if held is None or held["order_id"] == order.id or held.get("external_id") == order.external_id:
        return
    holder = OrderId(held["order_id"])
    if now - held["claimed_at"] < STALE_CLAIM or await _holds(db, order.shop_id, holder, order.number):
        raise DuplicateNumber(order.number, holder)


async def claim_numbers(
    db: NumberedOrders, shop_id: ShopId, numbers: Mapping[str, tuple[OrderId, str]], now: datetime
) -> dict[str, Exception]:
    """Claim many numbers for their (order id, external id) in one write; the refused ones, each with
    DuplicateNumber, or AlreadyExists when the same order was created meanwhile."""
    refused: dict[str, Exception] = {}
    for number, held in (await db.numbers.claim_many(shop_id, numbers, now)).items():
        try:
            await _take_over(db, shop_id, number, held, *numbers[number], now=now)
        except (DuplicateNumber, AlreadyExists) as exc:
            refused[number] = exc
    return refused


async def _take_over(
    db: NumberedOrders, shop_id: ShopId, number: str, held: Doc, order_id: OrderId, external_id: str, *,
    now: datetime,
) -> None:  # fmt: skip
    holder = OrderId(held["order_id"])
    if held.get("external_id") == external_id and now - held["claimed_at"] < STALE_CLAIM:
        for wait in _SAME_ORDER_WAITS:
            if await db.orders.find_external(shop_id, external_id) is not None:
                break
            await asyncio.sleep(wait)
        raise AlreadyExists(f"order {external_id} is being created")
    if now - held["claimed_at"] < STALE_CLAIM or await _holds(db, shop_id, holder, number):
        raise DuplicateNumber(number, holder)
    if not await db.numbers.take_over(shop_id, number, holder, order_id, now):
        raise DuplicateNumber(number, OrderId(await db.numbers.holder(shop_id, number) or holder))


async def _holds(db: NumberedOrders, shop_id: ShopId, order_id: OrderId, number: str) -> bool:
    try:
        order = await db.orders.get(shop_id, order_id)
    except NotFound:
        return False
    return order.number == number


async def find_by_number(db: NumberedOrders, shop_id: ShopId, number: str) -> Order:
    """The order that holds ``number``; NotFound when none does."""
    holder = await db.numbers.holder(shop_id, number)
    if holder is not None:
        try:
            order = await db.orders.get(shop_id, holder)
        except NotFound:
            order = None
        if order is not None and order.number == number:
            return order
    # a claim left stale by a crash, or one not written yet: the search keys still know the number
    found = await db.orders.find_number(shop_id, number)
    if found is None:
        raise NotFound(f"no order numbered {number}")
    return found
