"""``GET /api/v1/analytics`` through the real app and database: its range rules and its shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orders.analytics import BUCKETS
from orders.lifecycle import Status
from orders.model import Shop
from tests.conftest import Api, Clock


async def test_default_range_is_the_last_30_local_days_zero_filled(
    api: Api, shop: Shop, clock: Clock
) -> None:
    clock.now = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # already the 8th in Berlin
    answer = await api.get("/analytics")
    assert (answer["from"], answer["to"], answer["timezone"]) == ("2026-11-09", "2026-12-08", "Europe/Berlin")
    assert (
        len(answer["days"]) == 30 and answer["days"][0] == "2026-11-09" and answer["days"][-1] == "2026-12-08"
    )
    assert set(answer["orders_by_status"]) == {status.value for status in Status}
    assert all(series == [0] * 30 for series in answer["orders_by_status"].values())
    assert answer["new_orders"] == [0] * 30
    for name in ("handover_days", "delivery_days"):
        assert answer[name] == {"buckets": list(BUCKETS), "counts": [0] * len(BUCKETS), "mean": None}
    assert answer["promises"] == {"kept": [0] * 30, "broken": [0] * 30, "kept_share": None}
    assert list(answer["notifications"]) == ["whatsapp", "sms", "instagram", "email"]
    assert answer["notifications"]["sms"] == {"sent": 0, "delivered": 0, "failed": 0, "delivery_rate": None}
    assert list(answer["satisfaction"]) == ["whatsapp", "sms", "instagram", "email"]
    assert answer["satisfaction"]["email"] == {
        "asked": 0, "answered": 0, "score_sum": 0, "satisfied": 0, "average": None, "response_rate": None,
    }  # fmt: skip
    assert answer["automatic_moves"] == {"rules": [0] * 30, "ai": [0] * 30, "carrier": [0] * 30}
    assert answer["messages_by_hour"] == [0] * 24
    assert answer["intents"] == {}


async def test_an_explicit_range_of_366_days_is_answered(api: Api) -> None:
    answer = await api.get("/analytics", 200, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert len(answer["days"]) == 366 and len(answer["new_orders"]) == 366


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01", "to": "2026-12-01"},
        {"from": "yesterday"},
        {"to": "2026-12-1"},
        {"from": "2026-12-02", "to": "2026-12-01"},
        {"from": "2025-01-01", "to": "2026-01-02"},
        {"from": "2026-12-01", "until": "2026-12-02"},
    ],
)
async def test_bad_ranges_answer_400_invalid_range(api: Api, params: dict[str, str]) -> None:
    answer = await api.get("/analytics", status=400, **params)
    assert answer["error"]["code"] == "invalid_range"
    assert answer["error"]["message"]
