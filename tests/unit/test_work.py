"""The background work queue: bounded, drained and fair between keys; the fair gate; the alarm."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.work import Alarm, FairSlots, FairTurns, WorkQueue


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


class Held:
    """Jobs that run until the test lets them finish, so which run at once is a fact, not a race with time."""

    def __init__(self) -> None:
        self.running: dict[str, set[str]] = {}
        self.most: dict[str, int] = {}
        self._go: dict[str, asyncio.Event] = {}
        self._queues: list[WorkQueue] = []

    def queue(self, workers: int) -> WorkQueue:
        queue = WorkQueue("fair", workers=workers)
        self._queues.append(queue)
        return queue

    async def close(self) -> None:
        """Let every job end and stop the queues (also when a test failed midway)."""
        for go in self._go.values():
            go.set()
        for queue in self._queues:
            await queue.close()
        self._queues.clear()

    def job(self, key: str, name: str) -> Callable[[], Awaitable[None]]:
        go = self._go[name] = asyncio.Event()

        async def run() -> None:
            running = self.running.setdefault(key, set())
            running.add(name)
            self.most[key] = max(self.most.get(key, 0), len(running))
            try:
                await go.wait()
            finally:
                running.discard(name)

        return run

    def count(self, key: str) -> int:
        return len(self.running.get(key, ()))

    async def finish(self, name: str) -> None:
        """Let ``name`` end, and the queue hand its worker on."""
        self._go[name].set()
        await settle()

    async def finish_one(self, key: str) -> None:
        await self.finish(sorted(self.running[key])[0])


async def settle() -> None:
    """Let every ready task run until the queue is still."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def jobs() -> AsyncIterator[Held]:
    held = Held()
    yield held
    await held.close()


@pytest.mark.parametrize("workers", [1, 2, 4, 8])
async def test_a_key_arriving_behind_a_burst_takes_the_first_worker_to_free(workers: int, jobs: Held) -> None:
    queue = jobs.queue(workers)
    for n in range(20 * workers):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await settle()
    assert jobs.count("a") == workers  # the burst holds every worker
    for n in range(3):
        queue.submit(jobs.job("b", f"b{n}"), "b")
        await settle()
        assert jobs.count("b") == 0  # no worker is free yet
        await jobs.finish_one("a")
        assert jobs.count("b") == 1  # the first worker to free goes to b, ahead of a's backlog
        await jobs.finish(f"b{n}")


async def test_while_another_key_waits_a_key_holds_at_most_half_the_workers(jobs: Held) -> None:
    queue = jobs.queue(4)
    for n in range(40):  # two keys flooding at once
        queue.submit(jobs.job("a", f"a{n}"), "a")
        queue.submit(jobs.job("b", f"b{n}"), "b")
    await settle()
    for n in range(30):  # jobs end in an uneven order: a, a, b, a, a, b, ...
        assert (jobs.count("a"), jobs.count("b")) == (2, 2)
        await jobs.finish_one("b" if n % 3 == 2 else "a")
    for n in range(4):  # a third key joining them takes the first worker to free, then its share
        queue.submit(jobs.job("c", f"c{n}"), "c")
    await settle()
    for n in range(6):
        await jobs.finish_one("a" if n % 2 else "b")
    assert jobs.count("c") == 2 and jobs.count("a") + jobs.count("b") == 2
    await jobs.close()
    assert jobs.most == {"a": 2, "b": 2, "c": 2}


async def test_a_key_alone_uses_every_worker(jobs: Held) -> None:
    queue = jobs.queue(4)
    for n in range(16):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await settle()
    assert jobs.count("a") == 4
    await jobs.finish_one("a")
    assert jobs.count("a") == 4  # the freed worker takes a's next job at once
    await jobs.close()
    assert jobs.most == {"a": 4}


async def test_the_worker_a_newcomer_leaves_goes_back_to_the_burst(jobs: Held) -> None:
    queue = jobs.queue(4)
    for n in range(40):
        queue.submit(jobs.job("a", f"a{n}"), "a")
    await settle()
    queue.submit(jobs.job("b", "b0"), "b")
    await jobs.finish_one("a")
    assert (jobs.count("a"), jobs.count("b")) == (3, 1)
    await jobs.finish("b0")
    assert (jobs.count("a"), jobs.count("b")) == (4, 0)


@pytest.mark.parametrize(("workers", "share"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (16, 8)])
def test_a_keys_share_is_half_the_workers_rounded_up(workers: int, share: int) -> None:
    assert WorkQueue("fair", workers=workers).per_key == share


# -- the bookkeeping alone ---------------------------------------------------------------------------------


def test_turns_alternate_keys_put_urgent_items_first_and_cap_a_key_while_another_waits() -> None:
    turns: FairTurns[str] = FairTurns(workers=4)  # a share of 2
    for name in ("a1", "a2", "a3", "a4", "b1", "b2", "b3"):
        turns.add(name[0], name)
    turns.add("a", "a-reply", urgent=True)
    taken = [turns.take() for _ in range(5)]
    assert taken == [("a", "a-reply"), ("b", "b1"), ("a", "a1"), ("b", "b2"), None]  # each at its share
    turns.release("b")
    assert turns.take() == ("b", "b3")  # a is at its share while b waits
    turns.release("b")
    turns.release("b")  # b is done and waits for nothing: a alone may use every worker
    assert [turns.take(), turns.take()] == [("a", "a2"), ("a", "a3")]
    assert turns.waiting == 1 and turns.held("a") == 4


