"""Open desks on the live event stream: how fast a change reaches each of them, and what they cost.

Used by ``bench/dashboard_bench.py``. Each desk asks ``POST /api/v1/events/ticket`` and keeps
``GET /api/v1/events?ticket=`` open, as the page's EventSource does. Changes are made through the API at a
steady rate by another client; a change's delivery latency is from just before its request is sent to
when a desk reads its ``order`` event, so it includes the change's own request. CPU is sampled for the web
process and the database from ``/proc`` while the desks sit idle (heartbeats and the hub's polling only)
and while the changes run.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

CPU = Callable[[], dict[str, float]]


@dataclass
class StreamDesk:
    token: str
    #: When each order's event arrived here (``time.perf_counter``).
    received: dict[str, float] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeats: int = 0


async def follow(session: aiohttp.ClientSession, base: str, desk: StreamDesk) -> None:
    """Keep the desk's stream open, recording each order event's arrival, until cancelled."""
    headers = {"Authorization": f"Bearer {desk.token}"}
    async with session.post(f"{base}/api/v1/events/ticket", headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        ticket = (await answer.json())["ticket"]
    async with session.get(
        f"{base}/api/v1/events", params={"ticket": ticket}, headers={"Accept": "text/event-stream"}
    ) as response:
        assert response.status == 200, await response.text()
        kind, data = "message", ""
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith(":"):
                desk.heartbeats += 1
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "":
                if kind == "ready":
                    desk.ready.set()
                elif kind == "order":
                    desk.received.setdefault(json.loads(data)["order_id"], time.perf_counter())
                kind, data = "message", ""


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, int(p / 100 * len(ordered) + 0.999) - 1))] if ordered else 0.0


async def stream_desks(
    session: aiohttp.ClientSession,
    base: str,
    tokens: list[str],
    change: Callable[[], Awaitable[str]],
    cpu_since_last: CPU,
    *,
    rate: float,
    seconds: float,
    idle_seconds: float = 10.0,
) -> None:
    """``len(tokens)`` desks on the stream; ``change`` makes one change and returns its order's id."""
    desks = [StreamDesk(token) for token in tokens]
    followers = [asyncio.create_task(follow(session, base, desk)) for desk in desks]
    try:
        await asyncio.wait_for(asyncio.gather(*(desk.ready.wait() for desk in desks)), 60)
        cpu_since_last()
        await asyncio.sleep(idle_seconds)
        _print_cpu(
            f"{len(desks)} desks on the stream, idle for {idle_seconds:.0f} s", cpu_since_last(), idle_seconds
        )

        started: dict[str, float] = {}
        begin = time.perf_counter()
        count = int(rate * seconds)

        async def one(n: int) -> None:
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            sent = time.perf_counter()
            started[await change()] = sent

        await asyncio.gather(*(one(n) for n in range(count)))
        await asyncio.sleep(2.0)  # the last changes' events on their way
        wall = time.perf_counter() - begin
        used = cpu_since_last()
    finally:
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
    latencies = [
        (desk.received[o] - t) * 1000 for desk in desks for o, t in started.items() if o in desk.received
    ]
    lost = len(desks) * len(started) - len(latencies)
    print(
        f"{len(desks)} desks on the stream, {len(started)} changes at {rate:g}/s: "
        f"{len(latencies)} deliveries, {lost} missing; latency p50 {pct(latencies, 50):.0f} ms, "
        f"p99 {pct(latencies, 99):.0f} ms, max {max(latencies, default=0):.0f} ms"
    )
    _print_cpu("    while changing", used, wall)


def _print_cpu(title: str, used: dict[str, float], wall: float) -> None:
    print(
        f"{title}: CPU "
        + ", ".join(
            f"{name} {seconds / wall * 100:.1f} % of a core ({seconds:.2f} s)"
            for name, seconds in used.items()
        )
    )
