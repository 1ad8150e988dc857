"""Carrier events in (issue 29 item 1): AfterShip and EasyPost webhooks through the real app and database.

The shop's orders arrive by the generic order webhook; their trackers are registered at the aggregators'
stand-ins (``tests/standins/aftership.py``, ``tests/standins/easypost.py``), and the carriers' news comes
back signed, built from the documented payloads in ``tests/fixtures/aftership`` and
``tests/fixtures/easypost`` (see their READMEs). Everything is read back through REST API v1.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.staff_alerts import StaffAlerts
from orders.model import OrderId, OutboxKind, Shop
from orders.shops import new_shop
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_order_webhook as generic
from tests.integration.test_shop_platforms import FULFILLED, shopify_delivers
from tests.standins.aftership import AfterShipStandIn
from tests.standins.easypost import EasyPostStandIn
from webhooks.app import build_app
from webhooks.carriers import aftership, easypost
from webhooks.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures"
AFTERSHIP_BODY = (FIXTURES / "aftership" / "tracking_update.json").read_bytes()
EASYPOST_BODY = (FIXTURES / "easypost" / "tracker_updated.json").read_bytes()
EASYPOST_SIGNATURE = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
AFTERSHIP_SECRET = "as-webhook-secret"
EASYPOST_SECRET = "sécret"  # EasyPost's documented fixture secret: its signature above is for these bytes
UPS_NUMBER = "1Z999AA10123456784"

Server = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def stand_ins(aiohttp_server: Server) -> tuple[AfterShipStandIn, EasyPostStandIn, str, str]:
    found = AfterShipStandIn(api_key="asat_test_key"), EasyPostStandIn(api_key="EZTK_test_key")
    aftership_server = await aiohttp_server(found[0].app())
    easypost_server = await aiohttp_server(found[1].app())
    return (*found, str(aftership_server.make_url("")), str(easypost_server.make_url("")))


@pytest.fixture
async def store(db: Database, clock: Clock) -> Shop:
    """A shop with both aggregators set up."""
    created = new_shop(
        "Acme Coffee", clock(),
        aftership_webhook_secret=AFTERSHIP_SECRET, aftership_api_key="asat_test_key",
        easypost_webhook_secret=EASYPOST_SECRET, easypost_api_key="EZTK_test_key",
    )  # fmt: skip
    await db.shops.add(created)
    return created


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    clock: Clock,
    stand_ins: tuple[AfterShipStandIn, EasyPostStandIn, str, str],
) -> TestClient[Any, Any]:
    *_, aftership_url, easypost_url = stand_ins
    update = {"aftership_base_url": aftership_url, "easypost_base_url": easypost_url}
    return await aiohttp_client(build_app(settings.model_copy(update=update), clock=clock))


@pytest.fixture
def store_api(client: TestClient[Any, Any], store: Shop) -> Api:
    return Api(client, token_for(store))


async def shipped_order(client: TestClient[Any, Any], store: Shop, number: str = UPS_NUMBER) -> str:
    payload = generic.event(
        status="shipped", tracking={"carrier": "UPS", "number": number}, created_at="2026-11-01T10:00:00Z"
    )
    answer = await generic.deliver(client, store, payload, event_id="evt-shipped")
    await finish_background(client.app)
    order_id: str = answer["order_id"]
    return order_id


def aftership_update(
    tag: str, at: str, *, event_id: str, number: str = UPS_NUMBER, **checkpoint: Any
) -> bytes:
    """The documented tracking_update for ``number`` with ``tag``, its checkpoint dated ``at``."""
    payload = json.loads(AFTERSHIP_BODY)
    payload["event_id"] = event_id
    payload["msg"].update(tracking_number=number, slug="ups", tag=tag)
    payload["msg"]["checkpoints"][0].update(checkpoint_time=at, tag=tag, **checkpoint)
    return json.dumps(payload).encode()


def easypost_update(status: str, at: str, *, event_id: str) -> bytes:
    payload = json.loads(EASYPOST_BODY)
    payload["id"] = event_id
    payload["result"]["status"] = status
    payload["result"]["tracking_details"][-1].update(status=status, datetime=at)
    return json.dumps(payload, separators=(",", ":")).encode()


async def post(
    client: TestClient[Any, Any], path: str, body: bytes, headers: dict[str, str], status: int = 200
) -> dict[str, Any]:
    response = await client.post(path, data=body, headers={"Content-Type": "application/json", **headers})
    assert response.status == status, await response.text()
    answer: dict[str, Any] = await response.json()
    await finish_background(client.app)
    return answer


async def from_aftership(
    client: TestClient[Any, Any],
    store: Shop,
    body: bytes,
    *,
    secret: str = AFTERSHIP_SECRET,
    status: int = 200,
) -> dict[str, Any]:
    headers = {aftership.SIGNATURE_HEADER: aftership.sign(secret, body)}
    return await post(client, f"/webhooks/aftership/{store.id}", body, headers, status)


async def from_easypost(
    client: TestClient[Any, Any],
    store: Shop,
    body: bytes,
    *,
    secret: str = EASYPOST_SECRET,
    status: int = 200,
) -> dict[str, Any]:
    headers = {easypost.SIGNATURE_HEADER: easypost.sign(secret, body)}
    return await post(client, f"/webhooks/easypost/{store.id}", body, headers, status)


async def view(api: Api, order_id: str) -> tuple[str, dict[str, Any], list[tuple[str, str, str | None, str]]]:
    """The order's status, tracking and timeline (kind, status, note, at)."""
    order = await api.get(f"/orders/{order_id}")
    progress = await api.get(f"/orders/{order_id}/progress")
    timeline = [(e["kind"], e["status"], e["note"], e["at"]) for e in progress["timeline"]]
    return order["status"], order["tracking"], timeline


