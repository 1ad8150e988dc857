"""Header tricks no client library will send, over a raw socket: injected CR/LF, NUL, bytes that are not
UTF-8, duplicated signatures, event ids and lengths. Never a 5xx, never a write without a valid signature,
never two writes for one delivery.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.hostile.conftest import Target
from tests.hostile.garbage import fixtures_of
from tests.hostile.routes import BY_NAME, ROUTES, Route
from tests.integration import test_instagram as ig
from tests.integration import test_twilio as tw
from webhooks.shop_platforms.generic import EVENT_ID_HEADER

by_route = pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])

ORDER = json.dumps({"event": "order.created", "order": {"id": "HDR-1", "number": "1"}}).encode()


async def send_raw(target: Target, route: Route, header_lines: list[bytes], body: bytes) -> int:
    """POST ``body`` with exactly these header lines (and a Content-Length); the answer's status."""
    server = target.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = [
        f"POST {route.path(target.shop)} HTTP/1.1".encode(),
        f"Host: {server.host}".encode(),
        b"Connection: close",
        *header_lines,
    ]
    if not any(line.lower().startswith((b"content-length:", b"transfer-encoding:")) for line in header_lines):
        head.append(b"Content-Length: %d" % len(body))
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(status_line.split()[1])


def signature_line(target: Target, route: Route, body: bytes) -> bytes:
    return b"".join(
        f"{name}: {value}".encode() + b"\r\n" for name, value in route.signed(target.shop, body).items()
    )[:-2]


def body_of(route: Route) -> bytes:
    """A delivery the route would accept."""
    match route.name:
        case "twilio-messages":
            return b"&".join(
                f"{k}={v}".replace("+", "%2B").encode() for k, v in tw.fixture("sms_inbound").items()
            )
        case "instagram":
            return ig.fixture("text")
        case "orders":
            return ORDER
    return b"{}"


INJECTED = [b"\rX-Evil: 1", b"\nX-Evil: 1", b"\x00", b"\r\n X-Folded: continued", b"\x7f\x01"]
NOT_UTF8 = [b"\xff\xfe", b"sha256=\xc3\x28", b"evt-\xed\xa0\x80", b"evt\x80"]


@by_route
async def test_control_characters_in_the_signature_header_are_refused(target: Target, route: Route) -> None:
    body = body_of(route)
    before = await target.snapshot()
    valid = route.signed(target.shop, body)[route.signature_header].encode()

    for injected in INJECTED:
        line = route.signature_header.encode() + b": " + valid + injected
        status = await send_raw(target, route, [line], body)

        assert 400 <= status < 500, (injected, status)
    assert await target.snapshot() == before


@by_route
async def test_signature_bytes_that_are_not_utf8_are_a_wrong_signature(target: Target, route: Route) -> None:
    body = body_of(route)
    before = await target.snapshot()

    for raw in [*NOT_UTF8, b"\xe2\x80\xae"]:
        status = await send_raw(target, route, [route.signature_header.encode() + b": " + raw], body)

        assert status in {401, 403}, (raw, status)
    assert await target.snapshot() == before


@pytest.mark.parametrize("route_name", ["orders", "shopify"])
async def test_an_event_id_that_is_not_utf8_is_refused_on_a_signed_delivery(
    target: Target, route_name: str
) -> None:
    route = BY_NAME[route_name]
    body = ORDER if route_name == "orders" else json.dumps(fixtures_of("shopify")[0]).encode()
    header = EVENT_ID_HEADER if route_name == "orders" else "X-Shopify-Event-Id"
    before = await target.snapshot()

    for raw in NOT_UTF8:
        lines = [signature_line(target, route, body), header.encode() + b": " + raw]
        status = await send_raw(target, route, lines, body)

        assert status == 400, (raw, status)
    assert await target.snapshot() == before


@by_route
async def test_a_duplicated_signature_header_is_never_a_5xx_nor_two_writes(
    target: Target, route: Route
) -> None:
    body = body_of(route)
    valid = signature_line(target, route, body)
    junk = route.signature_header.encode() + b": sha256=00"
    statuses = []
    for lines in ([valid, junk], [junk, valid], [valid, valid]):
        statuses.append(await send_raw(target, route, lines, body))
        await target.settle()

    assert all(status < 500 for status in statuses), statuses
    # a chat message is stored once and answered at most once (the answer is sent, so it is a message too)
    for collection, query in [("orders", {}), ("messages", {"direction": "in"}),
                              ("messages", {"direction": "out"}), ("events", {})]:  # fmt: skip
        docs = [doc async for doc in target.raw[collection].find(query)]
        assert len(docs) <= 1, (collection, query, docs)


FRAMINGS = [
    [b"Content-Length: 2", b"Content-Length: 40"],
    [b"Content-Length: 2", b"Transfer-Encoding: chunked"],
    [b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"],
    [b"Content-Length: -1"],
    [b"Content-Length: 1e3"],
]


async def test_ambiguous_framing_is_refused_by_the_parser(target: Target) -> None:
    route = BY_NAME["orders"]
    before = await target.snapshot()

    for framing in FRAMINGS:
        status = await send_raw(target, route, [signature_line(target, route, ORDER), *framing], ORDER)

        assert status == 400, (framing, status)
    assert await target.snapshot() == before
