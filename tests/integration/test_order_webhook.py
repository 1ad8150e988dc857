"""The generic order webhook, ``POST /webhooks/orders/{shop_id}``, through HTTP on the real database.

What the webhook stored is read back through REST API v1 as the same shop.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from orders.model import Shop
from tests.conftest import Api, Clock, finish_background, token_for
from webhooks.shop_platforms.generic import sign

# -- helpers ------------------------------------------------------------------------------------------


def event(kind: str = "order.created", **order: Any) -> dict[str, Any]:
    return {"event": kind, "order": {"id": "ext-1", "number": "1001", **order}}


def encode(payload: dict[str, Any] | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


async def post(
    client: TestClient[Any, Any],
    shop_id: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None,
    event_id: str | None = None,
    signature: str | None = None,
) -> ClientResponse:
    """Deliver ``payload``; signed with ``secret`` unless a ``signature`` is given (or ``secret`` is None),
    and wait for what the app does after it answered (the event is applied after the answer)."""
    body = encode(payload)
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Orderbot-Signature"] = signature
    elif secret is not None:
        headers["X-Orderbot-Signature"] = sign(secret, body)
    if event_id is not None:
        headers["X-Orderbot-Event-Id"] = event_id
    response = await client.post(f"/webhooks/orders/{shop_id}", data=body, headers=headers)
    await finish_background(client.app)
    return response


async def deliver(
    client: TestClient[Any, Any], shop: Shop, payload: dict[str, Any] | bytes, *, event_id: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:  # fmt: skip
    response = await post(client, shop.id, payload, secret=shop.webhook_secret, event_id=event_id)
    assert response.status == expect, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def orders_of(api: Api) -> list[dict[str, Any]]:
    page = await api.get("/orders", limit=200)
    assert page["next_cursor"] is None
    orders: list[dict[str, Any]] = page["orders"]
    return orders


async def progress_of(api: Api, order_id: str) -> dict[str, Any]:
    view: dict[str, Any] = await api.get(f"/orders/{order_id}/progress")
    return view


async def snapshot(api: Api) -> list[tuple[str, str, int, int, int]]:
    """Each order's id, status, version, timeline length and notification count."""
    state = []
    for order in await orders_of(api):
        view = await progress_of(api, order["order_id"])
        state.append(
            (
                order["order_id"],
                order["status"],
                order["version"],
                len(view["timeline"]),
                len(view["notifications"]),
            )
        )
    return sorted(state)


def status_updates(view: dict[str, Any]) -> list[str]:
    return [n["status"] for n in view["notifications"] if n["kind"] == "status_update"]


def error_code(body: dict[str, Any]) -> str:
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    code: str = body["error"]["code"]
    return code


def iso(value: datetime) -> str:
    return value.isoformat()


# -- accepted deliveries ----------------------------------------------------------------------------------


