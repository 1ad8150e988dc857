"""The desk's Analytics page in Chromium, against the real app, database and GET /api/v1/analytics.

A shop's week is played through the real entry points: orders and status changes by the shop's signed
webhook; customers' WhatsApp messages by Twilio's signed webhook, which the bot answers through the real
Twilio SDK to the stand-in; Twilio's signed status callbacks saying delivered or failed; a move by the
shop's rules through the API; a delivery by the carrier aggregator's signed webhook; a satisfaction request
(recorded as sent through the use case the notifier calls) answered by the customer's "5". Promised
delivery dates go into the ledger as the notifier writes them and are settled by that delivery. Then each
chart must be drawn by Chart.js with exactly the API's numbers, and its table and CSV must hold the same.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import secrets
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from orders.lifecycle import Status
from orders.model import Promise, PromiseOutcome, Shop
from orders.promises import day_end
from orders.shops import new_shop
from tests.browser.conftest import SCREENSHOTS, LiveApp, PageWatch, live_app, served_twilio
from tests.conftest import finish_background, token_for
from tests.integration.test_carrier_webhooks import aftership_update
from webhooks.carriers import aftership
from webhooks.shop_platforms.generic import sign

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "8" * 32
PUBLIC_URL = "https://orderbot.example.com"
AFTERSHIP_SECRET = "as-analytics-secret"
TODAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: the default range is Oct 4 to Nov 2
ANA, BEN, CHLOE = "+4915112000001", "+4915112000002", "+4915112000003"


@pytest.fixture(scope="module")
def live(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with (
        served_twilio(ACCOUNT_SID, AUTH_TOKEN) as twilio,
        live_app(
            mongodb_uri, tmp_path_factory.mktemp("analytics-var"), now=TODAY,
            ORDERBOT_PUBLIC_URL=PUBLIC_URL, **twilio.settings(),
        ) as app,
    ):  # fmt: skip
        yield app


class PlayedShop:
    """One shop on the live app, and the signed requests its systems and its customers' providers send."""

    def __init__(self, live: LiveApp) -> None:
        self.live = live
        self.shop: Shop = new_shop(
            f"Roastery {secrets.token_hex(3)}", TODAY, timezone="Europe/Berlin",
            whatsapp_number=f"+1415524{secrets.randbelow(10_000):04d}", aftership_webhook_secret=AFTERSHIP_SECRET,
        )  # fmt: skip
        live.run(live.db.shops.add(self.shop))
        self.sids = 0

    def at(self, when: str) -> None:
        """Everything after this happens at ``when`` (UTC), once what came before has finished."""
        self.settle()
        self.live.clock.now = datetime.fromisoformat(when).replace(tzinfo=UTC)

    def settle(self) -> None:
        self.live.run(finish_background(self.live.app))

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(f"{self.live.url}{path}", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text.strip().startswith(b"{") else None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.live.url}/api/v1{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {token_for(self.shop)}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def order_event(self, event: str, **order: Any) -> str:
        body = json.dumps({"event": event, "order": order}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Orderbot-Signature": sign(self.shop.webhook_secret, body),
        }
        answer = self.post(f"/webhooks/orders/{self.shop.id}", body, headers)
        order_id: str = answer["order_id"]
        return order_id

    def twilio_form(self, path: str, params: dict[str, str]) -> None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}{path}", params)
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        self.post(path, body, headers)

    def customer_writes(self, phone: str, text: str) -> None:
        self.sids += 1
        self.twilio_form(
            "/webhooks/twilio/messages",
            {
                "MessageSid": f"SM{self.sids:08d}{secrets.token_hex(12)}", "AccountSid": ACCOUNT_SID,
                "From": f"whatsapp:{phone}", "To": f"whatsapp:{self.shop.whatsapp_number}", "Body": text,
                "NumMedia": "0", "WaId": phone.lstrip("+"),
            },
        )  # fmt: skip
        self.settle()

    def twilio_reports(self, sid: str, status: str) -> None:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
        params |= {"From": f"whatsapp:{self.shop.whatsapp_number}", "To": "whatsapp:+0"}
        self.twilio_form("/webhooks/twilio/status", params)

    def replies_to(self, phone: str) -> list[str]:
        """The provider SIDs of what was sent to ``phone`` on WhatsApp, oldest first."""
        self.settle()

        async def sids() -> list[str]:
            customer = await self.live.db.customers.find_or_create(
                self.shop.id, now=self.live.clock(), phone=phone
            )
            sent = await self.live.db.messages.recent(self.shop.id, customer.id)
            return [m.provider_id for m in sorted(sent, key=lambda m: m.created_at) if m.direction == "out"]

        return self.live.run(sids())

    def carrier_delivered(self, number: str, at: str) -> None:
        body = aftership_update("Delivered", at, event_id=f"as-{secrets.token_hex(4)}", number=number)
        headers = {
            "Content-Type": "application/json",
            aftership.SIGNATURE_HEADER: aftership.sign(AFTERSHIP_SECRET, body),
        }
        self.post(f"/webhooks/aftership/{self.shop.id}", body, headers)

    def promise(self, order_id: str, number: str, day: str, told: str) -> None:
        """A delivery date told to the customer, as the notifier files it in the ledger when a reply says it."""
        promised = Promise(
            id=f"ntf_{number}_{day}", shop_id=self.shop.id, order_id=order_id, order_number=number,
            channel="whatsapp", kind="reply", wording="It should arrive soon.",
            told_at=datetime.fromisoformat(told).replace(tzinfo=UTC),
            promised_date=day_end(date.fromisoformat(day), self.shop.timezone), promised_day=day,
            timezone=self.shop.timezone, lane="DE-BE → DE-BY (ups)", outcome=PromiseOutcome.OPEN,
        )  # fmt: skip
        self.live.run(self.live.db.promises.add(promised))

    def survey_asked(self, order_id: str, phone: str) -> None:
        """The satisfaction request went out on WhatsApp (what the notifier records when it sends it)."""

        async def asked() -> None:
            customer = await self.live.db.customers.find_or_create(
                self.shop.id, now=self.live.clock(), phone=phone
            )
            await self.live.service.surveys.asked(self.shop.id, order_id, "whatsapp", customer.id)

        self.live.run(asked())

    @property
    def link(self) -> str:
        return f"{self.live.url}/dashboard#token={token_for(self.shop)}"


