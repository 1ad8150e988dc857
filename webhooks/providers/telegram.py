"""``POST /webhooks/telegram``: staff updates from the Bot API, and the python-telegram-bot Application.

The route checks ``X-Telegram-Bot-Api-Secret-Token`` before it reads the body, claims the update id so a
redelivery is answered 200 without running again, and runs the staff handlers inline. When a handler
fails in a way a redelivery may fix, the claim is released and the answer is 503, so Telegram's retry
processes the update afresh.

The Application lives in a cleanup context registered only with ``TELEGRAM_BOT_TOKEN``; without it the
route answers 403 ``not_configured``. Its bot_data (``bot.staff.Desk``) is bound to the app's
OrderService at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot import staff
from channels.telegram import SECRET_HEADER, TelegramChannel, UpdateFailed, build_application, process
from orders.service import run_once
from webhooks.keys import CLOCK, DATABASE, METRICS, SERVICE, TELEGRAM_APPLICATION, TELEGRAM_CHANNEL
from webhooks.middleware import ApiError
from webhooks.settings import Settings

log = logging.getLogger(__name__)


SOURCE = "telegram"


def setup(app: web.Application, settings: Settings) -> None:
    """Register this channel's routes and resources on the app."""
    app.router.add_post("/webhooks/telegram", telegram_update)
    if settings.telegram_bot_token is None:
        return
    token = settings.telegram_bot_token.get_secret_value()
    secret = settings.telegram_webhook_secret
    base_url = settings.telegram_base_url

    async def telegram(app: web.Application) -> AsyncIterator[None]:
        application = build_application(token, base_url=base_url, context_types=staff.context_types())
        staff.install(application)
        application.bot_data.bind(app[SERVICE], app[DATABASE])
        if secret is None:
            log.warning("TELEGRAM_WEBHOOK_SECRET is not set: Telegram webhooks are refused")
        async with application:
            await application.start()
            app[TELEGRAM_APPLICATION] = application
            app[TELEGRAM_CHANNEL] = TelegramChannel(
                application.bot, secret.get_secret_value() if secret else None
            )
            yield
            await application.stop()

    app.cleanup_ctx.append(telegram)


async def telegram_update(request: web.Request) -> web.Response:
    application = request.config_dict.get(TELEGRAM_APPLICATION)
    channel = request.config_dict.get(TELEGRAM_CHANNEL)
    if application is None or channel is None or not channel.accepts_webhooks:
        raise ApiError(403, "not_configured", "Telegram is not configured on this service")
    outcomes = request.config_dict[METRICS].webhooks
    if not channel.verify_secret(request.headers.get(SECRET_HEADER)):
        outcomes.labels(SOURCE, "rejected").inc()
        raise ApiError(401, "unauthorized", f"missing or wrong {SECRET_HEADER}")
    try:
        update = channel.decode(await request.read())
    except ValueError as exc:
        outcomes.labels(SOURCE, "invalid").inc()
        raise ApiError(400, "malformed", str(exc)) from None

    clock = request.config_dict[CLOCK]

    async def handle() -> dict[str, Any]:
        await process(application, update)
        return {"handled_at": clock()}

    try:
        duplicate, _ = await run_once(
            request.config_dict[DATABASE].events,
            clock,
            SOURCE,
            f"{application.bot.id}:{update.update_id}",  # update ids are numbered per bot
            handle,
        )
    except UpdateFailed:
        outcomes.labels(SOURCE, "failed").inc()
        raise ApiError(503, "unavailable", "the update could not be handled now; deliver it again") from None
    outcomes.labels(SOURCE, "duplicate" if duplicate else "accepted").inc()
    return web.json_response({"ok": True, "duplicate": duplicate})
