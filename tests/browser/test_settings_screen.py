"""The desk's Settings screen, in Chromium, against the real app and database: admin only, saved by PATCH."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Desk, LiveApp, PageWatch
from tests.conftest import token_for


def open_desk(page: Page, desk: Desk, role: str) -> None:
    page.goto(f"{desk.live.url}/dashboard#token={token_for(desk.shop, role=role)}")
    expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {role}")


def test_an_admin_changes_settings_and_sees_them_saved(
    page: Page, desk: Desk, live: LiveApp, watch: PageWatch
) -> None:
    open_desk(page, desk, "admin")
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog.get_by_label("Shop name")).to_have_value(desk.shop.name)

    dialog.get_by_label("Shop name").fill("Acme Roasters")
    dialog.get_by_label("SMS number").fill("(415) 555-0143")
    dialog.get_by_label("Send rates per second").fill("sms=3")
    dialog.get_by_label("Pending too long after (hours)").fill("36")
    dialog.get_by_label("Move due orders on automatically").check()
    dialog.get_by_label("Let Gemini word status updates, follow-ups and answers").check()
    dialog.get_by_label("Gemini drafts a day (UTC)").fill("50")
    dialog.get_by_label("Ask how the order was, hours after delivery").fill("48")
    dialog.get_by_label("Password").fill("smtp-secret-123")
    dialog.get_by_label("SMTP host").fill("smtp.acme.example")
    dialog.get_by_label("From address").fill("orders@acme.example")
    dialog.get_by_role("button", name="Save settings").click()

    expect(dialog.get_by_role("status")).to_have_text("Settings saved.")
    expect(dialog.get_by_label("SMS number")).to_have_value("+14155550143")  # as stored, E.164
    expect(dialog.get_by_label("Password")).to_have_value("")  # write-only
    expect(dialog.get_by_label("Password")).to_have_attribute("placeholder", "set; type to replace")
    expect(page.locator(".shop-name")).to_have_text("Acme Roasters")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "settings-admin.png"), full_page=True)

    shop = live.run(live.db.shops.get(desk.shop.id))
    assert (shop.name, shop.sms_number, shop.notify.rates) == ("Acme Roasters", "+14155550143", {"sms": 3})
    assert shop.rules.pending_too_long_hours == 36 and shop.rules.auto_progress is True
    assert (shop.notify.ai_messages, shop.notify.ai_daily_budget) == (True, 50)
    assert shop.notify.csat_delay_hours == 48
    assert shop.email is not None and shop.email.password == "smtp-secret-123"

    dialog.get_by_label("Time zone (such as Europe/London)").fill("Mars/Olympus")
    dialog.get_by_role("button", name="Save settings").click()
    expect(dialog.get_by_role("alert")).to_contain_text(re.compile(r"Not saved: timezone"))
    expect(dialog.get_by_label("Time zone (such as Europe/London)")).to_have_attribute("aria-invalid", "true")
    assert live.run(live.db.shops.get(desk.shop.id)).timezone == "Europe/Berlin"
    dialog.get_by_label("Time zone (such as Europe/London)").fill("Europe/Berlin")
    dialog.get_by_label("Ask how the order was, hours after delivery").fill("off")
    dialog.get_by_role("button", name="Save settings").click()
    expect(dialog.get_by_role("status")).to_have_text("Settings saved.")
    expect(dialog.get_by_label("Ask how the order was, hours after delivery")).to_have_value("off")
    assert live.run(live.db.shops.get(desk.shop.id)).notify.csat_delay_hours == "off"
    # the browser logs the refused request itself; the page logged nothing
    assert [e for e in watch.errors if "422 (Unprocessable Entity)" not in e] == [] and watch.dialogs == []


def test_staff_do_not_see_the_settings(page: Page, desk: Desk, watch: PageWatch) -> None:
    open_desk(page, desk, "staff")
    expect(page.get_by_role("button", name="Refresh")).to_be_visible()
    expect(page.get_by_role("button", name="Settings")).to_have_count(0)
    assert watch.errors == []
