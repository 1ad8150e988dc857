"""Twilio SMS and WhatsApp through the real app, the real database and the real twilio SDK.

Webhooks are signed with the SDK's own ``RequestValidator`` over the public URL; outbound messages go
through the SDK's async client to the Messages API stand-in in ``tests/standins/twilio.py``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer, unused_port
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase
from pytest_aiohttp import AiohttpClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels.base import ChannelName, OutboundMessage, SendError, Template
from channels.twilio import EMPTY_TWIML, TwilioChannel, TwilioChannels, open_twilio
from orders.model import DeliveryState, Direction, Message, MessageId, Shop, new_id
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock
from tests.standins.twilio import TwilioStandIn
from webhooks.app import build_app
from webhooks.bootstrap import Parts
from webhooks.keys import INBOX, TWILIO
from webhooks.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "twilio"
ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
PUBLIC_URL = "https://orderbot.example.com"
SHOP_SMS, SHOP_WHATSAPP = "+14155550132", "+14155238886"
CUSTOMER_SMS, CUSTOMER_WHATSAPP = "+14155550199", "+4915112345678"
MESSAGES, STATUS = "/webhooks/twilio/messages", "/webhooks/twilio/status"


def fixture(name: str, **changes: str) -> dict[str, str]:
    payload: dict[str, str] = json.loads((FIXTURES / f"{name}.json").read_text())
    return {**payload, **changes}


def signature(
    params: dict[str, str], *, path: str = MESSAGES, token: str = AUTH_TOKEN, url: str | None = None
) -> str:
    validator = RequestValidator(token)
    return str(validator.compute_signature(url or f"{PUBLIC_URL}{path}", params))


async def post(
    client: TestClient[Any, Any], params: dict[str, str], *, path: str = MESSAGES, **signing: str
) -> ClientResponse:
    """Deliver ``params`` as Twilio does: a signed form POST."""
    headers = {"X-Twilio-Signature": signature(params, path=path, **signing)}
    return await client.post(path, data=params, headers=headers)


Raw = AsyncDatabase[dict[str, Any]]


async def count(raw: Raw, collection: str) -> int:
    return await raw[collection].count_documents({})


class Heard:
    """A delivery listener that remembers what it was told (the notifier's place in the app)."""

    def __init__(self) -> None:
        self.states: list[tuple[str, str]] = []

    async def on_delivery(self, message: Message) -> None:
        self.states.append((message.provider_id, message.state.value))


@dataclass
class Twilio:
    """The app under test, its Twilio channels, the stand-in and the shop that owns both numbers."""

    client: TestClient[Any, Any]
    channels: TwilioChannels
    standin: TwilioStandIn
    shop: Shop
    db: Database
    raw: Raw
    heard: Heard


@pytest.fixture
async def standin_url(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[TwilioStandIn, str]:
    standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(standin.app())
    return standin, f"http://{server.host}:{server.port}"


@pytest.fixture
def raw(db: Database, settings: Settings) -> Raw:
    """The test's database as documents, for counting what was (not) written."""
    return db.client[settings.mongodb_db]


@pytest.fixture
def twilio_settings(settings: Settings, standin_url: tuple[TwilioStandIn, str]) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_base_url": standin_url[1],
        }
    )


@pytest.fixture
async def twilio(
    aiohttp_client: AiohttpClient,
    twilio_settings: Settings,
    standin_url: tuple[TwilioStandIn, str],
    db: Database,
    raw: Raw,
    clock: Clock,
) -> Twilio:
    shop = new_shop("Acme Coffee", clock(), sms_number=SHOP_SMS, whatsapp_number=SHOP_WHATSAPP)
    await db.shops.add(shop)
    heard = Heard()
    app = build_app(twilio_settings, clock=clock, parts=Parts(delivery_listener=heard))
    client = await aiohttp_client(app)
    return Twilio(client, app[TWILIO], standin_url[0], shop, db, raw, heard)


