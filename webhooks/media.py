"""``GET /media/<token>``: the photo a media link opens, for the providers that fetch it (Twilio, Meta).

No other authentication: the token is the key, random and expiring (``orders.store.photos``), and it opens
exactly one photo. Anything else (a malformed, unknown or expired token, a path below it) is the same 404,
so the route tells nothing about what exists. The access log shows the path without the token.
"""

from __future__ import annotations

from aiohttp import web

from orders.store import NotFound
from webhooks.keys import SERVICE
from webhooks.middleware import error_response

ROUTE = "/media/{token}"


async def serve(request: web.Request) -> web.Response:
    """The image the token opens, with its content type; 404 for any token that opens nothing."""
    photos = request.config_dict[SERVICE].photos
    photo = await photos.by_token(request.match_info["token"])
    if photo is None:
        return error_response(404, "not_found", "no such media")
    try:
        content = await photos.content(photo)
    except NotFound:
        return error_response(404, "not_found", "no such media")
    return web.Response(
        body=content,
        content_type=photo.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
            "Referrer-Policy": "no-referrer",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(ROUTE, serve)


__all__ = ["ROUTE", "add_routes", "serve"]
