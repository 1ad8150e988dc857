"""The web app and the worker: their routes and middlewares, over the parts ``webhooks.bootstrap`` builds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from orders.clock import utc_now
from webhooks import media, satisfaction_links
from webhooks.access.abuse import abuse_guard
from webhooks.access.counters import TokenRates
from webhooks.api import build_api
from webhooks.api.openapi import API_PREFIX, add_docs
from webhooks.api.routes import routes as api_routes
from webhooks.bootstrap import Parts, bootstrap, resolve_secret_key, secret_keys
from webhooks.carriers import routes as carrier_webhooks
from webhooks.desk import routes as dashboard_routes
from webhooks.keys import CLOCK, METRICS, SECRET_KEY, SECRET_KEYS, SETTINGS, TOKEN_RATES
from webhooks.live import startup as live
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


def build_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    parts: Parts | None = None,
    with_worker: bool = False,
) -> web.Application:
    """The web application: REST API, webhooks, health and metrics (and the worker's jobs, for ``serve``).

    ``parts`` are clients built by the caller (a test's stand-ins); the rest are built from ``settings``.
    """
    app = _core(settings, clock, parts or Parts(), with_worker=with_worker)
    app.router.add_post("/webhooks/orders/{shop_id}", order_event)
    live.setup(app)
    satisfaction_links.add_routes(app)
    media.add_routes(app)
    app.add_subapp(API_PREFIX, build_api())
    add_docs(app, api_routes)
    dashboard_routes.setup(app)
    return app


def build_worker(
    settings: Settings, *, clock: Callable[[], datetime] = utc_now, parts: Parts | None = None
) -> web.Application:
    """The worker: the same parts as the web app, running the dispatcher and the jobs.

    It answers only health and metrics, and only when ``ORDERBOT_WORKER_METRICS_PORT`` asks it to listen.
    """
    return _core(settings, clock, parts or Parts(), with_worker=True)


def _core(
    settings: Settings, clock: Callable[[], datetime], parts: Parts, *, with_worker: bool
) -> web.Application:
    """Middlewares, settings and keys, every part the composition root opens, health and provider routes."""
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
    bootstrap(app, settings, clock, parts, with_worker=with_worker)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", health.metrics_text)
    for provider in (twilio_routes, instagram_routes, telegram_routes, carrier_webhooks):
        provider.add_routes(app)
    shop_webhooks.setup(app, settings)
    return app


async def run_worker(
    settings: Settings, *, clock: Callable[[], datetime] = utc_now, parts: Parts | None = None
) -> None:
    """The worker process: dispatcher and periodic jobs until cancelled (SIGINT/SIGTERM)."""
    runner = web.AppRunner(build_worker(settings, clock=clock, parts=parts))
    await runner.setup()
    if settings.worker_metrics_port is not None:
        await web.TCPSite(runner, settings.host, settings.worker_metrics_port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
