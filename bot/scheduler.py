"""Periodic work on APScheduler: repairs after crashes (outbox, inbox, shop events), auto-progressing orders,
the attention scan that alerts staff (once per order and reason), the watch over delivery dates told to
customers, and tidying the attention hint's counters.

Every job is safe to run on several workers at once (queued entries are idempotent, moves use a version
check), and a lease in MongoDB makes each run on one worker per interval: the worker that takes the lease
keeps it for the interval, and another takes over only when it runs out (its holder stopped).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.inbox import Inbox
from bot.staff_alerts import StaffAlerts
from bot.stores import JobStores
from orders.usecases import OrderUseCases

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intervals:
    outbox_recovery_seconds: float = 60
    auto_progress_minutes: float = 15
    attention_minutes: float = 30
    promise_watch_minutes: float = 15
    tidy_hours: float = 6


@dataclass(frozen=True)
class PeriodicJob:
    """One row of the schedule: the lease's name, how often, the work (it returns a count), what to log."""

    name: str
    every: timedelta
    run: Callable[[], Awaitable[int]]
    done: str | None = None  # a log line with one %d for the count, logged when the count is not zero
    at_start: bool = False  # run once as soon as the scheduler starts, then every interval


class Jobs:
    def __init__(
        self,
        service: OrderUseCases,
        inbox: Inbox,
        alerts: StaffAlerts,
        holder: str | None = None,
        *,
        stores: JobStores,
    ) -> None:
        self.service = service
        self.stores = stores
        self.inbox = inbox
        self.alerts = alerts
        self.holder = holder or f"worker-{secrets.token_hex(4)}"

    def periodic(self, every: Intervals) -> list[PeriodicJob]:
        """Every periodic job of a worker, with how often it runs and what it logs when it did anything."""
        recovery = timedelta(seconds=every.outbox_recovery_seconds)
        return [
            PeriodicJob("outbox-recovery", recovery, self.service.recovery.recover_pending_outbox,
                        "queued outbox entries of %d orders left by an interrupted write"),
            PeriodicJob("inbox-recovery", recovery, self.inbox.recover,
                        "handled %d inbound messages left unprocessed by an interrupted process"),
            PeriodicJob("event-recovery", recovery, self.service.recovery.recover_events,
                        "applied %d shop order events left unapplied by an interrupted process"),
            # orders already due when the worker starts move at once, not a whole interval later
            PeriodicJob("auto-progress", timedelta(minutes=every.auto_progress_minutes), self.auto_progress,
                        "auto-progress sweep moved %d orders", at_start=True),
            PeriodicJob("attention-scan", timedelta(minutes=every.attention_minutes), self.alerts.scan,
                        "alerted staff about %d orders that newly need attention"),
            PeriodicJob("promise-watch", timedelta(minutes=every.promise_watch_minutes), self.watch_promises,
                        "%d orders' delivery dates told to customers newly at risk"),
            PeriodicJob("waiting-days-tidy", timedelta(hours=every.tidy_hours), self.tidy_waiting_days),
        ]  # fmt: skip

    async def exclusive(
        self, name: str, every: timedelta, job: Callable[[], Awaitable[int]], done: str | None = None
    ) -> int | None:
        """Run ``job`` if this worker holds (or takes) the lease on ``name``; None when another does.

        ``done`` is logged with the count ``job`` returns when that is not zero.
        """
        if not await self.stores.locks.acquire(name, self.holder, self.service.clock(), every):
            return None
        count = await job()
        if count and done:
            log.info(done, count)
        return count

    async def auto_progress(self) -> int:
        moved = 0
        for shop in await self.stores.shops.list():
            if shop.rules.auto_progress:
                moved += await self.service.progression.sweep(shop)
        return moved

    async def watch_promises(self) -> int:
        """Settle, flag at risk and tell of later carrier dates (``PromiseLedger.watch``), shop by shop."""
        entered = 0
        for shop in await self.stores.shops.list():
            entered += await self.service.promises.watch(shop)
        return entered

    async def tidy_waiting_days(self) -> int:
        """Drop the attention hint's days that count no order any more (``orders.waiting``)."""
        dropped = 0
        for shop in await self.stores.shops.list():
            dropped += await self.stores.stats.drop_empty_days(shop.id)
        return dropped


def build_scheduler(
    service: OrderUseCases,
    inbox: Inbox,
    alerts: StaffAlerts,
    intervals: Intervals | None = None,
    *,
    stores: JobStores,
) -> AsyncIOScheduler:
    """A scheduler with every periodic job; start it inside the running event loop."""
    jobs = Jobs(service, inbox, alerts, stores=stores)
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    for job in jobs.periodic(intervals or Intervals()):
        scheduler.add_job(
            jobs.exclusive, "interval", args=(job.name, job.every, job.run, job.done),
            seconds=job.every.total_seconds(), id=job.name,
            **({"next_run_time": datetime.now(UTC)} if job.at_start else {}),
        )  # fmt: skip
    return scheduler
