"""Compressed request bodies are refused with 415 before a byte is read, so none is ever inflated.

No provider this service hears from compresses what it sends, and a gzip body inflates to a thousand times
its size: 1 MiB on the wire, 1 GiB in the server, seconds of the event loop. The bomb here is sent
unauthenticated over a raw socket while health checks keep asking; the answer must come before most of the
bomb is sent and no health check may wait. Neither a body declared compressed that is not, nor a client
that leaves mid-body, leaves a traceback in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import struct
import time
import zlib

import pytest

from tests.hostile.conftest import Serve, Served, Target
from tests.hostile.routes import BY_NAME, ROUTES, Route
from tests.hostile.test_headers import body_of, send_raw, signature_line

MiB = 1024 * 1024
CHUNK = 64 * 1024


@functools.cache
def gzip_bomb(inflated: int = 1024 * MiB) -> bytes:
    """A gzip body of just under 1 MiB that inflates to ``inflated`` zero bytes.

    Each 4 MiB of zeros is compressed from a fresh dictionary (a full flush), so every piece but the first
    is the same bytes and the whole is made in a fraction of a second instead of compressing 1 GiB.
    """
    block = bytes(4 * MiB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.flush()
    crc = 0
    for _ in range(inflated // len(block)):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    pieces = [first, *[repeated] * (inflated // len(block) - 1), last]
    return header + b"".join(pieces) + struct.pack("<II", crc, inflated & 0xFFFFFFFF)


def test_the_bomb_is_what_it_claims_to_be() -> None:
    bomb = gzip_bomb(64 * MiB)  # inflating the full-size one would take seconds; it is built the same way
    assert zlib.decompress(bomb, 31) == bytes(64 * MiB)
    assert len(gzip_bomb()) < MiB


async def health_latencies(server: Served, stop: asyncio.Event) -> list[float]:
    """Ask ``/healthz`` back to back until ``stop``; how long each answer took."""
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        assert await server.get("/healthz") == 200
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return latencies


async def test_a_gzip_bomb_is_refused_before_it_is_inflated_and_health_checks_never_wait(
    target: Target, served: Serve
) -> None:
    bomb = gzip_bomb()
    server = await served()
    before = await target.snapshot()
    reader, writer = await server.connect()
    head = [
        "POST /webhooks/instagram HTTP/1.1",
        f"Host: {server.host}",
        "Content-Type: application/json",
        "Content-Encoding: gzip",
        f"Content-Length: {len(bomb)}",
        "X-Hub-Signature-256: sha256=" + "0" * 64,  # unauthenticated: anyone can send this
    ]
    stop = asyncio.Event()
    health = asyncio.ensure_future(health_latencies(server, stop))
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    sent = 0
    while sent < len(bomb) and not answer.done():
        writer.write(bomb[sent : sent + CHUNK])
        await writer.drain()
        sent += CHUNK
        await asyncio.sleep(0.02)
    status_line = (await asyncio.wait_for(answer, 10)).split(b"\r\n", 1)[0]
    with contextlib.suppress(ConnectionError):  # the rest too: a server may read on after its answer
        writer.write(bomb[sent:])
        await writer.drain()
    await asyncio.sleep(0.5)
    stop.set()
    latencies = await asyncio.wait_for(health, 10)
    writer.close()

    assert max(latencies) < 0.5, f"a health check waited {max(latencies):.2f} s during the bomb"
    assert int(status_line.split()[1]) == 415
    assert sent < len(bomb) / 2, f"answered after {sent / MiB:.2f} MiB of {len(bomb) / MiB:.2f}"
    assert await target.snapshot() == before


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd", "x-unknown", "identity, gzip"])
async def test_a_body_whose_encoding_does_not_match_its_bytes_is_refused_without_a_traceback(
    target: Target, caplog: pytest.LogCaptureFixture, coding: str
) -> None:
    """Plain JSON declared compressed: refused for its declared coding; nothing tries to inflate it."""
    route = BY_NAME["orders"]
    body = body_of(route)
    before = await target.snapshot()
    line = f"Content-Encoding: {coding}".encode()

    with caplog.at_level(logging.INFO):
        status = await send_raw(target, route, [signature_line(target, route, body), line], body)

    assert status == 415
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert await target.snapshot() == before


async def test_an_identity_encoding_is_no_encoding(target: Target) -> None:
    route = BY_NAME["orders"]
    body = body_of(route)
    line = b"Content-Encoding: identity"

    assert await send_raw(target, route, [signature_line(target, route, body), line], body) == 200


async def test_a_request_without_a_body_has_nothing_to_refuse(target: Target) -> None:
    response = await target.client.get("/healthz", headers={"Content-Encoding": "gzip"})

    assert response.status == 200


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
async def test_a_client_that_leaves_mid_body_leaves_no_traceback(
    target: Target, served: Serve, caplog: pytest.LogCaptureFixture, route: Route
) -> None:
    """Half a body, then the socket closed: it costs the sender nothing, so it must cost no error log."""
    server = await served()
    before = await target.snapshot()
    _, writer = await server.connect()
    head = f"POST {route.path(target.shop)} HTTP/1.1\r\nHost: {server.host}\r\nContent-Length: 100\r\n\r\n"

    with caplog.at_level(logging.INFO):
        writer.write(head.encode() + b'{"half": "a bo')
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()
        await asyncio.sleep(0.3)  # the server notices and its handler ends

    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert await target.snapshot() == before
