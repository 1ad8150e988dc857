"""``GET /api/v1/events``: the shop's changes as they happen, resumed by ``Last-Event-ID`` with nothing lost
or repeated, served by every web process from the database, and only ever the token's own shop's.

Through real apps (``build_app``) on the real embedded database; two apps on one database stand for two web
processes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from orders.model import Shop, ShopId
from orders.store import Database, open_database
from orders.store.feed import RING
from tests.conftest import SECRET_KEY, Api, token_for
from tests.integration.sse import Event, SseReader
from webhooks.access.auth import verify_token
from webhooks.app import build_app
from webhooks.keys import DATABASE
from webhooks.ops import logs
from webhooks.settings import Settings

Client = TestClient[Any, Any]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"live_poll_seconds": 0.5, "live_heartbeat_seconds": 0.3})


@pytest.fixture
async def web1(aiohttp_client: MakeClient, live_settings: Settings, db: Database) -> Client:
    return await aiohttp_client(build_app(live_settings))


@pytest.fixture
async def web2(aiohttp_client: MakeClient, live_settings: Settings, db: Database) -> Client:
    return await aiohttp_client(build_app(live_settings))


@asynccontextmanager
async def stream(client: Client, token: str, **params: str) -> AsyncIterator[SseReader]:
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
    if last := params.pop("last_event_id_header", None):
        headers["Last-Event-ID"] = last
    async with client.get("/api/v1/events", headers=headers, params=params) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        yield SseReader(response)


async def new_order(api: Api, number: str) -> str:
    created = await api.post("/orders", {"number": number, "customer": {"name": "Ana"}}, status=201)
    return str(created["order_id"])


async def order_events(reader: SseReader, count: int) -> list[Event]:
    got: list[Event] = []
    while len(got) < count:
        event = await reader.next()
        if event.event == "order":
            got.append(event)
    return got


async def test_a_change_arrives_on_the_stream_and_another_shops_never_does(
    web1: Client, shop: Shop, other_shop: Shop
) -> None:
    mine, theirs = Api(web1, token_for(shop)), Api(web1, token_for(other_shop))
    async with stream(web1, token_for(shop)) as reader:
        ready = await reader.next()
        assert (ready.event, ready.data["resumed"]) == ("ready", False)
        their_orders = {await new_order(theirs, "2001"), await new_order(theirs, "2002")}
        started = time.monotonic()
        my_order = await new_order(mine, "1042")
        [event] = await order_events(reader, 1)
        assert time.monotonic() - started < 1.0
        assert event.data == {"order_id": my_order, "status": "pending"}
        assert event.id is not None and int(event.id) > int(ready.id or "0")
        seen = [event, *await reader.quiet(1.0)]
    assert not {e.data.get("order_id") for e in seen} & their_orders


async def test_resuming_by_last_event_id_loses_nothing_and_repeats_nothing(web1: Client, shop: Shop) -> None:
    api = Api(web1, token_for(shop))
    async with stream(web1, token_for(shop)) as reader:
        await reader.until("ready")
        first = await new_order(api, "1042")
        [event] = await order_events(reader, 1)
    last_seen = event.id
    assert last_seen is not None
    missed = [await new_order(api, "1043"), await new_order(api, "1044")]
    await api.post("/orders/update-status", {"order_id": first, "status": "processing"})
    await web1.app[DATABASE].feed.drain()  # stored, as it would be by the time a desk reconnects
    async with stream(web1, token_for(shop), last_event_id_header=last_seen) as reader:
        caught_up = await reader.until("ready")
    ids = [int(e.id) for e in caught_up if e.id is not None]
    assert ids == list(
        range(int(last_seen) + 1, int(last_seen) + 1 + len(ids))
    )  # in order, no gap, none again
    orders = [(e.data["order_id"], e.data["status"]) for e in caught_up if e.event == "order"]
    assert orders == [(missed[0], "pending"), (missed[1], "pending"), (first, "processing")]
    assert caught_up[-1].data["resumed"] is True


async def test_a_desk_further_back_than_the_feed_keeps_is_told_to_reload(
    web1: Client, db: Database, shop: Shop
) -> None:
    for _ in range(RING + 5):
        db.feed.publish(shop.id, "order", order_id="ord_x")
    await db.feed.drain()
    async with stream(web1, token_for(shop), last_event_id_header="2") as reader:
        [ready] = await reader.until("ready")
    assert ready.data == {"last_event_id": str(RING + 5), "resumed": False}


async def test_one_web_process_writes_and_another_streams_it_within_a_second(
    web1: Client, web2: Client, shop: Shop
) -> None:
    async with stream(web2, token_for(shop)) as reader:
        await reader.until("ready")
        started = time.monotonic()
        order_id = await new_order(Api(web1, token_for(shop)), "1042")
        [event] = await order_events(reader, 1)
        assert time.monotonic() - started < 1.0
    assert event.data["order_id"] == order_id


async def test_events_written_by_two_processes_at_once_are_numbered_in_commit_order_without_gaps(
    settings: Settings, db: Database, shop: Shop
) -> None:
    """The "late insert": writers in two processes never make a reader skip an event it has not seen."""
    assert settings.mongodb_uri is not None
    other = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=[SECRET_KEY])
    collected: list[tuple[int, str]] = []
    position = 0

    async def read_along() -> None:
        nonlocal position
        while position < 200:
            page = (await db.feed.read(ShopId(shop.id))).after(position)
            assert page.complete
            collected.extend((e.seq, str(e.data["n"])) for e in page.events)
            position = page.last
            await asyncio.sleep(0)

    async def write(store: Database, name: str) -> None:
        for n in range(100):
            store.feed.publish(shop.id, "order", n=f"{name}{n}")
            await asyncio.sleep(0)
        await store.feed.drain()

    try:
        async with asyncio.timeout(30):  # a reader that misses an event would wait for it forever
            await asyncio.gather(read_along(), write(db, "a"), write(other, "b"))
    finally:
        await other.close()
    assert [seq for seq, _ in collected] == list(range(1, 201))
    assert sorted(name for _, name in collected) == sorted(
        [f"a{n}" for n in range(100)] + [f"b{n}" for n in range(100)]
    )


async def test_an_idle_stream_carries_heartbeats(web1: Client, shop: Shop) -> None:
    async with stream(web1, token_for(shop)) as reader:
        await reader.until("ready")
        assert await reader.quiet(1.0) == []
    assert reader.comments and all(line.startswith(": ping") for line in reader.comments)


async def test_an_eventsource_opens_the_stream_with_a_ticket_only(web1: Client, shop: Shop) -> None:
    api = Api(web1, token_for(shop))
    ticket = (await api.post("/events/ticket"))["ticket"]
    async with web1.get(
        "/api/v1/events", params={"ticket": ticket}, headers={"Accept": "text/event-stream"}
    ) as response:
        assert response.status == 200
        assert (await SseReader(response).next()).event == "ready"
    # a ticket is no bearer token, and a bearer token is no ticket
    refused = await web1.get("/api/v1/orders", headers={"Authorization": f"Bearer {ticket}"})
    assert refused.status == 401
    refused = await web1.get("/api/v1/orders", params={"ticket": ticket})
    assert refused.status == 401
    refused = await web1.get("/api/v1/events", params={"ticket": token_for(shop)})
    assert refused.status == 401


async def test_a_revoked_tokens_ticket_opens_nothing(web1: Client, db: Database, shop: Shop) -> None:
    token = token_for(shop)
    ticket = (await Api(web1, token).post("/events/ticket"))["ticket"]
    await db.revocations.revoke(verify_token(SECRET_KEY, token).token_id, datetime.now(UTC))
    refused = await web1.get("/api/v1/events", params={"ticket": ticket})
    assert refused.status == 401


async def test_without_an_event_stream_accept_it_answers_one_json_page(web1: Client, shop: Shop) -> None:
    api = Api(web1, token_for(shop))
    start = (await api.get("/events"))["last_event_id"]
    order_id = await new_order(api, "1042")
    await asyncio.sleep(0.2)  # the feed's write follows the change's
    page = await api.get("/events", last_event_id=start)
    assert page["complete"] is True
    assert [e["data"]["order_id"] for e in page["events"] if e["kind"] == "order"] == [order_id]
    await api.get("/events", status=422, last_event_id="not-a-number")


async def test_the_access_log_never_shows_a_ticket(
    aiohttp_client: MakeClient,
    live_settings: Settings,
    db: Database,
    shop: Shop,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    server = TestServer(build_app(live_settings))
    await server.start_server(access_log_class=logs.AccessLog)  # as ``orderbot web`` logs requests
    client: Client = await aiohttp_client(server)  # type: ignore[arg-type]
    ticket = (await Api(client, token_for(shop)).post("/events/ticket"))["ticket"]
    async with client.get("/api/v1/events", params={"ticket": ticket}) as response:
        assert response.status == 200
    lines: list[str] = []
    for _ in range(50):  # logged when the stream's handler ends: at the next heartbeat after the client left
        lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
        if any("/api/v1/events" in line for line in lines):
            break
        await asyncio.sleep(0.1)
    assert any("GET /api/v1/events?ticket=***" in line for line in lines), lines
    assert not any(ticket in line for line in lines)


async def test_a_stream_ends_after_its_time_asking_the_desk_to_renew(
    aiohttp_client: MakeClient, live_settings: Settings, db: Database, shop: Shop
) -> None:
    client = await aiohttp_client(build_app(live_settings.model_copy(update={"live_stream_seconds": 1.0})))
    async with stream(client, token_for(shop)) as reader:
        await reader.until("ready")
        started = time.monotonic()
        assert [e.event for e in await reader.until("renew")] == ["renew"]
        assert 0.5 < time.monotonic() - started < 3
        with pytest.raises(ConnectionError):
            await reader.next()  # and the stream ends
