"""Instagram: Meta's webhooks into the real app and database, and sends to a stand-in of the Graph Send API.

Webhook bodies are the fixtures in ``tests/fixtures/instagram``, shaped like Meta's documented messaging
notifications (Instagram API with Instagram Login) and signed as Meta signs them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer, unused_port
from pydantic import SecretStr

from channels.base import ChannelName, Limits, OutboundMessage, SendError
from channels.instagram import GRAPH_VERSION, InstagramChannel, graph_error, send_allowed, sign
from orders.model import DeliveryState, Direction, Message, MessageId, Shop, new_id
from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Clock, finish_background
from tests.standins.graph import GraphStandin
from webhooks.app import build_app
from webhooks.keys import INBOX, INSTAGRAM
from webhooks.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "instagram"
APP_SECRET = "ig-app-secret-for-tests"
VERIFY_TOKEN = "ig-verify-token-for-tests"
ACCESS_TOKEN = "IGAAtest-access-token"
SHOP_IG = "17841400000000001"
OTHER_IG = "17841400000000002"
CUSTOMER = "6543210987654321"

Client = TestClient[Any, Any]

# -- helpers ------------------------------------------------------------------------------------------


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def events_of(name: str) -> list[dict[str, Any]]:
    return [event for entry in json.loads(fixture(name))["entry"] for event in entry.get("messaging", [])]


def mid_of(name: str, index: int = 0) -> str:
    event = events_of(name)[index]
    holder: dict[str, Any] = event.get("message") or event["read"]
    return str(holder["mid"])


async def post(
    client: Client, body: bytes, *, secret: str | None = APP_SECRET, signature: str | None = None,
    header: str = "X-Hub-Signature-256",
) -> ClientResponse:  # fmt: skip
    """Deliver ``body`` as Meta does: signed with ``secret`` unless a ``signature`` is given (or no secret)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[header] = signature
    elif secret is not None:
        headers[header] = sign(secret, body)
    return await client.post("/webhooks/instagram", data=body, headers=headers)


async def deliver(client: Client, body: bytes, expect: int = 200) -> dict[str, Any]:
    response = await post(client, body)
    assert response.status == expect, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def counts(db: Database, settings: Settings) -> tuple[int, int]:
    """How many messages (handled, or waiting in the inbox) and customers the database holds (all shops):
    what a refused delivery must not change."""
    raw = db.client.get_database(settings.mongodb_db)
    messages = await raw.messages.count_documents({}) + await raw.inbox.count_documents({})
    return messages, await raw.customers.count_documents({})


async def outbound(db: Database, shop: Shop, provider_id: str, now: datetime) -> None:
    """An outbound Instagram message as the notifier records it once Meta took it."""
    await db.messages.add(
        Message(
            id=MessageId(new_id("msg")),
            shop_id=shop.id,
            channel="instagram",
            direction=Direction.OUTBOUND,
            provider_id=provider_id,
            sender=shop.instagram_id or "",
            recipient=CUSTOMER,
            body="Your order #1001 is on its way!",
            state=DeliveryState.SENT,
            created_at=now,
            updated_at=now,
        )
    )


def to_customer(text: str = "Your order #1001 has shipped 🎉") -> OutboundMessage:
    return OutboundMessage(channel=ChannelName.INSTAGRAM, to=CUSTOMER, sender=SHOP_IG, text=text)


# -- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def graph() -> GraphStandin:
    return GraphStandin(ACCESS_TOKEN)


@pytest.fixture
async def graph_server(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], graph: GraphStandin
) -> TestServer:
    return await aiohttp_server(graph.app())


@pytest.fixture
def ig_settings(settings: Settings, graph_server: TestServer) -> Settings:
    return settings.model_copy(
        update={
            "instagram_app_secret": SecretStr(APP_SECRET),
            "instagram_verify_token": SecretStr(VERIFY_TOKEN),
            "instagram_access_token": SecretStr(ACCESS_TOKEN),
            "graph_base_url": str(graph_server.make_url("")),
        }
    )


