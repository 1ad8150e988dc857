"""The conversations desk through the real app, the real database and the real twilio SDK: customers'
WhatsApp messages in their conversation with what the bot understood, the list (waiting first, unread,
search, paging), and a person's answer reaching the Twilio stand-in under WhatsApp's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from orders.model import NotifyPolicy, Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration.test_twilio import CUSTOMER_WHATSAPP, SHOP_SMS, SHOP_WHATSAPP, fixture, post
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.settings import Settings

NUDGE_SID = "HX" + "c" * 32
#: Quiet all day long: a status update would wait, a person's answer must not.
ALWAYS_QUIET = NotifyPolicy(whatsapp_templates={"nudge": NUDGE_SID}, quiet_start="00:00", quiet_end="23:59")


@dataclass
class Desk:
    client: TestClient[Any, Any]
    standin: TwilioStandIn
    shop: Shop
    api: Api
    clock: Clock

    async def settle(self) -> None:
        assert self.client.app is not None
        await finish_background(self.client.app)

    async def customer_writes(self, body: str, *, sid: str, phone: str = CUSTOMER_WHATSAPP) -> None:
        """A WhatsApp message from ``phone``, as Twilio delivers it; the window opens at the stand-in too."""
        params = fixture("whatsapp_text", Body=body, MessageSid=sid, SmsMessageSid=sid, SmsSid=sid)
        params["From"] = f"whatsapp:{phone}"
        response = await post(self.client, params)
        assert response.status == 200, await response.text()
        self.standin.customer_wrote(phone)
        await self.settle()

    async def conversation(self) -> dict[str, Any]:
        [item] = [i for i in (await self.api.get("/conversations"))["items"] if i["channel"] == "whatsapp"]
        return dict(item)

    async def messages(self, customer_id: str, **params: Any) -> dict[str, Any]:
        found: dict[str, Any] = await self.api.get(f"/customers/{customer_id}/messages", **params)
        return found


@pytest.fixture
async def desk(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    clock: Clock,
) -> Desk:
    shop = new_shop(
        "Acme Coffee", clock(), sms_number=SHOP_SMS, whatsapp_number=SHOP_WHATSAPP, notify=ALWAYS_QUIET
    )
    await db.shops.add(shop)
    standin_url[0].approve(NUDGE_SID)
    client = await aiohttp_client(build_app(twilio_settings, clock=clock))
    return Desk(client, standin_url[0], shop, Api(client, token_for(shop)), clock)


# the Twilio harness's fixtures, used here by name
from tests.integration.test_twilio import raw, standin_url, twilio_settings  # noqa: E402

__all__ = ["raw", "standin_url", "twilio_settings"]


async def test_a_customers_message_is_in_their_conversation_with_what_the_bot_understood(desk: Desk) -> None:
    await desk.customer_writes("I want to talk to a person please", sid="SM" + "1" * 32)

    item = await desk.conversation()
    assert (item["waiting"], item["unread"], item["channel"]) == (True, 1, "whatsapp")
    assert item["last_message"]["direction"] == "out"  # the bot said a person will answer
    page = await desk.messages(item["customer_id"])
    asked, told = page["messages"]
    assert (asked["direction"], asked["author"], asked["intent"], asked["text"]) == (
        "in", "customer", "human", "I want to talk to a person please",
    )  # fmt: skip
    assert (told["direction"], told["author"], told["state"], told["intent"]) == ("out", "bot", "sent", None)
    assert page["next_cursor"] is None
    [reply] = desk.standin.created
    assert reply["Body"] == told["text"]

    customer = await desk.api.get(f"/customers/{item['customer_id']}")
    assert (customer["phones"], customer["channels"], customer["waiting"]) == (
        [CUSTOMER_WHATSAPP], ["whatsapp"], True,
    )  # fmt: skip


async def test_reading_the_conversation_clears_its_unread_count_until_the_customer_writes_again(
    desk: Desk,
) -> None:
    await desk.customer_writes("hello", sid="SM" + "1" * 32)
    desk.clock.advance(minutes=1)
    await desk.customer_writes("anyone there?", sid="SM" + "2" * 32)
    item = await desk.conversation()
    assert item["unread"] == 2

    response = await desk.client.post(
        f"/api/v1/customers/{item['customer_id']}/read", headers=desk.api.headers
    )
    assert response.status == 204
    assert (await desk.conversation())["unread"] == 0

    desk.clock.advance(minutes=1)
    await desk.customer_writes("thanks", sid="SM" + "3" * 32)
    assert (await desk.conversation())["unread"] == 1


async def waits_for_a_person(desk: Desk) -> dict[str, Any]:
    """Lena Roth's order 1042, which she writes arrived damaged: she waits for a person now; the order."""
    order: dict[str, Any] = await desk.api.post(
        "/orders",
        {"number": "1042", "customer": {"name": "Lena Roth", "phone": CUSTOMER_WHATSAPP}},
        status=201,
    )
    await desk.settle()
    desk.clock.advance(minutes=5)
    await desk.customer_writes("my order 1042 arrived damaged", sid="SM" + "1" * 32)
    return order


