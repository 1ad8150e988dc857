"""What fuzzing the API against its document found, each pinned by a test that would have caught it."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from aiohttp.test_utils import TestClient
from pydantic import BaseModel, ValidationError

from orders.model import Shop
from tests.conftest import Api, finish_background
from webhooks.api import schemas
from webhooks.api.openapi import document
from webhooks.api.routes import routes

DOC = document(routes.operations)


def valid_by_document(model: type[BaseModel], body: dict[str, Any]) -> bool:
    root = {"$ref": f"#/components/schemas/{model.__name__}", "components": DOC["components"]}
    return bool(jsonschema_rs.validator_for(root).is_valid(body))


def valid_by_model(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


AT = "2026-12-01T10:00:00Z"


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (schemas.ScheduleFollowup, {"order_id": "o", "delay_hours": 2}),
        (schemas.ScheduleFollowup, {"order_id": "o", "at": AT}),
        (schemas.ScheduleFollowup, {"order_id": "o", "at": AT, "delay_hours": None}),
        (schemas.ScheduleFollowup, {"order_id": "o", "delay_hours": 2, "at": AT}),
        (schemas.ScheduleFollowup, {"order_id": "o"}),
        (schemas.ScheduleFollowup, {"order_id": "o", "delay_hours": None, "at": None}),
        (schemas.BulkAction, {"order_ids": ["o"], "action": "update_status", "status": "shipped"}),
        (schemas.BulkAction, {"order_ids": ["o"], "action": "update_status"}),
        (schemas.BulkAction, {"order_ids": ["o"], "action": "update_status", "status": None}),
        (schemas.BulkAction, {"order_ids": ["o"], "action": "notify"}),
        (schemas.BulkAction, {"order_ids": ["o"], "action": "auto_progress", "status": None}),
    ],
)
def test_document_and_model_agree_on_cross_field_rules(model: type[BaseModel], body: dict[str, Any]) -> None:
    """Found: the document did not say "exactly one of delay_hours or at", so generated follow-ups were
    almost all refused (422) and the happy path went untested; the same for update_status without status."""
    assert valid_by_document(model, body) == valid_by_model(model, body)


@pytest.mark.parametrize("path", ["/orders/notify", "/orders/schedule-followup"])
@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_an_idempotency_key_outside_its_documented_length_is_refused(
    api: Api, client: TestClient[Any, Any], shop: Shop, path: str, key: str
) -> None:
    """Found: the document said 1..200 characters, the API took any length and stored it as the key."""
    order = await api.post("/orders", {"number": "1042"}, status=201)
    body: dict[str, Any] = {"order_id": order["order_id"]}
    assert client.app is not None
    await finish_background(client.app)  # its "order received" message is taken at once: let that finish
    before = (await api.get(f"/orders/{order['order_id']}/progress"))["notifications"]
    if path.endswith("followup"):
        body["delay_hours"] = 2
    response = await client.post(f"/api/v1{path}", json=body, headers={**api.headers, "Idempotency-Key": key})
    assert response.status == 422, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "invalid_field"
    assert error["details"][0]["field"] == "Idempotency-Key"
    await finish_background(client.app)
    after = (await api.get(f"/orders/{order['order_id']}/progress"))["notifications"]
    assert after == before
    accepted = await client.post(
        f"/api/v1{path}", json=body, headers={**api.headers, "Idempotency-Key": "k" * 200}
    )
    assert accepted.status == 202
    assert len((await api.get(f"/orders/{order['order_id']}/progress"))["notifications"]) == len(before) + 1
