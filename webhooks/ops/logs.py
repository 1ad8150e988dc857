"""Logging for every ``orderbot`` process: configured once at start-up, one event a line.

JSON by default (``web``, ``worker``), plain text for people at a terminal (``serve``). Every line names
the request that caused it (``request_id``): the middleware here takes a sane incoming ``X-Request-Id`` or
makes one, echoes it in the response and keeps it in a context variable that outlives the response in the
work it started (see ``orders.correlation``). A redaction filter scrubs secrets, tokens, signatures and
phone numbers from every line as defence in depth: the code should not log them in the first place.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import traceback
from collections.abc import Iterable
from typing import IO, Literal

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from orders.correlation import request_id

LogFormat = Literal["json", "text"]

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_MASK = "***"

#: Libraries that describe every request they make at INFO, line by line (the twilio SDK, for each message
#: sent): a busy worker would spend its time writing them. Heard at WARNING and up unless the level is DEBUG.
CHATTY_LOGGERS = ("twilio.http_client", "twilio.async_http_client")

#: Fields every record has; anything else on a record was passed as ``extra`` and is redacted too.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

#: What a key naming a secret contains (as regular expressions).
_SECRET_KEYS = (
    "token",
    "secret",
    "signature",
    "password",
    "passwd",
    "authorization",
    "api[_-]?key",
    "hmac",
    "cookie",
)

# Order matters: whole tokens first, then key=value pairs, then numbers. Each pattern comes with the
# lower-case texts one of which a line must contain for it to match (none: it always runs), so that a
# line with nothing to hide (the access log's) costs a few substring checks instead of nine scans.
_PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    # JSON Web Tokens (API tokens, dashboard links)
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), _MASK, ("eyj",)),
    # Telegram bot tokens, also inside Bot API URLs (/bot<id>:<secret>/sendMessage)
    (re.compile(r"(?<!\d)\d{5,}:[\w-]{10,}"), _MASK, (":",)),
    # credentials after an auth scheme
    (
        re.compile(r"\b(Bearer|Basic|Token)\s+[\w.~+/=-]+", re.IGNORECASE),
        rf"\1 {_MASK}",
        ("bearer", "basic", "token"),
    ),
    # passwords in URLs (mongodb://user:password@host)
    (re.compile(r"(\w+://[^:/\s@]+:)[^@\s/]+@"), rf"\1{_MASK}@", ("://",)),
    # key=value / "key": "value" where the key names a secret, a token, a signature or a password (the
    # match starts only where a key can, at the start of a word: from anywhere else it costs ~60 µs a line)
    (
        re.compile(
            r"""(?ix)
            ( (?<![\w.-]) [\w.-]*?(?:"""
            + "|".join(_SECRET_KEYS)
            + r""")[\w.-]*
              ["']? \s* [:=] \s* ["']? )
            (?!\*\*\*) [^\s"'&,;}\]]+
            """
        ),
        rf"\1{_MASK}",
        tuple(key.partition("[")[0] for key in _SECRET_KEYS),  # "api[_-]?key" needs "api"
    ),
    # HMAC hex digests (sha256=..., X-Orderbot-Signature values)
    (re.compile(r"\bsha(?:1|256)=[0-9A-Fa-f]{20,}"), _MASK, ("sha",)),
    # long random-looking strings (generated webhook secrets, auth tokens), but not Twilio SIDs
    (
        re.compile(r"(?<![\w-])(?!(?:AC|SM|MM|MG|CA|PN|SK)[0-9a-f]{32}(?![\w-]))[\w-]{32,}(?![\w-])"),
        _MASK,
        (),
    ),
    # email addresses, also URL-encoded (a search in a query string, an SMTP server's refusal)
    (re.compile(r"[\w.+'-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+"), _MASK, ("@", "%40")),
    # phone numbers: E.164, URL-encoded E.164, and long bare digit runs (WhatsApp ids) keep their last 4
    (re.compile(r"(\+|%2[Bb])[\d ().-]{3,}(\d{4})\b"), r"\1…\2", ("+", "%2b")),
    (re.compile(r"(?<![\w.-])\d{5,11}(\d{4})(?![\w.])"), r"…\1", ()),
)

#: A run of at least 7 digits, grouped as people and checkouts write phones (415.555.0143, (415) 555-0143),
#: ending in 3 digits and not running on into a word or another number. Shaped so that the common lines
#: (an access log's ``200 242 11.9ms``, a timestamp) fail here without a call to Python.
_DIGIT_RUN = re.compile(r"(?<![\w.+/:-])\(?\d(?:[ ().-]{0,2}\d){6,}(?<=\d\d\d)(?!\w|[.-]\d)")
_GROUPS = re.compile(r"\d+")


def _grouped_phone(run: re.Match[str]) -> str:
    """The run masked to its last 4 digits when it is a phone written in groups: 3 groups or more (or 2 of
    10 digits or more: 07700 900123), the last of 3 digits or more, not an IPv4 address. Digits without
    groups are the other patterns' business.
    """
    text = run.group()
    groups = _GROUPS.findall(text)
    digits = "".join(groups)
    if len(groups) < 2 or len(groups[-1]) < 3 or (len(groups) < 3 and len(digits) < 10):
        return text
    if len(groups) == 4 and text.count(".") == 3 and all(len(group) <= 3 for group in groups):
        return text  # an IPv4 address
    return f"…{digits[-4:]}"


_NEEDLES = frozenset(needle for _, _, needles in _PATTERNS for needle in needles)


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` without the ``known`` secret values, tokens, signatures or full phone numbers."""
    for secret in known:
        text = text.replace(secret, _MASK)
    lowered = text.lower()
    present = {needle for needle in _NEEDLES if needle in lowered}  # each looked for once, not per pattern
    for pattern, replacement, needles in _PATTERNS:
        if not needles or not present.isdisjoint(needles):
            text = pattern.sub(replacement, text)
    return _DIGIT_RUN.sub(_grouped_phone, text)


class RedactionFilter(logging.Filter):
    """Rewrites each record's message, extras, traceback and stack with ``redact`` before it is written."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole; short values would mask noise.
        self.known = sorted({value for value in known if len(value) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.known)
        record.args = None
        if record.exc_info:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.known)
        for key in _extras(record):
            setattr(record, key, self._scrub(getattr(record, key)))
        return True

    def _scrub(self, value: object) -> object:
        """Strings redacted, also inside the dicts and lists an ``extra`` may carry (aiohttp's headers)."""
        if isinstance(value, str):
            return redact(value, self.known)
        if isinstance(value, dict):
            return {key: self._scrub(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        return value


def _extras(record: logging.LogRecord) -> list[str]:
    """The names of what was passed to the record as ``extra``, in the order given."""
    if not record.__dict__.keys() - _STANDARD:  # the usual case, at the cost of one set operation
        return []
    return [key for key in record.__dict__ if key not in _STANDARD]


def _jsonable(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)  # datetimes, dates and times
    return isoformat() if callable(isoformat) else str(value)


_JSON = json.JSONEncoder(default=_jsonable)  # made once: json.dumps(default=...) makes one a call


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, then the record's extras, and
    ``exc_info`` / ``stack_info`` when it has them.

    The fields are fixed, so this writes them directly: python-json-logger finds them anew for every line,
    at ~10 µs a line, and the access log writes a line a request.
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
        for key in _extras(record):
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
#: ``search`` takes what staff type to find a customer (a name, an email, a phone): its value is not logged.
_SEARCH_VALUE = re.compile(r"([?&]search=)[^&#]*")


class AccessLog(AbstractAccessLogger):
    """One line a request: client, method, path and query, status, body size and milliseconds.

    aiohttp's default access logger also attaches each of its fields to the record as an ``extra``, which the
    redaction filter then scrubs one by one: about 270 µs a request, a sixth of a webhook's time under load.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.enabled:  # aiohttp asks once a connection; the level may have changed since
            return
        target = request.path_qs
        if "search=" in target:
            target = _SEARCH_VALUE.sub(rf"\1{_MASK}", target)
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
    "RedactionFilter",
    "RequestIdFilter",
    "configure",
    "incoming_request_id",
    "redact",
    "request_ids",
]
