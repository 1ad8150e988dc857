"""The steps every shop-platform and carrier webhook takes, whichever platform sent it: check the signature over the raw
body before anything else is read, parse, refuse an event from the future, count the outcome, answer.

Each step counts what it refuses in the ``webhooks`` metric under the route's source (``orders``,
``shopify``, ``woocommerce``, ``aftership``, ``easypost``) before raising the error the middleware turns into the JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from orders.model import OrderData
from webhooks.keys import CLOCK, METRICS
from webhooks.middleware import ApiError, parse_json
from webhooks.providers import inbound

__all__ = ["Verifier", "answer", "count", "parse", "read_signed", "refuse_future"]

M = TypeVar("M", bound=BaseModel)

#: Checks a signature header over a body with a secret: ``valid(secret, body, header)``.
Verifier = Callable[[str, bytes, str | None], bool]


def count(request: web.Request, source: str, outcome: str) -> None:
    """Count one delivery of ``source`` with its outcome (``accepted``, ``rejected``, ``invalid``...)."""
    request.config_dict[METRICS].webhooks.labels(source, outcome).inc()


async def read_signed(
    request: web.Request, source: str, secret: str | None, header: str, valid: Verifier
) -> bytes:
    """The raw body, once its signature is checked; 401 (and nothing read further) when it is wrong or there
    is no secret to check it with (a shop that has not set up that sender)."""
    body = await request.read()
    if secret is None or not valid(secret, body, request.headers.get(header)):
        count(request, source, "rejected")
        raise ApiError(401, "bad_signature", f"missing or wrong {header}")
    return body


def parse(
    request: web.Request, source: str, model: type[M], body: bytes, context: dict[str, Any] | None = None
) -> M:
    """``body`` as ``model``; 400/422 (counted as invalid) when it is not."""
    try:
        return parse_json(model, body, context)
    except ApiError:
        count(request, source, "invalid")
        raise


def refuse_future(request: web.Request, source: str, data: OrderData, prefix: str = "") -> None:
    """422 (counted as invalid) for an order stamped too far ahead of our clock (``inbound.refuse_future``)."""
    try:
        inbound.refuse_future(data, request.config_dict[CLOCK](), prefix)
    except ApiError:
        count(request, source, "invalid")
        raise


def answer(body: BaseModel) -> web.Response:
    """A 200 with ``body`` as JSON."""
    return web.Response(body=body.model_dump_json(), content_type="application/json")
