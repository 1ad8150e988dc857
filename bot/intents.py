"""What a customer wants, from the way people really write: pure functions, no AI, no I/O.

``parse("hey where's my stuff?? order #1042")`` → ``Parsed(Intent.ORDER_STATUS, "1042")``. Typos in the
words that matter are forgiven (``ordr``, ``trackng``), case and emoji are ignored, and the SMS keywords
(STOP, START, HELP, ...) count only as the whole message, the way carriers and Twilio treat them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import get_close_matches
from enum import StrEnum


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    TRACKING = "tracking"
    LIST_ORDERS = "list_orders"
    CANCEL_REQUEST = "cancel_request"
    HUMAN = "human"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    order_number: str | None = None
    email: str | None = None
    phone_last4: str | None = None


OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "subscribe"})
HELP_WORDS = frozenset({"help", "info"})

_HUMAN = (
    r"\b(human|person|agent|operator|representative|rep|someone|somebody|staff|manager|support|"
    r"customer service|real person|speak to|talk to|call me|live chat)\b"
)
_CANCEL = r"\b(cancel+(ed|led|ing)?|cancellation|don'?t want|do not want|no longer want|call off|refund)\b"
_TRACKING = r"\b(track(ing)?|trace|tracker|carrier|courier|shipment|parcel|package|ups|usps|fedex|dhl)\b"
_LIST = r"\b(my orders|all (of )?my orders|orders i|list|all orders|other orders|any orders|orders\?*$)"
_STATUS = (
    r"\b(where|status|update|order|ordered|stuff|delivery|deliver(ed)?|arrive|arriving|shipped|ship|"
    r"when|eta|late|still|waiting|yet|progress|happening|news)\b"
)
_THANKS = r"\b(thanks?|thank you|thx|thnx|ty|cheers|appreciate(d)?|grateful|great|perfect|awesome)\b"
_GREETING = r"^(hi+|hello+|hey+|heya|hiya|yo|good (morning|afternoon|evening)|howdy|hola|greetings)\b"
_MENU = r"\b(help|menu|options|what can you do|how does this work|commands)\b"

_KEYWORDS = [
    "order", "orders", "tracking", "track", "where", "status", "cancel", "human", "agent", "package",
    "delivery", "shipped", "thanks", "hello", "refund", "parcel", "update", "arrive",
]  # fmt: skip

_ORDER_NUMBER = re.compile(
    r"(?:#\s*([a-z0-9][a-z0-9-]{1,19})\b)"
    r"|(?:\border\s*(?:no\.?|num(?:ber)?|nr\.?|id|#)?\s*[:#]?\s*([a-z]{0,3}-?\d{3,12})\b)"
    r"|(?:(?<![\d+])\b(\d{3,10})\b(?![\d.,:/]))"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def normalise(text: str) -> str:
    """Lowercase, accents and emoji removed, smart quotes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text).replace("\u2019", "'").replace("\u2018", "'")
    kept = "".join(ch for ch in text if ch.isascii() and (ch.isprintable() or ch.isspace()))
    return re.sub(r"\s+", " ", kept.lower()).strip()


def _fix_typos(text: str) -> str:
    """Replace words close to a keyword ("ordr", "trackng", "whre") with the keyword."""
    words = []
    for word in text.split(" "):
        bare = word.strip("?!.,")
        match = []
        if len(bare) >= 4 and bare.isalpha() and bare not in _KEYWORDS:
            match = get_close_matches(bare, _KEYWORDS, n=1, cutoff=0.8)
        words.append(word.replace(bare, match[0]) if match else word)
    return " ".join(words)


def order_number(text: str) -> str | None:
    """The order number a message mentions: "#1042", "order 1042", "order no. A-1042", or a bare "1042"."""
    clean = _EMAIL.sub(" ", normalise(text))
    clean = re.sub(r"\+?\d[\d\s().-]{9,}\d", " ", clean)  # phone numbers are not order numbers
    for match in _ORDER_NUMBER.finditer(clean):
        found = next(group for group in match.groups() if group)
        if match.group(3) and _looks_like_quantity(clean, match.end(3)):
            continue
        return found.upper() if not found.isdigit() else found
    return None


def _looks_like_quantity(text: str, end: int) -> bool:
    return bool(
        re.match(r"\s*(x\b|pcs|pieces|items|bags|units|kg|g\b|ml|days|hours|hrs|mins|minutes)", text[end:])
    )


def parse(text: str) -> Parsed:
    """The intent of a customer's message and the order number, email or phone digits it gives."""
    clean = normalise(text)
    bare = re.sub(r"[^a-z]", "", clean)
    if bare in OPT_OUT_WORDS and len(clean) <= 14:
        return Parsed(Intent.OPT_OUT)
    if bare in OPT_IN_WORDS and len(clean) <= 10:
        return Parsed(Intent.OPT_IN)
    if bare in HELP_WORDS and len(clean) <= 6:
        return Parsed(Intent.HELP)
    fixed = _fix_typos(clean)
    number = order_number(text)
    email_match = _EMAIL.search(clean)
    last4 = re.search(r"(?:last (?:4|four)[^0-9]*|ending (?:in )?|^)(\d{4})$", clean)
    details = {
        "order_number": number,
        "email": email_match.group(0) if email_match else None,
        "phone_last4": last4.group(1) if last4 and last4.group(1) != number else None,
    }
    for pattern, intent in (
        (_HUMAN, Intent.HUMAN),
        (_CANCEL, Intent.CANCEL_REQUEST),
        (_TRACKING, Intent.TRACKING),
        (_LIST, Intent.LIST_ORDERS),
    ):
        if re.search(pattern, fixed):
            return Parsed(intent, **details)
    if re.search(_STATUS, fixed) or number:
        return Parsed(Intent.ORDER_STATUS, **details)
    if re.search(_THANKS, fixed):
        return Parsed(Intent.THANKS)
    if re.search(_GREETING, fixed):
        return Parsed(Intent.GREETING)
    if re.search(_MENU, fixed):
        return Parsed(Intent.HELP)
    return Parsed(Intent.UNKNOWN, **details)
