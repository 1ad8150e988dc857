"""Carrier news reaches the customer at once, even in their quiet hours (issue 6), end to end.

Shopify and the generic order webhook over HTTP on the real database; the real notifier and the real
twilio SDK against the Messages API stand-in (``tests/integration/notifier_desk.py``). The test clock
stands at 09:00 UTC: 01:00 in Los Angeles, where the customers' +1 415 numbers are, inside the default
quiet hours (21:00 to 08:00).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from orders.lifecycle import Status
from orders.model import NotifyPolicy, OutboxEntry, OutboxKind, Shop
from orders.store import Database
from tests.conftest import Api, Clock, token_for
from tests.integration import test_order_webhook as generic
from tests.integration.notifier_desk import SHIPPED_SID, SHOP_SMS, SHOP_WHATSAPP, Desk, Server, open_desk
from tests.integration.test_shop_platforms import FULFILLED, progress_of, raw, shopify_delivers
from webhooks.app import build_app
from webhooks.settings import Settings

MAYA = "+14155552671"  # the phone on the Shopify fixtures' order, #1001
ANA = "+14155550100"
LA_EIGHT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles: the quiet hours end
UPS_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
OUT_FOR_DELIVERY_SID = "HX" + "d" * 32


@pytest.fixture
async def desk(db: Database, clock: Clock, aiohttp_server: Server) -> AsyncIterator[Desk]:
    async with open_desk(db, clock, aiohttp_server) as opened:
        yield opened


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    clock: Clock,
    desk: Desk,
) -> TestClient[Any, Any]:
    """The web app, sending what it queues through the desk's stand-in."""
    desk.app = build_app(desk.web_settings(settings), clock=clock)
    return await aiohttp_client(desk.app)


@pytest.fixture
async def store(desk: Desk) -> Shop:
    """A shop that sends WhatsApp and SMS; its customers have never written, so updates go by SMS."""
    return await desk.shop(sms_number=SHOP_SMS, timezone="America/New_York")


@pytest.fixture
def store_api(client: TestClient[Any, Any], store: Shop) -> Api:
    return Api(client, token_for(store))


def shopify_news(shipment_status: str, *, at: str = "2026-11-01T23:50:00-08:00") -> bytes:
    """The shipped fixture order after the carrier's news on its newest fulfillment (dated ``at``)."""
    payload = json.loads(raw("shopify", FULFILLED))
    payload["fulfillments"][1].update(shipment_status=shipment_status, updated_at=at)
    return json.dumps(payload).encode()


def sent_to(desk: Desk) -> list[tuple[str, str, str]]:
    return [(r["To"], r["From"], r.get("Body") or "") for r in desk.twilio.created]


def outbox(entries: list[OutboxEntry]) -> list[tuple[str | None, bool, str, str | None]]:
    return [(e.status, e.urgent, e.state, e.error or e.held) for e in entries]


@pytest.mark.parametrize(
    ("shipment_status", "stage", "said"),
    [
        ("out_for_delivery", "out_for_delivery", "Order #1001 is out for delivery today"),
        (
            "failure",
            "delivery_problem",
            "Order #1001 had a delivery problem: the carrier could not deliver it",
        ),
    ],
)
async def test_shopify_carrier_news_at_night_goes_at_once_while_a_plain_update_waits(
    desk: Desk, store: Shop, store_api: Api, shipment_status: str, stage: str, said: str
) -> None:
    shipped = await shopify_delivers(store_api, store, FULFILLED, "orders/fulfilled")
    assert shipped["status"] == "shipped"
    order_id = shipped["order_id"]
    await desk.drain()
    assert desk.twilio.created == []  # "shipped" at 01:00 waits for the morning
    [held] = await desk.entries(store, order_id)
    assert (held.state, held.held, held.urgent, held.due_at) == ("queued", "quiet_hours", False, LA_EIGHT)

    news = await shopify_delivers(store_api, store, shopify_news(shipment_status))
    assert (news["order_id"], news["status"], news["ignored"]) == (order_id, "shipped", None)
    await desk.drain()
    [(to, sender, body)] = sent_to(desk)
    assert (to, sender) == (MAYA, SHOP_SMS)
    assert body.startswith(said) and UPS_URL in body
    # the held update is superseded by the news: one message, about the latest state
    assert outbox(await desk.entries(store, order_id)) == [
        (Status.SHIPPED, False, "skipped", "superseded"),
        (Status.SHIPPED, True, "sent", None),
    ]

    view = await progress_of(store_api, order_id)
    assert [(e["kind"], e["status"], e["from_status"]) for e in view["timeline"]] == [
        ("status", "shipped", None),
        ("delivery", "shipped", None),
    ]
    assert (view["timeline"][-1]["note"], view["timeline"][-1]["source"]) == (
        stage.replace("_", " "),
        "webhook",
    )
    assert (await store_api.get(f"/orders/{order_id}"))["tracking"]["stage"] == stage
    stats = await store_api.get("/orders/stats")
    assert (stats["total"], stats["by_status"]["shipped"]) == (1, 1)
    assert stats["auto_progression_rate"] is None  # the delivery event is not a status move


