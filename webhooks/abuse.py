"""Abuse limits: an address that keeps failing authentication is slowed down, and each API token has a rate.

Both count in MongoDB (``RateLimitStore``, fixed windows of ``ORDERBOT_RATE_LIMIT_WINDOW`` seconds), so they
hold however many web processes share the database. Over a limit the answer is 429 with ``Retry-After``
(the seconds until the window ends), given before any other work is done.

- Failed authentications: every answer 401 or 403 under ``/api/`` or ``/webhooks/`` (a bad or revoked token,
  a bad signature, a wrong verify token) counts against the client's address. Once an address has
  ``ORDERBOT_AUTH_FAILURE_LIMIT`` of them in a window, all its requests there get 429 until the window ends,
  valid ones included: otherwise a guess that happens to be right would still be told apart.
- API rate: each token may make ``ORDERBOT_API_RATE_LIMIT`` requests a window (``charge_token``).

The client's address is the connection's peer. Only when that peer is one of ``ORDERBOT_TRUSTED_PROXIES``
is ``X-Forwarded-For`` read: from the right, the first address that is not a trusted proxy is the client
(what is left of it was written by the client and proves nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from webhooks.auth import AuthError, Principal
from webhooks.keys import CLOCK, DATABASE, SETTINGS
from webhooks.middleware import ApiError
from webhooks.settings import IPNetwork, Settings

__all__ = ["abuse_guard", "charge_token", "client_address"]

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
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def _retry_after(now: datetime, window: int) -> int:
    """Seconds until the fixed window that holds ``now`` ends (``orders.store.window_start``)."""
    return max(1, window - int(now.timestamp()) % window)


def _too_many(now: datetime, window: int, message: str) -> ApiError:
    return ApiError(429, "rate_limited", message, headers={"Retry-After": str(_retry_after(now, window))})


def _failed_status(exc: Exception) -> int | None:
    match exc:
        case AuthError():
            return 401
        case ApiError() | web.HTTPException():
            return exc.status
    return None


def abuse_guard(settings: Settings) -> Middleware:
    """The middleware that counts failed authentications per address and refuses an address over the limit.

    It sits inside the error middleware (which renders what it raises) and sees handlers' exceptions.
    """
    proxies = settings.proxy_networks
    limit = settings.auth_failure_limit
    window = settings.rate_limit_window

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if limit == 0 or not request.path.startswith(GUARDED_PREFIXES):
            return await handler(request)
        store = request.config_dict[DATABASE].rate_limits
        now = request.config_dict[CLOCK]()
        key = f"auth-failures:{client_address(request, proxies)}"
        if await store.used(key, now, window_seconds=window) >= limit:
            raise _too_many(now, window, "too many failed authentications from this address; try again later")
        try:
            response = await handler(request)
        except Exception as exc:
            if _failed_status(exc) in FAILED_STATUSES:
                await store.allow(key, now, limit=limit, window_seconds=window)
            raise
        if response.status in FAILED_STATUSES:
            await store.allow(key, now, limit=limit, window_seconds=window)
        return response

    return guard


async def charge_token(request: web.Request, principal: Principal) -> None:
    """Count one API request against its token's rate; 429 with ``Retry-After`` once the rate is used up."""
    settings = request.config_dict[SETTINGS]
    if settings.api_rate_limit == 0:
        return
    now = request.config_dict[CLOCK]()
    window = settings.rate_limit_window
    allowed = await request.config_dict[DATABASE].rate_limits.allow(
        f"token:{principal.token_id}", now, limit=settings.api_rate_limit, window_seconds=window
    )
    if not allowed:
        raise _too_many(now, window, "this token made too many requests; try again later")
