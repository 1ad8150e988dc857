"""The composition root uses the clients it is given, leaves them to their owner, and stops what it started."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from orders.store import Database
from tests.conftest import Clock
from webhooks.app import build_app, build_worker
from webhooks.bootstrap import Parts
from webhooks.keys import DATABASE, PINGS
from webhooks.settings import Settings

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]

#: The tasks the root starts with the worker (``webhooks.ops.background.started``).
BACKGROUND = {"inbox recovery", "event recovery", "outbox dispatcher"}


async def test_a_given_database_serves_the_app_and_stays_open_after_it(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, db: Database
) -> None:
    app = build_app(settings, clock=clock, parts=Parts(database=db))
    client = await aiohttp_client(app)
    assert app[DATABASE] is db
    assert app[PINGS]["database"] == db.ping
    response = await client.get("/readyz")
    assert (response.status, await response.json()) == (200, {"status": "ready", "database": "ok"})
    await client.close()
    assert await db.ping()  # its owner (the test's fixture) closes it


async def test_the_workers_background_tasks_have_ended_once_it_stopped(
    settings: Settings, clock: Clock
) -> None:
    runner = web.AppRunner(build_worker(settings, clock=clock))
    await runner.setup()
    try:
        tasks = [task for task in asyncio.all_tasks() if task.get_name() in BACKGROUND]
        assert "outbox dispatcher" in {task.get_name() for task in tasks}
    finally:
        await runner.cleanup()
    assert all(task.done() for task in tasks)
