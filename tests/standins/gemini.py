"""A stand-in for the Gemini API's ``generateContent``, for the real google-genai SDK pointed at it.

The SDK (``genai.Client(api_key=..., http_options=HttpOptions(base_url=<stand-in>, api_version="v1beta"))``)
calls ``POST /v1beta/models/{model}:generateContent`` with the key in the ``x-goog-api-key`` header and a
JSON body of ``contents``, ``systemInstruction`` and ``generationConfig``. The stand-in checks the key and
the model as Google does (400 ``API_KEY_INVALID``, 404 for an unknown model), records every request, and
answers a ``GenerateContentResponse``: ``candidates[0].content.parts[0].text``, ``finishReason``,
``usageMetadata``, ``modelVersion``, ``responseId``.

Answers are scripted per test, first in first out: ``answer({...})`` (JSON text), ``answer("not json")``,
``answer(..., delay=3)``, ``answer(..., finish_reason="MAX_TOKENS")``, ``block()`` (no candidates),
``fail(500)``; ``always(...)`` sets the answer used when nothing is queued (a ``Reply`` or a function of the
request). With nothing scripted it answers 500, so a test that forgot to script fails loudly.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}


@dataclass(frozen=True)
class GenerateRequest:
    """One ``generateContent`` call as the SDK sent it."""

    version: str
    model: str
    headers: CIMultiDictProxy[str]
    body: dict[str, Any]

    @property
    def api_key(self) -> str | None:
        return self.headers.get("x-goog-api-key")

    @property
    def system(self) -> str:
        """The system instruction's text."""
        parts = (self.body.get("systemInstruction") or {}).get("parts", [])
        return "".join(part.get("text", "") for part in parts)

    @property
    def prompt(self) -> str:
        """The text of every part of every content."""
        return "".join(
            part.get("text", "") for c in self.body.get("contents", []) for part in c.get("parts", [])
        )

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.body.get("generationConfig", {})
        return config

    def data_field(self, tag: str) -> Any:
        """The JSON value between ``<tag>`` and ``</tag>`` in the prompt (AssertionError if not exactly one)."""
        found = re.findall(rf"<{tag}>(.*?)</{tag}>", self.prompt, flags=re.DOTALL)
        assert len(found) == 1, f"expected one <{tag}> field in {self.prompt!r}"
        return json.loads(found[0])

    def json_after(self, marker: str) -> Any:
        """The JSON object that follows ``marker`` in the prompt."""
        start = self.prompt.index(marker) + len(marker)
        value, _ = json.JSONDecoder().raw_decode(self.prompt[start:].lstrip())
        return value


@dataclass(frozen=True)
class Reply:
    """One scripted answer: model text (JSON or not), an HTTP error, or a blocked prompt."""

    text: str | None = None
    status: int = 200
    delay: float = 0.0
    finish_reason: str = "STOP"
    blocked: bool = False


Responder = Callable[[GenerateRequest], Reply]


class GeminiStandIn:
    def __init__(
        self, api_key: str = "test-gemini-key", models: tuple[str, ...] = ("gemini-2.5-flash",)
    ) -> None:
        self.api_key = api_key
        self.models = models
        self.requests: list[GenerateRequest] = []
        self.in_flight = 0
        self.peak = 0  # the most requests in flight at once
        self._script: deque[Reply] = deque()
        self._default: Responder | None = None

    # -- scripting ------------------------------------------------------------------------------------

    def answer(
        self, payload: Any, *, times: int = 1, delay: float = 0.0, finish_reason: str = "STOP"
    ) -> None:
        """Answer the next ``times`` calls with ``payload`` as the model's text (a str as is, else JSON)."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._script.extend(Reply(text, delay=delay, finish_reason=finish_reason) for _ in range(times))

    def fail(self, status: int = 500, *, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next ``times`` calls with Google's JSON error body and ``status``."""
        self._script.extend(Reply(status=status, delay=delay) for _ in range(times))

    def block(self) -> None:
        """Answer the next call as a prompt blocked by safety filters: no candidates at all."""
        self._script.append(Reply(blocked=True))

    def always(self, answer: Reply | Responder | None) -> None:
        """The answer when nothing is queued: a fixed ``Reply`` or a function of the request."""
        self._default = (lambda _request: answer) if isinstance(answer, Reply) else answer

    # -- the API --------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/models/{call}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        model, _, method = request.match_info["call"].partition(":")
        version = request.match_info["version"]
        if method != "generateContent":
            return error(404, f"Method {method!r} not found.")
        key = request.headers.get("x-goog-api-key", "")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return error(400, "API key not valid. Please pass a valid API key.", reason="API_KEY_INVALID")
        if model not in self.models:
            return error(404, f"models/{model} is not found for API version {version}, or is not supported.")
        try:
            body = await request.json()
        except ValueError:
            return error(400, "Invalid JSON payload received.")
        recorded = GenerateRequest(version, model, request.headers, body)
        self.requests.append(recorded)
        reply = self._next(recorded)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
        if reply.status != 200:
            return error(reply.status, _MESSAGES.get(reply.status, "Error"))
        return web.json_response(response_body(model, recorded, reply))

    def _next(self, request: GenerateRequest) -> Reply:
        if self._script:
            return self._script.popleft()
        if self._default is not None:
            return self._default(request)
        return Reply(status=500)


def response_body(model: str, request: GenerateRequest, reply: Reply) -> dict[str, Any]:
    """A ``GenerateContentResponse`` as the Gemini API returns it (token counts are rough)."""
    prompt_tokens = max(1, (len(request.prompt) + len(request.system)) // 4)
    usage: dict[str, Any] = {
        "promptTokenCount": prompt_tokens,
        "totalTokenCount": prompt_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
    }
    body: dict[str, Any] = {
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": secrets.token_urlsafe(16),
    }
    if reply.blocked:
        body["promptFeedback"] = {"blockReason": "SAFETY"}
        return body
    answer_tokens = max(1, len(reply.text or "") // 4)
    usage["candidatesTokenCount"] = answer_tokens
    usage["totalTokenCount"] = prompt_tokens + answer_tokens
    body["candidates"] = [
        {
            "content": {"parts": [{"text": reply.text or ""}], "role": "model"},
            "finishReason": reply.finish_reason,
            "index": 0,
        }
    ]
    return body


def error(status: int, message: str, *, reason: str | None = None) -> web.Response:
    """Google's error body: ``{"error": {"code", "message", "status", "details"?}}``."""
    inner: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if reason:
        inner["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ]
    return web.json_response({"error": inner}, status=status)
