"""Staff on Telegram, ``POST /webhooks/telegram``, through the real app, database and python-telegram-bot.

PTB talks to the Bot API stand-in (``tests/standins/telegram.py``); updates are the Bot API JSON in
``tests/fixtures/telegram``. What the bot says is read from the stand-in; what it reports is checked
against REST API v1 as the same shop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import TestClient, unused_port
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient, AiohttpServer
from telegram.error import TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from channels.base import ChannelName, InboundMessage, OutboundMessage, SendError, WebhookRequest
from channels.telegram import SECRET_HEADER, Button, TelegramChannel, send_error
from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, token_for
from tests.standins.telegram import Sent, TelegramStandin
from webhooks.app import build_app
from webhooks.keys import TELEGRAM_CHANNEL
from webhooks.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "telegram"
TOKEN = "7000000001:AAFq3xTestTokenForTheStandin_0123456"
SECRET = "desk-hook_0123456789-abcdef"
STAFF = 5012345678  # the user in the fixtures
STRANGER = 5099999999


_update_ids = itertools.count(900_000_001)

# PTB itself reads the deprecated int form of RetryAfter.retry_after when it builds the error.
pytestmark = pytest.mark.filterwarnings("ignore:.*`retry_after`.*:telegram.warnings.PTBDeprecationWarning")

# -- updates ------------------------------------------------------------------------------------------


def fixture(name: str) -> dict[str, Any]:
    """A Bot API Update from the fixtures, with a fresh ``update_id``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    data["update_id"] = next(_update_ids)
    return data


def command(text: str, *, user_id: int = STAFF, chat_type: str = "private") -> dict[str, Any]:
    """A command message like the fixtures' (same sender and chat), saying ``text``."""
    data = fixture("command_help")
    message = data["message"]
    message["text"] = text
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    else:
        del message["entities"]
    message["from"]["id"] = user_id
    message["chat"] = (
        {**message["chat"], "id": user_id}
        if chat_type == "private"
        else {"id": -1001234567890, "title": "Acme staff room", "type": chat_type}
    )
    return data


def button_press(on: Sent, data: str, *, user_id: int = STAFF) -> dict[str, Any]:
    """A callback query: ``user_id`` pressed the button carrying ``data`` under the bot's message ``on``."""
    update = fixture("callback_query")
    query = update["callback_query"]
    query["id"] = f"cbq-{update['update_id']}"
    query["data"] = data
    query["from"]["id"] = user_id
    query["message"].update(message_id=on.message_id, text=on.text, reply_markup=on.reply_markup)
    query["message"]["chat"]["id"] = on.chat_id
    return update


# -- the harness --------------------------------------------------------------------------------------


@dataclass
class Harness:
    """The app with Telegram configured, the Bot API stand-in, and REST API v1 as the staff's shop."""

    client: TestClient[Any, Any]
    telegram: TelegramStandin
    api: Api
    shop: Shop

    async def deliver(
        self, update: dict[str, Any] | bytes, *, secret: str | None = SECRET, expect: int = 200
    ) -> dict[str, Any]:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        response = await self.client.post("/webhooks/telegram", data=body, headers=headers)
        assert response.status == expect, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer

    async def ask(self, text: str, *, user_id: int = STAFF) -> str:
        """Send a command as ``user_id``; the one reply the bot sent to that chat."""
        before = len(self.telegram.sent)
        await self.deliver(command(text, user_id=user_id))
        [reply] = self.telegram.sent[before:]
        assert reply.chat_id == user_id
        return reply.text

    async def order(self, **fields: Any) -> dict[str, Any]:
        order: dict[str, Any] = await self.api.post("/orders", fields, status=201)
        return order


@pytest.fixture
def telegram() -> TelegramStandin:
    return TelegramStandin(TOKEN)


@pytest.fixture
async def telegram_settings(
    settings: Settings, telegram: TelegramStandin, aiohttp_server: AiohttpServer
) -> Settings:
    server = await aiohttp_server(telegram.app())
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_base_url": str(server.make_url("")).rstrip("/"),
        }
    )


