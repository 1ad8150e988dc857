"""Slow clients are cut off, and one address cannot hold the process with its connections.

Through the production server (``webhooks.ops.connections.serve``) on loopback, with short limits set through
the settings so that each test takes about a second:

- a body that stalls after its headers, or trickles a byte at a time, is answered 408 and its connection
  closed once ``ORDERBOT_BODY_TIMEOUT_SECONDS`` have passed since its headers;
- a connection without a request, or one trickling its headers, is closed after ``ORDERBOT_KEEPALIVE_SECONDS``;
- connections from one address beyond ``ORDERBOT_CONNECTIONS_PER_ADDRESS`` are answered 429 and closed, while
  another address is still served and a trusted proxy is never bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from tests.hostile.conftest import Serve, Served, Target
from tests.hostile.routes import BY_NAME
from tests.integration.test_shop_platforms import CREATE, raw
from webhooks.shop_platforms import shopify

DEADLINE = 0.5
#: How much later than its limit the server may close a connection (a loaded machine, timer rounding).
SLACK = 1.5


async def closed_after(reader: asyncio.StreamReader, within: float) -> tuple[bytes, float]:
    """What the server sent before closing the connection, and how many seconds until it closed it."""
    started = time.monotonic()
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := await asyncio.wait_for(reader.read(4096), within):
            received += chunk
    return received, time.monotonic() - started


async def trickle(writer: asyncio.StreamWriter, byte: bytes, every: float) -> None:
    """Write ``byte`` every ``every`` seconds until the connection breaks."""
    with contextlib.suppress(ConnectionError):
        while not writer.is_closing():
            writer.write(byte)
            await writer.drain()
            await asyncio.sleep(every)


def order_head(target: Target, server: Served, length: int) -> bytes:
    path = f"/webhooks/orders/{target.shop.id}"
    return f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\nContent-Length: {length}\r\n\r\n".encode()


async def test_a_body_that_stalls_after_its_headers_is_cut_off_at_the_deadline(
    target: Target, served: Serve
) -> None:
    server = await served(body_timeout_seconds=DEADLINE)
    reader, writer = await server.connect()

    writer.write(order_head(target, server, 100) + b'{"event": "ord')
    received, seconds = await closed_after(reader, DEADLINE + SLACK)

    assert received.startswith(b"HTTP/1.1 408 "), received[:40]
    assert b'"code": "timeout"' in received
    assert b"X-Request-Id: " in received
    assert seconds < DEADLINE + SLACK
    writer.close()


async def test_a_body_that_trickles_is_cut_off_at_the_deadline_however_often_a_byte_comes(
    target: Target, served: Serve
) -> None:
    server = await served(body_timeout_seconds=DEADLINE)
    reader, writer = await server.connect()

    writer.write(order_head(target, server, 10_000))
    trickling = asyncio.ensure_future(trickle(writer, b" ", every=DEADLINE / 10))
    received, seconds = await closed_after(reader, DEADLINE + SLACK)
    trickling.cancel()

    assert received.startswith(b"HTTP/1.1 408 "), received[:40]
    assert seconds < DEADLINE + SLACK
    writer.close()


async def test_a_body_in_time_is_served_as_before(target: Target, served: Serve) -> None:
    """The deadline is for the whole body, and an honest one arrives well within it."""
    server = await served(body_timeout_seconds=DEADLINE)
    reader, writer = await server.connect()

    writer.write(order_head(target, server, 2) + b"{")
    await asyncio.sleep(DEADLINE / 5)
    writer.write(b"}")
    status_line = await asyncio.wait_for(reader.readline(), 10)

    assert int(status_line.split()[1]) == 401  # read whole and judged: unsigned
    writer.close()


#: Seconds within which background work starts on an idle server, with room for a loaded machine.
PROMPTLY = 2.5


async def test_bodies_still_arriving_do_not_hold_back_background_work(target: Target, served: Serve) -> None:
    """Connections stalled mid-body hold nothing else back: an order event that arrives meanwhile is applied
    at once (work that waited while requests were in flight would wait on them)."""
    server = await served(body_timeout_seconds=30)
    stalled = []
    for _ in range(2):
        _, writer = await server.connect()
        writer.write(order_head(target, server, 100))
        stalled.append(writer)
    await asyncio.sleep(0.2)  # both are in flight now, waiting for their bodies
    route = BY_NAME["shopify"]
    body = raw("shopify", CREATE)
    headers = {**route.signed(target.shop, body), shopify.TOPIC_HEADER: "orders/create"}

    assert await server.post(route.path(target.shop), headers, body) == 200
    started = time.monotonic()
    while not await target.raw["orders"].count_documents({}):
        assert time.monotonic() - started < PROMPTLY, "the order event waited on the stalled bodies"
        await asyncio.sleep(0.05)
    for writer in stalled:
        writer.close()


async def test_a_connection_without_a_request_is_closed_after_the_keepalive(
    target: Target, served: Serve
) -> None:
    server = await served(keepalive_seconds=DEADLINE)
    idle_reader, idle = await server.connect()
    slow_reader, slow = await server.connect()

    slow.write(b"POST /webhooks/orders/x HTTP/1.1\r\n")
    trickling = asyncio.ensure_future(trickle(slow, b"X-Slow: header\r\n", every=DEADLINE / 10))
    (_, idle_seconds), (_, slow_seconds) = await asyncio.gather(
        closed_after(idle_reader, DEADLINE + SLACK), closed_after(slow_reader, DEADLINE + SLACK)
    )
    trickling.cancel()

    assert idle_seconds < DEADLINE + SLACK
    assert slow_seconds < DEADLINE + SLACK
    idle.close()
    slow.close()


async def test_connections_from_one_address_beyond_the_bound_are_refused_while_others_are_served(
    target: Target, served: Serve
) -> None:
    server = await served(connections_per_address=3)
    held = []
    for _ in range(3):  # each served once, then kept open (keep-alive)
        reader, writer = await server.connect()
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
        assert b" 200 " in await asyncio.wait_for(reader.readline(), 10)
        await asyncio.wait_for(reader.readuntil(b'"ok"}'), 10)
        held.append((reader, writer))

    refused_reader, refused = await server.connect()
    received, _ = await closed_after(refused_reader, SLACK)

    assert received.startswith(b"HTTP/1.1 429 "), received[:40]
    assert b'"code": "too_many_connections"' in received
    assert await server.get("/healthz", source="127.0.0.2") == 200  # another address

    held[0][1].close()  # one closed: its place is free again
    await asyncio.sleep(0.2)
    assert await server.get("/healthz") == 200
    for _, writer in held[1:]:
        writer.close()
    refused.close()


async def test_a_trusted_proxy_is_never_bounded(target: Target, served: Serve) -> None:
    """Every client behind a proxy shares its address: bounding it would cut them all off."""
    server = await served(connections_per_address=2, trusted_proxies="127.0.0.1")
    held = [await server.connect() for _ in range(4)]

    for reader, writer in held:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
        assert b" 200 " in await asyncio.wait_for(reader.readline(), 10)
    for _, writer in held:
        writer.close()
