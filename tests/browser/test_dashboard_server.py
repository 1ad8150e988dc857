"""What the service gives the order desk, checked over HTTP: the files and their headers, the shop and
revision endpoints, and the sign-in link the CLI prints. No browser needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from orders.model import Shop
from tests.browser.conftest import LiveApp, make_desk
from tests.conftest import Api, finish_background, token_for
from webhooks.desk.routes import DASHBOARD_DIR, load_assets

Client = TestClient[Any, Any]


CHART_LIBRARY = "vendor/chart-4.6.1.umd.js"


def test_the_page_and_all_its_assets_stay_under_200_kb() -> None:
    """The chart library is loaded by the Analytics page only (``import()``), so it has a budget of its own."""
    files = [path for path in DASHBOARD_DIR.rglob("*") if path.is_file()]
    served = load_assets()
    assert "index.html" in served and "app.js" in served and "vendor/preact-11.2.0.mjs" in served
    assert CHART_LIBRARY in served
    sizes = {
        path.relative_to(DASHBOARD_DIR).as_posix(): path.stat().st_size
        for path in files
        if not path.name.startswith(("LICENSE", "VERSIONS"))
    }
    chart_library = sizes.pop(CHART_LIBRARY)
    assert sum(sizes.values()) < 200 * 1024, f"{sum(sizes.values())} bytes"
    assert chart_library < 220 * 1024, f"{chart_library} bytes"
    for path in DASHBOARD_DIR.glob("*.js"):
        text = path.read_text()
        assert not re.search(r'from\s*"[^"]*chart-', text), f"{path.name} loads the chart library up front"


def test_the_scripts_never_write_html() -> None:
    """Customer and shop values reach the page only as text nodes (Preact escapes them)."""
    ours = [path for path in DASHBOARD_DIR.glob("*.js")]
    assert len(ours) >= 5
    for path in ours:
        text = path.read_text()
        for sink in (
            "innerHTML",
            "outerHTML",
            "dangerouslySetInnerHTML",
            "insertAdjacentHTML",
            "document.write",
        ):
            assert sink not in text, f"{path.name} uses {sink}"


def test_every_module_the_page_imports_is_served() -> None:
    served = load_assets()
    for name, asset in served.items():
        if not name.endswith((".js", ".mjs")):
            continue
        base = Path(name).parent
        for target in re.findall(rb'from\s*"(\.[^"]+)"', asset.body):
            resolved = (base / target.decode()).as_posix().removeprefix("./")
            assert Path(resolved).as_posix() in served or str(Path(resolved)) in served, (name, target)


async def test_the_page_is_served_with_security_headers(client: Client) -> None:
    for path in ("/dashboard", "/dashboard/", "/dashboard/app.js", "/dashboard/vendor/htm-3.1.1.mjs"):
        response = await client.get(path)
        assert response.status == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = await client.get("/dashboard")
    assert page.content_type == "text/html"
    assert page.headers["Cache-Control"] == "no-cache"
    assert '<script type="module" src="/dashboard/app.js">' in await page.text()
    script = await client.get("/dashboard/app.js")
    assert script.content_type == "text/javascript"
    vendored = await client.get("/dashboard/vendor/preact-11.2.0.mjs")
    assert "immutable" in vendored.headers["Cache-Control"]


async def test_an_unchanged_asset_answers_304(client: Client) -> None:
    first = await client.get("/dashboard/style.css")
    again = await client.get("/dashboard/style.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert await again.read() == b""


@pytest.mark.parametrize(
    "path",
    ["/dashboard/nope.js", "/dashboard/../webhooks/app.py", "/dashboard/%2e%2e/app.py", "/dashboard/vendor"],
)
async def test_only_the_dashboards_own_files_are_served(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404


async def test_the_shop_endpoint_gives_the_timezone_and_no_secrets(api: Api, shop: Shop) -> None:
    answer = await api.get("/shop")
    assert answer == {"shop_id": shop.id, "name": "Acme Coffee", "timezone": "Europe/Berlin", "role": "staff"}


async def test_the_shop_endpoints_need_a_token(client: Client) -> None:
    for path in ("/api/v1/shop", "/api/v1/shop/revision"):
        response = await client.get(path)
        assert response.status == 401


async def test_the_revision_answers_304_until_the_shops_data_changes(
    client: Client, api: Api, shop: Shop, other_shop: Shop
) -> None:
    headers = {"Authorization": f"Bearer {token_for(shop)}"}

    async def revision(etag: str | None = None) -> tuple[int, str]:
        response = await client.get(
            "/api/v1/shop/revision", headers={**headers, **({"If-None-Match": etag} if etag else {})}
        )
        return response.status, response.headers["ETag"]

    status, etag = await revision()
    assert status == 200
    assert await revision(etag) == (304, etag)

    app = client.app
    created = await api.post("/orders", {"number": "7001", "customer": {"name": "Ana"}}, status=201)
    await finish_background(app)  # the order's first update is sent (or skipped) at once, a change too
    status, moved = await revision(etag)
    assert status == 200 and moved != etag
    assert await revision(moved) == (304, moved)

    await api.post("/orders/notify", {"order_id": created["order_id"], "message": "hi"}, status=202)
    await finish_background(app)
    status, after_notify = await revision(moved)
    assert status == 200 and after_notify != moved

    other = Api(client, token_for(other_shop))
    await other.post("/orders", {"number": "8001"}, status=201)  # another shop's change is not ours
    await finish_background(app)
    assert await revision(after_notify) == (304, after_notify)
    body = await api.get("/shop/revision")
    assert body == {"revision": int(after_notify.strip('"'))}


def test_dashboard_link_prints_a_link_whose_token_signs_in(live: LiveApp) -> None:
    desk = make_desk(live, "Linked Shop", [])
    settings = live.settings
    assert settings.mongodb_uri is not None and settings.secret_key is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_"))}
    env.update(
        MONGODB_URI=settings.mongodb_uri,
        MONGODB_DB=settings.mongodb_db,
        ORDERBOT_SECRET_KEY=settings.secret_key.get_secret_value(),
        ORDERBOT_DATA_DIR=str(settings.data_dir),
        ORDERBOT_PUBLIC_URL="https://desk.example.com/",
    )

    def orderbot(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "webhooks.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    done = orderbot("dashboard-link", "--shop", desk.shop.id)
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(r"https://desk\.example\.com/dashboard#token=([\w.-]+)", done.stdout.strip())
    assert match, done.stdout
    request = urllib.request.Request(
        f"{live.url}/api/v1/shop", headers={"Authorization": f"Bearer {match[1]}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["shop_id"] == desk.shop.id

    missing = orderbot("dashboard-link", "--shop", "shop_missing")
    assert missing.returncode == 1 and missing.stdout == ""


async def test_a_page_of_orders_shared_by_many_desks_is_never_older_than_the_last_change(api: Api) -> None:
    created = await api.post("/orders", {"number": "7101", "status": "pending"}, status=201)
    first = await api.get("/orders", limit=5)
    assert await api.get("/orders", limit=5) == first  # the same page again, while nothing changed
    await api.post("/orders/update-status", {"order_id": created["order_id"], "status": "processing"})
    again = await api.get("/orders", limit=5)
    assert [o["status"] for o in again["orders"]] == ["processing"]
    await api.post("/orders", {"number": "7102"}, status=201)
    assert sorted(o["number"] for o in (await api.get("/orders", limit=5))["orders"]) == ["7101", "7102"]