@pytest.fixture
async def desk_shop(db: Database, clock: Clock) -> Shop:
    shop = new_shop("Acme Coffee", clock(), timezone="Europe/Berlin", staff_telegram_ids=[STAFF])
    await db.shops.add(shop)
    return shop


@pytest.fixture
async def desk(
    aiohttp_client: AiohttpClient,
    telegram_settings: Settings,
    telegram: TelegramStandin,
    desk_shop: Shop,
    clock: Clock,
) -> Harness:
    client = await aiohttp_client(build_app(telegram_settings, clock=clock))
    return Harness(client, telegram, Api(client, token_for(desk_shop)), desk_shop)


def error_code(answer: dict[str, Any]) -> str:
    code: str = answer["error"]["code"]
    return code


# -- commands -----------------------------------------------------------------------------------------


async def test_stats_reply_matches_the_api(desk: Harness, db: Database) -> None:
    for number, status in [("1", "pending"), ("2", "pending"), ("3", "processing"), ("4", "shipped"),
                           ("5", "fulfilled"), ("6", "cancelled")]:  # fmt: skip
        await desk.order(number=number, status=status)
    await db.stats.add(
        desk.shop.id, {"notifications.sent": 8, "notifications.delivered": 6, "notifications.failed": 1}
    )
    await db.counters.flush()  # the desk's app reads them through its own client

    answer = await desk.deliver(fixture("command_stats"))

    assert answer == {"ok": True, "duplicate": False}
    [reply] = desk.telegram.messages_to(STAFF)
    expected = await desk.api.get("/orders/stats")
    lines = reply.text.splitlines()
    assert lines[0] == "📊 Acme Coffee"
    assert f"Orders: {expected['total']}" in lines
    assert " · ".join(f"{s} {n}" for s, n in expected["by_status"].items()) in lines
    notes = expected["notifications"]
    assert (
        f"Notifications: {notes['sent']} sent · {notes['delivered']} delivered · {notes['failed']} failed"
        in lines
    )
    assert f"Delivery rate: {notes['delivery_rate']:.1%}" in lines
    assert (expected["total"], notes["delivery_rate"]) == (6, 0.75)


async def test_stats_of_an_empty_shop_has_no_rate(desk: Harness) -> None:
    text = await desk.ask("/stats")
    assert "Orders: 0" in text
    assert "Delivery rate: —" in text


async def test_order_shows_status_progress_next_and_latest_events(desk: Harness) -> None:
    created = await desk.order(
        number="1042", customer={"name": "Ana Gomez"}, items=[{"title": "Beans", "quantity": 2, "price": "9.95"}],
        total="19.90", currency="EUR",
    )  # fmt: skip
    await desk.api.post(
        "/orders/update-status",
        {"order_id": created["order_id"], "status": "processing", "note": "packed by Jo"},
    )

    await desk.deliver(fixture("command_order"))

    [reply] = desk.telegram.messages_to(STAFF)
    lines = reply.text.splitlines()
    assert lines[:3] == ["📦 Order #1042 — processing", "Progress: ■■□□ 50%", "Next: shipped"]
    assert "Customer: Ana Gomez" in lines
    assert "Items: 2 · total 19.90 EUR" in lines
    # timeline in the shop's time zone: 09:00 UTC is 10:00 in Berlin
    assert lines[-2] == f"• 02 Nov 10:00 pending by api (staff@{desk.shop.id})"
    assert lines[-1] == f"• 02 Nov 10:00 processing by api (staff@{desk.shop.id}) — packed by Jo"
    order_id = created["order_id"]
    assert reply.buttons() == [
        ("⏩ Advance", f"adv:{order_id}"), ("🔔 Notify", f"ntf:{order_id}"), ("🔄 Refresh", f"order:{order_id}")
    ]  # fmt: skip