def a_week_of_business(shop: PlayedShop) -> dict[str, str]:
    """Orders, messages, moves, notifications, promises and a satisfaction answer over the shop's last days."""
    shop.at("2026-10-27T08:00:00")
    ids = {
        "3001": shop.order_event(
            "order.created", id="A-3001", number="3001", status="processing", channel="whatsapp",
            created_at="2026-10-27T08:00:00Z", customer={"name": "Ana Lima", "phone": ANA},
        ),
        "3002": shop.order_event(
            "order.created", id="A-3002", number="3002", status="pending", channel="whatsapp",
            created_at="2026-10-27T08:00:00Z", customer={"name": "Ben Okafor", "phone": BEN},
        ),
    }  # fmt: skip
    shop.at("2026-10-29T13:30:00")
    ids["3003"] = shop.order_event(
        "order.created", id="A-3003", number="3003", status="pending", channel="whatsapp",
        created_at="2026-10-29T13:30:00Z", customer={"name": "Chloé Martin", "phone": CHLOE},
    )  # fmt: skip
    shop.at("2026-10-30T07:10:00")  # 08:10 in Berlin
    shop.customer_writes(ANA, "hi, where is my order 3001?")
    shop.at("2026-10-30T18:45:00")  # 19:45 in Berlin
    shop.customer_writes(BEN, "when will order 3002 arrive?")
    shop.at("2026-10-31T09:00:00")
    shop.order_event(
        "order.updated", id="A-3001", status="shipped", tracking={"carrier": "UPS", "number": "1ZANALYTICS01"},
    )  # fmt: skip
    shop.order_event("order.updated", id="A-3003", status="cancelled")
    shop.promise(ids["3001"], "3001", "2026-11-03", told="2026-10-30T07:10:00")
    shop.promise(ids["3001"], "3001", "2026-10-31", told="2026-10-28T10:00:00")
    shop.at("2026-11-01T08:20:00")
    shop.carrier_delivered("1ZANALYTICS01", "2026-11-01T08:15:00+00:00")
    shop.at("2026-11-01T09:00:00")
    shop.api("POST", f"/orders/{ids['3002']}/auto-progress")
    shop.at("2026-11-01T10:00:00")
    shop.customer_writes(ANA, "thank you!")
    shop.survey_asked(ids["3001"], ANA)
    shop.at("2026-11-02T08:30:00")
    shop.customer_writes(ANA, "5")
    replies = shop.replies_to(ANA) + shop.replies_to(BEN)
    for sid in replies[:-1]:
        shop.twilio_reports(sid, "delivered")
    shop.twilio_reports(replies[-1], "failed")
    shop.at(TODAY.isoformat()[:19])
    return ids


