"""What staff type after a command word, parsed into plain values or one reply line saying what is wrong.

Parsing is pure so every malformed input is tested without Telegram; a handler either gets a value it can
act on or a usage line to send back, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.staff.formatting import clip
from orders.lifecycle import Status
from orders.model import Order
from orders.usecases import BulkAction

USAGE = (
    "Usage: /attention · /order · /status · /advance · /notify · /followup · /reply · /bulk · /find · /photo · "
    "/stats · /help"
)
USAGES = {
    "attention": "/attention [hours], for example /attention 24",
    "order": "/order <number>, for example /order 1042",
    "status": "/status <number> <status> [note] [force], for example /status 1042 shipped",
    "advance": "/advance <number>, for example /advance 1042",
    "notify": "/notify <number> [text], for example /notify 1042 Your beans are on the way",
    "followup": "/followup <number> <hours> [text], for example /followup 1042 24",
    "reply": "/reply <number> <text>, for example /reply 1042 A new one ships today (or reply to an alert)",
    "bulk": "/bulk advance|notify <numbers…> or /bulk status <status> <numbers…>, "
    "for example /bulk status shipped 1001 1002",
    "find": "/find <phone or name>, for example /find 5678 or /find Ana Gomez",
    "photo": "send a photo with the caption /photo <number> [text], for example /photo 1042 Packed and "
    "ready, or send it as a reply to the order's card",
}
HELP = "\n".join(
    [
        "Order desk commands:",
        "/attention [hours] — orders that need a person",
        "/order <number> — progress and latest events",
        "/status <number> <status> [note] — change the status (add force to go backwards)",
        "/advance <number> — let the rules move the order on",
        "/notify <number> [text] — message the customer now",
        "/followup <number> <hours> [text] — message the customer later",
        "/reply <number> <text> — answer the customer (or reply to an alert about them)",
        "/bulk advance|notify|status … — one action on several orders",
        "/find <phone or name> — a customer's latest orders",
        "/photo <number> [text] — as a photo's caption: send the customer the photo",
        "/stats — orders by status and notification delivery",
        "/help — this list",
    ]
)

MAX_NUMBER = 64
MAX_TEXT = 2000  # a note or a customer message, as REST API v1 allows
MAX_HOURS = 24 * 365
MAX_BULK = 50  # one reply line each keeps the answer readable and inside 4096 characters
_BULK_ACTIONS: dict[str, BulkAction] = {
    "advance": "auto_progress",
    "notify": "notify",
    "status": "update_status",
}


def usage(name: str) -> str:
    return f"Usage: {USAGES[name]}"


def arguments(text: str | None) -> str:
    """What follows the command word in a message, with its own line breaks and spacing."""
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def head(args: str, count: int) -> tuple[list[str], str]:
    """The first ``count`` words of ``args`` and the rest as written (fewer words when there are fewer)."""
    words = args.split(maxsplit=count)
    return words[:count], (words[count].strip() if len(words) > count else "")


def number_of(word: str) -> str | None:
    """An order number as staff type it (a leading ``#`` is allowed), or None when malformed."""
    number = word.removeprefix("#")
    return number if 0 < len(number) <= MAX_NUMBER else None


def order_number(args: Sequence[str]) -> str | None:
    """The order number in ``/order <number>``, or None when malformed."""
    return number_of(args[0]) if len(args) == 1 else None


def status_of(word: str) -> Status | None:
    try:
        return Status(word.lower())
    except ValueError:
        return None


def hours_of(word: str) -> float | None:
    """A positive number of hours up to a year (``24``, ``1.5``, ``36h``), or None."""
    try:
        hours = float(word.lower().removesuffix("h"))
    except ValueError:
        return None
    return hours if math.isfinite(hours) and 0 < hours <= MAX_HOURS else None


TOO_LONG = f"The text is too long (at most {MAX_TEXT} characters)."


@dataclass(frozen=True)
class StatusArgs:
    number: str
    status: Status
    note: str | None
    force: bool


def status_args(args: str) -> StatusArgs | str:
    """``/status <number> <status> [note] [force]``; a reply line when malformed."""
    (words, rest) = head(args, 2)
    if len(words) < 2 or (number := number_of(words[0])) is None:
        return usage("status")
    status = status_of(words[1])
    if status is None:
        known = ", ".join(Status)
        return f"Unknown status {clip(words[1], 40)!r}. Choose one of: {known}.\n{usage('status')}"
    force = False
    if rest.lower() == "force" or rest.lower().endswith((" force", "\nforce")):
        force, rest = True, rest[: -len("force")].rstrip()
    if len(rest) > MAX_TEXT:
        return TOO_LONG
    return StatusArgs(number, status, rest or None, force)


@dataclass(frozen=True)
class BulkArgs:
    action: BulkAction
    status: Status | None
    numbers: list[str]


def bulk_args(args: str) -> BulkArgs | str:
    """``/bulk advance|notify <numbers…>`` or ``/bulk status <status> <numbers…>``; a reply when malformed."""
    words = args.split()
    if not words or words[0].lower() not in _BULK_ACTIONS:
        return usage("bulk")
    action, words = _BULK_ACTIONS[words[0].lower()], words[1:]
    status = None
    if action == "update_status":
        status = status_of(words[0]) if words else None
        if status is None:
            return usage("bulk")
        words = words[1:]
    numbers = [number_of(word.rstrip(",")) for word in words]
    if not numbers or None in numbers:
        return usage("bulk")
    unique = list(dict.fromkeys(n for n in numbers if n is not None))
    if len(unique) > MAX_BULK:
        return f"At most {MAX_BULK} orders at once."
    return BulkArgs(action, status, unique)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_term(term: str) -> str | None:
    """The digits of a search term that is a phone number or its end (at least 4 digits), else None."""
    if set(term) <= set("+0123456789 ()-./") and len(found := digits(term)) >= 4:
        return found.lstrip("0") or found
    return None


def phone_matches(order: Order, wanted: str) -> bool:
    """Whether the order's phone ends with ``wanted`` (national and international forms both match)."""
    return bool(order.customer.phone) and digits(order.customer.phone or "").endswith(wanted)


__all__ = [
    "HELP",
    "MAX_BULK",
    "MAX_TEXT",
    "TOO_LONG",
    "USAGE",
    "BulkArgs",
    "StatusArgs",
    "arguments",
    "bulk_args",
    "digits",
    "head",
    "hours_of",
    "number_of",
    "order_number",
    "phone_matches",
    "phone_term",
    "status_args",
    "usage",
]
