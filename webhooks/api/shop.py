"""``PATCH /api/v1/shop``: an admin changes the shop's settings (``GET /api/v1/shop`` reads them).

The patch is checked whole (``webhooks.api.shop_changes``) and saved in one write, so a bad field leaves the
shop as it was. Turning auto-progression on moves the orders already due at once, before the answer.
"""

from __future__ import annotations

from aiohttp import web

from webhooks.api import schemas
from webhooks.api.routes import SHOP, routes, shop_response
from webhooks.api.shop_changes import InvalidSetting, save_settings
from webhooks.api.shop_settings import ShopSettingsPatch
from webhooks.keys import DATABASE, PRINCIPAL, SERVICE, SHOPS
from webhooks.middleware import ApiError, parse_json


@routes.patch("/shop", "Change the shop's settings", role="admin", body=ShopSettingsPatch,
              response=schemas.ShopOut, errors=(409,))  # fmt: skip
async def change_shop(request: web.Request) -> web.Response:
    """Only the fields given change; `null` clears one. A bad value answers 422 naming the field, and
    nothing is saved. 409 when another shop already uses a number or account given. Turning
    `auto_progress` on moves the orders already due before this answers.
    """
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    patch = parse_json(ShopSettingsPatch, await request.read())
    try:
        changed = await save_settings(
            request.config_dict[SERVICE], request.config_dict[DATABASE].shops, request[SHOP], patch
        )
    except InvalidSetting as exc:
        details = [{"field": exc.field, "message": exc.message}]
        raise ApiError(422, "invalid_field", str(exc), details) from None
    request.config_dict[SHOPS].forget(changed.id)
    return shop_response(changed, request[PRINCIPAL].role)
