"""The background work queue: bounded, drained and fair between keys."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.work import WorkQueue


async def test_jobs_run_and_drain_waits_for_them() -> None:
    done: list[int] = []

    async def job(n: int) -> None:
        await asyncio.sleep(0.01)
        done.append(n)

    queue = WorkQueue("test", workers=2)
    for n in range(5):
        assert queue.submit(lambda n=n: job(n))  # type: ignore[misc]
    await queue.drain()
    await queue.close()
    assert sorted(done) == [0, 1, 2, 3, 4]


async def test_a_full_backlog_or_no_workers_refuses_work() -> None:
    assert not WorkQueue("none", workers=0).submit(lambda: asyncio.sleep(0))
    queue = WorkQueue("tiny", workers=1, backlog=1)
    gate = asyncio.Event()
    assert queue.submit(gate.wait)
    await asyncio.sleep(0)  # the worker takes the first job
    assert queue.submit(gate.wait)
    assert not queue.submit(gate.wait)  # backlog full: left for recovery
    gate.set()
    await queue.drain()
    await queue.close()


async def test_an_overflow_is_said_once_then_counted_until_there_is_room(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = WorkQueue("tiny", workers=1, backlog=1)
    gate = asyncio.Event()
    queue.submit(gate.wait)
    await asyncio.sleep(0)
    queue.submit(gate.wait)
    with caplog.at_level(logging.WARNING, logger="bot.work"):
        assert not any([queue.submit(gate.wait) for _ in range(50)])
        assert queue.overflowed == 50
        assert len(caplog.records) == 1 and "backlog full" in caplog.text
        gate.set()
        await queue.drain()
        assert queue.submit(lambda: asyncio.sleep(0))
        assert queue.overflowed == 0
        assert "50 left for recovery" in caplog.records[-1].getMessage()
    await queue.drain()
    await queue.close()


async def test_a_failing_job_does_not_stop_the_worker() -> None:
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        done.append("fine")

    queue = WorkQueue("test", workers=1)
    queue.submit(boom)
    queue.submit(fine)
    await queue.drain()
    await queue.close()
    assert done == ["fine"]


async def started(queue: WorkQueue, gate: asyncio.Event, done: list[str]) -> None:
    """Occupy the queue's one worker until ``gate`` opens, so that what is submitted next waits its turn."""

    async def blocker() -> None:
        await gate.wait()
        done.append("first")

    queue.submit(blocker, "first")
    await asyncio.sleep(0)  # the worker takes it


def recorder(done: list[str], name: str) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        done.append(name)

    return job


async def test_keys_take_turns_so_one_keys_burst_waits_behind_itself() -> None:
    queue, gate, done = WorkQueue("fair", workers=1), asyncio.Event(), list[str]()
    await started(queue, gate, done)
    for name in ("a1", "a2", "a3", "b1", "b2", "c1"):
        assert queue.submit(recorder(done, name), name[0])
    gate.set()
    await queue.drain()
    await queue.close()
    assert done == ["first", "a1", "b1", "c1", "a2", "b2", "a3"]


async def test_urgent_jobs_go_first_within_their_key_and_keep_the_turns() -> None:
    queue, gate, done = WorkQueue("fair", workers=1), asyncio.Event(), list[str]()
    await started(queue, gate, done)
    queue.submit(recorder(done, "a-bulk-1"), "a")
    queue.submit(recorder(done, "a-bulk-2"), "a")
    queue.submit(recorder(done, "b-bulk"), "b")
    queue.submit(recorder(done, "a-reply"), "a", urgent=True)
    gate.set()
    await queue.drain()
    await queue.close()
    assert done == ["first", "a-reply", "b-bulk", "a-bulk-1", "a-bulk-2"]


async def test_drain_waits_for_every_keys_jobs() -> None:
    queue, done = WorkQueue("fair", workers=3), []

    async def slow(name: str) -> None:
        await asyncio.sleep(0.01)
        done.append(name)

    for n in range(12):
        queue.submit(lambda n=n: slow(f"{'abc'[n % 3]}{n}"), "abc"[n % 3], urgent=n % 4 == 0)  # type: ignore[misc]
    await queue.drain()
    await queue.close()
    assert sorted(done) == sorted(f"{'abc'[n % 3]}{n}" for n in range(12))


