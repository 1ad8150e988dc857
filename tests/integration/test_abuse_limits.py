"""Abuse limits through the real app on the real database, with two apps (web processes) sharing it.

Failed credentials per thing guessed (the API's tokens, one webhook route of one shop), and each token's
API rate, are counted in MongoDB: over the limit the answer is 429 with Retry-After, from whichever
process gets the request. A request whose own credential verifies is never refused for others' failures.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from orders.model import Shop
from orders.store import Database
from tests.conftest import SECRET_KEY, Clock, finish_background, token_for
from webhooks.access.auth import verify_token
from webhooks.app import build_app
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

FAILURES = 3
RATE = 5


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"auth_failure_limit": FAILURES, "api_rate_limit": RATE, "rate_limit_window": 60}
    )


@pytest.fixture
async def two(
    limited: Settings, clock: Clock, aiohttp_client: AiohttpClient
) -> tuple[TestClient[Any, Any], ...]:
    """Two web processes on one database."""
    return (
        await aiohttp_client(build_app(limited, clock=clock)),
        await aiohttp_client(build_app(limited, clock=clock)),
    )


async def _stats(client: TestClient[Any, Any], token: str, **headers: str) -> Any:
    return await client.get("/api/v1/orders/stats", headers={"Authorization": f"Bearer {token}", **headers})


async def _order_event(
    client: TestClient[Any, Any], shop: Shop, secret: str, event_id: str, **headers: str
) -> Any:
    body = json.dumps({"event": "order.created", "order": {"id": event_id, "number": event_id}}).encode()
    response = await client.post(
        f"/webhooks/orders/{shop.id}",
        data=body,
        headers={"Content-Type": "application/json", "X-Orderbot-Signature": sign(secret, body),
                 "X-Orderbot-Event-Id": event_id, **headers},
    )  # fmt: skip
    await finish_background(client.app)  # the event is applied after the answer
    return response


async def _orders(db: Database, settings: Settings) -> int:
    return await db.client[settings.mongodb_db].orders.count_documents({})


async def test_bad_tokens_are_slowed_down_across_processes_and_a_valid_token_always_passes(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, clock: Clock
) -> None:
    first, second = two
    assert [(await _stats(c, "not-a-token")).status for c in (first, second, first)] == [401] * FAILURES

    for client in (second, first):
        refused = await _stats(client, "not-a-token")
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "60"  # the stopped clock sits at the window's start
        error = (await refused.json())["error"]
        assert error["code"] == "rate_limited"
        assert "invalid token" in error["message"]  # an honest client still learns what is wrong
        assert (await _stats(client, token_for(shop))).status == 200  # the same address, its own token

    clock.advance(seconds=45)
    assert (await _stats(first, "not-a-token")).headers["Retry-After"] == "15"
    clock.advance(seconds=15)  # the next window
    assert (await _stats(second, "not-a-token")).status == 401


async def test_concurrent_bad_tokens_get_exactly_the_limit_of_401s(
    settings: Settings, shop: Shop, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    limit = 20
    strict = settings.model_copy(update={"auth_failure_limit": limit})
    first = await aiohttp_client(build_app(strict, clock=clock))
    second = await aiohttp_client(build_app(strict, clock=clock))
    await _stats(first, token_for(shop))  # both processes warm: the shop and the database are at hand
    await _stats(second, token_for(shop))
    answers = await asyncio.gather(*(_stats((first, second)[n % 2], f"bad-{n}") for n in range(400)))
    statuses = [answer.status for answer in answers]
    assert (statuses.count(401), statuses.count(429)) == (limit, 400 - limit)
    assert (await _stats(first, token_for(shop))).status == 200


async def test_a_revoked_token_counts_as_a_failure(
    two: tuple[TestClient[Any, Any], ...], db: Database, shop: Shop, clock: Clock
) -> None:
    first, _ = two
    revoked = token_for(shop)
    assert await db.revocations.revoke(verify_token(SECRET_KEY, revoked).token_id, clock())
    assert [(await _stats(first, revoked)).status for _ in range(FAILURES + 1)] == [401] * FAILURES + [429]
    assert (await _stats(first, token_for(shop))).status == 200


async def test_bad_webhook_signatures_are_slowed_down_per_shop_and_a_valid_one_always_passes(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, other_shop: Shop, db: Database, settings: Settings
) -> None:
    first, second = two
    for n, client in enumerate((first, second, second)):
        assert (await _order_event(client, shop, "wrong-secret", f"bad-{n}")).status == 401
    refused = await _order_event(first, shop, "wrong-secret", "bad-4")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert await _orders(db, settings) == 0

    assert (await _order_event(first, shop, shop.webhook_secret, "good-1")).status == 200
    assert (await _order_event(second, shop, shop.webhook_secret, "good-2")).status == 200
    assert await _orders(db, settings) == 2
    # Another shop's route is another secret: its failures start from nothing.
    assert (await _order_event(first, other_shop, "wrong-secret", "bad-5")).status == 401


async def test_each_token_has_a_rate_shared_by_every_process(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, clock: Clock
) -> None:
    first, second = two
    token, other = token_for(shop), token_for(shop)
    statuses = await asyncio.gather(*(_stats(two[n % 2], token) for n in range(3 * RATE)))
    assert sorted(response.status for response in statuses) == [200] * RATE + [429] * (2 * RATE)
    limited = next(response for response in statuses if response.status == 429)
    assert limited.headers["Retry-After"] == "60"
    assert (await _stats(second, other)).status == 200  # another token has its own rate
    assert (await _stats(first, token)).status == 429

    clock.advance(seconds=60)
    assert (await _stats(first, token)).status == 200


async def test_a_token_taken_in_batches_never_gets_more_than_its_rate(
    settings: Settings, shop: Shop, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    rate = 100  # each process takes the token's requests 5 at a time from the shared count
    busy = settings.model_copy(update={"api_rate_limit": rate})
    first = await aiohttp_client(build_app(busy, clock=clock))
    second = await aiohttp_client(build_app(busy, clock=clock))
    token = token_for(shop)
    statuses = [
        r.status for r in await asyncio.gather(*(_stats((first, second)[n % 2], token) for n in range(130)))
    ]
    assert statuses.count(200) <= rate
    assert statuses.count(200) >= rate - 2 * 4  # at most batch - 1 left unspent in each process
    assert set(statuses) == {200, 429}
    clock.advance(seconds=60)
    assert (await _stats(second, token)).status == 200


async def test_limits_are_off_at_zero(
    settings: Settings, shop: Shop, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(build_app(settings, clock=clock))  # the suite's settings: both 0
    assert (settings.auth_failure_limit, settings.api_rate_limit) == (0, 0)
    for _ in range(30):
        assert (await _stats(client, "bad")).status == 401
    token = token_for(shop)
    assert all(r.status == 200 for r in await asyncio.gather(*(_stats(client, token) for _ in range(30))))


def test_the_defaults_are_on() -> None:
    fields = Settings.model_fields
    assert fields["auth_failure_limit"].default > 0 and fields["api_rate_limit"].default > 0
    assert fields["trusted_proxies"].default == ""


async def test_a_bulk_action_counts_one_request_per_order(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, clock: Clock
) -> None:
    first, second = two
    maker = {
        "Authorization": f"Bearer {token_for(shop)}"
    }  # another token: creating costs it, not the one tested
    ids = []
    for n in range(3):
        created = await first.post("/api/v1/orders", json={"external_id": f"b-{n}"}, headers=maker)
        assert created.status == 201
        ids.append((await created.json())["order_id"])
    token = token_for(shop)
    headers = {"Authorization": f"Bearer {token}"}

    async def bulk(client: TestClient[Any, Any], order_ids: list[str], status: str) -> Any:
        body = {"order_ids": order_ids, "action": "update_status", "status": status}
        return await client.post("/api/v1/orders/bulk-action", json=body, headers=headers)

    assert (await bulk(first, ids, "processing")).status == 200  # 3 of the 5
    refused = await bulk(second, ids, "shipped")  # 3 more do not fit in the 2 left
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    listed = await (await first.get("/api/v1/orders", headers=maker)).json()
    assert {order["status"] for order in listed["orders"]} == {"processing"}  # the refused bulk ran nothing
    # The refused bulk was still one request: one of the 5 is left.
    assert [(await _stats(c, token)).status for c in (second, first)] == [200, 429]

    clock.advance(seconds=60)
    too_big = await bulk(first, [*ids, "x1", "x2", "x3", "x1"], "shipped")  # 6 orders, the rate is 5
    assert too_big.status == 422
    assert (await bulk(first, [*ids, ids[0]], "shipped")).status == 200  # a repeated id runs once, costs once
    # The refused 6 cost one request, the bulk 3: one left.
    assert [(await _stats(c, token)).status for c in (second, first)] == [200, 429]
