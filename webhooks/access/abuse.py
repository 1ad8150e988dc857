"""Abuse limits: failed credentials are counted per thing guessed, and each API token has a rate.

Both count in MongoDB (``RateLimitStore``, fixed windows of ``ORDERBOT_RATE_LIMIT_WINDOW`` seconds), so they
hold however many web processes share the database. Over a limit the answer is 429 with ``Retry-After``
(the seconds until the window ends).

- Failed credentials. Every request is judged by its own credential first: one whose signature or token
  verifies is served, whatever else has failed, from wherever it came. Providers send every customer's
  webhooks from the same few addresses, and anyone can point their own Twilio account, Meta app or
  Telegram bot at this service, so failures from an address say nothing about the next request from it.
  A request that fails verification (a 401 anywhere, or a 403 from a webhook: a bad, expired or revoked
  token, a bad signature, a wrong secret or verify token) is counted against the thing it tried to pass:
  the API's tokens as a whole (what a forged token guesses at is the one signing key), or the one webhook
  route, with its shop for a shop's route (``POST /webhooks/shopify/{shop_id}`` of that shop). The first
  ``ORDERBOT_AUTH_FAILURE_LIMIT`` failures of a thing in a window are answered 401/403 as before, every
  later one 429; the count is one conditional increment per failure, so however many arrive at once, from
  however many processes, exactly the limit are answered with their own error.

  Serving a right guess while a thing is locked tells a guesser that the guess was right. That is the
  price of never turning honest deliveries away, and it costs nothing here: every credential checked is a
  signature over the body or a token made with a secret no one guesses at a few tries a minute (a Twilio
  auth token, a Meta app secret, ``ORDERBOT_SECRET_KEY``, a shop's generated webhook secret). Secrets the
  operator chooses (``TELEGRAM_WEBHOOK_SECRET``, ``INSTAGRAM_VERIFY_TOKEN``, a shop's own Shopify or
  WooCommerce secret) must be as long and random as those: the lock tells a guesser to slow down, it does
  not hide the answer.
- API rate: each token may make ``ORDERBOT_API_RATE_LIMIT`` requests a window (``charge_token``); a bulk
  action costs one per order.

``client_address`` names the client behind trusted proxies (``ORDERBOT_TRUSTED_PROXIES``): only when the
connection's peer is one of them is ``X-Forwarded-For`` read, from the right, and the first address that is
not a trusted proxy is the client (what is left of it was written by the client and proves nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from orders.store import window_start
from webhooks.access.auth import AuthError, Principal
from webhooks.access.counters import FailureLocks, TokenRates
from webhooks.keys import CLOCK, DATABASE, TOKEN_RATES
from webhooks.middleware import ApiError
from webhooks.settings import IPNetwork, Settings

__all__ = ["FailureLocks", "TokenRates", "abuse_guard", "charge_bulk", "charge_token", "client_address"]

WEBHOOKS = "/webhooks/"
API = "/api/"
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


def failure_key(request: web.Request, error: Exception) -> str | None:
    """What a request that failed verification tried to pass; None when ``error`` is no refused credential.

    A 401 anywhere, or a 403 from a webhook (Twilio's signature check and Meta's verify token answer 403). A
    403 from the API is a token that proved itself but may not do this: not a guess, never counted.
    """
    match error:
        case AuthError():
            status = 401
        case ApiError():
            status = error.status
        case _:
            return None
    if request.path.startswith(API):
        return "api-tokens" if status == 401 else None
    if status not in (401, 403) or not request.path.startswith(WEBHOOKS):
        return None
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else request.path
    shop = request.match_info.get("shop_id")
    return f"{request.method} {route}" if shop is None else f"{request.method} {route} {shop}"


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, ApiError) else str(error)


def abuse_guard(settings: Settings) -> Middleware:
    """The middleware that counts failed credentials per thing guessed and answers 429 past the limit.

    It sits inside the error middleware (which renders what it raises) and sees the handlers' refusals,
    which every route makes before it reads or writes anything else.
    """
    locks = FailureLocks(settings.auth_failure_limit, settings.rate_limit_window)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if locks.limit == 0:
            return await handler(request)
        try:
            return await handler(request)
        except (AuthError, ApiError) as exc:
            key = failure_key(request, exc)
            if key is None:
                raise
            config = request.config_dict  # built anew on every access
            now = config[CLOCK]()
            if not await locks.over_limit(config[DATABASE].rate_limits, f"auth-failures:{key}", now):
                raise
            message = f"too many failed credentials here; try again later ({_reason(exc)})"
            raise _too_many(now, locks.window, message) from None

    return guard


async def charge_token(request: web.Request, principal: Principal, cost: int = 1) -> None:
    """Count ``cost`` API requests against the token's rate; 429 with ``Retry-After`` once it is used up."""
    rates = request.config_dict[TOKEN_RATES]
    if rates.limit == 0 or cost <= 0:
        return
    now = request.config_dict[CLOCK]()
    store = request.config_dict[DATABASE].rate_limits
    if not await rates.take(store, f"token:{principal.token_id}", now, cost):
        raise _too_many(now, rates.window, "this token made too many requests; try again later")


async def charge_bulk(request: web.Request, principal: Principal, orders: int) -> None:
    """A bulk action costs one request per order, the one its request already paid included.

    More orders than the whole rate could never pass: 422, so that a client does not wait for it in vain.
    """
    limit = request.config_dict[TOKEN_RATES].limit
    if limit and orders > limit:
        message = f"a bulk action counts one request per order, and this token may make {limit} a window"
        raise ApiError(422, "invalid_field", message, [{"field": "order_ids", "message": message}])
    await charge_token(request, principal, orders - 1)
