"""Soak: two web and two worker processes against one database, mixed traffic at a steady rate.

Usage::

    .venv/bin/python bench/soak.py [--seconds 600] [--rate 20] [--shops 8] [--json]

It starts the embedded database (its own temporary data dir), ``orderbot web`` on two ports and two
``orderbot worker`` processes, with the Twilio stand-in of the test suite as the provider. Then, for
``--seconds``, at ``--rate`` requests a second spread over both web processes: signed Twilio messages and
shop order webhooks (10% of each replays of an earlier delivery, as providers retry), API reads and writes,
and dashboard refreshes (stats and the attention queue). When the traffic stops it waits for the workers to
finish, then checks the database and the stand-in and prints:

- requests/s and p50/p99 per route;
- errors: any answer that is not the expected one (a 5xx, a refusal, a dropped connection) — must be 0;
- duplicates: a second order for one event, a second reply to one message, an entry sent twice — must be 0;
- lost: an answered delivery not stored, a message without its reply, a status change whose notification
  never went out — must be 0;
- the resident memory of each process before the traffic, after the first tenth of the run (warmed up:
  "start"), at every further tenth and at the end; it must level off, not keep growing.

It exits 1 when errors, duplicates or lost deliveries are not all 0. ``--json`` adds one line
``SOAK {...}`` with the figures, for the test that runs a short soak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-ins and process helpers in tests/

from orders.model import NotifyPolicy, Shop
from orders.shops import new_shop
from tests.faults.processes import Orderbot, free_port, listening, wait_until
from tests.standins.twilio import TwilioStandIn
from webhooks.access.auth import issue_token
from webhooks.bootstrap import database_for
from webhooks.ops.embedded import embedded_mongodb
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

# Made up, and the same in the stand-in's own process (it imports this module again): not credentials.
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "soak-stand-in-auth-token"
SECRET_KEY = "soak-secret-key-" + "s" * 40
PUBLIC_URL = "https://soak.orderbot.example"
CUSTOMERS_PER_SHOP = 300
REPLAY_SHARE = 0.1
MIX = {"twilio": 30, "order_webhook": 25, "api_write": 10, "api_read": 20, "dashboard": 15}
DONE_STATES = {"sent", "delivered", "read"}
SLOW_PROVIDER_SECONDS = 10.0  # the Twilio channel's send timeout


@dataclass
class Tracked:
    """An order the traffic created, and how far it has been moved."""

    shop: Shop
    external_id: str
    phone: str
    order_id: str | None = None
    status: str = "pending"
    busy: bool = False


@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def error(self, route: str, what: str) -> None:
        self.errors[f"{route}: {what}"] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{route}: {what}")


@dataclass
class Traffic:
    """The load generator: what it sent, what was answered, and what it expects to find afterwards."""

    session: aiohttp.ClientSession
    webs: list[str]
    shops: list[Shop]
    tokens: dict[str, str]
    figures: Figures = field(default_factory=Figures)
    orders: list[Tracked] = field(default_factory=list)
    sent: dict[str, list[tuple[str, bytes, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    acked_messages: set[str] = field(default_factory=set)
    acked_events: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # event id -> (external id, status)
    turn: int = 0
    sids: int = 0
    events: int = 0

    def base(self) -> str:
        self.turn += 1
        return self.webs[self.turn % len(self.webs)]

    async def call(
        self, route: str, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any
    ) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.base() + path, **kwargs) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.figures.error(route, type(exc).__name__)
            return 0, None
        self.figures.latencies[route].append(time.perf_counter() - started)
        if status not in expect:
            self.figures.error(route, f"{status} {body[:120]!r}")
        parsed = json.loads(body) if body and body[:1] in (b"{", b"[") else None
        return status, parsed

    def api_headers(self, shop: Shop) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[shop.id]}"}

    # -- providers ----------------------------------------------------------------------------------

    async def twilio(self) -> None:
        if self.sent["twilio"] and random.random() < REPLAY_SHARE:
            path, body, headers = random.choice(self.sent["twilio"])
            await self.call("twilio (replay)", "POST", path, data=body, headers=headers)
            return
        shop = random.choice(self.shops)
        phone = customer_phone(shop, random.randrange(CUSTOMERS_PER_SHOP))
        mine = [o for o in self.orders if o.phone == phone]
        number = mine[-1].external_id.removeprefix("S-") if mine else str(random.randint(1, 99999))
        self.sids += 1
        sid = f"SM{self.sids:032x}"
        params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "To": shop.sms_number or "",
                  "Body": f"where is my order {number}?", "NumMedia": "0"}  # fmt: skip
        path = "/webhooks/twilio/messages"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)
        form = urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        status, _ = await self.call("twilio", "POST", path, data=form, headers=headers)
        if status == 200:
            self.acked_messages.add(sid)
            self.sent["twilio"].append((path, form, headers))

    async def order_webhook(self) -> None:
        if self.sent["orders"] and random.random() < REPLAY_SHARE:
            path, body, headers = random.choice(self.sent["orders"])
            await self.call("order webhook (replay)", "POST", path, data=body, headers=headers)
            return
        ready = [o for o in self.orders if o.status == "processing" and not o.busy]
        if ready:
            order = random.choice(ready)
            event = {"event": "order.updated", "order": {
                "id": order.external_id, "status": "shipped", "updated_at": _now(),
                "tracking": {"carrier": "UPS", "number": f"1Z{order.external_id}"}}}  # fmt: skip
            target = "shipped"
        else:
            shop = random.choice(self.shops)
            n = len(self.orders) + 1
            order = Tracked(shop, f"S-{n}", customer_phone(shop, random.randrange(CUSTOMERS_PER_SHOP)))
            self.orders.append(order)
            event = {"event": "order.created", "order": {
                "id": order.external_id, "number": str(n), "status": "pending", "channel": "sms",
                "customer": {"name": f"Soak Customer {n}", "phone": order.phone},
                "created_at": _now(), "updated_at": _now()}}  # fmt: skip
            target = "pending"
        order.busy = True
        self.events += 1
        event_id = f"soak-{self.events}"
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", "X-Orderbot-Event-Id": event_id,
                   "X-Orderbot-Signature": sign(order.shop.webhook_secret, body)}  # fmt: skip
        path = f"/webhooks/orders/{order.shop.id}"
        status, answer = await self.call("order webhook", "POST", path, data=body, headers=headers)
        order.busy = False
        if status == 200 and answer:
            order.order_id, order.status = answer["order_id"], target
            self.acked_events[event_id] = (order.external_id, target)
            self.sent["orders"].append((path, body, headers))

    # -- people and tools -----------------------------------------------------------------------------

    async def api_write(self) -> None:
        pending = [o for o in self.orders if o.status == "pending" and o.order_id and not o.busy]
        if not pending:
            await self.api_read()
            return
        order = random.choice(pending)
        order.busy = True
        change = {"order_id": order.order_id, "status": "processing", "note": "soak"}
        status, _ = await self.call(
            "POST /orders/update-status", "POST", "/api/v1/orders/update-status", json=change,
            headers=self.api_headers(order.shop),
        )  # fmt: skip
        order.busy = False
        if status == 200:
            order.status = "processing"

    async def api_read(self) -> None:
        known = [o for o in self.orders if o.order_id]
        if known and random.random() < 0.5:
            order = random.choice(known)
            await self.call("GET /orders/{id}", "GET", f"/api/v1/orders/{order.order_id}",
                            headers=self.api_headers(order.shop))  # fmt: skip
            return
        shop = random.choice(self.shops)
        await self.call("GET /orders", "GET", "/api/v1/orders?limit=20", headers=self.api_headers(shop))

    async def dashboard(self) -> None:
        shop = random.choice(self.shops)
        headers = self.api_headers(shop)
        await asyncio.gather(
            self.call("GET /orders/stats", "GET", "/api/v1/orders/stats", headers=headers),
            self.call("GET /orders/requiring-attention", "GET", "/api/v1/orders/requiring-attention",
                      headers=headers),
        )  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def customer_phone(shop: Shop, n: int) -> str:
    """The n-th customer of a shop: +1 415 2SS NNNN, with SS the shop's number (its last two digits)."""
    return f"+14152{(shop.sms_number or '00')[-2:]}{n:04d}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


