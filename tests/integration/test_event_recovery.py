"""Shop order events answered before they are applied: applied once, and never lost, on the real database.

``accept_event`` stores a delivery (the webhook's one write); ``process_event`` applies it, on the event
workers or again from ``recover_events`` after a crash, a full queue or a failure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from orders.lifecycle import InvalidTransition, Status
from orders.model import Customer, Order, OrderData, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import EventOutcome, OrderUseCases
from tests.conftest import Api, Clock, token_for
from tests.integration.test_shop_platforms import PAID, orders_of, post_shopify, raw
from webhooks.app import build_app
from webhooks.keys import EVENT_WORK, SERVICE
from webhooks.settings import Settings
from webhooks.shop_platforms import shopify_orders
from webhooks.shop_platforms.generic import sign

AppClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


def paid(clock: Clock, external_id: str = "shopify:1001", **changes: Any) -> OrderData:
    fields: dict[str, Any] = {
        "external_id": external_id,
        "number": "1001",
        "status": Status.PROCESSING,
        "customer": Customer(name="Maya Chen", phone="+14155552671"),
        "total": Decimal("104.50"),
        "currency": "USD",
        "created_at": clock() - timedelta(hours=3),
        "updated_at": clock() - timedelta(hours=2),
    }
    return OrderData(**(fields | changes))


async def stored(db: Database, shop: Shop, external_id: str = "shopify:1001") -> Order:
    order = await db.orders.find_external(shop.id, external_id)
    assert order is not None
    return order


async def status_updates(db: Database, order: Order) -> list[Status | None]:
    return [entry.status for entry in await db.outbox.for_order(order.shop_id, order.id)]


# -- through HTTP -------------------------------------------------------------------------------------------


async def test_a_delivery_answered_but_never_processed_is_applied_by_recovery_after_the_threshold(
    aiohttp_client: AppClient, settings: Settings, clock: Clock, db: Database, shop: Shop
) -> None:
    # no event workers: the delivery is answered and stored, and nothing applies it
    client = await aiohttp_client(build_app(settings.model_copy(update={"event_workers": 0}), clock=clock))
    api = Api(client, token_for(shop))
    body = raw("shopify", PAID)
    response = await post_shopify(client, shop.id, body, secret=shop.webhook_secret, event_id="evt-1")
    assert response.status == 200
    assert await response.json() == {"order_id": None, "status": None, "duplicate": False, "ignored": None}
    await client.app[EVENT_WORK].drain()
    assert await orders_of(api) == []

    service = client.app[SERVICE]
    assert await service.recovery.recover_events() == 0  # too young: it may be on its way through a worker
    clock.advance(seconds=29)
    assert await service.recovery.recover_events() == 0
    assert await orders_of(api) == []

    clock.advance(seconds=2)
    assert await service.recovery.recover_events() == 1
    [order] = await orders_of(api)
    assert (order["external_id"], order["status"], order["total"]) == (
        "shopify:5937461723438",
        "processing",
        "104.50",
    )
    view = await api.get(f"/orders/{order['order_id']}/progress")
    assert [n["status"] for n in view["notifications"]] == ["processing"]

    # applied once: neither recovery nor a retry of the delivery changes anything any more
    clock.advance(minutes=5)
    assert await service.recovery.recover_events() == 0
    retry = await post_shopify(client, shop.id, body, secret=shop.webhook_secret, event_id="evt-1")
    assert (await retry.json())["duplicate"] is True
    assert await orders_of(api) == [order]


async def test_the_order_webhook_stores_a_new_order_before_answering_and_answers_updates_after_one_write(
    aiohttp_client: AppClient, settings: Settings, clock: Clock, shop: Shop
) -> None:
    """A new order is stored under the id its answer names, so an update sent right after finds it; an
    update is answered after one write and applied afterwards (here by recovery: no event workers)."""
    client = await aiohttp_client(build_app(settings.model_copy(update={"event_workers": 0}), clock=clock))
    api = Api(client, token_for(shop))

    async def send(event: str, status: str, event_id: str) -> dict[str, Any]:
        body = json.dumps({"event": event, "order": {"id": "own-7", "number": "7007", "status": status,
                           "customer": {"name": "Ana Lima", "phone": "+14155550100"}}}).encode()  # fmt: skip
        headers = {"Content-Type": "application/json", "X-Orderbot-Event-Id": event_id,
                   "X-Orderbot-Signature": sign(shop.webhook_secret, body)}  # fmt: skip
        answer: dict[str, Any] = await (
            await client.post(f"/webhooks/orders/{shop.id}", data=body, headers=headers)
        ).json()
        return answer

    created = await send("order.created", "processing", "own-evt-7")
    [order] = await orders_of(api)
    assert (order["order_id"], order["status"]) == (created["order_id"], "processing")
    assert await send("order.created", "processing", "own-evt-7") == {**created, "duplicate": True}

    shipped = await send("order.updated", "shipped", "own-evt-8")
    assert (shipped["order_id"], shipped["status"], shipped["duplicate"]) == (
        created["order_id"],
        "shipped",
        False,
    )
    await client.app[EVENT_WORK].drain()
    assert [o["status"] for o in await orders_of(api)] == ["processing"]

    service = client.app[SERVICE]
    clock.advance(seconds=31)  # claimed as started by the answering process: recovery waits for it longer
    assert await service.recovery.recover_events() == 0
    clock.advance(seconds=30)
    assert await service.recovery.recover_events() == 1
    [order] = await orders_of(api)
    assert (order["order_id"], order["number"], order["status"]) == (created["order_id"], "7007", "shipped")
    assert await send("order.updated", "shipped", "own-evt-8") == {**shipped, "duplicate": True}


async def test_the_web_app_applies_what_a_crash_left_when_it_starts(
    aiohttp_client: AppClient, settings: Settings, clock: Clock, db: Database, shop: Shop
) -> None:
    crashed = OrderUseCases.build(db, clock)
    order = shopify_orders.ShopifyOrder.model_validate_json(raw("shopify", PAID))
    event = shopify_orders.to_event("orders/paid", order)
    assert await crashed.shop_events.accept_event(shop, "shopify", "event:lost", event.kind, event.data)
    clock.advance(minutes=1)

    client = await aiohttp_client(build_app(settings, clock=clock))
    api = Api(client, token_for(shop))
    for _ in range(100):
        if orders := await orders_of(api):
            break
        await asyncio.sleep(0.05)
    assert [(o["external_id"], o["status"]) for o in orders] == [("shopify:5937461723438", "processing")]


# -- the service --------------------------------------------------------------------------------------------


async def test_an_accepted_event_is_applied_like_a_received_one(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    assert (
        await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock)) is not None
    )
    assert await db.orders.find_external(shop.id, "shopify:1001") is None  # stored, not applied

    outcome = await service.shop_events.process_event(shop, "shopify", "evt-1")
    assert outcome is not None
    assert (outcome.duplicate, outcome.ignored) == (False, None)
    order = await stored(db, shop)
    assert outcome.order == order
    # the event went through JSON and back: amounts, times and the customer are as sent
    assert (order.status, order.total, order.currency, order.customer.phone) == (
        Status.PROCESSING, Decimal("104.50"), "USD", "+14155552671",
    )  # fmt: skip
    assert order.source_updated_at == clock() - timedelta(hours=2)
    assert order.created_at == clock() - timedelta(hours=3)
    assert await status_updates(db, order) == [Status.PROCESSING]


async def test_processing_an_event_twice_applies_it_once(db: Database, shop: Shop, clock: Clock) -> None:
    service = OrderUseCases.build(db, clock)
    assert await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock))
    assert (
        await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock)) is None
    )  # waiting
    assert await service.shop_events.process_event(shop, "shopify", "evt-1") is not None
    order = await stored(db, shop)

    assert await service.shop_events.process_event(shop, "shopify", "evt-1") is None
    clock.advance(minutes=5)
    assert await service.recovery.recover_events() == 0
    assert (
        await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock)) is None
    )  # done
    assert await service.shop_events.process_event(shop, "shopify", "evt-1") is None
    assert await stored(db, shop) == order
    assert (order.version, len(order.timeline)) == (0, 1)
    assert await status_updates(db, order) == [Status.PROCESSING]
    assert await service.shop_events.process_event(shop, "shopify", "never-delivered") is None


async def test_concurrent_runs_of_one_event_apply_it_once(db: Database, shop: Shop, clock: Clock) -> None:
    """Two processes (each with its own service) and a recovery race for the same events."""
    first, second = OrderUseCases.build(db, clock), OrderUseCases.build(db, clock)
    await first.shop_events.apply_event(
        shop, "created", paid(clock, status=Status.PENDING, updated_at=clock() - timedelta(hours=3))
    )
    for index in range(5):
        update = paid(clock, status=Status.SHIPPED, updated_at=clock() - timedelta(minutes=50 - index))
        assert await first.shop_events.accept_event(shop, "shopify", f"evt-{index}", "updated", update)
    clock.advance(minutes=1)

    runs: list[Awaitable[EventOutcome | None]] = []
    for index in range(5):
        runs += [
            first.shop_events.process_event(shop, "shopify", f"evt-{index}"),
            second.shop_events.process_event(shop, "shopify", f"evt-{index}"),
        ]
    recovery = asyncio.ensure_future(second.recovery.recover_events())
    results = await asyncio.gather(*runs)
    recovered = await recovery
    applied = [outcome for outcome in results if outcome is not None]
    assert len(applied) + recovered == 5  # each event exactly once, by whichever run got to it first
    for index in range(5):
        claim = await db.events.get(f"shopify:{shop.id}", f"evt-{index}")
        assert claim is not None
        assert (claim["state"], claim["attempts"]) == ("done", 1)

    order = await stored(db, shop)
    assert order.status == Status.SHIPPED
    assert await status_updates(db, order) == [Status.PENDING, Status.SHIPPED]
    assert await first.recovery.recover_events() == 0


async def test_a_run_that_died_mid_event_is_taken_over_once_its_lease_ran_out(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    assert await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock))
    claim = await db.events.get(f"shopify:{shop.id}", "evt-1")
    assert claim is not None
    clock.advance(seconds=40)
    # a worker started the event, then its process died
    assert await db.events.start(f"shopify:{shop.id}", "evt-1", claim["received_at"], clock())

    clock.advance(seconds=40)  # old enough for recovery, but the run may still be going
    assert await service.shop_events.process_event(shop, "shopify", "evt-1") is None
    assert await service.recovery.recover_events() == 0
    clock.advance(seconds=30)
    assert await service.recovery.recover_events() == 1
    assert (await stored(db, shop)).status == Status.PROCESSING


async def test_stale_and_backwards_events_change_nothing_and_are_done(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    shipped = (
        await service.shop_events.apply_event(shop, "created", paid(clock, status=Status.SHIPPED))
    ).order

    older = paid(clock, status=Status.PENDING, updated_at=clock() - timedelta(hours=5))
    newer_but_back = paid(clock, status=Status.PENDING, updated_at=clock() - timedelta(hours=1))
    assert await service.shop_events.accept_event(shop, "shopify", "stale", "updated", older)
    assert await service.shop_events.accept_event(shop, "shopify", "back", "updated", newer_but_back)
    stale = await service.shop_events.process_event(shop, "shopify", "stale")
    back = await service.shop_events.process_event(shop, "shopify", "back")
    assert stale is not None and back is not None
    assert (stale.order, stale.ignored) == (shipped, "stale")
    assert (back.order, back.ignored) == (shipped, "backwards")
    assert await stored(db, shop) == shipped
    assert await service.shop_events.accept_event(shop, "shopify", "back", "updated", newer_but_back) is None

    # asked to refuse a backwards move, the event is refused and released: its retry is new again
    assert await service.shop_events.accept_event(
        shop, "shopify", "refused", "updated", newer_but_back, on_backwards="raise"
    )
    with pytest.raises(InvalidTransition):
        await service.shop_events.process_event(shop, "shopify", "refused")
    assert await db.events.get(f"shopify:{shop.id}", "refused") is None
    assert await stored(db, shop) == shipped


async def test_recovery_drops_an_event_whose_shop_is_gone(db: Database, shop: Shop, clock: Clock) -> None:
    service = OrderUseCases.build(db, clock)
    gone = new_shop("Closed Coffee", clock())  # never stored, as if deleted since
    assert await service.shop_events.accept_event(gone, "shopify", "evt-1", "created", paid(clock))
    assert await service.shop_events.accept_event(shop, "shopify", "evt-1", "created", paid(clock))
    clock.advance(minutes=1)
    assert await service.recovery.recover_events() == 1
    assert await db.events.get(f"shopify:{gone.id}", "evt-1") is None
    assert (await stored(db, shop)).status == Status.PROCESSING


async def test_recovery_works_through_batches_past_events_another_run_holds(
    db: Database, shop: Shop, clock: Clock
) -> None:
    service = OrderUseCases.build(db, clock)
    scope = f"shopify:{shop.id}"
    for index in range(7):
        data = paid(clock, external_id=f"shopify:{index}", number=str(index))
        assert await service.shop_events.accept_event(shop, "shopify", f"evt-{index}", "created", data)
        clock.advance(seconds=1)
    clock.advance(seconds=30)
    # the two oldest were started by a run that may still be going: recovery leaves them to it
    for index in range(2):
        claim = await db.events.get(scope, f"evt-{index}")
        assert claim is not None
        assert await db.events.start(
            scope, f"evt-{index}", claim["received_at"], clock() - timedelta(seconds=35)
        )
    assert await service.recovery.recover_events(batch=2) == 5
    assert [await db.orders.find_external(shop.id, f"shopify:{index}") is None for index in range(7)] == [
        True, True, False, False, False, False, False,
    ]  # fmt: skip
    clock.advance(minutes=1)
    assert await service.recovery.recover_events(batch=2) == 2
