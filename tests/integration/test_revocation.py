"""Token revocation: a revoked token is refused at once by every web process sharing the database."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from orders.model import Shop
from orders.store import Database
from tests.conftest import SECRET_KEY, Clock, token_for
from webhooks.access.auth import verify_token
from webhooks.app import build_app
from webhooks.settings import Settings


async def _status(client: TestClient[Any, Any], token: str) -> int:
    response = await client.get("/api/v1/orders/stats", headers={"Authorization": f"Bearer {token}"})
    return response.status


async def test_a_revoked_token_is_refused_at_once_by_every_web_process(
    db: Database, shop: Shop, settings: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    first = await aiohttp_client(build_app(settings, clock=clock))
    second = await aiohttp_client(build_app(settings, clock=clock))
    token, other = token_for(shop), token_for(shop)
    jti = verify_token(SECRET_KEY, token).token_id
    assert jti != verify_token(SECRET_KEY, other).token_id
    for client in (first, second):  # both processes have served (and cached whatever they cache)
        assert await _status(client, token) == 200

    assert await db.revocations.revoke(jti, clock())  # what ``orderbot token --revoke`` does

    for client in (second, first):
        response = await client.get("/api/v1/orders/stats", headers={"Authorization": f"Bearer {token}"})
        assert response.status == 401
        assert (await response.json())["error"]["message"] == "token revoked"
        assert await _status(client, other) == 200  # only that token
    assert not await db.revocations.revoke(jti, clock())  # once is enough


async def test_a_revoked_token_reads_nothing_and_writes_nothing(
    db: Database, shop: Shop, settings: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(build_app(settings, clock=clock))
    token = token_for(shop)
    headers = {"Authorization": f"Bearer {token}"}
    created = await client.post("/api/v1/orders", json={"external_id": "r-1", "number": "1"}, headers=headers)
    assert created.status == 201
    order_id = (await created.json())["order_id"]
    assert await db.revocations.revoke(verify_token(SECRET_KEY, token).token_id, clock())

    for path in (f"/api/v1/orders/{order_id}", f"/api/v1/orders/{order_id}/progress", "/api/v1/orders/nope"):
        answer = await client.get(path, headers=headers)  # read alongside the lookup, never released
        assert answer.status == 401, path
        assert (await answer.json())["error"]["message"] == "token revoked"
    moved = await client.post(
        "/api/v1/orders/update-status", json={"order_id": order_id, "status": "processing"}, headers=headers
    )
    assert moved.status == 401
    assert (await db.orders.get(shop.id, order_id)).status == "pending"  # nothing written


async def test_every_issued_token_carries_its_own_jti(shop: Shop) -> None:
    ids = {verify_token(SECRET_KEY, token_for(shop)).token_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(jti) >= 16 for jti in ids)
