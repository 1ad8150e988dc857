"""The composition root: every client the service talks through is built here, once, and closed here.

The web app and the worker (``webhooks.app``) and every CLI command get their parts from this package, and
nothing else constructs the database client, the order service, Gemini, the shops' email channels, the
staff alerts or (in ``providers``) Twilio's HTTP client, the Graph API session and the python-telegram-bot
``Application``.

Each client is a field of ``Parts``: a test passes its stand-in there instead of patching, and the root
uses it as given and leaves closing it to whoever built it. What the root builds it opens and closes with
the app, one ``cleanup_ctx`` generator per resource in the order they depend on each other (aiohttp runs
the teardowns in reverse), and the background tasks it starts are cancelled and awaited before the parts
they use close. Each part with a way to tell it is reachable registers it in ``PINGS`` for ``/readyz``.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from aiohttp import web

from bot.ai import AiParts, build_ai
from bot.ai_writer import AiWriter
from bot.conversation import Conversation
from bot.inbox import Inbox
from bot.notifier import Notifier
from bot.outgoing import shop_email_channel
from bot.photo_media import PhotoMedia
from bot.planner import Planner
from bot.prompt_sends import PromptSends
from bot.satisfaction_answers import SurveyAnswers
from bot.scheduler import Intervals, build_scheduler
from bot.staff import StaffApplication
from bot.staff_alerts import StaffAlerts
from bot.work import FairSlots, WorkQueue
from channels.base import Channel
from channels.twilio import TwilioChannels
from orders.model import Shop
from orders.shops import ShopDirectory
from orders.store import Database, open_database
from orders.usecases import OrderUseCases, ProgressionAdvisor
from webhooks.bootstrap.providers import (
    CleanupContext,
    Clock,
    Opened,
    channels,
    instagram,
    telegram,
    trackers,
    twilio,
)
from webhooks.keys import (
    AI_WRITER,
    ALERTS,
    CLOCK,
    DATABASE,
    DATABASE_SLOTS,
    DELIVERY_LISTENER,
    EVENT_WORK,
    INBOX,
    METRICS,
    NOTIFIER,
    PINGS,
    PROMPT_SENDS,
    SECRET_KEY,
    SERVICE,
    SETTINGS,
    SHOPS,
    SURVEY_ANSWERS,
    DeliveryListener,
)
from webhooks.ops.background import AwaitedJobs, started, stopped
from webhooks.satisfaction_links import link_maker
from webhooks.settings import Settings

#: Gemini calls in flight at once per process; bulk auto-progress of 100 orders runs this many at a time.
AI_CONCURRENCY = 32


@dataclass(frozen=True, kw_only=True)
class Parts:
    """Clients the caller built itself (a test's stand-ins); the root builds each one left None.

    A given ``telegram`` Application is the exception to "used as given": the root installs the staff
    handlers on it and runs it with the app, as python-telegram-bot wants one owner to start and stop it.
    """

    database: Database | None = None
    #: Gemini's three uses; without it (and without ``GEMINI_API_KEY``) rules and templates do everything.
    ai: AiParts | None = None
    #: Decides progressions; by default Gemini's advisor when there is Gemini, else the rules.
    advisor: ProgressionAdvisor | None = None
    twilio: TwilioChannels | None = None
    graph_session: aiohttp.ClientSession | None = None
    telegram: StaffApplication | None = None
    #: A shop's email channel (its own SMTP server), None for a shop without one.
    email_channel: Callable[[Shop], Channel | None] | None = None
    #: Told of every delivery update the provider webhooks store; by default the notifier.
    delivery_listener: DeliveryListener | None = None


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


def secret_keys(settings: Settings) -> tuple[str, ...]:
    """Every key in use, newest first: it seals secrets and signs tokens; the older ones still open and verify."""
    return (resolve_secret_key(settings), *settings.old_keys)


def database_for(settings: Settings) -> Database:
    """A client of ``MONGODB_URI`` (the embedded server's, once the CLI started it); its owner closes it."""
    if settings.mongodb_uri is None:
        raise RuntimeError("MONGODB_URI is not set and no embedded database was started")
    return open_database(
        settings.mongodb_uri,
        settings.mongodb_db,
        secret_keys=secret_keys(settings),
        timeout_ms=settings.mongodb_timeout_ms,
    )


def build_service(
    db: Database,
    clock: Clock,
    advisor: ProgressionAdvisor | None = None,
    *,
    survey_hours: float | None = None,
) -> OrderUseCases:
    """The order use cases (``orders.usecases``) over ``db``: the one place it is constructed, for the app and the CLI alike.

    ``survey_hours`` (the web and worker processes: ``ORDERBOT_CSAT_DELAY_HOURS``) schedules satisfaction
    requests after delivery; the CLI's one-off commands schedule none."""
    return OrderUseCases.build(db, clock, advisor, survey_hours=survey_hours)


# -- the app's parts -----------------------------------------------------------------------------------


def bootstrap(
    app: web.Application, settings: Settings, clock: Clock, parts: Parts, *, with_worker: bool = False
) -> None:
    """Register on ``app`` the cleanup contexts that open its parts, in the order they depend on each other;
    ``with_worker`` adds the outbox dispatcher and the periodic jobs, which stop before the channels close."""
    app[PINGS] = {}
    opened = Opened()
    app.cleanup_ctx.extend(
        [
            _database(settings, parts, opened),
            _engine(settings, clock, parts, opened),
            twilio(settings, clock, parts.twilio),
            instagram(settings, parts.graph_session),
            trackers(settings, clock, opened),
            telegram(settings, parts.telegram, opened),
            _notifier(settings, clock, parts, opened),
        ]
    )
    if with_worker:
        app.cleanup_ctx.append(_worker(opened))


def _database(settings: Settings, parts: Parts, opened: Opened) -> CleanupContext:
    async def database(app: web.Application) -> AsyncIterator[None]:
        opened.database = db = parts.database or database_for(settings)
        try:
            await db.ensure_indexes()
            app[DATABASE] = db
            app[SHOPS] = ShopDirectory(db.shops, app[CLOCK])
            app[PINGS]["database"] = db.ping
            yield
        finally:
            if parts.database is None:
                await db.close()

    return database


def _engine(settings: Settings, clock: Clock, parts: Parts, opened: Opened) -> CleanupContext:
    """Gemini, the order service, the inbox and the shop events' queue; the start-up recoveries."""

    async def engine(app: web.Application) -> AsyncIterator[None]:
        ai = parts.ai or build_ai(settings, clock=clock, concurrency=AI_CONCURRENCY)
        db = opened.database
        app[AI_WRITER] = AiWriter(ai.drafter, db.rate_limits, clock) if ai else None
        app[SERVICE] = service = build_service(
            db, clock, parts.advisor or (ai.advisor if ai else None), survey_hours=settings.csat_delay_hours
        )
        app[SURVEY_ANSWERS] = survey_answers = SurveyAnswers(service.desk, clock, stores=db)
        conversation = Conversation(
            service.desk, clock, classifier=ai.classifier if ai else None, stores=db,
            survey_answers=survey_answers, estimates=service.estimates,
        )  # fmt: skip
        # the background work's turns at the database, shared by the inbox, the events and the sends
        app[DATABASE_SLOTS] = slots = FairSlots(settings.database_slots)
        app[INBOX] = inbox = Inbox(db, clock, conversation, concurrency=settings.inbox_workers, gate=slots)
        app[EVENT_WORK] = events = WorkQueue("events", settings.event_workers, gate=slots)
        recoveries = [
            started(inbox.recover(), "inbox recovery"),
            started(service.recovery.recover_events(), "event recovery"),
        ]
        yield
        await stopped(*recoveries)
        await inbox.drain()
        await inbox.close()
        await events.drain()
        await events.close()
        await service.estimates.close()
        if ai is not None and parts.ai is None:
            await ai.aclose()

    return engine


def _notifier(settings: Settings, clock: Clock, parts: Parts, opened: Opened) -> CleanupContext:
    """The staff alerts, the outbox's sender over every channel, and the prompt sends of this process."""

    async def notifier(app: web.Application) -> AsyncIterator[None]:
        db = opened.database
        app[ALERTS] = alerts = StaffAlerts(app[SERVICE].attention, clock, stores=db)
        app[NOTIFIER] = sender = Notifier(
            app[SERVICE].desk, channels(app, settings), clock, stores=db, metrics=app[METRICS],
            alert_buttons=alerts.buttons, promises=app[SERVICE].promises,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            email_channel=parts.email_channel or shop_email_channel,
            planner=Planner(
                db, clock, writer=app[AI_WRITER],
                survey_link=link_maker(settings.base_url, app[SECRET_KEY], clock),
            ),
            media=PhotoMedia(db.photos, settings.base_url, timedelta(days=settings.media_ttl_days), clock),
            database_slots=app[DATABASE_SLOTS],
        )  # fmt: skip
        app[DELIVERY_LISTENER] = parts.delivery_listener or sender
        app[PROMPT_SENDS] = prompt = PromptSends(sender, clock)
        db.outbox.listen(prompt.queued)
        db.outbox.send_when_queued(prompt.lease)
        yield
        await prompt.close()

    return notifier


def _worker(opened: Opened) -> CleanupContext:
    """The dispatcher loop and the periodic jobs; stopped, and awaited, before the channels close."""

    async def worker(app: web.Application) -> AsyncIterator[None]:
        intervals = Intervals(auto_progress_minutes=app[SETTINGS].sweep_minutes)
        scheduler = build_scheduler(app[SERVICE], app[INBOX], app[ALERTS], intervals, stores=opened.database)
        jobs = AwaitedJobs()
        scheduler.add_executor(jobs, "default")
        scheduler.start()
        dispatcher = started(app[NOTIFIER].run_forever(), "outbox dispatcher")
        yield
        await stopped(dispatcher)
        scheduler.shutdown(wait=False)
        await jobs.stopped()

    return worker


# -- the command line's parts --------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def command_database(settings: Settings, *, indexes: bool = True) -> AsyncIterator[Database]:
    """The database for one CLI command, closed when it ends; ``indexes`` first makes sure of its indexes."""
    db = database_for(settings)
    try:
        if indexes:
            await db.ensure_indexes()
        yield db
    finally:
        await db.close()


__all__ = [
    "AI_CONCURRENCY",
    "Parts",
    "bootstrap",
    "build_service",
    "command_database",
    "database_for",
    "resolve_secret_key",
    "secret_keys",
]
