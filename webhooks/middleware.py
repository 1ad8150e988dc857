"""Errors to HTTP in one place, and request metrics.

Every error leaves as ``{"error": {"code", "message"}}`` with a fitting status; anything unexpected is
logged once and answered 500 without details.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, TypeVar

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from pydantic import BaseModel, ValidationError

from orders.correlation import current_request_id
from orders.crypto import SealError
from orders.lifecycle import InvalidTransition
from orders.numbering import DuplicateNumber
from orders.store import AlreadyExists, Conflict, DatabaseError, NotFound
from orders.usecases import DeliveryInProgress
from webhooks.access.auth import AuthError, RoleRefused
from webhooks.keys import METRICS
from webhooks.ops.logs import REQUEST_ID_HEADER

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
H = TypeVar("H", bound=Handler)

#: What a 503 asks clients to wait while the database is unreachable.
RETRY_AFTER_SECONDS = 5

_HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_field",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error with the status and code the client should see."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]


def parse_json(model: type[M], body: bytes, context: dict[str, Any] | None = None) -> M:
    """Validate a JSON body: 400 when it is not JSON (or not an object), 422 when a field is wrong.

    ``context`` reaches the model's validators (the shop's default country for typed phone numbers).
    """
    try:
        return model.model_validate_json(body, context=context)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise ApiError(400, "malformed", "the body is not valid JSON") from None
        if len(errors) == 1 and errors[0]["type"] == "model_type" and not errors[0]["loc"]:
            raise ApiError(400, "malformed", "the body must be a JSON object") from None
        raise ApiError(422, "invalid_field", "some fields are invalid", validation_details(exc)) from None


def _map(exc: Exception) -> web.Response | None:
    match exc:
        case ApiError():
            response = error_response(exc.status, exc.code, exc.message, exc.details)
            response.headers.update(exc.headers)
            return response
        case AuthError():
            return error_response(401, "unauthorized", str(exc))
        case RoleRefused():
            return error_response(403, exc.code, str(exc))
        case NotFound():
            return error_response(404, "not_found", str(exc))
        case InvalidTransition():
            return error_response(409, "invalid_transition", str(exc))
        case DuplicateNumber():
            return error_response(409, "duplicate_number", str(exc))
        case Conflict() | AlreadyExists():
            return error_response(409, "conflict", str(exc))
        case DeliveryInProgress():
            response = error_response(409, "in_progress", str(exc))
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        case ValidationError():
            return error_response(422, "invalid_field", "some fields are invalid", validation_details(exc))
        case SealError():
            # The operator's configuration, not the caller's request: no retry will help until it is fixed.
            log.error("a shop's stored secrets do not open with the configured keys: %s", exc)
            return error_response(
                503, "secrets_unavailable",
                "this shop's stored secrets cannot be opened with the server's keys; the operator must add "
                "the key they were sealed with to ORDERBOT_OLD_SECRET_KEYS",
            )  # fmt: skip
        case DatabaseError():
            # Nothing was acknowledged: providers retry a 503, so no delivery is lost while it is down.
            log.warning("database unavailable: %s", type(exc).__name__)
            response = error_response(503, "unavailable", "the database is unavailable; try again shortly")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
    return None


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "error")
        message = exc.reason if exc.status != 413 else "the body is too large"
        return error_response(exc.status, code, message)
    except Exception as exc:
        mapped = _map(exc)
        if mapped is not None:
            return mapped
        log.exception("unexpected error on %s %s", request.method, request.rel_url.path)
        return error_response(500, "internal", "something went wrong on our side")


#: The attribute that marks a handler reading its own body as it streams in (``streams_body``).
STREAMS_BODY = "orderbot_streams_body"


def streams_body(handler: H) -> H:
    """Mark ``handler`` (as registered) as one that reads its own body while it arrives: ``request_body``
    leaves it unread. Such a handler bounds the body's size and time itself (a photo upload: 5 MB)."""
    setattr(handler, STREAMS_BODY, True)
    return handler


def request_body(timeout: float) -> Middleware:
    """The middleware that reads each request's body whole, within ``timeout`` seconds, before any handler.

    - A declared ``Content-Encoding`` other than ``identity`` is answered 415 before a byte is read: no
      provider compresses what it sends, and an inflated body can be a thousand times its size on the wire.
      The server is built with aiohttp's ``auto_decompress`` off, so nothing is ever inflated.
    - A declared length over the app's ``client_max_size`` is answered 413 before a byte is read; a chunked
      body is cut off by ``request.read()`` once it holds more, so no more than that is ever kept.
    - A body that has not fully arrived after ``timeout`` seconds, however slowly it trickles, is answered
      408 and its connection closed: a client cannot hold a connection open by stalling.
    - A body that stops because its client went away, or that cannot be read, is a 400 (which no one may
      be left to receive), not an unexpected error with a traceback in the log.

    Handlers then read the kept bytes with ``request.read()`` as before. A handler marked ``streams_body``
    gets its request unread (only the compression check applies) and bounds its body itself.
    """

    @web.middleware
    async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        if _compressed(request):
            raise ApiError(
                415, "unsupported_encoding", "compressed request bodies are not accepted; send the body as is",
                headers={hdrs.ACCEPT_ENCODING: "identity"},
            )  # fmt: skip
        if getattr(request.match_info.handler, STREAMS_BODY, False):
            return await handler(request)  # it reads its body itself, within limits of its own
        declared, limit = request.content_length, request.client_max_size
        if declared is not None and limit and declared > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
        try:
            async with asyncio.timeout(timeout):
                await request.read()
        except TimeoutError:
            return await _timed_out(request)
        except (ConnectionResetError, web.RequestPayloadError):  # the client left mid-body: no traceback
            raise ApiError(400, "malformed", "the request body could not be read") from None
        return await handler(request)

    return read_body


def _compressed(request: web.Request) -> bool:
    """Whether the body declares a content coding (``identity`` is none)."""
    codings = ",".join(request.headers.getall(hdrs.CONTENT_ENCODING, ())).split(",")
    return any(coding.strip().lower() not in ("", "identity") for coding in codings)


async def _timed_out(request: web.Request) -> web.StreamResponse:
    """408, sent now, then the connection closed: aiohttp would otherwise keep reading what is left."""
    response = error_response(408, "timeout", "the request body did not arrive in time")
    if (rid := current_request_id()) is not None:  # sent before ``request_ids`` could add it
        response.headers[REQUEST_ID_HEADER] = rid
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()
    return response


@web.middleware
async def metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    registry = request.config_dict[METRICS]
    registry.in_flight += 1
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        registry.in_flight -= 1
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        registry.answered(route, request.method, status, time.perf_counter() - started)