async def handled(twilio: Twilio) -> None:
    """Wait until what the webhooks acknowledged is handled: it then moves from the inbox to ``messages``."""
    server = twilio.client.server
    assert isinstance(server, TestServer)
    await server.app[INBOX].drain()
    assert await count(twilio.raw, "inbox") == 0


async def inbound(twilio: Twilio) -> list[Message]:
    """The incoming messages stored for the shop, once handled."""
    await handled(twilio)
    docs = twilio.raw["messages"].find({"direction": "in"})
    return [await twilio.db.messages.get(twilio.shop.id, doc["_id"]) async for doc in docs]


async def assert_nothing_stored(raw: Raw) -> None:
    assert await count(raw, "inbox") == 0
    assert await count(raw, "messages") == 0
    assert await count(raw, "customers") == 0


# -- incoming messages --------------------------------------------------------------------------------


async def test_sms_is_stored_once_with_a_new_customer_and_answered_with_empty_twiml(twilio: Twilio) -> None:
    params = fixture("sms_inbound")
    response = await post(twilio.client, params)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/xml"
    assert await response.text() == EMPTY_TWIML

    [message] = await inbound(twilio)
    assert (message.channel, message.provider_id) == ("sms", params["MessageSid"])
    assert (message.sender, message.recipient) == (CUSTOMER_SMS, SHOP_SMS)
    assert message.body == "Where is my order #1001?" and message.shop_id == twilio.shop.id
    customer = await twilio.db.customers.get(twilio.shop.id, message.customer_id or "")
    assert customer.phones == [CUSTOMER_SMS]


async def test_whatsapp_addresses_lose_their_prefix(twilio: Twilio) -> None:
    response = await post(twilio.client, fixture("whatsapp_text"))
    assert response.status == 200, await response.text()
    assert await response.text() == EMPTY_TWIML

    [message] = await inbound(twilio)
    assert message.channel == "whatsapp"
    assert (message.sender, message.recipient) == (CUSTOMER_WHATSAPP, SHOP_WHATSAPP)
    assert message.body == "Hi! Where is my order 1001? 📦"
    server = twilio.client.server
    assert isinstance(server, TestServer)
    await server.app[INBOX].drain()  # the window opens when the message is handled
    customer = await twilio.db.customers.get(twilio.shop.id, message.customer_id or "")
    assert customer.phones == [CUSTOMER_WHATSAPP]
    assert "whatsapp" in customer.last_inbound


@pytest.mark.parametrize("together", [False, True], ids=["one-after-another", "at-once"])
async def test_a_retried_delivery_stores_one_message(twilio: Twilio, together: bool) -> None:
    params = fixture("whatsapp_text")
    if together:
        responses = await asyncio.gather(*(post(twilio.client, params) for _ in range(3)))
    else:
        responses = [await post(twilio.client, params) for _ in range(3)]
    for response in responses:
        assert response.status == 200
        assert await response.text() == EMPTY_TWIML
    await handled(twilio)
    # the one message in (its reply, out, may be recorded by now too: it is sent the moment it is queued)
    assert await twilio.raw["messages"].count_documents({"direction": "in"}) == 1
    assert await count(twilio.raw, "customers") == 1


async def test_the_same_number_on_sms_and_whatsapp_is_one_customer(twilio: Twilio) -> None:
    await post(twilio.client, fixture("whatsapp_text"))
    await post(twilio.client, fixture("sms_inbound", From=CUSTOMER_WHATSAPP))
    await handled(twilio)
    assert await twilio.raw["messages"].count_documents({"direction": "in"}) == 2  # the answers go out too
    assert await count(twilio.raw, "customers") == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("whatsapp_media", [("image/jpeg", "MediaUrl0")]),
        ("sms_mms", [("image/jpeg", "MediaUrl0"), ("image/png", "MediaUrl1")]),
    ],
)
async def test_media_is_stored_with_urls_and_types(
    twilio: Twilio, name: str, expected: list[tuple[str, str]]
) -> None:
    params = fixture(name)
    response = await post(twilio.client, params)
    assert response.status == 200, await response.text()
    [message] = await inbound(twilio)
    stored = [(a.content_type, a.url) for a in message.attachments]
    assert stored == [(kind, params[field]) for kind, field in expected]
    assert message.body == params["Body"]


