"""Trackers registered with a shop's tracking aggregator, so its carrier's news comes back by webhook.

When an order has a tracking number, the shop's AfterShip (``POST /tracking/2025-01/trackings``, header
``as-api-key``, body ``{"tracking_number", "order_number"}``) and EasyPost (``POST /v2/trackers``, basic auth
with the API key, body ``{"tracker": {"tracking_code"}}``) are asked to follow it, each configured one once
per tracking number. The carrier is left for the aggregator to detect: our carrier names are the shop's
free text, not the aggregators' codes. Neither vendor's Python SDK is async (both use ``requests``), so the
documented requests go through aiohttp.

Once is kept in the events store like a webhook delivery (``run_once``): a registration that fails (a
timeout, an error answer) releases its claim and is tried again with the order's next event. AfterShip's
"tracking already exists" (meta code 4003) counts as done; EasyPost answers an existing tracker with it.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from orders.lifecycle import TERMINAL
from orders.model import Order, Shop
from orders.store import EventStore
from orders.usecases import DeliveryInProgress, run_once
from webhooks.settings import Settings

__all__ = ["AFTERSHIP_PATH", "EASYPOST_PATH", "TrackerRefused", "Trackers"]

AFTERSHIP_PATH = "/tracking/2025-01/trackings"
EASYPOST_PATH = "/v2/trackers"
_ALREADY_TRACKED = 4003
_TIMEOUT = aiohttp.ClientTimeout(total=10)

log = logging.getLogger(__name__)


class TrackerRefused(Exception):
    """The aggregator answered a registration with an error."""


class Trackers:
    """Registers orders' parcels with their shops' aggregators over one HTTP session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        events: EventStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._session = session
        self._aftership = settings.aftership_base_url.rstrip("/")
        self._easypost = settings.easypost_base_url.rstrip("/")
        self._events = events
        self._clock = clock

    async def register(self, shop: Shop, order: Order) -> None:
        """Ask each aggregator the shop has an API key for to follow the order's parcel, once per number.

        Failures are logged and left for the order's next event; nothing is raised to the caller.
        """
        number = order.tracking.number if order.tracking else None
        if not number or order.status in TERMINAL:
            return
        for name, key in (("aftership", shop.aftership_api_key), ("easypost", shop.easypost_api_key)):
            if key is None:
                continue

            async def create(name: str = name, key: str = key) -> dict[str, Any]:
                await (self._aftership_create if name == "aftership" else self._easypost_create)(
                    key, number, order
                )
                return {"order_id": order.id}

            try:
                await run_once(self._events, self._clock, f"tracker:{name}:{shop.id}", number[:200], create)
            except DeliveryInProgress:
                continue
            except (aiohttp.ClientError, TimeoutError, TrackerRefused) as exc:
                log.warning(
                    "registering the tracker of order %s with %s failed (%s); tried again with its next event",
                    order.id, name, type(exc).__name__,
                )  # fmt: skip

    async def _aftership_create(self, key: str, number: str, order: Order) -> None:
        body = {"tracking_number": number, "order_number": order.number}
        headers = {"as-api-key": key}
        url = self._aftership + AFTERSHIP_PATH
        async with self._session.post(url, json=body, headers=headers, timeout=_TIMEOUT) as response:
            if response.status < 300:
                return
            answer = await _json(response)
            meta = answer.get("meta") if isinstance(answer, dict) else None
            if isinstance(meta, dict) and meta.get("code") == _ALREADY_TRACKED:
                return
            raise TrackerRefused(f"AfterShip answered {response.status}")

    async def _easypost_create(self, key: str, number: str, order: Order) -> None:
        body = {"tracker": {"tracking_code": number}}
        # HTTP basic auth with the key as the user and no password, as EasyPost documents it
        headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
        url = self._easypost + EASYPOST_PATH
        async with self._session.post(url, json=body, headers=headers, timeout=_TIMEOUT) as response:
            if response.status >= 300:
                raise TrackerRefused(f"EasyPost answered {response.status}")


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return None