@pytest.fixture
async def ig_shop(db: Database, clock: Clock) -> Shop:
    created = new_shop("Acme Coffee", clock(), instagram_id=SHOP_IG)
    await db.shops.add(created)
    return created


@pytest.fixture
async def ig_client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    ig_settings: Settings,
    clock: Clock,
    db: Database,
) -> Client:
    return await aiohttp_client(build_app(ig_settings, clock=clock))


# -- subscription check -------------------------------------------------------------------------------


async def test_the_challenge_is_answered_for_subscribe_with_the_verify_token(ig_client: Client) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await ig_client.get("/webhooks/instagram", params=params)
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
    ids=["wrong-token", "wrong-mode", "no-mode", "no-token"],
)
async def test_the_challenge_is_refused_without_subscribe_and_the_token(
    ig_client: Client, params: dict[str, str]
) -> None:
    response = await ig_client.get("/webhooks/instagram", params=params)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


async def test_without_instagram_settings_both_routes_answer_not_configured(
    client: Client, db: Database, settings: Settings
) -> None:
    challenge = await client.get(
        "/webhooks/instagram", params={"hub.mode": "subscribe", "hub.challenge": "1"}
    )
    delivery = await post(client, fixture("text"), secret="anything")
    for response in (challenge, delivery):
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "not_configured"
    assert await counts(db, settings) == (0, 0)


# -- inbound messages ---------------------------------------------------------------------------------


def answered(graph: GraphStandin) -> list[str]:
    """Whom the app's sends through the Graph stand-in went to, in order."""
    return [request.body["recipient"]["id"] for request in graph.requests]


async def test_a_text_is_stored_once_for_the_customer_by_instagram_id(
    ig_client: Client, ig_shop: Shop, db: Database, ig_settings: Settings, clock: Clock, graph: GraphStandin
) -> None:
    answers = await asyncio.gather(*(deliver(ig_client, fixture("text")) for _ in range(3)))
    assert sorted(answer["stored"] for answer in answers) == [0, 0, 1]
    assert sum(answer["duplicates"] for answer in answers) == 2
    # handled: the message moves to ``messages``, the window opens, and the reply goes out at once
    await finish_background(ig_client.app)
    asker = await db.customers.find_or_create(ig_shop.id, now=clock(), instagram_id=CUSTOMER)
    [reply] = [m for m in await db.messages.recent(ig_shop.id, asker.id) if m.direction == Direction.OUTBOUND]
    assert (reply.channel, reply.recipient, reply.state) == ("instagram", CUSTOMER, DeliveryState.SENT)
    assert answered(graph) == [CUSTOMER]
    # a retry after that waits in the inbox again, and is dropped, unanswered, when it is handled
    assert (await deliver(ig_client, fixture("text")))["stored"] == 1
    await finish_background(ig_client.app)
    assert answered(graph) == [CUSTOMER]
    assert await db.outbox.queued_for(ig_shop.id, asker.id, "instagram") == []

    message = await db.messages.by_provider_id("instagram", mid_of("text"))
    assert message is not None
    assert (message.shop_id, message.direction, message.sender, message.recipient) == (
        ig_shop.id, Direction.INBOUND, CUSTOMER, SHOP_IG,
    )  # fmt: skip
    assert message.body == "Hi! Where is my order #1001? 📦"
    customer = await db.customers.get(ig_shop.id, message.customer_id or "")
    assert customer.instagram_id == CUSTOMER and customer.phones == []
    assert customer.last_inbound["instagram"] == datetime(2026, 11, 2, 8, 59, 30, tzinfo=UTC)
    assert await counts(db, ig_settings) == (2, 1)  # the question and its answer; one customer

    # The 24-hour window opens at the customer's message (its own timestamp), not at our receipt.
    assert send_allowed(customer.last_inbound["instagram"], clock())
    assert not send_allowed(customer.last_inbound["instagram"], clock() + timedelta(hours=24))


