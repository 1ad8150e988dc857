"""Instagram linking through the real app: what a proof opens, and how far guessing gets.

Signed Instagram and WhatsApp webhooks go in; replies are read where they leave, at the Graph API and Twilio
stand-ins, and staff alerts at the Telegram stand-in. Orders come in through the signed order webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.linking import ACCOUNT_FAILURES, ORDER_FAILURES, SPAN
from channels.instagram import sign as sign_instagram
from orders.model import Shop
from orders.service import new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background
from tests.standins.graph import GraphStandin
from tests.standins.telegram import TelegramStandin
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import NOTIFIER
from webhooks.settings import Settings
from webhooks.shop_platforms.generic import sign as sign_order

APP_SECRET = "ig-app-secret-for-tests"
ACCESS_TOKEN = "IGAAtest-access-token"
ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
BOT_TOKEN = "7000000001:AAE-linking-test-token"
PUBLIC_URL = "https://orderbot.example.com"
SHOP_IG, SHOP_WHATSAPP, STAFF = "17841400000000001", "+14155238886", 5012345678

VICTIM_PHONE, VICTIM_EMAIL = "+14155550101", "victim@example.com"
ATTACKER_PHONE = "+14155550999"  # last 4 digits: 0999
ATTACKER, HONEST, OTHER = "6543210987650001", "6543210987650002", "6543210987650003"

NOT_LINKED = "Sorry, those details don't match an order I can share. Please check and try again."

_ids = itertools.count(1)


@dataclass
class Shopfront:
    """The running app with its stand-ins, and the shop's customers as they write to it."""

    client: TestClient[Any, Any]
    shop: Shop
    db: Database
    clock: Clock
    graph: GraphStandin
    twilio: TwilioStandIn
    telegram: TelegramStandin
    seen: dict[str, int] = field(default_factory=dict)

    async def dm(self, account: str, text: str) -> str:
        """The account writes on Instagram; returns the reply the Graph API was asked to send it."""
        self.clock.advance(seconds=15)  # people type: stay clear of the inbox's flood limit
        await self.deliver_dms([(account, text)])
        [reply] = self.replies_to(account)
        return reply

    async def deliver_dms(self, messages: list[tuple[str, str]]) -> None:
        """Signed deliveries of Instagram messages, all at once; handled and answered before returning."""
        at = int(self.clock().timestamp() * 1000)
        bodies = [
            json.dumps({"object": "instagram", "entry": [{"id": SHOP_IG, "time": at, "messaging": [{
                "sender": {"id": account}, "recipient": {"id": SHOP_IG}, "timestamp": at,
                "message": {"mid": f"m_linking_{next(_ids)}", "text": text},
            }]}]}).encode()
            for account, text in messages
        ]  # fmt: skip
        responses = await asyncio.gather(*(
            self.client.post("/webhooks/instagram", data=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sign_instagram(APP_SECRET, body),
            })
            for body in bodies
        ))  # fmt: skip
        assert [r.status for r in responses] == [200] * len(bodies)
        await self.settle()

    def replies_to(self, account: str) -> list[str]:
        """Replies sent to ``account`` since this was last asked."""
        sent = [
            r.body["message"]["text"] for r in self.graph.requests if r.body["recipient"]["id"] == account
        ]
        new, self.seen[account] = sent[self.seen.get(account, 0) :], len(sent)
        return new

    async def whatsapp(self, phone: str, text: str) -> str:
        self.clock.advance(seconds=15)
        params = {
            "MessageSid": f"SM{next(_ids):032x}", "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
            "To": f"whatsapp:{SHOP_WHATSAPP}", "Body": text, "NumMedia": "0",
        }  # fmt: skip
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            f"{PUBLIC_URL}/webhooks/twilio/messages", params
        )
        response = await self.client.post(
            "/webhooks/twilio/messages", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status == 200, await response.text()
        await self.settle()
        return str([r["Body"] for r in self.twilio.created if r["To"] == f"whatsapp:{phone}"][-1])

    async def settle(self) -> None:
        """Wait for the answers the app sends at once, then for anything a dispatcher pass finds due."""
        await finish_background(self.client.app)
        while await self.client.app[NOTIFIER].run_once():
            await finish_background(self.client.app)

    async def order(self, number: str, **order: Any) -> None:
        payload = {"id": f"ext-{number}", "number": number, "total": "20.00", "currency": "USD", **order}
        body = json.dumps({"event": "order.created", "order": payload}).encode()
        response = await self.client.post(
            f"/webhooks/orders/{self.shop.id}", data=body,
            headers={"X-Orderbot-Signature": sign_order(self.shop.webhook_secret, body)},
        )  # fmt: skip
        assert response.status == 200, await response.text()
        await self.settle()

    def staff_alerts(self) -> list[str]:
        return [sent.text for sent in self.telegram.messages_to(STAFF) if "🔒" in sent.text]


@pytest.fixture
async def front(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
) -> Shopfront:
    graph, twilio, telegram = (
        GraphStandin(ACCESS_TOKEN),
        TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN),
        TelegramStandin(BOT_TOKEN),
    )
    servers = [await aiohttp_server(standin.app()) for standin in (graph, twilio, telegram)]
    graph_url, twilio_url, telegram_url = (str(server.make_url("")).rstrip("/") for server in servers)
    configured = settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "instagram_app_secret": SecretStr(APP_SECRET),
            "instagram_verify_token": SecretStr("ig-verify-token"),
            "instagram_access_token": SecretStr(ACCESS_TOKEN),
            "graph_base_url": graph_url,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_base_url": twilio_url,
            "telegram_bot_token": SecretStr(BOT_TOKEN),
            "telegram_webhook_secret": SecretStr("telegram-secret"),
            "telegram_base_url": telegram_url,
        }
    )
    shop = new_shop(
        "Acme Coffee",
        clock(),
        instagram_id=SHOP_IG,
        whatsapp_number=SHOP_WHATSAPP,
        staff_telegram_ids=[STAFF],
    )
    await db.shops.add(shop)
    client = await aiohttp_client(build_app(configured, clock=clock))
    return Shopfront(client, shop, db, clock, graph, twilio, telegram)


