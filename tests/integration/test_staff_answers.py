"""Staff answer customers from Telegram: ``/reply <number> <text>`` and a reply to an alert, through the real
app, python-telegram-bot against the Bot API stand-in, and the twilio SDK against the Messages API stand-in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from orders.model import Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_telegram as telegram_harness
from tests.integration import test_twilio as twilio_harness
from tests.integration.test_telegram import SECRET, STAFF, command
from tests.integration.test_twilio import CUSTOMER_WHATSAPP, SHOP_WHATSAPP, fixture, post
from tests.standins.telegram import Sent, TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.settings import Settings

# the harnesses' fixtures, used here by name
telegram = telegram_harness.telegram
telegram_settings = telegram_harness.telegram_settings
standin_url = twilio_harness.standin_url
twilio_settings = twilio_harness.twilio_settings

pytestmark = telegram_harness.pytestmark
ACTOR = f"Mara Lindqvist (tg:{STAFF})"
_message_ids = itertools.count(1000)


@dataclass
class Desk:
    client: Any
    telegram: TelegramStandin
    twilio: TwilioStandIn
    shop: Shop
    api: Api
    clock: Clock

    async def settle(self) -> None:
        await finish_background(self.client.app)

    async def customer_writes(self, body: str, sid: str) -> None:
        self.clock.advance(minutes=1)
        params = fixture("whatsapp_text", Body=body, MessageSid=sid, SmsMessageSid=sid, SmsSid=sid)
        assert (await post(self.client, params)).status == 200
        self.twilio.customer_wrote(CUSTOMER_WHATSAPP)
        await self.settle()

    async def staff_says(self, update: dict[str, Any]) -> str:
        """Deliver a staff update; the one reply the bot sent to the staff member."""
        before = len(self.telegram.messages_to(STAFF))
        self.clock.advance(minutes=1)
        response = await self.client.post(
            "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status == 200, await response.text()
        await self.settle()
        [reply] = self.telegram.messages_to(STAFF)[before:]
        return reply.text


def staff_message(text: str, *, reply_to: Sent | None = None) -> dict[str, Any]:
    """A staff message (a fresh message id, so each asks something new), replying to ``reply_to``."""
    update = command(text)
    update["message"]["message_id"] = next(_message_ids)
    if reply_to is not None:
        update["message"]["reply_to_message"] = {
            "message_id": reply_to.message_id,
            "date": update["message"]["date"],
            "chat": update["message"]["chat"],
            "from": {"id": 7000000001, "is_bot": True, "first_name": "Acme desk"},
            "text": reply_to.text,
        }
    return update


@pytest.fixture
async def desk(
    aiohttp_client: AiohttpClient,
    telegram_settings: Settings,
    twilio_settings: Settings,
    telegram: TelegramStandin,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    clock: Clock,
) -> Desk:
    both = twilio_settings.model_copy(
        update={
            name: getattr(telegram_settings, name)
            for name in ("telegram_bot_token", "telegram_webhook_secret", "telegram_base_url")
        }
    )
    shop = new_shop("Acme Coffee", clock(), whatsapp_number=SHOP_WHATSAPP, staff_telegram_ids=[STAFF])
    await db.shops.add(shop)
    client = await aiohttp_client(build_app(both, clock=clock))
    return Desk(client, telegram, standin_url[0], shop, Api(client, token_for(shop)), clock)


async def test_a_reply_to_the_alert_reaches_the_customer_and_the_order_timeline(desk: Desk) -> None:
    order = await desk.api.post(
        "/orders",
        {"number": "1042", "customer": {"name": "Lena Roth", "phone": CUSTOMER_WHATSAPP}},
        status=201,
    )
    await desk.customer_writes("order 1042 arrived damaged", "SM" + "1" * 32)
    [alert] = desk.telegram.messages_to(STAFF)
    assert "reports a problem" in alert.text
    before = len(desk.twilio.created)

    said = await desk.staff_says(staff_message("So sorry, a new one ships today.", reply_to=alert))

    assert said.startswith("✉️ Answer to the customer (order #1042) queued: your text goes now on WhatsApp")
    [answer] = desk.twilio.created[before:]
    assert (answer["To"], answer["Body"]) == (
        f"whatsapp:{CUSTOMER_WHATSAPP}",
        "So sorry, a new one ships today.",
    )
    last = (await desk.api.get(f"/orders/{order['order_id']}/progress"))["timeline"][-1]
    assert (last["kind"], last["actor"], last["source"]) == ("answer", ACTOR, "staff")
    [conversation] = (await desk.api.get("/conversations"))["items"]
    assert conversation["waiting"] is False
    messages = (await desk.api.get(f"/customers/{conversation['customer_id']}/messages"))["messages"]
    assert (messages[-1]["author"], messages[-1]["text"]) == (ACTOR, "So sorry, a new one ships today.")


async def test_notify_with_a_text_answers_the_waiting_customer(desk: Desk) -> None:
    """``/notify <number> <text>`` is the staff member's own words to the order's customer: an answer. The
    standard status message (``/notify <number>``) and a follow-up for later answer no one."""
    await desk.api.post(
        "/orders",
        {"number": "1042", "customer": {"name": "Lena Roth", "phone": CUSTOMER_WHATSAPP}},
        status=201,
    )
    await desk.customer_writes("order 1042 arrived damaged", "SM" + "1" * 32)

    async def waiting() -> tuple[bool, list[str]]:
        [conversation] = (await desk.api.get("/conversations"))["items"]
        customer = await desk.api.get(f"/customers/{conversation['customer_id']}")
        return customer["waiting"], customer["orders"][0]["flags"]

    await desk.staff_says(staff_message("/notify 1042"))
    await desk.staff_says(staff_message("/followup 1042 24 Did the new one arrive?"))
    assert await waiting() == (True, ["customer_waiting"])

    said = await desk.staff_says(staff_message("/notify 1042 So sorry, a new one ships today."))

    assert "1042" in said
    assert await waiting() == (False, [])


async def test_reply_command_answers_the_orders_customer_once_when_redelivered(desk: Desk) -> None:
    await desk.api.post("/orders", {"number": "1042", "customer": {"phone": CUSTOMER_WHATSAPP}}, status=201)
    await desk.customer_writes("hi", "SM" + "1" * 32)
    before = len(desk.twilio.created)
    update = staff_message("/reply 1042 Your beans left the roastery.")

    said = await desk.staff_says(update)
    update["update_id"] += 1000  # Telegram delivers the same message again, as a new update
    again = await desk.staff_says(update)

    assert said == again
    assert [r["Body"] for r in desk.twilio.created[before:]] == ["Your beans left the roastery."]


async def test_reply_command_says_how_and_refuses_what_would_never_arrive(desk: Desk) -> None:
    await desk.api.post("/orders", {"number": "1042", "customer": {"phone": CUSTOMER_WHATSAPP}}, status=201)
    await desk.api.post("/orders", {"number": "1043"}, status=201)
    usage = (
        "Usage: /reply <number> <text>, for example /reply 1042 A new one ships today (or reply to an alert)"
    )
    assert await desk.staff_says(staff_message("/reply")) == usage
    assert await desk.staff_says(staff_message("/reply 1042")) == usage
    assert await desk.staff_says(staff_message("/reply 9999 hello")) == "No order #9999 in Acme Coffee."
    assert (
        await desk.staff_says(staff_message("/reply 1043 hello")) == "Order #1043 has no phone to answer on."
    )

    await desk.customer_writes("STOP", "SM" + "2" * 32)
    before = len(desk.twilio.created)
    refused = await desk.staff_says(staff_message("/reply 1042 hello"))
    assert refused.startswith("⛔ Not sent to the customer (order #1042): the customer opted out of WhatsApp")
    assert desk.twilio.created[before:] == []


async def test_a_reply_to_something_else_than_an_alert_answers_nobody(desk: Desk) -> None:
    await desk.api.post("/orders", {"number": "1042", "customer": {"phone": CUSTOMER_WHATSAPP}}, status=201)
    await desk.customer_writes("hi", "SM" + "1" * 32)
    card_text = await desk.staff_says(staff_message("/order 1042"))
    [card] = [m for m in desk.telegram.messages_to(STAFF) if m.text == card_text]
    before = len(desk.twilio.created)

    said = await desk.staff_says(staff_message("hello there", reply_to=card))

    assert said == "Reply to an alert about a customer to answer them, or use /reply <number> <text>."
    assert desk.twilio.created[before:] == []


async def test_a_status_update_sent_by_order_shows_in_the_customers_conversation(desk: Desk) -> None:
    await desk.customer_writes("hi", "SM" + "1" * 32)  # the window is open: the update goes as text
    desk.clock.advance(minutes=1)
    order = await desk.api.post(
        "/orders", {"number": "1042", "customer": {"phone": CUSTOMER_WHATSAPP}}, status=201
    )
    await desk.settle()
    desk.clock.advance(minutes=1)
    await desk.api.post("/orders/update-status", {"order_id": order["order_id"], "status": "shipped"})
    await desk.settle()

    [conversation] = (await desk.api.get("/conversations"))["items"]
    messages = (await desk.api.get(f"/customers/{conversation['customer_id']}/messages"))["messages"]
    shipped = [m for m in messages if "1042" in m["text"] and m["state"] == "sent"]
    assert [(m["author"], m["channel"]) for m in shipped] == [("bot", "whatsapp"), ("bot", "whatsapp")]
    assert [r["Body"] for r in desk.twilio.created if "1042" in r["Body"]] == [m["text"] for m in shipped]