# -- the run -------------------------------------------------------------------------------------------


async def drive(traffic: Traffic, seconds: float, rate: float) -> float:
    """Start one operation every 1/rate seconds for ``seconds``; returns the elapsed time."""
    kinds, weights = zip(*MIX.items(), strict=True)
    started = time.monotonic()
    running: set[asyncio.Task[None]] = set()
    tick = 0
    while (now := time.monotonic()) - started < seconds:
        kind = random.choices(kinds, weights)[0]
        task = asyncio.create_task(getattr(traffic, kind)())
        running.add(task)
        task.add_done_callback(running.discard)
        tick += 1
        await asyncio.sleep(max(0.0, started + tick / rate - now))
    await asyncio.gather(*running)
    return time.monotonic() - started


async def drain(settings: Settings, drain_seconds: float) -> None:
    """Wait for the web and worker processes to finish what the traffic left them.

    The wait lasts while the backlog shrinks (a loaded machine catches up late, which is not a loss), and
    ends when it is empty or has not shrunk for ``drain_seconds``.
    """
    db = database_for(settings)
    raw = db.client[settings.mongodb_db]
    smallest, since = -1, time.monotonic()
    while time.monotonic() - since < drain_seconds:
        busy = await raw["inbox"].count_documents({})
        busy += await raw["outbox"].count_documents({"state": {"$in": ["queued", "sending"]}})
        if not busy:
            break
        if smallest < 0 or busy < smallest:
            smallest, since = busy, time.monotonic()
        await asyncio.sleep(1)
    await db.close()