async def test_an_overflow_under_keys_is_counted_and_runs_nothing_it_refused() -> None:
    queue, gate, done = WorkQueue("tiny", workers=1, backlog=2), asyncio.Event(), list[str]()
    await started(queue, gate, done)
    accepted = [queue.submit(recorder(done, name), name[0]) for name in ("a1", "b1", "a2", "c1", "b2")]
    assert accepted == [True, True, False, False, False]
    assert queue.overflowed == 3
    gate.set()
    await queue.drain()
    assert done == ["first", "a1", "b1"]
    assert queue.submit(recorder(done, "c2"), "c")  # room again: counted afresh
    assert queue.overflowed == 0
    await queue.drain()
    await queue.close()
    assert done[-1] == "c2"


JOB_SECONDS = 0.05


class Counted:
    """Jobs of ``JOB_SECONDS`` each that count how many of each key run at once, and when each starts."""

    def __init__(self) -> None:
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.started: dict[str, float] = {}

    def job(self, key: str, name: str, seconds: float = JOB_SECONDS) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self.started[name] = asyncio.get_running_loop().time()
            self.running[key] = self.running.get(key, 0) + 1
            self.most[key] = max(self.most.get(key, 0), self.running[key])
            await asyncio.sleep(seconds)
            self.running[key] -= 1

        return run


@pytest.mark.parametrize("workers", [1, 2, 4, 8])
async def test_a_key_arriving_behind_a_burst_starts_within_one_jobs_time(workers: int) -> None:
    queue, jobs = WorkQueue("fair", workers=workers), Counted()
    for n in range(20 * workers):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await asyncio.sleep(JOB_SECONDS / 2)  # the burst holds every worker, mid-job
    for n in range(3):
        arrived = asyncio.get_running_loop().time()
        queue.submit(jobs.job("b", f"b{n}"), "b")
        await asyncio.sleep(JOB_SECONDS * 3.3)  # b's job has come and gone; the next arrives mid-job
        assert jobs.started[f"b{n}"] - arrived < JOB_SECONDS * 1.2  # the first worker to free goes to b
    await queue.close()


async def test_while_another_key_waits_a_key_holds_at_most_half_the_workers() -> None:
    queue, jobs = WorkQueue("fair", workers=4), Counted()
    for n in range(40):  # two keys flooding at once, with jobs of uneven length
        queue.submit(jobs.job("a", f"a{n}", JOB_SECONDS * (1 + n % 3 / 2)), "a")
        queue.submit(jobs.job("b", f"b{n}", JOB_SECONDS * (1 + n % 5 / 3)), "b")
    await asyncio.sleep(JOB_SECONDS * 10)
    assert jobs.most == {"a": 2, "b": 2}
    for n in range(4):  # a third key joining them takes the first worker to free, then its share
        queue.submit(jobs.job("c", f"c{n}"), "c")
    await asyncio.sleep(JOB_SECONDS * 10)
    await queue.close()
    assert jobs.most == {"a": 2, "b": 2, "c": 2}


async def test_a_key_alone_uses_every_worker() -> None:
    queue, jobs = WorkQueue("fair", workers=4), Counted()
    started = asyncio.get_running_loop().time()
    for n in range(16):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await queue.drain()
    elapsed = asyncio.get_running_loop().time() - started
    await queue.close()
    assert jobs.most == {"a": 4}
    assert elapsed < JOB_SECONDS * 4 * 1.5  # 16 jobs on 4 workers: four rounds, not eight


async def test_the_worker_a_newcomer_leaves_goes_back_to_the_burst() -> None:
    queue, jobs = WorkQueue("fair", workers=4), Counted()
    for n in range(40):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await asyncio.sleep(JOB_SECONDS / 2)
    queue.submit(jobs.job("b", "b0"), "b")
    await asyncio.sleep(JOB_SECONDS * 3)  # b's one job has come and gone
    assert jobs.running.get("a") == 4
    await queue.close()


@pytest.mark.parametrize(("workers", "share"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (16, 8)])
def test_a_keys_share_is_half_the_workers_rounded_up(workers: int, share: int) -> None:
    assert WorkQueue("fair", workers=workers).per_key == share
