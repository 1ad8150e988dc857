"""Typed application state: every AppKey the app uses, and the request keys modules share, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from aiohttp import web

from bot.ai_writer import AiWriter
from bot.inbox import Inbox
from bot.notifier import Notifier
from bot.prompt_sends import PromptSends
from bot.satisfaction_answers import SurveyAnswers
from bot.staff import StaffApplication
from bot.staff_alerts import StaffAlerts
from bot.work import FairSlots, WorkQueue
from channels.instagram import InstagramChannel
from channels.telegram import TelegramChannel
from channels.twilio import TwilioChannels
from orders.model import Message
from orders.shops import ShopDirectory
from orders.store import (
    CustomerStore,
    DeskAlertStore,
    EventStore,
    FeedStore,
    MessageStore,
    OrderStore,
    RateLimitStore,
    RevocationStore,
    ShopStore,
)
from orders.store.numbers import NumberStore
from orders.usecases import OrderUseCases
from webhooks.access.auth import Principal
from webhooks.access.counters import TokenRates
from webhooks.carriers.trackers import Trackers
from webhooks.live.hub import LiveHub
from webhooks.ops.metrics import Metrics
from webhooks.settings import Settings


class WebStores(Protocol):
    """The stores the web layer reads and writes itself (all else goes through the use cases), and the
    database's ping. The composition root owns the database: nothing here closes it or reaches the outbox."""

    @property
    def shops(self) -> ShopStore: ...
    @property
    def orders(self) -> OrderStore: ...
    @property
    def numbers(self) -> NumberStore: ...
    @property
    def customers(self) -> CustomerStore: ...
    @property
    def messages(self) -> MessageStore: ...
    @property
    def events(self) -> EventStore: ...
    @property
    def revocations(self) -> RevocationStore: ...
    @property
    def rate_limits(self) -> RateLimitStore: ...
    @property
    def feed(self) -> FeedStore: ...
    @property
    def desk_alerts(self) -> DeskAlertStore: ...

    async def ping(self) -> bool: ...


SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
DATABASE: web.AppKey[WebStores] = web.AppKey("database")
#: The order use cases by job (``orders.usecases``), built once per process.
SERVICE = web.AppKey("service", OrderUseCases)
SHOPS = web.AppKey("shops", ShopDirectory)
METRICS = web.AppKey("metrics", Metrics)
SECRET_KEY = web.AppKey("secret_key", str)
#: ``SECRET_KEY`` and the ``ORDERBOT_OLD_SECRET_KEYS`` after it: tokens signed with any of them verify.
SECRET_KEYS: web.AppKey[tuple[str, ...]] = web.AppKey("secret_keys")
#: Each API token's rate in this process (``webhooks.access.abuse``).
TOKEN_RATES: web.AppKey[TokenRates] = web.AppKey("token_rates")
INBOX = web.AppKey("inbox", Inbox)
#: Personal messages for shops that turn ``ai_messages`` on; None without Gemini (templates only).
AI_WRITER: web.AppKey[AiWriter | None] = web.AppKey("ai_writer")
#: The verified token of an API request, set by the API's authentication before any handler runs.
PRINCIPAL = web.RequestKey("principal", Principal)
#: Applies the shop platforms' order events after their webhooks answered (``ShopEvents.process_event``).
EVENT_WORK = web.AppKey("event_work", WorkQueue)
#: The background work's turns at the database (``ORDERBOT_DATABASE_SLOTS``): the inbox's and the events'
#: jobs and the sends' reads and writes share them, so that acknowledgements do not queue behind them.
DATABASE_SLOTS = web.AppKey("database_slots", FairSlots)
#: Registers orders' parcels with their shops' tracking aggregators (``webhooks.carriers.trackers``).
TRACKERS = web.AppKey("trackers", Trackers)


class DeliveryListener(Protocol):
    """Told of every outbound message a provider callback touched (the notifier: outbox states, stats)."""

    async def on_delivery(self, message: Message) -> None: ...


#: Hears of delivery updates after the provider webhooks stored them (the notifier, or what the composition
#: root was given in its stead).
DELIVERY_LISTENER: web.AppKey[DeliveryListener] = web.AppKey("delivery_listener")
#: The Twilio channels (``.sms``, ``.whatsapp``); absent when Twilio is not configured.
TWILIO = web.AppKey("twilio", TwilioChannels)
#: The Instagram adapter (its ClientSession lives as long as the app).
INSTAGRAM = web.AppKey("instagram", InstagramChannel)
TELEGRAM_APPLICATION: web.AppKey[StaffApplication] = web.AppKey("telegram_application")
TELEGRAM_CHANNEL = web.AppKey("telegram_channel", TelegramChannel)
NOTIFIER = web.AppKey("notifier", Notifier)
#: Sends what this process queues the moment it is due (``bot.prompt_sends``).
PROMPT_SENDS = web.AppKey("prompt_sends", PromptSends)
#: Alerts staff about orders that newly need attention (the notifier's buttons, the worker's scan).
ALERTS = web.AppKey("alerts", StaffAlerts)
#: Records satisfaction answers (chat and email links) and raises the low-score alerts.
SURVEY_ANSWERS = web.AppKey("survey_answers", SurveyAnswers)

#: Reads each shop's live feed once for all of this process's event streams (``webhooks.live``).
LIVE_HUB = web.AppKey("live_hub", LiveHub)

#: Tells whether a service answers, within its own short timeout.
Ping = Callable[[], Awaitable[bool]]
#: Each service that can be pinged, by the name ``/readyz`` reports it under; registered as it opens.
PINGS: web.AppKey[dict[str, Ping]] = web.AppKey("pings")