@pytest.fixture(scope="module")
def shop(live: LiveApp) -> PlayedShop:
    played = PlayedShop(live)
    a_week_of_business(played)
    return played


INTENT_WORDS = {
    "order_status": "Where is my order",
    "delivery_time": "When will it arrive",
    "thanks": "Thanks",
}


def percent(ratio: float | None) -> float | None:
    return None if ratio is None else math.floor(ratio * 1000 + 0.5) / 10


def axis(channel: str, counted: int) -> str | list[str]:
    """A channel's label on the axis: a second line says when nothing was counted there."""
    return channel if counted else [channel, "(none)"]


def drawn(answer: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """What each chart must draw from this answer: its labels and its series, in order."""
    days = [date.fromisoformat(day).strftime("%b %-d") for day in answer["days"]]
    channels = {"whatsapp": "WhatsApp", "sms": "SMS", "instagram": "Instagram", "email": "Email"}
    notes, csat = answer["notifications"], answer["satisfaction"]
    asked = sorted(answer["intents"].items(), key=lambda item: (-item[1], item[0]))
    return {
        "orders-per-day": (days, [answer["orders_by_status"][s.value] for s in Status] + [answer["new_orders"]]),
        "handover-days": (answer["handover_days"]["buckets"], [answer["handover_days"]["counts"]]),
        "delivery-days": (answer["delivery_days"]["buckets"], [answer["delivery_days"]["counts"]]),
        "promises-kept": (days, [answer["promises"]["kept"], answer["promises"]["broken"]]),
        "notification-delivery": (
            [axis(channels[c], notes[c]["sent"]) for c in notes], [[percent(notes[c]["delivery_rate"]) for c in notes]]
        ),
        "satisfaction": (
            [axis(channels[c], csat[c]["asked"]) for c in csat],
            [[csat[c]["average"] for c in csat], [percent(csat[c]["response_rate"]) for c in csat]],
        ),
        "automatic-moves": (days, [answer["automatic_moves"][k] for k in ("rules", "ai", "carrier")]),
        "messages-by-hour": ([f"{hour:02d}:00" for hour in range(24)], [answer["messages_by_hour"]]),
        "intents": ([INTENT_WORDS[name] for name, _ in asked], [[count for _, count in asked]]),
    }  # fmt: skip


CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-chart] canvas")].every((c) => window.Chart && Chart.getChart(c))"""
CHART_DATA = """(id) => {
  const chart = Chart.getChart(document.querySelector(`[data-chart="${id}"] canvas`));
  return { labels: chart.data.labels, series: chart.data.datasets.map((d) => d.data),
           legendBelow: !chart.legend.options.display || chart.legend.top >= chart.chartArea.bottom };
}"""
TABLE_CELLS = """(id) => {
  const table = document.querySelector(`[data-chart="${id}"] table`);
  const rows = (part) => [...table.querySelectorAll(`${part} tr`)].map((tr) => [...tr.children].map((c) => c.textContent));
  return { head: rows("thead")[0], body: rows("tbody"), foot: table.tFoot ? rows("tfoot") : [] };
}"""