async def check(settings: Settings, traffic: Traffic, provider_sends: int) -> dict[str, Any]:
    """Count duplicates and lost deliveries in the database, once ``drain`` is done."""
    db = database_for(settings)
    raw = db.client[settings.mongodb_db]
    duplicates: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    orders = Counter([d["external_id"] async for d in raw["orders"].find({}, {"external_id": 1})])
    duplicates["order stored twice"] = sum(n - 1 for n in orders.values())
    statuses = {
        d["external_id"]: d["status"] async for d in raw["orders"].find({}, {"external_id": 1, "status": 1})
    }
    rank = {"pending": 0, "processing": 1, "shipped": 2}
    for external_id, status in traffic.acked_events.values():
        if external_id not in statuses or rank.get(statuses[external_id], 3) < rank[status]:
            lost["order event answered 200 but not applied"] += 1
    inbound = {d["provider_id"]: d async for d in raw["messages"].find({"direction": "in"})}
    waiting = {d["message"]["provider_id"] async for d in raw["inbox"].find({})} - set(inbound)
    lost["message answered 200 but not stored"] = len(traffic.acked_messages - set(inbound) - waiting)
    lost["message never handled"] = len(waiting)
    entries = [d async for d in raw["outbox"].find({})]
    replies = Counter(e["idempotency_key"] for e in entries if e["kind"] == "reply")
    for message in inbound.values():
        if message["state"] == "processed" and replies[f"reply:{message['_id']}"] == 0:
            lost["message without a reply"] += 1
    lost["reply not sent"] = sum(1 for e in entries if e["kind"] == "reply" and e["state"] not in DONE_STATES)
    latest: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        if entry["kind"] == "status_update":
            latest[entry["order_id"]].append(entry)
    for updates in latest.values():
        last = max(updates, key=lambda e: e["created_at"])
        if last["state"] not in DONE_STATES:
            lost["latest status change not notified"] += 1
        lost["status change neither sent nor superseded"] += sum(
            1 for e in updates if e["state"] not in DONE_STATES and e.get("error") != "superseded"
        )
    sends = Counter(
        [d["outbox_id"] async for d in raw["messages"].find({"direction": "out"}, {"outbox_id": 1})]
    )
    duplicates["entry sent twice"] = sum(n - 1 for n in sends.values())
    duplicates["provider asked to send more than recorded"] = max(0, provider_sends - sum(sends.values()))
    await db.close()
    return {
        "duplicates": {k: v for k, v in duplicates.items() if v},
        "lost": {k: v for k, v in lost.items() if v},
        "stored": {
            "entries sent after a failed attempt": sum(
                1 for e in entries if e.get("attempts", 0) > 1 and e["state"] in DONE_STATES
            ),
            "orders": len(orders),
            "inbound messages": len(inbound),
            "outbox entries": len(entries),
            "provider sends": provider_sends,
        },
    }