async def claims(db: Database, settings: Settings, source: str) -> int:
    return await db.client[settings.mongodb_db].events.count_documents({"source": source})


# -- AfterShip ----------------------------------------------------------------------------------------------


async def test_aftership_stages_land_on_the_timeline_with_place_and_time_and_delivered_fulfils(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store)
    moving = aftership_update(
        "InTransit", "2026-11-01T21:30:00-06:00", event_id="as-1", location="Memphis, TN, USA"
    )
    answer = await from_aftership(client, store, moving)
    assert answer == {"order_id": order_id, "status": None, "duplicate": False, "ignored": None}
    status, tracking, timeline = await view(store_api, order_id)
    assert (status, tracking["stage"]) == ("shipped", "in_transit")
    assert timeline[-1] == ("delivery", "shipped", "in transit (Memphis, TN, USA)", "2026-11-02T03:30:00Z")

    delivered = aftership_update(
        "Delivered",
        "2026-11-02T08:10:00-05:00",
        event_id="as-2",
        city="Brooklyn",
        state="NY",
        country_region="USA",
    )
    await from_aftership(client, store, delivered)
    status, tracking, timeline = await view(store_api, order_id)
    assert (status, tracking["stage"]) == ("fulfilled", "delivered")
    note = "the carrier reports it delivered (Brooklyn, NY, USA)"
    assert timeline[-1] == (
        "status",
        "fulfilled",
        note,
        "2026-11-02T09:00:00Z",
    )  # 13:10 UTC is ahead of the clock


async def test_the_orders_tracking_shows_what_the_carrier_said(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store)
    payload = json.loads(
        aftership_update(
            "InTransit", "2026-11-01T21:30:00-06:00", event_id="as-api", location="Memphis, TN, USA"
        )
    )
    payload["msg"]["aftership_estimated_delivery_date"] = {"estimated_delivery_date": "2026-11-04"}
    await from_aftership(client, store, json.dumps(payload).encode())
    order = await store_api.get(f"/orders/{order_id}")
    assert order["tracking"] == {
        "carrier": "UPS",
        "number": UPS_NUMBER,
        "url": None,
        "stage": "in_transit",
        "stage_at": "2026-11-02T03:30:00Z",
        "place": "Memphis, TN, USA",
        "estimated_delivery": "2026-11-04T00:00:00Z",
    }