async def test_an_attachment_is_stored_with_its_urls(ig_client: Client, ig_shop: Shop, db: Database) -> None:
    assert (await deliver(ig_client, fixture("attachment")))["stored"] == 1
    await ig_client.app[INBOX].drain()
    message = await db.messages.by_provider_id("instagram", mid_of("attachment"))
    assert message is not None and message.body == ""
    urls = [a["payload"]["url"] for a in events_of("attachment")[0]["message"]["attachments"]]
    assert [a.url for a in message.attachments] == urls
    assert [a.content_type for a in message.attachments] == ["image/*", "video/*"]


async def test_an_echo_of_the_shops_own_message_is_ignored(
    ig_client: Client, ig_shop: Shop, db: Database, ig_settings: Settings
) -> None:
    assert await deliver(ig_client, fixture("echo")) == {
        "stored": 0,
        "duplicates": 0,
        "updates": 0,
        "skipped": 0,
    }
    assert await counts(db, ig_settings) == (0, 0)


async def test_reactions_postbacks_deletions_and_other_fields_are_ignored(
    ig_client: Client, ig_shop: Shop, db: Database, ig_settings: Settings
) -> None:
    assert (await deliver(ig_client, fixture("ignored")))["stored"] == 0
    assert await counts(db, ig_settings) == (0, 0)


async def test_a_batch_of_entries_for_two_shops_is_handled_event_by_event(
    ig_client: Client, ig_shop: Shop, db: Database, clock: Clock, ig_settings: Settings, graph: GraphStandin
) -> None:
    other = new_shop("Other Shop", clock(), instagram_id=OTHER_IG)
    await db.shops.add(other)
    await outbound(db, other, mid_of("batched", 3), clock())

    assert await deliver(ig_client, fixture("batched")) == {
        "stored": 3,
        "duplicates": 0,
        "updates": 1,
        "skipped": 0,
    }

    await finish_background(ig_client.app)
    stored = [await db.messages.by_provider_id("instagram", mid_of("batched", i)) for i in range(3)]
    assert [m.shop_id if m else None for m in stored] == [ig_shop.id, ig_shop.id, other.id]
    assert [m.sender if m else None for m in stored] == [CUSTOMER, CUSTOMER, "6543210987654323"]
    assert stored[0] is not None and stored[1] is not None and stored[0].customer_id == stored[1].customer_id
    assert stored[1].attachments[0].url.startswith("https://lookaside.fbsbx.com/")
    read = await db.messages.by_provider_id("instagram", mid_of("batched", 3))
    assert read is not None and read.state == DeliveryState.READ
    # each shop answers its own customers, from its own account
    sent = sorted((request.account, request.body["recipient"]["id"]) for request in graph.requests)
    assert sent == [(SHOP_IG, CUSTOMER), (SHOP_IG, CUSTOMER), (OTHER_IG, "6543210987654323")]
    # 3 inbound messages, their 3 answers and the earlier outbound one; a customer in each shop
    assert await counts(db, ig_settings) == (7, 2)


async def test_two_instagram_customers_of_one_shop(ig_client: Client, ig_shop: Shop, db: Database) -> None:
    second = json.loads(fixture("text"))
    event = second["entry"][0]["messaging"][0]
    event["sender"]["id"] = "6543210987654399"
    event["message"]["mid"] += "-second-customer"
    await deliver(ig_client, fixture("text"))
    assert (await deliver(ig_client, json.dumps(second).encode()))["stored"] == 1


async def test_a_read_receipt_marks_the_outbound_message_read(
    ig_client: Client, ig_shop: Shop, db: Database, clock: Clock, ig_settings: Settings
) -> None:
    assert (await deliver(ig_client, fixture("read")))["updates"] == 0  # not ours (yet): nothing happens
    await outbound(db, ig_shop, mid_of("read"), clock())
    assert (await deliver(ig_client, fixture("read")))["updates"] == 1
    message = await db.messages.by_provider_id("instagram", mid_of("read"))
    assert message is not None and message.state == DeliveryState.READ
    assert await counts(db, ig_settings) == (1, 0)


