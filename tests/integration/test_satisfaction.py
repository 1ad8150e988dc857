"""Satisfaction after delivery, through the real app, the real database and the providers' real SDKs.

Orders arrive and are delivered by signed order webhooks; customers write by signed Twilio and Instagram
webhooks; the dispatcher sends through the Twilio SDK, the Graph API and SMTP to the stand-ins, and staff
alerts through python-telegram-bot to the Bot API stand-in. The clock is the test's.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels.instagram import sign as meta_sign
from orders.model import EmailSettings, NotifyPolicy, OutboxEntry, OutboxKind, Shop
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, Sends, token_for
from tests.standins.graph import GraphStandin
from tests.standins.smtp import SmtpStandin, running_smtp
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import INBOX
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign

ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
APP_SECRET = "ig-app-secret-for-tests"
IG_TOKEN = "IGAAtest-access-token"
BOT_TOKEN = "7000000001:AAE-satisfaction-test-token"
PUBLIC_URL = "https://orderbot.example.com"
SHOP_WHATSAPP, SHOP_SMS, SHOP_IG = "+14155238886", "+14155550132", "17841400000000001"
ANA = "+4915112345678"  # Berlin, like the shop
BEN = "+14155550199"  # San Francisco
CARA_IG = "1790000000000042"
STAFF = 5012345678
SATISFACTION_SID = "HX" + "5" * 32


@dataclass
class World:
    client: TestClient[Any, Any]
    app: web.Application
    shop: Shop
    db: Database
    clock: Clock
    twilio: TwilioStandIn
    graph: GraphStandin
    telegram: TelegramStandin
    smtp: SmtpStandin
    sends: Sends
    sids: list[int] = field(default_factory=lambda: [0])

    async def order_event(self, event: str, event_id: str | None = None, **order: Any) -> None:
        body = json.dumps({"event": event, "order": order}).encode()
        headers = {
            "X-Orderbot-Signature": sign(self.shop.webhook_secret, body),
            "Content-Type": "application/json",
        }
        if event_id:
            headers["X-Orderbot-Event-Id"] = event_id
        response = await self.client.post(f"/webhooks/orders/{self.shop.id}", data=body, headers=headers)
        assert response.status == 200, await response.text()
        await self.sends.dispatch()

    async def new_order(self, number: str = "1042", channel: str = "whatsapp", **customer: str) -> None:
        await self.order_event(
            "order.created", id=f"A-{number}", number=number, status="shipped",
            customer={"name": "Ana Lima", **customer}, channel=channel,
        )  # fmt: skip

    async def deliver(self, number: str = "1042", event_id: str | None = None) -> None:
        await self.order_event("order.updated", event_id, id=f"A-{number}", number=number, status="fulfilled")

    async def twilio_message(self, sender: str, body: str, *, whatsapp: bool = True, **extra: str) -> None:
        """The customer writes; Twilio delivers a signed webhook (``extra``: ButtonPayload, ButtonText...)."""
        self.sids[0] += 1
        prefix = "whatsapp:" if whatsapp else ""
        own = SHOP_WHATSAPP if whatsapp else SHOP_SMS
        params = {
            "MessageSid": f"SM{self.sids[0]:032x}", "AccountSid": ACCOUNT_SID, "From": f"{prefix}{sender}",
            "To": f"{prefix}{own}", "Body": body, "NumMedia": "0", **extra,
        }  # fmt: skip
        url = f"{PUBLIC_URL}/webhooks/twilio/messages"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = await self.client.post(
            "/webhooks/twilio/messages", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()
        await self.sends.dispatch()

    async def instagram_message(self, text: str, payload: str | None = None) -> None:
        self.sids[0] += 1
        message: dict[str, Any] = {"mid": f"aWdfZAG1m{self.sids[0]:08d}", "text": text}
        if payload:
            message["quick_reply"] = {"payload": payload}
        at = int(self.clock().timestamp() * 1000)
        event = {"sender": {"id": CARA_IG}, "recipient": {"id": SHOP_IG}, "timestamp": at, "message": message}
        body = json.dumps(
            {"object": "instagram", "entry": [{"id": SHOP_IG, "time": at, "messaging": [event]}]}
        )
        raw = body.encode()
        response = await self.client.post(
            "/webhooks/instagram", data=raw,
            headers={"X-Hub-Signature-256": meta_sign(APP_SECRET, raw), "Content-Type": "application/json"},
        )  # fmt: skip
        assert response.status == 200, await response.text()
        await self.app[INBOX].drain()
        await self.sends.dispatch()

    async def at(self, **delta: float) -> None:
        """Move the clock and let the dispatcher find what fell due."""
        self.clock.advance(**delta)
        await self.sends.dispatch()

    async def api(self, path: str, method: str = "GET", body: Any = None, role: str = "staff") -> Any:
        headers = {"Authorization": f"Bearer {token_for(self.shop, role=role)}"}
        response = await self.client.request(method, f"/api/v1{path}", headers=headers, json=body)
        assert response.status == 200, await response.text()
        return await response.json()

    async def order(self, number: str = "1042") -> Any:
        return await self.api(f"/orders/by-number/{number}")

    async def surveys(self, number: str = "1042") -> list[OutboxEntry]:
        order = await self.db.orders.find_external(self.shop.id, f"A-{number}")
        assert order is not None
        entries = await self.db.outbox.for_order(self.shop.id, order.id)
        return [entry for entry in entries if entry.kind == OutboxKind.SATISFACTION]

    def whatsapp_to(self, phone: str) -> list[Any]:
        return [r for r in self.twilio.created if r["To"] == f"whatsapp:{phone}"]

    def asked_on_whatsapp(self, phone: str = ANA) -> list[Any]:
        return [r for r in self.whatsapp_to(phone) if r.get("ContentSid") == SATISFACTION_SID]

    def staff_alerts(self) -> list[str]:
        return [sent.text for sent in self.telegram.messages_to(STAFF)]


WorldMaker = Callable[..., Awaitable[World]]


@pytest.fixture
def smtp() -> Iterator[SmtpStandin]:
    with running_smtp() as server:
        yield server


@pytest.fixture
async def make_world(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
    smtp: SmtpStandin,
) -> AsyncIterator[WorldMaker]:
    """A world whose shop has ``notify`` settings (default: the satisfaction template) and ``app`` settings."""

    async def make(notify: NotifyPolicy | None = None, **configured: Any) -> World:
        twilio, graph, telegram = (
            TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN),
            GraphStandin(IG_TOKEN),
            TelegramStandin(BOT_TOKEN),
        )
        servers = [await aiohttp_server(standin.app()) for standin in (twilio, graph, telegram)]
        urls = [str(server.make_url("")).rstrip("/") for server in servers]
        app_settings = settings.model_copy(
            update={
                "public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": SecretStr(AUTH_TOKEN),
                "twilio_base_url": urls[0], "instagram_app_secret": SecretStr(APP_SECRET),
                "instagram_verify_token": SecretStr("verify"), "instagram_access_token": SecretStr(IG_TOKEN),
                "graph_base_url": urls[1] + "/", "telegram_bot_token": SecretStr(BOT_TOKEN),
                "telegram_webhook_secret": SecretStr("telegram-secret"), "telegram_base_url": urls[2],
                **configured,
            }
        )  # fmt: skip
        shop = new_shop(
            "Acme Coffee", clock(), timezone="Europe/Berlin", whatsapp_number=SHOP_WHATSAPP, sms_number=SHOP_SMS,
            instagram_id=SHOP_IG, staff_telegram_ids=[STAFF], languages=["en", "es"],
            notify=notify or NotifyPolicy(whatsapp_templates={"satisfaction": SATISFACTION_SID}),
            email=EmailSettings(host=smtp.host, port=smtp.port, security="none", from_address="orders@acme.example"),
        )  # fmt: skip
        await db.shops.add(shop)
        app = build_app(app_settings, clock=clock)
        client = await aiohttp_client(app)
        return World(client, app, shop, db, clock, twilio, graph, telegram, smtp, Sends(app))

    yield make


async def delivered_to_ana(world: World, *, wrote: bool = True) -> None:
    """Order 1042 of Ana (WhatsApp), delivered at 10:00 her time; she wrote just before unless not ``wrote``."""
    if wrote:
        world.twilio.customer_wrote(ANA)
        await world.twilio_message(ANA, "hi, is it coming today?")
    await world.new_order(phone=ANA)
    await world.deliver()


# -- asking at the right moment -------------------------------------------------------------------------


async def test_a_delivery_schedules_one_request_for_the_next_day_sent_with_quick_replies(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    delivered_at = world.clock()
    [survey] = await world.surveys()
    assert survey.due_at == delivered_at + timedelta(hours=24)
    assert (await world.order())["satisfaction"]["state"] == "scheduled"

    await world.at(hours=23, minutes=30)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "thanks, it arrived")  # her window is open when the request goes
    assert world.asked_on_whatsapp() == []

    await world.at(minutes=30)
    [asked] = world.asked_on_whatsapp()
    assert json.loads(asked["ContentVariables"]) == {"1": "Ana", "2": "1042", "3": "Acme Coffee"}
    order = await world.order()
    assert order["satisfaction"]["state"] == "asked" and order["satisfaction"]["channel"] == "whatsapp"
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert any(e["kind"] == "satisfaction" and "sent on whatsapp" in e["note"] for e in progress["timeline"])


@pytest.mark.parametrize("quiet", ["21:00-08:00", "off"], ids=["shop-quiet-hours", "quiet-hours-off"])
async def test_a_request_falling_in_the_night_waits_for_the_customers_morning(
    make_world: WorldMaker, quiet: str
) -> None:
    start, _, end = quiet.partition("-") if quiet != "off" else ("00:00", "", "00:00")
    templates = {"satisfaction": SATISFACTION_SID}
    world = await make_world(
        notify=NotifyPolicy(whatsapp_templates=templates, quiet_start=start, quiet_end=end)
    )
    world.clock.advance(hours=11, minutes=30)  # 21:30 in Berlin, where Ana's number is
    await delivered_to_ana(world, wrote=False)
    world.twilio.approve(SATISFACTION_SID)
    await world.at(hours=24)  # due at 21:30 her time: inside the quiet hours
    [survey] = await world.surveys()
    assert survey.state == "queued" and survey.held == "quiet_hours"
    assert survey.due_at.isoformat() == "2026-11-04T07:00:00+00:00"  # 08:00 in Berlin
    assert world.asked_on_whatsapp() == []
    await world.at(hours=10, minutes=29)
    assert world.asked_on_whatsapp() == []
    await world.at(minutes=1)
    assert len(world.asked_on_whatsapp()) == 1


async def test_the_shop_sets_its_own_delay_or_turns_requests_off(make_world: WorldMaker) -> None:
    world = await make_world(notify=NotifyPolicy(csat_delay_hours=2))
    await delivered_to_ana(world)
    [survey] = await world.surveys()
    assert survey.due_at == world.clock() + timedelta(hours=2)

    answer = await world.api("/shop", "PATCH", {"csat_delay_hours": "off"}, role="admin")
    assert answer["settings"]["csat_delay_hours"] == "off"
    world.clock.advance(seconds=10)  # past the shop directory's few seconds of caching
    await world.new_order("1043", phone=BEN)
    await world.deliver("1043")
    assert await world.surveys("1043") == []
    assert (await world.order("1043"))["satisfaction"] is None


async def test_the_service_default_delay_is_a_setting(make_world: WorldMaker) -> None:
    world = await make_world(csat_delay_hours=6)
    await delivered_to_ana(world)
    [survey] = await world.surveys()
    assert survey.due_at == world.clock() + timedelta(hours=6)


async def test_one_request_per_order_however_often_it_is_delivered(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    await world.deliver(event_id="delivered-again")  # the shop sends "fulfilled" once more
    order = await world.order()
    await world.api(
        "/orders/update-status", "POST", {"order_id": order["order_id"], "status": "shipped", "force": True}
    )
    await world.api("/orders/update-status", "POST", {"order_id": order["order_id"], "status": "fulfilled"})
    assert len(await world.surveys()) == 1
    world.twilio.customer_wrote(ANA)
    await world.at(hours=25)
    await world.at(hours=25)
    assert len(world.asked_on_whatsapp()) == 1


async def test_outside_the_window_the_shops_approved_template_goes(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    world.twilio.approve(SATISFACTION_SID)
    world.twilio.window_closed(ANA)
    await world.at(hours=26)  # she last wrote 26 hours ago
    [asked] = world.asked_on_whatsapp()
    assert asked.get("Body") is None


async def test_outside_the_window_without_a_template_it_is_skipped_with_the_reason_shown(
    make_world: WorldMaker,
) -> None:
    world = await make_world(notify=NotifyPolicy())
    await delivered_to_ana(world)
    sent_before = len(world.twilio.created)
    await world.at(hours=26)
    assert len(world.twilio.created) == sent_before
    [survey] = await world.surveys()
    reason = "outside the 24-hour whatsapp window with no approved template"
    assert (survey.state, survey.error) == ("skipped", reason)
    order = await world.order()
    assert order["satisfaction"]["state"] == "skipped" and order["satisfaction"]["reason"] == reason
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert f"satisfaction request not sent: {reason}" in [e["note"] for e in progress["timeline"]]


async def test_a_customer_who_opted_out_is_not_asked_and_the_order_says_so(make_world: WorldMaker) -> None:
    world = await make_world()
    await delivered_to_ana(world)
    await world.twilio_message(ANA, "stop sending me messages")
    sent_before = len(world.twilio.created)
    await world.at(hours=24)
    assert len(world.twilio.created) == sent_before
    order = await world.order()
    assert (order["satisfaction"]["state"], order["satisfaction"]["reason"]) == (
        "skipped",
        "opted out of whatsapp",
    )


async def test_inside_the_window_without_a_template_whatsapp_asks_for_a_reply(make_world: WorldMaker) -> None:
    world = await make_world(notify=NotifyPolicy())
    await delivered_to_ana(world)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "got it, thanks")
    await world.at(hours=24)
    asked = world.whatsapp_to(ANA)[-1]
    assert asked.get("ContentSid") is None and "1 (poor) to 5 (great)" in asked["Body"]


async def test_sms_asks_to_reply_1_to_5_in_the_customers_language(make_world: WorldMaker) -> None:
    world = await make_world()
    await world.twilio_message(BEN, "hola, donde esta mi pedido 1043?", whatsapp=False)
    await world.new_order("1043", channel="sms", phone=BEN)
    await world.deliver("1043")
    await world.at(hours=24)  # 01:00 in San Francisco: it waits for the morning there
    await world.at(hours=8)
    [asked] = [
        r for r in world.twilio.created if r["To"] == BEN and "1043" in r["Body"] and "5" in r["Body"]
    ][-1:]
    assert "del 1 (mal) al 5" in asked["Body"]


async def test_instagram_asks_with_quick_replies_and_takes_a_tap(make_world: WorldMaker) -> None:
    world = await make_world()
    await world.instagram_message("hi!")
    await world.order_event(
        "order.created", id="A-1044", number="1044", status="shipped",
        customer={"name": "Cara", "instagram_id": CARA_IG}, channel="instagram",
    )  # fmt: skip
    await world.deliver("1044")
    world.clock.advance(hours=23)
    await world.instagram_message("it came, thanks")
    await world.at(hours=1)
    sent = world.graph.requests[-1].body
    assert sent["recipient"] == {"id": CARA_IG}
    assert [reply["payload"] for reply in sent["message"]["quick_replies"]] == [
        f"csat_{n}" for n in range(1, 6)
    ]
    assert all(reply["content_type"] == "text" for reply in sent["message"]["quick_replies"])

    await world.instagram_message("😍", payload="csat_5")  # the payload counts, whatever the title says
    satisfaction = (await world.order("1044"))["satisfaction"]
    assert (satisfaction["state"], satisfaction["score"], satisfaction["channel"]) == (
        "answered",
        5,
        "instagram",
    )


# -- answers --------------------------------------------------------------------------------------------


async def asked_ana(world: World) -> None:
    await delivered_to_ana(world)
    world.twilio.customer_wrote(ANA)
    await world.at(hours=24)
    assert len(world.asked_on_whatsapp()) == 1


async def test_a_tapped_quick_reply_is_the_answer(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    # the shop's template titles its buttons in words; Twilio posts the title as Body, the id as ButtonPayload
    await world.twilio_message(ANA, "Loved it", ButtonPayload="csat_5", ButtonText="Loved it")
    order = await world.order()
    assert (order["satisfaction"]["state"], order["satisfaction"]["score"]) == ("answered", 5)
    assert "Thank you for your feedback!" in world.whatsapp_to(ANA)[-1]["Body"]
    customer = await world.db.customers.find(world.shop.id, phone=ANA)
    assert customer is not None and [a["score"] for a in customer.satisfaction] == [5]
    assert world.staff_alerts() == []


async def test_a_text_answer_keeps_its_comment(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "4, but the box was crushed")
    order = await world.order()
    assert (order["satisfaction"]["score"], order["satisfaction"]["comment"]) == (
        4,
        "but the box was crushed",
    )
    progress = await world.api(f"/orders/{order['order_id']}/progress")
    assert "rated 4/5 by whatsapp: but the box was crushed" in [e["note"] for e in progress["timeline"]]
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["whatsapp"] == {
        "asked": 1, "answered": 1, "average": 4.0, "satisfied_share": 1.0, "response_rate": 1.0,
    }  # fmt: skip


async def test_a_number_is_no_score_without_an_open_request_nor_an_order_number_with_one(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await world.new_order(phone=ANA)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "4")
    assert (await world.order())["satisfaction"] is None
    await world.deliver()
    await world.at(hours=24)
    await world.twilio_message(ANA, "1042")  # her order's number, while the request is open
    assert "1042" in world.whatsapp_to(ANA)[-1]["Body"]
    await world.twilio_message(ANA, "2 items missing")
    order = await world.order()
    assert order["satisfaction"]["state"] == "asked"


async def test_a_low_score_alerts_staff_at_once_with_the_order(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "2 - the box arrived crushed")
    [alert] = world.staff_alerts()
    assert "#1042" in alert and "2/5" in alert and "the box arrived crushed" in alert
    order = await world.order()
    assert "customer_waiting" in [r for item in (await world.api("/orders/requiring-attention"))["orders"]
                                  if item["order_id"] == order["order_id"] for r in item["reasons"]]  # fmt: skip
    assert "sorry" in world.whatsapp_to(ANA)[-1]["Body"]


async def test_an_answer_counts_once(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "5")
    await world.twilio_message(ANA, "1")  # later, after it was answered: a message like any other
    order = await world.order()
    assert order["satisfaction"]["score"] == 5
    assert world.staff_alerts() == []


async def test_a_score_days_after_the_request_is_no_longer_an_answer(make_world: WorldMaker) -> None:
    world = await make_world()
    await asked_ana(world)
    world.clock.advance(days=3, seconds=1)
    world.twilio.customer_wrote(ANA)
    await world.twilio_message(ANA, "5")
    assert (await world.order())["satisfaction"]["state"] == "asked"


# -- email links ----------------------------------------------------------------------------------------


async def asked_by_email(world: World) -> dict[int, str]:
    """Order 1045 of Dan, who has only an email address: asked by email; the link path for each score."""
    await world.order_event(
        "order.created", id="A-1045", number="1045", status="shipped",
        customer={"name": "Dan Brown", "email": "dan@example.com"},
    )  # fmt: skip
    await world.deliver("1045")
    await world.at(hours=24)
    mail = world.smtp.mailbox.received[-1].message()
    text = mail.get_body(("plain",))
    assert text is not None
    lines = text.get_content().splitlines()
    links = [
        found.groups()
        for line in lines
        if (found := re.fullmatch(rf"(\d) \S+\s+{re.escape(PUBLIC_URL)}(/csat/\S+)", line))
    ]
    assert sorted(score for score, _ in links) == ["1", "2", "3", "4", "5"]
    return {int(score): path for score, path in links}


async def test_an_email_link_answers_once_after_the_customer_confirms(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    assert (await world.order("1045"))["satisfaction"]["channel"] == "email"

    page = await world.client.get(links[4])
    assert page.status == 200 and "4 out of 5" in await page.text()
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"  # opening a link records nothing

    answered = await world.client.post(links[4], data={"comment": "Lovely beans"})
    assert answered.status == 200, await answered.text()
    satisfaction = (await world.order("1045"))["satisfaction"]
    assert (satisfaction["score"], satisfaction["comment"]) == (4, "Lovely beans")

    again = await world.client.post(links[1], data={})
    assert again.status == 409
    assert (await world.order("1045"))["satisfaction"]["score"] == 4
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["email"]["answered"] == 1


async def test_a_changed_email_link_is_refused(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    header, _, signature = links[5].removeprefix("/csat/").split(".")
    swapped = f"/csat/{header}.{links[1].removeprefix('/csat/').split('.')[1]}.{signature}"  # score 1, 5's signature
    tampered = links[5][:-2] + ("AA" if not links[5].endswith("AA") else "BB")
    for path in (swapped, tampered, "/csat/not-a-token"):
        assert (await world.client.get(path)).status == 400
        assert (await world.client.post(path, data={})).status == 400
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"
    world.clock.advance(days=14)  # the links work as long as the request takes answers
    assert (await world.client.post(links[5], data={})).status == 410
    assert (await world.order("1045"))["satisfaction"]["state"] == "asked"


async def test_a_low_score_by_email_alerts_staff(make_world: WorldMaker) -> None:
    world = await make_world()
    links = await asked_by_email(world)
    response = await world.client.post(links[1], data={"comment": "Never arrived complete"})
    assert response.status == 200
    await world.sends.dispatch()
    [alert] = world.staff_alerts()
    assert "#1045" in alert and "1/5" in alert


# -- stats ----------------------------------------------------------------------------------------------


async def test_stats_carry_average_share_of_4_and_5_and_response_rate_per_channel(
    make_world: WorldMaker,
) -> None:
    world = await make_world()
    await asked_ana(world)
    await world.twilio_message(ANA, "5")
    for number, phone in (("1050", "+4915112345601"), ("1051", "+4915112345602"), ("1052", "+4915112345603")):
        world.twilio.customer_wrote(phone)
        await world.twilio_message(phone, "hello")
        await world.new_order(number, phone=phone)
        await world.deliver(number)
    world.twilio.customer_wrote("+4915112345601")
    world.twilio.customer_wrote("+4915112345602")
    world.twilio.customer_wrote("+4915112345603")
    await world.at(hours=24)
    await world.twilio_message("+4915112345601", "2")
    await world.twilio_message("+4915112345602", "4 lovely")  # "lovely" is no comment word: not an answer
    await world.twilio_message("+4915112345602", "4")
    links = await asked_by_email(world)
    assert (await world.client.post(links[3], data={})).status == 200
    stats = (await world.api("/orders/stats"))["satisfaction"]
    assert stats["by_channel"]["whatsapp"] == {
        "asked": 4, "answered": 3, "average": round((5 + 2 + 4) / 3, 2), "satisfied_share": round(2 / 3, 4),
        "response_rate": 0.75,
    }  # fmt: skip
    assert stats["by_channel"]["email"] == {
        "asked": 1, "answered": 1, "average": 3.0, "satisfied_share": 0.0, "response_rate": 1.0,
    }  # fmt: skip
    assert (stats["asked"], stats["answered"], stats["average"]) == (5, 4, 3.5)
    assert stats["satisfied_share"] == 0.5 and stats["response_rate"] == 0.8
