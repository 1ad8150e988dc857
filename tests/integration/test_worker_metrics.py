"""The worker process answers health and metrics when asked to, so its outbox gauges can be scraped."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import aiohttp

from webhooks.app import run_worker
from webhooks.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    for _ in range(100):
        try:
            async with session.get(url) as response:
                return response.status, await response.text()
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"the worker never answered {url}")


async def test_worker_serves_metrics_and_readiness_on_its_port(settings: Settings) -> None:
    port = _free_port()
    worker = asyncio.create_task(
        run_worker(settings.model_copy(update={"host": "127.0.0.1", "worker_metrics_port": port}))
    )
    try:
        async with aiohttp.ClientSession() as session:
            status, metrics = await _get(session, f"http://127.0.0.1:{port}/metrics")
            assert status == 200
            assert "orderbot_outbox_entries" in metrics
            assert await _get(session, f"http://127.0.0.1:{port}/readyz") == (
                200,
                '{"status": "ready", "database": "ok"}',
            )
            # only health and metrics: the worker takes no webhooks or API calls
            assert (await _get(session, f"http://127.0.0.1:{port}/api/v1/orders"))[0] == 404
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
