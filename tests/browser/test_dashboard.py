"""The order desk as staff use it, in Chromium, against the real app and database."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from orders.lifecycle import Status
from orders.model import NotificationId, OutboxEntry, OutboxKind, OutboxState, new_id
from tests.browser.conftest import NOW, SCREENSHOTS, Desk, LiveApp, PageWatch, make_desk
from tests.conftest import token_for

XSS_NAME = "<img src=x onerror=alert(1)>"


def signed_in(page: Page, desk: Desk) -> Page:
    page.goto(desk.link)
    expect(page.get_by_role("heading", name=re.compile(r"^Needs attention \(\d+\)$"))).to_be_visible()
    expect(page.locator("table.orders tbody tr").first).to_be_visible()
    return page


def attention_row(page: Page, number: str) -> Any:
    return page.locator(f'table.attention tr[data-order="{number}"]')


def order_dialog(page: Page) -> Any:
    return page.get_by_role("dialog", name=re.compile(r"^Order #"))


def test_sign_in_through_the_link_keeps_the_token_out_of_the_address_bar(
    page: Page, desk: Desk, watch: PageWatch
) -> None:
    signed_in(page, desk)

    assert page.url.endswith("/dashboard"), page.url
    assert "token" not in page.url
    assert page.evaluate("Object.keys(sessionStorage)") == ["orderbot.dashboard.token"]
    expect(page.get_by_text(desk.shop.name)).to_be_visible()
    page.reload()  # the token survives a reload of the tab
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Order desk")).to_be_visible()
    expect(page.get_by_text("You signed out.")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    assert watch.errors == [] and watch.dialogs == []


def test_a_bad_or_expired_token_gets_the_sign_in_screen(page: Page, desk: Desk, live: LiveApp) -> None:
    for token in ("not-a-token", token_for(desk.shop, days=-1)):
        page.goto(f"{live.url}/dashboard#token={token}")
        expect(page.get_by_role("alert")).to_contain_text("was not accepted")
        expect(page.get_by_label("API token")).to_be_visible()
        assert page.evaluate("sessionStorage.length") == 0

    page.goto(f"{live.url}/dashboard")  # no token at all
    expect(page.get_by_label("API token")).to_be_visible()
    page.get_by_label("API token").fill(token_for(desk.shop))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(desk.shop.name)).to_be_visible()


def test_the_desk_says_which_role_signed_in_and_gives_each_role_the_whole_order_desk(
    page: Page, desk: Desk, watch: PageWatch
) -> None:
    """Every desk control is order-desk work, which both roles may do: none is admin-only yet, so none is hidden."""
    for role in ("staff", "admin"):
        page.goto(f"{desk.live.url}/dashboard#token={token_for(desk.shop, role=role)}")
        expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {role}")
        attention_row(page, "1001").get_by_role("button", name="Open order #1001").click()
        dialog = order_dialog(page)
        for control in ("Advance", "Change status", "Notify", "Schedule follow-up"):
            expect(dialog.get_by_role("button", name=control, exact=True)).to_be_visible()
        page.keyboard.press("Escape")
        page.get_by_role("checkbox", name="Select order #1001").check()
        bulk = page.get_by_role("form", name="Bulk action on the selected orders")
        expect(bulk.get_by_role("button", name="Run on 1")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
    assert watch.errors == [] and watch.dialogs == []


def test_stats_cards_show_the_api_figures(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    stats = desk.api("/orders/stats")

    def card(key: str) -> str:
        return page.locator(f'[data-stat="{key}"] dd').inner_text()

    assert card("total") == str(stats["total"]) == str(len(desk.orders))
    for status in Status:
        assert card(status.value) == str(stats["by_status"][status.value])
    assert card("delivery_rate") == "none yet"  # nothing sent yet: said in words, not shown as 0 %


def test_an_attention_row_opens_the_order_view_and_esc_closes_it(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    queue = desk.api("/orders/requiring-attention")
    assert page.locator("table.attention tbody tr").count() == queue["count"]
    row = attention_row(page, "1003")
    expect(row).to_contain_text("Processing")
    expect(row).to_contain_text("3 days 18 hours")
    expect(row).to_contain_text("Stuck in processing")
    expect(row).to_contain_text("€32.00")

    opener = row.get_by_role("button", name="Open order #1003")
    opener.click()
    dialog = order_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Order #1003")).to_be_visible()
    expect(dialog.locator("progress")).to_have_attribute("value", "50")
    expect(dialog).to_contain_text("next: shipped")
    timeline = dialog.locator("ol.timeline li")
    expect(timeline).to_have_count(1)
    # in processing since 90 h before the fixed clock (2 Nov 09:00 UTC): 29 Oct 15:00 UTC, 16:00 in the
    # shop's Berlin (the browser itself runs in Los Angeles, where it was 08:00)
    assert NOW - timedelta(hours=90) == NOW.replace(month=10, day=29, hour=15)
    expect(timeline.first).to_contain_text("Thu, Oct 29, 2026, 4:00 PM GMT+1")
    expect(timeline.first).to_contain_text("by shop webhook")
    expect(dialog).to_contain_text("times in Europe/Berlin")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_advance_moves_a_stale_order_and_the_timeline_says_why(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    attention_row(page, "1001").get_by_role("button", name="Advance order #1001").click()
    expect(page.get_by_role("status").filter(has_text="#1001 advanced to processing")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="confidence")).to_be_visible()
    assert desk.api(f"/orders/{desk.orders['1001'].id}")["status"] == "processing"

    page.locator('table.orders tr[data-order="1001"]').get_by_role("button", name="Open order #1001").click()
    dialog = order_dialog(page)
    newest = dialog.locator("ol.timeline li").first
    expect(newest).to_contain_text("Processing")
    expect(newest).to_contain_text("by rules")
    expect(newest).to_contain_text("Reason: pending for 60 h")


def test_notify_creates_a_notification_the_order_view_lists(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    page.locator('table.orders tr[data-order="1002"]').get_by_role("button", name="Open order #1002").click()
    dialog = order_dialog(page)
    before = desk.api(f"/orders/{desk.orders['1002'].id}/progress")["notifications"]
    listed = dialog.locator("ul.notifications li")
    expect(listed).to_have_count(len(before))

    dialog.get_by_label("Message to the customer").fill("Your beans are being roasted today.")
    dialog.get_by_role("button", name="Notify", exact=True).click()
    expect(dialog.get_by_role("status")).to_contain_text("Notification queued for order #1002")
    expect(listed).to_have_count(len(before) + 1)
    expect(listed.first).to_contain_text("Your beans are being roasted today.")  # newest first
    expect(listed.first).to_contain_text("message · whatsapp")
    # the app sends it the moment it is queued; this shop has no number to send from, so the view (which
    # follows changes) shows it skipped, and why
    expect(listed.first).to_contain_text("skipped", timeout=10_000)
    expect(listed.first).to_contain_text("no channel reaches this customer")
    after = desk.api(f"/orders/{desk.orders['1002'].id}/progress")["notifications"]
    assert after[-1]["message"] == "Your beans are being roasted today."
    assert len(after) == len(before) + 1


def test_a_bulk_action_shows_a_result_per_order(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    for number in ("1001", "1004", "1007"):
        page.get_by_role("checkbox", name=f"Select order #{number}").check()
    bulk = page.get_by_role("form", name="Bulk action on the selected orders")
    expect(bulk).to_contain_text("3 selected")
    bulk.get_by_label("Action").select_option("update_status")
    bulk.get_by_label("New status").select_option("shipped")
    bulk.get_by_role("button", name="Run on 3").click()

    results = page.locator(".bulk-result li")
    expect(results).to_have_count(3)
    ok = {
        n: desk.api(f"/orders/{desk.orders[n].id}")["status"] == "shipped" for n in ("1001", "1004", "1007")
    }
    assert ok == {"1001": True, "1004": True, "1007": False}  # fulfilled cannot go back to shipped
    expect(page.locator(".bulk-result")).to_contain_text("2 done, 1 failed.")
    for number, succeeded in ok.items():
        line = results.filter(has_text=f"Order #{number}:")
        expect(line).to_have_attribute("data-result", "ok" if succeeded else "failed")
    expect(results.filter(has_text="Order #1007:")).to_contain_text("not done — not allowed: cannot move")


def test_ages_read_in_days_and_hours_and_times_in_the_shops_zone_in_words(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    expect(attention_row(page, "1001")).to_contain_text("2 days 12 hours")  # pending for 60 h
    expect(attention_row(page, "1005")).to_contain_text("10 days 20 hours")  # shipped for 260 h
    for row in page.locator("table.attention tbody tr").all():
        assert not re.search(r"\d+\.\d h\b", row.inner_text()), row.inner_text()

    attention_row(page, "1001").get_by_role("button", name="Open order #1001").click()
    dialog = order_dialog(page)
    dialog.get_by_label("Follow up in hours").fill("26")
    dialog.get_by_role("button", name="Schedule follow-up").click()
    # 2 Nov 09:00 UTC + 26 h is 3 Nov 11:00 UTC: noon in the shop's Berlin, 3 AM where the browser runs
    expect(dialog.get_by_role("status")).to_contain_text(
        "Follow-up scheduled for Tue, Nov 3, 2026, 12:00 PM GMT+1"
    )
    newest = dialog.locator("ol.timeline li").first
    expect(newest).to_contain_text("follow-up queued for Tue 3 Nov 2026, 12:00 CET")
    expect(newest).to_contain_text("Mon, Nov 2, 2026, 10:00 AM GMT+1")  # when it was queued, Berlin time
    iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
    assert not iso.search(dialog.inner_text()), dialog.inner_text()


def test_an_order_the_rules_leave_alone_is_not_applied_not_failed(page: Page, desk: Desk) -> None:
    signed_in(page, desk)
    for number in ("1001", "1002"):  # pending for 60 h (due) and for 2 h (not yet)
        page.get_by_role("checkbox", name=f"Select order #{number}").check()
    page.get_by_role("form", name="Bulk action on the selected orders").get_by_role(
        "button", name="Run on 2"
    ).click()
    results = page.locator(".bulk-result li")
    expect(results).to_have_count(2)
    expect(page.locator(".bulk-result p")).to_have_text("Advance: 1 done, 1 not applied.")
    expect(results.filter(has_text="Order #1001:")).to_have_attribute("data-result", "ok")
    later = results.filter(has_text="Order #1002:")
    expect(later).to_have_attribute("data-result", "not_applied")
    expect(later).to_contain_text("not applied — ")
    expect(later).not_to_contain_text("not done")


def test_a_webhook_change_shows_within_5_seconds_without_losing_the_open_dialog(
    page: Page, desk: Desk
) -> None:
    signed_in(page, desk)
    page.get_by_label("Reason").select_option("no_customer_contact")
    page.locator('table.orders tr[data-order="1004"]').get_by_role("button", name="Open order #1004").click()
    dialog = order_dialog(page)
    expect(dialog.locator("ol.timeline li")).to_have_count(1)
    dialog.get_by_label("Note").fill("half-typed note")

    started = time.monotonic()
    desk.webhook(
        "order.updated",
        id="ext-1004",
        status="shipped",
        tracking={"carrier": "UPS", "number": "1ZWEBHOOK"},
        updated_at=(NOW - timedelta(minutes=5)).isoformat(),
    )
    expect(dialog.get_by_role("heading", name="Order #1004").locator("..")).to_contain_text(
        "Shipped", timeout=5000
    )
    expect(dialog.locator("ol.timeline li")).to_have_count(2, timeout=5000)
    assert time.monotonic() - started < 5
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Note")).to_have_value("half-typed note")
    expect(page.get_by_label("Reason")).to_have_value("no_customer_contact")
    expect(page.locator('[data-stat="shipped"] dd')).to_have_text("3")
    expect(page.get_by_text("Last updated")).to_be_visible()


def test_carrier_news_shows_on_the_timeline_and_with_the_tracking_without_a_status_move(
    page: Page, desk: Desk
) -> None:
    signed_in(page, desk)
    page.locator('table.orders tr[data-order="1006"]').get_by_role("button", name="Open order #1006").click()
    dialog = order_dialog(page)
    expect(dialog.locator("ol.timeline li")).to_have_count(1)

    desk.webhook(
        "order.updated",
        id="ext-1006",
        status="shipped",
        tracking={"carrier": "UPS", "number": "1ZNEWS", "stage": "out_for_delivery"},
        updated_at=(NOW - timedelta(minutes=1)).isoformat(),
    )
    expect(dialog.locator("ol.timeline li")).to_have_count(2, timeout=5000)
    newest = dialog.locator("ol.timeline li").first
    expect(newest).to_contain_text("delivery news")
    expect(newest).to_contain_text("out for delivery")
    expect(newest).not_to_contain_text("from shipped")
    expect(dialog).to_contain_text("UPS 1ZNEWS · out for delivery")
    expect(page.locator('[data-stat="shipped"] dd')).to_have_text("2")


def test_a_customer_name_with_html_is_shown_as_text_and_runs_nothing(
    page: Page, desk: Desk, watch: PageWatch
) -> None:
    desk.webhook(
        "order.created",
        id="ext-xss",
        number="6666",
        status="pending",
        customer={"name": XSS_NAME, "email": "x@example.com"},
        created_at=(NOW - timedelta(hours=80)).isoformat(),
    )
    signed_in(page, desk)
    row = attention_row(page, "6666")
    expect(row).to_contain_text(XSS_NAME)
    row.get_by_role("button", name="Open order #6666").click()
    expect(order_dialog(page)).to_contain_text(XSS_NAME)
    page.wait_for_timeout(300)
    assert page.locator("img").count() == 0
    assert watch.dialogs == []
    assert page.evaluate("window.__xss === undefined")


def test_one_shops_token_never_shows_another_shops_orders(page: Page, live: LiveApp) -> None:
    ours = make_desk(live, "Ours", [("2001", Status.PENDING, 70, 70, "Our Customer", False)])
    theirs = make_desk(live, "Theirs", [("3001", Status.PENDING, 70, 70, "Their Customer", False)])
    signed_in(page, ours)
    expect(page.get_by_text("Our Customer").first).to_be_visible()
    assert "Their Customer" not in page.content()
    assert "3001" not in page.content()

    page.get_by_label("Search").fill("3001")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No orders match these filters.")).to_be_visible()
    status = page.evaluate(
        """async (id) => (await fetch(`/api/v1/orders/${id}/progress`, {headers: {Authorization:
        `Bearer ${sessionStorage.getItem("orderbot.dashboard.token")}`}})).status""",
        theirs.orders["3001"].id,
    )
    assert status == 404


def test_a_stale_change_is_refused_in_words(page: Page, desk: Desk) -> None:
    page.clock.install()  # timers stand still: the page cannot catch the change before the click
    signed_in(page, desk)
    page.locator('table.orders tr[data-order="1002"]').get_by_role("button", name="Open order #1002").click()
    dialog = order_dialog(page)
    expect(dialog.locator("ol.timeline li")).to_have_count(1)
    desk.webhook("order.updated", id="ext-1002", status="processing", updated_at=NOW.isoformat())

    dialog.get_by_label("New status").select_option("cancelled")
    dialog.get_by_role("button", name="Change status").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Not changed:")
    expect(dialog.get_by_role("alert")).to_contain_text("latest state")
    expect(dialog.get_by_role("heading", name="Order #1002").locator("..")).to_contain_text("Processing")
    assert desk.api(f"/orders/{desk.orders['1002'].id}")["status"] == "processing"


def test_the_api_being_down_is_said_in_words(page: Page, desk: Desk) -> None:
    page.route("**/api/v1/**", lambda route: route.abort())
    page.goto(desk.link)
    expect(page.get_by_role("alert")).to_contain_text("Can't reach the order desk server")
    page.unroute("**/api/v1/**")
    expect(page.get_by_text(desk.shop.name)).to_be_visible(timeout=5000)  # the page keeps trying

    signed_in(page, desk)
    page.route("**/api/v1/**", lambda route: route.abort())
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_role("alert").first).to_contain_text("Can't reach the order desk server")
    expect(page.locator("table.orders tbody tr").first).to_be_visible()  # the last data stays
    page.unroute("**/api/v1/**")
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_screenshots_at_phone_and_desktop_width(page: Page, desk: Desk, watch: PageWatch) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.webhook(
        "order.updated",
        id="ext-1003",
        status="processing",
        customer={"name": "Chloé Martin"},
        updated_at=(NOW - timedelta(hours=1)).isoformat(),
    )
    for width, height in ((375, 812), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        signed_in(page, desk)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / f"desk-{width}.png"), full_page=True)
        page.screenshot(path=str(SCREENSHOTS / f"desk-{width}-top.png"))
        for section in ("attention", "orders"):
            panel = page.locator("section.panel").filter(has=page.locator(f"#{section}-title"))
            panel.screenshot(path=str(SCREENSHOTS / f"{section}-{width}.png"))
        attention_row(page, "1001").get_by_role("button", name="Open order #1001").click()
        expect(order_dialog(page).locator("ol.timeline li").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"order-{width}.png"))
        page.keyboard.press("Escape")
        attention_row(page, "1005").get_by_role("button", name="Notify the customer of order #1005").click()
        attention_row(page, "1005").screenshot(path=str(SCREENSHOTS / f"notify-{width}.png"))
        for number in ("1002", "1007"):
            page.get_by_role("checkbox", name=f"Select order #{number}").check()
        page.get_by_role("button", name="Run on 2").click()
        expect(page.locator(".bulk-result li")).to_have_count(2)
        page.locator(".bulk").screenshot(path=str(SCREENSHOTS / f"bulk-{width}.png"))
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("button", name="Clear selection").click()
    assert watch.errors == []


def test_an_idle_desk_on_the_stream_asks_nothing_until_its_30_second_refresh(page: Page, desk: Desk) -> None:
    page.clock.install()
    signed_in(page, desk)
    expect(page.locator(".live-state")).to_have_attribute("data-live", "live")
    page.wait_for_load_state("networkidle")
    answers: list[str] = []
    page.on("response", lambda response: answers.append(response.url))
    page.clock.run_for(9_000)  # three change checks' worth
    page.wait_for_timeout(300)
    assert answers == []


def test_an_idle_desk_without_the_stream_only_asks_whether_anything_changed(page: Page, desk: Desk) -> None:
    page.route("**/api/v1/events/ticket", lambda route: route.abort())  # no stream: the desk polls
    page.clock.install()  # the page's timers run when the test says so
    signed_in(page, desk)
    expect(page.locator(".live-state")).to_have_attribute("data-live", "polling")
    page.wait_for_load_state("networkidle")
    answers: list[tuple[str, int]] = []
    page.on("response", lambda response: answers.append((response.url.split("/api/v1")[-1], response.status)))

    def settled(count: int) -> None:
        deadline = time.monotonic() + 5
        while len(answers) < count and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        page.wait_for_timeout(200)  # and nothing more follows

    for _ in range(3):
        page.clock.run_for(3_000)  # one change check
        settled(len(answers) + 1)
    assert answers == [("/shop/revision", 304)] * 3

    answers.clear()
    page.clock.run_for(21_000)  # the 30-second refresh: ages move, the unchanged page of orders is kept
    settled(10)
    paths = sorted(path.split("?")[0] for path, _ in answers)
    assert "/orders/requiring-attention" in paths and "/orders/stats" in paths, paths
    assert "/orders" not in paths, paths


def test_the_order_view_marks_what_the_ai_wrote(page: Page, desk: Desk, live: LiveApp) -> None:
    order = desk.orders["1002"]
    written = "Hi Ana! Your order #1002 is being roasted with care."
    for ai_text in (None, written):  # one template text, one the AI wrote
        live.run(live.db.outbox.add(OutboxEntry(
            id=NotificationId(new_id("ntf")), shop_id=desk.shop.id, order_id=order.id,
            kind=OutboxKind.STATUS_UPDATE, status=Status.PROCESSING, channel="whatsapp", state=OutboxState.SENT,
            due_at=NOW, idempotency_key=new_id("key"), created_at=NOW, ai_text=ai_text,
        )))  # fmt: skip
    signed_in(page, desk)
    page.locator('table.orders tr[data-order="1002"]').get_by_role("button", name="Open order #1002").click()
    listed = order_dialog(page).locator("ul.notifications li")
    by_ai = listed.filter(has_text="Written by AI")
    expect(by_ai).to_have_count(1)
    expect(by_ai).to_contain_text(written)
    expect(listed.filter(has_text="Standard “processing” message")).not_to_have_count(0)
