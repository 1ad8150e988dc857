"""Order desk refresh cost: requests and server time per refresh, and 100 open desks on one shop.

Usage::

    .venv/bin/python bench/dashboard_bench.py [--orders 100000] [--desks 100] [--seconds 30]

It loads one shop's orders the way ``bench/orders_bench.py`` does (straight through the store's document
mapping), starts ``orderbot web`` as its own process on a loopback port and calls REST API v1 exactly as
the page does:

- the idle change check, every 3 s per desk: ``GET /api/v1/shop/revision`` with ``If-None-Match`` → 304;
- a refresh, every 30 s per desk and after a change: the revision (unless the change check has just
  read it), stats and the attention queue (limit 200), plus a page of 25 orders when the revision moved
  since the page read it, at once (the page sends them in parallel), plus the open order and its
  progress when the order view is open.

Server time is what the web process's request histogram (``orderbot_http_request_seconds`` on
``/metrics``) adds up per route: from the first middleware to the answer, database included. Server CPU
is what the web process and the database process used (``/proc``). Then ``--desks``
simulated desks, each opened once beforehand, run for ``--seconds`` (each checks every 3 s and refreshes
every 30 s, at random offsets), and a status change made elsewhere lands every 10 s, so every desk also
refreshes after it.

Then the live desk (``bench/stream_desks.py``): ``--desks`` desks keep ``GET /api/v1/events`` open, first
idle for 10 s, then while status changes land at ``--stream-rate`` a second for ``--stream-seconds``;
it prints each change's delivery latency to every desk (p50, p99, and how many never arrived) and the web
process's and the database's CPU. ``--stream-only`` skips the polling figures.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import re
import socket
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import harness  # the scratch database and process helpers the benchmarks share, next to this file
import orders_bench  # the loader and database set-up of the orders benchmark, next to this file
import stream_desks  # the live desks on the event stream, next to this file

from orders.lifecycle import Status
from webhooks.access.auth import issue_token

CHECK_SECONDS = 3.0
REFRESH_SECONDS = 30.0
CHANGE_EVERY_SECONDS = 10.0
CHANGE_ROUTE = "/api/v1/orders/update-status"


@dataclass
class Desk:
    """One open order desk: its token, the ETag it last saw, what it measured."""

    session: aiohttp.ClientSession
    base: str
    token: str
    etag: str | None = None
    list_etag: str | None = None
    checks: list[float] = field(default_factory=list)
    refreshes: list[float] = field(default_factory=list)
    requests: int = 0

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        self.requests += 1
        async with self.session.get(
            f"{self.base}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}", **(headers or {})}
        ) as response:
            raw = await response.read()
            assert response.status in (200, 304), f"GET {path} -> {response.status}: {raw[:300]!r}"
            return response.status, (await response.json() if response.status == 200 else None)

    async def check(self) -> bool:
        """The 3-second change check; True when the shop's data moved."""
        started = time.perf_counter()
        status, body = await self.get("/shop/revision", {"If-None-Match": self.etag} if self.etag else {})
        self.checks.append((time.perf_counter() - started) * 1000)
        if status == 304:
            return False
        self.etag = f'"{body["revision"]}"'
        return True

    async def refresh(self, open_order: str | None = None, *, checked: bool = False) -> None:
        """What the page reads: the page of orders only when the revision moved since it was read.

        ``checked``: a change check has just read the revision, so the refresh does not ask again.
        """
        started = time.perf_counter()
        if not checked:
            _, body = await self.get("/shop/revision")
            self.etag = f'"{body["revision"]}"'
        calls = [self.get("/orders/stats"), self.get("/orders/requiring-attention?limit=200")]
        if self.list_etag != self.etag:
            calls.append(self.get("/orders?limit=25"))
            self.list_etag = self.etag
        if open_order:
            calls += [self.get(f"/orders/{open_order}"), self.get(f"/orders/{open_order}/progress")]
        await asyncio.gather(*calls)
        self.refreshes.append((time.perf_counter() - started) * 1000)


_SAMPLE = re.compile(r"^orderbot_http_request_seconds_(sum|count)\{(.*)\} (\S+)$")


