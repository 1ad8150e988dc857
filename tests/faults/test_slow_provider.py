"""A provider that answers slowly or not at all (issue 8, fault d).

The Twilio stand-in hangs on one send (longer than the channel's timeout). While that send waits, other
customers of the same shop and another shop's customers write in: the dispatcher, running as in the
worker, sends their replies at once instead of waiting for the hung one. (The hung send then fails on the
channel's timeout; having reached the provider, it goes to review rather than being resent blindly.)
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from orders.service import new_shop
from orders.store import Database
from tests.conftest import Clock
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.keys import INBOX, NOTIFIER
from webhooks.settings import Settings

ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
PUBLIC_URL = "https://orderbot.example.com"
SHOP_A, SHOP_B = "+14155550141", "+14155550142"


async def write_in(client: TestClient[Any, Any], sender: str, shop_number: str, sid: str) -> None:
    params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": shop_number,
              "Body": "where is my order?", "NumMedia": "0"}  # fmt: skip
    path = "/webhooks/twilio/messages"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}{path}", params)
    response = await client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status == 200, await response.text()


async def sent_within(twilio: TwilioStandIn, recipients: set[str], seconds: float) -> float:
    """Seconds until the stand-in has created a message to each of ``recipients``; fails after ``seconds``."""
    started = time.monotonic()
    while not recipients <= {request["To"] for request in twilio.created}:
        assert time.monotonic() - started < seconds, f"replies held up: {recipients}"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_hung_send_holds_up_no_other_reply(
    aiohttp_client: AiohttpClient,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    db: Database,
    clock: Clock,
) -> None:
    twilio = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(twilio.app())
    configured = settings.model_copy(
        update={
            "public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN), "twilio_base_url": str(server.make_url("")).rstrip("/"),
        }
    )  # fmt: skip
    await db.shops.add(new_shop("Shop A", clock(), sms_number=SHOP_A))
    await db.shops.add(new_shop("Shop B", clock(), sms_number=SHOP_B))
    app = build_app(configured, clock=clock)
    client = await aiohttp_client(app)
    dispatcher = asyncio.create_task(app[NOTIFIER].run_forever(idle_seconds=0.02))
    try:
        twilio.stall_next(60)  # the provider never answers this one (the channel gives up after 10 s)
        await write_in(client, "+14155557001", SHOP_A, "SM" + "a" * 32)
        await app[INBOX].drain()
        await asyncio.sleep(0.3)  # the dispatcher has sent it and is waiting on the provider's answer
        assert [request["To"] for request in twilio.created] == ["+14155557001"]

        await write_in(client, "+14155557002", SHOP_A, "SM" + "b" * 32)  # the same shop's next customer
        await write_in(client, "+14155557003", SHOP_B, "SM" + "c" * 32)  # another shop's customer
        await app[INBOX].drain()
        await sent_within(twilio, {"+14155557002", "+14155557003"}, seconds=3.0)
        assert [request["To"] for request in twilio.created].count("+14155557001") == 1  # still hanging, once
    finally:
        dispatcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatcher
