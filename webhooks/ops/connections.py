"""How connections are served: how long one may idle, how many one client address may hold, and the server.

aiohttp bounds a request's size, and with ``keepalive_timeout`` how long a connection may sit without a
request, but not how many connections one address may open: a few hundred sockets that never finish a
request would hold the process's file descriptors and a task each. ``ConnectionLimit`` counts the open
connections of each client address; one over ``ORDERBOT_CONNECTIONS_PER_ADDRESS`` is answered 429 and
closed before aiohttp sees a byte of it.

Counted per address, except:

- an IPv6 client counts per /64 network, the block one subscriber is usually given, so that walking through
  its addresses does not multiply its share;
- a trusted proxy (``ORDERBOT_TRUSTED_PROXIES``) is not counted at all: every client behind it shares its
  address, so bounding it would cut them all off. The proxy bounds its own clients, and each request it
  forwards still has ``ORDERBOT_BODY_TIMEOUT_SECONDS`` to arrive.

Providers share addresses too (Telegram opens up to 100 connections per bot from its own network), hence a
default well above one client's needs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from webhooks.settings import IPNetwork, Settings

__all__ = ["ConnectionLimit", "LimitedSite", "connection_options", "serve"]

log = logging.getLogger(__name__)

#: The prefix one IPv6 subscriber is usually given: its connections count together.
IPV6_PREFIX = 64


def connection_options(settings: Settings) -> dict[str, Any]:
    """How aiohttp serves every connection (the app's ``handler_args``, so test servers get them too).

    Request bodies are never inflated (``request_body`` refuses compressed ones), and a connection without a
    request is closed after ``ORDERBOT_KEEPALIVE_SECONDS``, before its first request too.
    """
    return {"auto_decompress": False, "keepalive_timeout": settings.keepalive_seconds}


def _refusal() -> bytes:
    body = json.dumps(
        {"error": {"code": "too_many_connections", "message": "too many open connections from this address"}}
    ).encode()
    head = (
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


REFUSAL = _refusal()


class ConnectionLimit:
    """Open connections per client address; ``admit`` one more or not, ``release`` it when it closes."""

    def __init__(self, per_address: int, proxies: Sequence[IPNetwork] = ()) -> None:
        self.per_address = per_address
        self.proxies = tuple(proxies)
        self._open: Counter[str] = Counter()
        self._refusing: set[str] = set()  # addresses refused since they last dropped under the bound

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimit:
        return cls(settings.connections_per_address, settings.proxy_networks)

    def key(self, peer: str) -> str | None:
        """What a peer's connections count under; None when they are not counted (a proxy, no address)."""
        try:
            address: IPv4Address | IPv6Address = ip_address(peer)
        except ValueError:
            return None
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.proxies):
            return None
        if isinstance(address, IPv6Address):
            return str(IPv6Network((address, IPV6_PREFIX), strict=False))
        return str(address)

    def admit(self, key: str) -> bool:
        if self.per_address and self._open[key] >= self.per_address:
            if key not in self._refusing:  # once while it stays at the bound: a flood writes one line
                self._refusing.add(key)
                log.warning("refusing connections from %s: it holds %d open", key, self._open[key])
            return False
        self._open[key] += 1
        return True

    def release(self, key: str) -> None:
        self._open[key] -= 1
        self._refusing.discard(key)
        if self._open[key] <= 0:
            del self._open[key]

    def open_connections(self, key: str) -> int:
        return self._open[key]


class _Admitted(asyncio.Protocol):
    """One connection: refused at once when its address holds too many, else handed to aiohttp's protocol."""

    def __init__(self, limit: ConnectionLimit, serve: Callable[[], asyncio.Protocol]) -> None:
        self._limit = limit
        self._serve = serve
        self._inner: asyncio.Protocol | None = None
        self._key: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        key = self._limit.key(peer[0] if isinstance(peer, tuple) else "")
        if key is not None:
            if not self._limit.admit(key):
                assert isinstance(transport, asyncio.WriteTransport)
                transport.write(REFUSAL)
                transport.close()
                return
            self._key = key
        self._inner = self._serve()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._key is not None:
            self._limit.release(self._key)
            self._key = None
        if self._inner is not None:
            self._inner.connection_lost(exc)


class LimitedSite(web.BaseSite):
    """A TCP site whose connections pass a ``ConnectionLimit`` before aiohttp serves them."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limit: ConnectionLimit) -> None:
        super().__init__(runner)
        self.host = host
        self.requested_port = port
        self.limit = limit
        self._listening: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose, when 0 was asked for)."""
        if self._listening is None or not self._listening.sockets:
            return self.requested_port
        return int(self._listening.sockets[0].getsockname()[1])

    @property
    def name(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = self._listening = await asyncio.get_running_loop().create_server(
            lambda: _Admitted(self.limit, server), self.host, self.requested_port, backlog=self._backlog
        )


async def serve(
    app: web.Application, settings: Settings, *, access_log_class: type[AbstractAccessLogger]
) -> None:
    """Serve ``app`` on the settings' host and port, connections limited per address, until cancelled."""
    runner = web.AppRunner(app, access_log_class=access_log_class)
    await runner.setup()
    try:
        site = LimitedSite(runner, settings.host, settings.port, ConnectionLimit.from_settings(settings))
        await site.start()
        log.info("serving on %s", site.name)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