async def test_refresh_button_redraws_the_order_card(desk: Harness) -> None:
    created = await desk.order(number="1042")
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent
    assert "pending" in card.text.splitlines()[0]
    await desk.api.post("/orders/update-status", {"order_id": created["order_id"], "status": "shipped"})

    await desk.deliver(button_press(card, f"order:{created['order_id']}"))
    assert card.edits == 1
    assert card.text.splitlines()[:3] == ["📦 Order #1042 — shipped", "Progress: ■■■□ 75%", "Next: fulfilled"]
    assert desk.telegram.callback_answers[-1]["text"] == "Updated."

    # nothing changed since: Telegram refuses the identical edit, and the bot says so instead of failing
    await desk.deliver(button_press(card, f"order:{created['order_id']}"))
    assert card.edits == 1
    assert desk.telegram.callback_answers[-1]["text"] == "Already up to date."
    assert len(desk.telegram.sent) == 1


async def test_help_and_start_list_the_commands(desk: Harness) -> None:
    await desk.deliver(fixture("command_help"))
    [reply] = desk.telegram.messages_to(STAFF)
    assert reply.text.startswith("Order desk of Acme Coffee.")
    for name in ("/attention", "/order <number>", "/status <number> <status>", "/advance <number>",
                 "/notify <number>", "/followup <number> <hours>", "/bulk", "/find", "/stats", "/help"):  # fmt: skip
        assert name in reply.text
    assert await desk.ask("/start") == reply.text


async def test_unknown_command_gets_a_usage_line(desk: Harness) -> None:
    await desk.deliver(fixture("command_unknown"))
    [reply] = desk.telegram.messages_to(STAFF)
    usage = (
        "Usage: /attention · /order · /status · /advance · /notify · /followup · /reply · /bulk · /find · /photo · "
        "/stats · /help"
    )
    assert reply.text == f"Unknown command /refund.\n{usage}"
    assert await desk.ask("hello?") == usage


@pytest.mark.parametrize("text", ["/order", "/order 1042 1043", "/order #"])
async def test_order_with_bad_arguments_gets_its_usage(desk: Harness, text: str) -> None:
    assert await desk.ask(text) == "Usage: /order <number>, for example /order 1042"


async def test_order_of_an_unknown_number_says_so(desk: Harness) -> None:
    await desk.order(number="1042")
    assert await desk.ask("/order 9999") == "No order #9999 in Acme Coffee."
    assert (await desk.ask("/order #1042")).startswith("📦 Order #1042 — pending")


async def test_staff_of_several_shops_act_for_the_first(desk: Harness, db: Database, clock: Clock) -> None:
    clock.advance(days=1)
    await db.shops.add(new_shop("Later Shop", clock(), staff_telegram_ids=[STAFF]))
    text = await desk.ask("/start")
    assert "You are staff of 2 shops; commands act for Acme Coffee, the first." in text
    assert (await desk.ask("/stats")).startswith("📊 Acme Coffee")


# -- who may use it -----------------------------------------------------------------------------------


async def test_a_stranger_gets_one_not_authorised_reply_and_nothing_else(desk: Harness) -> None:
    await desk.order(number="1042")

    await desk.deliver(command("/order 1042", user_id=STRANGER))

    [reply] = desk.telegram.sent
    assert (reply.chat_id, reply.text) == (STRANGER, "Sorry, you are not authorised to use this bot.")
    assert desk.telegram.methods() == ["getMe", "sendMessage"]


async def test_a_stranger_pressing_a_button_is_refused_without_an_edit(desk: Harness) -> None:
    created = await desk.order(number="1042")
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent

    await desk.deliver(button_press(card, f"order:{created['order_id']}", user_id=STRANGER))

    assert card.edits == 0
    [answer] = desk.telegram.callback_answers
    assert (answer["text"], answer["show_alert"]) == ("Sorry, you are not authorised to use this bot.", True)


async def test_staff_of_another_shop_see_nothing_of_this_one(
    desk: Harness, db: Database, clock: Clock
) -> None:
    await desk.order(number="1042")
    await db.shops.add(new_shop("Other Shop", clock(), staff_telegram_ids=[STRANGER]))
    assert await desk.ask("/order 1042", user_id=STRANGER) == "No order #1042 in Other Shop."


async def test_group_chats_are_ignored(desk: Harness) -> None:
    await desk.deliver(command("/stats", chat_type="supergroup"))
    assert desk.telegram.sent == []


