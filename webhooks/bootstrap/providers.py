"""The provider clients, each opened and closed with the app: Twilio's HTTP client, the Graph API session,
the python-telegram-bot Application; and the channels the notifier sends through.

Part of the composition root (``webhooks.bootstrap``): each context takes the client a caller built in its
stead (None: build it from the settings), and closes only what it built.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from bot import staff
from bot.staff import StaffApplication
from channels.base import Channel, ChannelName
from channels.console import ConsoleChannel
from channels.instagram import InstagramChannel
from channels.telegram import TelegramChannel, build_application
from channels.twilio import TwilioChannels, open_twilio
from orders.store import Database
from webhooks.carriers.follow import follow_parcels
from webhooks.carriers.trackers import Trackers
from webhooks.keys import INSTAGRAM, SERVICE, TELEGRAM_APPLICATION, TELEGRAM_CHANNEL, TRACKERS, TWILIO
from webhooks.providers.twilio import STATUS_PATH
from webhooks.settings import Settings

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


class Opened:
    """The database, handed from the context that opens it to the contexts of the parts that take it as their
    stores (the Telegram desk, the notifier, the periodic jobs)."""

    database: Database


#: Seconds an Instagram send may take before it counts as failed (and is retried by the outbox).
GRAPH_SEND_TIMEOUT_SECONDS = 10.0


def twilio(settings: Settings, clock: Clock, given: TwilioChannels | None) -> CleanupContext:
    """SMS and WhatsApp, with their HTTP client, when an auth token is set (or a stand-in is given)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[TWILIO] = given
            yield
            return
        if settings.twilio_auth_token is None:
            yield
            return
        # Twilio can only call back a public URL; without one, messages are sent without status callbacks.
        callback = f"{settings.public_url.rstrip('/')}{STATUS_PATH}" if settings.public_url else None
        app[TWILIO] = channels = open_twilio(
            auth_token=settings.twilio_auth_token.get_secret_value(),
            account_sid=settings.twilio_account_sid,
            clock=clock,
            base_url=settings.twilio_base_url,
            status_callback=callback,
        )
        try:
            yield
        finally:
            await channels.close()

    return context


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def instagram(settings: Settings, given_session: aiohttp.ClientSession | None) -> CleanupContext:
    """The Instagram adapter over the Graph API session, which lives as long as the app."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as owned:
            session = given_session
            if session is None:
                session = await owned.enter_async_context(aiohttp.ClientSession())
            app[INSTAGRAM] = InstagramChannel(
                session=session,
                app_secret=_secret(settings.instagram_app_secret),
                access_token=_secret(settings.instagram_access_token),
                base_url=settings.graph_base_url,
                timeout=GRAPH_SEND_TIMEOUT_SECONDS,
            )
            yield

    return context


def trackers(settings: Settings, clock: Clock, opened: Opened) -> CleanupContext:
    """The client that registers orders' parcels with the shops' tracking aggregators, over its own session."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:
            app[TRACKERS] = Trackers(session, settings, opened.database.events, clock)
            yield

    return context


def telegram(settings: Settings, given: StaffApplication | None, opened: Opened) -> CleanupContext:
    """The staff bot's Application, bound to the order service, when ``TELEGRAM_BOT_TOKEN`` is set."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        application = given
        if application is None:
            if settings.telegram_bot_token is None:
                yield
                return
            application = build_application(
                settings.telegram_bot_token.get_secret_value(),
                base_url=settings.telegram_base_url,
                context_types=staff.context_types(),
            )
        staff.install(application)
        application.bot_data.bind(
            app[SERVICE], opened.database, follow=lambda shop, orders: follow_parcels(app, shop, orders)
        )
        secret = settings.telegram_webhook_secret
        if secret is None:
            log.warning("TELEGRAM_WEBHOOK_SECRET is not set: Telegram webhooks are refused")
        async with application:
            await application.start()
            app[TELEGRAM_APPLICATION] = application
            app[TELEGRAM_CHANNEL] = TelegramChannel(application.bot, _secret(secret))
            yield
            await application.stop()

    return context


def channels(app: web.Application, settings: Settings) -> dict[str, Channel]:
    """The configured channels by name (email is per shop and built by the notifier). Every process has the
    console (the simulator): ``orderbot chat`` and the demo shop queue entries any of them may claim."""
    by_name: dict[str, Channel] = {ChannelName.CONSOLE.value: ConsoleChannel()}
    if (sms_and_whatsapp := app.get(TWILIO)) is not None:
        by_name[ChannelName.SMS.value] = sms_and_whatsapp.sms
        by_name[ChannelName.WHATSAPP.value] = sms_and_whatsapp.whatsapp
    if settings.instagram_access_token is not None and (graph := app.get(INSTAGRAM)) is not None:
        by_name[ChannelName.INSTAGRAM.value] = graph
    if (staff_chat := app.get(TELEGRAM_CHANNEL)) is not None:
        by_name[ChannelName.TELEGRAM.value] = staff_chat
    return by_name
