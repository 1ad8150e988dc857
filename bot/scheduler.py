"""Periodic work on APScheduler: repairs after crashes (outbox, inbox, shop events), auto-progressing orders.

Every job is safe to run on several workers at once (queued entries are idempotent, moves use a version
check); the notifications issue adds the dispatcher and a lease so each job runs on one worker at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.inbox import Inbox
from orders.service import OrderService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intervals:
    outbox_recovery_seconds: float = 60
    auto_progress_minutes: float = 15


class Jobs:
    def __init__(self, service: OrderService, inbox: Inbox) -> None:
        self.service = service
        self.inbox = inbox

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

    async def auto_progress(self) -> int:
        moved = 0
        for shop in await self.service.db.shops.list():
            if shop.rules.auto_progress:
                moved += await self.service.sweep_auto_progress(shop)
        if moved:
            log.info("auto-progress sweep moved %d orders", moved)
        return moved


def build_scheduler(
    service: OrderService, inbox: Inbox, intervals: Intervals | None = None
) -> AsyncIOScheduler:
    """A scheduler with every periodic job; start it inside the running event loop."""
    every = intervals or Intervals()
    jobs = Jobs(service, inbox)
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(
        jobs.recover_outbox, "interval", seconds=every.outbox_recovery_seconds, id="outbox-recovery"
    )
    scheduler.add_job(
        jobs.recover_inbox, "interval", seconds=every.outbox_recovery_seconds, id="inbox-recovery"
    )
    scheduler.add_job(
        jobs.recover_events, "interval", seconds=every.outbox_recovery_seconds, id="event-recovery"
    )
    scheduler.add_job(jobs.auto_progress, "interval", minutes=every.auto_progress_minutes, id="auto-progress")
    return scheduler
