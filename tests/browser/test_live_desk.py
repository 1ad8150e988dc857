"""The live desk in Chromium: a customer's WhatsApp message, signed and through the Twilio webhook, shows on an
open desk within a second, from the event stream, with no polling.

Its own app (with Twilio pointed at the stand-in) on the suite's database, served from a background thread
as ``tests/browser/conftest.py`` serves the desk's, with the Twilio stand-in served beside it.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, Request, expect
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.languages.detect import language_after
from orders.lifecycle import Status
from orders.model import Customer, Item, OrderData, Shop
from orders.shops import new_shop
from tests.browser.conftest import NOW, SCREENSHOTS, LiveApp, PageWatch, live_app, served_twilio
from tests.conftest import token_for
from tests.integration.test_twilio import ACCOUNT_SID, AUTH_TOKEN, CUSTOMER_WHATSAPP, SHOP_WHATSAPP, fixture

PUBLIC_URL = "https://orderbot.example.com"


@pytest.fixture(scope="module")
def live_twilio(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with (
        served_twilio(ACCOUNT_SID, AUTH_TOKEN) as twilio,
        live_app(
            mongodb_uri, tmp_path_factory.mktemp("live-desk-var"), name="live_desk",
            ORDERBOT_PUBLIC_URL=PUBLIC_URL, **twilio.settings(),
        ) as app,
    ):  # fmt: skip
        language_after(
            None, "Hello, where is my order?"
        )  # loads the language models once, as a running server has
        yield app


@pytest.fixture
def shop(live_twilio: LiveApp) -> Shop:
    async def seed() -> Shop:
        shop = new_shop("Acme Coffee", NOW, timezone="Europe/Berlin", whatsapp_number=SHOP_WHATSAPP)
        await live_twilio.db.shops.add(shop)
        data = OrderData(
            external_id="ext-1042", number="1042", status=Status.PROCESSING, channel="whatsapp",
            customer=Customer(name="Lena Vogel", phone=CUSTOMER_WHATSAPP),
            items=[Item(title="House Espresso 1 kg", quantity=1, price=Decimal("32.00"))],
            total=Decimal("32.00"), currency="EUR", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        await live_twilio.service.shop_events.apply_event(shop, "created", data)
        return shop

    return live_twilio.run(seed())


def whatsapp_from_customer(live: LiveApp, text: str) -> None:
    """The customer's message, as Twilio delivers it: a form POST signed with the account's token."""
    params = fixture("whatsapp_text", Body=text, MessageSid="SM" + secrets.token_hex(16))
    path = "/webhooks/twilio/messages"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}{path}", params)
    request = urllib.request.Request(
        f"{live.url}{path}",
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_a_customers_whatsapp_message_shows_on_the_open_desk_within_a_second_without_polling(
    page: Page, live_twilio: LiveApp, shop: Shop, watch: PageWatch
) -> None:
    asked: list[str] = []
    polled: list[str] = []  # the revision check the desk polls with sends the ETag it has

    def seen(request: Request) -> None:
        path = urllib.parse.urlparse(request.url).path
        asked.append(path)
        if path == "/api/v1/shop/revision" and "if-none-match" in request.headers:
            polled.append(path)

    page.on("request", seen)
    page.goto(f"{live_twilio.url}/dashboard#token={token_for(shop)}")
    expect(page.locator(".live-state")).to_have_attribute("data-live", "live")
    expect(page.get_by_text("No new alerts.")).to_be_visible()
    expect(page.locator('table.attention tr[data-order="1042"]')).to_have_count(0)
    asked.clear()
    polled.clear()

    started = time.monotonic()
    whatsapp_from_customer(live_twilio, "I want to talk to a real person about order 1042")
    alert = page.locator(".alert-list li").filter(
        has_text="🙋 Lena Vogel on whatsapp asks for a person about order #1042."
    )
    expect(alert).to_be_visible(timeout=1000)
    row = page.locator('table.attention tr[data-order="1042"]')
    expect(row).to_contain_text(
        "Customer waiting", timeout=max(100, int(1000 - (time.monotonic() - started) * 1000))
    )
    took = time.monotonic() - started
    assert took < 1.0, took
    page.screenshot(path=str(SCREENSHOTS / "live-desk-alert.png"))
    page.wait_for_timeout(3500)  # longer than the polling check's interval
    assert polled == []  # the stream told it; nothing polled
    assert "/api/v1/events" not in asked  # the one stream stayed open

    alert.get_by_role("button", name="Mark seen").click()
    expect(page.get_by_text("No new alerts.")).to_be_visible()
    assert watch.errors == [] and watch.dialogs == []
