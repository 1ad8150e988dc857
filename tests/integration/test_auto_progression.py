"""Auto-progression that runs: the worker's sweep, the moment it is switched on, and order events.

Real app, real database, the worker's own job (``Jobs.auto_progress``): each automatic move is on the
order's timeline with its reason and confidence, and the customer's notification is queued.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.inbox import Inbox
from bot.scheduler import Intervals, Jobs, build_scheduler
from orders.model import Shop, Thresholds
from orders.service import OrderService, new_shop
from orders.store import Database
from tests.conftest import Api, Clock, token_for
from webhooks.shop_platforms.generic import sign


async def shop_with(db: Database, clock: Clock, *, auto: bool) -> Shop:
    created = new_shop("Auto Coffee", clock(), rules=Thresholds(auto_progress=auto))
    await db.shops.add(created)
    return created


async def new_order(api: Api, number: str) -> dict[str, Any]:
    body = {"number": number, "customer": {"name": "Ana", "phone": "415 555 0101"}, "channel": "sms"}
    order: dict[str, Any] = await api.post("/orders", body, status=201)
    return order


async def progress(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = await api.get(f"/orders/{order['order_id']}/progress")
    return view


def assert_moved_by_the_rules(view: dict[str, Any]) -> None:
    assert view["status"] == "processing"
    move = view["timeline"][-1]
    assert (move["from_status"], move["status"], move["source"]) == ("pending", "processing", "rules")
    assert "pending for 25 h" in move["reason"] and move["confidence"] == 1.0
    updates = [
        n for n in view["notifications"] if n["kind"] == "status_update" and n["status"] == "processing"
    ]
    assert len(updates) == 1 and updates[0]["channel"] == "sms"


async def test_the_sweep_moves_due_orders_of_shops_that_switched_it_on(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    on, off = await shop_with(db, clock, auto=True), await shop_with(db, clock, auto=False)
    on_api, off_api = Api(client, token_for(on)), Api(client, token_for(off))
    due, fresh, untouched = await new_order(on_api, "1"), None, await new_order(off_api, "1")
    clock.advance(hours=20)
    fresh = await new_order(on_api, "2")
    clock.advance(hours=5)

    jobs = Jobs(OrderService(db, clock), Inbox(db, clock), stores=db)
    assert await jobs.auto_progress() == 1
    assert_moved_by_the_rules(await progress(on_api, due))
    assert (await progress(on_api, fresh))["status"] == "pending"  # 5 h old: not due
    assert (await progress(off_api, untouched))["status"] == "pending"  # its shop has it off
    assert await jobs.auto_progress() == 0  # nothing moves twice


async def test_switching_it_on_moves_due_orders_at_once(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    order = await new_order(api, "1042")
    clock.advance(hours=25)
    assert (await progress(api, order))["status"] == "pending"
    response = await client.patch(
        "/api/v1/shop", json={"auto_progress": True},
        headers={"Authorization": f"Bearer {token_for(shop, role='admin')}"},
    )  # fmt: skip
    assert response.status == 200, await response.text()
    assert_moved_by_the_rules(await progress(api, order))


async def test_an_order_event_of_a_due_order_moves_it_when_it_arrives(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    shop = await shop_with(db, clock, auto=True)
    api = Api(client, token_for(shop))
    placed = (clock() - timedelta(hours=25)).isoformat()
    recent = (clock() - timedelta(hours=1)).isoformat()
    for number, created_at in (("7001", placed), ("7002", recent)):
        body = json.dumps({"event": "order.created", "order": {
            "id": f"ext-{number}", "number": number, "status": "pending", "created_at": created_at,
            "updated_at": created_at, "customer": {"phone": "415 555 0101"}, "channel": "sms"}}).encode()  # fmt: skip
        response = await client.post(
            f"/webhooks/orders/{shop.id}", data=body,
            headers={"Content-Type": "application/json", "X-Orderbot-Signature": sign(shop.webhook_secret, body),
                     "X-Orderbot-Event-Id": f"evt-{number}"},
        )  # fmt: skip
        assert response.status == 200, await response.text()
    orders = {o["number"]: o for o in (await api.get("/orders"))["orders"]}
    assert_moved_by_the_rules(await progress(api, orders["7001"]))
    assert orders["7002"]["status"] == "pending"


async def test_the_sweep_runs_at_start_then_every_configured_interval(db: Database, clock: Clock) -> None:
    scheduler = build_scheduler(
        OrderService(db, clock), Inbox(db, clock), Intervals(auto_progress_minutes=5), stores=db
    )
    job = scheduler.get_job("auto-progress")
    assert job.trigger.interval == timedelta(minutes=5)
    assert job.kwargs.get("next_run_time") is None and job.next_run_time is not None  # due at once