# -- refusals write nothing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"X-Twilio-Signature": ""}, id="empty"),
        pytest.param({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, id="wrong"),
        pytest.param(
            {"X-Twilio-Signature": signature(fixture("sms_inbound"), token="f" * 32)}, id="other-token"
        ),
        pytest.param(
            {
                "X-Twilio-Signature": signature(
                    fixture("sms_inbound"), url=f"https://evil.example.com{MESSAGES}"
                )
            },
            id="other-url",
        ),
        pytest.param(
            {"X-Twilio-Signature": signature(fixture("sms_inbound", Body="Where is my order #1002?"))},
            id="other-body",
        ),
    ],
)
async def test_a_bad_signature_is_refused_and_nothing_stored(twilio: Twilio, headers: dict[str, str]) -> None:
    response = await twilio.client.post(MESSAGES, data=fixture("sms_inbound"), headers=headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bad_signature"
    await assert_nothing_stored(twilio.raw)


async def test_a_signature_over_the_internal_url_is_refused_behind_a_proxy(twilio: Twilio) -> None:
    params = fixture("sms_inbound")
    internal = str(twilio.client.make_url(MESSAGES))
    response = await post(twilio.client, params, url=internal)
    assert response.status == 403
    await assert_nothing_stored(twilio.raw)


async def test_without_an_auth_token_twilio_is_not_configured(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, raw: Raw
) -> None:
    app = build_app(settings.model_copy(update={"public_url": PUBLIC_URL}), clock=clock)
    client = await aiohttp_client(app)
    assert app.get(TWILIO) is None
    for path, name in ((MESSAGES, "sms_inbound"), (STATUS, "status_sent")):
        response = await post(client, fixture(name), path=path)
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "not_configured"
    await assert_nothing_stored(raw)


async def test_a_number_no_shop_uses_is_not_found(twilio: Twilio) -> None:
    response = await post(twilio.client, fixture("sms_inbound", To="+14155550000"))
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    # the shop's WhatsApp number on SMS is not its SMS number
    response = await post(twilio.client, fixture("sms_inbound", To=SHOP_WHATSAPP))
    assert response.status == 404
    await assert_nothing_stored(twilio.raw)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"MessageSid": ""}, id="no-MessageSid"),
        pytest.param({"From": ""}, id="no-From"),
        pytest.param({"To": ""}, id="no-To"),
        pytest.param({"From": "ACME"}, id="From-not-E164"),
        # Twilio writes numbers in ASCII digits; Python's \d and int() would also take these
        pytest.param({"From": "+1\uff14155550202"}, id="From-fullwidth-digit"),
        pytest.param(
            {"From": "+1\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0662\u0660\u0662"},
            id="From-Arabic-Indic-digits",
        ),
        pytest.param({"NumMedia": "\uff11"}, id="NumMedia-fullwidth-digit"),
        pytest.param({"To": "whatsapp:" + SHOP_WHATSAPP}, id="mixed-channels"),
        pytest.param({"NumMedia": "two"}, id="bad-NumMedia"),
    ],
)
async def test_a_malformed_form_is_refused_and_nothing_stored(
    twilio: Twilio, changes: dict[str, str]
) -> None:
    params = {key: value for key, value in fixture("sms_inbound", **changes).items() if value}
    response = await post(twilio.client, params)
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["code"] == "malformed"
    await assert_nothing_stored(twilio.raw)


