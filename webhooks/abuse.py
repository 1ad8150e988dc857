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

import asyncio
from collections.abc import Sequence
from datetime import datetime
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from orders.store import RateLimitStore, window_start
from webhooks.auth import AuthError, Principal
from webhooks.keys import CLOCK, DATABASE, TOKEN_RATES
from webhooks.middleware import ApiError
from webhooks.settings import IPNetwork, Settings

__all__ = ["FailureLocks", "TokenRates", "abuse_guard", "charge_bulk", "charge_token", "client_address"]

WEBHOOKS = "/webhooks/"
API = "/api/"
_MAX_ADDRESS = 64
_MAX_KEPT = 10_000


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


class FailureLocks:
    """Failed credentials per thing in the current window, counted in MongoDB; the full ones known here.

    Each failure is one conditional increment (``RateLimitStore.allow``) that either finds room under the
    limit (the request keeps its own 401/403) or does not (429): exact however many failures arrive at
    once, in however many processes. Counts only grow within a window, so a thing once found full stays
    full until the window ends; this process then answers its failures 429 without another write. Requests
    whose credentials verify never get here: honest traffic costs no read and no write.
    """

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self._full: dict[str, int] = {}  # key -> the window in which it was found full

    async def over_limit(self, store: RateLimitStore, key: str, now: datetime) -> bool:
        """Count one failure of ``key``; True when the window already held ``limit`` of them."""
        start = window_start(now, self.window)
        if self._full.get(key) == start:
            return True
        if await store.allow(key, now, limit=self.limit, window_seconds=self.window):
            return False
        if len(self._full) >= _MAX_KEPT:
            self._full.clear()  # mostly past windows; a current one costs one more write to learn again
        self._full[key] = start
        return True


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


class TokenRates:
    """Each token's API rate in one process, taken from the count in MongoDB a batch at a time.

    A request spends what it costs (one; a bulk action one per order) from the requests this process holds
    for the token in the current window; when it holds too few, it takes what is missing, or ``batch`` if
    that is more, from the shared count in one write (only what is missing once fewer are left). So never
    more than ``limit`` requests pass in a window however many processes serve the token, at one write per
    ``batch`` requests; a token that stops using one process may meet 429 up to ``batch - 1`` requests early
    per process it left requests in. One refill per token runs at a time: requests that arrive meanwhile
    wait for it and spend what it brought, instead of each taking a batch of their own. Once the shared
    count cannot give a single request, the rest of the window is refused here without asking again.
    """

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self.batch = max(1, limit // 20)
        self._held: dict[str, tuple[int, int]] = {}  # key -> (window start, requests held)
        self._refills: dict[str, asyncio.Lock] = {}
        self._spent: dict[str, int] = {}  # key -> the window whose shared count ran out

    def _spend(self, key: str, start: int, cost: int, add: int = 0) -> bool:
        """Spend ``cost`` of what is held (after adding ``add``); False, spending nothing, when too few."""
        held_start, held = self._held.get(key, (start, 0))
        held = (held if held_start == start else 0) + add
        if held < cost:
            if add:
                self._held[key] = (start, held)
            return False
        if len(self._held) > _MAX_KEPT:
            self._held.clear()  # old windows' entries; the current ones are re-taken from the database
        self._held[key] = (start, held - cost)
        return True

    def _holding(self, key: str, start: int) -> int:
        held_start, held = self._held.get(key, (start, 0))
        return held if held_start == start else 0

    async def take(self, store: RateLimitStore, key: str, now: datetime, cost: int = 1) -> bool:
        """Whether ``cost`` more requests of ``key`` fit in the window; nothing is spent when they do not."""
        start = window_start(now, self.window)
        if self._spend(key, start, cost):
            return True
        if len(self._refills) > _MAX_KEPT:
            self._refills = {k: lock for k, lock in self._refills.items() if lock.locked()}
            self._spent.clear()
        async with self._refills.setdefault(key, asyncio.Lock()):
            if self._spend(key, start, cost):  # a refill that ran while this request waited
                return True
            if self._spent.get(key) == start:
                return False
            missing = cost - self._holding(key, start)
            for hits in dict.fromkeys((max(self.batch, missing), missing)):
                if await store.allow(key, now, limit=self.limit, window_seconds=self.window, hits=hits):
                    return self._spend(key, start, cost, hits)
            if missing == 1:
                self._spent[key] = start
            return False


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
