"""What customers wait for: from a question (or an order event) to the answer reaching the provider.

Usage::

    .venv/bin/python bench/e2e_bench.py [--modes serve,procfile] [--rates 2,10,30,60] [--seconds 20]
                                        [--kinds questions,events,burst] [--drain 30]

It starts the embedded database (a temporary data dir), the Twilio stand-in of the test suite in a process
of its own (it stamps each message the service sends with the time it arrived), and the service as
``orderbot serve`` (``serve``) or as the Procfile's ``orderbot web`` + ``orderbot worker`` (``procfile``).
Every shop's quiet hours are off, so nothing is held for the night.

- ``questions``: signed WhatsApp messages ("where is my order?"), each from another customer who has an
  order, open-loop at each rate for ``--seconds``; the answer is the first message the service sends to that
  customer after the question.
- ``events``: signed order webhooks moving one order each to ``shipped``, at the same rates; the answer is
  the customer's notification (SMS).
- ``burst``: 1,000 signed SMS to shop A as fast as 50 connections send them, while shop B's customers write
  at 2/s. Shop A keeps the default SMS sending rate (1 a second: a US long code's, as Twilio releases
  them); shop B sends at 3 a second (``--burst-b-sms-rate``; a US toll-free number's default, the least
  a number answering 2 questions a second needs: at 1 a second B's own answers queue behind each other
  whatever A does). Shop B's answers are what count; the line after B's row gives the latencies B's own
  sending rate alone sets (each answer sent the moment its question arrives and B's bucket has a token),
  so what A's burst costs B is the difference.

For each run it prints the load average at its start, acknowledgement p50/p99, answer latency
p50/p90/p99/max, the share answered within 2 s, and how many were still unanswered ``--drain`` seconds
after the load stopped. It is a measurement: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-in and process helpers in tests/

from bot.planner import DEFAULT_RATES
from orders.lifecycle import Status
from orders.model import Customer, NotifyPolicy, Order, OrderId, Shop, Source, TimelineEvent, new_id
from orders.shops import new_shop
from tests.faults.processes import Orderbot, free_port, listening, wait_until
from tests.standins.twilio import TwilioStandIn
from webhooks.bootstrap import database_for
from webhooks.ops.embedded import embedded_mongodb
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

# Made up, and the same in the stand-in's own process (it imports this module again): not credentials.
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "e2e-stand-in-auth-token"
SECRET_KEY = "e2e-secret-key-" + "e" * 40
PUBLIC_URL = "https://e2e.orderbot.example"
BURST_MESSAGES = 1000
BURST_CONNECTIONS = 50
QUIET_OFF = {"quiet_start": "00:00", "quiet_end": "00:00"}


# -- the stand-in, in its own process -------------------------------------------------------------------


def serve_stand_in(port: int) -> None:
    """The Twilio stand-in; ``GET /_e2e/arrivals?from=N`` lists ``[to, unix time]`` of messages from the N-th."""
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    arrivals: list[tuple[str, float]] = []

    @web.middleware
    async def stamp(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        if response.status == 201 and isinstance(response, web.Response) and response.text:
            arrivals.append((json.loads(response.text)["to"], time.time()))
        return response

    async def listing(request: web.Request) -> web.Response:
        return web.json_response(arrivals[int(request.query.get("from", "0")) :])

    app = twilio.app()
    app.middlewares.append(stamp)
    app.router.add_get("/_e2e/arrivals", listing)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- measuring ----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One run's requests: when each was sent, acknowledged, and answered (by the customer's phone)."""

    name: str
    load: str
    sent: dict[str, float] = field(default_factory=dict)  # phone -> unix time the request left
    acks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: dict[str, float] = field(default_factory=dict)  # phone -> latency, seconds

    def take(self, arrivals: list[tuple[str, float]]) -> None:
        for to, at in arrivals:
            phone = to.removeprefix("whatsapp:")
            if phone in self.sent and phone not in self.answered and at >= self.sent[phone]:
                self.answered[phone] = at - self.sent[phone]

    def row(self) -> str:
        latencies = sorted(self.answered.values())
        within = sum(1 for s in latencies if s <= 2.0) / len(self.sent) if self.sent else 0.0
        acks = sorted(self.acks)
        return (
            f"{self.name:24} {self.load:>5} {len(self.sent):>5} {_pct(acks, 0.5):>7.0f} {_pct(acks, 0.99):>7.0f}"
            f" {_pct(latencies, 0.5):>7.0f} {_pct(latencies, 0.9):>7.0f} {_pct(latencies, 0.99):>7.0f}"
            f" {_pct(latencies, 1.0):>7.0f} {within:>6.0%} {len(self.sent) - len(self.answered):>6}"
            f" {len(self.errors):>5}"
        )


