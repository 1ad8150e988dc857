"""Failed credentials never lock out honest deliveries from the same address (issue 24, item 3).

Providers send every customer's webhooks from a few shared addresses, and anyone can point their own
Twilio account at this service. Here the test client (one address) plays Twilio delivering for another
account: past the failure limit, its own correctly signed deliveries of every provider still get 200,
while the failing ones, and guesses at a shop's secret, are answered 429.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels.twilio_forms import parse_form
from tests.hostile.conftest import Target
from tests.hostile.garbage import FORM_ROUTES, fixtures_of
from tests.hostile.routes import BY_NAME
from tests.integration import test_twilio as tw
from webhooks.settings import Settings

LIMIT = 20
ANOTHER_ACCOUNTS_TOKEN = "f" * 32


@pytest.fixture
def hostile_settings(hostile_settings: Settings) -> Settings:
    return hostile_settings.model_copy(update={"auth_failure_limit": LIMIT, "rate_limit_window": 60})


def body_of(route: str) -> bytes:
    payload = fixtures_of(route)[0]
    return urlencode(payload).encode() if route in FORM_ROUTES else json.dumps(payload).encode()


async def deliver(target: Target, route: str, headers: dict[str, str] | None = None) -> ClientResponse:
    """``route``'s first fixture, correctly signed unless ``headers`` say otherwise."""
    hook, body = BY_NAME[route], body_of(route)
    content_type = "application/x-www-form-urlencoded" if route in FORM_ROUTES else "application/json"
    signed = {**hook.signed(target.shop, body), "Content-Type": content_type, **(headers or {})}
    return await target.client.post(hook.path(target.shop), data=body, headers=signed)


def signed_by_another_account() -> dict[str, str]:
    """What Twilio sends for an account whose webhook someone pointed at this service."""
    fields: Any = parse_form(body_of("twilio-messages"))
    signature = RequestValidator(ANOTHER_ACCOUNTS_TOKEN).compute_signature(
        f"{tw.PUBLIC_URL}{tw.MESSAGES}", fields
    )
    return {"X-Twilio-Signature": str(signature)}


async def test_another_accounts_failures_never_refuse_honest_deliveries_from_the_same_address(
    target: Target,
) -> None:
    statuses = [
        (await deliver(target, "twilio-messages", signed_by_another_account())).status for _ in range(25)
    ]
    assert statuses == [403] * LIMIT + [429] * 5  # the failing deliveries are slowed down

    for route in ("twilio-messages", "telegram", "shopify", "instagram", "twilio-messages"):
        answer = await deliver(target, route)
        assert answer.status == 200, (route, await answer.text())
    await target.settle()
    assert await target.raw.messages.count_documents({}) >= 2  # stored, not only answered
    assert await target.raw.events.count_documents({}) >= 1

    refused = await deliver(target, "twilio-messages", signed_by_another_account())
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "60"  # the stopped clock sits at the window's start


async def test_guessing_a_shops_webhook_secret_is_slowed_and_the_shop_keeps_its_deliveries(
    target: Target,
) -> None:
    wrong = {BY_NAME["shopify"].signature_header: "bm90IHRoZSBzaWduYXR1cmU="}
    statuses = [(await deliver(target, "shopify", wrong)).status for _ in range(LIMIT + 3)]
    assert statuses == [401] * LIMIT + [429] * 3
    assert (await (await deliver(target, "shopify", wrong)).json())["error"]["code"] == "rate_limited"

    assert (await deliver(target, "shopify")).status == 200  # the shop's own delivery
    # Each route counts its own failures: another credential of the same shop is not locked by these.
    woo_wrong = {BY_NAME["woocommerce"].signature_header: "bm90IHRoZSBzaWduYXR1cmU="}
    assert (await deliver(target, "woocommerce", woo_wrong)).status == 401
