"""The API docs page in Chromium: Swagger UI renders the OpenAPI 3.1 document under the page's CSP."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from orders.shops import new_shop
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, NOW, SCREENSHOTS, LiveApp, live_app
from tests.conftest import token_for
from webhooks.api.openapi import DOCUMENT_PATH
from webhooks.api.routes import routes

#: Generous: a loaded CI machine takes seconds to parse Swagger UI's 1.7 MB bundle.
WAIT = 30_000


@pytest.fixture
def docs_app(mongodb_uri: str, tmp_path: Path) -> Iterator[LiveApp]:
    with live_app(mongodb_uri, tmp_path / "var", name="docs") as app:
        yield app


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = browser.new_page(viewport={"width": 1280, "height": 900})
        opened.set_default_timeout(WAIT)
        yield opened
        browser.close()


def docs_schemas(app: LiveApp) -> dict[str, object]:
    with urllib.request.urlopen(f"{app.url}{DOCUMENT_PATH}", timeout=10) as response:
        schemas: dict[str, object] = json.loads(response.read())["components"]["schemas"]
    return schemas


def test_docs_page_shows_every_operation_and_calls_the_api(docs_app: LiveApp, page: Page) -> None:
    shop = new_shop("Docs Shop", NOW)
    docs_app.run(docs_app.db.shops.add(shop))
    errors: list[str] = []
    hosts: set[str] = set()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: hosts.add(re.sub(r"^(\w+://[^/]+).*", r"\1", request.url)))

    page.goto(f"{docs_app.url}/api/docs")
    expect(page.locator(".information-container .title")).to_contain_text("orderbot REST API", timeout=WAIT)
    expect(page.locator(".information-container .title")).to_contain_text("OAS 3.1", timeout=WAIT)
    expect(page.locator(".opblock")).to_have_count(len(routes.operations), timeout=WAIT)

    page.locator(".btn.authorize").click()
    page.locator(".auth-container input").fill(token_for(shop))
    page.locator(".auth-btn-wrapper .btn.authorize").click()
    page.locator(".btn-done").click()
    stats = page.locator(".opblock", has=page.locator('[data-path="/api/v1/orders/stats"]'))
    stats.locator(".opblock-summary").click()
    stats.locator(".try-out__btn").click()
    stats.locator(".execute").click()
    expect(stats.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200", timeout=WAIT
    )
    expect(stats.locator(".live-responses-table .microlight").first).to_contain_text(
        '"by_status"', timeout=WAIT
    )

    update = page.locator(".opblock", has=page.locator('[data-path="/api/v1/orders/update-status"]'))
    update.locator(".opblock-summary").click()
    expect(update.locator(".opblock-section-request-body")).to_contain_text("Request body", timeout=WAIT)
    expect(update.locator(".responses-table")).to_contain_text("409", timeout=WAIT)
    models = page.locator(".models article.json-schema-2020-12[data-json-schema-level='0']")
    expect(models).to_have_count(len(docs_schemas(docs_app)), timeout=WAIT)
    followup = models.filter(has=page.locator(".json-schema-2020-12__title", has_text="ScheduleFollowup"))
    followup.locator(".json-schema-2020-12-expand-deep-button").first.click()
    expect(followup).to_contain_text("delay_hours", timeout=WAIT)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    assert errors == []
    assert hosts == {docs_app.url}
