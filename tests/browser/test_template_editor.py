"""The message-text editor of the order desk, in Chromium, against the real app and database."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, LiveApp, PageWatch, make_desk
from tests.conftest import token_for

OWN = "Olá {first_name}, #{order_number} saiu! {tracking_number}"


def test_an_admin_writes_a_text_with_a_live_preview_saves_it_and_resets_it(
    page: Page, live: LiveApp, watch: PageWatch
) -> None:
    desk = make_desk(live, f"Texts Coffee {secrets.token_hex(3)}")
    page.goto(f"{live.url}/dashboard#token={token_for(desk.shop, role='admin')}")
    editor = page.get_by_role("region", name="Message texts")
    expect(editor).to_be_visible()
    editor.get_by_label("Message", exact=True).select_option("order_status")
    editor.get_by_label("Status", exact=True).select_option("shipped")
    editor.get_by_label("Channel", exact=True).select_option("sms")
    editor.get_by_label("Preview with order", exact=True).select_option(label="#1005")
    box = editor.get_by_label(re.compile(r"^Text"))
    expect(box).to_have_value(re.compile(r"\{order_number\}"))  # the default to start from

    box.fill(OWN)
    preview = editor.locator(".preview-text")
    expect(preview).to_have_text("Olá Emma, #1005 saiu! 1Z00000004")
    expect(editor.locator("[data-sms]")).to_contain_text("UCS-2, 1 segment")
    expect(editor.locator(".warnings")).to_contain_text("á")

    box.fill(OWN + " {parcel}")
    expect(editor.get_by_role("alert")).to_contain_text("unknown placeholder {parcel}")
    box.fill(OWN)
    expect(preview).to_have_text("Olá Emma, #1005 saiu! 1Z00000004")
    editor.get_by_role("button", name="Save text").click()
    expect(editor.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(editor.get_by_label("Text (your own)")).to_have_value(OWN)
    stored = live.run(live.db.shops.get(desk.shop.id)).message_texts
    assert stored == {"order_status/shipped/sms/en": OWN}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(SCREENSHOTS / "template-editor.png"))

    editor.get_by_role("button", name="Reset to default").click()
    expect(editor.get_by_role("status").filter(has_text="Reset")).to_be_visible()
    expect(editor.get_by_label("Text (default)")).to_have_value(re.compile(r"^Order #\{order_number\}"))
    expect(preview).to_contain_text("Order #1005 is shipped")
    assert live.run(live.db.shops.get(desk.shop.id)).message_texts == {}
    # the browser logs the refused preview's 422 itself; nothing else went wrong
    assert [e for e in watch.errors if "status of 422" not in e] == [] and watch.dialogs == []


def test_staff_do_not_see_the_editor(page: Page, live: LiveApp) -> None:
    desk = make_desk(live, f"Staff Coffee {secrets.token_hex(3)}")
    page.goto(desk.link)
    expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
    expect(page.locator("table.orders tbody tr").first).to_be_visible()
    expect(page.get_by_role("heading", name="Message texts")).to_have_count(0)