def aftership_estimate(day: str, ts: int, *, event_id: str) -> bytes:
    """The documented body as an ``edd_revise``: the same tracking, AfterShip's estimate ``day``, sent at ``ts``."""
    payload = json.loads(AFTERSHIP_BODY)
    payload.update(event="edd_revise", event_id=event_id, ts=ts)
    payload["msg"].update(tracking_number=UPS_NUMBER, slug="ups")
    payload["msg"]["aftership_estimated_delivery_date"] = {"estimated_delivery_date": day}
    return json.dumps(payload).encode()


async def test_an_aftership_edd_revise_moves_only_the_estimate_and_a_stale_one_nothing(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store)
    moving = aftership_update(
        "InTransit", "2026-11-01T21:30:00-06:00", event_id="as-1", location="Memphis, TN"
    )
    await from_aftership(client, store, moving)
    before = await store_api.get(f"/orders/{order_id}/progress")
    sent = 1793606400  # 2026-11-02T08:00:00Z, an hour before the test clock's now
    answer = await from_aftership(client, store, aftership_estimate("2026-11-06", sent, event_id="edd-1"))
    assert (answer["order_id"], answer["duplicate"], answer["ignored"]) == (order_id, False, None)
    status, tracking, _ = await view(store_api, order_id)
    assert (status, tracking["stage"], tracking["place"]) == ("shipped", "in_transit", "Memphis, TN")
    assert (tracking["stage_at"], tracking["estimated_delivery"]) == (
        "2026-11-02T03:30:00Z",
        "2026-11-06T00:00:00Z",
    )
    after = await store_api.get(f"/orders/{order_id}/progress")
    assert (after["timeline"], after["notifications"]) == (before["timeline"], before["notifications"])

    # an older revision delivered late is stale; a newer one counts
    await from_aftership(client, store, aftership_estimate("2026-11-04", sent - 60, event_id="edd-0"))
    assert (await view(store_api, order_id))[1]["estimated_delivery"] == "2026-11-06T00:00:00Z"
    await from_aftership(client, store, aftership_estimate("2026-11-07", sent + 60, event_id="edd-2"))
    assert (await view(store_api, order_id))[1]["estimated_delivery"] == "2026-11-07T00:00:00Z"


async def test_an_aftership_replay_is_a_duplicate_and_changes_nothing(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store)
    out = aftership_update("OutForDelivery", "2026-11-02T07:00:00Z", event_id="as-ofd")
    await from_aftership(client, store, out)
    before = await view(store_api, order_id)
    again = await from_aftership(client, store, out)
    assert again["duplicate"] is True
    assert await view(store_api, order_id) == before
    assert [e[0] for e in before[2]] == ["status", "delivery"]


async def test_stale_and_backwards_carrier_news_changes_nothing(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store)
    await from_aftership(
        client, store, aftership_update("OutForDelivery", "2026-11-02T07:00:00Z", event_id="a")
    )
    settled = await view(store_api, order_id)
    # an older checkpoint delivered late (aggregators retry and reorder): stale
    await from_aftership(client, store, aftership_update("InTransit", "2026-11-02T01:00:00Z", event_id="b"))
    assert await view(store_api, order_id) == settled

    await from_aftership(client, store, aftership_update("Delivered", "2026-11-02T08:00:00Z", event_id="c"))
    delivered = await view(store_api, order_id)
    assert delivered[0] == "fulfilled"
    # news after delivery never takes the order back
    await from_aftership(client, store, aftership_update("InTransit", "2026-11-02T08:30:00Z", event_id="d"))
    await from_aftership(client, store, aftership_update("Exception", "2026-11-02T08:40:00Z", event_id="e"))
    assert await view(store_api, order_id) == delivered


