"""The API docs page: vendored Swagger UI 5 (it renders OpenAPI 3.1), no CDN, no inline script."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp.test_utils import TestClient

from webhooks.api.openapi import ASSETS


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


async def test_docs_page_loads_only_its_own_files(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/docs")  # no token: the page holds nothing secret
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # the browser test proves Swagger UI renders without inline styles
    assert csp["default-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "//" not in html.replace("<!doctype html>", ""), "the page must not reach another host"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/api/docs/' in attrs and not body.strip() for attrs, body in scripts)
    assert 'data-url="/api/v1/openapi.json"' in html


async def test_docs_assets_are_served_with_their_types(client: TestClient[Any, Any]) -> None:
    for name, content_type in [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ]:
        response = await client.get(f"/api/docs/{name}")
        assert response.status == 200, name
        assert response.content_type == content_type
        assert await response.read() == (ASSETS / name).read_bytes()
    for name in ("LICENSE", "index.html", "..%2fopenapi.py", "README.md"):
        response = await client.get(f"/api/docs/{name}")
        assert response.status == 404, name
        assert (await response.json())["error"]["code"] == "not_found"


def test_vendored_viewer_is_swagger_ui_5_unchanged() -> None:
    """Swagger UI 4 (the swagger-ui-bundle package's) cannot render OpenAPI 3.1; the files are upstream's."""
    readme = (ASSETS / "README.md").read_text()
    version = re.search(r"swagger-ui-dist` (\d+)\.\d+\.\d+", readme)
    assert version is not None and int(version.group(1)) >= 5
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        digest = hashlib.sha256((ASSETS / name).read_bytes()).hexdigest()
        assert f"| `{name}` | `{digest}` |" in readme, name
    assert "Apache License" in (ASSETS / "LICENSE").read_text()
