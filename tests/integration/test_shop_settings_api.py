"""Every shop setting through ``GET``/``PATCH /api/v1/shop``: the real app, the real database, raw reads.

Secrets are write-only and sealed at rest; a bad value is a 422 naming its field with nothing saved; a
staff token may read the shop but not change it; every web process sees a change.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from orders.crypto import is_sealed
from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, token_for
from webhooks.api.shop_settings import MASK
from webhooks.app import build_app
from webhooks.keys import SHOPS
from webhooks.settings import Settings

SMTP_PASSWORD = "smtp-" + "p" * 20
SHIPPED = "HX" + "a" * 32

#: A change of every setting, as a shop owner would type it.
EVERYTHING: dict[str, Any] = {
    "name": "Acme Roasters",
    "sms_number": "(415) 555-0143",
    "whatsapp_number": "+44 7911 123456",
    "instagram_id": "17841400000000001",
    "staff_telegram_ids": [1001, 1002],
    "staff_emails": ["ops@acme.example", "owner@acme.example"],
    "timezone": "America/New_York",
    "default_country": "us",
    "languages": ["en", "es"],
    "tone": "formal",
    "signature": "Acme Roasters, Brooklyn",
    "smtp_host": "smtp.acme.example",
    "smtp_port": 465,
    "smtp_tls": "tls",
    "smtp_user": "mailer",
    "smtp_password": SMTP_PASSWORD,
    "smtp_from": "orders@acme.example",
    "quiet_hours": "22:00-07:30",
    "debounce_seconds": 30,
    "nudge_wait_hours": 6,
    "rates": {"sms": 3},
    "whatsapp_templates": {"shipped": SHIPPED},
    "thresholds": {"pending_too_long": 36, "stuck_shipped": 120},
    "auto_progress": True,
    "auto_after_hours": 12,
    "ai_confidence": 0.9,
    "promise_level": 0.95,
    "ai_messages": True,
    "ai_daily_budget": 50,
    "shopify_secret": "shpss_" + "s" * 20,
    "woocommerce_secret": "wc_" + "w" * 20,
    "aftership_webhook_secret": "as_hook_" + "a" * 20,
    "aftership_api_key": "asat_" + "k" * 20,
    "easypost_webhook_secret": "sécret-" + "e" * 20,
    "easypost_api_key": "EZAK" + "p" * 20,
    "csat_delay_hours": 12.0,
}
TRACKING_SECRETS = (
    "aftership_webhook_secret",
    "aftership_api_key",
    "easypost_webhook_secret",
    "easypost_api_key",
)


def headers(shop: Shop, role: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(shop, role=role)}"}


async def patch(
    client: TestClient[Any, Any], shop: Shop, body: Any, status: int = 200, role: str = "admin"
) -> Any:
    response = await client.patch("/api/v1/shop", json=body, headers=headers(shop, role))
    assert response.status == status, await response.text()
    return await response.json()


async def read(client: TestClient[Any, Any], shop: Shop, role: str = "admin") -> Any:
    response = await client.get("/api/v1/shop", headers=headers(shop, role))
    assert response.status == 200, await response.text()
    return await response.json()


async def raw(db: Database, settings: Settings, shop: Shop) -> dict[str, Any]:
    doc = await db.client[settings.mongodb_db].shops.find_one({"_id": shop.id})
    assert doc is not None
    return doc


async def test_an_admin_changes_every_setting_and_reads_it_back_with_secrets_masked(
    client: TestClient[Any, Any], shop: Shop, db: Database, settings: Settings
) -> None:
    answer = await patch(client, shop, EVERYTHING)
    read_back = await read(client, shop)
    assert read_back == answer
    got = read_back["settings"]
    expected = EVERYTHING | {
        "sms_number": "+14155550143", "whatsapp_number": "+447911123456", "default_country": "US",
        "smtp_password": MASK, "shopify_secret": MASK, "woocommerce_secret": MASK,
        **dict.fromkeys(TRACKING_SECRETS, MASK),
        "thresholds": {"pending_too_long": 36, "stuck_processing": 72, "stuck_shipped": 120,
                       "no_customer_contact": 24},
    }  # fmt: skip
    assert got == expected
    assert (read_back["name"], read_back["timezone"]) == ("Acme Roasters", "America/New_York")

    doc = await raw(db, settings, shop)
    assert is_sealed(doc["email"]["password"]) and is_sealed(doc["shopify_secret"])
    assert SMTP_PASSWORD not in str(doc) and EVERYTHING["shopify_secret"] not in str(doc)
    assert all(is_sealed(doc[name]) and EVERYTHING[name] not in str(doc) for name in TRACKING_SECRETS)
    stored = await db.shops.get(shop.id)
    assert stored.email is not None and stored.email.password == SMTP_PASSWORD
    assert stored.webhook_secret == shop.webhook_secret  # untouched


async def test_the_mask_sent_back_keeps_a_secret_and_null_clears_settings(
    client: TestClient[Any, Any], shop: Shop, db: Database
) -> None:
    await patch(client, shop, EVERYTHING)
    await patch(client, shop, {"smtp_password": MASK, "shopify_secret": MASK, "smtp_port": 587})
    stored = await db.shops.get(shop.id)
    assert stored.email is not None and (stored.email.password, stored.email.port) == (SMTP_PASSWORD, 587)
    assert stored.shopify_secret == EVERYTHING["shopify_secret"]

    cleared = await patch(
        client, shop,
        {"sms_number": None, "smtp_host": None, "rates": {"sms": None}, "thresholds": {"stuck_shipped": None},
         "staff_telegram_ids": None, "quiet_hours": "off"},
    )  # fmt: skip
    got = cleared["settings"]
    assert got["sms_number"] is None and got["smtp_host"] is None and got["smtp_password"] is None
    assert got["rates"] == {} and got["thresholds"]["stuck_shipped"] == 240
    assert got["staff_telegram_ids"] == [] and got["quiet_hours"] == "off"
    assert (await db.shops.get(shop.id)).email is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"sms_number": "+44 20 7946 0000"}, "sms_number", "landline"),
        ({"whatsapp_number": "12"}, "whatsapp_number", "not a phone number"),
        ({"timezone": "Mars/Olympus"}, "timezone", "time zone"),
        ({"default_country": "XX"}, "default_country", "country code"),
        ({"smtp_port": 70000}, "smtp_port", "65535"),
        ({"smtp_host": "smtp.acme.example"}, "smtp_from", "sent from"),
        ({"quiet_hours": "25:00-07:00"}, "quiet_hours", "time of day"),
        ({"whatsapp_templates": {"shipped": "SM1"}}, "whatsapp_templates", "Content SID"),
        ({"thresholds": {"lost": 3}}, "thresholds.lost.[key]", ""),
        ({"ai_confidence": 1.5}, "ai_confidence", "1"),
        ({"promise_level": 0.3}, "promise_level", "0.5"),
        ({"ai_daily_budget": -1}, "ai_daily_budget", "0"),
        ({"ai_messages": None}, "ai_messages", "null"),
        ({"rates": {"sms": 0}}, "rates", "above 0"),
        ({"languages": []}, "languages", ""),
        ({"name": None}, "name", "null"),
        ({"staff_emails": ["not-an-address"]}, "staff_emails.0", ""),
        ({"tone": "rude"}, "tone", ""),
        ({"colour": "red"}, "colour", ""),
    ],
)
async def test_a_bad_value_is_422_naming_the_field_and_nothing_is_saved(
    client: TestClient[Any, Any], shop: Shop, db: Database, settings: Settings,
    change: dict[str, Any], field: str, words: str,
) -> None:  # fmt: skip
    before = await raw(db, settings, shop)
    body = await patch(client, shop, {"name": "Renamed", "tone": "formal", **change}, status=422)
    assert body["error"]["code"] == "invalid_field"
    assert [d["field"] for d in body["error"]["details"]] == [field]
    assert words in body["error"]["details"][0]["message"]
    assert await raw(db, settings, shop) == before


async def test_a_staff_token_reads_the_shop_without_settings_and_may_not_change_them(
    client: TestClient[Any, Any], shop: Shop, db: Database, settings: Settings
) -> None:
    staff_view = await read(client, shop, role="staff")
    assert staff_view["role"] == "staff" and "settings" not in staff_view
    before = await raw(db, settings, shop)
    body = await patch(client, shop, {"name": "Taken over"}, status=403, role="staff")
    assert body["error"]["code"] == "forbidden_role"
    assert await raw(db, settings, shop) == before


async def test_a_number_another_shop_uses_is_a_conflict(
    client: TestClient[Any, Any], shop: Shop, other_shop: Shop
) -> None:
    await patch(client, other_shop, {"sms_number": "+1 415 555 0143"})
    body = await patch(client, shop, {"sms_number": "415 555 0143", "name": "Clash"}, status=409)
    assert body["error"]["code"] == "conflict"
    assert (await read(client, shop))["name"] == shop.name


async def test_every_web_process_sees_a_change_within_the_cache_lifetime(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, shop: Shop, db: Database
) -> None:
    first = await aiohttp_client(build_app(settings, clock=clock))
    second = await aiohttp_client(build_app(settings, clock=clock))
    assert (await read(second, shop))["name"] == shop.name  # the second process keeps the shop a while

    await patch(first, shop, {"name": "New Name", "sms_number": "415 555 0143"})
    assert (await read(first, shop))["name"] == "New Name"  # at once where it was changed
    clock.advance(seconds=6)
    assert (await read(second, shop))["name"] == "New Name"
    found = await second.app[SHOPS].by_address("sms_number", "+14155550143")
    assert found is not None and found.id == shop.id


async def test_the_document_describes_the_patch_as_admin_only(client: TestClient[Any, Any]) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    spec = doc["paths"]["/api/v1/shop"]["patch"]
    assert spec["x-required-role"] == "admin" and "403" in spec["responses"] and "422" in spec["responses"]
    assert spec["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ShopSettingsPatch"
    }


async def test_a_shop_from_before_these_settings_reads_with_their_defaults(
    client: TestClient[Any, Any], db: Database, settings: Settings, clock: Clock
) -> None:
    old = new_shop("Old Shop", clock())
    await db.shops.add(old)
    await db.client[settings.mongodb_db].shops.update_one(
        {"_id": old.id}, {"$unset": {"staff_emails": "", "default_country": "", "languages": ""}}
    )
    got = (await read(client, old))["settings"]
    assert (got["default_country"], got["languages"], got["staff_emails"]) == ("US", ["en"], [])


async def test_two_processes_changing_different_settings_both_keep_theirs(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, shop: Shop, db: Database
) -> None:
    first = await aiohttp_client(build_app(settings, clock=clock))
    second = await aiohttp_client(build_app(settings, clock=clock))
    await read(first, shop)  # the first process now keeps a copy from before the second's change
    await patch(second, shop, {"name": "Named Elsewhere"})
    await patch(first, shop, {"tone": "formal"})
    stored = await db.shops.get(shop.id)
    assert (stored.name, stored.tone) == ("Named Elsewhere", "formal")