async def victims_orders(front: Shopfront) -> None:
    """The victim's shipped order, and the attacker's: the attacker's own phone, the victim's email."""
    await front.order(
        "1001", status="shipped", customer={"name": "Vera Victim", "phone": VICTIM_PHONE, "email": VICTIM_EMAIL},
        tracking={"carrier": "UPS", "number": "1ZVICTIM", "url": "https://ups.example/1ZVICTIM"},
    )  # fmt: skip
    await front.order(
        "1004", status="processing",
        customer={"name": "Mallory", "phone": ATTACKER_PHONE, "email": VICTIM_EMAIL},
    )  # fmt: skip


# -- what a proof opens ---------------------------------------------------------------------------


async def test_proving_an_order_that_carries_the_victims_email_opens_that_order_only(
    front: Shopfront,
) -> None:
    await victims_orders(front)
    assert "verified" in await front.dm(ATTACKER, "order 1004, last 4 digits 0999")
    await front.order(
        "1007", status="shipped", customer={"name": "Vera Victim", "email": VICTIM_EMAIL},
        tracking={"carrier": "UPS", "number": "1ZLATER", "url": "https://ups.example/1ZLATER"},
    )  # fmt: skip

    answers = [
        await front.dm(ATTACKER, text)
        for text in (
            "where are my orders?",
            "show all my orders",
            "order 1001",
            "tracking for 1007",
            "any news?",
        )
    ]
    for answer in answers:
        for secret in ("1001", "1007", "1ZVICTIM", "1ZLATER", "ups.example", "Vera", "on its way"):
            assert secret not in answer.replace("order #1001", "").replace("order #1007", ""), answer
    # the victim's number gets what a number that does not exist gets
    assert answers[2] == (await front.dm(ATTACKER, "order 9999")).replace("9999", "1001")
    assert "#1004" in await front.dm(ATTACKER, "where is my order?")  # the proven order itself


