"""Answers shared by concurrent askers: one computation per key and stamp, failures never kept."""

from __future__ import annotations

import asyncio

import pytest

from orders.shared_answers import SharedAnswers


async def test_concurrent_askers_share_one_computation() -> None:
    answers: SharedAnswers[str, int, str] = SharedAnswers()
    runs = 0
    gate = asyncio.Event()

    async def compute() -> str:
        nonlocal runs
        runs += 1
        await gate.wait()
        return f"answer {runs}"

    askers = [
        asyncio.ensure_future(answers.get("k", 1, lambda stamp: stamp == 1, compute)) for _ in range(50)
    ]
    await asyncio.sleep(0)
    gate.set()
    assert set(await asyncio.gather(*askers)) == {"answer 1"}
    assert runs == 1
    assert await answers.get("k", 1, lambda stamp: stamp == 1, compute) == "answer 1"  # kept
    assert await answers.get("k", 2, lambda stamp: stamp == 2, compute) == "answer 2"  # stale: made again
    answers.forget(lambda key: key == "k")
    assert await answers.get("k", 2, lambda stamp: stamp == 2, compute) == "answer 3"


async def test_a_failed_computation_is_not_kept_and_one_asker_leaving_does_not_cancel_it() -> None:
    answers: SharedAnswers[str, int, str] = SharedAnswers()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise RuntimeError("database away")
        return "fine"

    with pytest.raises(RuntimeError):
        await answers.get("k", 1, lambda _: True, flaky)
    leaving = asyncio.ensure_future(answers.get("k", 1, lambda _: True, flaky))
    staying = asyncio.ensure_future(answers.get("k", 1, lambda _: True, flaky))
    await asyncio.sleep(0)
    leaving.cancel()
    assert await staying == "fine"
    assert calls == 2