async def test_a_staff_answer_reaches_the_customer_on_whatsapp_and_nobody_waits_any_more(desk: Desk) -> None:
    order = await waits_for_a_person(desk)
    item = await desk.conversation()
    assert (item["waiting"], item["name"], item["order_numbers"]) == (True, "Lena Roth", ["1042"])
    flags = (await desk.api.get(f"/customers/{item['customer_id']}"))["orders"][0]["flags"]
    assert flags == ["customer_waiting"]
    before = len(desk.standin.created)
    plan = await desk.api.get(f"/customers/{item['customer_id']}/messages/plan")
    assert (plan["will"], plan["channel"]) == ("send", "whatsapp")

    desk.clock.advance(minutes=2)
    accepted = await desk.api.post(
        f"/customers/{item['customer_id']}/messages", {"text": "So sorry! A new one ships today."}, status=202
    )
    await desk.settle()

    assert accepted["plan"]["will"] == "send"
    [answer] = desk.standin.created[before:]  # at once, though the shop's quiet hours last all day
    assert (answer["To"], answer["Body"]) == (
        f"whatsapp:{CUSTOMER_WHATSAPP}",
        "So sorry! A new one ships today.",
    )
    item = await desk.conversation()
    assert (item["waiting"], item["waiting_since"]) == (False, None)
    last = (await desk.messages(item["customer_id"]))["messages"][-1]
    assert (last["text"], last["author"], last["state"], last["notification_id"]) == (
        "So sorry! A new one ships today.", f"staff@{desk.shop.id}", "sent", accepted["notification_id"],
    )  # fmt: skip
    progress = await desk.api.get(f"/orders/{order['order_id']}/progress")
    assert (progress["timeline"][-1]["kind"], progress["timeline"][-1]["actor"]) == (
        "answer",
        f"staff@{desk.shop.id}",
    )
    assert (await desk.api.get(f"/customers/{item['customer_id']}"))["orders"][0]["flags"] == []


async def test_a_message_written_on_the_order_answers_the_waiting_customer(desk: Desk) -> None:
    """The desk's message on an order row (``POST /orders/notify`` with a text) is a person answering; the
    standard status message and one text to many orders (a bulk action) answer no one."""
    order = await waits_for_a_person(desk)
    customer_id = (await desk.conversation())["customer_id"]

    async def waiting() -> tuple[bool, list[str]]:
        customer = await desk.api.get(f"/customers/{customer_id}")
        [flags] = [o["flags"] for o in customer["orders"] if o["order_id"] == order["order_id"]]
        return customer["waiting"], flags

    await desk.api.post("/orders/notify", {"order_id": order["order_id"]}, status=202)
    bulk = {"order_ids": [order["order_id"]], "action": "notify", "message": "We are closed on Monday."}
    await desk.api.post("/orders/bulk-action", bulk)
    await desk.settle()
    assert await waiting() == (True, ["customer_waiting"])

    desk.clock.advance(minutes=2)
    text = {"order_id": order["order_id"], "message": "So sorry! A new one ships today."}
    await desk.api.post("/orders/notify", text, status=202)
    await desk.settle()
    assert await waiting() == (False, [])
    last = (await desk.api.get(f"/orders/{order['order_id']}/progress"))["timeline"][-1]
    assert (last["kind"], last["actor"]) == ("manual", f"staff@{desk.shop.id}")


async def test_outside_the_window_a_template_goes_first_and_the_text_when_they_reply(desk: Desk) -> None:
    await desk.customer_writes("hello", sid="SM" + "1" * 32)
    customer_id = (await desk.conversation())["customer_id"]
    desk.clock.advance(hours=25)
    desk.standin.window_closed(CUSTOMER_WHATSAPP)
    before = len(desk.standin.created)

    plan = await desk.api.get(f"/customers/{customer_id}/messages/plan")
    assert plan == {
        "channel": "whatsapp", "will": "template_first", "refusal": None,
        "explanation": "outside WhatsApp's 24-hour window: a template goes first, your text when they reply",
    }  # fmt: skip
    accepted = await desk.api.post(
        f"/customers/{customer_id}/messages", {"text": "Your refund is done."}, status=202
    )
    await desk.settle()
    assert accepted["plan"]["will"] == "template_first"
    [nudge] = desk.standin.created[before:]
    assert nudge["ContentSid"] == NUDGE_SID
    waiting = [
        m for m in (await desk.messages(customer_id))["messages"] if m["text"] == "Your refund is done."
    ]
    assert [(m["state"], m["author"]) for m in waiting] == [("queued", f"staff@{desk.shop.id}")]

    desk.clock.advance(minutes=10)
    await desk.customer_writes("ok?", sid="SM" + "2" * 32)
    texts = [r["Body"] for r in desk.standin.created[before + 1 :]]
    assert "Your refund is done." in texts


