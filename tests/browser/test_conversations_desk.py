"""The desk's conversations in Chromium, against the real app and database, with the real twilio SDK sending
to the Messages API stand-in: a staff answer from the desk reaches the customer, the WhatsApp window's
warning shows before sending, and a hostile customer text is shown as text.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from orders.lifecycle import Status
from orders.model import (
    Customer,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    NotifyPolicy,
    OrderData,
    Shop,
    new_id,
)
from orders.shops import new_shop
from tests.browser.conftest import NOW, SCREENSHOTS, LiveApp, PageWatch, ServedTwilio, live_app, served_twilio
from tests.conftest import token_for

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "6" * 32
NUDGE_SID = "HX" + "d" * 32
HOSTILE = "<img src=x onerror=alert(1)> where is it?"


@pytest.fixture(scope="module")
def twilio() -> Iterator[ServedTwilio]:
    with served_twilio(ACCOUNT_SID, AUTH_TOKEN, approved=(NUDGE_SID,)) as served:
        yield served


@pytest.fixture(scope="module")
def live_twilio(
    mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory, twilio: ServedTwilio
) -> Iterator[LiveApp]:
    with live_app(mongodb_uri, tmp_path_factory.mktemp("conversations-var"), **twilio.settings()) as app:
        yield app


def seed(live: LiveApp, *, name: str, phone: str, wrote: timedelta, text: str, number: str) -> Shop:
    """A WhatsApp shop whose customer ``name`` wrote ``text`` ``wrote`` ago about order ``number``."""

    async def made() -> Shop:
        # quiet all day: the new order's status update waits, while a person's answer goes at once
        quiet = NotifyPolicy(whatsapp_templates={"nudge": NUDGE_SID}, quiet_start="00:00", quiet_end="23:59")
        shop = new_shop(
            f"Acme Coffee {secrets.token_hex(3)}", NOW, timezone="Europe/Berlin",
            whatsapp_number=f"+1415523{secrets.randbelow(10_000):04d}", notify=quiet,
        )  # fmt: skip
        await live.db.shops.add(shop)
        data = OrderData(
            external_id=f"ext-{number}", number=number, status=Status.PROCESSING,
            customer=Customer(name=name, phone=phone), channel="whatsapp", created_at=NOW - timedelta(days=2),
        )  # fmt: skip
        await live.service.shop_events.apply_event(shop, "created", data)
        live.clock.advance(minutes=1)  # the customer writes after the order's (held) status update
        customer = await live.db.customers.find_or_create(shop.id, now=live.clock(), phone=phone)
        at = live.clock() - wrote
        await live.db.customers.record_inbound(shop.id, customer.id, "whatsapp", at)
        await live.db.messages.add(
            Message(
                id=MessageId(new_id("msg")), shop_id=shop.id, customer_id=customer.id, channel="whatsapp",
                direction=Direction.INBOUND, provider_id="SM" + secrets.token_hex(16), sender=phone,
                recipient=shop.whatsapp_number or "", body=text, state=DeliveryState.PROCESSED,
                intent="order_status", created_at=at, updated_at=at,
            )
        )  # fmt: skip
        return shop

    return live.run(made())


def open_conversation(page: Page, live: LiveApp, shop: Shop, name: str) -> Any:
    page.goto(f"{live.url}/dashboard#token={token_for(shop)}")
    page.get_by_role("button", name=f"Open the conversation with {name}").click()
    return page.get_by_role("dialog", name="Conversation")


def test_a_staff_answer_from_the_desk_reaches_the_customer_on_whatsapp(
    page: Page, live_twilio: LiveApp, twilio: ServedTwilio, watch: PageWatch
) -> None:
    phone = "+4915112340001"
    shop = seed(
        live_twilio,
        name="Lena Roth",
        phone=phone,
        wrote=timedelta(hours=1),
        text="Where is my parcel?",
        number="2001",
    )
    twilio.standin.customer_wrote(phone)
    dialog = open_conversation(page, live_twilio, shop, "Lena Roth")

    expect(dialog.locator(".message-in .message-text")).to_have_text("Where is my parcel?")
    expect(dialog.locator(".message-in .intent")).to_have_text("where is my order")
    plan = dialog.locator(".answer-plan")
    expect(plan).to_have_text("Your text goes now on WhatsApp (inside the 24-hour window).")
    dialog.get_by_label("Your answer").fill("It left our roastery this morning!")
    dialog.get_by_role("button", name="Send answer").click()

    expect(dialog.get_by_text(re.compile("^Answer queued"))).to_be_visible()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not [
        r for r in twilio.standin.created if r["To"] == f"whatsapp:{phone}"
    ]:
        time.sleep(0.05)
    [sent] = [r for r in twilio.standin.created if r["To"] == f"whatsapp:{phone}"]
    assert sent["Body"] == "It left our roastery this morning!"
    expect(dialog.locator(".message-out .message-text").last).to_have_text(
        "It left our roastery this morning!"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "conversation-answered.png"))
    assert watch.errors == [] and watch.dialogs == []


def test_outside_the_window_the_desk_warns_before_sending(
    page: Page, live_twilio: LiveApp, twilio: ServedTwilio
) -> None:
    phone = "+4915112340002"
    shop = seed(
        live_twilio, name="Omar Haddad", phone=phone, wrote=timedelta(hours=30), text="hello?", number="2002"
    )
    dialog = open_conversation(page, live_twilio, shop, "Omar Haddad")

    plan = dialog.locator(".answer-plan")
    expect(plan).to_have_attribute("data-will", "template_first")
    expect(plan).to_have_text(
        "Outside WhatsApp's 24-hour window: a template goes first, your text when they reply."
    )
    dialog.get_by_label("Your answer").fill("Your refund went out today.")
    dialog.get_by_role("button", name="Send answer").click()
    expect(dialog.locator(".message-out", has_text="Your refund went out today.")).to_have_attribute(
        "data-state", "queued"
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not [
        r for r in twilio.standin.created if r["To"] == f"whatsapp:{phone}"
    ]:
        time.sleep(0.05)
    [nudge] = [r for r in twilio.standin.created if r["To"] == f"whatsapp:{phone}"]
    assert nudge["ContentSid"] == NUDGE_SID  # the template went; the text waits for their reply


def test_a_hostile_customer_text_shows_as_text_in_the_list_the_conversation_and_the_order_view(
    page: Page, live_twilio: LiveApp, watch: PageWatch
) -> None:
    shop = seed(
        live_twilio,
        name="Eve Mallory",
        phone="+4915112340003",
        wrote=timedelta(0),
        text=HOSTILE,
        number="2003",
    )
    page.goto(f"{live_twilio.url}/dashboard#token={token_for(shop)}")
    row = page.get_by_role("button", name="Open the conversation with Eve Mallory")
    expect(row.locator(".last")).to_have_text(HOSTILE)
    row.click()
    dialog = page.get_by_role("dialog", name="Conversation")
    expect(dialog.locator(".message-in .message-text")).to_have_text(HOSTILE)
    assert page.locator(".conversations img, .conversation img").count() == 0
    page.keyboard.press("Escape")

    page.locator('table.orders tr[data-order="2003"]').get_by_role("button", name="Open order #2003").click()
    order = page.get_by_role("dialog", name="Order #2003")
    expect(order.locator(".order-conversation .message-in .message-text")).to_have_text(HOSTILE)
    assert order.locator("img").count() == 0
    assert watch.dialogs == [] and watch.errors == []