def number(text: str) -> float | None:
    return None if text in ("—", "") else float(text)


def picker(page: Page) -> Any:
    return page.get_by_role("form", name="Date range")


def open_analytics(page: Page, shop: PlayedShop) -> None:
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(e.violatedDirective));"
    )
    page.goto(shop.link)
    page.get_by_role("navigation", name="Desk pages").get_by_role("link", name="Analytics").click()
    expect(page.locator("[data-chart]")).to_have_count(9)
    page.wait_for_function(CHARTS_DRAWN)


def test_every_chart_draws_the_apis_numbers_and_its_table_and_csv_hold_them(
    page: Page, shop: PlayedShop, watch: PageWatch
) -> None:
    answer = shop.api("GET", "/analytics")
    expected = drawn(answer)
    open_analytics(page, shop)
    expect(page.locator(".range-shown")).to_have_attribute("data-from", "2026-10-04")
    expect(picker(page).get_by_label("From")).to_have_value("2026-10-04")
    expect(picker(page).get_by_role("button", name="30 days")).to_have_attribute("aria-pressed", "true")

    for chart_id, (labels, series) in expected.items():
        assert any(value for values in series for value in values), f"{chart_id} has no data to draw"
        card = page.locator(f'[data-chart="{chart_id}"]')
        data = page.evaluate(CHART_DATA, chart_id)
        assert data["labels"] == labels, chart_id
        assert data["series"] == series, chart_id
        assert data["legendBelow"], f"{chart_id}: the legend overlaps the chart"
        expect(card.locator("canvas")).to_have_attribute("role", "img")
        expect(card.locator("canvas")).to_have_attribute(
            "aria-label", re.compile(re.escape(card.locator("h2").inner_text()))
        )

        card.get_by_role("button", name="Table").click()
        expect(card.get_by_role("table")).to_be_visible()
        expect(card.locator("canvas")).to_be_hidden()
        table = page.evaluate(TABLE_CELLS, chart_id)
        assert len(table["body"]) == len(labels), chart_id
        for index, values in enumerate(series):
            assert [number(row[1 + index]) for row in table["body"]] == values, (chart_id, index)

        with page.expect_download() as download:
            card.get_by_role("button", name=re.compile("as CSV$")).click()
        assert download.value.suggested_filename == f"analytics-{chart_id}-2026-10-04-to-2026-11-02.csv"
        raw = download.value.path().read_bytes().decode()
        assert "\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw)))
        shown = [table["head"], *table["body"], *table["foot"]]
        assert [[number_or_text(cell) for cell in row] for row in rows] == [
            [number_or_text(cell.replace("—", "")) for cell in row][: len(rows[i])]
            for i, row in enumerate(shown)
        ], chart_id

    notifications = page.evaluate(TABLE_CELLS, "notification-delivery")
    assert notifications["head"] == ["Channel", "Delivery rate (%)", "Sent", "Delivered", "Failed"]
    assert notifications["body"][0] == ["WhatsApp", "75", "4", "3", "1"]
    handover = page.evaluate(TABLE_CELLS, "handover-days")
    assert handover["foot"] == [["Mean (days)", "4"]]
    expect(page.locator('[data-chart="handover-days"] .chart-summary')).to_have_text(
        "Mean 4 days over 1 order."
    )
    assert page.evaluate("cspViolations") == []
    assert watch.errors == [] and watch.dialogs == []


def number_or_text(cell: str) -> Any:
    try:
        return float(cell)
    except ValueError:
        return cell