async def test_a_whatsapp_sender_with_a_fullwidth_digit_is_not_e164_and_nothing_is_stored(
    twilio: Twilio,
) -> None:
    """A WhatsApp sender with a fullwidth digit is not a WhatsApp address: refused before any customer exists.

    The answer is the 400 every malformed form gets. Only a holder of the auth token can sign such a form
    (Twilio never sends one), so the alert Twilio's debugger raises for a 4xx is the point: a 200 would
    hide it. Twilio does not retry incoming messages, so a 400 costs no redelivery.
    """
    params = fixture("whatsapp_text", From="whatsapp:+1\uff14155550202")
    response = await post(twilio.client, params)
    assert response.status == 400, await response.text()
    answer = await response.json()
    assert answer["error"] == {"code": "malformed", "message": "From is not an E.164 phone number"}
    await assert_nothing_stored(twilio.raw)
    # the same message from the number in ASCII digits is a customer's
    response = await post(twilio.client, fixture("whatsapp_text", From="whatsapp:+14155550202"))
    assert response.status == 200, await response.text()
    [message] = await inbound(twilio)
    assert message.sender == "+14155550202"


# -- delivery status --------------------------------------------------------------------------------


async def outbound(twilio: Twilio, channel: ChannelName, provider_id: str, clock: Clock) -> None:
    """What the notifier records after a send: the outbound message, queued, under Twilio's SID."""
    customer = CUSTOMER_WHATSAPP if channel is ChannelName.WHATSAPP else CUSTOMER_SMS
    shop_number = SHOP_WHATSAPP if channel is ChannelName.WHATSAPP else SHOP_SMS
    message = Message(
        id=MessageId(new_id("msg")),
        shop_id=twilio.shop.id,
        channel=channel.value,
        direction=Direction.OUTBOUND,
        provider_id=provider_id,
        sender=shop_number,
        recipient=customer,
        body="Your order 1001 has shipped",
        state=DeliveryState.QUEUED,
        created_at=clock(),
        updated_at=clock(),
    )
    assert await twilio.db.messages.add(message)


async def state_of(twilio: Twilio, channel: str, sid: str) -> tuple[str, str | None]:
    message = await twilio.db.messages.by_provider_id(channel, sid)
    assert message is not None
    return message.state.value, message.error_code


async def test_status_callbacks_move_a_sent_message_forward_never_back(twilio: Twilio, clock: Clock) -> None:
    receipt = await twilio.channels.whatsapp.send(
        OutboundMessage(ChannelName.WHATSAPP, CUSTOMER_WHATSAPP, SHOP_WHATSAPP, "Your order 1001 has shipped")
    )
    await outbound(twilio, ChannelName.WHATSAPP, receipt.provider_id, clock)
    sid = {"MessageSid": receipt.provider_id, "SmsSid": receipt.provider_id}
    for name, state in (("status_sent", "sent"), ("status_delivered", "delivered"), ("status_read", "read")):
        clock.advance(seconds=5)
        response = await post(twilio.client, fixture(name, **sid), path=STATUS)
        assert response.status == 204, await response.text()
        assert await state_of(twilio, "whatsapp", receipt.provider_id) == (state, None)

    late = await post(twilio.client, fixture("status_sent", **sid), path=STATUS)  # arrives after "read"
    assert late.status == 204
    assert await state_of(twilio, "whatsapp", receipt.provider_id) == ("read", None)
    # the notifier hears each callback, with the message as stored
    assert [state for _, state in twilio.heard.states] == ["sent", "delivered", "read", "read"]


async def test_a_late_sent_after_delivered_does_not_move_it_back(twilio: Twilio, clock: Clock) -> None:
    sid = fixture("status_delivered")["MessageSid"]
    await outbound(twilio, ChannelName.WHATSAPP, sid, clock)
    await post(twilio.client, fixture("status_delivered"), path=STATUS)
    await post(twilio.client, fixture("status_sent"), path=STATUS)
    assert await state_of(twilio, "whatsapp", sid) == ("delivered", None)


