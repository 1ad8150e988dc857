"""The satisfaction request in words and buttons, and a customer's answer read back: pure functions.

A request goes in the customer's language and the channel's style: WhatsApp as the shop's quick-reply
template (its buttons' ids ``csat_1`` to ``csat_5``), Instagram with five quick replies carrying the same
payloads, SMS as "reply 1 to 5", email with five links to a signed page. An answer is a tapped button's
payload, or a message that starts with a score: "4", "4/5", "5 stars", "4, but the box was crushed",
"3 but late". A number that goes on as something else ("2 items missing", "1042") is not a score.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot import composer
from bot.quiet_hours import QuietHours
from bot.speaking import shop_voice
from orders.model import Order, Shop

#: The buttons' payload: ``csat_<score>`` (a WhatsApp template's button ids must be these).
PAYLOAD_PREFIX = "csat_"
SCORES = (1, 2, 3, 4, 5)
#: Instagram quick reply titles (at most 20 characters each).
QUICK_REPLY_TITLES = {1: "1 😞", 2: "2 🙁", 3: "3 😐", 4: "4 🙂", 5: "5 😍"}
#: When a shop has quiet hours off, a request (never urgent) still waits for the customer's daytime.
SURVEY_QUIET = QuietHours.parse("21:00", "08:00")

#: A link to the signed answer page of ``order`` with ``score``; built by the web layer (it holds the key).
SurveyLink = Callable[[Order, int], str]

#: The score, then the end, a "/5" or "stars", or a separator and a comment; or a space and a word that
#: starts a comment ("but", "and", ... in the six languages), never a noun ("2 items missing").
_ANSWER = re.compile(
    r"^\s*([1-5])\s*(?:(?:/\s*5|out of 5|of 5|stars?|(?:\s*⭐)+)\s*)?"
    r"(?:$|[,.;:!\-\u2013\u2014)]+\s*(?P<comment>(?!\d).*)$|\s+(?P<joined>(?:but|and|though|however|pero|y|aunque|"
    r"mas|e|porém|mais|et|aber|und|ma|però)\b.*)$)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str | None = None


def payload(score: int) -> str:
    return f"{PAYLOAD_PREFIX}{score}"


def read_answer(text: str, button_payload: str | None = None) -> Answer | None:
    """The score (and comment) a message gives; None when it gives none."""
    if button_payload and button_payload.startswith(PAYLOAD_PREFIX):
        rest = button_payload.removeprefix(PAYLOAD_PREFIX)
        if rest.isascii() and rest.isdigit() and int(rest) in SCORES:
            return Answer(int(rest))
    found = _ANSWER.match(text.replace("\ufe0f", ""))
    if found is None:
        return None
    comment = (found.group("comment") or found.group("joined") or "").strip()
    return Answer(int(found.group(1)), comment or None)


def quiet_hours(shop: Shop) -> QuietHours:
    """When a request may not go: the shop's quiet hours, or the night when it has none."""
    own = QuietHours.parse(shop.notify.quiet_start, shop.notify.quiet_end)
    return SURVEY_QUIET if own.off else own


def ask_text(
    shop: Shop, order: Order, style: str, language: str | None, link: SurveyLink | None = None
) -> tuple[str, str | None]:
    """The request in ``style`` and the customer's language, and an email's subject; email lists a link per
    score (without ``link``, it asks for a reply like the chats)."""
    voice = shop_voice(shop, order.customer.name, language)
    if style == "email" and link is not None:
        intro = composer.canned("satisfaction_email", voice, style, number=order.number).text
        lines = [
            f"{score} {'★' * score}{'☆' * (5 - score)}  {link(order, score)}" for score in reversed(SCORES)
        ]
        return "\n\n".join([intro, "\n".join(lines), shop.name]), f"{shop.name}: order #{order.number}"
    text = composer.canned("satisfaction_ask", voice, style, number=order.number).text
    return text, f"{shop.name}: order #{order.number}" if style == "email" else None


def quick_replies() -> tuple[tuple[str, str], ...]:
    """Instagram's quick replies: (title, payload) per score."""
    return tuple((QUICK_REPLY_TITLES[score], payload(score)) for score in SCORES)


def template_variables(shop: Shop, order: Order) -> dict[str, str]:
    """The quick-reply template's placeholders: {{1}} first name, {{2}} order number, {{3}} shop name."""
    first = composer.first_name(order.customer.name) or "there"
    return {"1": first, "2": order.number, "3": shop.name}


__all__ = [
    "PAYLOAD_PREFIX",
    "Answer",
    "SurveyLink",
    "ask_text",
    "payload",
    "quick_replies",
    "quiet_hours",
    "read_answer",
    "template_variables",
]