async def test_bad_signatures_are_refused_and_write_nothing(
    client: TestClient[Any, Any], store: Shop, store_api: Api, db: Database, settings: Settings, clock: Clock
) -> None:
    order_id = await shipped_order(client, store)
    before = await view(store_api, order_id)
    body = aftership_update("Delivered", "2026-11-02T08:00:00Z", event_id="forged")
    answer = await from_aftership(client, store, body, secret="someone else's", status=401)
    assert answer["error"]["code"] == "bad_signature"
    await post(client, f"/webhooks/aftership/{store.id}", body, {}, status=401)
    await from_easypost(client, store, EASYPOST_BODY, secret="secret", status=401)
    unset = new_shop("No aggregator", clock())
    await db.shops.add(unset)
    await post(
        client, f"/webhooks/easypost/{unset.id}", EASYPOST_BODY, {"X-Hmac-Signature": EASYPOST_SIGNATURE}, 401
    )
    assert await view(store_api, order_id) == before
    assert await claims(db, settings, f"aftership:{store.id}") == 0
    assert await claims(db, settings, f"easypost:{store.id}") == 0


async def test_an_unknown_tracking_number_is_acknowledged_and_writes_nothing(
    client: TestClient[Any, Any], store: Shop, store_api: Api, db: Database, settings: Settings
) -> None:
    order_id = await shipped_order(client, store)
    before = await view(store_api, order_id)
    stranger = aftership_update(
        "Delivered", "2026-11-02T08:00:00Z", event_id="x", number="9400100000000000000000"
    )
    answer = await from_aftership(client, store, stranger)
    assert answer == {"order_id": None, "status": None, "duplicate": False, "ignored": "unknown_tracking"}
    pending = aftership_update("Pending", "", event_id="y")
    assert (await from_aftership(client, store, pending))["ignored"] == "no_stage"
    assert await view(store_api, order_id) == before
    assert await claims(db, settings, f"aftership:{store.id}") == 0


# -- EasyPost -----------------------------------------------------------------------------------------------


async def test_easyposts_documented_event_with_its_documented_signature_moves_the_order(
    client: TestClient[Any, Any], store: Shop, store_api: Api
) -> None:
    order_id = await shipped_order(client, store, number="1")  # the fixture's tracking_code
    headers = {"X-Hmac-Signature": EASYPOST_SIGNATURE}
    answer = await post(client, f"/webhooks/easypost/{store.id}", EASYPOST_BODY, headers)
    assert (answer["order_id"], answer["duplicate"]) == (order_id, False)
    status, tracking, timeline = await view(store_api, order_id)
    assert (status, tracking["stage"]) == ("shipped", "in_transit")
    assert timeline[-1] == ("delivery", "shipped", "in transit (EDISON, NJ, US)", "2024-08-02T18:50:00Z")
    assert (await post(client, f"/webhooks/easypost/{store.id}", EASYPOST_BODY, headers))["duplicate"] is True

    await from_easypost(client, store, easypost_update("delivered", "2024-08-05T15:20:00Z", event_id="evt_2"))
    status, tracking, timeline = await view(store_api, order_id)
    assert (status, tracking["stage"]) == ("fulfilled", "delivered")
    assert timeline[-1][:3] == ("status", "fulfilled", "the carrier reports it delivered (EDISON, NJ, US)")


# -- trackers -----------------------------------------------------------------------------------------------


