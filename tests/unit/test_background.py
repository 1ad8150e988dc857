"""What the app starts in the background has ended, cleanup included, once shutdown returns."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from webhooks.ops.background import AwaitedJobs, started, stopped


class Forever:
    """Work that waits for ever once running and, cancelled, tidies up for a turn of the loop (as closing a
    connection does) before it ends."""

    def __init__(self) -> None:
        self.running = asyncio.Event()
        self.ended = False

    async def work(self) -> None:
        self.running.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)
            self.ended = True


async def test_a_stopped_task_has_finished_its_cleanup() -> None:
    forever = Forever()
    task = started(forever.work(), "recovery")
    await forever.running.wait()
    await stopped(task)
    assert task.done() and forever.ended


async def test_a_failed_task_is_logged_when_it_fails(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="webhooks.ops.background"):
        task = started(fail(), "event recovery")
        await asyncio.wait([task])
        await asyncio.sleep(0)  # done callbacks run on the next turn
    assert "'event recovery' failed" in caplog.text
    await stopped(task)  # stopping a finished task is harmless


async def test_the_scheduler_jobs_under_way_have_ended_once_stopped() -> None:
    forever = Forever()
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = AwaitedJobs()
    scheduler.add_executor(jobs, "default")
    scheduler.add_job(forever.work, "date", run_date=datetime.now(UTC))
    scheduler.start()
    await asyncio.wait_for(forever.running.wait(), timeout=5)
    scheduler.shutdown(wait=False)
    await jobs.stopped()
    assert forever.ended