async def test_a_message_for_an_account_no_shop_owns_is_acknowledged_and_skipped(
    ig_client: Client, shop: Shop, db: Database, ig_settings: Settings
) -> None:
    assert (await deliver(ig_client, fixture("text")))["skipped"] == 1
    assert await counts(db, ig_settings) == (0, 0)


async def test_the_signature_header_is_found_in_any_case(ig_client: Client, ig_shop: Shop) -> None:
    body = fixture("text")
    response = await post(ig_client, body, signature=sign(APP_SECRET, body), header="x-hub-signature-256")
    assert response.status == 200, await response.text()


# -- refused deliveries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        sign("another app's secret", fixture("text")),
        sign(APP_SECRET, fixture("text") + b" "),
        sign(APP_SECRET, fixture("text")).replace("sha256=", "sha1="),
    ],
    ids=["missing", "empty", "wrong", "other-secret", "other-body", "wrong-scheme"],
)
async def test_a_bad_signature_is_refused_and_nothing_is_stored(
    ig_client: Client, ig_shop: Shop, db: Database, ig_settings: Settings, signature: str | None
) -> None:
    response = await post(ig_client, fixture("text"), secret=None, signature=signature)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "bad_signature"
    assert await counts(db, ig_settings) == (0, 0)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[]", b'"instagram"', b'{"object": "instagram", "entry": {}}'],
    ids=["broken", "not-utf8", "array", "string", "entry-not-list"],
)
async def test_a_malformed_body_with_a_valid_signature_is_a_400(
    ig_client: Client, ig_shop: Shop, db: Database, ig_settings: Settings, body: bytes
) -> None:
    response = await post(ig_client, body)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed"
    assert await counts(db, ig_settings) == (0, 0)


# -- outbound -----------------------------------------------------------------------------------------


async def test_a_send_reaches_the_graph_api_and_its_read_receipt_comes_back(
    ig_client: Client, ig_shop: Shop, graph: GraphStandin, db: Database, clock: Clock
) -> None:
    channel: InstagramChannel = ig_client.app[INSTAGRAM]
    receipt = await channel.send(to_customer())

    [request] = graph.requests
    assert (request.version, request.account, request.token) == (GRAPH_VERSION, SHOP_IG, ACCESS_TOKEN)
    assert request.body == {
        "recipient": {"id": CUSTOMER},
        "message": {"text": "Your order #1001 has shipped 🎉"},
    }

    await outbound(db, ig_shop, receipt.provider_id, clock())
    read = {
        "object": "instagram",
        "entry": [{"id": SHOP_IG, "time": 1793609990000, "messaging": [{
            "sender": {"id": CUSTOMER}, "recipient": {"id": SHOP_IG}, "timestamp": 1793609989000,
            "read": {"mid": receipt.provider_id},
        }]}],
    }  # fmt: skip
    assert (await deliver(ig_client, json.dumps(read).encode()))["updates"] == 1
    message = await db.messages.by_provider_id("instagram", receipt.provider_id)
    assert message is not None and message.state == DeliveryState.READ


@pytest.mark.parametrize(
    ("failure", "code", "transient"),
    [
        ("server_error", "2", True),
        ("rate_limit", "613", True),
        ("outside_window", "10/2018278", False),
        ("unavailable", "551", False),
    ],
)
async def test_graph_errors_become_send_errors(
    ig_client: Client, graph: GraphStandin, failure: Any, code: str, transient: bool
) -> None:
    graph.fail_next(failure)
    with pytest.raises(SendError) as raised:
        await ig_client.app[INSTAGRAM].send(to_customer())
    assert (raised.value.transient, raised.value.code) == (transient, code)


