"""Providers' own test traffic through the real app and database: acknowledged, never taken for real.

Telegram publishes example updates for testing a bot (https://core.telegram.org/bots/webhooks, "Testing your
bot with updates"); ``tests/fixtures/telegram/bot_api_examples`` holds them as published (see its README).
They lack fields Telegram's servers always send (``is_bot`` above all), and each is delivered here as is.

Shopify's "Send test notification" (Settings → Notifications → Webhooks) posts the sample order of the topic,
signed like any delivery and marked ``X-Shopify-Test: true``. The fixture
``tests/fixtures/shopify/test_notification_orders_cancelled.json`` is the ``orders/cancelled`` sample payload
of Shopify's webhook reference (https://shopify.dev/docs/api/webhooks?reference=toml, topic
``orders/cancelled``) as published: order ``#9999``, id 820982911946154508, ``"test": true``, cancelled, with
the email jon@example.com, which belongs to no customer of the shop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.staff.arguments import USAGE
from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock
from tests.integration import test_telegram as harness
from tests.integration.test_shop_platforms import NO_ORDER, answer_of, metric, orders_of, post_shopify, raw
from tests.integration.test_telegram import Harness
from webhooks.keys import EVENT_WORK
from webhooks.settings import Settings
from webhooks.shop_platforms import shopify

SAMPLE = "test_notification_orders_cancelled.json"
TELEGRAM_EXAMPLES = Path(__file__).parents[1] / "fixtures" / "telegram" / "bot_api_examples"
EXAMPLE_USER = 1111111  # the sender of Telegram's examples

# the Telegram harness's fixtures, used here by name, with a shop whose staff is the examples' sender
telegram = harness.telegram
telegram_settings = harness.telegram_settings
desk = harness.desk
pytestmark = harness.pytestmark


async def post_test_notification(
    client: TestClient[Any, Any], shop: Shop, body: bytes, webhook_id: str, topic: str = "orders/cancelled"
) -> dict[str, Any]:
    """Deliver ``body`` as the admin's test button does: signed, ``X-Shopify-Test: true``."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        shopify.TEST_HEADER: "true",
        shopify.WEBHOOK_ID_HEADER: webhook_id,
        shopify.SIGNATURE_HEADER: shopify.sign(shop.webhook_secret, body),
        "X-Shopify-Shop-Domain": "acme-coffee.myshopify.com",
        "X-Shopify-API-Version": "2026-10",
    }
    response = await client.post(f"/webhooks/shopify/{shop.id}", data=body, headers=headers)
    return await answer_of(response)


