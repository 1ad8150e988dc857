"""A body over 1 MiB is refused with 413 before it is read whole, on every webhook route.

The bodies are sent over a raw socket, so that nothing in a client library buffers, rewrites or waits: a
declared ``Content-Length`` over the limit is answered before one byte of the body is sent, and a chunked
body of many MiB is answered while most of it is still unsent, with the server's memory (traced in this
process, where the test server runs) growing by a small fraction of what was offered.
"""

from __future__ import annotations

import asyncio
import tracemalloc

from tests.hostile.conftest import Target
from tests.hostile.routes import ROUTES, Route

MiB = 1024 * 1024
CHUNK = 64 * 1024


def head(target: Target, route: Route, framing: str) -> bytes:
    """The request line and headers of a signed-looking POST (the telegram secret is the real one)."""
    headers = route.signed(target.shop, b"")
    lines = [
        f"POST {route.path(target.shop)} HTTP/1.1",
        f"Host: {target.client.host}",
        "Content-Type: application/json",
        framing,
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def connect(target: Target) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    server = target.client.server
    return await asyncio.open_connection(server.host, server.port)


async def status_of(response: asyncio.Task[bytes]) -> int:
    status_line = (await asyncio.wait_for(response, 10)).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


async def stream(
    writer: asyncio.StreamWriter, response: asyncio.Task[bytes], total: int, *, stop: bool
) -> int:
    """Send a chunked body of ``total`` bytes; with ``stop``, only until the answer arrives. Bytes sent."""
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)
    sent = 0
    while sent < total and not (stop and response.done()):
        try:
            writer.write(chunk)
            await writer.drain()
        except ConnectionError:
            break
        sent += CHUNK
        await asyncio.sleep(0.001)  # the server runs in this loop: let it read what arrived
    return sent


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(target: Target) -> None:
    before = await target.snapshot()
    for route in ROUTES:
        reader, writer = await connect(target)
        writer.write(head(target, route, f"Content-Length: {64 * MiB}"))
        await writer.drain()

        status = await status_of(asyncio.ensure_future(reader.readuntil(b"\r\n\r\n")))  # no body byte sent

        writer.close()
        assert status == 413, route.name
    assert await target.snapshot() == before


async def test_a_chunked_body_over_the_limit_is_refused_while_most_of_it_is_unsent(target: Target) -> None:
    before = await target.snapshot()
    for route in ROUTES:
        reader, writer = await connect(target)
        writer.write(head(target, route, "Transfer-Encoding: chunked"))
        response = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))

        sent = await stream(writer, response, 16 * MiB, stop=True)

        assert await status_of(response) == 413, route.name
        assert sent < 2 * MiB, f"{route.name} answered after {sent / MiB:.1f} MiB of 16"
        writer.close()
    assert await target.snapshot() == before


async def test_the_server_never_holds_much_more_than_the_limit_of_a_chunked_body(target: Target) -> None:
    route = next(route for route in ROUTES if route.name == "orders")
    reader, writer = await connect(target)
    writer.write(head(target, route, "Transfer-Encoding: chunked"))
    response = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        sent = await stream(writer, response, 24 * MiB, stop=False)  # keep sending after the answer
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    writer.close()

    assert await status_of(response) == 413
    assert sent == 24 * MiB
    assert peak < 3 * MiB, f"memory grew by {peak / MiB:.1f} MiB while 24 MiB were offered"
