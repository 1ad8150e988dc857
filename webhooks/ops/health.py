"""Liveness, readiness and metrics.

Readiness pings every service that registered a ping (``PINGS``, one entry per service as the composition
root opens it, as in svcs' health view), all at once, and names each as ``ok`` or ``unreachable``.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from webhooks.keys import METRICS, PINGS
from webhooks.ops.metrics import CONTENT_TYPE_LATEST


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    pings = request.config_dict[PINGS]
    answers = await asyncio.gather(*(ping() for ping in pings.values()))
    services = {name: "ok" if up else "unreachable" for name, up in zip(pings, answers, strict=True)}
    if all(answers):
        return web.json_response({"status": "ready", **services})
    return web.json_response({"status": "unavailable", **services}, status=503)


async def metrics_text(request: web.Request) -> web.Response:
    response = web.Response(body=request.config_dict[METRICS].render())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
