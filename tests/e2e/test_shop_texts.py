"""A shop's own message texts through the REST API, sent to a customer through the real Twilio SDK.

Uses the customer journey's world: the real app and database, signed WhatsApp webhooks in, the outbox and
notifier out to the Twilio stand-in.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import token_for
from tests.e2e.test_customer_journey import ANA, World, world  # noqa: F401  (a fixture, used below)

SHIPPED_WHATSAPP = "/api/v1/templates/order_status/shipped/whatsapp/en"
GREETING_WHATSAPP = "/api/v1/templates/greeting/any/whatsapp/en"
OWN_SHIPPED = "Hola {first_name}! #{order_number} is {status}: {tracking_url}\nExpected: {eta}\n{shop_name}"


@pytest.fixture
def journey(world: World) -> World:  # noqa: F811
    """The journey's world: a shop on WhatsApp with Ana's order 1042 (processing) and Ben's 2001."""
    return world


async def call(
    journey: World, method: str, path: str, body: Any = None, role: str = "admin"
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token_for(journey.shop, role=role)}"}
    response = await journey.client.request(method, path, json=body, headers=headers)
    return response.status, await response.json()


async def ship_1042(journey: World, at: str) -> None:
    await journey.order_event("order.updated", id="A-1042", status="shipped", updated_at=at,
                            tracking={"carrier": "UPS", "number": "1Z9", "url": "https://ups.example/1Z9"})  # fmt: skip
    await journey.dispatch()


async def test_a_shops_status_text_is_what_the_customer_gets_and_reset_brings_the_default_back(
    journey: World,
) -> None:
    status, saved = await call(journey, "PUT", SHIPPED_WHATSAPP, {"text": OWN_SHIPPED})
    assert status == 200, saved
    assert saved["custom"] is True and saved["text"] == OWN_SHIPPED
    await journey.whatsapp(ANA, "hi")  # opens the 24-hour window
    await journey.dispatch()

    await ship_1042(journey, "2026-11-02T10:00:00Z")
    # no date is known, so the "Expected:" line is left out rather than sent empty
    assert journey.sent_to(ANA)[-1] == "Hola Ana! #1042 is shipped: https://ups.example/1Z9\nAcme Coffee"

    status, reset = await call(journey, "DELETE", SHIPPED_WHATSAPP)
    assert status == 200, reset
    assert reset["custom"] is False and reset["text"] == reset["default"]
    await journey.whatsapp(ANA, "1042")
    await journey.dispatch()
    default = journey.sent_to(ANA)[-1]
    assert "Hola" not in default and "on its way" in default and "https://ups.example/1Z9" in default


async def test_a_shops_reply_text_answers_the_customer(journey: World) -> None:
    status, _ = await call(
        journey, "PUT", GREETING_WHATSAPP, {"text": "Welcome to {shop_name}, {first_name}! 🌿"}
    )
    assert status == 200
    await journey.whatsapp(ANA, "hello")
    await journey.dispatch()
    assert journey.sent_to(ANA)[-1] == "Welcome to Acme Coffee, Ana! 🌿"
    listed = await journey.api("/templates")
    [greeting] = [t for t in listed["templates"] if t["kind"] == "greeting" and t["style"] == "whatsapp"]
    assert greeting["custom"] is True and greeting["text"].startswith("Welcome to {shop_name}")


async def test_an_unknown_placeholder_is_refused_naming_it_and_nothing_is_saved(journey: World) -> None:
    status, body = await call(journey, "PUT", SHIPPED_WHATSAPP, {"text": "Hi {first_name}, {parcel_link} ok"})
    assert status == 422
    assert body["error"]["code"] == "unknown_placeholder"
    assert "{parcel_link}" in body["error"]["message"] and "{tracking_url}" in body["error"]["message"]
    assert body["error"]["details"][0]["placeholders"] == ["parcel_link"]
    status, body = await call(journey, "PUT", SHIPPED_WHATSAPP, {"text": "Hi {first_name.__class__}"})
    assert status == 422 and body["error"]["code"] == "invalid_field"
    assert (await journey.db.shops.get(journey.shop.id)).message_texts == {}


async def test_staff_may_read_and_preview_but_not_change_texts(journey: World) -> None:
    await call(journey, "PUT", GREETING_WHATSAPP, {"text": "Hello from {shop_name}"})
    for method, body in (("PUT", {"text": "Staff words"}), ("DELETE", None)):
        status, refused = await call(journey, method, GREETING_WHATSAPP, body, role="staff")
        assert status == 403 and refused["error"]["code"] == "forbidden_role"
    assert (await journey.db.shops.get(journey.shop.id)).message_texts == {
        "greeting/any/whatsapp/en": "Hello from {shop_name}"
    }
    status, _ = await call(journey, "GET", "/api/v1/templates?language=en", role="staff")
    assert status == 200
    preview = {"kind": "greeting", "style": "whatsapp"}
    status, shown = await call(journey, "POST", "/api/v1/templates/preview", preview, role="staff")
    assert status == 200 and shown["text"] == "Hello from Acme Coffee"


async def test_an_unknown_text_slot_is_not_found(journey: World) -> None:
    for path in ("/api/v1/templates/order_status/lost/sms/en", "/api/v1/templates/greeting/any/fax/en",
                 "/api/v1/templates/greeting/any/sms/xx", "/api/v1/templates/nothing/any/sms/en"):  # fmt: skip
        status, body = await call(journey, "PUT", path, {"text": "Hi"})
        assert status == 404, (path, body)
    status, body = await call(journey, "GET", "/api/v1/templates?language=xx")
    assert status == 422 and body["error"]["details"][0]["field"] == "language"


async def test_a_preview_renders_a_real_order_and_says_what_each_platform_does(journey: World) -> None:
    order = (await journey.api("/orders?search=1042"))["orders"][0]
    accented = "Olá {first_name}, o pedido {order_number} está a caminho: {tracking_url}"
    body = {"kind": "order_status", "status": "shipped", "style": "sms", "order_id": order["order_id"],
            "text": accented}  # fmt: skip
    status, sms = await call(journey, "POST", "/api/v1/templates/preview", body)
    assert status == 200, sms
    assert (
        sms["text"] == "Olá Ana, o pedido 1042 está a caminho:"
    )  # no tracking yet: the placeholder is empty
    assert sms["sms"] == {"encoding": "UCS-2", "segments": 1, "units": len(sms["text"])}
    assert any("UCS-2" in w and "á" in w for w in sms["warnings"])
    assert (await journey.db.shops.get(journey.shop.id)).message_texts == {}  # a preview saves nothing

    body.update(style="whatsapp", text="Hi {first_name}! {order_number} is {status}")
    status, whatsapp = await call(journey, "POST", "/api/v1/templates/preview", body)
    assert whatsapp["text"] == "Hi Ana! 1042 is shipped"
    assert any("window is closed" in w for w in whatsapp["warnings"])
    assert any("no template is set for shipped" in w for w in whatsapp["warnings"])
    await journey.whatsapp(ANA, "hi")
    _, opened = await call(journey, "POST", "/api/v1/templates/preview", body)
    assert any("window is open for 24 h" in w or "window is open for 23 h" in w for w in opened["warnings"])

    status, refused = await call(journey, "POST", "/api/v1/templates/preview", {**body, "text": "{oops}"})
    assert status == 422 and refused["error"]["code"] == "unknown_placeholder"