async def soak(seconds: float, rate: float, shops: int, workers: int, data_dir: Path) -> dict[str, Any]:
    stand_in_port = free_port()
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--stand-in-port", str(stand_in_port), stdin=asyncio.subprocess.DEVNULL
    )
    try:
        await asyncio.to_thread(wait_until, lambda: listening(stand_in_port), 30, "the Twilio stand-in")
        return await _soak(seconds, rate, shops, workers, data_dir, stand_in_port)
    finally:
        stand_in.terminate()
        await stand_in.wait()


async def _soak(
    seconds: float, rate: float, shops: int, workers: int, data_dir: Path, stand_in_port: int
) -> dict[str, Any]:
    with embedded_mongodb(data_dir / "db") as uri:
        settings = Settings(MONGODB_URI=uri, MONGODB_DB="soak", ORDERBOT_SECRET_KEY=SECRET_KEY)
        db = database_for(settings)
        await db.ensure_indexes()
        now = datetime.now(UTC)
        quiet_off = NotifyPolicy(quiet_start="00:00", quiet_end="00:00", rates={"sms": 100.0})
        made = [
            new_shop(f"Soak Shop {n}", now, sms_number=f"+1415555{n:04d}", notify=quiet_off)
            for n in range(shops)
        ]
        for shop in made:
            await db.shops.add(shop)
        await db.close()
        env = {
            "MONGODB_URI": uri, "MONGODB_DB": "soak", "ORDERBOT_SECRET_KEY": SECRET_KEY,
            "ORDERBOT_DATA_DIR": str(data_dir / "var"), "ORDERBOT_PUBLIC_URL": PUBLIC_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "ORDERBOT_TWILIO_BASE_URL": f"http://127.0.0.1:{stand_in_port}", "ORDERBOT_LOG_LEVEL": "WARNING",
            "ORDERBOT_API_RATE_LIMIT": "100000",
        }  # fmt: skip
        processes = [Orderbot("web", env, data_dir / f"web{n}.log", port=free_port()) for n in (1, 2)]
        processes += [Orderbot("worker", env, data_dir / f"worker{n}.log") for n in range(1, workers + 1)]
        names = ["web 1", "web 2"] + [f"worker {n}" for n in range(1, workers + 1)]
        try:
            for process in processes:
                await asyncio.to_thread(process.start)
            await asyncio.sleep(2)
            memory: list[list[int]] = [[p.rss_kib() for p in processes]]
            tokens: dict[str, str] = {
                s.id: issue_token(SECRET_KEY, s.id, now=now, role="admin", days=1) for s in made
            }
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                traffic = Traffic(session, [p.url for p in processes[:2]], made, tokens)
                elapsed = 0.0
                step = max(5.0, seconds / 10)
                while elapsed < seconds - 0.01:
                    elapsed += await drive(traffic, min(step, seconds - elapsed), rate)
                    memory.append([p.rss_kib() for p in processes])
            await drain(settings, drain_seconds=60.0)
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{stand_in_port}/_soak/summary") as response,
            ):
                provider = await response.json()
            result = await check(settings, traffic, provider["created"])
            result["stored"]["provider answers slower than the 10 s send timeout"] = provider["slow"]
            alive = all(p.proc is not None and p.proc.poll() is None for p in processes)
        finally:
            for process in processes:
                await asyncio.to_thread(process.stop)
    figures = traffic.figures
    total = sum(len(v) for v in figures.latencies.values()) + sum(figures.errors.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "routes": {
            route: {
                "count": len(v),
                "p50_ms": round(percentile(v, 0.5), 1),
                "p99_ms": round(percentile(v, 0.99), 1),
            }
            for route, v in sorted(figures.latencies.items())
        },
        "errors": sum(figures.errors.values()),
        "error_samples": figures.samples,
        "duplicates": sum(result["duplicates"].values()),
        "duplicate_kinds": result["duplicates"],
        "lost": sum(result["lost"].values()),
        "lost_kinds": result["lost"],
        "stored": result["stored"],
        "processes_alive": alive,
        "rss_mib": {name: [round(sample[i] / 1024, 1) for sample in memory] for i, name in enumerate(names)},
    }