HEADER = (
    f"{'run':24} {'load':>5} {'sent':>5} {'ack50':>7} {'ack99':>7} {'ans50':>7} {'ans90':>7} {'ans99':>7}"
    f" {'ansmax':>7} {'<=2s':>6} {'unans':>6} {'errs':>5}   (milliseconds)"
)


def _pct(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] * 1000 if values else float("nan")


def rate_floor(arrivals: list[float], rate: float, burst: int) -> list[float]:
    """The least latency of each answer when answers leave through a token bucket of ``burst`` tokens
    refilled at ``rate`` a second (full at the first arrival): each goes once its question has arrived and
    a token is there, in the order the questions arrived."""
    floors: list[float] = []
    tokens, at = float(burst), arrivals[0] if arrivals else 0.0
    for arrived in sorted(arrivals):
        leave = max(arrived, at)
        tokens = min(float(burst), tokens + (leave - at) * rate)
        if tokens < 1.0:
            leave += (1.0 - tokens) / rate
            tokens = 1.0
        tokens, at = tokens - 1.0, leave
        floors.append(leave - arrived)
    return sorted(floors)


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


class Arrivals:
    """Reads the stand-in's arrivals incrementally."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self.session, self.url, self.seen = session, f"http://127.0.0.1:{port}/_e2e/arrivals", 0

    async def new(self) -> list[tuple[str, float]]:
        async with self.session.get(self.url, params={"from": str(self.seen)}) as response:
            found: list[tuple[str, float]] = [tuple(a) for a in await response.json()]
        self.seen += len(found)
        return found


async def settle(runs: list[Run], arrivals: Arrivals, drain: float) -> None:
    """Collect answers until every request of ``runs`` has one, or ``drain`` seconds pass without the last."""
    deadline = time.monotonic() + drain
    while True:
        new = await arrivals.new()
        for run in runs:
            run.take(new)
        if all(len(r.answered) == len(r.sent) for r in runs) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.2)


# -- traffic --------------------------------------------------------------------------------------------


@dataclass
class Target:
    session: aiohttp.ClientSession
    base: str

    async def post(self, run: Run, phone: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        run.sent[phone] = time.time()
        started = time.perf_counter()
        try:
            async with self.session.post(self.base + path, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    run.errors.append(f"{response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            run.errors.append(type(exc).__name__)
        run.acks.append(time.perf_counter() - started)

    async def question(self, run: Run, shop: Shop, phone: str, sid: str, *, whatsapp: bool = True) -> None:
        prefix = "whatsapp:" if whatsapp else ""
        to = (shop.whatsapp_number if whatsapp else shop.sms_number) or ""
        params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": prefix + phone, "To": prefix + to,
                  "Body": "where is my order?", "NumMedia": "0"}  # fmt: skip
        path = "/webhooks/twilio/messages"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        await self.post(run, phone, path, urlencode(params).encode(), headers)

    async def event(self, run: Run, shop: Shop, phone: str, external_id: str) -> None:
        now = datetime.now(UTC).isoformat()
        body = json.dumps({"event": "order.updated", "order": {
            "id": external_id, "status": "shipped", "updated_at": now,
            "tracking": {"carrier": "UPS", "number": f"1Z{external_id}"}}}).encode()  # fmt: skip
        headers = {"Content-Type": "application/json", "X-Orderbot-Event-Id": f"e2e-{external_id}",
                   "X-Orderbot-Signature": sign(shop.webhook_secret, body)}  # fmt: skip
        await self.post(run, phone, f"/webhooks/orders/{shop.id}", body, headers)


async def open_loop(rate: float, seconds: float, send: Any) -> None:
    """Start ``send(n)`` every 1/rate seconds for ``seconds`` whatever the answers take (open loop)."""
    started, tasks, n = time.monotonic(), [], 0
    while (now := time.monotonic()) - started < seconds:
        tasks.append(asyncio.create_task(send(n)))
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - now))
    await asyncio.gather(*tasks)


# -- setting up ------------------------------------------------------------------------------------------


@dataclass
class World:
    steady: Shop
    burst_a: Shop
    burst_b: Shop
    customers: int
    next_customer: dict[str, int] = field(default_factory=dict)

    def take(self, shop: Shop, count: int) -> range:
        first = self.next_customer.get(shop.id, 0)
        if first + count > self.customers:
            raise SystemExit(f"more customers needed than the {self.customers} seeded; lower --seconds")
        self.next_customer[shop.id] = first + count
        return range(first, first + count)


def phone(shop_no: int, n: int) -> str:
    return f"+1415{shop_no}{n:06d}"


async def seed(settings: Settings, customers: int, b_sms_rate: float | None = None) -> World:
    """Three shops, each with ``customers`` customers who have one processing order (SMS)."""
    db = database_for(settings)
    await db.ensure_indexes()
    now = datetime.now(UTC)
    fast = NotifyPolicy(**QUIET_OFF, rates={"sms": 1000.0, "whatsapp": 1000.0})
    b_rates = {"sms": b_sms_rate} if b_sms_rate else {}
    shops = [
        new_shop("E2E Steady", now, sms_number="+14155550001", whatsapp_number="+14155550002", notify=fast),
        new_shop("E2E Burst A", now, sms_number="+14155550003", notify=NotifyPolicy(**QUIET_OFF)),
        new_shop(
            "E2E Burst B", now, sms_number="+14155550004", notify=NotifyPolicy(**QUIET_OFF, rates=b_rates)
        ),
    ]
    for shop_no, shop in enumerate(shops, start=1):
        await db.shops.add(shop)
        for start in range(0, customers, 200):
            await asyncio.gather(
                *(
                    db.orders.add(_order(shop, shop_no, n, now))
                    for n in range(start, min(customers, start + 200))
                )
            )
    await db.close()
    steady, burst_a, burst_b = shops
    return World(steady, burst_a, burst_b, customers=customers)


def _order(shop: Shop, shop_no: int, n: int, now: datetime) -> Order:
    return Order(
        id=OrderId(new_id("ord")), shop_id=shop.id, external_id=f"{shop_no}-{n}", number=f"{shop_no}{n:06d}",
        status=Status.PROCESSING, status_since=now, created_at=now, updated_at=now,
        customer=Customer(name=f"Customer {n}", phone=phone(shop_no, n)), channel="sms",
        timeline=[TimelineEvent(status=Status.PROCESSING, at=now, source=Source.WEBHOOK)],
        last_customer_contact_at=now,
    )  # fmt: skip


# -- the runs ---------------------------------------------------------------------------------------------


async def steady(target: Target, world: World, kind: str, rate: float, seconds: float) -> Run:
    shop = world.steady
    people = world.take(shop, int(rate * seconds) + 1)
    run = Run(f"{kind} {rate:g}/s", _load())

    async def send(n: int) -> None:
        customer = people[n]
        if kind == "questions":
            await target.question(run, shop, phone(1, customer), f"SM{customer:032x}")
        else:
            await target.event(run, shop, phone(1, customer), f"1-{customer}")

    await open_loop(rate, seconds, send)
    return run


async def burst(target: Target, world: World, seconds: float) -> list[Run]:
    """Shop A gets ``BURST_MESSAGES`` at once while shop B's customers write at 2/s for ``seconds``."""
    a, b = Run("burst: shop A", _load()), Run("burst: shop B at 2/s", _load())
    a_people, b_people = (
        world.take(world.burst_a, BURST_MESSAGES),
        world.take(world.burst_b, int(2 * seconds) + 1),
    )
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in a_people:
        queue.put_nowait(n)

    async def flood() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await target.question(a, world.burst_a, phone(2, n), f"SMa{n:031x}", whatsapp=False)

    async def b_writes(n: int) -> None:
        await target.question(b, world.burst_b, phone(3, b_people[n]), f"SMb{n:031x}", whatsapp=False)

    await asyncio.gather(open_loop(2, seconds, b_writes), *(flood() for _ in range(BURST_CONNECTIONS)))
    return [a, b]