# -- the webhook --------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_a_missing_or_wrong_secret_is_401_and_nothing_happens(
    desk: Harness, secret: str | None
) -> None:
    update = fixture("command_stats")
    answer = await desk.deliver(update, secret=secret, expect=401)
    assert error_code(answer) == "unauthorized"
    assert desk.telegram.sent == []
    # nothing was recorded either: the genuine delivery of the same update is handled
    assert await desk.deliver(update) == {"ok": True, "duplicate": False}
    assert len(desk.telegram.sent) == 1


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"message": {"text": "/stats"}}', b'{"update_id": "7"}']
)
async def test_a_malformed_update_is_400(desk: Harness, body: bytes) -> None:
    assert error_code(await desk.deliver(body, expect=400)) == "malformed"
    assert desk.telegram.sent == []


async def test_the_same_update_three_times_gets_one_reply(desk: Harness) -> None:
    update = fixture("command_stats")
    answers = [await desk.deliver(update) for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert len(desk.telegram.sent) == 1


async def test_concurrent_deliveries_of_one_update_get_one_reply(desk: Harness) -> None:
    body = json.dumps(fixture("command_stats")).encode()
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    responses = await asyncio.gather(
        *(desk.client.post("/webhooks/telegram", data=body, headers=headers) for _ in range(3))
    )
    assert {r.status for r in responses} <= {200, 409}
    assert len(desk.telegram.sent) == 1


@pytest.mark.parametrize(
    "failure", [(500, "Internal Server Error", None), (429, "Too Many Requests: retry after 3", 3)]
)
async def test_a_reply_that_fails_transiently_is_retried_on_redelivery(
    desk: Harness, failure: tuple[int, str, int | None]
) -> None:
    status, description, retry_after = failure
    desk.telegram.fail_next("sendMessage", status, description, retry_after=retry_after)
    update = fixture("command_stats")

    assert error_code(await desk.deliver(update, expect=503)) == "unavailable"
    assert desk.telegram.sent == []

    assert await desk.deliver(update) == {"ok": True, "duplicate": False}
    [reply] = desk.telegram.sent
    assert reply.text.startswith("📊 Acme Coffee")


async def test_a_blocked_bot_is_not_retried(desk: Harness) -> None:
    desk.telegram.block()
    update = fixture("command_stats")
    assert await desk.deliver(update) == {"ok": True, "duplicate": False}
    assert await desk.deliver(update) == {"ok": True, "duplicate": True}
    assert desk.telegram.methods().count("sendMessage") == 1


async def test_without_a_token_the_route_is_403_not_configured(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, db: Database
) -> None:
    client = await aiohttp_client(build_app(settings, clock=clock))
    response = await client.post(
        "/webhooks/telegram", json=fixture("command_stats"), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 403
    assert error_code(await response.json()) == "not_configured"


async def test_without_a_webhook_secret_updates_are_refused(
    aiohttp_client: AiohttpClient,
    telegram_settings: Settings,
    telegram: TelegramStandin,
    clock: Clock,
    db: Database,
) -> None:
    settings = telegram_settings.model_copy(update={"telegram_webhook_secret": None})
    client = await aiohttp_client(build_app(settings, clock=clock))
    response = await client.post(
        "/webhooks/telegram", json=fixture("command_stats"), headers={SECRET_HEADER: ""}
    )
    assert response.status == 403
    assert error_code(await response.json()) == "not_configured"
    assert telegram.sent == []


# -- the adapter --------------------------------------------------------------------------------------


def test_the_adapter_verifies_and_parses_like_every_channel(desk: Harness) -> None:
    channel = desk.client.app[TELEGRAM_CHANNEL]
    body = (FIXTURES / "command_order.json").read_bytes()
    assert channel.verify(
        WebhookRequest(url="/webhooks/telegram", headers={SECRET_HEADER: SECRET}, body=body)
    )
    assert not channel.verify(
        WebhookRequest(url="/webhooks/telegram", headers={SECRET_HEADER: "x"}, body=body)
    )
    [message] = channel.parse(WebhookRequest(url="/webhooks/telegram", headers={}, body=body))
    assert isinstance(message, InboundMessage)
    assert (message.provider_id, message.sender, message.text) == (f"{STAFF}:58", str(STAFF), "/order 1042")
    assert (message.recipient, message.sender_name) == ("7000000001", "Mara Lindqvist")
    assert message.received_at == datetime(2026, 11, 2, 8, 59, 30, tzinfo=UTC)
    assert (
        channel.parse(
            WebhookRequest(url="/", headers={}, body=(FIXTURES / "callback_query.json").read_bytes())
        )
        == []
    )


def outbound(to: str = str(STAFF), text: str = "Order #1042 needs a look") -> OutboundMessage:
    return OutboundMessage(channel=ChannelName.TELEGRAM, to=to, sender="orderbot", text=text)


async def test_the_adapter_sends_through_the_bot(desk: Harness) -> None:
    channel = desk.client.app[TELEGRAM_CHANNEL]
    receipt = await channel.send(outbound(), buttons=[[Button("Open", "order:ord_1")]])
    [sent] = desk.telegram.sent
    assert (sent.chat_id, sent.text) == (STAFF, "Order #1042 needs a look")
    assert sent.buttons() == [("Open", "order:ord_1")]
    assert (receipt.provider_id, receipt.state) == (f"{STAFF}:{sent.message_id}", "sent")


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "transient", "code"),
    [
        (403, "Forbidden: bot was blocked by the user", None, False, "forbidden"),
        (400, "Bad Request: chat not found", None, False, "bad_request"),
        (429, "Too Many Requests: retry after 7", 7, True, "retry_after"),
        (502, "Bad Gateway", None, True, "network_error"),
    ],
)
async def test_the_adapter_maps_telegram_errors(
    desk: Harness, status: int, description: str, retry_after: int | None, transient: bool, code: str
) -> None:
    desk.telegram.fail_next("sendMessage", status, description, retry_after=retry_after)
    with pytest.raises(SendError) as raised:
        await desk.client.app[TELEGRAM_CHANNEL].send(outbound())
    assert (raised.value.transient, raised.value.code) == (transient, code)
    assert desk.telegram.sent == []


