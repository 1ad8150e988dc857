"""REST API v1 through HTTP: the real app, the real database, a hand-moved clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jwt
from aiohttp.test_utils import TestClient

from orders.model import Shop
from tests.conftest import SECRET_KEY, Api, Clock, finish_background, token_for
from webhooks.access.auth import issue_token

# -- helpers ------------------------------------------------------------------------------------------


async def new_order(api: Api, **fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = await api.post("/orders", fields, status=201)
    return order


async def set_status(api: Api, order: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    moved: dict[str, Any] = await api.post(
        "/orders/update-status", {"order_id": order["order_id"], "status": status, **extra}
    )
    return moved


async def get_json(api: Api, path: str, expect: int = 200, **params: Any) -> Any:
    """GET with any query parameters (``Api.get`` reserves ``status`` for the expected HTTP status)."""
    response = await api.client.get(f"/api/v1{path}", headers=api.headers, params=params)
    assert response.status == expect, await response.text()
    return await response.json()


async def progress_of(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = await api.get(f"/orders/{order['order_id']}/progress")
    return view


async def all_orders(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every order the token can see, following the cursor."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        after: dict[str, Any] = {"cursor": cursor} if cursor else {}
        page = await get_json(api, "/orders", limit=200, **params, **after)
        seen.extend(page["orders"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def snapshot(api: Api) -> dict[str, tuple[int, str, int, int]]:
    """Each order's version, status, timeline length and notification count: what a write would change."""
    state = {}
    for order in await all_orders(api):
        view = await progress_of(api, order)
        state[order["order_id"]] = (
            order["version"],
            order["status"],
            len(view["timeline"]),
            len(view["notifications"]),
        )
    return state


def error_code(body: dict[str, Any]) -> str:
    """The error's code, after checking the body has the contract's shape."""
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    code: str = body["error"]["code"]
    return code