def _floor_row(b: Run, b_sms_rate: float | None) -> str:
    """Shop B's answers as its own sending rate alone would let them go (the planner's bucket for B)."""
    rate, burst = (b_sms_rate, max(1, int(b_sms_rate))) if b_sms_rate else DEFAULT_RATES["sms"]
    floors = rate_floor(list(b.sent.values()), rate, burst)
    return (
        f"{'  B at its own rate alone':24} {'':>5} {len(floors):>5} {'':>7} {'':>7} {_pct(floors, 0.5):>7.0f}"
        f" {_pct(floors, 0.9):>7.0f} {_pct(floors, 0.99):>7.0f} {_pct(floors, 1.0):>7.0f}"
        f" {sum(1 for f in floors if f <= 2.0) / max(1, len(floors)):>6.0%}"
    )


def _processes(mode: str, env: dict[str, str], data_dir: Path) -> list[Orderbot]:
    if mode == "serve":
        return [Orderbot("serve", env, data_dir / "serve.log", port=free_port())]
    return [
        Orderbot("web", env, data_dir / "web.log", port=free_port()),
        Orderbot("worker", env, data_dir / "worker.log"),
    ]


async def bench_mode(mode: str, uri: str, args: argparse.Namespace, stand_in: int, tmp: Path) -> list[Run]:
    name = f"e2e_{mode}"
    settings = Settings(MONGODB_URI=uri, MONGODB_DB=name, ORDERBOT_SECRET_KEY=SECRET_KEY)
    steady_count = int(sum(args.rates) * args.seconds) + len(args.rates)
    customers = max(steady_count * 2, BURST_MESSAGES + int(2 * args.seconds) + 1)
    world = await seed(settings, customers, args.burst_b_sms_rate)
    env = {
        "MONGODB_URI": uri, "MONGODB_DB": name, "ORDERBOT_SECRET_KEY": SECRET_KEY,
        "ORDERBOT_DATA_DIR": str(tmp / mode), "ORDERBOT_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "ORDERBOT_TWILIO_BASE_URL": f"http://127.0.0.1:{stand_in}", "ORDERBOT_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    processes = _processes(mode, env, tmp)
    runs: list[Run] = []
    try:
        for process in processes:
            await asyncio.to_thread(process.start)
        await asyncio.sleep(2)
        limits = aiohttp.TCPConnector(limit=BURST_CONNECTIONS + 20)
        async with aiohttp.ClientSession(
            connector=limits, timeout=aiohttp.ClientTimeout(total=60)
        ) as session:
            target, arrivals = Target(session, processes[0].url), Arrivals(session, stand_in)
            await arrivals.new()  # nothing before now counts
            for kind in args.kinds:
                batch = (
                    await burst(target, world, args.seconds)
                    if kind == "burst"
                    else [await steady(target, world, kind, rate, args.seconds) for rate in args.rates]
                )
                await settle(batch, arrivals, args.drain)
                for run in batch:
                    run.name = f"{mode}: {run.name}"
                    print(run.row(), flush=True)
                if kind == "burst":
                    print(_floor_row(batch[-1], args.burst_b_sms_rate), flush=True)
                runs += batch
                await asyncio.sleep(3)
    finally:
        for process in processes:
            await asyncio.to_thread(process.stop)
    return runs


async def bench(args: argparse.Namespace, tmp: Path) -> None:
    port = free_port()
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--stand-in-port", str(port), stdin=asyncio.subprocess.DEVNULL
    )
    try:
        await asyncio.to_thread(wait_until, lambda: listening(port), 30, "the Twilio stand-in")
        with embedded_mongodb(tmp / "db") as uri:
            print(f"{os.cpu_count()} cores; load average at start {_load()}")
            print(HEADER, flush=True)
            for mode in args.modes:
                await bench_mode(mode, uri, args, port, tmp)
    finally:
        stand_in.terminate()
        await stand_in.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["serve", "procfile"])
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")], default=[2, 10, 30, 60])
    parser.add_argument("--seconds", type=float, default=20, help="how long each rate runs")
    parser.add_argument("--kinds", type=lambda s: s.split(","), default=["questions", "events", "burst"])
    parser.add_argument("--drain", type=float, default=30, help="seconds to wait for answers after the load")
    parser.add_argument(
        "--burst-b-sms-rate", type=float, default=3.0,
        help="shop B's SMS sending rate per second in the burst (default 3, a toll-free number's)",
    )  # fmt: skip
    parser.add_argument("--stand-in-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stand_in_port:
        serve_stand_in(args.stand_in_port)
        return 0
    with tempfile.TemporaryDirectory(prefix="orderbot-e2e-") as tmp:
        asyncio.run(bench(args, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
