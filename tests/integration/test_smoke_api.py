from __future__ import annotations

from tests.conftest import Api


async def test_create_and_read_order(api: Api) -> None:
    created = await api.post(
        "/orders",
        {"number": "1042", "customer": {"name": "Ana Lima", "phone": "+14155550100"}, "total": "19.90", "currency": "EUR"},
        status=201,
    )
    assert created["status"] == "pending"
    got = await api.get(f"/orders/{created['order_id']}")
    assert got["number"] == "1042"
    progress = await api.get(f"/orders/{created['order_id']}/progress")
    assert progress["progress"] == 25
    assert len(progress["notifications"]) == 1