def pid_listening_on(port: int) -> int | None:
    """The process whose command line names ``--port PORT`` (the embedded database)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--port" in args and args[args.index(b"--port") + 1 : args.index(b"--port") + 2] == [
                str(port).encode()
            ]:
                return int(entry.name)
    return None


class ServerTime:
    """The web process's request histogram (from ``/metrics``) and the server processes' CPU, as deltas."""

    def __init__(self, session: aiohttp.ClientSession, base: str, pids: dict[str, int]) -> None:
        self.session = session
        self.base = base
        self.pids = pids
        self.last: dict[str, tuple[float, float]] = {}
        self.cpu = {name: harness.cpu_seconds(pid) for name, pid in pids.items()}

    async def _read(self) -> dict[str, tuple[float, float]]:
        async with self.session.get(f"{self.base}/metrics") as response:
            text = await response.text()
        totals: dict[str, tuple[float, float]] = {}
        for line in text.splitlines():
            match = _SAMPLE.match(line)
            if not match:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match[2]))
            seconds, count = totals.get(labels.get("route", ""), (0.0, 0.0))
            if match[1] == "sum":
                seconds += float(match[3])
            else:
                count += float(match[3])
            totals[labels.get("route", "")] = (seconds, count)
        totals.pop("/metrics", None)
        return totals

    async def since_last(self) -> dict[str, tuple[float, float]]:
        now = await self._read()
        delta = {
            route: (
                seconds - self.last.get(route, (0.0, 0.0))[0],
                count - self.last.get(route, (0.0, 0.0))[1],
            )
            for route, (seconds, count) in now.items()
        }
        self.last = now
        return {route: value for route, value in delta.items() if value[1] > 0}

    def cpu_since_last(self) -> dict[str, float]:
        now = {name: harness.cpu_seconds(pid) for name, pid in self.pids.items()}
        delta = {name: now[name] - self.cpu[name] for name in now}
        self.cpu = now
        return delta


@asynccontextmanager
async def serving(env: dict[str, str], tmp: Path) -> AsyncIterator[tuple[str, int]]:
    """``orderbot web`` in its own process: (base URL, pid)."""
    port = harness.free_port()
    log = tmp / "web.log"
    command = [sys.executable, "-m", "webhooks.cli", "web", "--port", str(port)]
    with log.open("wb") as errors:
        proc = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=errors
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.returncode is not None or time.monotonic() > deadline:
                raise SystemExit(f"orderbot web did not start: {log.read_text()[-2000:]}")
            await asyncio.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        await proc.wait()


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def show(title: str, delta: dict[str, tuple[float, float]], cpu: dict[str, float], operations: int) -> float:
    """Print server time per route and server CPU per operation; return the server CPU ms per operation."""
    total = sum(seconds for seconds, _ in delta.values()) * 1000 / operations
    requests = sum(count for _, count in delta.values()) / operations
    used = {name: seconds * 1000 / operations for name, seconds in cpu.items()}
    print(
        f"{title}: {requests:.1f} requests, {total:.2f} ms server time; CPU "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in used.items())
        + " per operation"
    )
    for route, (seconds, count) in sorted(delta.items()):
        print(f"    {route:<45} {count / operations:>4.1f} req  {seconds * 1000 / count:>7.2f} ms each")
    return sum(used.values())


async def single_desk(
    desk: Desk, server: ServerTime, open_order: str, samples: int, change: Callable[[], Awaitable[None]]
) -> None:
    for _ in range(3):
        await desk.refresh()
    await desk.check()

    async def measured(label: str, work: Callable[[], Awaitable[Any]], leave_out: str | None = None) -> float:
        await server.since_last()
        server.cpu_since_last()
        for _ in range(samples):
            await work()
        cpu = server.cpu_since_last()
        delta = await server.since_last()
        if leave_out:
            delta.pop(leave_out, None)
        return show(label, delta, cpu, samples)

    await measured("authentication alone (GET /api/v1/shop)", lambda: desk.get("/shop"))
    desk.checks.clear()
    idle = await measured("idle change check (304)", desk.check)
    print(f"    client latency p50 {pct(desk.checks, 50):.2f} ms, p99 {pct(desk.checks, 99):.2f} ms")
    for label, order, changed in (
        ("30-second refresh, nothing changed", None, False),
        ("change check and refresh after a change (the first desk to ask; the change left out)", None, True),
        ("the same, order view open", open_order, True),
    ):
        desk.refreshes.clear()

        async def one(order: str | None = order, changed: bool = changed) -> None:
            if changed:
                await change()
                assert await desk.check()
            await desk.refresh(order, checked=changed)

        await measured(label, one, CHANGE_ROUTE if changed else None)
        print(f"    wall time p50 {pct(desk.refreshes, 50):.2f} ms, p99 {pct(desk.refreshes, 99):.2f} ms")
    print(
        f"one idle desk: {60 / CHECK_SECONDS:.0f} checks a minute ≈ {60 / CHECK_SECONDS * idle:.0f} ms "
        "server CPU a minute"
    )


async def many_desks(
    desks: list[Desk], server: ServerTime, seconds: float, change: Callable[[], Awaitable[None]]
) -> None:
    changes = 0

    async def run(desk: Desk) -> None:
        rng = random.Random(id(desk))
        next_check = time.perf_counter() + rng.uniform(0, CHECK_SECONDS)
        next_refresh = time.perf_counter() + rng.uniform(0, REFRESH_SECONDS)
        while True:
            now = time.perf_counter()
            wake = min(next_check, next_refresh)
            if wake >= stop:
                return
            await asyncio.sleep(max(0.0, wake - now))
            if next_refresh <= next_check:
                await desk.refresh()
                next_refresh += REFRESH_SECONDS
            else:
                if await desk.check():
                    await desk.refresh(checked=True)
                next_check += CHECK_SECONDS

    async def changer() -> None:
        nonlocal changes
        while time.perf_counter() + CHANGE_EVERY_SECONDS < stop:
            await asyncio.sleep(CHANGE_EVERY_SECONDS)
            await change()
            changes += 1

    for desk in desks:  # each desk opened once before (desks are not all opened in the same second)
        await desk.refresh()
        desk.checks.clear()
        desk.refreshes.clear()
        desk.requests = 0
    await server.since_last()
    server.cpu_since_last()
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(changer(), *(run(desk) for desk in desks))
    wall = time.perf_counter() - started
    cpu = server.cpu_since_last()
    delta = await server.since_last()
    requests = sum(desk.requests for desk in desks)
    checks = [ms for desk in desks for ms in desk.checks]
    refreshes = [ms for desk in desks for ms in desk.refreshes]
    print(
        f"{len(desks)} desks for {wall:.0f} s with {changes} changes: {requests} requests ({requests / wall:.1f}/s); "
        "server CPU "
        + ", ".join(
            f"{name} {seconds:.1f} s ({seconds / wall * 100:.0f} % of a core)"
            for name, seconds in cpu.items()
        )
    )
    print(
        f"    change checks {len(checks)}: p50 {pct(checks, 50):.2f} ms, p99 {pct(checks, 99):.2f} ms; "
        f"full refreshes {len(refreshes)}: p50 {pct(refreshes, 50):.1f} ms, p99 {pct(refreshes, 99):.1f} ms"
    )
    for route, (secs, count) in sorted(delta.items()):
        print(f"    {route:<45} {count:>6.0f} req  {secs * 1000 / count:>7.2f} ms each")


async def run(uri: str, name: str, tmp: Path, args: argparse.Namespace) -> None:
    # the API's rate limit: counted on every request, as in production, but never reached
    # and no per-address connection cap: every simulated desk comes from 127.0.0.1
    env = harness.web_env(
        uri, name, tmp, ORDERBOT_API_RATE_LIMIT=str(10**9), ORDERBOT_CONNECTIONS_PER_ADDRESS="0"
    )
    async with harness.opened(uri, name) as db:
        shop, data = await orders_bench.load(db, args.orders, with_outbox=False)
        movable = [o for o in data.orders if o.status == Status.PENDING]
        open_order = data.orders[len(data.orders) // 2].id
        pids: dict[str, int] = {}
        port = urllib.parse.urlsplit(uri).port
        if port is not None and (db_pid := pid_listening_on(port)) is not None:
            pids["database"] = db_pid
        async with (
            serving(env, tmp) as (base, web_pid),
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            server = ServerTime(session, base, {"web": web_pid, **pids})

            def token(n: int) -> str:
                return issue_token(harness.SECRET_KEY, shop.id, now=datetime.now(UTC), subject=f"desk{n}")

            staff = Desk(session, base, token(-1))

            async def change() -> None:  # a status change made elsewhere (another desk, Telegram, a webhook)
                order = movable.pop()
                async with session.post(
                    f"{base}/api/v1/orders/update-status",
                    json={"order_id": order.id, "status": "processing", "notify": False},
                    headers={"Authorization": f"Bearer {staff.token}"},
                ) as response:
                    assert response.status == 200, await response.text()

            print(f"\norderbot web at {base}; {args.orders:,} orders in the shop\n")
            if not args.stream_only:
                await single_desk(Desk(session, base, token(0)), server, open_order, args.samples, change)
                print()
                desks = [Desk(session, base, token(n)) for n in range(1, args.desks + 1)]
                await many_desks(desks, server, args.seconds, change)
                print()

            async def moved() -> str:
                order_id = movable[-1].id
                await change()
                return order_id

            await stream_desks.stream_desks(
                session, base, [token(n) for n in range(1, args.desks + 1)], moved, server.cpu_since_last,
                rate=args.stream_rate, seconds=args.stream_seconds,
            )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders in the shop (default 100,000)")
    parser.add_argument("--desks", type=int, default=100, help="open desks to simulate (default 100)")
    parser.add_argument("--seconds", type=float, default=30, help="how long the desks run (default 30)")
    parser.add_argument("--samples", type=int, default=100, help="sequential checks/refreshes (default 100)")
    parser.add_argument(
        "--stream-rate", type=float, default=5, help="changes a second on the stream (default 5)"
    )
    parser.add_argument("--stream-seconds", type=float, default=20, help="how long they run (default 20)")
    parser.add_argument("--stream-only", action="store_true", help="only the live desks on the stream")
    args = parser.parse_args()
    with harness.scratch_database("orderbot-dash-bench-") as (uri, name, tmp):
        asyncio.run(run(uri, name, tmp, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
