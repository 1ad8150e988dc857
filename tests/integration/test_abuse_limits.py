"""Abuse limits through the real app on the real database, with two apps (web processes) sharing it.

Failed authentications from one address, and each token's API rate, are counted in MongoDB: over the
limit the answer is 429 with Retry-After, before any work, from whichever process gets the request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from orders.model import Shop
from orders.store import Database
from tests.conftest import Clock, token_for
from webhooks.abuse import FailureCounts
from webhooks.app import build_app
from webhooks.orders_webhook import sign
from webhooks.settings import Settings

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]

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
    return await client.post(
        f"/webhooks/orders/{shop.id}",
        data=body,
        headers={"Content-Type": "application/json", "X-Orderbot-Signature": sign(secret, body),
                 "X-Orderbot-Event-Id": event_id, **headers},
    )  # fmt: skip


async def _orders(db: Database, settings: Settings) -> int:
    return await db.client[settings.mongodb_db].orders.count_documents({})


async def test_bad_tokens_from_one_address_are_slowed_down_across_processes(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, clock: Clock
) -> None:
    first, second = two
    assert [(await _stats(c, "not-a-token")).status for c in (first, second, first)] == [401] * FAILURES

    for client in (second, first):
        refused = await _stats(client, "not-a-token")
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "60"  # the stopped clock sits at the window's start
        assert (await refused.json())["error"]["code"] == "rate_limited"
        blocked = await _stats(client, token_for(shop))  # a right guess is not told apart meanwhile
        assert blocked.status == 429

    clock.advance(seconds=45)
    assert (await _stats(first, token_for(shop))).headers["Retry-After"] == "15"
    clock.advance(seconds=15)  # the next window
    assert (await _stats(second, token_for(shop))).status == 200
    assert (await _stats(first, "not-a-token")).status == 401


async def test_a_process_that_last_saw_the_address_clean_learns_of_failures_elsewhere_within_a_second(
    two: tuple[TestClient[Any, Any], ...], shop: Shop
) -> None:
    first, second = two
    assert (await _stats(first, token_for(shop))).status == 200  # first now holds the address's count: 0
    for _ in range(FAILURES):
        assert (await _stats(second, "not-a-token")).status == 401
    assert (await _stats(second, token_for(shop))).status == 429
    await asyncio.sleep(FailureCounts.FRESH_SECONDS + 0.1)
    assert (await _stats(first, token_for(shop))).status == 429


async def test_bad_webhook_signatures_are_slowed_down_and_a_blocked_address_writes_nothing(
    two: tuple[TestClient[Any, Any], ...], shop: Shop, db: Database, settings: Settings
) -> None:
    first, second = two
    for n, client in enumerate((first, second, second)):
        assert (await _order_event(client, shop, "wrong-secret", f"bad-{n}")).status == 401
    refused = await _order_event(first, shop, shop.webhook_secret, "good-1")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert await _orders(db, settings) == 0  # answered before the delivery was read or stored


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


async def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    limited: Settings, shop: Shop, clock: Clock, aiohttp_client: AiohttpClient
) -> None:
    direct = await aiohttp_client(build_app(limited, clock=clock))
    for n in range(FAILURES):  # a client cannot dodge the limit by making up X-Forwarded-For
        assert (await _stats(direct, "bad", **{"X-Forwarded-For": f"198.51.100.{n}"})).status == 401
    assert (await _stats(direct, "bad", **{"X-Forwarded-For": "198.51.100.99"})).status == 429

    clock.advance(seconds=60)
    proxied = await aiohttp_client(
        build_app(limited.model_copy(update={"trusted_proxies": "127.0.0.1/32, 10.0.0.0/8"}), clock=clock)
    )
    attacker = {"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}  # the client, then a second trusted proxy
    for _ in range(FAILURES):
        assert (await _stats(proxied, "bad", **attacker)).status == 401
    assert (await _stats(proxied, token_for(shop), **attacker)).status == 429
    # Someone else behind the same proxy is not blocked, nor is a spoofed leftmost entry believed.
    assert (await _stats(proxied, token_for(shop), **{"X-Forwarded-For": "198.51.100.9"})).status == 200
    spoofed = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}
    assert (await _stats(proxied, token_for(shop), **spoofed)).status == 429


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
