"""The demo shop's past (``webhooks/cli/demo_history``): what ``serve --demo`` shows of every feature that
learns from history, seeded through the import, the shop's events and the chat on a clock moved back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from orders.store import Database
from tests.conftest import Api, Clock, token_for
from webhooks.bootstrap import build_service
from webhooks.cli.demo import ensure_demo_shop
from webhooks.cli.demo_history import seed_history


async def test_the_demo_has_a_past_on_every_analytics_chart_and_dates_in_the_chat(
    client: TestClient[Any, Any], db: Database, clock: Clock
) -> None:
    now = clock()
    shop = await ensure_demo_shop(build_service(db, clock), db.shops, db.orders, now)
    await seed_history(db, shop, now, lambda at: build_service(db, at, survey_hours=24))
    await db.counters.flush()  # the app reads through a client of its own, as another process would
    api = Api(client, token_for(shop))
    first = (now - timedelta(days=29)).date().isoformat()
    days = await api.get(f"/analytics?from={first}&to={now.date().isoformat()}")

    assert sum(1 for count in days["new_orders"] if count) >= 20  # orders on most days, not all today
    assert days["delivery_days"]["mean"] and days["handover_days"]["mean"] is not None
    kept, broken = sum(days["promises"]["kept"]), sum(days["promises"]["broken"])
    assert kept >= 2 and broken >= 1
    asked = days["satisfaction"]["console"]
    assert asked["asked"] >= 3 and asked["answered"] == asked["asked"]
    assert sum(1 for count in days["messages_by_hour"] if count) >= 4
    assert {"order_status", "delivery_time"} <= set(days["intents"])

    listed = await client.get("/api/v1/orders", params={"status": "shipped"}, headers=api.headers)
    shipped = (await listed.json())["orders"]
    dates = await api.get(f"/orders/{shipped[0]['order_id']}/eta")
    assert dates["arrives_by"] is not None, dates  # 30 deliveries and more: the chat can tell a date

    total = (await api.get("/orders/stats"))["total"]
    await seed_history(db, shop, now, lambda at: build_service(db, at, survey_hours=24))
    await db.counters.flush()  # the app reads through a client of its own, as another process would
    assert (await api.get("/orders/stats"))["total"] == total  # seeded once