def serve_stand_in(port: int) -> None:
    """The Twilio stand-in in a process of its own, so that the load generator's work never slows it.

    ``GET /_soak/summary`` tells how many messages it created and how many answers took longer than the
    Twilio channel's send timeout.
    """
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    app = twilio.app()
    slow: list[float] = []

    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        try:
            return await handler(request)
        finally:
            if time.monotonic() - started > SLOW_PROVIDER_SECONDS:
                slow.append(time.monotonic() - started)

    async def summary(request: web.Request) -> web.Response:
        return web.json_response({"created": len(twilio.created), "slow": len(slow)})

    app.middlewares.append(timed)
    app.router.add_get("/_soak/summary", summary)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def report(figures: dict[str, Any]) -> None:
    print(
        f"soak: {figures['seconds']} s, {figures['requests']} requests, {figures['requests_per_second']} requests/s"
    )
    print(f"{'route':36} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for route, row in figures["routes"].items():
        print(f"{route:36} {row['count']:>7} {row['p50_ms']:>8} {row['p99_ms']:>8}")
    print(f"errors: {figures['errors']} {figures['error_samples'] or ''}")
    print(f"duplicates: {figures['duplicates']} {figures['duplicate_kinds'] or ''}")
    print(f"lost deliveries: {figures['lost']} {figures['lost_kinds'] or ''}")
    print(f"stored: {figures['stored']}")
    print("resident memory (MiB), warmed-up start → end; every sample from before the traffic on:")
    for name, samples in figures["rss_mib"].items():
        print(f"  {name:9} {samples[1]:>7} → {samples[-1]:<7} {samples}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument(
        "--rate", type=float, default=20, help="operations a second (a dashboard refresh is two requests)"
    )
    parser.add_argument("--shops", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes (0 shows what the check finds)"
    )
    parser.add_argument("--json", action="store_true", help="also print one line 'SOAK {json}'")
    parser.add_argument("--stand-in-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stand_in_port:
        serve_stand_in(args.stand_in_port)
        return 0
    with tempfile.TemporaryDirectory(prefix="orderbot-soak-") as tmp:
        figures = asyncio.run(soak(args.seconds, args.rate, args.shops, args.workers, Path(tmp)))
    report(figures)
    if args.json:
        print("SOAK " + json.dumps(figures))
    ok = figures["errors"] == figures["duplicates"] == figures["lost"] == 0 and figures["processes_alive"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