@pytest.mark.parametrize(
    ("name", "state", "code"),
    [("status_failed_30003", "failed", "30003"), ("status_undelivered_30005", "undelivered", "30005")],
)
async def test_a_failed_delivery_keeps_the_error_code(
    twilio: Twilio, clock: Clock, name: str, state: str, code: str
) -> None:
    params = fixture(name)
    await outbound(twilio, ChannelName.SMS, params["MessageSid"], clock)
    response = await post(twilio.client, params, path=STATUS)
    assert response.status == 204
    assert await state_of(twilio, "sms", params["MessageSid"]) == (state, code)


async def test_a_status_for_an_unknown_message_changes_nothing(twilio: Twilio) -> None:
    response = await post(twilio.client, fixture("status_delivered"), path=STATUS)
    assert response.status == 204
    assert await count(twilio.raw, "messages") == 0
    assert twilio.heard.states == []


async def test_a_badly_signed_status_callback_changes_nothing(twilio: Twilio, clock: Clock) -> None:
    params = fixture("status_failed_30003")
    await outbound(twilio, ChannelName.SMS, params["MessageSid"], clock)
    response = await post(twilio.client, params, path=STATUS, token="f" * 32)
    assert response.status == 403
    response = await post(
        twilio.client, params, path=STATUS, url=f"{PUBLIC_URL}{MESSAGES}"
    )  # the other route
    assert response.status == 403
    assert await state_of(twilio, "sms", params["MessageSid"]) == ("queued", None)


async def test_a_status_callback_without_a_status_is_malformed(twilio: Twilio) -> None:
    params = fixture("status_sent", MessageStatus="")
    response = await post(twilio.client, params, path=STATUS)
    assert response.status == 400


# -- sending ----------------------------------------------------------------------------------------


async def test_sms_send_reaches_twilio_with_status_callback(twilio: Twilio) -> None:
    receipt = await twilio.channels.sms.send(
        OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "Order 1001 shipped. - Acme Coffee")
    )
    [sent] = twilio.standin.created
    assert sent.authorized and sent.account_sid == ACCOUNT_SID
    assert (sent["To"], sent["From"], sent["Body"]) == (
        CUSTOMER_SMS,
        SHOP_SMS,
        "Order 1001 shipped. - Acme Coffee",
    )
    assert sent["StatusCallback"] == f"{PUBLIC_URL}{STATUS}"
    assert sent.get("ContentSid") is None
    assert receipt.provider_id.startswith("SM") and len(receipt.provider_id) == 34
    assert receipt.state == "queued"


async def test_whatsapp_send_uses_prefixed_addresses_and_media(twilio: Twilio) -> None:
    media = ("https://cdn.example.com/label.png", "https://cdn.example.com/box.jpg")
    await twilio.channels.whatsapp.send(
        OutboundMessage(
            ChannelName.WHATSAPP, CUSTOMER_WHATSAPP, SHOP_WHATSAPP, "Here is your label 📦", media_urls=media
        )
    )
    [sent] = twilio.standin.created
    assert (sent["To"], sent["From"]) == (f"whatsapp:{CUSTOMER_WHATSAPP}", f"whatsapp:{SHOP_WHATSAPP}")
    assert sent["Body"] == "Here is your label 📦"
    assert sent.getall("MediaUrl") == list(media)


async def test_a_template_send_carries_content_sid_and_variables(twilio: Twilio) -> None:
    template = Template("HXb5b62575e6e4ff6129ad7c8efe1f983e", {"1": "Lena", "2": "1001"})
    await twilio.channels.whatsapp.send(
        OutboundMessage(
            ChannelName.WHATSAPP, CUSTOMER_WHATSAPP, SHOP_WHATSAPP, "fallback text", template=template
        )
    )
    [sent] = twilio.standin.created
    assert sent["ContentSid"] == "HXb5b62575e6e4ff6129ad7c8efe1f983e"
    assert json.loads(sent["ContentVariables"]) == {"1": "Lena", "2": "1001"}
    assert sent.get("Body") is None and sent.get("MediaUrl") is None


