"""Orders by their number: found by it, unique per shop, and creates made idempotent by the external id."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from orders.lifecycle import Status
from orders.model import Order, OrderId, Shop, Source, TimelineEvent
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration.test_api import error_code, new_order, snapshot
from tests.integration.test_shop_platforms import CREATE, answer_of, metric, post_shopify, raw
from webhooks.keys import EVENT_WORK
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign


async def test_an_order_is_found_by_its_number(api: Api) -> None:
    created = await new_order(api, number="1010", customer={"name": "Ana Lima"})
    await new_order(api, number="1011")
    found = await api.get("/orders/by-number/1010")
    assert (found["order_id"], found["number"]) == (created["order_id"], "1010")
    body = await api.get("/orders/by-number/1012", status=404)
    assert error_code(body) == "not_found"


async def test_another_shops_number_is_not_found(
    client: TestClient[Any, Any], api: Api, other_shop: Shop
) -> None:
    await new_order(api, number="2020")
    other = Api(client, token_for(other_shop))
    assert error_code(await other.get("/orders/by-number/2020", status=404)) == "not_found"
    mine = await new_order(other, number="2020")  # each shop has its own numbers
    assert (await other.get("/orders/by-number/2020"))["order_id"] == mine["order_id"]


async def test_a_second_order_with_a_used_number_is_refused_and_writes_nothing(
    api: Api, db: Database, shop: Shop
) -> None:
    first = await new_order(api, number="1010", customer={"phone": "+14155550101"})
    before = await snapshot(api)
    body = await api.post("/orders", {"number": "1010", "external_id": "other-1"}, status=409)
    assert error_code(body) == "duplicate_number"
    assert await snapshot(api) == before
    assert await db.orders.find_external(shop.id, "other-1") is None
    assert (await api.get("/orders/by-number/1010"))["order_id"] == first["order_id"]


async def test_repeating_a_create_with_its_external_id_answers_the_first_order_unchanged(api: Api) -> None:
    first = await new_order(api, external_id="dup-1", number="1", total="5.00")
    before = await snapshot(api)
    again = await new_order(api, external_id="dup-1", number="2", total="9.00")
    assert again == first
    assert await snapshot(api) == before


async def test_a_number_freed_by_a_crashed_create_is_taken_over_after_a_while(
    api: Api, db: Database, shop: Shop, clock: Clock
) -> None:
    """A claim whose order was never written (a crash between the two writes) blocks the number only
    until it is stale."""
    await db.numbers.claim(shop.id, "3030", OrderId("ord_never_written"), clock(), "lost-1")
    body = await api.post("/orders", {"number": "3030"}, status=409)
    assert error_code(body) == "duplicate_number"
    clock.advance(minutes=2)
    created = await new_order(api, number="3030")
    assert (await api.get("/orders/by-number/3030"))["order_id"] == created["order_id"]


async def test_a_shop_event_that_renumbers_its_order_frees_the_old_number(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    async def event(number: str, updated: str) -> Any:
        order = {"id": "web-1", "number": number, "updated_at": updated}
        raw = json.dumps({"event": "order.updated", "order": order}).encode()
        response = await client.post(
            f"/webhooks/orders/{shop.id}", data=raw,
            headers={"X-Orderbot-Signature": sign(shop.webhook_secret, raw), "Content-Type": "application/json"},
        )  # fmt: skip
        await finish_background(client.app)  # the event is applied after the answer
        return response.status, await response.json()

    assert (await event("4040", "2026-11-01T08:00:00+00:00"))[0] == 200
    assert (await event("4041", "2026-11-01T09:00:00+00:00"))[0] == 200
    assert (await api.get("/orders/by-number/4041"))["external_id"] == "web-1"
    await api.get("/orders/by-number/4040", status=404)
    reused = await new_order(api, number="4040")
    assert reused["number"] == "4040"


async def test_a_shop_webhook_order_whose_number_is_taken_gets_409_and_writes_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    await new_order(api, number="5050")
    before = await snapshot(api)
    raw = json.dumps({"event": "order.created", "order": {"id": "web-5050", "number": "5050"}}).encode()
    response = await client.post(
        f"/webhooks/orders/{shop.id}", data=raw,
        headers={"X-Orderbot-Signature": sign(shop.webhook_secret, raw), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status == 409, await response.text()
    assert error_code(await response.json()) == "duplicate_number"
    assert await snapshot(api) == before


async def test_the_upgrade_claims_numbers_of_existing_orders_keeping_duplicates_found_by_id(
    db: Database, shop: Shop, clock: Clock, settings: Settings
) -> None:
    """Data written before numbers were claimed may hold a number twice: the upgrade keeps both orders,
    gives the number to the newest (as lookups by number did), and later creates respect the claims."""
    now = clock()

    def legacy(order_id: str, number: str, age_days: int) -> Order:
        at = now - timedelta(days=age_days)
        return Order(
            id=OrderId(order_id), shop_id=shop.id, external_id=f"ext-{order_id}", number=number,
            status=Status.PENDING, status_since=at, created_at=at, updated_at=at,
            timeline=[TimelineEvent(status=Status.PENDING, at=at, source=Source.API)],
        )  # fmt: skip

    for order in (legacy("ord_old", "77", 3), legacy("ord_new", "77", 1), legacy("ord_solo", "78", 2)):
        await db.orders.add(order)
    await db.client[
        settings.mongodb_db
    ].order_numbers.drop()  # as an earlier version left it: no claims, no marker
    await db.ensure_indexes()
    assert await db.numbers.holder(shop.id, "77") == "ord_new"
    assert await db.numbers.holder(shop.id, "78") == "ord_solo"
    assert (await db.orders.get(shop.id, "ord_old")).number == "77"  # kept as it was
    await db.ensure_indexes()  # once done, not redone
    assert await db.numbers.holder(shop.id, "77") == "ord_new"


async def test_a_shopify_order_whose_number_is_taken_is_acknowledged_counted_and_not_applied(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """Shopify is answered before the event is applied and would retry anything but a 2xx: the clash is
    recorded (metrics, log) and nothing is written, neither a second order with the number nor a change."""
    body = raw("shopify", CREATE)
    number = json.loads(body)["name"].lstrip("#")
    mine = await new_order(api, number=number, external_id="pos-1")
    before = await snapshot(api)
    answer = await answer_of(await post_shopify(client, shop.id, body, secret=shop.webhook_secret))
    assert answer["duplicate"] is False
    await client.app[EVENT_WORK].drain()
    assert metric(await (await client.get("/metrics")).text(), "shopify", "duplicate_number") == 1
    assert await snapshot(api) == before
    assert (await api.get(f"/orders/by-number/{number}"))["order_id"] == mine["order_id"]
    again = await answer_of(
        await post_shopify(client, shop.id, body, secret=shop.webhook_secret, event_id="e2")
    )
    await client.app[EVENT_WORK].drain()
    assert again["duplicate"] is False and await snapshot(api) == before
