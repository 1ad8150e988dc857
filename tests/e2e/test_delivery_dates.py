"""Delivery dates end to end: a history imported through the API, then the dates on ``/eta`` and in the chat.

Signed WhatsApp questions go through the real webhook, the inbox, the conversation, the outbox and the
Twilio SDK to its stand-in (the journey's world, ``test_customer_journey``); the history comes in through
``POST /api/v1/orders/import`` as a shop owner's would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orders.model import OutboxEntry, OutboxKind, PromiseOutcome
from orders.shops import new_shop
from tests.conftest import token_for
from tests.e2e.test_customer_journey import ANA, World, world  # noqa: F401  (a fixture, used below)

LANE = {"ship_from": {"country": "BR", "region": "SP"}, "ship_to": {"country": "BR", "region": "RJ"}}


@pytest.fixture
def journey(world: World) -> World:  # noqa: F811
    """The journey's world: a shop on WhatsApp with Ana's order 1042 (processing) and Ben's 2001."""
    return world


def history(now: datetime, count: int = 40, days: int = 4, **lane: Any) -> list[dict[str, Any]]:
    """``count`` delivered orders of the last weeks, each delivered ``days`` after it was made."""
    rows = []
    for index in range(count):
        created = now - timedelta(days=days + 1, hours=6 * index)
        rows.append({
            "external_id": f"H-{days}-{index}", "created_at": created.isoformat(),
            "shipped_at": (created + timedelta(days=1)).isoformat(),
            "delivered_at": (created + timedelta(days=days)).isoformat(), **(lane or LANE),
        })  # fmt: skip
    return rows