async def test_order_created_creates_the_order(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    created_at = clock.now - timedelta(hours=3)
    payload = event(
        customer={"name": "Ana Lima", "phone": "+14155550100", "email": "ana@example.com"},
        items=[{"title": "Beans", "quantity": 2, "price": 21.25}],
        total=42.50,
        currency="EUR",
        tracking={"carrier": "DHL", "number": "JD1", "url": "https://dhl.example/JD1"},
        created_at=iso(created_at),
        updated_at=iso(created_at),
        channel="whatsapp",
        shop_internal_field="ignored",
    )
    answer = await deliver(client, shop, payload, event_id="evt-1")
    assert answer["duplicate"] is False
    assert answer["status"] == "pending"
    assert answer["order_id"]

    [order] = await orders_of(api)
    assert order["order_id"] == answer["order_id"]
    assert order["external_id"] == "ext-1"
    assert order["number"] == "1001"
    assert order["customer"]["name"] == "Ana Lima"
    assert order["items"] == [{"title": "Beans", "quantity": 2, "price": "21.25"}]
    assert order["total"] == "42.5"
    assert order["currency"] == "EUR"
    assert order["tracking"]["number"] == "JD1"
    assert order["channel"] == "whatsapp"
    assert datetime.fromisoformat(order["created_at"]) == created_at

    view = await progress_of(api, order["order_id"])
    [first] = view["timeline"]
    assert (first["status"], first["source"]) == ("pending", "webhook")
    assert status_updates(view) == ["pending"]
    assert (await api.get("/orders/stats"))["total"] == 1


async def test_created_with_a_status_starts_there(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    updated = clock.now - timedelta(hours=2)
    answer = await deliver(
        client,
        shop,
        event(status="processing", created_at=iso(clock.now - timedelta(days=1)), updated_at=iso(updated)),
    )
    assert answer["status"] == "processing"
    order = await api.get(f"/orders/{answer['order_id']}")
    assert datetime.fromisoformat(order["status_since"]) == updated


async def test_the_same_event_id_is_applied_once(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    payload = event(customer={"name": "Ana Lima"})
    answers = [await deliver(client, shop, payload, event_id="evt-dup") for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert len({a["order_id"] for a in answers}) == 1
    assert {a["status"] for a in answers} == {"pending"}

    [order] = await orders_of(api)
    assert order["version"] == 0
    view = await progress_of(api, order["order_id"])
    assert status_updates(view) == ["pending"]
    assert len(view["timeline"]) == 1
    assert (await api.get("/orders/stats"))["total"] == 1

    # a repeated id is a repeat even when the body differs: the id is the dedupe key
    changed = await deliver(client, shop, event("order.updated", status="shipped"), event_id="evt-dup")
    assert changed["duplicate"] is True
    assert (await api.get(f"/orders/{order['order_id']}"))["status"] == "pending"


async def test_without_an_event_id_the_body_hash_dedupes(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    body = encode(event(updated_at=iso(clock.now - timedelta(hours=1))))
    first = await deliver(client, shop, body)
    again = await deliver(client, shop, body)
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["order_id"] == first["order_id"]

    moved = await deliver(
        client, shop, event("order.updated", status="processing", updated_at=iso(clock.now))
    )
    assert moved["duplicate"] is False
    assert moved["status"] == "processing"
    [order] = await orders_of(api)
    assert status_updates(await progress_of(api, order["order_id"])) == ["pending", "processing"]


async def test_a_newer_update_moves_the_order(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    t0 = clock.now - timedelta(hours=5)
    created = await deliver(client, shop, event(created_at=iso(t0), updated_at=iso(t0)), event_id="e1")
    t1 = t0 + timedelta(hours=2)
    moved = await deliver(
        client,
        shop,
        event(
            "order.updated", status="shipped", updated_at=iso(t1), tracking={"carrier": "UPS", "number": "1Z"}
        ),
        event_id="e2",
    )
    assert moved == {
        "order_id": created["order_id"],
        "status": "shipped",
        "duplicate": False,
        "ignored": None,
    }

    order = await api.get(f"/orders/{created['order_id']}")
    assert order["status"] == "shipped"
    assert order["tracking"]["number"] == "1Z"
    assert datetime.fromisoformat(order["status_since"]) == t1
    view = await progress_of(api, created["order_id"])
    last = view["timeline"][-1]
    assert (last["from_status"], last["status"], last["source"]) == ("pending", "shipped", "webhook")
    assert datetime.fromisoformat(last["at"]) == t1
    assert status_updates(view) == ["pending", "shipped"]


async def test_a_stale_update_is_ignored(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    t0 = clock.now - timedelta(hours=5)
    created = await deliver(client, shop, event(created_at=iso(t0), updated_at=iso(t0)), event_id="e1")
    await deliver(
        client,
        shop,
        event("order.updated", status="shipped", updated_at=iso(t0 + timedelta(hours=3))),
        event_id="e3",
    )
    before = await snapshot(api)

    # e2 was sent before e3 but arrives after it
    late = await deliver(
        client,
        shop,
        event("order.updated", status="processing", updated_at=iso(t0 + timedelta(hours=1))),
        event_id="e2",
    )
    assert late["status"] == "shipped"
    assert late["ignored"] == "stale"
    assert late["duplicate"] is False
    same_time = await deliver(
        client, shop, event("order.cancelled", updated_at=iso(t0 + timedelta(hours=3))), event_id="e3b"
    )
    assert same_time["status"] == "shipped"
    assert same_time["ignored"] == "stale"
    assert await snapshot(api) == before
    assert (await api.get(f"/orders/{created['order_id']}"))["status"] == "shipped"


async def test_a_resent_creation_does_not_undo_later_moves(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """A shop re-sending ``order.created`` (new event id, no timestamps) for a shipped order changes nothing."""
    created = await deliver(client, shop, event(status="pending"), event_id="c1")
    await deliver(client, shop, event("order.updated", status="shipped"), event_id="u1")
    before = await snapshot(api)
    again = await deliver(client, shop, event(status="pending"), event_id="c2")
    assert (again["order_id"], again["status"], again["ignored"]) == (created["order_id"], "shipped", "stale")
    assert await snapshot(api) == before


async def test_order_cancelled_cancels(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    created = await deliver(client, shop, event(status="processing"), event_id="e1")
    cancelled = await deliver(
        client, shop, event("order.cancelled", updated_at=iso(clock.now)), event_id="e2"
    )
    assert cancelled["order_id"] == created["order_id"]
    assert cancelled["status"] == "cancelled"
    view = await progress_of(api, created["order_id"])
    assert view["status"] == "cancelled"
    assert view["timeline"][-1]["source"] == "webhook"
    assert status_updates(view) == ["processing", "cancelled"]


async def test_an_update_for_an_unknown_order_creates_it(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    answer = await deliver(client, shop, event("order.updated", id="ext-new", number="77", status="shipped"))
    assert answer["duplicate"] is False
    assert answer["status"] == "shipped"
    [order] = await orders_of(api)
    assert (order["order_id"], order["number"], order["external_id"]) == (answer["order_id"], "77", "ext-new")
    assert status_updates(await progress_of(api, order["order_id"])) == ["shipped"]


async def test_an_update_without_a_number_keeps_the_number(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    created = await deliver(client, shop, event(number="A-1001"), event_id="e1")
    update = {
        "event": "order.updated",
        "order": {"id": "ext-1", "status": "processing", "updated_at": iso(clock.now)},
    }
    await deliver(client, shop, update, event_id="e2")
    order = await api.get(f"/orders/{created['order_id']}")
    assert order["status"] == "processing"
    assert order["number"] == "A-1001"
    assert (await api.get("/orders", search="a-1001"))["orders"][0]["order_id"] == created["order_id"]


async def test_a_backwards_move_is_refused_and_writes_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    t0 = clock.now - timedelta(hours=5)
    await deliver(client, shop, event(status="shipped", updated_at=iso(t0)), event_id="e1")
    before = await snapshot(api)
    back = event("order.updated", status="pending", updated_at=iso(t0 + timedelta(hours=1)), total=99)
    for _ in range(2):  # refused again on a retry: a refused delivery is not recorded as done
        response = await post(client, shop.id, back, secret=shop.webhook_secret, event_id="e2")
        assert response.status == 409
        assert error_code(await response.json()) == "invalid_transition"
    assert await snapshot(api) == before
    [order] = await orders_of(api)
    assert (order["status"], order["total"]) == ("shipped", "0")


async def test_events_are_scoped_to_their_shop(
    client: TestClient[Any, Any], api: Api, shop: Shop, other_shop: Shop
) -> None:
    mine = await deliver(client, shop, event(), event_id="evt-1")
    theirs = await deliver(client, other_shop, event(), event_id="evt-1")
    assert theirs["duplicate"] is False
    assert theirs["order_id"] != mine["order_id"]
    assert [o["order_id"] for o in await orders_of(api)] == [mine["order_id"]]
    assert [o["order_id"] for o in await orders_of(Api(client, token_for(other_shop)))] == [
        theirs["order_id"]
    ]


# -- refused deliveries ---------------------------------------------------------------------------------


async def test_missing_or_wrong_signatures_get_401_and_store_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop, other_shop: Shop
) -> None:
    payload = event()
    body = encode(payload)
    tampered = encode(event(number="9999"))
    for name, signature, secret in (
        ("missing", None, None),
        ("empty", "", None),
        ("garbage", "sha256=deadbeef", None),
        ("no prefix", sign(shop.webhook_secret, body).removeprefix("sha256="), None),
        ("other body", sign(shop.webhook_secret, tampered), None),
        ("other shop's secret", None, other_shop.webhook_secret),
    ):
        response = await post(client, shop.id, payload, secret=secret, event_id="evt-1", signature=signature)
        assert response.status == 401, name
        assert error_code(await response.json()) in ("bad_signature", "unauthorized"), name
    assert await orders_of(api) == []
    assert (await api.get("/orders/stats"))["total"] == 0

    # none of the refused deliveries was recorded: the same event id is still new
    accepted = await deliver(client, shop, payload, event_id="evt-1")
    assert accepted["duplicate"] is False


async def raw_post(client: TestClient[Any, Any], path: str, body: bytes, headers: dict[str, bytes]) -> int:
    """POST with header values sent byte for byte (aiohttp's client would encode them as UTF-8); the status."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        head = [f"POST {path} HTTP/1.1".encode(), f"Host: {client.host}".encode(), b"Connection: close"]
        head += [f"Content-Length: {len(body)}".encode(), b"Content-Type: application/json"]
        head += [name.encode() + b": " + value for name, value in headers.items()]
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


async def test_a_non_ascii_signature_gets_401_and_stores_nothing(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    payload = event()
    body = encode(payload)
    for signature in ("sha256=\u00e9", "\u00e9" * 71, sign(shop.webhook_secret, body) + "\u00e9"):
        response = await post(client, shop.id, payload, secret=None, event_id="evt-1", signature=signature)
        assert response.status == 401, signature
        assert error_code(await response.json()) == "bad_signature", signature
    # the same as raw Latin-1 bytes, which the server cannot decode as UTF-8
    path = f"/webhooks/orders/{shop.id}"
    for value in (b"sha256=\xe9", sign(shop.webhook_secret, body).encode() + b"\xe9"):
        headers = {"X-Orderbot-Signature": value, "X-Orderbot-Event-Id": b"evt-1"}
        assert await raw_post(client, path, body, headers) == 401, value
    assert await orders_of(api) == []
    assert (await deliver(client, shop, payload, event_id="evt-1"))["duplicate"] is False


async def test_refusals_and_acceptances_are_counted_in_metrics(
    client: TestClient[Any, Any], shop: Shop
) -> None:
    await post(client, shop.id, event(), secret=None, signature="sha256=00")
    await deliver(client, shop, event(), event_id="m1")
    await deliver(client, shop, event(), event_id="m1")
    text = await (await client.get("/metrics")).text()

    def count(outcome: str) -> float:
        prefix = "orderbot_webhook_deliveries_total{"
        for line in text.splitlines():
            if line.startswith(prefix) and f'outcome="{outcome}"' in line and 'source="orders"' in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    assert (count("rejected"), count("accepted"), count("duplicate")) == (1.0, 1.0, 1.0)


async def test_an_overlong_event_id_gets_400(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    response = await post(client, shop.id, event(), secret=shop.webhook_secret, event_id="e" * 201)
    assert response.status == 400
    assert error_code(await response.json()) == "malformed"
    assert await orders_of(api) == []


async def test_an_unknown_shop_gets_404(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    response = await post(client, "shop_unknown", event(), secret=shop.webhook_secret)
    assert response.status == 404
    assert error_code(await response.json()) == "not_found"
    assert await orders_of(api) == []


async def test_a_signed_body_that_is_not_json_gets_400(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for body in (b'{"event": "order.created", ', b"", b"[1, 2]", b'"order"'):
        response = await post(client, shop.id, body, secret=shop.webhook_secret, event_id="evt-1")
        assert response.status == 400, body
        assert error_code(await response.json()) == "malformed"
    assert await orders_of(api) == []
    assert (await deliver(client, shop, event(), event_id="evt-1"))["duplicate"] is False


async def test_a_signed_body_with_invalid_fields_gets_422(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for payload, field in (
        (event(status="bogus"), "order.status"),
        (event("order.deleted"), "event"),
        ({"event": "order.created", "order": {"number": "1"}}, "order.id"),
        (event(total="lots"), "order.total"),
        (event(customer={"phone": "555"}), "order.customer.phone"),
        (event(customer={"phone": "+44 20 7946 0000"}), "order.customer.phone"),  # a landline takes no texts
        (event(updated_at="yesterday"), "order.updated_at"),
        ({"event": "order.created"}, "order"),
    ):
        response = await post(client, shop.id, payload, secret=shop.webhook_secret, event_id="evt-1")
        assert response.status == 422, payload
        body = await response.json()
        assert error_code(body) == "invalid_field"
        assert field in {d["field"] for d in body["error"]["details"]}, body
    assert await orders_of(api) == []
    assert (await deliver(client, shop, event(), event_id="evt-1"))["duplicate"] is False


async def test_a_body_over_one_mebibyte_gets_413(client: TestClient[Any, Any], api: Api, shop: Shop) -> None:
    big = event(items=[{"title": "x" * 150}] * 8000)
    response = await post(client, shop.id, big, secret=shop.webhook_secret)
    assert response.status == 413
    assert error_code(await response.json()) == "too_large"
    assert await orders_of(api) == []


# -- concurrency ------------------------------------------------------------------------------------------


async def test_concurrent_identical_deliveries_apply_once(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    for n in range(3):
        payload = event(id=f"ext-{n}", number=str(n))
        responses = await asyncio.gather(
            *(
                post(client, shop.id, payload, secret=shop.webhook_secret, event_id=f"evt-{n}")
                for _ in range(5)
            )
        )
        answers = []
        for response in responses:
            assert response.status in (200, 409), await response.text()
            body = await response.json()
            if response.status == 409:
                assert error_code(body) == "in_progress"
            else:
                answers.append(body)
        assert [a["duplicate"] for a in answers].count(False) == 1
        assert len({a["order_id"] for a in answers}) == 1

    orders = await orders_of(api)
    assert sorted(o["external_id"] for o in orders) == ["ext-0", "ext-1", "ext-2"]
    for order in orders:
        assert status_updates(await progress_of(api, order["order_id"])) == ["pending"]
    assert (await api.get("/orders/stats"))["total"] == 3


async def test_concurrent_different_events_for_a_new_order_create_it_once(
    client: TestClient[Any, Any], api: Api, shop: Shop, clock: Clock
) -> None:
    t0 = clock.now - timedelta(hours=1)
    created = event(updated_at=iso(t0))
    updated = event("order.updated", status="processing", updated_at=iso(t0 + timedelta(minutes=5)))
    responses = await asyncio.gather(
        post(client, shop.id, created, secret=shop.webhook_secret, event_id="a"),
        post(client, shop.id, updated, secret=shop.webhook_secret, event_id="b"),
    )
    assert [r.status for r in responses] == [200, 200]
    [order] = await orders_of(api)
    assert (await api.get("/orders/stats"))["total"] == 1
    # whichever came first, the newer state wins
    assert order["status"] == "processing"
