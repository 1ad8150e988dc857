"""Background work the app starts, stopped for good before the parts it uses close.

A task only cancelled may still be running (or never run its ``finally``) when the database or an HTTP
session under it closes, and asyncio reports it as destroyed while pending if the loop ends first. So every
task the composition root starts is cancelled *and awaited* on shutdown, as in aiohttp's
``examples/background_tasks.py``; a failure is logged when it happens, not when someone looks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor

log = logging.getLogger(__name__)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("background task %r failed", task.get_name(), exc_info=exc)


def started(work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    """``work`` running in the background, its failure logged; ``stopped`` ends it."""
    task = asyncio.create_task(work, name=name)
    task.add_done_callback(_log_failure)
    return task


async def stopped(*tasks: asyncio.Future[Any]) -> None:
    """Cancel the tasks and wait until each has ended (failures were logged already)."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class AwaitedJobs(AsyncIOExecutor):  # type: ignore[misc]  # APScheduler 3 ships no type information
    """APScheduler's asyncio executor, whose running jobs the worker can await once it shut them down.

    ``AsyncIOScheduler.shutdown`` only schedules the shutdown on the loop, and the executor's then cancels
    the jobs under way without waiting for them (it is not a coroutine); ``stopped`` waits for both.
    """

    def __init__(self) -> None:
        super().__init__()
        self._shut_down = asyncio.Event()
        self._cancelled: list[asyncio.Future[Any]] = []

    def shutdown(self, wait: bool = True) -> None:
        self._cancelled = [job for job in self._pending_futures if not job.done()]
        super().shutdown(wait)
        self._shut_down.set()

    async def stopped(self) -> None:
        """After the scheduler's ``shutdown``: wait until it has run and the jobs it cancelled have ended."""
        await self._shut_down.wait()
        await asyncio.gather(*self._cancelled, return_exceptions=True)  # cancelled once: their cleanup runs
