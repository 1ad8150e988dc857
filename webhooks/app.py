"""The composition root: the one place that builds clients and wires the service together."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from aiohttp import web

from bot.conversation import Conversation
from bot.inbox import Inbox
from bot.scheduler import build_scheduler
from orders.service import OrderService, ProgressionAdvisor, RulesAdvisor
from orders.shops import ShopDirectory
from orders.store import Database, open_database
from webhooks import health, instagram_routes, shop_webhooks, telegram_routes, twilio_routes
from webhooks.api import build_api
from webhooks.keys import CLOCK, DATABASE, INBOX, METRICS, SECRET_KEY, SERVICE, SETTINGS, SHOPS
from webhooks.metrics import Metrics
from webhooks.middleware import errors, metrics
from webhooks.orders_webhook import order_event
from webhooks.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


def resolve_secret_key(settings: Settings) -> str:
    """``ORDERBOT_SECRET_KEY``, else a key kept in the data dir (made on first use) for single-machine use."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def database_for(settings: Settings) -> Database:
    if settings.mongodb_uri is None:
        raise RuntimeError("MONGODB_URI is not set and no embedded database was started")
    return open_database(settings.mongodb_uri, settings.mongodb_db)


def build_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    advisor: ProgressionAdvisor | None = None,
    with_worker: bool = False,
) -> web.Application:
    """The web application: REST API, webhooks, health and metrics (and the worker's jobs, for ``serve``)."""
    app = web.Application(middlewares=[metrics, errors], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[METRICS] = Metrics()
    app[SECRET_KEY] = resolve_secret_key(settings)

    async def database(app: web.Application) -> AsyncIterator[None]:
        db = database_for(settings)
        await db.ensure_indexes()
        app[DATABASE] = db
        app[SHOPS] = ShopDirectory(db.shops, clock)
        app[SERVICE] = OrderService(db, clock, advisor or RulesAdvisor())
        app[INBOX] = inbox = Inbox(db, clock, Conversation(app[SERVICE], clock))
        recovery = asyncio.create_task(inbox.recover())
        yield
        recovery.cancel()
        await inbox.drain()
        await db.close()

    app.cleanup_ctx.append(database)
    if with_worker:
        app.cleanup_ctx.append(_worker)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", health.metrics_text)
    app.router.add_post("/webhooks/orders/{shop_id}", order_event)
    for channel in (twilio_routes, instagram_routes, telegram_routes, shop_webhooks):
        channel.setup(app, settings)
    app.add_subapp("/api/v1", build_api())
    return app


async def _worker(app: web.Application) -> AsyncIterator[None]:
    scheduler = build_scheduler(app[SERVICE], app[INBOX])
    scheduler.start()
    yield
    scheduler.shutdown(wait=False)


async def run_worker(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> None:
    """The worker process: periodic jobs until cancelled (SIGINT/SIGTERM)."""
    db = database_for(settings)
    try:
        await db.ensure_indexes()
        service = OrderService(db, clock)
        scheduler = build_scheduler(service, Inbox(db, clock, Conversation(service, clock)))
        scheduler.start()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
    finally:
        await db.close()