async def test_an_honest_customer_sees_each_order_they_prove_and_only_those(front: Shopfront) -> None:
    await victims_orders(front)
    await front.order(
        "1009", status="shipped", customer={"name": "Hana Honest", "email": "hana@example.com"},
        tracking={"carrier": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
    )  # fmt: skip
    assert "last 4 digits" in await front.dm(HONEST, "where is my order 1009?")  # asked to prove first
    assert "verified" in await front.dm(HONEST, "order 1009, hana@example.com")
    status = await front.dm(HONEST, "where is 1009?")
    assert "#1009" in status and "https://dhl.example/JD0001" in status

    await front.order("1010", status="pending", customer={"name": "Hana Honest", "email": "hana@example.com"})
    assert "#1010" not in await front.dm(HONEST, "my orders")  # a later order with the same email: not yet
    assert "verified" in await front.dm(HONEST, "order 1010 email hana@example.com")
    listing = await front.dm(HONEST, "my orders")
    assert "#1009" in listing and "#1010" in listing and "#1001" not in listing


async def test_a_phone_that_asks_on_whatsapp_links_its_orders_by_code(front: Shopfront) -> None:
    """The phone is the channel the customer controls: its code, given on Instagram, opens that phone's
    orders there, later ones too. An order merely carrying that phone opens nothing more."""
    await victims_orders(front)
    assert "#1001" in await front.whatsapp(VICTIM_PHONE, "where is my order")  # the phone sees its own

    # the attacker types the victim's phone at checkout and proves the order with their own email
    await front.order("1020", customer={"name": "Mallory", "phone": VICTIM_PHONE, "email": "mal@example.com"})
    assert "verified" in await front.dm(ATTACKER, "order 1020 mal@example.com")
    assert "#1001" not in await front.dm(ATTACKER, "my orders")
    assert await front.dm(ATTACKER, "code 00000000") == NOT_LINKED  # no code of its own to give

    offer = await front.whatsapp(VICTIM_PHONE, "please link my instagram")
    [code] = [word for word in offer.replace(")", " ").split() if word.isdigit() and len(word) == 8]
    assert "verified" in await front.dm(OTHER, f"Code: {code[:4]} {code[4:]}")
    listing = await front.dm(OTHER, "show my orders")
    assert "#1001" in listing and "#1004" not in listing
    await front.order("1030", status="processing", customer={"name": "Vera Victim", "phone": VICTIM_PHONE})
    assert "#1030" in await front.dm(OTHER, "my orders")  # later orders of the phone, without a new proof

    assert await front.dm(ATTACKER, f"code {code}") == NOT_LINKED  # used once, then gone
    stale = (await front.whatsapp(ATTACKER_PHONE, "link instagram")).split("code ")[1][:8]
    front.clock.advance(minutes=16)
    assert await front.dm(ATTACKER, f"code {stale}") == NOT_LINKED  # and only within 15 minutes


async def test_accounts_linked_the_old_way_keep_only_the_order_they_proved(
    aiohttp_client: AiohttpClient, front: Shopfront, settings: Settings
) -> None:
    await victims_orders(front)
    attacker = await front.db.customers.find_or_create(
        front.shop.id, now=front.clock(), instagram_id=ATTACKER
    )
    order = await front.db.orders.find_number(front.shop.id, "1004")
    assert order is not None
    raw = front.db.client[settings.mongodb_db]
    # an earlier version: proving 1004 set its phone and email on the account, and the "verified" reply was
    # queued about 1004 (replies before it carried no order)
    await raw.customers.update_one(
        {"_id": attacker.id}, {"$set": {"verified_phones": [ATTACKER_PHONE], "email": VICTIM_EMAIL}}
    )
    await raw.outbox.insert_one({
        "_id": "ntf_old_link", "shop_id": front.shop.id, "order_id": order.id, "customer_id": attacker.id,
        "kind": "reply", "channel": "instagram", "message": "Thanks, you're verified!", "state": "sent",
        "due_at": front.clock(), "created_at": front.clock(), "idempotency_key": "reply:msg_old",
    })  # fmt: skip
    stranger = await front.db.customers.find_or_create(front.shop.id, now=front.clock(), instagram_id=OTHER)
    await raw.customers.update_one({"_id": stranger.id}, {"$set": {"email": VICTIM_EMAIL}})
    # and every customer it stored carried an empty list of them
    await raw.customers.insert_one(
        {"_id": "cus_old_plain", "shop_id": front.shop.id, "phones": [VICTIM_PHONE], "verified_phones": [],
         "created_at": front.clock()}
    )  # fmt: skip

    await front.db.ensure_indexes()  # what the upgraded app does at start
    listing = await front.dm(ATTACKER, "my orders")
    assert "#1004" in listing and "#1001" not in listing
    assert "last 4 digits" in await front.dm(OTHER, "my orders")  # nothing to show it proved: prove again
    assert "#1001" in await front.whatsapp(VICTIM_PHONE, "my orders")  # a phone customer is untouched
    assert (
        await raw.customers.count_documents(
            {"$or": [{"email": {"$exists": True}}, {"verified_phones": {"$exists": True}}]}
        )
        == 0
    )


# -- guessing -------------------------------------------------------------------------------------


async def test_past_the_order_limit_a_right_proof_answers_like_a_wrong_one_and_staff_hear_once(
    front: Shopfront,
) -> None:
    await victims_orders(front)
    wrong_number = await front.dm(ATTACKER, "order 5555, last 4 digits 0999")
    wrong_digits = await front.dm(ATTACKER, "order 1004, last 4 digits 1234")
    assert wrong_number == wrong_digits == NOT_LINKED  # a wrong number and a wrong last 4 alike
    for guess in range(1, ORDER_FAILURES):  # the rest of the order's allowance, from another account
        assert await front.dm(OTHER, f"order 1004 last 4 digits {guess:04d}") == NOT_LINKED
    assert len(front.staff_alerts()) == 1
    [alert] = front.staff_alerts()
    assert "#1004" in alert

    right = await front.dm(HONEST, "order 1004, last 4 digits 0999")
    assert right.encode() == wrong_digits.encode()  # byte for byte
    assert "last 4 digits" in await front.dm(HONEST, "where is my order")  # and it linked nothing
    for _ in range(3):
        assert await front.dm(HONEST, "order 1004, last 4 digits 0999") == NOT_LINKED
    assert len(front.staff_alerts()) == 1  # once

    front.clock.advance(hours=12)
    assert await front.dm(HONEST, "order 1004, last 4 digits 0999") == NOT_LINKED  # within 24 h still
    front.clock.advance(seconds=SPAN.total_seconds() - 12 * 3600 + 3600)
    assert "verified" in await front.dm(HONEST, "order 1004, last 4 digits 0999")


async def test_past_the_account_limit_every_proof_of_that_account_is_refused(front: Shopfront) -> None:
    await victims_orders(front)
    for number in range(2000, 2000 + ACCOUNT_FAILURES):  # one guess per order: no order's limit is reached
        assert await front.dm(ATTACKER, f"order {number} last 4 digits 0999") == NOT_LINKED
    assert len(front.staff_alerts()) == 1
    assert await front.dm(ATTACKER, "order 1004, last 4 digits 0999") == NOT_LINKED  # its own, right
    assert "verified" in await front.dm(OTHER, "order 1004, last 4 digits 0999")  # others are not held up
    assert len(front.staff_alerts()) == 1


async def test_concurrent_guesses_are_counted_exactly(front: Shopfront, settings: Settings) -> None:
    await victims_orders(front)
    accounts = [f"65432109876{i:05d}" for i in range(20)]
    await front.deliver_dms(
        [(account, f"order 1004 last 4 digits {i:04d}") for i, account in enumerate(accounts)]
    )
    assert all(front.replies_to(account) == [NOT_LINKED] for account in accounts)
    counted = front.db.client[settings.mongodb_db].rate_limits.find({"_id": {"$regex": ":order:1004\\|"}})
    assert sum([doc["count"] async for doc in counted]) == ORDER_FAILURES
    assert len(front.staff_alerts()) == 1
    assert await front.dm(HONEST, "order 1004, last 4 digits 0999") == NOT_LINKED


async def test_one_counter_taken_from_at_once_lets_exactly_the_limit_through(
    db: Database, clock: Clock
) -> None:
    taken = await asyncio.gather(
        *(db.proof_attempts.take("link:test", clock(), limit=5, span=timedelta(hours=24)) for _ in range(40))
    )
    assert sum(t is not None for t in taken) == 5
    assert sorted(t.total for t in taken if t is not None)[-1] == 5
