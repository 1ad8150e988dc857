"""The order desk page: static files from ``webhooks/desk/static/``, served with strict security headers.

The page talks only to REST API v1 with the shop's token (kept in the browser, never sent here), so
these routes need no authentication. Only files present at start-up are served, by exact name: no path
from a request ever reaches the file system.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

DASHBOARD_DIR = Path(__file__).parent / "static"

#: Scripts, styles, images and API calls from this origin only; no framing, no plugins, no inline script.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",  # photos, read with the token and shown from blob: URLs
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
#: Vendored files carry their version in the name, so browsers may keep them; the page's own files are
#: revalidated (a cheap 304) so that a new release shows at once.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    cache_control: str


def load_assets(root: Path = DASHBOARD_DIR) -> dict[str, Asset]:
    """Every servable file under ``root`` by its path relative to it (``app.js``, ``vendor/...``)."""
    assets: dict[str, Asset] = {}
    for path in sorted(root.rglob("*")):
        content_type = _TYPES.get(path.suffix)
        if not path.is_file() or content_type is None:
            continue
        body = path.read_bytes()
        name = path.relative_to(root).as_posix()
        assets[name] = Asset(
            body=body,
            content_type=content_type,
            etag=f'"{hashlib.sha256(body).hexdigest()[:16]}"',
            cache_control=_IMMUTABLE if name.startswith("vendor/") else _REVALIDATE,
        )
    return assets


def _respond(request: web.Request, asset: Asset) -> web.Response:
    headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": asset.cache_control}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    charset = None if asset.content_type.startswith("image/") else "utf-8"
    return web.Response(body=asset.body, content_type=asset.content_type, charset=charset, headers=headers)


def setup(app: web.Application) -> None:
    """Register ``GET /dashboard`` and its assets under ``/dashboard/``; ``GET /`` leads to the desk."""
    assets = load_assets()

    async def home(request: web.Request) -> web.Response:
        raise web.HTTPFound("/dashboard", headers=SECURITY_HEADERS)

    async def page(request: web.Request) -> web.Response:
        return _respond(request, assets["index.html"])

    async def asset(request: web.Request) -> web.Response:
        found = assets.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return _respond(request, found)

    app.router.add_get("/", home)
    app.router.add_get("/dashboard", page)
    app.router.add_get("/dashboard/", page)
    app.router.add_get("/dashboard/{name:.+}", asset)
