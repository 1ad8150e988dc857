"""Phone numbers as people type them, through the REST API and the order webhook, in the shop's country."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from orders.model import Shop
from tests.conftest import Api, token_for
from webhooks.shop_platforms.generic import sign


async def set_country(client: TestClient[Any, Any], shop: Shop, country: str) -> None:
    response = await client.patch(
        "/api/v1/shop", json={"default_country": country},
        headers={"Authorization": f"Bearer {token_for(shop, role='admin')}"},
    )  # fmt: skip
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("US", "415 555 0143", "+14155550143"),
        ("US", "(415) 555-0143", "+14155550143"),
        ("US", "+44 7911 123456", "+447911123456"),
        ("GB", "07911 123456", "+447911123456"),
        ("GB", "+1 415 555 0143", "+14155550143"),
        ("US", "+1\uff14155550202", "+14155550202"),  # a fullwidth digit, stored in ASCII
        ("US", "+1\u0664155550202", "+14155550202"),  # an Arabic-Indic one
    ],
)
async def test_an_order_takes_the_phone_as_typed_in_the_shops_country(
    client: TestClient[Any, Any], api: Api, shop: Shop, country: str, typed: str, stored: str
) -> None:
    await set_country(client, shop, country)
    order = await api.post("/orders", {"number": "1", "customer": {"phone": typed}}, status=201)
    assert order["customer"]["phone"] == stored
    found = await api.get("/orders", search=stored[-4:])
    assert [o["order_id"] for o in found["orders"]] == [order["order_id"]]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("020 7946 0000", "landline"),
        ("12", "not a phone number"),
        ("415 555 0143", "not a phone number in GB"),
    ],
)
async def test_a_number_that_cannot_be_texted_is_422_in_words(
    client: TestClient[Any, Any], api: Api, shop: Shop, typed: str, words: str
) -> None:
    await set_country(client, shop, "GB")
    body = await api.post("/orders", {"number": "1", "customer": {"phone": typed}}, status=422)
    [detail] = body["error"]["details"]
    assert detail["field"] == "customer.phone" and words in detail["message"]
    assert "pattern" not in detail["message"]
    assert (await api.get("/orders"))["orders"] == []


async def test_the_order_webhook_reads_phones_in_the_shops_country(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    await set_country(client, shop, "GB")
    for number, phone, status in (("1", "07911 123456", 200), ("2", "020 7946 0000", 422)):
        body = json.dumps({"event": "order.created", "order": {"id": f"e{number}", "number": number,
                                                               "customer": {"phone": phone}}}).encode()  # fmt: skip
        response = await client.post(
            f"/webhooks/orders/{shop.id}", data=body,
            headers={"Content-Type": "application/json", "X-Orderbot-Signature": sign(shop.webhook_secret, body)},
        )  # fmt: skip
        assert response.status == status, await response.text()
    [order] = (await api.get("/orders"))["orders"]
    assert order["customer"]["phone"] == "+447911123456"
