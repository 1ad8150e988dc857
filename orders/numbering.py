"""One order per number in a shop: claiming a number, and telling a real holder from a stale claim.

A claim is written before its order (``orders.store.numbers``), so a claim whose order does not exist, or
no longer carries the number, may be a crash's leftover or an order being written right now. It is taken
over only once it is older than ``STALE_CLAIM``: long enough for any write in flight to have landed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from orders.model import Order, OrderId, ShopId
from orders.store import Database, Doc, NotFound

#: How old a claim without its order must be before another order may take the number.
STALE_CLAIM = timedelta(seconds=60)


class DuplicateNumber(Exception):
    """The shop already has an order with this number."""

    def __init__(self, number: str, holder: OrderId) -> None:
        super().__init__(f"order number {number} is already used by order {holder}")
        self.number = number
        self.holder = holder


async def claim_number(db: Database, shop_id: ShopId, number: str, order_id: OrderId, now: datetime) -> None:
    """Make ``number`` the order's; DuplicateNumber when another order holds it."""
    held = await db.numbers.claim(shop_id, number, order_id, now)
    if held is not None:
        await _take_over(db, shop_id, number, held, order_id, now)


async def claim_numbers(
    db: Database, shop_id: ShopId, numbers: Mapping[str, OrderId], now: datetime
) -> dict[str, DuplicateNumber]:
    """Claim many numbers in one write; the ones another order holds, each with its refusal."""
    refused: dict[str, DuplicateNumber] = {}
    for number, held in (await db.numbers.claim_many(shop_id, numbers, now)).items():
        try:
            await _take_over(db, shop_id, number, held, numbers[number], now)
        except DuplicateNumber as exc:
            refused[number] = exc
    return refused


async def _take_over(
    db: Database, shop_id: ShopId, number: str, held: Doc, order_id: OrderId, now: datetime
) -> None:
    holder = OrderId(held["order_id"])
    if now - held["claimed_at"] < STALE_CLAIM or await _holds(db, shop_id, holder, number):
        raise DuplicateNumber(number, holder)
    if not await db.numbers.take_over(shop_id, number, holder, order_id, now):
        raise DuplicateNumber(number, OrderId(await db.numbers.holder(shop_id, number) or holder))


async def _holds(db: Database, shop_id: ShopId, order_id: OrderId, number: str) -> bool:
    try:
        order = await db.orders.get(shop_id, order_id)
    except NotFound:
        return False
    return order.number == number


async def find_by_number(db: Database, shop_id: ShopId, number: str) -> Order:
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
