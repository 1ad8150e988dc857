"""The composition root: the one place that builds clients and wires the service together."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.ai import build_ai
from bot.conversation import Conversation
from bot.inbox import Inbox
from bot.notifier import Notifier
from bot.prompt_sends import PromptSends
from bot.scheduler import Intervals, build_scheduler
from bot.staff_alerts import StaffAlerts
from bot.work import WorkQueue
from channels.base import Channel, ChannelName
from channels.console import ConsoleChannel
from orders.clock import utc_now
from orders.service import OrderService, ProgressionAdvisor, RulesAdvisor
from orders.shops import ShopDirectory
from orders.store import Database, open_database
from webhooks.access.abuse import abuse_guard
from webhooks.access.counters import TokenRates
from webhooks.api import build_api
from webhooks.api.openapi import API_PREFIX, add_docs
from webhooks.api.routes import routes as api_routes
from webhooks.carriers import routes as carrier_webhooks
from webhooks.desk import routes as dashboard_routes
from webhooks.keys import (
    CLOCK,
    DATABASE,
    DELIVERY_LISTENER,
    EVENT_WORK,
    INBOX,
    INSTAGRAM,
    METRICS,
    NOTIFIER,
    PROMPT_SENDS,
    SECRET_KEY,
    SECRET_KEYS,
    SERVICE,
    SETTINGS,
    SHOPS,
    TELEGRAM_CHANNEL,
    TOKEN_RATES,
    TWILIO,
)
from webhooks.middleware import errors, metrics, request_body
from webhooks.ops import health
from webhooks.ops.connections import connection_options
from webhooks.ops.logs import request_ids
from webhooks.ops.metrics import Metrics
from webhooks.providers import instagram as instagram_routes
from webhooks.providers import telegram as telegram_routes
from webhooks.providers import twilio as twilio_routes
from webhooks.settings import Settings
from webhooks.shop_platforms import routes as shop_webhooks
from webhooks.shop_platforms.generic import order_event

#: Gemini calls in flight at once per process; bulk auto-progress of 100 orders runs this many at a time.
AI_CONCURRENCY = 32


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
    return open_database(
        settings.mongodb_uri,
        settings.mongodb_db,
        secret_keys=secret_keys(settings),
        timeout_ms=settings.mongodb_timeout_ms,
    )


def secret_keys(settings: Settings) -> tuple[str, ...]:
    """Every key in use, newest first: it seals secrets and signs tokens; the older ones still open and verify."""
    return (resolve_secret_key(settings), *settings.old_keys)


def build_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    advisor: ProgressionAdvisor | None = None,
    with_worker: bool = False,
) -> web.Application:
    """The web application: REST API, webhooks, health and metrics (and the worker's jobs, for ``serve``)."""
    app = _core(settings, clock, advisor)
    _add_health(app)
    app.router.add_post("/webhooks/orders/{shop_id}", order_event)
    app.add_subapp(API_PREFIX, build_api())
    add_docs(app, api_routes)
    dashboard_routes.setup(app)
    if with_worker:
        app.cleanup_ctx.append(_worker)
    return app


def _add_health(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", health.metrics_text)


def build_worker(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> web.Application:
    """The worker: the same parts as the web app, running the dispatcher and the jobs.

    It answers only health and metrics, and only when ``ORDERBOT_WORKER_METRICS_PORT`` asks it to listen.
    """
    app = _core(settings, clock, None)
    _add_health(app)
    app.cleanup_ctx.append(_worker)
    return app


def _core(
    settings: Settings, clock: Callable[[], datetime], advisor: ProgressionAdvisor | None
) -> web.Application:
    """Settings, database, service, inbox, the channels and the notifier, each opened and closed with the app."""
    body = request_body(settings.body_timeout_seconds)
    app = web.Application(
        middlewares=[request_ids, metrics, errors, body, abuse_guard(settings)],
        client_max_size=settings.max_body_bytes,
        handler_args=connection_options(settings),
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[METRICS] = Metrics()
    app[SECRET_KEY] = resolve_secret_key(settings)
    app[SECRET_KEYS] = secret_keys(settings)
    app[TOKEN_RATES] = TokenRates(settings.api_rate_limit, settings.rate_limit_window)

    async def database(app: web.Application) -> AsyncIterator[None]:
        db = database_for(settings)
        await db.ensure_indexes()
        ai = build_ai(settings, clock=clock, concurrency=AI_CONCURRENCY)  # None: rules and templates only
        app[DATABASE] = db
        app[SHOPS] = ShopDirectory(db.shops, clock)
        app[SERVICE] = OrderService(db, clock, advisor or (ai.advisor if ai else RulesAdvisor()))
        conversation = Conversation(app[SERVICE], clock, classifier=ai.classifier if ai else None, stores=db)
        app[INBOX] = inbox = Inbox(db, clock, conversation, concurrency=settings.inbox_workers)
        app[EVENT_WORK] = events = WorkQueue("events", settings.inbox_workers)
        recovery = asyncio.create_task(inbox.recover())
        event_recovery = asyncio.create_task(app[SERVICE].recover_events())
        yield
        recovery.cancel()
        event_recovery.cancel()
        await inbox.drain()
        await inbox.close()
        await events.drain()
        await events.close()
        if ai is not None:
            await ai.aclose()
        await db.close()

    app.cleanup_ctx.append(database)
    for channel in (twilio_routes, instagram_routes, telegram_routes, shop_webhooks, carrier_webhooks):
        channel.setup(app, settings)
    app.cleanup_ctx.append(_notifier)
    return app


def _channels(app: web.Application) -> dict[str, Channel]:
    """The configured channels by name (email is per shop and built by the notifier). Every process has the
    console (the simulator): ``orderbot chat`` and the demo shop queue entries any of them may claim."""
    channels: dict[str, Channel] = {ChannelName.CONSOLE.value: ConsoleChannel()}
    if (twilio := app.get(TWILIO)) is not None:
        channels |= {ChannelName.SMS.value: twilio.sms, ChannelName.WHATSAPP.value: twilio.whatsapp}
    if app[SETTINGS].instagram_access_token is not None and (instagram := app.get(INSTAGRAM)) is not None:
        channels[ChannelName.INSTAGRAM.value] = instagram
    if (telegram := app.get(TELEGRAM_CHANNEL)) is not None:
        channels[ChannelName.TELEGRAM.value] = telegram
    return channels


async def _notifier(app: web.Application) -> AsyncIterator[None]:
    alerts = StaffAlerts(app[SERVICE], app[CLOCK], stores=app[DATABASE])
    notifier = Notifier(
        app[SERVICE], _channels(app), app[CLOCK], stores=app[DATABASE], metrics=app[METRICS],
        alert_buttons=alerts.buttons,
        lease=timedelta(seconds=app[SETTINGS].outbox_lease_seconds),
    )  # fmt: skip
    app[NOTIFIER] = notifier
    if DELIVERY_LISTENER not in app:  # a test may listen in its stead
        app[DELIVERY_LISTENER] = notifier
    app[PROMPT_SENDS] = prompt = PromptSends(notifier, app[CLOCK])
    app[DATABASE].outbox.listen(prompt.queued)
    yield
    await prompt.close()


async def _worker(app: web.Application) -> AsyncIterator[None]:
    """The dispatcher loop and the periodic jobs; stopped (and awaited) before the channels close."""
    intervals = Intervals(auto_progress_minutes=app[SETTINGS].sweep_minutes)
    scheduler = build_scheduler(app[SERVICE], app[INBOX], intervals, stores=app[DATABASE])
    scheduler.start()
    dispatcher = asyncio.create_task(app[NOTIFIER].run_forever())
    yield
    dispatcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dispatcher
    scheduler.shutdown(wait=False)


async def run_worker(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> None:
    """The worker process: dispatcher and periodic jobs until cancelled (SIGINT/SIGTERM)."""
    runner = web.AppRunner(build_worker(settings, clock=clock))
    await runner.setup()
    if settings.worker_metrics_port is not None:
        await web.TCPSite(runner, settings.host, settings.worker_metrics_port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
