"""Trackers registered for orders moved or brought in by bulk actions and imports (issue 29 item 1's loose
ends), at the aggregators' stand-ins, through the real app: the harness of ``test_carrier_webhooks``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_telegram as harness
from tests.integration.test_carrier_webhooks import UPS_NUMBER, client, stand_ins, store, store_api
from tests.integration.test_telegram import STAFF, Harness, fixture
from tests.standins.aftership import AfterShipStandIn
from tests.standins.easypost import EasyPostStandIn
from tests.standins.telegram import TelegramStandin
from webhooks.cli.imports import import_text
from webhooks.settings import Settings

__all__ = ["client", "stand_ins", "store", "store_api"]  # the carrier tests' fixtures, used here by name

StandIns = tuple[AfterShipStandIn, EasyPostStandIn, str, str]


async def test_a_bulk_status_change_tries_a_refused_registration_again(
    client: TestClient[Any, Any], store_api: Api, stand_ins: StandIns
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    aftership_api.api_key = "a key the shop does not have"  # AfterShip refuses the first registration
    body = {"external_id": "api-1", "number": "2001", "tracking": {"carrier": "UPS", "number": UPS_NUMBER}}
    order = await store_api.post("/orders", body, status=201)
    await finish_background(client.app)
    assert (aftership_api.created, aftership_api.refused) == ([], 1)

    aftership_api.api_key = "asat_test_key"
    bulk = {"order_ids": [order["order_id"]], "action": "update_status", "status": "shipped"}
    assert (await store_api.post("/orders/bulk-action", bulk))["succeeded"] == 1
    await finish_background(client.app)
    assert [t["tracking_number"] for t in aftership_api.created] == [UPS_NUMBER]
    assert len(easypost_api.created) == 1


async def test_an_import_registers_the_parcels_still_on_their_way(
    client: TestClient[Any, Any], store: Shop, stand_ins: StandIns
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    admin = Api(client, token_for(store, role="admin"))
    rows = [
        {"external_id": "h-1", "number": "3001", "created_at": "2026-10-20T10:00:00Z",
         "shipped_at": "2026-10-21T10:00:00Z", "tracking": {"carrier": "UPS", "number": UPS_NUMBER}},
        {"external_id": "h-2", "number": "3002", "created_at": "2026-10-01T10:00:00Z",
         "shipped_at": "2026-10-02T10:00:00Z", "delivered_at": "2026-10-05T10:00:00Z",
         "tracking": {"carrier": "UPS", "number": "1ZDELIVERED"}},
    ]  # fmt: skip
    answer = await admin.post("/orders/import", {"orders": rows}, dry_run="true")
    await finish_background(client.app)
    assert answer["created"] == 2 and aftership_api.created == []  # a dry run registers nothing

    answer = await admin.post("/orders/import", {"orders": rows})
    await finish_background(client.app)
    assert answer["created"] == 2
    assert aftership_api.created == [{"tracking_number": UPS_NUMBER, "order_number": "3001"}]
    assert easypost_api.created == [{"tracking_code": UPS_NUMBER}]  # the delivered parcel is not followed


# -- staff commands in Telegram, with the harness of ``test_telegram`` ---------------------------------------

telegram = harness.telegram
pytestmark = harness.pytestmark


@pytest.fixture
async def telegram_settings(
    settings: Settings, telegram: TelegramStandin, aiohttp_server: Any, stand_ins: StandIns
) -> Settings:
    server = await aiohttp_server(telegram.app())
    *_, aftership_url, easypost_url = stand_ins
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(harness.TOKEN),
            "telegram_webhook_secret": SecretStr(harness.SECRET),
            "telegram_base_url": str(server.make_url("")).rstrip("/"),
            "aftership_base_url": aftership_url,
            "easypost_base_url": easypost_url,
        }
    )


@pytest.fixture
async def desk_shop(db: Database, clock: Clock) -> Shop:
    shop = new_shop(
        "Acme Coffee", clock(), staff_telegram_ids=[STAFF], aftership_api_key="asat_test_key",
        easypost_api_key="EZTK_test_key",
    )  # fmt: skip
    await db.shops.add(shop)
    return shop


desk = harness.desk


async def test_a_staff_status_command_tries_a_refused_registration_again(
    desk: Harness, stand_ins: StandIns
) -> None:
    aftership_api, easypost_api, *_ = stand_ins
    aftership_api.api_key = "a key the shop does not have"
    await desk.order(number="1042", tracking={"carrier": "UPS", "number": UPS_NUMBER})
    await finish_background(desk.client.app)
    assert (aftership_api.created, aftership_api.refused) == ([], 1)

    aftership_api.api_key = "asat_test_key"
    await desk.deliver(fixture("command_status"))  # "/status 1042 shipped DHL picked it up"
    await finish_background(desk.client.app)
    assert [t["tracking_number"] for t in aftership_api.created] == [UPS_NUMBER]
    assert len(easypost_api.created) == 1


async def test_orderbot_import_registers_the_parcels_still_on_their_way(
    settings: Settings, store: Shop, stand_ins: StandIns
) -> None:
    aftership_api, easypost_api, aftership_url, easypost_url = stand_ins
    pointed = settings.model_copy(
        update={"aftership_base_url": aftership_url, "easypost_base_url": easypost_url}
    )
    rows = [
        {"external_id": "h-1", "number": "3001", "created_at": "2026-10-20T10:00:00Z",
         "shipped_at": "2026-10-21T10:00:00Z", "tracking": {"carrier": "UPS", "number": UPS_NUMBER}},
        {"external_id": "h-2", "number": "3002", "created_at": "2026-10-01T10:00:00Z",
         "delivered_at": "2026-10-05T10:00:00Z", "tracking": {"carrier": "UPS", "number": "1ZDELIVERED"}},
    ]  # fmt: skip
    text = "\n".join(json.dumps(row) for row in rows)
    await import_text(pointed, store.id, text, dry_run=True)
    assert aftership_api.created == easypost_api.created == []
    results = await import_text(pointed, store.id, text, dry_run=False)
    assert [r.outcome for r in results] == ["created", "created"]
    assert aftership_api.created == [{"tracking_number": UPS_NUMBER, "order_number": "3001"}]
    assert easypost_api.created == [{"tracking_code": UPS_NUMBER}]
