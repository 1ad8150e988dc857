"""Whether a failed HTTP request may have reached the provider: the line between retrying and reviewing.

A request that failed before it was written (DNS, a refused connection, a connect timeout) certainly did
not reach the provider and can be sent again. One that failed after it was written (a read timeout, a
connection dropped before the answer) may have been taken: resending it could deliver the message twice,
so it is *ambiguous*. ``trace_config`` lets an aiohttp session report, per send, when the request went on
the wire; ``watch`` scopes that report to one send (a context variable, as aiohttp runs the trace
callbacks in the sending task); ``ambiguous`` decides from the error and the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace

import aiohttp

#: Errors aiohttp raises only before any byte of the request was written.
NOT_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # DNS, refused, unreachable, TLS handshake
    aiohttp.ConnectionTimeoutError,  # connect (or waiting for a pooled connection) timed out
    aiohttp.InvalidURL,
)


@dataclass
class Progress:
    """What one send got to: ``started`` once a traced session began it, ``written`` once it was sent."""

    started: bool = False
    written: bool = False


_current: ContextVar[Progress | None] = ContextVar("wire_progress", default=None)


@contextmanager
def watch() -> Iterator[Progress]:
    """Record how far the requests made inside the block got (through a session with ``trace_config``)."""
    progress = Progress()
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)


async def _started(_session: aiohttp.ClientSession, _ctx: SimpleNamespace, _params: object) -> None:
    if (progress := _current.get()) is not None:
        progress.started = True


async def _written(_session: aiohttp.ClientSession, _ctx: SimpleNamespace, _params: object) -> None:
    if (progress := _current.get()) is not None:
        progress.written = True


def trace_config() -> aiohttp.TraceConfig:
    """For ``ClientSession(trace_configs=[...])``: marks the watched send started, then written."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_started)
    config.on_request_headers_sent.append(_written)  # the request line and headers go out first
    return config


def ambiguous(exc: BaseException, progress: Progress) -> bool:
    """Whether a request that failed with ``exc`` (no answer read) may have reached the provider.

    Errors of the connect phase never did. Otherwise a traced send knows whether it was written; an
    untraced one (or a timeout of our own around it) cannot tell, so it counts as ambiguous.
    """
    if isinstance(exc, NOT_SENT):
        return False
    if progress.started:
        return progress.written
    return True


__all__ = ["NOT_SENT", "Progress", "ambiguous", "trace_config", "watch"]
