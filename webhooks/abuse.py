"""Abuse limits: an address that keeps failing authentication is slowed down, and each API token has a rate.

Both count in MongoDB (``RateLimitStore``, fixed windows of ``ORDERBOT_RATE_LIMIT_WINDOW`` seconds), so they
hold however many web processes share the database. Over a limit the answer is 429 with ``Retry-After``
(the seconds until the window ends), given before any other work is done.

- Failed authentications: every answer 401 or 403 under ``/api/`` or ``/webhooks/`` (a bad or revoked token,
  a bad signature, a wrong verify token) counts against the client's address. Once an address has
  ``ORDERBOT_AUTH_FAILURE_LIMIT`` of them in a window, all its requests there get 429 until the window ends,
  valid ones included: otherwise a guess that happens to be right would still be told apart. Each process
  reads an address's count at most once a second while it sees no failures from it (``FailureCounts``), so
  honest traffic costs no read per request; a failure makes the next request read again.
- API rate: each token may make ``ORDERBOT_API_RATE_LIMIT`` requests a window (``charge_token``).

The client's address is the connection's peer. Only when that peer is one of ``ORDERBOT_TRUSTED_PROXIES``
is ``X-Forwarded-For`` read: from the right, the first address that is not a trusted proxy is the client
(what is left of it was written by the client and proves nothing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from orders.shared_answers import SharedAnswers
from orders.store import RateLimitStore, window_start
from webhooks.auth import AuthError, Principal
from webhooks.keys import CLOCK, DATABASE, TOKEN_RATES
from webhooks.middleware import ApiError
from webhooks.settings import IPNetwork, Settings

__all__ = ["FailureCounts", "TokenRates", "abuse_guard", "charge_token", "client_address"]

GUARDED_PREFIXES = ("/api/", "/webhooks/")
FAILED_STATUSES = frozenset({401, 403})
_MAX_ADDRESS = 64


def client_address(request: web.BaseRequest, proxies: Sequence[IPNetwork]) -> str:
    """The address a request came from, looking through trusted proxies only."""
    remote = request.remote or "unknown"
    if not _trusted(remote, proxies):
        return remote
    hops = [
        hop.strip() for value in request.headers.getall("X-Forwarded-For", []) for hop in value.split(",")
    ]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:_MAX_ADDRESS]
    return hops[0][:_MAX_ADDRESS] if hops else remote


def _trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    if not proxies:  # the usual case: no address to parse on every request
        return False
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def _retry_after(now: datetime, window: int) -> int:
    """Seconds until the fixed window that holds ``now`` ends."""
    return max(1, window_start(now, window) + window - int(now.timestamp()))


def _too_many(now: datetime, window: int, message: str) -> ApiError:
    return ApiError(429, "rate_limited", message, headers={"Retry-After": str(_retry_after(now, window))})


def _failed_status(exc: Exception) -> int | None:
    match exc:
        case AuthError():
            return 401
        case ApiError() | web.HTTPException():
            return exc.status
    return None


class FailureCounts:
    """Failed authentications per address in the current window, as this process last read them.

    A count is read again after ``FRESH_SECONDS``, at once after a failure here, and in every new window; so
    failures through other processes are seen within a second, and clean traffic costs one read a second per
    address instead of one per request; requests that find the count stale at the same moment share one read.
    """

    FRESH_SECONDS = 1.0

    def __init__(self, window: int) -> None:
        self.window = window
        # (key, window start) -> the count, stamped with when it was read (monotonic seconds)
        self._counts: SharedAnswers[tuple[str, int], float, int] = SharedAnswers(limit=10_000)

    async def used(self, store: RateLimitStore, key: str, now: datetime) -> int:
        asked = time.monotonic()
        return await self._counts.get(
            (key, window_start(now, self.window)),
            asked,
            lambda read_at: asked - read_at < self.FRESH_SECONDS,
            lambda: store.used(key, now, window_seconds=self.window),
        )

    async def failed(self, store: RateLimitStore, key: str, now: datetime, limit: int) -> None:
        await store.allow(key, now, limit=limit, window_seconds=self.window)
        self._counts.discard((key, window_start(now, self.window)))


def abuse_guard(settings: Settings) -> Middleware:
    """The middleware that counts failed authentications per address and refuses an address over the limit.

    It sits inside the error middleware (which renders what it raises) and sees handlers' exceptions.
    """
    proxies = settings.proxy_networks
    limit = settings.auth_failure_limit
    window = settings.rate_limit_window

    counts = FailureCounts(window)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if limit == 0 or not request.path.startswith(GUARDED_PREFIXES):
            return await handler(request)
        config = request.config_dict  # built anew on every access
        store = config[DATABASE].rate_limits
        now = config[CLOCK]()
        key = f"auth-failures:{client_address(request, proxies)}"
        if await counts.used(store, key, now) >= limit:
            raise _too_many(now, window, "too many failed authentications from this address; try again later")
        try:
            response = await handler(request)
        except Exception as exc:
            if _failed_status(exc) in FAILED_STATUSES:
                await counts.failed(store, key, now, limit)
            raise
        if response.status in FAILED_STATUSES:
            await counts.failed(store, key, now, limit)
        return response

    return guard


class TokenRates:
    """Each token's API rate in one process, taken from the count in MongoDB a batch at a time.

    A request spends one of the requests this process holds for the token in the current window; when it
    holds none, it takes ``batch`` more from the shared count in one write (one by one once fewer are left).
    So never more than ``limit`` requests pass in a window however many processes serve the token, at one
    write per ``batch`` requests; a token that stops using one process may meet 429 up to ``batch - 1``
    requests early per process it left requests in. One refill per token runs at a time: requests that
    arrive meanwhile wait for it and spend what it brought, instead of each taking a batch of their own.
    Once the shared count has none left, the rest of the window is refused here without asking again.
    """

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self.batch = max(1, limit // 20)
        self._held: dict[str, tuple[int, int]] = {}  # key -> (window start, requests held)
        self._refills: dict[str, asyncio.Lock] = {}
        self._spent: dict[str, int] = {}  # key -> the window whose shared count ran out

    def _spend(self, key: str, start: int, add: int = 0) -> bool:
        held_start, held = self._held.get(key, (start, 0))
        held = (held if held_start == start else 0) + add
        if held == 0:
            return False
        if len(self._held) > 10_000:
            self._held.clear()  # old windows' entries; the current ones are re-taken from the database
        self._held[key] = (start, held - 1)
        return True

    async def take(self, store: RateLimitStore, key: str, now: datetime) -> bool:
        """Whether one more request of ``key`` fits in the window."""
        start = window_start(now, self.window)
        if self._spend(key, start):
            return True
        if len(self._refills) > 10_000:
            self._refills = {k: lock for k, lock in self._refills.items() if lock.locked()}
            self._spent.clear()
        async with self._refills.setdefault(key, asyncio.Lock()):
            if self._spend(key, start):  # a refill that ran while this request waited
                return True
            if self._spent.get(key) == start:
                return False
            for hits in dict.fromkeys((self.batch, 1)):
                if await store.allow(key, now, limit=self.limit, window_seconds=self.window, hits=hits):
                    return self._spend(key, start, hits)
            self._spent[key] = start
            return False


async def charge_token(request: web.Request, principal: Principal) -> None:
    """Count one API request against its token's rate; 429 with ``Retry-After`` once the rate is used up."""
    rates = request.config_dict[TOKEN_RATES]
    if rates.limit == 0:
        return
    now = request.config_dict[CLOCK]()
    if not await rates.take(request.config_dict[DATABASE].rate_limits, f"token:{principal.token_id}", now):
        raise _too_many(now, rates.window, "this token made too many requests; try again later")
