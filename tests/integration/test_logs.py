"""Structured logs: one JSON event a line, a request id from the webhook to the send, nothing secret.

A customer's whole conversation (signed Twilio webhook in, reply out through the Twilio stand-in, a staff
alert through the Telegram stand-in) and a status change (shop webhook, then the REST API) run with every
logger at DEBUG — aiohttp's access log, the twilio SDK, httpx, python-telegram-bot and pymongo included —
and the captured log is searched for every secret, token, signature and phone number the run used.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import ClientResponse, FormData, web
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels.base import ChannelName, OutboundMessage
from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import SECRET_KEY, Clock, Sends, token_for
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import INBOX, TWILIO
from webhooks.ops import logs, redaction
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
PUBLIC_URL = "https://orderbot.example.com"
SHOP_WHATSAPP = "+14155238886"
ANA = "+4915112345678"
BOT_TOKEN = "7000000002:AAF-logs-test-token-0123456789"
TELEGRAM_SECRET = "telegram-webhook-secret-for-logs"
STAFF = 5012345678
LIBRARY_LOGGERS = ("aiohttp.access", "aiohttp.server", "twilio", "httpx", "httpcore", "telegram", "pymongo")


@dataclass
class Run:
    """The app under test with its stand-ins, and everything secret it has been given or shown."""

    client: TestClient[Any, Any]
    app: web.Application
    twilio: TwilioStandIn
    telegram: TelegramStandin
    shop: Shop
    db: Database
    sends: Sends
    secrets: set[str] = field(default_factory=set)
    sids: int = 0

    async def whatsapp(self, body: str, request_id: str | None = None) -> ClientResponse:
        self.sids += 1
        params = {
            "MessageSid": f"SM{self.sids:032x}", "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{ANA}",
            "To": f"whatsapp:{SHOP_WHATSAPP}", "Body": body, "NumMedia": "0", "ProfileName": "Ana",
            "WaId": ANA.lstrip("+"),
        }  # fmt: skip
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            f"{PUBLIC_URL}/webhooks/twilio/messages", params
        )
        self.secrets.add(signature)
        headers = {"X-Twilio-Signature": signature} | ({"X-Request-Id": request_id} if request_id else {})
        response = await self.client.post("/webhooks/twilio/messages", data=params, headers=headers)
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()
        return response

    async def order_event(self, event: str, request_id: str | None = None, **order: Any) -> Any:
        body = json.dumps({"event": event, "order": order}).encode()
        signature = sign(self.shop.webhook_secret, body)
        self.secrets.add(signature.removeprefix("sha256="))
        headers = {"X-Orderbot-Signature": signature, "Content-Type": "application/json"}
        if request_id:
            headers["X-Request-Id"] = request_id
        response = await self.client.post(f"/webhooks/orders/{self.shop.id}", data=body, headers=headers)
        assert response.status == 200, await response.text()
        return response

    async def api_post(self, path: str, body: Any, request_id: str) -> Any:
        token = token_for(self.shop)
        self.secrets.add(token)
        headers = {"Authorization": f"Bearer {token}", "X-Request-Id": request_id}
        response = await self.client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status == 200, await response.text()
        assert response.headers["X-Request-Id"] == request_id
        return await response.json()

    async def dispatch(self) -> int:
        """How many entries were taken to be sent since the last look: at once, or by a dispatcher pass."""
        return await self.sends.dispatch()


@pytest.fixture(params=["settings-secrets", "patterns-only"])
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[io.StringIO, bool]]:
    """Every logger at DEBUG into a JSON stream, configured as ``orderbot web`` does (or with the redaction
    filter told no secret values at all, to show its patterns alone keep them out)."""
    stream = io.StringIO()
    with_settings = request.param == "settings-secrets"
    known = [SECRET_KEY, AUTH_TOKEN, BOT_TOKEN, TELEGRAM_SECRET] if with_settings else []
    handler = logs.configure("json", level=logging.DEBUG, secrets=known, stream=stream)
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream, with_settings
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def run(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
) -> Run:
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    twilio_server = await aiohttp_server(twilio.app())
    telegram = TelegramStandin(BOT_TOKEN)
    telegram_server = await aiohttp_server(telegram.app())
    configured = settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_base_url": str(twilio_server.make_url("")).rstrip("/"),
            "telegram_bot_token": SecretStr(BOT_TOKEN),
            "telegram_webhook_secret": SecretStr(TELEGRAM_SECRET),
            "telegram_base_url": str(telegram_server.make_url("")).rstrip("/"),
        }
    )
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=SHOP_WHATSAPP, staff_telegram_ids=[STAFF])
    await db.shops.add(shop)
    app = build_app(configured, clock=clock)
    server = TestServer(app)
    await server.start_server(access_log_class=logs.AccessLog)  # as ``orderbot web`` logs requests
    client: TestClient[Any, Any] = await aiohttp_client(server)
    secrets = {SECRET_KEY, AUTH_TOKEN, BOT_TOKEN, BOT_TOKEN.split(":")[1], TELEGRAM_SECRET}
    return Run(client, app, twilio, telegram, shop, db, Sends(app), secrets | {shop.webhook_secret})


def events(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    parsed = [json.loads(line) for line in lines]  # one JSON object a line, or this raises
    assert all({"time", "level", "logger", "message", "request_id"} <= set(event) for event in parsed)
    return parsed


async def test_a_conversation_and_a_status_change_log_no_secret_and_no_phone_number(
    run: Run, captured: tuple[io.StringIO, bool], db: Database
) -> None:
    stream, _ = captured
    created = await run.order_event("order.created", request_id="shop-evt-1", id="A-1042", number="1042",
                                    status="processing", customer={"name": "Ana Lima", "phone": ANA},
                                    channel="whatsapp")  # fmt: skip
    assert created.headers["X-Request-Id"] == "shop-evt-1"
    order_id = (await created.json())["order_id"]
    await run.dispatch()

    # the customer asks, gets an answer, and asks for a person: staff hear of it in Telegram
    await run.whatsapp("hey where's my order 1042?", request_id="twilio-req-1")
    await run.whatsapp("can I talk to a real person about 1042?")
    assert await run.dispatch() >= 2
    answers = [r["Body"] for r in run.twilio.created if r["To"] == f"whatsapp:{ANA}"]
    assert len(answers) == 2 and "#1042" in answers[0]
    assert run.telegram.messages_to(STAFF), "the staff alert went out through Telegram"

    # a status change through the API notifies the customer
    await run.api_post("/orders/update-status", {"order_id": order_id, "status": "shipped"}, "api-req-7")
    assert await run.dispatch() == 1

    logged = events(stream)
    text = stream.getvalue()
    for secret in sorted(run.secrets):
        assert secret not in text, f"a secret reached the log: {secret[:4]}…"
    for number in (ANA, ANA.lstrip("+"), "%2B" + ANA.lstrip("+"), SHOP_WHATSAPP, SHOP_WHATSAPP.lstrip("+")):
        assert number not in text, "a full phone number reached the log"
    assert "eyJ" not in text, "a JWT reached the log"
    loggers = {event["logger"] for event in logged}
    assert {"aiohttp.access", "httpx"} <= loggers, loggers  # the libraries really logged, at DEBUG
    assert any(name.startswith("twilio") for name in loggers), loggers
    assert any(name.startswith("pymongo") for name in loggers), loggers


@pytest.fixture
def as_configured(settings: Settings) -> Iterator[io.StringIO]:
    """The log as ``orderbot web`` writes it with ``ORDERBOT_LOG_LEVEL=DEBUG``: ``logs.configure`` from the
    settings, and no logger's level touched by the test."""
    stream = io.StringIO()
    debug = settings.model_copy(update={"log_level": "DEBUG"})
    quiet = {name: logging.getLogger(name).level for name in ("pymongo.command", "telegram", "google_genai")}
    handler = logs.configure("json", level=debug.log_level, secrets=debug.secret_values(), stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


async def test_at_debug_no_line_carries_a_name_an_email_a_phone_or_what_a_customer_wrote(
    run: Run, as_configured: io.StringIO
) -> None:
    """The database driver's command log wrote every document (names, emails, phones, bodies) at DEBUG, and
    python-telegram-bot every text it sent; redaction cannot recognise a name or a message, so those loggers
    stay at INFO, and what redaction can recognise (emails, phones in any grouping) is masked everywhere."""
    name, email = "Ana Lima", "ana.lima@example.org"
    created = await run.order_event("order.created", id="A-1042", number="1042", status="processing",
                                    customer={"name": name, "phone": ANA, "email": email},
                                    channel="whatsapp")  # fmt: skip
    order_id = (await created.json())["order_id"]
    await run.dispatch()
    bodies = (
        "hey where's order 1042? call me on 415.555.0143 or (415) 555-0143, zebra",
        "a real person please",
    )
    for body in bodies:
        await run.whatsapp(body)
    assert await run.dispatch() >= 2
    assert run.telegram.messages_to(STAFF), "the staff alert went out through Telegram"
    await run.api_post("/orders/update-status", {"order_id": order_id, "status": "shipped"}, "api-req-8")
    assert await run.dispatch() == 1
    token = token_for(run.shop)
    for term in (email, "Lima", "0143"):
        found = await run.client.get(
            "/api/v1/orders", params={"search": term}, headers={"Authorization": f"Bearer {token}"}
        )
        assert found.status == 200, await found.text()

    text = as_configured.getvalue()
    logged = events(as_configured)
    assert any(e["level"] == "DEBUG" for e in logged), "the service really logged at DEBUG"
    digits = ANA.lstrip("+")
    for personal in (
        name, "Lima", email, email.replace("@", "%40"), "ana.lima",  # the name and the email, also URL-encoded
        *bodies, "zebra", "real person",  # what the customer wrote, whole or in part
        ANA, digits, "%2B" + digits, "0151 12345678", "01511 2345678",  # the WhatsApp number
        "415.555.0143", "(415) 555-0143", "415 555 0143", "4155550143", "+14155550143",  # the one in the body
    ):  # fmt: skip
        assert personal not in text, f"personal data reached the log: {personal[:5]}…"
    quiet = {e["logger"] for e in logged if e["level"] == "DEBUG"} & {
        "pymongo.command",
        "telegram.ext.ExtBot",
    }
    assert not quiet, "loggers that print documents stay at INFO"


async def test_the_request_id_follows_a_request_into_the_outbox_and_the_send(
    run: Run, captured: tuple[io.StringIO, bool], db: Database
) -> None:
    stream, _ = captured
    created = await run.order_event("order.created", id="A-1042", number="1042", status="processing",
                                    customer={"name": "Ana Lima", "phone": ANA}, channel="whatsapp")  # fmt: skip
    generated = created.headers["X-Request-Id"]
    assert generated and generated != "shop-evt-1"
    order_id = (await created.json())["order_id"]
    await run.dispatch()
    await run.whatsapp("where is 1042?", request_id="twilio-req-1")  # answered by a background worker
    await run.api_post("/orders/update-status", {"order_id": order_id, "status": "shipped"}, "api-req-7")

    entries = await db.outbox.for_order(run.shop.id, order_id)
    by_kind = {(entry.kind.value, entry.status.value if entry.status else None): entry for entry in entries}
    assert by_kind[("status_update", "processing")].request_id == generated
    assert by_kind[("reply", "processing")].request_id == "twilio-req-1"
    assert by_kind[("status_update", "shipped")].request_id == "api-req-7"

    await run.dispatch()
    sent = [e for e in events(stream) if e["logger"] == "bot.notifier" and e["message"].startswith("sent ")]
    assert {e["request_id"] for e in sent} >= {"twilio-req-1", "api-req-7"}
    handled = [e for e in events(stream) if e["request_id"] == "twilio-req-1"]
    assert {"aiohttp.access", "bot.notifier"} <= {e["logger"] for e in handled}
    access = [e["message"] for e in handled if e["logger"] == "aiohttp.access"]
    assert len(access) == 1 and '"POST /webhooks/twilio/messages" 200 ' in access[0], access
    assert access[0].endswith("ms")


@pytest.mark.parametrize(("level", "heard"), [(logging.INFO, False), (logging.DEBUG, True)])
async def test_the_twilio_sdk_describes_each_request_only_at_debug(run: Run, level: int, heard: bool) -> None:
    stream = io.StringIO()
    handler = logs.configure("json", level=level, stream=stream)
    try:
        message = OutboundMessage(channel=ChannelName.WHATSAPP, to=ANA, sender=SHOP_WHATSAPP, text="hi")
        await run.app[TWILIO].whatsapp.send(message)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    assert len(run.twilio.created) == 1
    sdk = [event for event in events(stream) if event["logger"].startswith("twilio")]
    assert bool(sdk) == heard, sdk


@pytest.mark.parametrize("incoming", ["", "has spaces", "x" * 101, 'quote"', "ünïcode"])
async def test_an_unfit_incoming_request_id_is_replaced(run: Run, incoming: str) -> None:
    response = await run.client.get("/healthz", headers={"X-Request-Id": incoming})
    assert response.status == 200
    assert response.headers["X-Request-Id"] != incoming
    assert len(response.headers["X-Request-Id"]) == 16


def test_the_redaction_filter_scrubs_what_code_should_never_have_logged() -> None:
    stream = io.StringIO()
    handler = logs.configure("json", level=logging.INFO, stream=stream)
    try:
        log = logging.getLogger("test_logs")
        log.info("auth %s sig=%s", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "abc")
        log.info(
            "webhook_secret=%s phone %s wa %s", "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHh5enp5", ANA, "4915112345678"
        )
        log.info("url https://api.telegram.org/bot%s/sendMessage", BOT_TOKEN)
        log.info("mongodb://orderbot:hunter2hunter2@db.example.com/orderbot")
        log.warning(
            "extra fields too", extra={"recipient": ANA, "request_header": {"Referer": f"/?phone={ANA}"}}
        )
        try:
            raise ValueError(f"token={AUTH_TOKEN}")
        except ValueError:
            log.exception("failed for %s", ANA)
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    for leaked in ("eyJ", "Zm9vYmFy", ANA, "4915112345678", BOT_TOKEN.split(":")[1], "hunter2", AUTH_TOKEN):
        assert leaked not in text, leaked
    assert text.count("5678") >= 4  # masked numbers keep their last four digits
    assert "ValueError" in text  # the traceback survives, scrubbed


def test_a_json_line_carries_the_fixed_fields_the_extras_and_the_traceback() -> None:
    stream = io.StringIO()
    handler = logs.configure("json", level=logging.INFO, stream=stream)
    try:
        log = logging.getLogger("test_logs")
        log.info(
            "order %s moved", "o1", extra={"shop": "s1", "at": datetime(2026, 12, 6, tzinfo=UTC), "n": 3}
        )
        try:
            raise KeyError("missing")
        except KeyError:
            log.exception("lookup failed")
        log.info("where", stack_info=True)
    finally:
        logging.getLogger().removeHandler(handler)
    moved, failed, where = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(moved) == ["time", "level", "logger", "message", "request_id", "shop", "at", "n"]
    assert moved["message"] == "order o1 moved" and moved["logger"] == "test_logs"
    assert (moved["level"], moved["shop"], moved["at"], moved["n"]) == (
        "INFO",
        "s1",
        "2026-12-06T00:00:00+00:00",
        3,
    )
    assert failed["level"] == "ERROR" and "KeyError: 'missing'" in failed["exc_info"]
    assert "exc_info" not in moved and where["stack_info"].startswith("Stack (most recent call last)")


async def test_a_photo_update_logs_neither_its_media_token_nor_its_caption(
    run: Run, as_configured: io.StringIO
) -> None:
    """A media link opens a photo to whoever holds it, and a caption is a message to a customer: the access
    log shows the media path without its token, and no line carries either."""
    created = await run.order_event("order.created", id="A-7", number="7", status="processing",
                                    customer={"name": "Ana Lima", "phone": ANA}, channel="whatsapp")  # fmt: skip
    order_id = (await created.json())["order_id"]
    await run.whatsapp("hi")  # opens the 24-hour window
    await run.dispatch()
    caption, picture = "Wrapped in the blue zebra paper", io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(picture, "JPEG")
    form = FormData()
    form.add_field("file", picture.getvalue(), filename="p.jpg", content_type="image/jpeg")
    form.add_field("caption", caption)
    headers = {"Authorization": f"Bearer {token_for(run.shop)}"}
    uploaded = await run.client.post(f"/api/v1/orders/{order_id}/photos", data=form, headers=headers)
    assert uploaded.status == 201, await uploaded.text()
    await run.dispatch()
    [media_url] = [r["MediaUrl"] for r in run.twilio.created if r.get("MediaUrl")]
    token = media_url.rsplit("/", 1)[1]
    assert (await run.client.get(media_url.removeprefix(PUBLIC_URL))).status == 200

    text = as_configured.getvalue()
    assert "GET /media/***" in text, "the media fetch is in the access log, without its token"
    assert token not in text and token[:12] not in text
    assert caption not in text and "zebra" not in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("call 415.555.0143 now", "call …0143 now"),
        ("call (415) 555-0143", "call …0143"),
        ("call 415 555 0143.", "call …0143."),
        ("call 1 415 555 0143", "call …0143"),
        ("mobile 07700 900123", "mobile …0123"),
        ("mail ana.lima@example.org", "mail ***"),
        ("GET /api/v1/orders?search=ana.lima%40example.org", "GET /api/v1/orders?search=***"),
        ("refused <ana+shop@mail.example.co.uk>: no such user", "refused <***>: no such user"),
        # what is not personal keeps its digits
        (
            "at 2026-12-07T13:22:41+0000 from 192.168.100.200",
            "at 2026-12-07T13:22:41+0000 from 192.168.100.200",
        ),
        (
            '127.0.0.1 "POST /webhooks/orders/s1" 200 1163 3.4ms',
            '127.0.0.1 "POST /webhooks/orders/s1" 200 1163 3.4ms',
        ),
        ("aiohttp 3.14.5, durationMS 0.0981, order 1042", "aiohttp 3.14.5, durationMS 0.0981, order 1042"),
        ("from 203.0.113.24 and 10.100.200.250", "from 203.0.113.24 and 10.100.200.250"),
        ("mongodb://orderbot:***@db.example.com/orderbot", "mongodb://orderbot:***@db.example.com/orderbot"),
    ],
)
def test_redaction_masks_emails_and_phones_written_in_groups(line: str, expected: str) -> None:
    assert redaction.redact(line) == expected
