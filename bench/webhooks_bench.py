"""Webhook ingestion benchmark: signed Twilio and Shopify webhooks against the service, beside a bare
aiohttp handler that does only the same database insert, at 8 and 32 concurrent clients.

Usage::

    .venv/bin/python bench/webhooks_bench.py [--requests 2000] [--levels 8 32] [--only shopify]

Everything runs on loopback in separate processes: the embedded database, ``orderbot web`` (one web
process, as deployed), the bare handler (``serve_bare``: per webhook, the very insert the service makes
for it, through the same store call, into a database with the same indexes), and this load generator. It
prints requests/s and p50/p99 per target and level (the median of ``--runs`` runs, in which the targets
take turns), each webhook's share of its bare insert's throughput, and how long the service took after each
burst to handle what it had acknowledged (each burst starts once that is done). It always exits 0.

Beside each row, the CPU time per request that the answering process and the database spent during the
burst (from ``/proc``; 0 where there is none). On a machine with few cores the three processes share them,
so a row's throughput follows the sum: these two columns say which side a difference comes from.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import aiohttp
import harness  # the process helpers the benchmarks share, next to this file
import pymongo
from aiohttp import web
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.inbox import received_message
from channels.base import ChannelName, InboundMessage, WebhookRequest
from channels.twilio import TwilioChannel
from orders.service import event_payload, new_shop
from orders.store import open_database
from webhooks.ops.embedded import embedded_mongodb, server_pid
from webhooks.shop_platforms import shopify

AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
PUBLIC_URL = "https://bench.orderbot.example"
SHOP_SMS, SHOP_WHATSAPP = "+14155550100", "+14155238886"


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Result:
    target: str
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    handled_s: float = 0.0  # how long the service took after the burst to handle what it acknowledged
    web_us: float = 0.0  # CPU time per request of the process that answered, during the burst
    db_us: float = 0.0  # CPU time per request of the database, during the burst


@contextmanager
def process(args: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    """Run ``args`` until the context exits; yields its process id once it listens on ``port``."""
    log = Path(env["ORDERBOT_DATA_DIR"]) / f"process-{port}.log"
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise SystemExit(f"{args[-2:]} exited: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def twilio_requests(count: int) -> list[Request]:
    validator = RequestValidator(AUTH_TOKEN)
    made = []
    for index in range(count):
        channel = "whatsapp:" if index % 2 else ""
        params = {
            "MessageSid": f"SM{secrets.token_hex(16)}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"{channel}+1415555{index % 500:04d}",
            "To": f"{channel}{SHOP_WHATSAPP if channel else SHOP_SMS}",
            "Body": "hey where is my order 1042?",
            "NumMedia": "0",
        }
        body = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()).encode()
        signature = validator.compute_signature(f"{PUBLIC_URL}/webhooks/twilio/messages", params)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        made.append(Request("/webhooks/twilio/messages", body, headers))
    return made


def shopify_requests(count: int, shop_id: str, secret: str) -> list[Request]:
    made = []
    now = datetime.now(UTC).isoformat()
    for index in range(count):
        order = {
            "id": 5_000_000 + index, "name": f"#{10_000 + index}", "order_number": 10_000 + index,
            "financial_status": "paid", "fulfillment_status": None, "cancelled_at": None,
            "created_at": now, "updated_at": now, "currency": "USD", "total_price": "29.00",
            "email": f"buyer{index}@example.com", "phone": None,
            "customer": {"first_name": "Ana", "last_name": "Lima", "email": f"buyer{index}@example.com"},
            "line_items": [{"title": "House Espresso 1 kg", "quantity": 1, "price": "29.00"}],
            "fulfillments": [],
        }  # fmt: skip
        body = json.dumps(order).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Event-Id": secrets.token_hex(12),
            "X-Shopify-Webhook-Id": secrets.token_hex(12),
        }
        made.append(Request(f"/webhooks/shopify/{shop_id}", body, headers))
    return made


def serve_bare(port: int) -> None:
    """The bare handler: per webhook, only the insert the service makes when it accepts a delivery.

    The same store call on a database with the same indexes, the same document as the service would store
    (built once from a sample delivery, with a fresh key per request), and no verifying, parsing, routing
    middleware or work after it: what the service adds on top of its one write is what the rows compare.
    """

    async def app() -> web.Application:
        db = open_database(
            os.environ["MONGODB_URI"], os.environ["MONGODB_DB"] + "_bare", secret_keys=["x" * 32]
        )
        await db.ensure_indexes()
        shop = new_shop("Bench Coffee", datetime.now(UTC))
        sample = twilio_requests(2)[1]  # a WhatsApp message
        twilio = TwilioChannel(ChannelName.WHATSAPP, auth_token=AUTH_TOKEN, clock=lambda: datetime.now(UTC))
        parsed = twilio.parse(WebhookRequest(PUBLIC_URL + sample.path, sample.headers, sample.body))[0]
        assert isinstance(parsed, InboundMessage)
        message = received_message(shop, parsed, datetime.now(UTC))
        order = shopify.ShopifyOrder.model_validate_json(shopify_requests(1, shop.id, "x")[0].body)
        event = shopify.to_event("orders/create", order)
        payload = event_payload(shop, "shopify", event.kind, event.data, "ignore")

        async def inbox_insert(request: web.Request) -> web.Response:
            await request.read()
            fresh = message.model_copy(update={"provider_id": f"SM{secrets.token_hex(16)}"})
            await db.inbox.add(fresh)
            return web.Response(text="ok")

        async def event_insert(request: web.Request) -> web.Response:
            await request.read()
            await db.events.claim(f"shopify:{shop.id}", secrets.token_hex(12), datetime.now(UTC), payload)
            return web.Response(text="ok")

        application = web.Application()
        application.router.add_post("/webhooks/twilio/messages", inbox_insert)
        application.router.add_post("/webhooks/shopify/{shop_id}", event_insert)
        return application

    web.run_app(app(), host="127.0.0.1", port=port, print=None, access_log=None)


async def drive(base: str, requests: list[Request], clients: int) -> tuple[float, list[float], int]:
    """Send every request with ``clients`` concurrent keep-alive connections; (seconds, latencies, errors)."""
    queue = iter(requests)
    latencies: list[float] = []
    errors = 0

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for request in queue:
            started = time.perf_counter()
            async with session.post(
                base + request.path, data=request.body, headers=request.headers
            ) as answer:
                await answer.read()
                if answer.status >= 300:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return time.perf_counter() - started, latencies, errors


@dataclass(frozen=True)
class Target:
    name: str
    base: str
    make: Callable[[int], list[Request]]
    quiet: Callable[[], float]  # waits until the target has handled what it acknowledged; seconds
    pid: int  # the process that answers


def settle(uri: str, db_name: str, timeout: float = 600.0) -> float:
    """Wait until the service has handled every message and applied every event it acknowledged; seconds.

    A burst is acknowledged first and handled after (replies, order changes): each row starts from a quiet
    service, so it does not pay for the previous row's work, and that work's time is reported beside it.
    """
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(uri)
    db = client[db_name]
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            if not db.inbox.count_documents({}) and not db.events.count_documents({"state": "processing"}):
                break
            time.sleep(0.25)
    finally:
        client.close()
    return time.perf_counter() - started


def burst(target: Target, total: int, clients: int, db_pid: int) -> Result:
    requests = target.make(total)
    web_started, db_started = harness.cpu_seconds(target.pid), harness.cpu_seconds(db_pid)
    seconds, latencies, errors = asyncio.run(drive(target.base, requests, clients))
    web_cpu, db_cpu = harness.cpu_seconds(target.pid) - web_started, harness.cpu_seconds(db_pid) - db_started
    handled = target.quiet()
    cuts = statistics.quantiles(latencies, n=100)
    return Result(
        target.name, clients, len(latencies) / seconds, cuts[49] * 1000, cuts[98] * 1000, errors, handled,
        web_us=web_cpu / total * 1e6, db_us=db_cpu / total * 1e6,
    )  # fmt: skip


def measure(targets: list[Target], total: int, clients: int, runs: int, db_pid: int) -> list[Result]:
    """Per target, the run with the median throughput of ``runs``.

    The targets take turns within each run (bare, then each webhook), so that this machine's drift (its
    speed varies by a fifth from one minute to the next) reaches all of them alike.
    """
    for target in targets:  # warm up connections, caches, indexes
        asyncio.run(drive(target.base, target.make(min(200, total)), clients))
        target.quiet()
    measured: dict[str, list[Result]] = {target.name: [] for target in targets}
    for _ in range(runs):
        for target in targets:
            measured[target.name].append(burst(target, total, clients, db_pid))
    return [
        sorted(results, key=lambda result: result.rps)[len(results) // 2] for results in measured.values()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--levels", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--runs", type=int, default=3, help="runs per row; the median one is printed")
    parser.add_argument(
        "--only", choices=["twilio", "shopify"], help="measure one webhook (and its bare insert) only"
    )
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0

    with tempfile.TemporaryDirectory() as tmp, embedded_mongodb(Path(tmp) / "var") as uri:
        db_name = f"bench_{secrets.token_hex(4)}"

        async def create_shop() -> tuple[str, str]:
            db = open_database(uri, db_name, secret_keys=["bench-" + "k" * 40])
            await db.ensure_indexes()
            shop = new_shop(
                "Bench Coffee", datetime.now(UTC), sms_number=SHOP_SMS, whatsapp_number=SHOP_WHATSAPP
            )
            await db.shops.add(shop)
            await db.close()
            return shop.id, shop.webhook_secret

        shop_id, secret = asyncio.run(create_shop())
        env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DB": db_name, "ORDERBOT_PUBLIC_URL": PUBLIC_URL,
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "ORDERBOT_SECRET_KEY": "bench-" + "k" * 40,
               "ORDERBOT_DATA_DIR": str(Path(tmp) / "var"),
               # the web process sends the replies it queues: to a closed local port, never to Twilio
               "ORDERBOT_TWILIO_BASE_URL": f"http://127.0.0.1:{harness.free_port()}"}  # fmt: skip
        service_port, bare_port = harness.free_port(), harness.free_port()
        results: list[Result] = []
        service = [sys.executable, "-m", "webhooks.cli", "web", "--port", str(service_port)]
        with (
            process([sys.executable, __file__, "--serve-bare", str(bare_port)], env, bare_port) as bare_pid,
            process(service, {**env, "PYTHONWARNINGS": "ignore"}, service_port) as service_pid,
        ):
            base, bare_base = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{bare_port}"

            def quiet() -> float:
                return settle(uri, db_name)

            def shopify_made(count: int) -> list[Request]:
                return shopify_requests(count, shop_id, secret)

            targets = [
                Target("bare twilio", bare_base, twilio_requests, lambda: 0.0, bare_pid),
                Target("twilio", base, twilio_requests, quiet, service_pid),
                Target("bare shopify", bare_base, shopify_made, lambda: 0.0, bare_pid),
                Target("shopify", base, shopify_made, quiet, service_pid),
            ]
            targets = [t for t in targets if args.only in (None, t.name.removeprefix("bare "))]
            db_pid = server_pid(Path(tmp) / "var") or 0  # 0: no CPU figures for the database
            for clients in args.levels:
                results.extend(measure(targets, args.requests, clients, args.runs, db_pid))

    bare = {(r.target, r.clients): r for r in results if r.target.startswith("bare ")}
    print(
        f"\n{'target':<12} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'then s':>6} {'web us':>6} {'db us':>6}  vs its bare insert"
    )
    for r in results:
        base_r = bare.get((f"bare {r.target}", r.clients))
        share = (
            ""
            if base_r is None
            else (
                f"{r.rps / base_r.rps:5.0%} of req/s, p99 x{r.p99_ms / base_r.p99_ms:.1f} "
                f"({'PASS' if r.rps >= 0.6 * base_r.rps and r.p99_ms <= 2 * base_r.p99_ms else 'FAIL'})"
            )
        )
        print(
            f"{r.target:<12} {r.clients:>7} {r.rps:>8.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.errors:>6} "
            f"{r.handled_s:>6.1f} {r.web_us:>6.0f} {r.db_us:>6.0f}  {share}"
        )
    print("\ntarget: at least 60% of the bare handler's requests/s and a p99 at most twice its p99")
    print("then s: seconds the service took after the burst to handle everything it acknowledged")
    print(
        "web us, db us: CPU time per request of the process that answered and of the database, in the burst"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