async def test_a_wrong_token_is_permanent_and_a_slow_answer_ambiguous(
    graph: GraphStandin, graph_server: TestServer
) -> None:
    base_url = str(graph_server.make_url(""))
    async with aiohttp.ClientSession() as session:
        wrong = InstagramChannel(session=session, app_secret=None, access_token="expired", base_url=base_url)
        with pytest.raises(SendError) as raised:
            await wrong.send(to_customer())
        assert (raised.value.transient, raised.value.code) == (False, "190")

        slow = InstagramChannel(
            session=session, app_secret=None, access_token=ACCESS_TOKEN, base_url=base_url, timeout=0.2
        )
        graph.delay_next(2)
        with pytest.raises(SendError) as raised:
            await slow.send(to_customer())
        # the request reached Meta, which may have sent it: not retried blindly
        error = raised.value
        assert (error.ambiguous, error.transient, error.code) == (True, False, "ambiguous")

        refused = InstagramChannel(
            session=session, app_secret=None, access_token=ACCESS_TOKEN,
            base_url=f"http://127.0.0.1:{unused_port()}", timeout=2,
        )  # fmt: skip
        with pytest.raises(SendError) as raised:
            await refused.send(to_customer())
        error = raised.value
        assert (error.ambiguous, error.transient, error.code) == (False, True, "network")


async def test_what_meta_would_refuse_is_not_sent(ig_client: Client, graph: GraphStandin) -> None:
    channel: InstagramChannel = ig_client.app[INSTAGRAM]
    for message, code in [
        (to_customer("é" * 501), "text_too_long"),  # 1002 bytes of UTF-8
        (to_customer("   "), "empty"),
    ]:
        with pytest.raises(SendError) as raised:
            await channel.send(message)
        assert (raised.value.transient, raised.value.code) == (False, code)
    assert graph.requests == []
    assert (await channel.send(to_customer("x" * 1000))).provider_id  # exactly at the limit


async def test_a_sender_that_is_no_instagram_account_id_sends_as_the_tokens_account(
    ig_client: Client, graph: GraphStandin
) -> None:
    channel: InstagramChannel = ig_client.app[INSTAGRAM]
    await channel.send(
        OutboundMessage(channel=ChannelName.INSTAGRAM, to=CUSTOMER, sender="Acme Coffee", text="Hi")
    )
    assert [request.account for request in graph.requests] == ["me"]


@pytest.mark.parametrize(
    ("status", "body", "transient", "code"),
    [
        (502, b"<html>Bad Gateway</html>", True, "http_502"),
        (429, b"", True, "http_429"),
        (400, b'{"error": {"message": "rate", "code": 4}}', True, "4"),
        (403, b'{"error": {"message": "rate", "code": 17}}', True, "17"),
        (400, b'{"error": {"message": "rate", "code": 32}}', True, "32"),
        (400, b'{"error": {"message": "window", "code": 10, "error_subcode": 2018278}}', False, "10/2018278"),
        (400, b'{"error": {"message": "no permission", "code": 10}}', False, "10"),
        (
            400,
            b'{"error": {"message": "bad param", "code": 100, "error_subcode": 2018001}}',
            False,
            "100/2018001",
        ),
        (500, b'{"error": {"message": "unknown", "code": 1}}', True, "1"),
    ],
)
def test_graph_error_mapping(status: int, body: bytes, transient: bool, code: str) -> None:
    error = graph_error(status, body)
    assert (error.transient, error.code) == (transient, code)


# -- the 24-hour window -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_inbound", "allowed"),
    [
        (None, False),
        (NOW - timedelta(minutes=1), True),
        (NOW - timedelta(hours=23, minutes=59, seconds=59), True),
        (NOW - timedelta(hours=24), False),
        (NOW - timedelta(days=3), False),
        (NOW + timedelta(seconds=5), True),  # a provider clock slightly ahead of ours
    ],
)
def test_a_send_is_allowed_only_within_24_hours_of_the_customers_last_message(
    last_inbound: datetime | None, allowed: bool
) -> None:
    assert send_allowed(last_inbound, NOW) is allowed


def test_a_platform_without_a_window_always_allows_a_send() -> None:
    assert send_allowed(None, NOW, Limits(max_length=1000, window_hours=None))
