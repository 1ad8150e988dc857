"""Periodic jobs take a lease in MongoDB: one worker runs each job per interval, another takes over later."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.inbox import Inbox
from bot.scheduler import Jobs, build_scheduler
from bot.staff_alerts import StaffAlerts
from orders.store import Database
from orders.usecases import OrderUseCases
from tests.conftest import Clock

EVERY = timedelta(minutes=1)


def worker(db: Database, clock: Clock, name: str) -> Jobs:
    service = OrderUseCases.build(db, clock)
    return Jobs(
        service, Inbox(db, clock), StaffAlerts(service.attention, clock, stores=db), holder=name, stores=db
    )


async def test_one_worker_runs_a_job_per_interval_and_another_takes_over(db: Database, clock: Clock) -> None:
    a, b = worker(db, clock, "a"), worker(db, clock, "b")
    runs: list[str] = []

    def job(who: str) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            runs.append(who)
            return 1

        return run

    results = await asyncio.gather(*(w.exclusive("sweep", EVERY, job(w.holder)) for w in (a, b, a, b)))
    assert sorted(r for r in results if r is not None) == [1, 1]  # the lease holder, twice (it renews)
    assert len(set(runs)) == 1
    holder = runs[0]
    other = b if holder == "a" else a

    clock.advance(seconds=30)
    assert await other.exclusive("sweep", EVERY, job(other.holder)) is None  # lease still runs
    clock.advance(minutes=2)  # the holder stopped renewing (its process died)
    assert await other.exclusive("sweep", EVERY, job(other.holder)) == 1
    assert runs[-1] == other.holder
    assert await other.exclusive("other-job", EVERY, job(other.holder)) == 1  # leases are per job


async def test_every_periodic_job_is_scheduled_under_a_lease(db: Database, clock: Clock) -> None:
    service = OrderUseCases.build(db, clock)
    scheduler = build_scheduler(
        service, Inbox(db, clock), StaffAlerts(service.attention, clock, stores=db), stores=db
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "outbox-recovery", "inbox-recovery", "event-recovery", "auto-progress", "attention-scan",
        "promise-watch", "waiting-days-tidy",
    }  # fmt: skip
    assert all(job.func.__name__ == "exclusive" and job.args[0] == job.id for job in jobs.values())
