"""Logging for every ``orderbot`` process: configured once at start-up, one event a line.

JSON by default (``web``, ``worker``), plain text for people at a terminal (``serve``). Every line names
the request that caused it (``request_id``): the middleware here takes a sane incoming ``X-Request-Id`` or
makes one, echoes it in the response and keeps it in a context variable that outlives the response in the
work it started (see ``orders.correlation``). Every line passes the redaction filter
(``webhooks.ops.redaction``) on its way out.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable
from typing import IO, Literal

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from orders.correlation import request_id
from webhooks.ops.redaction import MASK, RedactionFilter, extras

LogFormat = Literal["json", "text"]

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")

#: Libraries that describe every request they make at INFO, line by line (the twilio SDK, for each message
#: sent): a busy worker would spend its time writing them. Heard at WARNING and up unless the level is DEBUG.
CHATTY_LOGGERS = ("twilio.http_client", "twilio.async_http_client")


def _jsonable(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)  # datetimes, dates and times
    return isoformat() if callable(isoformat) else str(value)


_JSON = json.JSONEncoder(default=_jsonable)  # made once: json.dumps(default=...) makes one a call


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, then the record's extras, and
    ``exc_info`` / ``stack_info`` when it has them.

    The fields are fixed, so this writes them directly: python-json-logger finds them anew for every line,
    and the access log writes a line a request.
    """

    _second: int | None = None
    _stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """The time to the second, made once a second (the handler's lock keeps one line at a time here)."""
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, super().formatTime(record, datefmt)
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in extras(record):
            line[key] = getattr(record, key)
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return _JSON.encode(line)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


#: Library loggers that write whole documents, API parameters or bodies at DEBUG: pymongo's command log
#: (every command and reply: names, emails, phones, message bodies), python-telegram-bot (every Bot API call
#: with its text and Telegram's answer, every update handled) and google-genai (the model's undecodable
#: answers). Redaction finds phones and emails, never a name or what a customer wrote, so these stay at INFO
#: whatever ``ORDERBOT_LOG_LEVEL`` says. Their other loggers (pymongo's connections and server selection,
#: httpx, httpcore, the twilio SDK, aiohttp) name hosts, statuses and headers, and follow the level.
QUIET_LOGGERS = ("pymongo.command", "telegram", "google_genai")


def configure(
    log_format: LogFormat = "json",
    *,
    level: int | str = logging.INFO,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every logger's records, redacted and with their request id, to ``stream`` (stderr).

    Replaces the root logger's handlers, so calling it again reconfigures rather than duplicates.

    Args:
        log_format: ``json`` (one object a line) or ``text`` (for people).
        level: The root logger's level (below DEBUG, ``CHATTY_LOGGERS`` say only warnings and errors).
        secrets: Values known to be secret (provider tokens, the signing key), masked wherever they appear.
        stream: Where lines go (default: stderr).

    Returns:
        The handler, for a caller (a test) that wants to remove it again.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactionFilter(secrets))
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonLines(datefmt="%Y-%m-%dT%H:%M:%S%z")
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "orderbot", False):
            root.removeHandler(old)
    handler.orderbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:  # never below INFO, and never more talkative than the rest
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if root.level > logging.DEBUG else logging.NOTSET)
    # No line shows the thread or the process (the logging HOWTO's "Optimization"): not worth finding out.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    return handler


_ACCESS_LINE = '%s "%s %s" %s %s %.1fms'
#: ``search`` takes what staff type to find a customer (a name, an email, a phone), ``ticket`` opens an event
#: stream (``webhooks.live.tickets``): their values are not logged.
_SEARCH_VALUE = re.compile(r"([?&](?:search|ticket)=)[^&#]*")
#: A media link's token opens a photo to whoever has it: the path is logged without it.
MEDIA_PREFIX = "/media/"


class AccessLog(AbstractAccessLogger):
    """One line a request: client, method, path and query, status, body size and milliseconds.

    aiohttp's default access logger also attaches each of its fields to the record as an ``extra``, which the
    redaction filter would then scrub one by one on every request; this one hands it a single line.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.enabled:  # aiohttp asks once a connection; the level may have changed since
            return
        target = request.path_qs
        if target.startswith(MEDIA_PREFIX):
            target = MEDIA_PREFIX + MASK
        if "search=" in target or "ticket=" in target:
            target = _SEARCH_VALUE.sub(rf"\1{MASK}", target)
        args = (
            request.remote,
            request.method,
            target,
            response.status,
            response.body_length,
            time * 1000,
        )
        # handed over as made: Logger.info would also look up which line of aiohttp called, for no one to read
        self.logger.handle(
            self.logger.makeRecord(self.logger.name, logging.INFO, "", 0, _ACCESS_LINE, args, None)
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def new_request_id() -> str:
    return secrets.token_hex(8)


def incoming_request_id(value: str | None) -> str:
    """The caller's request id when it is sane (short, plain characters), else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id, for its log lines, the work it causes and the response header.

    The variable is not reset: aiohttp runs each request in its own task, whose access log line comes
    after the response and should carry the id too.
    """
    rid = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
    request_id.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = rid
        raise
    response.headers[REQUEST_ID_HEADER] = rid
    return response


__all__ = [
    "QUIET_LOGGERS",
    "REQUEST_ID_HEADER",
    "AccessLog",
    "JsonLines",
    "LogFormat",
    "RequestIdFilter",
    "configure",
    "incoming_request_id",
    "request_ids",
]
