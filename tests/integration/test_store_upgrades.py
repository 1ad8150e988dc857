"""A database written by an earlier version: what ``ensure_indexes`` changes at start, and what stays found."""

from __future__ import annotations

import asyncio

from orders.model import Customer, DeliveryState, Direction, Message, MessageId, OrderData, Shop
from orders.store import Database, open_database
from orders.usecases import OrderUseCases
from tests.conftest import SECRET_KEY, Clock
from webhooks.settings import Settings


async def test_an_index_earlier_versions_made_is_dropped_at_start(db: Database, settings: Settings) -> None:
    outbox = db.client[settings.mongodb_db].outbox
    await outbox.create_index([("state", 1), ("lease_until", 1)])
    await db.ensure_indexes()
    indexes = await outbox.index_information()
    assert "state_1_lease_until_1" not in indexes
    assert "state_1_lane_1_due_at_1" in indexes


async def test_customers_stored_before_address_keys_are_found_not_created_again(
    db: Database, shop: Shop, settings: Settings, clock: Clock
) -> None:
    customers = db.client[settings.mongodb_db].customers
    await customers.drop_indexes()
    await customers.create_index(
        [("shop_id", 1), ("phones", 1)], unique=True, partialFilterExpression={"phones": {"$exists": True}}
    )
    await customers.create_index(
        [("shop_id", 1), ("instagram_id", 1)],
        unique=True,
        partialFilterExpression={"instagram_id": {"$exists": True}},
    )
    await customers.insert_many(
        [
            {"_id": "cus_old_phone", "shop_id": shop.id, "phones": ["+4915112345678"], "created_at": clock()},
            {
                "_id": "cus_old_ig",
                "shop_id": shop.id,
                "instagram_id": "17841400000000001",
                "created_at": clock(),
            },
        ]
    )

    await db.ensure_indexes()
    by_phone = await db.customers.find_or_create(shop.id, now=clock(), phone="+4915112345678")
    by_instagram = await db.customers.find_or_create(shop.id, now=clock(), instagram_id="17841400000000001")
    assert (by_phone.id, by_instagram.id) == ("cus_old_phone", "cus_old_ig")
    assert await customers.count_documents({}) == 2
    indexes = await customers.index_information()
    assert "address_key_1" in indexes
    assert not {"shop_id_1_phones_1", "shop_id_1_instagram_id_1"} & indexes.keys()
    assert await db.customers.add_address_keys() == 0  # done once


async def test_one_address_is_one_customer_per_shop_however_many_ask_at_once(
    db: Database, shop: Shop, other_shop: Shop, clock: Clock
) -> None:
    asks = [db.customers.find_or_create(shop.id, now=clock(), phone="+14155550123") for _ in range(8)]
    found = await asyncio.gather(*asks)
    assert len({customer.id for customer in found}) == 1
    elsewhere = await db.customers.find_or_create(other_shop.id, now=clock(), phone="+14155550123")
    assert elsewhere.id != found[0].id  # the same number in another shop is another customer


async def test_messages_an_earlier_version_left_unhandled_move_to_the_inbox_once(
    db: Database, shop: Shop, settings: Settings, clock: Clock
) -> None:
    messages = db.client[settings.mongodb_db].messages
    await messages.create_index([("state", 1), ("created_at", 1)])
    waiting = Message(
        id=MessageId("msg_old_waiting"), shop_id=shop.id, channel="sms", direction=Direction.INBOUND,
        provider_id="SMold1", sender="+4915112345678", recipient="+14155550100", body="where is 1042?",
        state=DeliveryState.RECEIVED, created_at=clock(), updated_at=clock(),
    )  # fmt: skip
    handled = waiting.model_copy(
        update={"id": MessageId("msg_old_done"), "provider_id": "SMold2", "state": DeliveryState.PROCESSED}
    )
    assert await db.messages.add(waiting) and await db.messages.add(handled)

    await db.ensure_indexes()
    assert await db.inbox.pending(clock()) == [waiting]  # handled by the next recovery, under its old id
    assert await db.messages.by_provider_id("sms", "SMold1") is None
    assert await db.messages.by_provider_id("sms", "SMold2") == handled
    assert "state_1_created_at_1" not in await messages.index_information()

    await db.ensure_indexes()  # the index is gone, so nothing is looked for again
    assert await db.inbox.pending(clock()) == [waiting]