async def test_a_tracking_number_registers_a_tracker_with_each_aggregator_once(
    client: TestClient[Any, Any], store: Shop, stand_ins: tuple[AfterShipStandIn, EasyPostStandIn, str, str]
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    await shipped_order(client, store)
    assert aftership_api.created == [{"tracking_number": UPS_NUMBER, "order_number": "1001"}]
    assert easypost_api.created == [{"tracking_code": UPS_NUMBER}]
    update = generic.event("order.updated", status="shipped", tracking={"carrier": "UPS", "number": UPS_NUMBER},
                           updated_at="2026-11-02T08:00:00Z", total=12)  # fmt: skip
    await generic.deliver(client, store, update, event_id="evt-again")
    await finish_background(client.app)
    assert len(aftership_api.created) == len(easypost_api.created) == 1
    assert aftership_api.refused == easypost_api.refused == 0


async def test_a_shopify_fulfillment_registers_its_tracking_number(
    client: TestClient[Any, Any],
    store: Shop,
    store_api: Api,
    stand_ins: tuple[AfterShipStandIn, EasyPostStandIn, str, str],
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    await shopify_delivers(store_api, store, FULFILLED)
    await finish_background(client.app)
    assert [t["tracking_number"] for t in aftership_api.created] == [UPS_NUMBER]  # the newest fulfillment's
    assert [t["tracking_code"] for t in easypost_api.created] == [UPS_NUMBER]


async def test_an_order_created_through_the_api_registers_its_tracking_number(
    client: TestClient[Any, Any],
    store_api: Api,
    stand_ins: tuple[AfterShipStandIn, EasyPostStandIn, str, str],
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    body = {"external_id": "api-1", "number": "2001", "tracking": {"carrier": "UPS", "number": UPS_NUMBER}}
    await store_api.post("/orders", body, status=201)
    await store_api.post("/orders", {"external_id": "api-2", "number": "2002"}, status=201)  # no number yet
    await finish_background(client.app)
    assert aftership_api.created == [{"tracking_number": UPS_NUMBER, "order_number": "2001"}]
    assert easypost_api.created == [{"tracking_code": UPS_NUMBER}]


async def test_a_status_change_through_the_api_tries_a_refused_registration_again(
    client: TestClient[Any, Any],
    store_api: Api,
    stand_ins: tuple[AfterShipStandIn, EasyPostStandIn, str, str],
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    aftership_api.api_key = "a key the shop does not have"  # AfterShip refuses the first registration
    body = {"external_id": "api-1", "number": "2001", "tracking": {"carrier": "UPS", "number": UPS_NUMBER}}
    order = await store_api.post("/orders", body, status=201)
    await finish_background(client.app)
    assert (aftership_api.created, aftership_api.refused, len(easypost_api.created)) == ([], 1, 1)

    aftership_api.api_key = "asat_test_key"
    await store_api.post("/orders/update-status", {"order_id": order["order_id"], "status": "shipped"})
    await finish_background(client.app)
    assert [t["tracking_number"] for t in aftership_api.created] == [UPS_NUMBER]
    assert len(easypost_api.created) == 1  # registered once: the move asks again, EasyPost is not asked twice


async def test_a_carrier_exception_tells_the_customer_at_once_and_alerts_staff_until_it_moves_on(
    client: TestClient[Any, Any], store: Shop, store_api: Api, db: Database, clock: Clock
) -> None:
    order_id = await shipped_order(client, store)
    failed = aftership_update(
        "AttemptFail", "2026-11-02T07:00:00Z", event_id="as-fail", location="Brooklyn, NY"
    )
    await from_aftership(client, store, failed)
    progress = await store_api.get(f"/orders/{order_id}/progress")
    told = [n for n in progress["notifications"] if n["kind"] == "status_update"]
    assert len(told) == 2 and progress["timeline"][-1]["note"] == "delivery problem (Brooklyn, NY)"
    attention = await store_api.get("/orders/requiring-attention", reason="delivery_problem")
    assert [(o["order_id"], o["reasons"]) for o in attention["orders"]] == [(order_id, ["delivery_problem"])]

    with_staff = store.model_copy(update={"staff_telegram_ids": [5550001]})
    alerts = StaffAlerts(OrderUseCases.build(db, clock).attention, clock, stores=db)
    assert await alerts.scan_shop(with_staff) == 1
    assert await alerts.scan_shop(with_staff) == 0  # once per order and reason
    entries = await db.outbox.for_order(store.id, OrderId(order_id))
    staff = [e for e in entries if e.kind == OutboxKind.STAFF_ALERT]
    assert [e.message.splitlines()[0] for e in staff if e.message] == [
        "⚠️ Order #1001 needs attention: the carrier reports a delivery problem."
    ]

    # an exception after the failed attempt is the same stage: no second message
    await from_aftership(
        client, store, aftership_update("Exception", "2026-11-02T07:30:00Z", event_id="as-exc")
    )
    progress = await store_api.get(f"/orders/{order_id}/progress")
    assert len([n for n in progress["notifications"] if n["kind"] == "status_update"]) == 2

    await from_aftership(
        client, store, aftership_update("OutForDelivery", "2026-11-02T08:00:00Z", event_id="as-o")
    )
    attention = await store_api.get("/orders/requiring-attention", reason="delivery_problem")
    assert attention["orders"] == []
