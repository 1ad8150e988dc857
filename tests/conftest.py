"""Test fixtures: one real MongoDB-protocol server per session, a fresh database per test.

With ``MONGODB_URI`` set the suite uses that server; otherwise it starts the embedded SecantusDB as
``orderbot serve`` does, but with its TTL monitor off (see ``secantus_without_ttl_monitor.py``).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database, open_database
from webhooks.access.auth import issue_token
from webhooks.app import build_app
from webhooks.keys import DATABASE, EVENT_WORK, INBOX, NOTIFIER, PROMPT_SENDS
from webhooks.ops.embedded import embedded_mongodb
from webhooks.settings import Settings

SECRET_KEY = "test-secret-key-" + "x" * 32


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    without_ttl_monitor = (sys.executable, str(Path(__file__).with_name("secantus_without_ttl_monitor.py")))
    with embedded_mongodb(tmp_path_factory.mktemp("embedded"), server_command=without_ttl_monitor) as uri:
        yield uri


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(mongodb_uri: str, tmp_path: Path) -> Settings:
    return Settings(
        MONGODB_URI=mongodb_uri,
        MONGODB_DB=f"test_{secrets.token_hex(6)}",
        ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=tmp_path / "var",
        # Off here: a test's failed credentials under a stopped clock would trip them. The abuse limits'
        # own tests (tests/integration/test_abuse_limits.py) turn them on.
        ORDERBOT_AUTH_FAILURE_LIMIT=0,
        ORDERBOT_API_RATE_LIMIT=0,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    assert settings.mongodb_uri is not None
    database = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=[SECRET_KEY])
    await database.ensure_indexes()
    yield database
    await database.drop()
    await database.close()


@pytest.fixture
async def shop(db: Database, clock: Clock) -> Shop:
    created = new_shop("Acme Coffee", clock(), timezone="Europe/Berlin")
    await db.shops.add(created)
    return created


@pytest.fixture
async def other_shop(db: Database, clock: Clock) -> Shop:
    created = new_shop("Other Shop", clock())
    await db.shops.add(created)
    return created


def token_for(shop: Shop, **kwargs: Any) -> str:
    """A token issued now (PyJWT checks expiry against the real clock, not the test's)."""
    return issue_token(SECRET_KEY, shop.id, now=datetime.now(UTC), **kwargs)


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    clock: Clock,
    db: Database,
) -> TestClient[Any, Any]:
    return await aiohttp_client(build_app(settings, clock=clock))


async def finish_background(app: web.Application) -> None:
    """Wait for what ``app`` does after it answered: handling what its webhooks stored (chat messages, order
    events), then sending what that queued (the process that queues an entry due now sends it at once)."""
    await app[INBOX].drain()
    await app[EVENT_WORK].drain()
    await app[PROMPT_SENDS].drain()
    await app[DATABASE].feed.drain()  # the live feed's write follows the change's
    await flush_counters(app)  # and the counters', for a test reading them through its own client


async def flush_counters(app: web.Application) -> None:
    """Write the counts ``app`` holds in memory (``orders.store.counters``), for a test that reads them
    through its own client, as another process would see them an interval later."""
    database = app[DATABASE]
    assert isinstance(database, Database)
    await database.counters.flush()


@dataclass
class Sends:
    """What an app sent, counted the way a dispatcher pass counts the entries it claims."""

    app: web.Application
    counted: int = 0

    async def dispatch(self) -> int:
        """Finish the app's background work, then run one dispatcher pass (it finds what fell due by the
        test's clock: retries, held entries); how many entries were claimed since the last call, by the
        app's prompt sends and by the pass."""
        await finish_background(self.app)
        passed = await self.app[NOTIFIER].run_once()
        prompt = self.app[PROMPT_SENDS]
        await prompt.drain()
        await flush_counters(self.app)
        at_once, self.counted = prompt.claimed - self.counted, prompt.claimed
        return at_once + passed


class Api:
    """Calls REST API v1 as one shop."""

    def __init__(self, client: TestClient[Any, Any], token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        response = await self.client.get(f"/api/v1{path}", headers=self.headers, params=params)
        assert response.status == status, await response.text()
        return await response.json()

    async def post(self, path: str, body: Any = None, status: int = 200, **params: Any) -> Any:
        response = await self.client.post(f"/api/v1{path}", headers=self.headers, json=body, params=params)
        assert response.status == status, await response.text()
        return await response.json()


@pytest.fixture
def api(client: TestClient[Any, Any], shop: Shop) -> Api:
    return Api(client, token_for(shop))