async def test_applied_deliveries_expire_from_when_they_were_applied(
    db: Database, settings: Settings, clock: Clock
) -> None:
    events = db.client[settings.mongodb_db].events
    await db.events.claim("shopify:shop_1", "evt-new", clock(), {"kind": "created"})
    assert "done_at" not in (await db.events.get("shopify:shop_1", "evt-new") or {})  # no TTL entry to write
    await db.events.complete("shopify:shop_1", "evt-new", {"order_id": "ord_1"}, clock())
    assert (await db.events.get("shopify:shop_1", "evt-new") or {})["done_at"] == clock()
    ttl = (await events.index_information())["done_at_1"]
    assert ttl["expireAfterSeconds"] == 30 * 24 * 3600 and ttl["sparse"] is True


async def test_deliveries_an_earlier_version_applied_get_a_date_to_expire_from_once(
    db: Database, settings: Settings, clock: Clock
) -> None:
    events = db.client[settings.mongodb_db].events
    await events.drop_index("done_at_1")
    await events.create_index("received_at", expireAfterSeconds=30 * 24 * 3600)
    await events.insert_many(
        [
            {"_id": "shopify:s|old-done", "state": "done", "received_at": clock(), "result": {}},
            {"_id": "shopify:s|old-waiting", "state": "processing", "received_at": clock(), "payload": {}},
        ]
    )
    await db.ensure_indexes()
    done = await events.find_one({"_id": "shopify:s|old-done"})
    waiting = await events.find_one({"_id": "shopify:s|old-waiting"})
    assert done is not None and "done_at" in done
    assert waiting is not None and "done_at" not in waiting  # still to be applied: recovery will
    indexes = await events.index_information()
    assert "received_at_1" not in indexes and "done_at_1" in indexes


async def test_orders_that_carried_their_search_keys_are_found_after_the_keys_move(
    db: Database, shop: Shop, settings: Settings, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    data = OrderData(
        external_id="old-1", number="#1042", customer=Customer(name="Ana Lima", phone="+4915112345678")
    )
    order = (await service.shop_events.apply_event(shop, "created", data)).order
    raw = db.client[settings.mongodb_db]
    # as an earlier version stored it: keys on the order, its indexes, no entry in order_keys
    await raw.order_keys.delete_many({})
    await raw.orders.update_one({"_id": order.id}, {"$set": {"search_keys": ["#1042", "ana", "li", "lima"]}})
    await raw.orders.create_index([("shop_id", 1), ("search_keys", 1)])
    await raw.orders.create_index([("shop_id", 1), ("number", 1)])
    assert await db.orders.find_number(shop.id, "#1042") is None

    await db.ensure_indexes()
    assert (await db.orders.find_number(shop.id, "#1042")) == order
    page, _ = await service.queries.list_orders(shop, status=None, search="lima", cursor=None, limit=10)
    assert [o.id for o in page] == [order.id]
    assert [o.id for o in await db.orders.for_customer(shop.id, phones=["+4915112345678"])] == [order.id]
    indexes = await raw.orders.index_information()
    assert not {"shop_id_1_search_keys_1", "shop_id_1_number_1"} & indexes.keys()
    assert await raw.orders.count_documents({"search_keys": {"$exists": True}}) == 0
    assert await raw.order_keys.count_documents({}) == 1


async def test_two_processes_starting_together_both_finish_moving_search_keys(
    db: Database, shop: Shop, settings: Settings, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    created = [
        (
            await service.shop_events.apply_event(
                shop, "created", OrderData(external_id=f"old-{n}", number=f"#{n}")
            )
        ).order
        for n in range(5)
    ]
    raw = db.client[settings.mongodb_db]
    await raw.order_keys.delete_many({"_id": {"$in": [order.id for order in created[1:]]}})
    for order in created:
        await raw.orders.update_one({"_id": order.id}, {"$set": {"search_keys": [order.number]}})
    await raw.orders.create_index([("shop_id", 1), ("search_keys", 1)])
    other = open_database(settings.mongodb_uri or "", settings.mongodb_db, secret_keys=[SECRET_KEY])
    try:
        assert await other.ping()  # connected, so that neither process is ahead
        # both read which orders lack keys before either writes: each entry is written once, and counted once
        added = await asyncio.gather(db.orders.add_missing_keys(), other.orders.add_missing_keys())
        assert sum(added) == 4
        # and both find the old index, which only one of them can drop
        await asyncio.gather(db.ensure_indexes(), other.ensure_indexes())
    finally:
        await other.close()
    assert await raw.order_keys.count_documents({}) == 5
    for order in created:
        assert await db.orders.find_number(shop.id, order.number) == order
    assert "shop_id_1_search_keys_1" not in await raw.orders.index_information()
    assert await raw.orders.count_documents({"search_keys": {"$exists": True}}) == 0
