"""A stand-in for EasyPost's Trackers API (``POST /v2/trackers``) on a local port.

It checks HTTP basic auth (the API key as the user, no password), records every tracker it is asked to
create, and answers a ``Tracker`` object (201), or EasyPost's error shape ``{"error": {"code", "message"}}``
with 401 for a wrong key.

Start it with pytest-aiohttp: ``server = await aiohttp_server(stand_in.app())``; point
``ORDERBOT_EASYPOST_BASE_URL`` at ``str(server.make_url(""))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import BasicAuth, web

PATH = "/v2/trackers"


@dataclass
class EasyPostStandIn:
    api_key: str
    created: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(PATH, self._create)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        try:
            auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        except ValueError:
            auth = None
        if auth is None or auth.login != self.api_key:
            self.refused += 1
            error = {"code": "APIKEY.INACTIVE", "message": "This api key is no longer active."}
            return web.json_response({"error": error}, status=401)
        body = await request.json()
        self.created.append(body["tracker"])
        code = body["tracker"]["tracking_code"]
        tracker = {
            "id": f"trk_{len(self.created)}",
            "object": "Tracker",
            "tracking_code": code,
            "status": "unknown",
        }
        return web.json_response(tracker, status=201)