async def test_shopify_test_notification_is_acknowledged_recorded_and_never_an_order(
    client: TestClient[Any, Any], api: Api, shop: Shop, db: Database, settings: Settings
) -> None:
    body = raw("shopify", SAMPLE)
    assert json.loads(body)["test"] is True and json.loads(body)["name"] == "#9999"

    answer = await post_test_notification(client, shop, body, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert answer == {**NO_ORDER, "ignored": "test"}
    again = await post_test_notification(client, shop, body, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert again == {**NO_ORDER, "duplicate": True, "ignored": "test"}
    # the button pressed again, on another topic we do not take: still a test
    other = await post_test_notification(
        client, shop, body, "0c9f4f8e-test-products", topic="products/create"
    )
    assert other == {**NO_ORDER, "ignored": "test"}
    await client.app[EVENT_WORK].drain()

    assert await orders_of(api) == []
    raw_db = db.client[settings.mongodb_db]
    assert await raw_db["outbox"].count_documents({}) == 0
    assert await raw_db["customers"].count_documents({}) == 0
    record = await db.events.get("shopify", "webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert record is not None
    assert (record["state"], record["result"]) == (
        "done",
        {"test": True, "shop_id": shop.id, "topic": "orders/cancelled"},
    )
    assert "payload" not in record  # nothing for recovery to apply later
    metrics = await (await client.get("/metrics")).text()
    assert metric(metrics, "shopify", "test") == 3


async def test_a_badly_signed_test_notification_is_refused(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    body = raw("shopify", SAMPLE)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/cancelled",
        shopify.TEST_HEADER: "true",
        shopify.SIGNATURE_HEADER: shopify.sign("not the shop's secret", body),
    }
    response = await client.post(f"/webhooks/shopify/{shop.id}", data=body, headers=headers)
    assert response.status == 401
    assert await orders_of(api) == []


async def test_a_real_order_paid_through_a_test_gateway_is_still_an_order(
    client: TestClient[Any, Any], api: Api, shop: Shop
) -> None:
    """Only the header marks Shopify's test notification; ``"test": true`` alone is a shop's own test order."""
    body = json.loads(raw("shopify", SAMPLE))
    body["id"] = 5937502486999
    response = await post_shopify(
        client, shop.id, json.dumps(body).encode(), secret=shop.webhook_secret, topic="orders/cancelled"
    )
    assert (await answer_of(response))["ignored"] is None
    await client.app[EVENT_WORK].drain()
    [order] = await orders_of(api)
    assert (order["external_id"], order["status"]) == ("shopify:5937502486999", "cancelled")


# -- Telegram's example updates -------------------------------------------------------------------------


@pytest.fixture
async def desk_shop(db: Database, clock: Clock) -> Shop:
    shop = new_shop("Acme Coffee", clock(), staff_telegram_ids=[EXAMPLE_USER])
    await db.shops.add(shop)
    return shop


def example(name: str) -> bytes:
    return (TELEGRAM_EXAMPLES / f"{name}.json").read_bytes()


STARTS = ["message_with_text_tls", "message_with_text", "forwarded_message", "forwarded_channel_message",
          "message_with_a_reply"]  # fmt: skip
#: The other examples, and what the desk answers: the usage line to a message that is not a command, nothing
#: to an edit (an edited "/status" is not a new request), an inline query or a button on an inline message.
OTHERS = {"edited_message": None, "message_with_entities": USAGE, "message_with_audio": USAGE,
          "voice_message": USAGE, "message_with_a_document": USAGE, "inline_query": None,
          "chosen_inline_query": None, "callback_query": None}  # fmt: skip


def test_every_published_example_is_here() -> None:
    assert sorted([*STARTS, *OTHERS]) == sorted(path.stem for path in TELEGRAM_EXAMPLES.glob("*.json"))
    assert all(b'"is_bot"' not in example(name) for name in [*STARTS, *OTHERS])


@pytest.mark.parametrize("name", STARTS)
async def test_telegrams_start_examples_are_accepted_and_answered(desk: Harness, name: str) -> None:
    answer = await desk.deliver(example(name))
    assert answer == {"ok": True, "duplicate": False}
    [reply] = desk.telegram.sent
    assert reply.chat_id == EXAMPLE_USER
    assert reply.text.startswith("Order desk of Acme Coffee.\n"), reply.text


@pytest.mark.parametrize(("name", "expected"), OTHERS.items())
async def test_telegrams_other_examples_are_accepted(desk: Harness, name: str, expected: str | None) -> None:
    answer = await desk.deliver(example(name))
    assert answer == {"ok": True, "duplicate": False}
    assert [(sent.chat_id, sent.text) for sent in desk.telegram.sent] == (
        [(EXAMPLE_USER, expected)] if expected else []
    )


async def test_a_chat_without_a_type_is_private_only_when_it_is_the_senders(desk: Harness) -> None:
    """The missing type is filled in for a private chat (its id is its user's), never guessed for another."""
    update = json.loads(example("message_with_text_tls"))
    update["message"]["chat"]["id"] = -1001234567890
    answer = await desk.deliver(update, expect=400)
    assert answer["error"]["code"] == "malformed"
    assert desk.telegram.sent == []
