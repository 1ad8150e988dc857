"""A stand-in for Meta's Graph Send API (``POST /{version}/{IG_ID|me}/messages``) on a local port.

It checks the access token (bearer header or ``access_token`` query parameter), records every request,
answers ``{"recipient_id", "message_id"}`` like Meta, and can be scripted to fail the next requests with
Graph-shaped errors: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``.

Start it with pytest-aiohttp: ``server = await aiohttp_server(graph.app())``; point
``ORDERBOT_GRAPH_BASE_URL`` at ``str(server.make_url(""))``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

Failure = Literal["server_error", "rate_limit", "outside_window", "unavailable", "bad_token"]


@dataclass(frozen=True)
class SentRequest:
    version: str
    account: str
    token: str | None
    body: Any


@dataclass
class _Script:
    status: int
    error: dict[str, Any]
    delay: float = 0.0


def _error(
    message: str, code: int, subcode: int | None = None, kind: str = "OAuthException"
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


_FAILURES: dict[Failure, tuple[int, dict[str, Any]]] = {
    "server_error": (500, _error("An unexpected error has occurred. Please retry your request later.", 2)),
    "rate_limit": (400, _error("(#613) Calls to this api have exceeded the rate limit.", 613)),
    "outside_window": (
        400,
        _error("This message is sent outside of allowed window.", 10, 2018278),
    ),
    "unavailable": (400, _error("This person isn't available right now.", 551)),
    "bad_token": (400, _error("Invalid OAuth access token - Cannot parse access token", 190)),
}


@dataclass
class GraphStandin:
    access_token: str
    requests: list[SentRequest] = field(default_factory=list)
    _script: list[_Script] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, failure: Failure, *, code: int | None = None, status: int | None = None) -> None:
        """Make the next request fail like Meta does (optionally with another Graph ``code`` or HTTP status)."""
        default_status, body = _FAILURES[failure]
        error = json.loads(json.dumps(body))
        if code is not None:
            error["error"]["code"] = code
        self._script.append(_Script(status or default_status, error))

    def delay_next(self, seconds: float) -> None:
        """Make the next request answer (successfully) only after ``seconds``."""
        self._script.append(_Script(200, {}, delay=seconds))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/{account}/messages", self._messages)
        return app

    def _token(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        return request.query.get("access_token")

    async def _messages(self, request: web.Request) -> web.Response:
        token = self._token(request)
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(
            SentRequest(request.match_info["version"], request.match_info["account"], token, body)
        )
        script = self._script.pop(0) if self._script else None
        if script is not None and script.delay:
            await asyncio.sleep(script.delay)
        if token != self.access_token:
            return web.json_response(_FAILURES["bad_token"][1], status=400)
        if script is not None and script.status >= 300:
            return web.json_response(script.error, status=script.status)
        recipient = body.get("recipient", {}).get("id") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        if (
            not recipient
            or not isinstance(message, dict)
            or not (message.get("text") or message.get("attachment"))
        ):
            return web.json_response(_error("(#100) Invalid parameter", 100), status=400)
        return web.json_response(
            {"recipient_id": recipient, "message_id": f"aWdfZAG1fstandin{next(self._ids):08d}"}
        )
