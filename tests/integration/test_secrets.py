"""Secrets at rest: shops' secrets are sealed in MongoDB, and keys rotate without downtime.

Real database, real app: what the store wrote is read back raw, and the app verifies webhooks and tokens
with secrets and keys as an operator would configure them mid-rotation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient

from orders.crypto import UnknownKey, is_sealed
from orders.model import EmailSettings, Shop
from orders.service import new_shop
from orders.store import Database, open_database
from tests.conftest import SECRET_KEY, Clock
from webhooks.access.auth import issue_token
from webhooks.app import build_app
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

OLD = SECRET_KEY
NEW = "rotated-key-" + "r" * 40
SMTP_PASSWORD = "smtp-pa55word-" + "q" * 8


def _shop(clock: Clock) -> Shop:
    return new_shop(
        "Sealed Coffee",
        clock(),
        shopify_secret="shpss_sealed-shopify-secret",
        woocommerce_secret="wc-sealed-woo-secret",
        email=EmailSettings(host="smtp.example.com", username="shop", password=SMTP_PASSWORD,
                            from_address="shop@example.com"),
    )  # fmt: skip


def _secrets(shop: Shop) -> list[str]:
    assert shop.email is not None and shop.email.password is not None
    assert shop.shopify_secret is not None and shop.woocommerce_secret is not None
    return [shop.webhook_secret, shop.shopify_secret, shop.woocommerce_secret, shop.email.password]


async def _raw(db: Database, settings: Settings, shop_id: str) -> dict[str, Any]:
    doc = await db.client[settings.mongodb_db].shops.find_one({"_id": shop_id})
    assert doc is not None
    return doc


def _stored_secrets(doc: dict[str, Any]) -> list[str]:
    return [doc["webhook_secret"], doc["shopify_secret"], doc["woocommerce_secret"], doc["email"]["password"]]


@pytest.fixture
async def keyed(settings: Settings) -> AsyncIterator[Callable[..., Database]]:
    """Databases over the test's database with the keys given (an operator's processes mid-rotation)."""
    opened: list[Database] = []

    def open_with(*keys: str) -> Database:
        assert settings.mongodb_uri is not None
        db = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=keys)
        opened.append(db)
        return db

    yield open_with
    for db in opened:
        await db.close()


def _rotating(settings: Settings, *, old: bool = True) -> Settings:
    return settings.model_copy(
        update={
            "secret_key": SecretStr(NEW),
            "old_secret_keys": SecretStr(f"unused-{'u' * 40}, {OLD}") if old else None,
        }
    )


async def _order_event(client: TestClient[Any, Any], shop: Shop, event_id: str) -> int:
    body = json.dumps({"event": "order.created", "order": {"id": event_id, "number": event_id}}).encode()
    headers = {"Content-Type": "application/json", "X-Orderbot-Signature": sign(shop.webhook_secret, body),
               "X-Orderbot-Event-Id": event_id}  # fmt: skip
    response = await client.post(f"/webhooks/orders/{shop.id}", data=body, headers=headers)
    return response.status


async def test_every_shop_secret_is_sealed_in_the_database_and_read_back_in_clear(
    db: Database, settings: Settings, clock: Clock
) -> None:
    shop = _shop(clock)
    await db.shops.add(shop)
    doc = await _raw(db, settings, shop.id)
    stored = _stored_secrets(doc)
    assert all(is_sealed(value) for value in stored)
    text = repr(doc)
    assert not [secret for secret in _secrets(shop) if secret in text]
    assert doc["email"]["username"] == "shop"  # only secrets are sealed
    assert await db.shops.get(shop.id) == shop
    assert await db.shops.list() == [shop]

    changed = shop.model_copy(update={"woocommerce_secret": "wc-changed-secret"})
    await db.shops.save(changed)  # every way in goes through the same mapping
    resaved = await _raw(db, settings, shop.id)
    assert all(is_sealed(value) for value in _stored_secrets(resaved))
    assert "wc-changed-secret" not in repr(resaved)
    assert await db.shops.get(shop.id) == changed


async def test_the_app_verifies_webhooks_with_the_sealed_secret(
    db: Database, settings: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    shop = _shop(clock)
    await db.shops.add(shop)
    client = await aiohttp_client(build_app(settings, clock=clock))
    assert await _order_event(client, shop, "A-1") == 200
    forged = Shop.model_validate(
        {**shop.model_dump(), "webhook_secret": (await _raw(db, settings, shop.id))["webhook_secret"]}
    )
    assert await _order_event(client, forged, "A-2") == 401  # the sealed text is not the secret


async def test_plaintext_secrets_from_before_are_read_and_sealed_by_reseal(
    db: Database, settings: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    shop = _shop(clock)
    legacy = {**shop.model_dump(exclude={"id"}), "_id": shop.id}
    await db.client[settings.mongodb_db].shops.insert_one(legacy)
    assert await db.shops.get(shop.id) == shop
    client = await aiohttp_client(build_app(settings, clock=clock))
    assert await _order_event(client, shop, "A-1") == 200

    assert await db.shops.reseal_all() == (1, 1)
    assert all(is_sealed(value) for value in _stored_secrets(await _raw(db, settings, shop.id)))
    assert await db.shops.get(shop.id) == shop
    assert await db.shops.reseal_all() == (0, 1)


async def test_keys_rotate_without_downtime(
    db: Database,
    settings: Settings,
    clock: Clock,
    keyed: Callable[..., Database],
    aiohttp_client: AiohttpClient,
) -> None:
    shop = _shop(clock)
    await db.shops.add(shop)  # sealed with the old key
    sealed_before = _stored_secrets(await _raw(db, settings, shop.id))

    # The processes restart one by one with the new key first and the old one still accepted.
    rotating = await aiohttp_client(build_app(_rotating(settings), clock=clock))
    still_old = await aiohttp_client(build_app(settings, clock=clock))
    assert await _order_event(rotating, shop, "A-1") == 200
    assert await _order_event(still_old, shop, "A-2") == 200

    assert await keyed(NEW, OLD).shops.reseal_all() == (1, 1)
    sealed_after = _stored_secrets(await _raw(db, settings, shop.id))
    assert all(is_sealed(value) for value in sealed_after)
    assert not set(sealed_before) & set(sealed_after)

    # Once resealed, the old key can go: the new key alone reads every secret, the old one alone none.
    assert await keyed(NEW).shops.get(shop.id) == shop
    with pytest.raises(UnknownKey):
        await keyed(OLD).shops.get(shop.id)
    new_only = await aiohttp_client(build_app(_rotating(settings, old=False), clock=clock))
    assert await _order_event(new_only, shop, "A-3") == 200


async def test_tokens_signed_with_an_old_key_work_while_it_is_configured(
    shop: Shop,
    settings: Settings,
    clock: Clock,
    keyed: Callable[..., Database],
    aiohttp_client: AiohttpClient,
) -> None:
    await keyed(NEW, OLD).shops.reseal_all()  # so that a process with the new key alone reads the shop
    now = datetime.now(UTC)
    old_token, new_token = issue_token(OLD, shop.id, now=now), issue_token(NEW, shop.id, now=now)
    rotating = await aiohttp_client(build_app(_rotating(settings), clock=clock))
    new_only = await aiohttp_client(build_app(_rotating(settings, old=False), clock=clock))

    async def status(client: TestClient[Any, Any], token: str) -> int:
        response = await client.get("/api/v1/orders/stats", headers={"Authorization": f"Bearer {token}"})
        return response.status

    assert await status(rotating, old_token) == 200
    assert await status(rotating, new_token) == 200
    assert await status(new_only, new_token) == 200
    assert await status(new_only, old_token) == 401
    forged = issue_token("unknown-key-" + "z" * 40, shop.id, now=now)
    assert await status(rotating, forged) == 401


async def test_a_shop_sealed_with_a_key_the_server_lacks_answers_503_with_what_to_do(
    db: Database, settings: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    shop = _shop(clock)
    await db.shops.add(shop)  # sealed with OLD; the server below knows only NEW
    client = await aiohttp_client(build_app(_rotating(settings, old=False), clock=clock))
    response = await client.post(
        f"/webhooks/orders/{shop.id}", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status == 503
    error = (await response.json())["error"]
    assert error["code"] == "secrets_unavailable"
    assert "ORDERBOT_OLD_SECRET_KEYS" in error["message"]
    assert await db.orders.find_external(shop.id, "anything") is None