def test_changing_the_range_refetches_and_an_empty_range_says_so(
    page: Page, shop: PlayedShop, watch: PageWatch
) -> None:
    asked: list[str] = []
    page.on(
        "request", lambda request: asked.append(request.url) if "/api/v1/analytics" in request.url else None
    )
    open_analytics(page, shop)

    picker(page).get_by_role("button", name="7 days").click()
    expect(page.locator(".range-shown")).to_have_attribute("data-from", "2026-10-27")
    assert asked[-1].endswith("/api/v1/analytics?from=2026-10-27&to=2026-11-02")
    page.wait_for_function(CHARTS_DRAWN)
    week = drawn(shop.api("GET", "/analytics?from=2026-10-27&to=2026-11-02"))
    assert page.evaluate(CHART_DATA, "orders-per-day")["series"] == week["orders-per-day"][1]
    assert len(page.evaluate(CHART_DATA, "promises-kept")["labels"]) == 7
    with page.expect_request(
        lambda request: "/api/v1/analytics?from=2026-10-27&to=2026-11-02" in request.url
    ):
        page.get_by_role("button", name="Refresh").click()  # the header's Refresh reads the shown range again

    picker(page).get_by_label("From").fill("2026-09-01")
    expect(page.locator(".range-shown")).to_have_attribute("data-from", "2026-09-01")
    picker(page).get_by_label("To").fill("2026-09-30")
    expect(page.locator(".range-shown")).to_have_attribute("data-to", "2026-09-30")
    expect(page.locator(".chart-empty")).to_have_count(9)
    expect(page.locator(".chart-empty").first).to_have_text("No data in this range.")
    expect(page.locator("[data-chart] canvas")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "analytics-empty-1280.png"))

    picker(page).get_by_label("From").fill("2026-10-15")  # after "to": the server says why
    expect(page.get_by_role("alert")).to_contain_text("Could not load the analytics")
    assert asked[-1].endswith("from=2026-10-15&to=2026-09-30")
    assert watch.dialogs == []


def test_on_a_phone_the_cards_stack_and_nothing_overflows_the_page(
    page: Page, shop: PlayedShop, watch: PageWatch
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    open_analytics(page, shop)
    page.screenshot(path=str(SCREENSHOTS / "analytics-1280.png"), full_page=True)
    lefts = {
        round(box["x"]) for box in (card.bounding_box() for card in page.locator("[data-chart]").all()) if box
    }
    assert len(lefts) == 2  # two columns on a wide screen

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_function("() => Chart.getChart(document.querySelector('[data-chart] canvas')).width <= 375")
    boxes = [card.bounding_box() for card in page.locator("[data-chart]").all()]
    assert len({round(box["x"]) for box in boxes if box}) == 1
    assert all(box and box["x"] >= 0 and box["x"] + box["width"] <= 375 for box in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for chart_id in ("orders-per-day", "satisfaction"):
        assert page.evaluate(CHART_DATA, chart_id)["legendBelow"], chart_id
    page.screenshot(path=str(SCREENSHOTS / "analytics-375.png"), full_page=True)

    card = page.locator('[data-chart="orders-per-day"]')
    card.get_by_role("button", name="Table").click()
    scroller = card.locator(".table-scroll")
    assert scroller.evaluate("(el) => el.scrollWidth > el.clientWidth")  # the wide table scrolls in its card
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # ... not the page
    page.screenshot(path=str(SCREENSHOTS / "analytics-375-table.png"))
    assert page.evaluate("cspViolations") == []
    assert watch.errors == [] and watch.dialogs == []


def test_the_csv_quotes_what_needs_it_and_keeps_text_from_running_as_a_formula(
    page: Page, shop: PlayedShop
) -> None:
    open_analytics(page, shop)
    text = page.evaluate(
        """async () => (await import("/dashboard/csv.js")).csvText([
             ["Topic", "Messages"], ["refund, or return", 2], ['the "box"', 0.5], ["=HYPERLINK(1)", null], [" padded", 3]])"""
    )
    assert text == (
        'Topic,Messages\r\n"refund, or return",2\r\n"the ""box""",0.5\r\n\'=HYPERLINK(1),\r\n" padded",3\r\n'
    )
