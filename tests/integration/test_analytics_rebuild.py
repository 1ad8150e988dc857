"""Counting a shop's analytics days again from its records: ``orderbot analytics rebuild`` and at start."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orders.model import ShopId
from orders.store import Database, open_database
from orders.store.database import STARTUP_RECOUNT_MAX_ORDERS
from tests.conftest import SECRET_KEY, Api, flush_counters, token_for
from tests.integration.test_notifier_settings import run
from tests.integration.test_shop_settings_cli import env  # noqa: F401  (a fixture, used below)
from webhooks import cli
from webhooks.settings import Settings

HISTORY = Path(__file__).parent.parent / "fixtures" / "import" / "history.jsonl"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


async def _days(settings: Settings, shop_id: str, *, drop: bool = False) -> dict[str, Any]:
    assert settings.mongodb_uri is not None
    db = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=[SECRET_KEY])
    try:
        days = await db.analytics.days(ShopId(shop_id), *YEAR)
        if drop:
            await db.analytics.replace(ShopId(shop_id), {})
        return days
    finally:
        await db.close()


@pytest.mark.usefixtures("env")
def test_the_command_counts_a_shops_days_again_from_its_orders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, settings: Settings
) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme", "--timezone", "Europe/Berlin")
    assert code == 0
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(HISTORY.read_text().splitlines()[:3]) + "\n")
    assert cli.main(["import", "--shop", shop["shop_id"], str(history)]) == 0
    capsys.readouterr()
    counted = asyncio.run(_days(settings, shop["shop_id"], drop=True))
    assert sum(day.get("new_orders", 0) for day in counted.values()) == 3
    assert asyncio.run(_days(settings, shop["shop_id"])) == {}  # as a shop from before the days were kept

    code, answer, said = run(capsys, "analytics", "rebuild", "--shop", shop["shop_id"])
    assert code == 0, said
    assert answer == {"shop_id": shop["shop_id"], "days": len(counted)}
    assert asyncio.run(_days(settings, shop["shop_id"])) == counted
    assert run(capsys, "analytics", "rebuild", "--shop", "shop_nope")[0] == 1


async def test_the_service_counts_at_start_the_shops_that_have_no_days(
    db: Database, api: Api, shop: Any, other_shop: Any, client: Any
) -> None:
    for number in ("1", "2"):
        await api.post("/orders", {"number": number, "customer": {"name": "Ana"}}, status=201)
    await flush_counters(client.app)  # counted by the app's client, read through the test's
    counted = await db.analytics.days(shop.id, *YEAR)
    assert sum(day["new_orders"] for day in counted.values()) == 2
    await db.analytics.replace(shop.id, {})  # a shop that ran before the days were kept
    await db.ensure_indexes()
    assert await db.analytics.days(shop.id, *YEAR) == counted

    # a shop that has days is left as it is: its live counts are not replaced at every start
    [day] = counted
    await db.analytics.add_days(shop.id, {day: {"new_orders": 5}})
    await db.ensure_indexes()
    assert (await db.analytics.days(shop.id, *YEAR))[day]["new_orders"] == 7


async def test_a_shop_too_large_to_count_at_start_is_left_to_the_command(
    db: Database, client: Any, other_shop: Any, caplog: pytest.LogCaptureFixture
) -> None:
    other = Api(client, token_for(other_shop))
    await other.post("/orders", {"number": "1", "customer": {"name": "Ana"}}, status=201)
    await flush_counters(client.app)
    await db.stats.add(other_shop.id, {"total": STARTUP_RECOUNT_MAX_ORDERS})  # as if it had that many more
    await db.analytics.replace(other_shop.id, {})
    await db.ensure_indexes()
    assert await db.analytics.days(other_shop.id, *YEAR) == {}
    assert f"orderbot analytics rebuild --shop {other_shop.id}" in caplog.text
