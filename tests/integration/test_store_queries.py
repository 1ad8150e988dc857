"""Queries rewritten so that the embedded server answers them from an index give the same answers.

The embedded server reads the whole collection for an ``$or``, an ``$all``, or a filter naming a leading part
of a compound index plus another condition (seconds at 20,000 orders, measured with ``bench/store_bench.py``). The store now asks for the indexed part and checks the rest itself: these tests
pin that the answers did not change, ties, paging and several conditions included.
"""

from __future__ import annotations

from typing import Any

from orders.lifecycle import Status
from orders.model import Customer, OrderData, Shop, Source
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock
from webhooks.settings import Settings


async def test_a_customers_orders_by_phone_or_email_come_newest_first_once_each(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    placed = {
        "by-phone": Customer(phone="+14155550101"),
        "by-email": Customer(email="ana@example.com"),
        "by-both": Customer(phone="+14155550101", email="ana@example.com"),
        "someone-else": Customer(phone="+14155550199", email="bo@example.com"),
    }
    for external_id, customer in placed.items():
        clock.advance(minutes=1)
        await service.shop_events.apply_event(
            shop, "created", OrderData(external_id=external_id, customer=customer)
        )
    found = await db.orders.for_customer(shop.id, phones=["+14155550101"], emails=["ana@example.com"])
    assert [order.external_id for order in found] == ["by-both", "by-email", "by-phone"]
    two = await db.orders.for_customer(shop.id, phones=["+14155550101"], emails=["ana@example.com"], limit=2)
    assert [order.external_id for order in two] == ["by-both", "by-email"]
    assert await db.orders.for_customer(shop.id) == []


async def test_pages_break_ties_of_one_instant_by_id_and_never_repeat_or_skip(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    for n in range(7):  # seven orders at one instant, then three later ones
        await service.shop_events.apply_event(
            shop, "created", OrderData(external_id=f"same-{n}", number=f"S{n}")
        )
    for n in range(3):
        clock.advance(minutes=1)
        await service.shop_events.apply_event(
            shop, "created", OrderData(external_id=f"later-{n}", number=f"L{n}")
        )
    seen: list[str] = []
    after = None
    while page := await db.orders.page(shop.id, after=after, limit=3, now=clock()):
        seen += [order.external_id for order in page]
        after = (page[-1].created_at, page[-1].id)
    assert len(seen) == len(set(seen)) == 10
    assert seen[:3] == ["later-2", "later-1", "later-0"]
    pending = await db.orders.page(shop.id, status=Status.PENDING, after=after, limit=3, now=clock())
    assert pending == []


async def test_search_needs_every_term_and_honours_status_and_cursor(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    people = [("a1", "Ana Lima"), ("a2", "Ana Souza"), ("a3", "Ana Lima"), ("b1", "Bruno Lima")]
    for external_id, name in people:
        clock.advance(minutes=1)
        await service.shop_events.apply_event(
            shop, "created", OrderData(external_id=external_id, customer=Customer(name=name))
        )
    moved = await db.orders.find_external(shop.id, "a1")
    assert moved is not None
    await service.desk.update_status(shop, moved.id, Status.PROCESSING, source=Source.STAFF, actor="ana")

    def ids(orders: list[Any]) -> list[str]:
        return [order.external_id for order in orders]

    assert ids(await db.orders.page(shop.id, search="ana lima", now=clock())) == ["a3", "a1"]
    assert ids(await db.orders.page(shop.id, search="lima", now=clock())) == ["b1", "a3", "a1"]
    assert ids(await db.orders.page(shop.id, search="ana lima", status=Status.PENDING, now=clock())) == ["a3"]
    first = await db.orders.page(shop.id, search="an", limit=2, now=clock())
    rest = await db.orders.page(shop.id, search="an", after=(first[-1].created_at, first[-1].id), now=clock())
    assert ids(first) + ids(rest) == ["a3", "a2", "a1"]


async def test_search_keys_follow_a_change_and_a_stale_key_never_shows_an_order(
    db: Database, shop: Shop, clock: Clock, settings: Settings
) -> None:
    service = OrderUseCases.build(db, clock)
    created = await service.shop_events.apply_event(
        shop, "created", OrderData(external_id="k1", number="#77", customer=Customer(name="Ana Lima"))
    )
    renamed = OrderData(external_id="k1", customer=Customer(name="Bea Berg"))
    clock.advance(minutes=1)
    await service.shop_events.apply_event(shop, "updated", renamed)

    async def search(text: str) -> list[str]:
        page, _ = await service.queries.list_orders(shop, status=None, search=text, cursor=None, limit=10)
        return [order.id for order in page]

    assert await search("berg") == [created.order.id]
    assert await search("lima") == []
    # a crash between the keys' write and the order's leaves extra keys: they match nothing by themselves
    keys = db.client[settings.mongodb_db].order_keys
    await keys.update_one({"_id": created.order.id}, {"$push": {"keys": "lima"}})
    clock.advance(minutes=1)  # another revision, so no page kept from before is reused
    await db.stats.touch(shop.id)
    assert await search("lima") == []
    assert (await db.orders.find_number(shop.id, "#77")) is not None