async def test_the_adapter_refuses_a_recipient_that_is_not_a_chat_id(desk: Harness) -> None:
    with pytest.raises(SendError) as raised:
        await desk.client.app[TELEGRAM_CHANNEL].send(outbound(to="+4915112345678"))
    assert (raised.value.transient, raised.value.code) == (False, "bad_recipient")
    assert desk.telegram.methods() == ["getMe"]


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that takes the request and never answers (as Telegram after our read timeout)."""
    received: list[bytes] = []
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        received.append(await reader.read(65536))

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


def bot_at(port: int) -> ExtBot[None]:
    request = HTTPXRequest(connect_timeout=2, read_timeout=0.3)
    return ExtBot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)


async def test_a_send_with_no_answer_after_it_went_out_is_ambiguous(silent_port: int) -> None:
    bot = bot_at(silent_port)
    try:
        with pytest.raises(SendError) as raised:
            await TelegramChannel(bot, None).send(outbound())
    finally:
        await bot.shutdown()
    assert (raised.value.ambiguous, raised.value.transient, raised.value.code) == (True, False, "ambiguous")


async def test_a_send_that_never_went_out_is_transient() -> None:
    bot = bot_at(unused_port())  # nothing listens: the connection is refused
    try:
        with pytest.raises(SendError) as raised:
            await TelegramChannel(bot, None).send(outbound())
    finally:
        await bot.shutdown()
    assert (raised.value.ambiguous, raised.value.transient) == (False, True)


def test_timeouts_are_told_apart_by_the_httpx_error_they_wrap() -> None:
    def timed_out(cause: Exception) -> SendError:
        try:
            raise TimedOut() from cause
        except TimedOut as exc:
            return send_error(exc)

    pool, connect = timed_out(httpx.PoolTimeout("full")), timed_out(httpx.ConnectTimeout("slow"))
    read, write = timed_out(httpx.ReadTimeout("late")), timed_out(httpx.WriteTimeout("stuck"))
    assert [(e.transient, e.ambiguous) for e in (pool, connect)] == [(True, False)] * 2
    assert [(e.transient, e.ambiguous) for e in (read, write)] == [(False, True)] * 2
