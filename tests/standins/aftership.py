"""A stand-in for AfterShip's Tracking API (``POST /tracking/2025-01/trackings``) on a local port.

It checks the ``as-api-key`` header, records every tracking it is asked to create, and answers in
AfterShip's envelope: ``{"meta": {"code", "message"}, "data": {...}}``, 201 for a new tracking, 400 with
meta code 4003 ("Tracking already exists.") for a number it has, 401 for a wrong key.

Start it with pytest-aiohttp: ``server = await aiohttp_server(stand_in.app())``; point
``ORDERBOT_AFTERSHIP_BASE_URL`` at ``str(server.make_url(""))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PATH = "/tracking/2025-01/trackings"


@dataclass
class AfterShipStandIn:
    api_key: str
    created: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(PATH, self._create)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        if request.headers.get("as-api-key") != self.api_key:
            self.refused += 1
            return _envelope(401, 401, "Invalid API key.", {})
        body = await request.json()
        number = body.get("tracking_number")
        if any(t["tracking_number"] == number for t in self.created):
            return _envelope(400, 4003, "Tracking already exists.", {})
        self.created.append(body)
        tracking = {"id": f"as{len(self.created):030d}", "tag": "Pending", **body}
        return _envelope(201, 201, "Created", tracking)


def _envelope(status: int, code: int, message: str, data: dict[str, Any]) -> web.Response:
    return web.json_response(
        {"meta": {"code": code, "message": message, "type": "OK"}, "data": data}, status=status
    )
