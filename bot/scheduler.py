"""Periodic work on APScheduler: repairs after crashes (outbox, inbox, shop events), auto-progressing orders,
the attention scan that alerts staff (once per order and reason), and tidying the attention hint's counters.

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
from orders.service import OrderService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intervals:
    outbox_recovery_seconds: float = 60
    auto_progress_minutes: float = 15
    attention_minutes: float = 30
    tidy_hours: float = 6


class Jobs:
    def __init__(
        self, service: OrderService, inbox: Inbox, alerts: StaffAlerts, holder: str | None = None
    ) -> None:
        self.service = service
        self.inbox = inbox
        self.alerts = alerts
        self.holder = holder or f"worker-{secrets.token_hex(4)}"

    async def exclusive(self, name: str, every: timedelta, job: Callable[[], Awaitable[int]]) -> int | None:
        """Run ``job`` if this worker holds (or takes) the lease on ``name``; None when another does."""
        if not await self.service.db.locks.acquire(name, self.holder, self.service.clock(), every):
            return None
        return await job()

    async def recover_inbox(self) -> int:
        recovered = await self.inbox.recover()
        if recovered:
            log.info("handled %d inbound messages left unprocessed by an interrupted process", recovered)
        return recovered

    async def recover_events(self) -> int:
        recovered = await self.service.recover_events()
        if recovered:
            log.info("applied %d shop order events left unapplied by an interrupted process", recovered)
        return recovered

    async def recover_outbox(self) -> int:
        recovered = await self.service.recover_pending_outbox()
        if recovered:
            log.info("queued outbox entries of %d orders left by an interrupted write", recovered)
        return recovered

    async def attention_scan(self) -> int:
        alerted = await self.alerts.scan()
        if alerted:
            log.info("alerted staff about %d orders that newly need attention", alerted)
        return alerted

    async def auto_progress(self) -> int:
        moved = 0
        for shop in await self.service.db.shops.list():
            if shop.rules.auto_progress:
                moved += await self.service.sweep_auto_progress(shop)
        if moved:
            log.info("auto-progress sweep moved %d orders", moved)
        return moved

    async def tidy_waiting_days(self) -> int:
        """Drop the attention hint's days that count no order any more (``orders.waiting``)."""
        dropped = 0
        for shop in await self.service.db.shops.list():
            dropped += await self.service.db.stats.drop_empty_days(shop.id)
        return dropped


def build_scheduler(
    service: OrderService, inbox: Inbox, alerts: StaffAlerts, intervals: Intervals | None = None
) -> AsyncIOScheduler:
    """A scheduler with every periodic job; start it inside the running event loop."""
    every = intervals or Intervals()
    jobs = Jobs(service, inbox, alerts)
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    recovery = timedelta(seconds=every.outbox_recovery_seconds)
    sweep = timedelta(minutes=every.auto_progress_minutes)
    scan = timedelta(minutes=every.attention_minutes)
    tidy = timedelta(hours=every.tidy_hours)
    for name, interval, job in (
        ("outbox-recovery", recovery, jobs.recover_outbox),
        ("inbox-recovery", recovery, jobs.recover_inbox),
        ("event-recovery", recovery, jobs.recover_events),
        ("auto-progress", sweep, jobs.auto_progress),
        ("attention-scan", scan, jobs.attention_scan),
        ("waiting-days-tidy", tidy, jobs.tidy_waiting_days),
    ):
        scheduler.add_job(
            jobs.exclusive, "interval", args=(name, interval, job), seconds=interval.total_seconds(), id=name,
            # orders already due when the worker starts move at once, not a whole interval later
            **({"next_run_time": datetime.now(UTC)} if name == "auto-progress" else {}),
        )  # fmt: skip
    return scheduler