def test_the_worker_a_key_frees_goes_to_another_key_first() -> None:
    turns: FairTurns[str] = FairTurns(workers=2)  # a share of 1
    turns.add("a", "a1")
    turns.add("a", "a2")
    assert turns.take() == ("a", "a1")
    turns.add("b", "b1")
    assert turns.take(freed_by="a") == ("b", "b1")  # a's job ended: its worker goes to b
    turns.release("a")


def test_an_item_taken_back_leaves_no_turn_behind() -> None:
    turns: FairTurns[str] = FairTurns(workers=1)
    turns.add("a", "a1")
    turns.add("b", "b1")
    assert turns.remove("a", "a1") and not turns.remove("a", "a1")
    assert turns.take() == ("b", "b1") and turns.take() is None and turns.waiting == 0


# -- the gate -------------------------------------------------------------------------------------------------


async def test_a_slot_goes_to_the_waiting_key_and_a_holder_that_gave_up_takes_none() -> None:
    slots, order, release = FairSlots(2), list[str](), asyncio.Event()

    async def use(key: str, name: str, *, urgent: bool = False) -> None:
        async with slots.hold(key, urgent=urgent):
            order.append(name)
            await release.wait()

    tasks = [asyncio.create_task(use("a", f"a{n}")) for n in range(6)]
    await asyncio.sleep(0)
    gave_up = asyncio.create_task(use("c", "c-gave-up"))
    tasks += [asyncio.create_task(use("b", "b1")), asyncio.create_task(use("a", "a-reply", urgent=True))]
    await asyncio.sleep(0)
    gave_up.cancel()
    await asyncio.sleep(0)
    assert order == ["a0", "a1"] and slots.waiting == 6
    release.set()
    await asyncio.gather(*tasks)
    assert order[:4] == ["a0", "a1", "b1", "a-reply"]  # b takes the first freed slot, then a's reply
    assert "c-gave-up" not in order and slots.waiting == 0


@dataclass
class MovingClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


# -- the alarm ----------------------------------------------------------------------------------------------


def test_the_alarms_pause_ends_at_the_next_known_due_time_and_then_forgets_it() -> None:
    clock = MovingClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    alarm = Alarm(clock)
    alarm.at(clock() + timedelta(seconds=5))
    assert alarm.pause(60) == 60  # nobody waits on it yet: it keeps nothing
    alarm._watched = True
    alarm.at(clock() + timedelta(seconds=5))
    alarm.at(clock() + timedelta(seconds=2))
    assert alarm.pause(60) == 2 and alarm.pause(1) == 1
    clock.now += timedelta(seconds=3)
    assert alarm.pause(60) == 0  # one came: look now
    assert alarm.pause(60) == 2
    clock.now += timedelta(seconds=2)
    assert alarm.pause(60) == 0 and alarm.pause(60) == 60


async def test_a_waiting_loop_wakes_when_rung_or_when_something_it_was_told_of_falls_due() -> None:
    alarm = Alarm(lambda: datetime.now(UTC))
    waiting = asyncio.create_task(alarm.wait(3600))
    await asyncio.sleep(0)
    alarm.ring()
    await asyncio.wait_for(waiting, 10)
    waiting = asyncio.create_task(alarm.wait(3600))
    await asyncio.sleep(0)
    alarm.at(datetime.now(UTC) + timedelta(seconds=0.05))  # shortens the pause under way
    await asyncio.wait_for(waiting, 10)


async def test_what_falls_due_later_wakes_the_loop_then_not_now() -> None:
    alarm = Alarm(lambda: datetime.now(UTC))
    waiting = asyncio.create_task(alarm.wait(3600))
    await asyncio.sleep(0)
    soon = datetime.now(UTC) + timedelta(seconds=60)
    for n in range(100):  # a run of held entries, each with its own later turn
        alarm.at(soon + timedelta(seconds=n))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()  # no look at the outbox before the first of them is due
    alarm.ring()
    await asyncio.wait_for(waiting, 10)
    assert alarm.pause(3600) > 50  # the turns are kept for the next pauses


# -- queues sharing one gate ------------------------------------------------------------------------------


async def test_queues_sharing_a_gate_run_no_more_jobs_than_its_slots_and_take_turns_between_keys() -> None:
    """Two queues of two workers each over a gate of one slot: one job runs at a time across both, and the
    slot a key's job frees goes to the other key's job, in the other queue, before the same key's next."""
    gate, order, release = FairSlots(1), list[str](), {name: asyncio.Event() for name in ("a1", "a2", "b1")}
    inbox, events = WorkQueue("inbox", 2, gate=gate), WorkQueue("events", 2, gate=gate)

    def job(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            order.append(name)
            await release[name].wait()

        return run

    events.submit(job("a1"), "a")
    events.submit(job("a2"), "a")
    await asyncio.sleep(0)
    inbox.submit(job("b1"), "b", urgent=True)
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["a1"] and gate.waiting == 2  # a2 and b1 hold a worker each, and wait for the slot
    release["a1"].set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["a1", "b1"]  # b's job, from the other queue, before a's next
    release["b1"].set()
    release["a2"].set()
    await inbox.drain()
    await events.drain()
    assert order == ["a1", "b1", "a2"] and gate.waiting == 0
    await inbox.close()
    await events.close()