def fields_named(body: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in body["error"].get("details", [])}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def status_events(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [event for event in view["timeline"] if event["kind"] == "status"]


def kinds(view: dict[str, Any]) -> list[str]:
    return [entry["kind"] for entry in view["notifications"]]


ANA = {"name": "Ana Lima", "phone": "+14155550100", "email": "ana@example.com"}


# -- create and read ----------------------------------------------------------------------------------


async def test_create_order_answers_201_and_reads_back(api: Api, shop: Shop, clock: Clock) -> None:
    created = await new_order(
        api,
        external_id="ext-1042",
        number="1042",
        customer=ANA,
        items=[{"title": "Beans 1kg", "quantity": 2, "price": "9.95"}],
        total="19.90",
        currency="EUR",
        tracking={"carrier": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
        channel="whatsapp",
    )
    assert created["status"] == "pending"
    assert created["progress"] == 25
    assert created["next_status"] == "processing"
    assert created["version"] == 0
    assert at(created["created_at"]) == clock.now
    assert at(created["status_since"]) == clock.now

    got = await api.get(f"/orders/{created['order_id']}")
    assert got == created
    assert got["external_id"] == "ext-1042"
    assert got["number"] == "1042"
    assert got["customer"] == {**ANA, "instagram_id": None}
    assert got["items"] == [{"title": "Beans 1kg", "quantity": 2, "price": "9.95"}]
    assert got["total"] == "19.90"
    assert got["currency"] == "EUR"
    assert got["tracking"] == {
        "carrier": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001", "stage": None,
        "stage_at": None, "place": None, "estimated_delivery": None,
    }  # fmt: skip
    assert got["channel"] == "whatsapp"

    view = await progress_of(api, created)
    [event] = view["timeline"]
    assert event["status"] == "pending"
    assert event["source"] == "api"
    assert event["actor"] == f"staff@{shop.id}"
    assert kinds(view) == ["status_update"]
    assert [o["order_id"] for o in await all_orders(api)] == [created["order_id"]]


async def test_create_with_a_status_and_defaults(api: Api) -> None:
    shipped = await new_order(api, number="7", status="shipped")
    assert (shipped["status"], shipped["progress"], shipped["next_status"]) == ("shipped", 75, "fulfilled")
    bare = await new_order(api)
    assert bare["status"] == "pending"
    assert bare["number"] == bare["external_id"]
    assert bare["external_id"]


async def test_create_with_an_existing_external_id_answers_the_existing_order(api: Api) -> None:
    first = await new_order(api, external_id="dup-1", number="1")
    before = await snapshot(api)
    again = await api.post("/orders", {"external_id": "dup-1", "number": "2"}, status=201)
    assert again == first
    assert await snapshot(api) == before


# -- list, search, paging -------------------------------------------------------------------------------


async def test_list_filters_by_status(api: Api) -> None:
    pending = await new_order(api, number="1")
    processing = await new_order(api, number="2")
    await set_status(api, processing, "processing")
    cancelled = await new_order(api, number="3")
    await set_status(api, cancelled, "cancelled")

    def ids(page: dict[str, Any]) -> list[str]:
        return [o["order_id"] for o in page["orders"]]

    assert ids(await get_json(api, "/orders", status="pending")) == [pending["order_id"]]
    assert ids(await get_json(api, "/orders", status="processing")) == [processing["order_id"]]
    assert ids(await get_json(api, "/orders", status="cancelled")) == [cancelled["order_id"]]
    assert ids(await get_json(api, "/orders", status="shipped")) == []
    assert len(ids(await get_json(api, "/orders"))) == 3


async def test_search_by_number_name_prefix_phone_and_email(api: Api) -> None:
    ana = await new_order(api, number="1042", customer=ANA)
    dana = await new_order(api, number="2001", customer={"name": "Dana Smith", "phone": "+14155559876"})
    bob = await new_order(api, number="3003", customer={"name": "Bob Brown", "phone": "+351912345678"})

    async def found(term: str, **params: Any) -> set[str]:
        page = await get_json(api, "/orders", search=term, **params)
        return {o["order_id"] for o in page["orders"]}

    assert await found("1042") == {ana["order_id"]}
    assert await found("an") == {ana["order_id"]}  # a name prefix; "Dana" does not start with "an"
    assert await found("AN") == {ana["order_id"]}
    assert await found("lim") == {ana["order_id"]}
    assert await found("da") == {dana["order_id"]}
    assert await found("0100") == {ana["order_id"]}  # last four digits of the phone
    assert await found("9876") == {dana["order_id"]}
    assert await found("5678") == {bob["order_id"]}
    assert await found("+14155550100") == {ana["order_id"]}
    assert await found("ana@example.com") == {ana["order_id"]}
    assert await found(" 3003 ") == {bob["order_id"]}
    assert await found("nobody") == set()
    assert await found("Ana Lima") == {ana["order_id"]}  # every word must match
    assert await found("ana smith") == set()
    assert await found("1042", status="processing") == set()
    await set_status(api, ana, "processing")
    assert await found("1042", status="processing") == {ana["order_id"]}


async def test_cursor_paging_sees_every_order_once_newest_first(api: Api, clock: Clock) -> None:
    created = []
    for n in range(7):
        created.append((await new_order(api, number=f"N{n}"))["order_id"])
        clock.advance(minutes=1)

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await get_json(api, "/orders", **params)
        pages.append([o["order_id"] for o in page["orders"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "paging does not end"

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [order_id for page in pages for order_id in page] == list(reversed(created))


async def test_cursor_paging_with_equal_timestamps_and_a_status_filter(api: Api, clock: Clock) -> None:
    pending, processing = set(), set()
    for n in range(9):
        order = await new_order(api, number=f"S{n}")  # the clock stands still: equal created_at
        if n % 3 == 0:
            await set_status(api, order, "processing")
            processing.add(order["order_id"])
        else:
            pending.add(order["order_id"])

    for status, expected in (("pending", pending), (None, pending | processing)):
        seen: list[str] = []
        cursor: str | None = None
        for _ in range(20):
            params: dict[str, Any] = {"limit": 2}
            if status:
                params["status"] = status
            if cursor:
                params["cursor"] = cursor
            page = await get_json(api, "/orders", **params)
            assert len(page["orders"]) <= 2
            seen.extend(o["order_id"] for o in page["orders"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "an order was listed twice"
        assert set(seen) == expected


# -- update-status -------------------------------------------------------------------------------------


async def test_update_status_forward_records_event_and_notification(
    api: Api, shop: Shop, clock: Clock
) -> None:
    order = await new_order(api, number="1")
    clock.advance(hours=2)
    moved = await set_status(api, order, "processing", note="packed")
    assert (moved["status"], moved["progress"], moved["version"]) == ("processing", 50, 1)
    assert at(moved["status_since"]) == clock.now

    view = await progress_of(api, order)
    last = view["timeline"][-1]
    assert last["status"] == "processing"
    assert last["from_status"] == "pending"
    assert last["source"] == "api"
    assert last["actor"] == f"staff@{shop.id}"
    assert last["note"] == "packed"
    assert last["forced"] is False
    assert at(last["at"]) == clock.now
    assert [(n["kind"], n["status"]) for n in view["notifications"]] == [
        ("status_update", "pending"),
        ("status_update", "processing"),
    ]

    skipped = await set_status(api, order, "fulfilled")  # skipping steps forward is allowed
    assert skipped["status"] == "fulfilled"
    assert skipped["next_status"] is None


async def test_update_status_without_notify_queues_no_notification(api: Api) -> None:
    order = await new_order(api)
    await set_status(api, order, "processing", notify=False)
    view = await progress_of(api, order)
    assert view["status"] == "processing"
    assert kinds(view) == ["status_update"]  # only the one for the order's creation


async def test_setting_the_same_status_is_a_no_op(api: Api) -> None:
    order = await new_order(api)
    await set_status(api, order, "processing")
    before = await snapshot(api)
    again = await set_status(api, order, "processing")
    assert again["version"] == 1
    assert await snapshot(api) == before


async def test_backwards_needs_force_and_is_recorded_as_forced(api: Api) -> None:
    order = await new_order(api)
    await set_status(api, order, "shipped")
    before = await snapshot(api)

    body = await api.post(
        "/orders/update-status", {"order_id": order["order_id"], "status": "processing"}, status=409
    )
    assert error_code(body) == "invalid_transition"
    assert await snapshot(api) == before

    forced = await set_status(api, order, "processing", force=True)
    assert forced["status"] == "processing"
    assert forced["version"] == 2
    last = (await progress_of(api, order))["timeline"][-1]
    assert (last["from_status"], last["status"], last["forced"]) == ("shipped", "processing", True)

    forward = await set_status(api, order, "shipped", force=True)  # force on a forward move is no "forced"
    assert forward["status"] == "shipped"
    assert (await progress_of(api, order))["timeline"][-1]["forced"] is False


async def test_cancel_from_active_and_leaving_cancelled_needs_force(api: Api) -> None:
    for start in ("pending", "processing", "shipped"):
        order = await new_order(api, status=start)
        cancelled = await set_status(api, order, "cancelled")
        assert (cancelled["status"], cancelled["progress"], cancelled["next_status"]) == (
            "cancelled",
            0,
            None,
        )
        assert (await progress_of(api, order))["timeline"][-1]["forced"] is False

    order = await new_order(api)
    await set_status(api, order, "cancelled")
    before = await snapshot(api)
    for target in ("pending", "processing", "fulfilled"):
        body = await api.post(
            "/orders/update-status", {"order_id": order["order_id"], "status": target}, status=409
        )
        assert error_code(body) == "invalid_transition"
    assert await snapshot(api) == before

    reopened = await set_status(api, order, "pending", force=True)
    assert reopened["status"] == "pending"
    last = (await progress_of(api, order))["timeline"][-1]
    assert (last["from_status"], last["status"], last["forced"]) == ("cancelled", "pending", True)


async def test_fulfilled_is_closed_too(api: Api) -> None:
    order = await new_order(api, status="fulfilled")
    body = await api.post(
        "/orders/update-status", {"order_id": order["order_id"], "status": "cancelled"}, status=409
    )
    assert error_code(body) == "invalid_transition"
    assert (await set_status(api, order, "cancelled", force=True))["status"] == "cancelled"


async def test_version_mismatch_is_a_conflict(api: Api) -> None:
    order = await new_order(api)
    await set_status(api, order, "processing")  # now version 1
    before = await snapshot(api)
    body = await api.post(
        "/orders/update-status",
        {"order_id": order["order_id"], "status": "shipped", "version": 0},
        status=409,
    )
    assert error_code(body) == "conflict"
    assert await snapshot(api) == before
    moved = await set_status(api, order, "shipped", version=1)
    assert (moved["status"], moved["version"]) == ("shipped", 2)


async def test_concurrent_status_updates_never_both_win_silently(api: Api) -> None:
    """Two racing changes are serialized (both recorded, chained) or one is refused; none is lost."""
    outcomes: set[tuple[int, int]] = set()
    for _ in range(6):
        order = await new_order(api)
        await set_status(api, order, "processing")
        ship, cancel = await asyncio.gather(
            api.client.post(
                "/api/v1/orders/update-status",
                headers=api.headers,
                json={"order_id": order["order_id"], "status": "shipped"},
            ),
            api.client.post(
                "/api/v1/orders/update-status",
                headers=api.headers,
                json={"order_id": order["order_id"], "status": "cancelled"},
            ),
        )
        statuses = (ship.status, cancel.status)
        outcomes.add(statuses)
        for response in (ship, cancel):
            if response.status == 409:
                assert error_code(await response.json()) == "invalid_transition"
        assert cancel.status == 200, "cancelling an active order is always allowed"
        wins = sum(1 for s in statuses if s == 200)

        view = await progress_of(api, order)
        final = await api.get(f"/orders/{order['order_id']}")
        moves = status_events(view)[2:]  # after creation and the move to processing
        assert len(moves) == wins, view["timeline"]
        assert final["version"] == 1 + wins
        previous = "processing"
        for event in moves:
            assert event["from_status"] == previous, "an event was lost between two writes"
            previous = event["status"]
        assert final["status"] == previous == "cancelled"
        assert kinds(view).count("status_update") == 2 + wins
        if wins == 2:
            assert [e["status"] for e in moves] == ["shipped", "cancelled"]
    assert outcomes <= {(200, 200), (409, 200)}


async def test_concurrent_updates_with_the_same_version_let_exactly_one_win(api: Api) -> None:
    for _ in range(4):
        order = await new_order(api)
        responses = await asyncio.gather(
            *(
                api.client.post(
                    "/api/v1/orders/update-status",
                    headers=api.headers,
                    json={"order_id": order["order_id"], "status": target, "version": 0},
                )
                for target in ("processing", "cancelled")
            )
        )
        assert sorted(r.status for r in responses) == [200, 409]
        loser = next(r for r in responses if r.status == 409)
        assert error_code(await loser.json()) == "conflict"
        final = await api.get(f"/orders/{order['order_id']}")
        assert final["version"] == 1
        assert len(status_events(await progress_of(api, order))) == 2


# -- auto-progress ------------------------------------------------------------------------------------


async def test_auto_progress_moves_a_pending_order_after_24_hours(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    early = await api.post(f"/orders/{order['order_id']}/auto-progress")
    assert early["applied"] is False
    assert early["decision"]["should_progress"] is False
    assert early["order"]["status"] == "pending"

    clock.advance(hours=25)
    result = await api.post(f"/orders/{order['order_id']}/auto-progress")
    decision = result["decision"]
    assert decision["should_progress"] is True
    assert decision["next_status"] == "processing"
    assert decision["source"] == "rules"
    assert "pending" in decision["reason"]
    assert result["applied"] is True
    assert result["order"]["status"] == "processing"
    assert result["order"]["version"] == 1

    view = await progress_of(api, order)
    last = view["timeline"][-1]
    assert (last["from_status"], last["status"], last["source"]) == ("pending", "processing", "rules")
    assert last["reason"] == decision["reason"]
    assert last["confidence"] == decision["confidence"]
    assert at(last["at"]) == clock.now
    assert [(n["kind"], n["status"]) for n in view["notifications"]][-1] == ("status_update", "processing")


async def test_auto_progress_dry_run_decides_but_does_not_apply(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    clock.advance(hours=25)
    before = await snapshot(api)
    result = await api.post(f"/orders/{order['order_id']}/auto-progress", dry_run="true")
    assert result["decision"]["should_progress"] is True
    assert result["decision"]["next_status"] == "processing"
    assert result["applied"] is False
    assert result["order"]["status"] == "pending"
    assert await snapshot(api) == before
    assert (await api.post(f"/orders/{order['order_id']}/auto-progress", dry_run="false"))["applied"]


async def test_auto_progress_needs_tracking_to_ship_and_never_fulfils(api: Api, clock: Clock) -> None:
    order = await new_order(api, status="processing")
    clock.advance(days=30)
    before = await snapshot(api)
    result = await api.post(f"/orders/{order['order_id']}/auto-progress")
    assert result["applied"] is False
    assert result["decision"]["should_progress"] is False
    assert "tracking" in result["decision"]["reason"]
    assert result["order"]["status"] == "processing"
    assert await snapshot(api) == before

    tracked = await new_order(api, status="processing", tracking={"carrier": "UPS", "number": "1Z999"})
    shipped = await api.post(f"/orders/{tracked['order_id']}/auto-progress")
    assert shipped["applied"] is True
    assert shipped["order"]["status"] == "shipped"
    assert "1Z999" in shipped["decision"]["reason"]

    clock.advance(days=30)
    again = await api.post(f"/orders/{tracked['order_id']}/auto-progress")
    assert again["applied"] is False
    assert again["order"]["status"] == "shipped"


async def test_concurrent_auto_progress_moves_the_order_once(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    clock.advance(hours=25)
    results = await asyncio.gather(
        *(api.post(f"/orders/{order['order_id']}/auto-progress") for _ in range(3))
    )
    assert [r["applied"] for r in results].count(True) == 1
    assert {r["order"]["status"] for r in results} == {"processing"}
    view = await progress_of(api, order)
    assert [e["status"] for e in status_events(view)] == ["pending", "processing"]
    assert kinds(view) == ["status_update", "status_update"]
    assert (await api.get(f"/orders/{order['order_id']}"))["version"] == 1


async def test_auto_progress_rejects_a_bad_dry_run_flag(api: Api) -> None:
    order = await new_order(api)
    body = await api.post(f"/orders/{order['order_id']}/auto-progress", status=422, dry_run="perhaps")
    assert error_code(body) == "invalid_field"
    assert "dry_run" in fields_named(body)


# -- progress ------------------------------------------------------------------------------------------


async def test_progress_shows_timeline_and_every_notification(api: Api, shop: Shop, clock: Clock) -> None:
    app = api.client.app
    assert app is not None
    order = await new_order(api, number="55")
    await finish_background(app)  # each message due now is taken the moment it is queued
    clock.advance(hours=1)
    await set_status(api, order, "processing")
    await finish_background(app)
    clock.advance(hours=1)
    manual = await api.post(
        "/orders/notify", {"order_id": order["order_id"], "message": "Packed!"}, status=202
    )
    followup = await api.post(
        "/orders/schedule-followup",
        {"order_id": order["order_id"], "delay_hours": 48, "message": "Did it arrive?"},
        status=202,
    )
    await finish_background(app)

    view = await progress_of(api, order)
    assert view["order_id"] == order["order_id"]
    assert view["number"] == "55"
    assert (view["status"], view["progress"], view["next_status"]) == ("processing", 50, "shipped")
    assert [(e["kind"], e["status"], e["source"]) for e in view["timeline"]] == [
        ("status", "pending", "api"),
        ("status", "processing", "api"),
        ("manual", "processing", "staff"),
        ("follow_up", "processing", "staff"),
    ]
    assert all(e["actor"] == f"staff@{shop.id}" for e in view["timeline"])
    notes = view["notifications"]
    assert [(n["kind"], n["status"]) for n in notes] == [
        ("status_update", "pending"),
        ("status_update", "processing"),
        ("manual", "processing"),
        ("follow_up", "processing"),
    ]
    assert notes[2]["notification_id"] == manual["notification_id"]
    assert notes[2]["message"] == "Packed!"
    assert notes[3]["notification_id"] == followup["notification_id"]
    assert at(notes[3]["due_at"]) == clock.now + timedelta(hours=48)
    # the order names no customer to reach: what was due is skipped, saying why; the follow-up waits
    unreachable = ("skipped", "no channel reaches this customer")
    assert [(n["state"], n["error"]) for n in notes] == [unreachable] * 3 + [("queued", None)]


# -- requiring attention --------------------------------------------------------------------------------


async def attention(api: Api, **params: Any) -> dict[str, dict[str, Any]]:
    body = await api.get("/orders/requiring-attention", **params)
    assert body["count"] == len(body["orders"])
    return {item["order_id"]: item for item in body["orders"]}


async def test_stale_orders_need_attention_by_status(api: Api, clock: Clock) -> None:
    pending = await new_order(api, number="P", customer=ANA, total="10.00")
    processing = await new_order(api, number="R", status="processing")
    shipped = await new_order(api, number="S", status="shipped")

    clock.advance(hours=47)
    assert not any("pending_too_long" in i["reasons"] for i in (await attention(api)).values())

    clock.advance(hours=2)  # 49 h
    fresh = await new_order(api, number="F")
    items = await attention(api)
    assert fresh["order_id"] not in items
    assert items[pending["order_id"]]["reasons"] == ["pending_too_long", "no_customer_contact"]
    assert items[pending["order_id"]]["age_hours"] == 49.0
    assert items[pending["order_id"]]["number"] == "P"
    assert items[pending["order_id"]]["status"] == "pending"
    assert items[pending["order_id"]]["customer"]["name"] == "Ana Lima"
    assert items[pending["order_id"]]["total"] == "10.00"
    assert items[processing["order_id"]]["reasons"] == ["no_customer_contact"]

    clock.advance(hours=24)  # 73 h
    items = await attention(api)
    assert items[processing["order_id"]]["reasons"] == ["stuck_processing", "no_customer_contact"]
    assert items[processing["order_id"]]["age_hours"] == 73.0
    assert "stuck_shipped" not in items[shipped["order_id"]]["reasons"]

    clock.advance(hours=11 * 24 - 73)  # 11 days
    items = await attention(api)
    assert items[shipped["order_id"]]["reasons"] == ["stuck_shipped", "no_customer_contact"]
    assert items[shipped["order_id"]]["age_hours"] == 264.0

    assert set(await attention(api, reason="stuck_processing")) == {processing["order_id"]}
    # the order made fresh at 49 h has been pending for 215 h by now
    assert set(await attention(api, reason="pending_too_long")) == {pending["order_id"], fresh["order_id"]}
    assert set(await attention(api, reason="stuck_shipped")) == {shipped["order_id"]}
    assert set(await attention(api, reason="no_customer_contact")) == {
        pending["order_id"],
        processing["order_id"],
        shipped["order_id"],
        fresh["order_id"],
    }
    # the longest waiting first
    assert list(await attention(api, reason="no_customer_contact"))[-1] == fresh["order_id"]


async def test_no_customer_contact_after_24_hours_and_only_for_active_orders(api: Api, clock: Clock) -> None:
    pending = await new_order(api)
    done = await new_order(api, status="fulfilled")
    cancelled = await new_order(api)
    await set_status(api, cancelled, "cancelled")

    clock.advance(hours=23)
    assert await attention(api) == {}
    clock.advance(hours=1)
    items = await attention(api)
    assert set(items) == {pending["order_id"]}
    assert items[pending["order_id"]]["reasons"] == ["no_customer_contact"]
    assert done["order_id"] not in items


async def test_attention_ages_use_the_orders_own_timestamps(api: Api, clock: Clock) -> None:
    old = await new_order(api, created_at=(clock.now - timedelta(hours=50)).isoformat())
    await new_order(api, created_at=(clock.now - timedelta(hours=2)).isoformat())
    items = await attention(api)
    assert set(items) == {old["order_id"]}
    assert items[old["order_id"]]["reasons"] == ["pending_too_long", "no_customer_contact"]
    assert items[old["order_id"]]["age_hours"] == 50.0


async def test_attention_age_is_measured_from_the_current_status(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    clock.advance(hours=47)
    await set_status(api, order, "processing")
    clock.advance(hours=2)
    items = await attention(api, reason="pending_too_long")
    assert items == {}
    assert (await attention(api))[order["order_id"]]["age_hours"] == 2.0


async def test_max_age_hours_overrides_the_thresholds(api: Api, clock: Clock) -> None:
    pending = await new_order(api)
    processing = await new_order(api, status="processing")
    clock.advance(hours=5)
    assert await attention(api) == {}
    items = await attention(api, max_age_hours="4")
    assert items[pending["order_id"]]["reasons"] == ["pending_too_long"]
    assert items[processing["order_id"]]["reasons"] == ["stuck_processing"]
    assert items[pending["order_id"]]["age_hours"] == 5.0
    assert await attention(api, max_age_hours="6") == {}
    assert set(await attention(api, max_age_hours="4.5", reason="stuck_processing")) == {
        processing["order_id"]
    }


async def test_attention_rejects_bad_parameters(api: Api) -> None:
    for params in ({"reason": "bored"}, {"max_age_hours": "-1"}, {"max_age_hours": "soon"}):
        body = await api.get("/orders/requiring-attention", status=422, **params)
        assert error_code(body) == "invalid_field"
        assert fields_named(body) == set(params)


# -- bulk ----------------------------------------------------------------------------------------------


async def bulk(api: Api, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    result: dict[str, Any] = await api.post("/orders/bulk-action", body, status=status)
    return result


async def test_bulk_notify_reports_each_order(api: Api) -> None:
    orders = [await new_order(api, number=str(n)) for n in range(3)]
    ids = [o["order_id"] for o in orders]
    result = await bulk(api, {"order_ids": [*ids, "ord_unknown"], "action": "notify", "message": "Hi"})
    assert (result["succeeded"], result["failed"]) == (3, 1)
    by_id = {r["order_id"]: r for r in result["results"]}
    assert set(by_id) == {*ids, "ord_unknown"}
    assert all(by_id[i]["ok"] and by_id[i].get("error") is None for i in ids)
    assert by_id["ord_unknown"]["ok"] is False
    assert by_id["ord_unknown"]["error"].startswith("not_found")
    for order in orders:
        manual = [n for n in (await progress_of(api, order))["notifications"] if n["kind"] == "manual"]
        assert [n["message"] for n in manual] == ["Hi"]


async def test_bulk_acts_once_per_repeated_id(api: Api) -> None:
    order = await new_order(api)
    result = await bulk(api, {"order_ids": [order["order_id"]] * 3, "action": "notify"})
    assert (result["succeeded"], result["failed"]) == (1, 0)
    assert [r["order_id"] for r in result["results"]] == [order["order_id"]]
    assert kinds(await progress_of(api, order)).count("manual") == 1


async def test_bulk_update_status_and_auto_progress(api: Api, clock: Clock) -> None:
    orders = [await new_order(api, number=str(n)) for n in range(3)]
    closed = await new_order(api, number="closed", status="fulfilled")
    ids = [o["order_id"] for o in orders]
    result = await bulk(
        api,
        {
            "order_ids": [*ids, closed["order_id"], "ord_unknown"],
            "action": "update_status",
            "status": "processing",
        },
    )
    assert (result["succeeded"], result["failed"]) == (3, 2)
    by_id = {r["order_id"]: r for r in result["results"]}
    assert by_id[closed["order_id"]]["error"].startswith("invalid_transition")
    assert by_id["ord_unknown"]["error"].startswith("not_found")
    for order_id in ids:
        assert (await api.get(f"/orders/{order_id}"))["status"] == "processing"
    assert (await api.get(f"/orders/{closed['order_id']}"))["status"] == "fulfilled"

    later = await new_order(api, number="later")
    clock.advance(hours=25)
    fresh = await new_order(api, number="fresh")
    result = await bulk(api, {"order_ids": [later["order_id"], fresh["order_id"]], "action": "auto_progress"})
    by_id = {r["order_id"]: r for r in result["results"]}
    assert by_id[later["order_id"]]["ok"] is True
    assert by_id[fresh["order_id"]]["ok"] is False
    assert by_id[fresh["order_id"]]["error"].startswith("not_applied")
    assert (await api.get(f"/orders/{later['order_id']}"))["status"] == "processing"
    assert (await api.get(f"/orders/{fresh['order_id']}"))["status"] == "pending"


async def test_bulk_rejects_bad_requests_without_writing(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    for body in (
        {"order_ids": [order["order_id"]], "action": "update_status"},
        {"order_ids": [order["order_id"]] * 101, "action": "notify"},
        {"order_ids": [], "action": "notify"},
        {"order_ids": [order["order_id"]], "action": "explode"},
        {"order_ids": order["order_id"], "action": "notify"},
    ):
        assert error_code(await bulk(api, body, status=422)) == "invalid_field"
    assert await snapshot(api) == before


# -- notify and follow-ups ------------------------------------------------------------------------------


async def test_notify_queues_a_manual_notification(api: Api, shop: Shop, clock: Clock) -> None:
    order = await new_order(api, channel="whatsapp")
    accepted = await api.post(
        "/orders/notify",
        {"order_id": order["order_id"], "message": "Your beans are roasting", "channel": "sms"},
        status=202,
    )
    assert set(accepted) == {"notification_id"}
    manual = [n for n in (await progress_of(api, order))["notifications"] if n["kind"] == "manual"]
    assert len(manual) == 1
    entry = manual[0]
    assert entry["notification_id"] == accepted["notification_id"]
    assert entry["message"] == "Your beans are roasting"
    assert entry["channel"] == "sms"
    assert entry["actor"] == f"staff@{shop.id}"
    assert at(entry["due_at"]) == clock.now

    plain = await api.post("/orders/notify", {"order_id": order["order_id"]}, status=202)
    entry = next(
        n
        for n in (await progress_of(api, order))["notifications"]
        if n["notification_id"] == plain["notification_id"]
    )
    assert (entry["kind"], entry["channel"]) == ("manual", "whatsapp")


async def test_notify_with_the_same_idempotency_key_queues_once(api: Api) -> None:
    order = await new_order(api)
    headers = {**api.headers, "Idempotency-Key": "k-1"}
    ids = set()
    for _ in range(3):
        response = await api.client.post(
            "/api/v1/orders/notify", headers=headers, json={"order_id": order["order_id"]}
        )
        assert response.status == 202
        ids.add((await response.json())["notification_id"])
    assert len(ids) == 1
    view = await progress_of(api, order)
    assert kinds(view).count("manual") == 1
    # retries change nothing else either: one timeline entry, one version step
    assert [event["kind"] for event in view["timeline"]].count("manual") == 1
    assert (await api.get(f"/orders/{order['order_id']}"))["version"] == order["version"] + 1


async def test_notify_rejects_bad_input_without_writing(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    for body, field in (
        ({"order_id": order["order_id"], "channel": "fax"}, "channel"),
        ({"order_id": order["order_id"], "message": "x" * 2001}, "message"),
        ({"order_id": order["order_id"], "message": "   "}, "message"),
        ({"message": "hi"}, "order_id"),
    ):
        answer = await api.post("/orders/notify", body, status=422)
        assert error_code(answer) == "invalid_field"
        assert field in fields_named(answer)
    body = await api.post("/orders/notify", {"order_id": "ord_missing"}, status=404)
    assert error_code(body) == "not_found"
    assert await snapshot(api) == before


async def test_schedule_followup_by_delay_or_time(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    by_delay = await api.post(
        "/orders/schedule-followup", {"order_id": order["order_id"], "delay_hours": 2.5}, status=202
    )
    assert set(by_delay) == {"notification_id", "due_at"}
    assert at(by_delay["due_at"]) == clock.now + timedelta(hours=2.5)

    when = clock.now + timedelta(days=3)
    by_time = await api.post(
        "/orders/schedule-followup",
        {
            "order_id": order["order_id"],
            "at": when.astimezone(timezone(timedelta(hours=2))).isoformat(),
            "message": "Hi",
        },
        status=202,
    )
    assert at(by_time["due_at"]) == when

    followups = {
        n["notification_id"]: n
        for n in (await progress_of(api, order))["notifications"]
        if n["kind"] == "follow_up"
    }
    assert set(followups) == {by_delay["notification_id"], by_time["notification_id"]}
    assert at(followups[by_delay["notification_id"]]["due_at"]) == clock.now + timedelta(hours=2.5)
    assert at(followups[by_time["notification_id"]]["due_at"]) == when
    assert followups[by_time["notification_id"]]["message"] == "Hi"


async def test_schedule_followup_rejects_bad_times_without_writing(api: Api, clock: Clock) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    future = (clock.now + timedelta(hours=1)).isoformat()
    for extra in (
        {"delay_hours": 1, "at": future},
        {},
        {"at": (clock.now - timedelta(minutes=1)).isoformat()},
        {"at": clock.now.isoformat()},
        {"at": "2026-11-03T09:00:00"},  # no offset: ambiguous
        {"delay_hours": 0},
        {"delay_hours": -3},
        {"delay_hours": "soon"},
    ):
        body = await api.post(
            "/orders/schedule-followup", {"order_id": order["order_id"], **extra}, status=422
        )
        assert error_code(body) == "invalid_field", extra
    body = await api.post(
        "/orders/schedule-followup", {"order_id": "ord_missing", "delay_hours": 1}, status=404
    )
    assert error_code(body) == "not_found"
    assert await snapshot(api) == before


# -- stats ---------------------------------------------------------------------------------------------


async def test_stats_count_orders_moves_and_shipping_time(api: Api, clock: Clock) -> None:
    empty = await api.get("/orders/stats")
    assert empty["total"] == 0
    assert set(empty["by_status"].values()) == {0}
    assert empty["auto_progression_rate"] is None
    assert empty["avg_hours_to_ship"] is None
    assert empty["notifications"] == {"sent": 0, "delivered": 0, "failed": 0, "delivery_rate": None}

    a, b, c = [await new_order(api, number=n) for n in "ABC"]
    stats = await api.get("/orders/stats")
    assert stats["total"] == 3
    assert stats["by_status"] == {"pending": 3, "processing": 0, "shipped": 0, "fulfilled": 0, "cancelled": 0}

    clock.advance(hours=25)
    assert (await api.post(f"/orders/{a['order_id']}/auto-progress"))["applied"] is True
    await set_status(api, b, "processing")
    await set_status(api, b, "processing")  # a no-op counts nothing
    stats = await api.get("/orders/stats")
    assert stats["auto_progression_rate"] == 0.5
    assert stats["avg_hours_to_ship"] is None
    assert stats["by_status"]["processing"] == 2

    clock.advance(hours=5)
    await set_status(api, a, "shipped")  # 30 h after creation
    assert (await api.get("/orders/stats"))["avg_hours_to_ship"] == 30.0
    clock.advance(hours=10)
    await set_status(api, b, "shipped")  # 40 h after creation
    await set_status(api, c, "cancelled")
    await set_status(api, b, "processing", force=True)
    await set_status(api, b, "shipped")  # shipped again: not a second shipment

    stats = await api.get("/orders/stats")
    assert stats["total"] == 3
    assert stats["by_status"] == {"pending": 0, "processing": 0, "shipped": 2, "fulfilled": 0, "cancelled": 1}
    assert stats["avg_hours_to_ship"] == 35.0
    assert stats["auto_progression_rate"] == round(1 / 7, 4)


# -- tenant isolation ------------------------------------------------------------------------------------


async def test_another_shop_sees_and_changes_nothing(
    client: TestClient[Any, Any], api: Api, other_shop: Shop, clock: Clock
) -> None:
    order = await new_order(api, number="1042", external_id="shared-ext", customer=ANA)
    clock.advance(hours=49)
    assert order["order_id"] in await attention(api)
    before = await snapshot(api)
    stats_before = await api.get("/orders/stats")
    other = Api(client, token_for(other_shop))
    oid = order["order_id"]

    for path in (f"/orders/{oid}", f"/orders/{oid}/progress"):
        assert error_code(await other.get(path, status=404)) == "not_found"
    for path, body, params in (
        ("/orders/update-status", {"order_id": oid, "status": "processing"}, {}),
        ("/orders/update-status", {"order_id": oid, "status": "cancelled", "force": True}, {}),
        (f"/orders/{oid}/auto-progress", None, {}),
        (f"/orders/{oid}/auto-progress", None, {"dry_run": "true"}),
        ("/orders/notify", {"order_id": oid, "message": "hello"}, {}),
        ("/orders/schedule-followup", {"order_id": oid, "delay_hours": 1}, {}),
    ):
        assert error_code(await other.post(path, body, status=404, **params)) == "not_found", path
    for action in (
        {"action": "notify"},
        {"action": "auto_progress"},
        {"action": "update_status", "status": "cancelled"},
    ):
        result = await other.post("/orders/bulk-action", {"order_ids": [oid], **action})
        assert (result["succeeded"], result["failed"]) == (0, 1)
        assert result["results"][0]["error"].startswith("not_found")

    assert (await other.get("/orders"))["orders"] == []
    assert (await other.get("/orders", search="1042"))["orders"] == []
    assert (await other.get("/orders", search="an"))["orders"] == []
    assert (await other.get("/orders/requiring-attention"))["count"] == 0
    other_stats = await other.get("/orders/stats")
    assert other_stats["total"] == 0
    assert set(other_stats["by_status"].values()) == {0}

    assert await snapshot(api) == before
    assert await api.get("/orders/stats") == stats_before

    # the other shop's own order with the same external id is its own
    mine = await new_order(other, external_id="shared-ext", number="1042")
    assert mine["order_id"] != oid
    assert [o["order_id"] for o in await all_orders(api)] == [oid]
    assert error_code(await api.get(f"/orders/{mine['order_id']}", status=404)) == "not_found"


# -- authentication --------------------------------------------------------------------------------------


def bad_authorizations(shop: Shop) -> dict[str, dict[str, str]]:
    now = datetime.now(UTC)
    base = {"sub": "x", "shop_id": shop.id, "role": "staff", "exp": now + timedelta(hours=1), "jti": "j1"}
    return {
        "no header": {},
        "empty header": {"Authorization": ""},
        "wrong scheme": {"Authorization": f"Basic {token_for(shop)}"},
        "bearer without token": {"Authorization": "Bearer "},
        "garbage token": {"Authorization": "Bearer not.a.jwt"},
        "another key": {
            "Authorization": f"Bearer {issue_token('another-key-' + 'y' * 40, shop.id, now=now)}"
        },
        "expired": {
            "Authorization": f"Bearer {issue_token(SECRET_KEY, shop.id, now=now - timedelta(days=2), days=1)}"
        },
        "role root": {"Authorization": f"Bearer {issue_token(SECRET_KEY, shop.id, now=now, role='root')}"},  # type: ignore[arg-type]
        "no jti": {
            "Authorization": "Bearer "
            + jwt.encode({k: v for k, v in base.items() if k != "jti"}, SECRET_KEY, algorithm="HS256")
        },
        "alg none": {"Authorization": "Bearer " + jwt.encode(base, "", algorithm="none")},
        "shop that does not exist": {
            "Authorization": f"Bearer {issue_token(SECRET_KEY, 'shop_deleted', now=now)}"
        },
        "shop id not a string": {
            "Authorization": "Bearer " + jwt.encode({**base, "shop_id": 7}, SECRET_KEY, algorithm="HS256")
        },
    }


async def test_bad_or_missing_tokens_get_401(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    order = await new_order(api)
    for name, headers in bad_authorizations(shop).items():
        for method, path, body in (
            ("GET", "/api/v1/orders", None),
            ("GET", f"/api/v1/orders/{order['order_id']}", None),
            ("POST", "/api/v1/orders", {"number": "sneaky"}),
            ("POST", "/api/v1/orders/update-status", {"order_id": order["order_id"], "status": "cancelled"}),
        ):
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status == 401, (name, path, await response.text())
            assert error_code(await response.json()) == "unauthorized", name
    assert [o["order_id"] for o in await all_orders(api)] == [order["order_id"]]
    assert (await api.get(f"/orders/{order['order_id']}"))["version"] == 0


async def test_admin_tokens_and_lowercase_scheme_are_accepted(
    client: TestClient[Any, Any], shop: Shop
) -> None:
    response = await client.get(
        "/api/v1/orders", headers={"Authorization": f"bearer {token_for(shop, role='admin')}"}
    )
    assert response.status == 200


# -- bad input ---------------------------------------------------------------------------------------


async def raw_post(api: Api, path: str, data: bytes | str, content_type: str = "application/json") -> Any:
    response = await api.client.post(
        f"/api/v1{path}", headers={**api.headers, "Content-Type": content_type}, data=data
    )
    return response.status, await response.json()


async def test_malformed_bodies_get_400_and_write_nothing(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    for path in ("/orders", "/orders/update-status", "/orders/notify", "/orders/bulk-action"):
        for data in (
            b'{"number": ',
            b"",
            b"not json",
            b"[]",
            b'[{"number": "1"}]',
            b'"text"',
            b"null",
            b"\xff\xfe",
        ):
            status, body = await raw_post(api, path, data)
            assert status == 400, (path, data, body)
            assert error_code(body) == "malformed"
    assert await snapshot(api) == before
    assert (await api.get(f"/orders/{order['order_id']}"))["version"] == 0


async def test_invalid_fields_get_422_naming_the_field(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    oid = order["order_id"]
    for path, body, field in (
        ("/orders", {"number": 1042}, "number"),
        ("/orders", {"total": "lots"}, "total"),
        ("/orders", {"total": "-1"}, "total"),
        ("/orders", {"currency": "euro"}, "currency"),
        ("/orders", {"status": "bogus"}, "status"),
        ("/orders", {"customer": {"phone": "12345"}}, "customer.phone"),
        ("/orders", {"customer": {"phone": "+1\uff14"}}, "customer.phone"),  # fullwidth, and no number
        (
            "/orders",
            {"customer": {"phone": "+44 20 7946 0000"}},
            "customer.phone",
        ),  # a landline takes no texts
        ("/orders", {"items": [{"title": "x", "quantity": 0}]}, "items.0.quantity"),
        ("/orders", {"created_at": "2026-11-01T10:00:00"}, "created_at"),
        ("/orders", {"colour": "red"}, "colour"),
        ("/orders", {"customer": {"name": "Ana", "age": 30}}, "customer.age"),
        ("/orders/update-status", {"order_id": oid, "status": "bogus"}, "status"),
        ("/orders/update-status", {"order_id": oid, "status": "shipped", "force": "maybe"}, "force"),
        ("/orders/update-status", {"order_id": oid, "status": "shipped", "version": "one"}, "version"),
        ("/orders/update-status", {"order_id": oid, "status": "shipped", "version": -1}, "version"),
        ("/orders/update-status", {"order_id": oid}, "status"),
        ("/orders/update-status", {"order_id": oid, "status": "shipped", "forced": True}, "forced"),
        ("/orders/update-status", {"order_id": 5, "status": "shipped"}, "order_id"),
    ):
        answer = await api.post(path, body, status=422)
        assert error_code(answer) == "invalid_field", body
        assert field in fields_named(answer), (body, answer)
    assert await snapshot(api) == before


async def test_wrong_content_type_gets_415(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    payload = json.dumps({"order_id": order["order_id"], "status": "processing"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        status, body = await raw_post(api, "/orders/update-status", payload, content_type)
        assert status == 415
        assert error_code(body) == "unsupported_media_type"
    status, body = await raw_post(api, "/orders", json.dumps({"number": "x"}), "text/plain")
    assert status == 415
    assert await snapshot(api) == before


async def test_bodies_over_one_mebibyte_get_413(api: Api) -> None:
    order = await new_order(api)
    before = await snapshot(api)
    big = json.dumps({"number": "big", "items": [{"title": "x" * 150}] * 8000}).encode()
    assert len(big) > 1024 * 1024
    for path in ("/orders", "/orders/notify"):
        status, body = await raw_post(api, path, big)
        assert status == 413
        assert error_code(body) == "too_large"
    assert await snapshot(api) == before
    assert (await api.get(f"/orders/{order['order_id']}"))["version"] == 0


async def test_unknown_orders_get_404(api: Api) -> None:
    await new_order(api)
    before = await snapshot(api)
    for path in ("/orders/ord_nope", "/orders/ord_nope/progress"):
        assert error_code(await api.get(path, status=404)) == "not_found"
    for path, body in (
        ("/orders/ord_nope/auto-progress", None),
        ("/orders/update-status", {"order_id": "ord_nope", "status": "shipped"}),
        ("/orders/notify", {"order_id": "ord_nope"}),
    ):
        assert error_code(await api.post(path, body, status=404)) == "not_found"
    assert await snapshot(api) == before


async def test_bad_cursors_get_400(api: Api) -> None:
    await new_order(api)
    for cursor in ("garbage!", "Zm9v", "W10", "WzEsMl0", "eyJhIjoxfQ", "W1sxXSxbMl1d", "é"):
        body = await get_json(api, "/orders", 400, cursor=cursor)
        assert error_code(body) == "malformed", cursor


async def test_bad_query_parameters_get_422(api: Api) -> None:
    await new_order(api)
    for params, field in (
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"status": "bogus"}, "status"),
        ({"colour": "red"}, "colour"),
    ):
        body = await get_json(api, "/orders", 422, **params)
        assert error_code(body) == "invalid_field"
        assert field in fields_named(body)


# -- health and metrics --------------------------------------------------------------------------------


async def test_health_readiness_and_metrics(client: TestClient[Any, Any], api: Api) -> None:
    healthz = await client.get("/healthz")
    assert healthz.status == 200
    assert (await healthz.json())["status"] == "ok"
    readyz = await client.get("/readyz")
    assert readyz.status == 200
    assert (await readyz.json())["database"] == "ok"

    order = await new_order(api)
    await api.get(f"/orders/{order['order_id']}")
    await api.get(f"/orders/{order['order_id']}")
    await api.get("/orders/ord_nope", status=404)
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    lines = [line for line in text.splitlines() if line.startswith("orderbot_http_requests_total{")]
    assert any(
        'route="/api/v1/orders"' in line and 'method="POST"' in line and 'status="201"' in line
        for line in lines
    ), lines
    assert any('route="/api/v1/orders/{order_id}"' in line and 'status="200"' in line for line in lines), (
        lines
    )
    assert any('route="/api/v1/orders/{order_id}"' in line and 'status="404"' in line for line in lines), (
        lines
    )
    assert "orderbot_http_request_seconds" in text
    get_order = 'method="GET",route="/api/v1/orders/{order_id}"'
    assert f'orderbot_http_requests_total{{{get_order},status="200"}} 2.0' in text  # each request counted
    assert f"orderbot_http_request_seconds_count{{{get_order}}} 3.0" in text  # and timed, the 404 too
