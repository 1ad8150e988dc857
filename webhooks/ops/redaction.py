"""Redaction: secrets, tokens, signatures and phone numbers scrubbed from every log line.

Defence in depth: the code should not log them in the first place. ``RedactionFilter`` sits on the one
handler ``webhooks.ops.logs.configure`` installs, so every line of every logger passes through ``redact``:
its message, its ``extra`` fields, its traceback and its stack.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable

__all__ = ["MASK", "RedactionFilter", "extras", "redact"]

MASK = "***"

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
# line with nothing to hide (the access log's) is searched for those texts, not scanned by every pattern.
_PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    # JSON Web Tokens (API tokens, dashboard links)
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), MASK, ("eyj",)),
    # Telegram bot tokens, also inside Bot API URLs (/bot<id>:<secret>/sendMessage)
    (re.compile(r"(?<!\d)\d{5,}:[\w-]{10,}"), MASK, (":",)),
    # credentials after an auth scheme
    (
        re.compile(r"\b(Bearer|Basic|Token)\s+[\w.~+/=-]+", re.IGNORECASE),
        rf"\1 {MASK}",
        ("bearer", "basic", "token"),
    ),
    # passwords in URLs (mongodb://user:password@host)
    (re.compile(r"(\w+://[^:/\s@]+:)[^@\s/]+@"), rf"\1{MASK}@", ("://",)),
    # key=value / "key": "value" where the key names a secret, a token, a signature or a password (the
    # match starts only where a key can, at the start of a word, so it is not tried at every character)
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
        rf"\1{MASK}",
        tuple(key.partition("[")[0] for key in _SECRET_KEYS),  # "api[_-]?key" needs "api"
    ),
    # HMAC hex digests (sha256=..., X-Orderbot-Signature values)
    (re.compile(r"\bsha(?:1|256)=[0-9A-Fa-f]{20,}"), MASK, ("sha",)),
    # long random-looking strings (generated webhook secrets, auth tokens), but not Twilio SIDs
    (
        re.compile(r"(?<![\w-])(?!(?:AC|SM|MM|MG|CA|PN|SK)[0-9a-f]{32}(?![\w-]))[\w-]{32,}(?![\w-])"),
        MASK,
        (),
    ),
    # email addresses, also URL-encoded (a search in a query string, an SMTP server's refusal)
    (re.compile(r"[\w.+'-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+"), MASK, ("@", "%40")),
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
        text = text.replace(secret, MASK)
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
        for key in extras(record):
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


def extras(record: logging.LogRecord) -> list[str]:
    """The names of what was passed to the record as ``extra``, in the order given."""
    if not record.__dict__.keys() - _STANDARD:  # the usual case, at the cost of one set operation
        return []
    return [key for key in record.__dict__ if key not in _STANDARD]