async def test_an_opted_out_customer_is_refused_and_nothing_is_queued(desk: Desk, db: Database) -> None:
    await desk.customer_writes("STOP", sid="SM" + "1" * 32)
    customer_id = (await desk.conversation())["customer_id"]
    before = len(desk.standin.created)

    plan = await desk.api.get(f"/customers/{customer_id}/messages/plan")
    assert (plan["will"], plan["refusal"]) == ("refused", "opted_out")
    refused = await desk.api.post(f"/customers/{customer_id}/messages", {"text": "hi"}, status=409)
    assert refused["error"]["code"] == "opted_out"
    assert "opted out of WhatsApp" in refused["error"]["message"]
    await desk.settle()
    assert desk.standin.created[before:] == []
    assert [m["text"] for m in (await desk.messages(customer_id))["messages"]].count("hi") == 0


async def test_another_shops_customer_is_not_found(desk: Desk, db: Database, clock: Clock) -> None:
    await desk.customer_writes("hello", sid="SM" + "1" * 32)
    customer_id = (await desk.conversation())["customer_id"]
    other = new_shop("Other Shop", clock())
    await db.shops.add(other)
    stranger = Api(desk.client, token_for(other))

    assert (await stranger.get("/conversations"))["items"] == []
    for path in (f"/customers/{customer_id}", f"/customers/{customer_id}/messages",
                 f"/customers/{customer_id}/messages/plan"):  # fmt: skip
        assert (await stranger.get(path, status=404))["error"]["code"] == "not_found"
    await stranger.post(f"/customers/{customer_id}/messages", {"text": "hi"}, status=404)
    response = await desk.client.post(f"/api/v1/customers/{customer_id}/read", headers=stranger.headers)
    assert response.status == 404
    assert (await desk.conversation())["unread"] == 1


async def test_a_retried_answer_with_the_same_key_is_sent_once(desk: Desk) -> None:
    await desk.customer_writes("hello", sid="SM" + "1" * 32)
    customer_id = (await desk.conversation())["customer_id"]
    before = len(desk.standin.created)
    headers = {**desk.api.headers, "Idempotency-Key": "answer-7"}
    answers = []
    for _ in range(2):
        response = await desk.client.post(
            f"/api/v1/customers/{customer_id}/messages", json={"text": "Here I am"}, headers=headers
        )
        assert response.status == 202
        answers.append((await response.json())["notification_id"])
    await desk.settle()
    assert answers[0] == answers[1]
    assert [r["Body"] for r in desk.standin.created[before:]] == ["Here I am"]


async def test_the_list_puts_the_waiting_first_and_pages_and_searches(desk: Desk) -> None:
    phones = [f"+4915112345{n:03d}" for n in range(5)]
    for n, phone in enumerate(phones):
        desk.clock.advance(minutes=1)
        text = "I need a human" if n in (1, 3) else f"hello {n}"
        await desk.customer_writes(text, sid=f"SM{n:032d}", phone=phone)
    await desk.api.post(
        "/orders", {"number": "7002", "customer": {"name": "Mia Park", "phone": phones[2]}}, status=201
    )

    order: list[tuple[bool, int]] = []
    cursor: str | None = None
    while True:
        paging: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await desk.api.get("/conversations", **paging)
        assert len(page["items"]) <= 2
        for i in page["items"]:
            phone = (await desk.api.get(f"/customers/{i['customer_id']}"))["phones"][0]
            order.append((i["waiting"], phones.index(phone)))
        if (cursor := page["next_cursor"]) is None:
            break
        desk.clock.advance(minutes=1)  # a newer conversation meanwhile moves nothing already listed
        await desk.customer_writes(
            "late hello", sid="SM" + "9" * 31 + str(len(order)), phone="+4915112399999"
        )
    assert order == [(True, 1), (True, 3), (False, 4), (False, 2), (False, 0)]

    waiting = await desk.api.get("/conversations", waiting="true")
    assert [i["waiting"] for i in waiting["items"]] == [True, True]
    assert [i["order_numbers"] for i in (await desk.api.get("/conversations", search="7002"))["items"]] == [
        ["7002"]
    ]
    assert [i["name"] for i in (await desk.api.get("/conversations", search="mia"))["items"]] == ["Mia Park"]
    by_phone = (await desk.api.get("/conversations", search=phones[4]))["items"]
    assert [i["waiting"] for i in by_phone] == [False] and len(by_phone) == 1
    assert (await desk.api.get("/conversations", cursor="nonsense", status=400))["error"][
        "code"
    ] == "malformed"


async def test_a_customers_messages_page_back_in_time(desk: Desk) -> None:
    for n in range(5):
        desk.clock.advance(minutes=1)
        await desk.customer_writes(f"message {n}", sid=f"SM{n:032d}")
    customer_id = (await desk.conversation())["customer_id"]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await desk.messages(customer_id, limit=3, **({"cursor": cursor} if cursor else {}))
        times = [m["at"] for m in page["messages"]]
        assert times == sorted(times)  # each page in time order
        seen = [m["text"] for m in page["messages"]] + seen
        pages += 1
        if (cursor := page["next_cursor"]) is None:
            break
    inbound = [text for text in seen if text.startswith("message ")]
    assert inbound == [f"message {n}" for n in range(5)]
    assert len(seen) == 10 and pages == 4  # each answered by the bot