async def test_the_same_shopify_news_delivered_three_times_is_one_notification(
    desk: Desk, store: Shop, store_api: Api
) -> None:
    order_id = (await shopify_delivers(store_api, store, FULFILLED, "orders/fulfilled"))["order_id"]
    body = shopify_news("out_for_delivery")
    answers = [await shopify_delivers(store_api, store, body, event_id="5c0b9f3e-ofd-1001") for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    # Shopify sending the same order again under another event id is stale; a later unrelated change
    # (the same stage) is applied but is no news
    again = await shopify_delivers(store_api, store, body)
    assert again["ignored"] == "stale"
    later = await shopify_delivers(
        store_api, store, shopify_news("out_for_delivery", at="2026-11-02T00:10:00-08:00")
    )
    assert (later["ignored"], later["duplicate"]) == (None, False)

    await desk.drain()
    assert len(desk.twilio.created) == 1
    entries = await desk.entries(store, order_id)
    assert [(e.urgent, e.state) for e in entries] == [(False, "skipped"), (True, "sent")]
    view = await progress_of(store_api, order_id)
    assert [e["kind"] for e in view["timeline"]] == ["status", "delivery"]


async def test_outside_the_whatsapp_window_the_stages_template_goes_at_once(
    desk: Desk, client: TestClient[Any, Any]
) -> None:
    desk.twilio.approve(SHIPPED_SID)
    desk.twilio.approve(OUT_FOR_DELIVERY_SID)
    templates = {"shipped": SHIPPED_SID, "out_for_delivery": OUT_FOR_DELIVERY_SID}
    shop = await desk.shop(notify=NotifyPolicy(whatsapp_templates=templates))
    customer = await desk.db.customers.find_or_create(shop.id, now=desk.clock(), phone=MAYA)
    await desk.db.customers.record_inbound(
        shop.id, customer.id, "whatsapp", datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    )
    api = Api(client, token_for(shop))
    await shopify_delivers(api, shop, FULFILLED, "orders/fulfilled")
    await shopify_delivers(api, shop, shopify_news("out_for_delivery"))
    await desk.drain()
    [sent] = desk.twilio.created
    assert (sent["To"], sent["From"]) == (f"whatsapp:{MAYA}", f"whatsapp:{SHOP_WHATSAPP}")
    assert sent["ContentSid"] == OUT_FOR_DELIVERY_SID
    assert json.loads(sent["ContentVariables"]) == {"1": "Maya", "2": "1001", "3": UPS_URL}


def generic_event(kind: str, updated_at: str, **tracking: str) -> dict[str, Any]:
    return generic.event(
        kind, status="shipped", customer={"name": "Ana Lima", "phone": ANA}, updated_at=updated_at,
        tracking={"carrier": "UPS", "number": "1Z42", **tracking},
    )  # fmt: skip


async def test_the_order_webhooks_tracking_stage_notifies_at_once_and_once(
    desk: Desk, store: Shop, store_api: Api, client: TestClient[Any, Any]
) -> None:
    created = await generic.deliver(client, store, generic_event("order.created", "2026-11-02T08:00:00Z"))
    order_id = created["order_id"]
    await desk.drain()  # half an hour passes: the created update is held for the night by then
    problem = generic_event("order.updated", "2026-11-02T08:30:00Z", stage="delivery_problem")
    answers = [await generic.deliver(client, store, problem, event_id="evt-problem") for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    await desk.drain()
    [(to, _, body)] = sent_to(desk)
    assert to == ANA and body.startswith("Order #1001 had a delivery problem")
    assert outbox(await desk.entries(store, order_id)) == [
        (Status.SHIPPED, False, "skipped", "superseded"),
        (Status.SHIPPED, True, "sent", None),
    ]
    order = await store_api.get(f"/orders/{order_id}")
    assert order["tracking"] == {
        "carrier": "UPS", "number": "1Z42", "url": None, "stage": "delivery_problem",
        "stage_at": None, "place": None, "estimated_delivery": None,
    }  # fmt: skip

    # in transit is no hurry: nothing new tonight
    moving = generic_event("order.updated", "2026-11-02T08:45:00Z", stage="in_transit")
    await generic.deliver(client, store, moving, event_id="evt-moving")
    await desk.drain()
    assert len(desk.twilio.created) == 1
    assert [e["kind"] for e in (await progress_of(store_api, order_id))["timeline"]] == ["status", "delivery"]


async def test_an_api_order_created_out_for_delivery_is_urgent(
    desk: Desk, store: Shop, store_api: Api
) -> None:
    body = {
        "number": "77", "status": "shipped", "customer": {"phone": ANA},
        "tracking": {"number": "1Z77", "stage": "out_for_delivery"},
    }  # fmt: skip
    created = await store_api.post("/orders", body, status=201)
    assert created["tracking"]["stage"] == "out_for_delivery"
    await desk.drain()
    [(to, _, text)] = sent_to(desk)
    assert to == ANA and text.startswith("Order #77 is out for delivery today")
    [entry] = await desk.entries(store, created["order_id"])
    assert (entry.urgent, entry.state) == (True, "sent")


async def test_an_unknown_stage_gets_422_and_writes_nothing(
    desk: Desk, store: Shop, store_api: Api, client: TestClient[Any, Any]
) -> None:
    for stage in ("lost", "OUT_FOR_DELIVERY", "shipped", 3):
        payload = generic.event(status="shipped", tracking={"number": "1Z", "stage": stage})
        response = await generic.post(
            client, store.id, payload, secret=store.webhook_secret, event_id="evt-1"
        )
        assert response.status == 422, stage
        body = await response.json()
        assert generic.error_code(body) == "invalid_field"
        assert "order.tracking.stage" in {d["field"] for d in body["error"]["details"]}, body

        answer = await store_api.post("/orders", {"number": "1", "tracking": {"stage": stage}}, status=422)
        assert "tracking.stage" in {d["field"] for d in answer["error"]["details"]}, answer
    assert await generic.orders_of(store_api) == []
    assert (await store_api.get("/orders/stats"))["total"] == 0
    # the event id was not used up by the refused deliveries
    accepted = await generic.deliver(client, store, generic.event(status="shipped"), event_id="evt-1")
    assert accepted["duplicate"] is False


async def test_a_carrier_delivered_report_without_a_status_fulfils_a_shipped_order_once(
    desk: Desk, store: Shop, store_api: Api, client: TestClient[Any, Any]
) -> None:
    created = await generic.deliver(client, store, generic_event("order.created", "2026-11-02T08:00:00Z"))
    order_id = created["order_id"]
    report = generic.event(
        "order.updated", customer={"name": "Ana Lima", "phone": ANA}, updated_at="2026-11-02T09:00:00Z",
        tracking={"carrier": "UPS", "number": "1Z42", "stage": "delivered"},
    )  # fmt: skip
    answers = [await generic.deliver(client, store, report, event_id="evt-delivered") for _ in range(2)]
    assert [(a["status"], a["duplicate"]) for a in answers] == [("fulfilled", False), ("fulfilled", True)]
    timeline = (await progress_of(store_api, order_id))["timeline"]
    assert [(e["status"], e["source"], e["note"]) for e in timeline][-1] == (
        "fulfilled", "webhook", "the carrier reports it delivered",
    )  # fmt: skip
    updates = [e for e in await desk.entries(store, order_id) if e.kind == OutboxKind.STATUS_UPDATE]
    keys = [e.idempotency_key for e in updates]
    assert len(keys) == len(set(keys)) == 2  # created (shipped), then fulfilled: one update each