@pytest.mark.parametrize("status", [503, 500, 429])
async def test_overload_and_server_errors_are_transient(twilio: Twilio, status: int) -> None:
    twilio.standin.fail_next(status=status)
    with pytest.raises(SendError) as raised:
        await twilio.channels.sms.send(OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "hello"))
    assert raised.value.transient is True
    # the next attempt goes through
    receipt = await twilio.channels.sms.send(
        OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "hello")
    )
    assert receipt.provider_id.startswith("SM")
    assert [request.answered for request in twilio.standin.requests] == [status, 201]


@pytest.mark.parametrize("code", [21610, 21211, 21614, 63016])
async def test_refusals_are_permanent_with_twilio_code(twilio: Twilio, code: int) -> None:
    twilio.standin.fail_next(status=400, code=code)
    with pytest.raises(SendError) as raised:
        await twilio.channels.whatsapp.send(
            OutboundMessage(ChannelName.WHATSAPP, CUSTOMER_WHATSAPP, SHOP_WHATSAPP, "hello")
        )
    assert (raised.value.transient, raised.value.code) == (False, str(code))


async def test_a_timeout_after_the_request_was_sent_is_ambiguous_not_transient(
    standin_url: tuple[TwilioStandIn, str], clock: Clock
) -> None:
    standin, base_url = standin_url
    standin.stall_next(2.0)
    channels = open_twilio(
        auth_token=AUTH_TOKEN, account_sid=ACCOUNT_SID, clock=clock, base_url=base_url, timeout=0.2
    )
    try:
        with pytest.raises(SendError) as raised:
            await channels.sms.send(OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "hello"))
    finally:
        await channels.close()
    # Twilio took it and answered late: a retry would send it twice
    assert (raised.value.ambiguous, raised.value.transient, raised.value.code) == (True, False, "ambiguous")
    assert len(standin.created) == 1
    assert channels.closed


async def test_a_refused_connection_is_transient_not_ambiguous(clock: Clock) -> None:
    channels = open_twilio(
        auth_token=AUTH_TOKEN, account_sid=ACCOUNT_SID, clock=clock,
        base_url=f"http://127.0.0.1:{unused_port()}", timeout=2,
    )  # fmt: skip
    try:
        with pytest.raises(SendError) as raised:
            await channels.sms.send(OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "hello"))
    finally:
        await channels.close()
    assert (raised.value.ambiguous, raised.value.transient) == (False, True)


async def test_wrong_credentials_are_permanent(standin_url: tuple[TwilioStandIn, str], clock: Clock) -> None:
    standin, base_url = standin_url
    channels = open_twilio(auth_token="f" * 32, account_sid=ACCOUNT_SID, clock=clock, base_url=base_url)
    try:
        with pytest.raises(SendError) as raised:
            await channels.sms.send(OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "hello"))
    finally:
        await channels.close()
    assert (raised.value.transient, raised.value.code) == (False, "20003")
    assert standin.requests and not standin.requests[0].authorized


async def test_a_text_over_the_limit_is_refused_before_twilio(twilio: Twilio) -> None:
    channel: TwilioChannel = twilio.channels.sms
    with pytest.raises(SendError) as raised:
        await channel.send(OutboundMessage(ChannelName.SMS, CUSTOMER_SMS, SHOP_SMS, "x" * 1601))
    assert raised.value.transient is False
    assert twilio.standin.requests == []


def test_limits(clock: Clock) -> None:
    channels = open_twilio(auth_token=AUTH_TOKEN, clock=clock)
    assert (channels.sms.name, channels.sms.limits.max_length, channels.sms.limits.window_hours) == (
        ChannelName.SMS, 1600, None,
    )  # fmt: skip
    whatsapp = channels.whatsapp.limits
    assert (channels.whatsapp.name, whatsapp.max_length, whatsapp.window_hours) == (
        ChannelName.WHATSAPP,
        1600,
        24,
    )
    assert whatsapp.template_outside_window and not channels.sms.limits.template_outside_window


async def test_the_http_client_is_closed_on_app_cleanup(twilio: Twilio) -> None:
    assert not twilio.channels.closed
    await twilio.client.close()
    assert twilio.channels.closed
