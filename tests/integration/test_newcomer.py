"""Small things a newcomer tripped on: bulk results by number with "not applied" as its own outcome, the
site's root leading to the desk, a follow-up's time on the timeline in words, replies counted in stats."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import Api, Clock
from tests.integration.test_api import new_order


async def test_bulk_names_orders_by_number_and_not_applied_is_no_failure(api: Api, clock: Clock) -> None:
    due = await new_order(api, number="1041")
    clock.advance(hours=25)
    fresh = await new_order(api, number="1042")
    closed = await new_order(api, number="1043", status="fulfilled")
    ids = [due["order_id"], fresh["order_id"], closed["order_id"], "ord_unknown"]

    result = await api.post("/orders/bulk-action", {"order_ids": ids, "action": "auto_progress"})
    assert (result["succeeded"], result["not_applied"], result["failed"]) == (1, 2, 1)
    by_id = {r["order_id"]: r for r in result["results"]}
    assert [(by_id[i]["number"], by_id[i]["outcome"], by_id[i]["ok"]) for i in ids] == [
        ("1041", "applied", True),
        ("1042", "not_applied", False),
        ("1043", "not_applied", False),
        (None, "failed", False),
    ]
    assert by_id[fresh["order_id"]]["error"].startswith("not_applied")

    moved = await api.post(
        "/orders/bulk-action",
        {
            "order_ids": [fresh["order_id"], closed["order_id"]],
            "action": "update_status",
            "status": "shipped",
        },
    )
    assert (moved["succeeded"], moved["not_applied"], moved["failed"]) == (1, 0, 1)
    assert [(r["number"], r["outcome"]) for r in moved["results"]] == [
        ("1042", "applied"),
        ("1043", "failed"),
    ]
    assert moved["results"][1]["error"].startswith("invalid_transition")


async def test_the_root_leads_to_the_order_desk(client: TestClient[Any, Any]) -> None:
    response = await client.get("/", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/dashboard"
    assert response.headers["X-Frame-Options"] == "DENY"
    followed = await client.get("/")
    assert followed.status == 200
    assert "<html" in (await followed.text()).lower()


async def test_a_follow_up_on_the_timeline_says_when_in_the_shops_time_in_words(api: Api) -> None:
    order = await new_order(api, number="1050")
    # the shop is in Berlin; the fixed clock is 2 Nov 2026 09:00 UTC, so 26 h later is 3 Nov 11:00 UTC, 12:00 CET
    await api.post(
        "/orders/schedule-followup", {"order_id": order["order_id"], "delay_hours": 26}, status=202
    )
    timeline = (await api.get(f"/orders/{order['order_id']}/progress"))["timeline"]
    assert timeline[-1]["note"] == "follow-up queued for Tue 3 Nov 2026, 12:00 CET"
