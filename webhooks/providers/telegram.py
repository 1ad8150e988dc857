"""``POST /webhooks/telegram``: staff updates from the Bot API, and the python-telegram-bot Application.

The route checks ``X-Telegram-Bot-Api-Secret-Token`` before it reads the body, claims the update id so a
redelivery is answered 200 without running again, and runs the staff handlers inline. When a handler
fails in a way a redelivery may fix, the claim is released and the answer is 503, so Telegram's retry
processes the update afresh.

The Application is built and run by the composition root (``webhooks.bootstrap``) only with
``TELEGRAM_BOT_TOKEN``; without it the route answers 403 ``not_configured``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from channels.telegram import SECRET_HEADER, UpdateFailed, process
from orders.usecases import run_once
from webhooks.keys import CLOCK, DATABASE, METRICS, TELEGRAM_APPLICATION, TELEGRAM_CHANNEL
from webhooks.middleware import ApiError

SOURCE = "telegram"


def add_routes(app: web.Application) -> None:
    """Register the Telegram route; the Application it feeds is the composition root's."""
    app.router.add_post("/webhooks/telegram", telegram_update)


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