async def import_rows(journey: World, rows: list[dict[str, Any]]) -> None:
    response = await journey.client.post(
        "/api/v1/orders/import",
        json={"orders": rows},
        headers={"Authorization": f"Bearer {token_for(journey.shop, role='admin')}"},
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["created"] == len(rows)


async def eta(journey: World, order_id: str, status: int = 200, **params: str) -> Any:
    response = await journey.client.get(
        f"/api/v1/orders/{order_id}/eta", params=params,
        headers={"Authorization": f"Bearer {token_for(journey.shop)}"},
    )  # fmt: skip
    assert response.status == status, await response.text()
    return await response.json()


async def order_id(journey: World, number: str) -> str:
    found = await journey.db.orders.find_number(journey.shop.id, number)
    assert found is not None
    return found.id


async def replies(journey: World, number: str) -> list[OutboxEntry]:
    entries = await journey.db.outbox.for_order(journey.shop.id, await order_id(journey, number))  # type: ignore[arg-type]
    return [entry for entry in entries if entry.kind == OutboxKind.REPLY]


async def test_an_imported_history_dates_an_order_on_its_lane(journey: World) -> None:
    now = journey.clock()
    await import_rows(
        journey, [*history(now), *history(now, days=9, ship_to={"country": "BR", "region": "AM"})]
    )
    await import_rows(
        journey, [{"external_id": "N-1", "number": "5001", "created_at": now.isoformat(), **LANE}]
    )
    body = await eta(journey, await order_id(journey, "5001"))
    assert body["level"] == 0.9
    assert body["basis"] == {"lane": "BR-SP → BR-RJ", "samples": 40, "needed": None}
    arrives_by, likely = datetime.fromisoformat(body["arrives_by"]), datetime.fromisoformat(body["likely"])
    assert (arrives_by.date() - now.date()).days == 4 and likely == arrives_by
    # the order 1042 has no lane: the whole shop's 80 deliveries answer
    anywhere = await eta(journey, await order_id(journey, "1042"))
    assert anywhere["basis"]["lane"] == "shop" and anywhere["basis"]["samples"] == 80


async def test_an_order_is_dated_by_how_quickly_its_senders_area_hands_over(journey: World) -> None:
    """Two senders in São Paulo, one handing over in a day, one in six, the transit two days from both:
    a new order from each is dated by its own sender's handovers (its ``ship_from.postal_code``): 150 each,
    five times what the region's mix of both weighs beside them."""
    now = journey.clock()
    rows = []
    for postal_code, handover in (("01310-100", 1), ("13010-000", 6)):
        sender = {"country": "BR", "region": "SP", "postal_code": postal_code}
        for index in range(150):
            created = now - timedelta(days=handover + 3, hours=6 * index)
            rows.append({
                "external_id": f"A-{postal_code}-{index}", "created_at": created.isoformat(),
                "shipped_at": (created + timedelta(days=handover)).isoformat(),
                "delivered_at": (created + timedelta(days=handover + 2)).isoformat(),
                "ship_from": sender, "ship_to": LANE["ship_to"],
            })  # fmt: skip
    await import_rows(journey, rows)
    for number, postal_code, days in (("5101", "01311-000", 3), ("5102", "13015-000", 8)):
        sender = {"country": "BR", "region": "SP", "postal_code": postal_code}
        made = {"external_id": f"N-{number}", "number": number, "created_at": now.isoformat()}
        await import_rows(journey, [{**made, "ship_from": sender, "ship_to": LANE["ship_to"]}])
        body = await eta(journey, await order_id(journey, number))
        assert (datetime.fromisoformat(body["arrives_by"]).date() - now.date()).days == days, number
        assert body["basis"]["lane"] == "BR-SP → BR-RJ"


async def test_as_of_sees_only_what_was_delivered_before_it(journey: World) -> None:
    now = journey.clock()
    await import_rows(journey, history(now))
    target = await order_id(journey, "1042")
    first_delivery = now - timedelta(days=5, hours=6 * 39) + timedelta(days=4)  # of ``history``'s orders
    before = await eta(journey, target, as_of=first_delivery.isoformat())
    assert before["likely"] is None and before["arrives_by"] is None
    assert before["basis"] == {"lane": None, "samples": 0, "needed": 30}
    assert (await eta(journey, target, as_of=now.isoformat()))["arrives_by"] is not None


async def test_a_bad_as_of_is_a_400_and_another_shops_order_a_404(journey: World) -> None:
    target = await order_id(journey, "1042")
    for bad in ("yesterday", "2026-11-01T10:00:00", "2026-13-01T00:00:00Z"):
        body = await eta(journey, target, 400, as_of=bad)
        assert body["error"]["code"] == "malformed" and "as_of" in body["error"]["message"]
    other = new_shop("Other", journey.clock())
    await journey.db.shops.add(other)
    response = await journey.client.get(
        f"/api/v1/orders/{target}/eta", headers={"Authorization": f"Bearer {token_for(other)}"}
    )
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    unsigned = await journey.client.get(f"/api/v1/orders/{target}/eta")
    assert unsigned.status == 401


async def test_the_route_is_in_the_openapi_document(journey: World) -> None:
    document = await (await journey.client.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/orders/{order_id}/eta"]["get"]
    assert [parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "query"] == [
        "as_of"
    ]
    assert {"200", "400", "404"} <= set(operation["responses"])


async def test_when_will_it_arrive_on_whatsapp_gets_the_date_and_records_the_promise(journey: World) -> None:
    """From an import to a chat answer with a date to a kept promise: the reply says the day, its entry
    records it, the ledger holds it and marks it kept at delivery."""
    now = journey.clock()
    await import_rows(journey, history(now))
    await journey.whatsapp(ANA, "when will my order arrive?")
    assert await journey.dispatch() == 1
    [reply] = journey.sent_to(ANA)
    body = await eta(journey, await order_id(journey, "1042"))
    arrives_by = datetime.fromisoformat(body["arrives_by"])
    day = arrives_by.astimezone(ZoneInfo(journey.shop.timezone)).strftime("%a %d %b")
    assert "#1042" in reply and f"by {day}" in reply, reply
    [entry] = await replies(journey, "1042")
    assert entry.promised_date == arrives_by
    assert entry.promised_likely == datetime.fromisoformat(body["likely"])

    # the date told is a promise, kept when the order arrives by then
    journey.clock.advance(days=2)
    await journey.order_event("order.updated", id="A-1042", number="1042", status="fulfilled",
                              updated_at=journey.clock().isoformat())  # fmt: skip
    [promise] = await journey.db.promises.for_order(journey.shop.id, entry.order_id)  # type: ignore[arg-type]
    assert promise.id == entry.id and promise.promised_date == arrives_by
    assert promise.outcome == PromiseOutcome.KEPT


async def test_with_too_little_history_the_chat_says_so_and_promises_nothing(journey: World) -> None:
    await import_rows(journey, history(journey.clock(), count=5))
    await journey.whatsapp(ANA, "when will my order arrive?")
    await journey.dispatch()
    [reply] = journey.sent_to(ANA)
    assert "haven't delivered enough orders" in reply, reply
    [entry] = await replies(journey, "1042")
    assert entry.promised_date is None and entry.promised_likely is None


async def test_the_date_is_told_in_the_customers_language(journey: World) -> None:
    changed = await journey.client.patch(
        "/api/v1/shop", json={"languages": ["en", "es"]},
        headers={"Authorization": f"Bearer {token_for(journey.shop, role='admin')}"},
    )  # fmt: skip
    assert changed.status == 200, await changed.text()
    await import_rows(journey, history(journey.clock()))
    await journey.whatsapp(ANA, "hola, ¿cuándo llega mi pedido?")
    await journey.dispatch()
    [reply] = journey.sent_to(ANA)
    assert "a más tardar el" in reply, reply
    [entry] = await replies(journey, "1042")
    assert entry.promised_date is not None


async def test_a_status_question_promises_nothing(journey: World) -> None:
    await import_rows(journey, history(journey.clock()))
    await journey.whatsapp(ANA, "where is my order 1042?")
    await journey.dispatch()
    [entry] = await replies(journey, "1042")
    assert entry.promised_date is None
