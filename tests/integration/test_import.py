"""History brought in through ``POST /api/v1/orders/import``: a result per row, the file's times on the
timeline, nobody notified, counters right, and the same import twice changing nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from orders.model import Shop
from orders.store import Database
from tests.conftest import Api, token_for
from tests.integration.test_api import error_code, fields_named, new_order, snapshot
from webhooks.api.import_rows import read_rows

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def rows_of(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


@pytest.fixture
def admin(client: TestClient[Any, Any], shop: Shop) -> Api:
    return Api(client, token_for(shop, role="admin"))


async def outbox_size(db: Database, settings_db: str) -> int:
    return await db.client[settings_db].outbox.count_documents({})


async def import_rows(admin: Api, rows: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = await admin.post("/orders/import", {"orders": rows}, **params)
    return body


async def test_each_row_gets_its_result_and_the_timeline_keeps_the_files_times(
    admin: Api, db: Database, settings: Any
) -> None:
    body = await import_rows(admin, rows_of("history.jsonl"))
    outcomes = [(r["row"], r["outcome"], r["error"]) for r in body["results"]]
    assert outcomes[:3] == [(0, "created", None), (1, "created", None), (2, "created", None)]
    assert outcomes[3][1:] == ("invalid", "status pending contradicts paid_at")
    assert outcomes[4][1:] == ("invalid", "paid_at is before created_at")
    assert (body["created"], body["updated"], body["unchanged"], body["invalid"]) == (3, 0, 0, 2)

    delivered = await admin.get("/orders/by-number/H-1001")
    assert delivered["status"] == "fulfilled"
    assert delivered["created_at"] == "2026-03-01T10:00:00Z"
    assert delivered["ship_to"] == {"country": "US", "region": "CA", "postal_code": "94110"}
    assert delivered["ship_from"] == {"country": "US", "region": "NV", "postal_code": "89501"}
    assert delivered["tracking"]["number"] == "1Z001"
    view = await admin.get(f"/orders/{delivered['order_id']}/progress")
    assert [(e["status"], e["at"], e["source"]) for e in view["timeline"]] == [
        ("pending", "2026-03-01T10:00:00Z", "import"),
        ("processing", "2026-03-01T12:30:00Z", "import"),
        ("shipped", "2026-03-03T09:00:00Z", "import"),
        ("fulfilled", "2026-03-07T15:45:00Z", "import"),
    ]
    assert view["notifications"] == []
    cancelled = await admin.get("/orders/by-number/H-1002")
    assert (cancelled["status"], cancelled["status_since"]) == ("cancelled", "2026-03-04T10:00:00Z")
    await admin.get("/orders/by-number/H-1004", status=404)  # an invalid row writes nothing
    assert await outbox_size(db, settings.mongodb_db) == 0  # nobody is told about the past

    stats = await admin.get("/orders/stats")
    assert stats["total"] == 3
    assert stats["by_status"] == {"pending": 0, "processing": 0, "shipped": 1, "fulfilled": 1, "cancelled": 1}
    assert stats["avg_hours_to_ship"] == 51.5  # (47 h + 56 h) / 2, from the file's times
    assert stats["notifications"]["sent"] == 0


async def test_importing_the_same_rows_again_changes_nothing(admin: Api) -> None:
    rows = rows_of("history.jsonl")[:3]
    await import_rows(admin, rows)
    before = await snapshot(admin)
    stats = await admin.get("/orders/stats")
    again = await import_rows(admin, rows)
    assert [r["outcome"] for r in again["results"]] == ["unchanged"] * 3
    assert await snapshot(admin) == before
    assert await admin.get("/orders/stats") == stats


async def test_a_later_import_updates_an_order_with_what_happened_since(admin: Api) -> None:
    shipped = rows_of("history.jsonl")[2]
    first = await import_rows(admin, [shipped])
    order_id = first["results"][0]["order_id"]
    delivered = {**shipped, "status": None, "delivered_at": "2026-11-01T11:00:00+00:00", "total": "19.00"}
    body = await import_rows(admin, [{k: v for k, v in delivered.items() if v is not None}])
    assert [(r["outcome"], r["order_id"]) for r in body["results"]] == [("updated", order_id)]
    order = await admin.get(f"/orders/{order_id}")
    assert (order["status"], order["status_since"], order["total"]) == (
        "fulfilled", "2026-11-01T11:00:00Z", "19.00",
    )  # fmt: skip
    stats = await admin.get("/orders/stats")
    assert stats["by_status"]["shipped"] == 0 and stats["by_status"]["fulfilled"] == 1


async def test_a_row_without_external_id_updates_the_order_with_its_number(admin: Api) -> None:
    existing = await new_order(admin, number="N-1", external_id="platform-9")
    body = await import_rows(admin, [{"number": "N-1", "created_at": "2026-10-01T08:00:00+00:00",
                                      "paid_at": "2026-10-01T09:00:00+00:00"}])  # fmt: skip
    assert [(r["outcome"], r["order_id"]) for r in body["results"]] == [("updated", existing["order_id"])]
    assert (await admin.get(f"/orders/{existing['order_id']}"))["status"] == "processing"


async def test_a_row_whose_number_another_order_holds_is_invalid_and_the_others_go_in(admin: Api) -> None:
    await new_order(admin, number="N-2", external_id="platform-2")
    body = await import_rows(admin, [
        {"external_id": "csv-2", "number": "N-2", "created_at": "2026-10-01T08:00:00+00:00"},
        {"external_id": "csv-3", "number": "N-3", "created_at": "2026-10-01T08:00:00+00:00"},
    ])  # fmt: skip
    assert [r["outcome"] for r in body["results"]] == ["invalid", "created"]
    assert body["results"][0]["error"].startswith("duplicate_number")


async def test_a_dry_run_says_what_would_happen_and_writes_nothing(admin: Api) -> None:
    before = await snapshot(admin)
    body = await import_rows(admin, rows_of("history.jsonl"), dry_run="true")
    assert body["dry_run"] is True
    assert [r["outcome"] for r in body["results"]] == ["created"] * 3 + ["invalid"] * 2
    assert await snapshot(admin) == before
    assert (await admin.get("/orders/stats"))["total"] == 0


async def test_a_csv_file_reads_as_the_same_rows_as_json_lines() -> None:
    csv_rows = [(p.row, p.data, p.error) for p in read_rows((FIXTURES / "history.csv").read_text())]
    json_rows = [(p.row, p.data, p.error) for p in read_rows((FIXTURES / "history.jsonl").read_text())]
    assert [data for _, data, _ in csv_rows] == [data for _, data, _ in json_rows]
    assert [row for row, _, _ in csv_rows] == [2, 3, 4, 5, 6]  # line numbers, after the header


async def test_more_than_1000_rows_or_a_row_off_the_format_is_refused_whole(admin: Api) -> None:
    row = {"external_id": "x", "created_at": "2026-10-01T08:00:00+00:00"}
    too_many = await admin.post("/orders/import", {"orders": [row] * 1001}, status=413)
    assert error_code(too_many) == "too_many_rows"
    bad = await admin.post("/orders/import", {"orders": [row, {"number": "y", "total": "lots"}]}, status=422)
    assert {"orders.1.total", "orders.1.created_at"} <= fields_named(bad)
    assert (await admin.get("/orders/stats"))["total"] == 0


async def test_import_needs_the_admin_role(api: Api) -> None:
    body = await api.post("/orders/import", {"orders": rows_of("history.jsonl")}, status=403)
    assert error_code(body) == "forbidden_role"


async def test_phones_are_read_as_the_shop_types_them_in_its_default_country(
    admin: Api, shop: Shop, db: Database
) -> None:
    await db.shops.save(shop.model_copy(update={"default_country": "GB"}))
    row = {**rows_of("history.jsonl")[0], "customer": {"name": "Ana Lima", "phone": "07911 123456"}}
    body = await import_rows(admin, [row])
    assert [r["outcome"] for r in body["results"]] == ["created"]
    imported = await admin.get(f"/orders/by-number/{row['number']}")
    assert imported["customer"]["phone"] == "+447911123456"
    [line] = read_rows(json.dumps(row), "GB")  # the command reads its file the same way
    assert line.data is not None and line.data.customer is not None
    assert line.data.customer.phone == "+447911123456"
