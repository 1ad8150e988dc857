"""Signed webhook deliveries as providers send them, and what became of each, for the fault tests.

A ``Delivery`` is one provider event (a shop's order event or a Twilio message) that the provider sends
until it is answered 200, as the real ones retry. ``Ledger`` records every answer.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from webhooks.shop_platforms.generic import sign

PUBLIC_URL = "https://orderbot.example.com"
ACCOUNT_SID = "AC" + secrets.token_hex(16)  # made up per run: the stand-in's account
AUTH_TOKEN = secrets.token_hex(16)  # made up per run, never a real credential
SHOP_SMS = "+14155550132"


@dataclass(frozen=True)
class Delivery:
    """One event a provider delivers until it gets a 200."""

    kind: str  # "order" or "twilio"
    key: str  # the event id or MessageSid
    path: str
    body: bytes
    headers: dict[str, str]


def order_delivery(shop_id: str, secret: str, n: int) -> Delivery:
    order = {
        "id": f"F-{n}", "number": str(5000 + n), "status": "processing",
        "customer": {"name": f"Customer {n}", "phone": f"+1415555{n:04d}"},
        "updated_at": "2026-11-02T08:00:00Z", "channel": "sms",
    }  # fmt: skip
    body = json.dumps({"event": "order.created", "order": order}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Orderbot-Signature": sign(secret, body),
        "X-Orderbot-Event-Id": f"fault-evt-{n}",
    }
    return Delivery("order", f"fault-evt-{n}", f"/webhooks/orders/{shop_id}", body, headers)


def twilio_delivery(n: int, *, public_url: str = PUBLIC_URL) -> Delivery:
    params = {
        "MessageSid": f"SM{n:032x}", "AccountSid": ACCOUNT_SID, "From": f"+1415666{n:04d}", "To": SHOP_SMS,
        "Body": f"where is my order {5000 + n}?", "NumMedia": "0",
    }  # fmt: skip
    path = "/webhooks/twilio/messages"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{public_url}{path}", params)
    body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B").encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return Delivery("twilio", params["MessageSid"], path, body, headers)


@dataclass
class Ledger:
    """Every answer each delivery got, in order; ``None`` for a dropped connection."""

    answers: dict[str, list[int | None]] = field(default_factory=dict)  # by delivery key
    retry_after: list[str | None] = field(default_factory=list)

    async def send(self, session: aiohttp.ClientSession, base_url: str, delivery: Delivery) -> int | None:
        status: int | None
        try:
            async with session.post(
                base_url + delivery.path, data=delivery.body, headers=delivery.headers
            ) as response:
                await response.read()
                status = response.status
                if status == 503:
                    self.retry_after.append(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError):
            status = None
        self.answers.setdefault(delivery.key, []).append(status)
        return status

    def acknowledged(self) -> set[str]:
        """Keys of the deliveries answered 200 at least once: the provider considers them done."""
        return {key for key, statuses in self.answers.items() if 200 in statuses}

    def statuses(self) -> Counter[int | None]:
        return Counter(status for statuses in self.answers.values() for status in statuses)


async def stored(raw: Any) -> tuple[Counter[str], Counter[str]]:
    """What the database holds: orders by external id, applied or still waiting as an accepted event, and
    inbound messages by provider id, handled (in ``messages``) or still waiting in the inbox (with counts, so
    a duplicate shows as a 2)."""
    # An order event is applied after its answer: one still waiting is there as its claim. The claims
    # first, for the same reason as the inbox below (a claim is marked done after its order is written).
    claims = raw["events"].find({"state": "processing", "payload": {"$exists": True}}, {"payload.data": 1})
    accepted = {doc["payload"]["data"]["external_id"] async for doc in claims}
    orders = Counter([doc["external_id"] async for doc in raw["orders"].find({}, {"external_id": 1})])
    orders.update(accepted - orders.keys())
    # The inbox first: a message is added to ``messages`` before it leaves the inbox, so one that moves
    # while this reads is seen in one or the other, never in neither.
    waiting = {doc["message"]["provider_id"] async for doc in raw["inbox"].find({})}
    messages = Counter(
        [doc["provider_id"] async for doc in raw["messages"].find({"direction": "in"}, {"provider_id": 1})]
    )
    messages.update(waiting - messages.keys())  # one moved but not yet taken out of the inbox is there once
    return orders, messages


def expected_key(delivery: Delivery) -> str:
    """The stored key a delivery must show up under."""
    return f"F-{delivery.key.removeprefix('fault-evt-')}" if delivery.kind == "order" else delivery.key
