"""Liveness, readiness and metrics."""

from __future__ import annotations

from aiohttp import web

from webhooks.keys import DATABASE, METRICS
from webhooks.ops.metrics import CONTENT_TYPE_LATEST


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    if await request.config_dict[DATABASE].ping():
        return web.json_response({"status": "ready", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


async def metrics_text(request: web.Request) -> web.Response:
    response = web.Response(body=request.config_dict[METRICS].render())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
