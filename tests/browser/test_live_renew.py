"""The desk's live stream across its renewals, in Chromium: the server ends every stream after
``ORDERBOT_LIVE_STREAM_SECONDS`` with a ``renew`` event, and the desk reconnects with a new ticket, resuming
after the last event it had, so a change made after the renewal, or in its gap, shows from the stream:
the "Live" indicator stays, and the desk's 3-second polling fallback never asks.

Its own app with short streams (the desk's default five minutes would make the test wait that long), on the
suite's database, served as ``tests/browser/conftest.py`` serves the desk's.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.browser.conftest import NOW, Desk, LiveApp, PageWatch, live_app, make_desk
from tests.conftest import finish_background

#: Long enough for the desk to load between renewals, short enough that the test sees several.
STREAM_SECONDS = 2.0
#: What a change may take to show from the stream: under the polling fallback's 3 s, with room for a busy machine.
SHOWS_WITHIN_MS = 2500

# Before any of the desk's scripts: every live event the desk dispatches, and every value the live
# indicator takes, kept where the test can read them.
RECORD_LIVE = """
window.__live = [];
window.__indicator = [];
window.addEventListener("orderbot:live", (event) => window.__live.push(event.detail));
new MutationObserver(() => {
  const state = document.querySelector(".live-state")?.dataset.live;
  if (state && state !== window.__indicator[window.__indicator.length - 1]) window.__indicator.push(state);
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-live"] });
"""


@pytest.fixture(scope="module")
def short_streams(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with live_app(
        mongodb_uri, tmp_path_factory.mktemp("live-renew-var"), name="live_renew",
        ORDERBOT_LIVE_STREAM_SECONDS=STREAM_SECONDS,
    ) as app:  # fmt: skip
        yield app


class Traffic:
    """The desk's requests that matter here: streams opened, tickets asked, and fallback polls."""

    def __init__(self) -> None:
        self.streams: list[dict[str, list[str]]] = []
        self.tickets = 0
        self.polls = 0

    def seen(self, request: Request) -> None:
        address = urllib.parse.urlparse(request.url)
        if address.path == "/api/v1/events":
            self.streams.append(urllib.parse.parse_qs(address.query))
        elif address.path == "/api/v1/events/ticket":
            self.tickets += 1
        elif address.path == "/api/v1/shop/revision" and "if-none-match" in request.headers:
            self.polls += 1  # the revision check the desk polls with sends the ETag it has


def wait_for(page: Page, done: Any, seconds: float) -> None:
    ends = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < ends, "timed out"
        page.wait_for_timeout(50)


def order_events(page: Page, order_id: str) -> list[str]:
    live: list[dict[str, Any]] = page.evaluate("window.__live")
    return [
        e["data"]["status"] for e in live if e["kind"] == "order" and e["data"].get("order_id") == order_id
    ]


def status_cell(page: Page, number: str) -> Any:
    return page.locator(f'table.orders tr[data-order="{number}"]')


def test_the_desk_resumes_its_stream_after_each_renewal_losing_nothing_and_never_polling(
    page: Page, short_streams: LiveApp, watch: PageWatch
) -> None:
    desk: Desk = make_desk(short_streams, f"Renew Roasters {secrets.token_hex(3)}")
    traffic = Traffic()
    page.on("request", traffic.seen)
    page.add_init_script(RECORD_LIVE)
    page.goto(desk.link)
    expect(page.locator(".live-state")).to_have_attribute("data-live", "live")
    expect(status_cell(page, "1002")).to_contain_text("Pending")
    assert traffic.streams[0].get("last_event_id") is None  # a first connection starts from now

    # A renewal: the desk asks a new ticket and opens a stream that resumes where the first one was.
    wait_for(page, lambda: len(traffic.streams) >= 2, STREAM_SECONDS + 3)
    assert traffic.streams[1].get("last_event_id"), traffic.streams[1]
    expect(page.locator(".live-state")).to_have_attribute("data-live", "live")

    # A change after the renewal shows from the new stream.
    order = desk.orders["1002"].id
    desk.webhook("order.updated", id="ext-1002", status="processing", updated_at=NOW.isoformat())
    expect(status_cell(page, "1002")).to_contain_text("Processing", timeout=SHOWS_WITHIN_MS)
    assert order_events(page, order) == ["processing"]

    # A change made in the gap of the next renewal, after the old stream ended and before the new one
    # opens: the new stream brings it first, resuming after the last event the desk had.
    gap: list[int] = []

    def change_in_the_gap(route: Route) -> None:
        if not gap:
            gap.append(len(traffic.streams))
            desk.webhook(
                "order.updated", id="ext-1004", status="shipped", tracking={"carrier": "UPS", "number": "1ZGAP"},
                updated_at=(NOW + timedelta(minutes=1)).isoformat(),
            )  # fmt: skip
            short_streams.run(finish_background(short_streams.app))  # stored and on the shop's feed
        route.continue_()

    page.route("**/api/v1/events/ticket", change_in_the_gap)
    wait_for(page, lambda: bool(gap) and len(traffic.streams) > gap[0], STREAM_SECONDS + 3)
    assert traffic.streams[gap[0]].get("last_event_id"), traffic.streams[gap[0]]
    gapped = desk.orders["1004"].id
    expect(status_cell(page, "1004")).to_contain_text("Shipped", timeout=SHOWS_WITHIN_MS)
    assert order_events(page, gapped) == ["shipped"]  # from the stream, once, not from a reload
    page.unroute("**/api/v1/events/ticket")

    # Another renewal or two, idle: still live, nothing repeated, and not one fallback poll in all this
    # time (longer than the polling interval several times over).
    renewals = len(traffic.streams)
    wait_for(page, lambda: len(traffic.streams) >= renewals + 2, 2 * STREAM_SECONDS + 3)
    # counted now, when a stream just opened and the next renewal is seconds away
    tickets, streams = traffic.tickets, len(traffic.streams)
    expect(page.locator(".live-state")).to_have_attribute("data-live", "live")
    assert order_events(page, order) == ["processing"] and order_events(page, gapped) == ["shipped"]
    indicator: list[str] = page.evaluate("window.__indicator")
    assert indicator[indicator.index("live") :] == ["live"]  # once live, it never dropped to polling
    assert traffic.polls == 0
    assert tickets == streams  # each stream on a new ticket of its own
    assert watch.errors == [] and watch.dialogs == []
