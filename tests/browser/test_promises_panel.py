"""The desk's delivery-date pieces in Chromium: the promises report panel and the carrier's details in the
order view, against the real app and database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Page, expect

from orders.lifecycle import DeliveryStage
from orders.model import OrderData, Promise, PromiseOutcome, Tracking
from orders.promises import day_end
from tests.browser.conftest import NOW, Desk
from tests.browser.test_dashboard import order_dialog, signed_in


def promise(desk: Desk, number: str, day: str, outcome: PromiseOutcome, told_days_before: int) -> Promise:
    order = desk.orders[number]
    return Promise(
        id=f"ntf_{number}_{day}", shop_id=desk.shop.id, order_id=order.id, order_number=number, channel="whatsapp",
        kind="reply", wording="It should arrive soon.", told_at=NOW - timedelta(days=told_days_before),
        promised_date=day_end(date.fromisoformat(day), desk.shop.timezone), promised_day=day,
        timezone=desk.shop.timezone, lane="DE-BE → DE-BY (ups)", outcome=outcome,
    )  # fmt: skip


def test_the_promises_panel_shows_the_share_kept_by_lane_and_month(page: Page, desk: Desk) -> None:
    rows = [
        promise(desk, "1007", "2026-10-20", PromiseOutcome.KEPT, 20),
        promise(desk, "1005", "2026-10-25", PromiseOutcome.BROKEN, 10),
        promise(desk, "1006", "2026-11-01", PromiseOutcome.OPEN, 3),
    ]
    for row in rows:
        desk.live.run(desk.live.db.promises.add(row))
    signed_in(page, desk)
    panel = page.get_by_role("region", name="Delivery dates kept")
    expect(panel.locator(".promises-summary")).to_contain_text("50 % of 2 settled dates kept")
    expect(panel.locator(".promises-summary")).to_contain_text("1 still open")
    by_lane = panel.get_by_role("table", name="By lane")
    expect(by_lane.get_by_role("row", name=re.compile("DE-BE → DE-BY"))).to_contain_text("50 %")
    expect(by_lane.locator("thead th")).to_have_text(
        ["", "Share kept", "Mean promised", "Kept", "Broken", "Open"]
    )
    by_month = panel.get_by_role("table", name="By month")
    expect(by_month.get_by_role("row", name=re.compile("2026-10"))).to_contain_text("50 %")

    panel.get_by_label("From").fill("2026-11-01")
    expect(panel.locator(".promises-summary")).to_contain_text("2026-11-01")
    expect(panel.locator(".promises-summary")).to_contain_text("0 settled dates kept")


def test_the_order_view_shows_where_the_carrier_last_saw_the_parcel_and_its_estimate(
    page: Page, desk: Desk
) -> None:
    order = desk.orders["1006"]
    assert order.tracking is not None
    report = Tracking(
        carrier="UPS", number=order.tracking.number, stage=DeliveryStage.IN_TRANSIT,
        stage_at=datetime(2026, 11, 2, 7, 30, tzinfo=UTC), place="Memphis, TN, USA",
        estimated_delivery=datetime(2026, 11, 6, tzinfo=UTC),
    )  # fmt: skip
    data = OrderData(external_id=order.external_id, tracking=report)
    events = desk.live.service.shop_events
    desk.live.run(events.apply_event(desk.shop, "updated", data, on_backwards="ignore"))
    signed_in(page, desk)
    page.locator('table.orders tr[data-order="1006"]').get_by_role("button", name="Open order #1006").click()
    dialog = order_dialog(page)
    expect(dialog).to_contain_text("in transit")
    expect(dialog).to_contain_text("Memphis, TN, USA · Mon, Nov 2, 2026")  # 08:30 in Berlin
    expect(dialog).to_contain_text("Carrier estimate")
    expect(dialog).to_contain_text("Fri, Nov 6")
