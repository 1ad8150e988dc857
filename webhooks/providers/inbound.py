"""Helpers shared by the provider webhook routes."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from channels.base import WebhookRequest
from orders.model import OrderData
from webhooks.middleware import ApiError
from webhooks.settings import Settings

#: How far a shop's clock may run ahead of ours.
MAX_CLOCK_SKEW = timedelta(days=1)


def header_text(request: web.Request, name: str) -> str | None:
    """A header's value as text; 400 when its bytes are not UTF-8.

    aiohttp decodes header bytes that are not UTF-8 into lone surrogates, which no database can store: a
    delivery id made of them would fail only when it is written.
    """
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "malformed", f"{name} is not UTF-8 text") from None
    return value


def refuse_future(data: OrderData, now: datetime, prefix: str = "") -> None:
    """422 for an order event stamped more than a day ahead of our clock.

    Events older than the newest one applied are ignored as stale, so one event from the year 9999 would
    make every real event after it stale: the order would never move again.
    """
    for name, value in (("created_at", data.created_at), ("updated_at", data.updated_at)):
        if value is not None and value > now + MAX_CLOCK_SKEW:
            detail = {"field": f"{prefix}{name}", "message": "is more than a day ahead of the server's clock"}
            raise ApiError(422, "invalid_field", "some fields are invalid", [detail])


async def webhook_request(request: web.Request, settings: Settings) -> WebhookRequest:
    """The request as adapters see it, with the URL the provider called.

    Behind a proxy the service sees its own address, not the public one the provider signed (Twilio signs
    the full URL), so ``ORDERBOT_PUBLIC_URL`` + the path and query stand in for it when set.
    """
    url = f"{settings.public_url.rstrip('/')}{request.path_qs}" if settings.public_url else str(request.url)
    body = await request.read()
    return WebhookRequest(url=url, headers=dict(request.headers), body=body, query=dict(request.query))
